"""My folders: create, list, open, rename, move, delete with their content."""

from ..http.identity import BEARER, login_required, require_user
from ..services import folders
from ..services.folders import UNSET
from . import bp
from .schemas import (
    FolderChangeIn,
    FolderContent,
    FolderEnvelope,
    FolderFilterIn,
    FolderIn,
    FolderList,
)
from .serializers import file_json, folder_json

NOT_MINE = "no such folder of mine"


@bp.post("/folders")
@login_required
@bp.input(FolderIn)
@bp.output(FolderEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={404: f"{NOT_MINE} (`parent_id`)",
                                    422: "an empty name, or one with / or \\"})
def create_folder(json_data):
    """Create a folder, at the root or in `parent_id`."""
    folder = folders.create(require_user().id, json_data["name"], json_data["parent_id"])
    return {"folder": folder_json(folder)}


@bp.get("/folders")
@login_required
@bp.input(FolderFilterIn, location="query")
@bp.output(FolderList)
@bp.doc(security=BEARER, responses={404: f"{NOT_MINE} (`parent_id`)"})
def list_folders(query_data):
    """The folders in `parent_id` (absent: at the root), by name."""
    user_id = require_user().id
    parent = folders.owned_or_root(user_id, query_data.get("parent_id"))
    found, _ = folders.children(user_id, parent)
    return {"folders": [folder_json(folder) for folder in found]}


@bp.get("/folders/<id:folder_id>")
@login_required
@bp.output(FolderContent)
@bp.doc(security=BEARER, responses={404: NOT_MINE})
def get_folder(folder_id):
    """A folder, its path from the root, and what is in it (folders, then files, by name)."""
    user_id = require_user().id
    folder = folders.get_owned(user_id, folder_id)
    found, held = folders.children(user_id, folder.id)
    return {"folder": folder_json(folder),
            "path": [folder_json(above) for above in folders.breadcrumbs(folder)],
            "folders": [folder_json(f) for f in found], "files": [file_json(f) for f in held]}


@bp.patch("/folders/<id:folder_id>")
@login_required
@bp.input(FolderChangeIn)
@bp.output(FolderEnvelope)
@bp.doc(security=BEARER, responses={404: NOT_MINE,
                                    422: "a wrong name, or a move into itself or below "
                                         "it (`folder_cycle`)"})
def change_folder(folder_id, json_data):
    """Rename (`name`) and/or move (`parent_id`, null: to the root) a folder."""
    folder = folders.change(require_user().id, folder_id, json_data.get("name", UNSET),
                            json_data.get("parent_id", UNSET))
    return {"folder": folder_json(folder)}


@bp.delete("/folders/<id:folder_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: NOT_MINE})
def delete_folder(folder_id):
    """Delete the folder with everything in it: subfolders, files, their bytes and links."""
    folders.delete(require_user().id, folder_id)
    return ""
