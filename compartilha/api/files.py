"""My files: upload, list, metadata, download, delete."""

from math import ceil
from typing import Any

from flask import g, jsonify

from ..http import rate_limits, scopes
from ..http.identity import BEARER, client_address, login_required, require_user
from ..http.multipart import accepts_upload, quota_checked
from ..http.sending import accel_redirect, presigned_redirect, send_file_record
from ..services import files, folder_paths, folders, shares, throttle
from . import bp
from .schemas import FileChangeIn, FileEnvelope, FileFilterIn, FileList, UploadedEnvelope, UploadIn
from .serializers import file_json, file_listed, share_json


@bp.post("/files")
@rate_limits.upload
@accepts_upload
@login_required
@quota_checked
@bp.input(UploadIn, location="form_and_files", arg_name="files_data")
@bp.output(UploadedEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={403: "`share=1` from an account that may not create "
                                         "public links (`public_links_disabled`), or by "
                                         "an API token without `shares:write`",
                                    404: "no such folder of mine (`folder_id`)",
                                    413: "larger than MAX_UPLOAD_BYTES (`too_large`), or "
                                         "over my storage quota (`quota_exceeded`)",
                                    422: "no file, a refused type, a wrong `path`, or "
                                         "malware (`malware_detected`)",
                                    429: "too many uploads (RATELIMIT_UPLOAD), or with "
                                         "`share=1` too many links (RATELIMIT_SHARE)",
                                    503: "the antivirus gave no verdict "
                                         "(`scanner_unavailable`)",
                                    507: "no room left in storage"})
def upload(files_data):
    """Upload one file (multipart, field `file`), into a folder (`folder_id`) and with
    the folders of its relative `path`; with `share=1` also a public link to it, with
    the instance's default options (one request for ShareX and scripts)."""
    part, user_id = files_data["file"], require_user().id
    linked = files_data.get("share", False)
    if linked:  # refused before anything is stored
        if g.get("api_token") is not None:
            scopes.also_needed(g.api_token, "shares:write")
        shares.may_create_public(user_id, field="share")
        throttle.take("share-create", client_address())
    folder_id, name = folder_paths.destination(user_id, files_data.get("folder_id"),
                                          files_data.get("path"), part.filename)
    record = files.store(user_id, name, part.mimetype, part.stream, folder_id)
    if not linked:
        return {"file": file_json(record)}
    return {"file": file_json(record), "share": share_json(shares.create(user_id, record.id))}


@bp.get("/files")
@login_required
@bp.input(FileFilterIn, location="query")
@bp.output(FileList)
@bp.doc(security=BEARER, responses={404: "no such folder of mine (`folder_id`)"})
def list_files(query_data):
    """My files, newest first, paginated; of one folder (`folder_id`), or whose names
    contain `q` (in every folder)."""
    user_id, folder_id, q = require_user().id, query_data.get("folder_id"), query_data.get("q")
    if folder_id is None and q is None:
        page = files.list_rows(user_id, query_data["page"], query_data["per_page"])
    else:
        if folder_id:
            folders.get_owned(user_id, folder_id)
        page = files.find_rows(user_id, folder_id, q, query_data["page"],
                               query_data["per_page"])
    # Already plain JSON values: a Response skips the output schema's per-row work.
    return jsonify({"files": [file_listed(row) for row in page.items],
                    "pagination": {"page": page.page, "per_page": page.per_page,
                                   "total": page.total,
                                   "pages": ceil(page.total / page.per_page)}})


@bp.get("/files/<id:file_id>")
@login_required
@bp.output(FileEnvelope)
@bp.doc(security=BEARER, responses={404: "no such file of mine"})
def get_file(file_id):
    """One file's metadata."""
    return {"file": file_json(files.get_owned(require_user().id, file_id))}


@bp.patch("/files/<id:file_id>")
@login_required
@bp.input(FileChangeIn)
@bp.output(FileEnvelope)
@bp.doc(security=BEARER, responses={404: "no such file (or folder) of mine",
                                    422: "a refused name"})
def change_file(file_id, json_data):
    """Rename the file (`name`) and/or move it to a folder (`folder_id`, null: the root)."""
    user_id = require_user().id
    folder = None
    if "folder_id" in json_data:
        folder = (folders.owned_or_root(user_id, json_data["folder_id"], "folder_id"),)
    record = files.change(user_id, file_id, json_data.get("name"), folder)
    return {"file": file_json(record)}


# The bytes come with the file's own stored type as Content-Type, whatever it is (`*/*`);
# octet-stream is listed first for generated clients, which then hand out the bytes.
BINARY = {"schema": {"type": "string", "format": "binary"}}
BYTES = {"application/octet-stream": BINARY, "*/*": BINARY}
DOWNLOAD_RESPONSES: dict[int | str, Any] = {
    200: {"description": "the bytes, as an attachment, typed as stored", "content": BYTES},
    206: {"description": "a byte range", "content": BYTES},
    302: {"description": "with S3_PRESIGNED_DOWNLOADS=1: to a 5-minute presigned URL"},
    404: "no such file of mine", 416: "range not satisfiable"}


@bp.get("/files/<id:file_id>/download")
@login_required
@bp.doc(security=BEARER, responses=DOWNLOAD_RESPONSES)
def download(file_id):
    """The file's bytes, as an attachment, with Range and ETag."""
    record = files.get_owned(require_user().id, file_id)
    return presigned_redirect(record) or accel_redirect(record) or send_file_record(record)


@bp.delete("/files/<id:file_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: "no such file of mine"})
def delete_file(file_id):
    """Delete the file, its bytes and its share links."""
    files.delete(require_user().id, file_id)
    return ""
