"""My files, a folder browser (uploads, moves, shares and deletes run in the browser against
the API), and the sandboxed owner preview."""

from __future__ import annotations

from math import ceil

from flask import render_template, request

from ..http.converters import ID_MAX
from ..http.identity import require_user
from ..http.sending import PREVIEWABLE, can_preview, send_preview
from ..models import Folder
from ..services import files, folders, quotas, settings
from . import bp
from .helpers import page_login_required

PER_PAGE = 100


def _folder_arg(user_id: int) -> Folder | None:
    """The folder of `?folder=` (None: the root); another user's is a 404 page."""
    folder_id = request.args.get("folder", type=int)
    if folder_id is None or not 0 < folder_id <= ID_MAX:
        return None
    return folders.get_owned(user_id, folder_id)


@bp.get("/files")
@page_login_required
def my_files():
    """A folder (`?folder=`, the root without it), or the search `?q=` in every folder."""
    user_id = require_user().id
    folder = _folder_arg(user_id)
    q = " ".join(request.args.get("q", "").split())[:255] or None
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    tree = folders.paths(user_id)
    if q:
        page = files.list_for(user_id, page_number, PER_PAGE, q=q)
        subfolders = [f for _, f in tree if q.casefold() in f.name.casefold()]
    else:
        page = files.list_for(user_id, page_number, PER_PAGE,
                              folder_id=folder.id if folder else files.ROOT)
        subfolders = folders.children(user_id, folder.id if folder else None)[0]
    return render_template(
        "pages/files.html", page=page, pages=max(1, ceil(page.total / PER_PAGE)),
        folder=folder, q=q, subfolders=subfolders, crumbs=folders.breadcrumbs(folder),
        tree=tree, where={f.id: path for path, f in tree}, counts=folders.contents(user_id),
        can_preview=can_preview, previewable=list(PREVIEWABLE),
        max_upload=settings.current("max_upload_bytes"), usage=quotas.usage(user_id))


@bp.get("/files/<id:file_id>/preview")
@bp.get("/files/<id:file_id>/preview/<path:name>")  # the name titles Chromium's PDF viewer
@page_login_required
def file_preview(file_id: int, name: str | None = None):
    """Inline bytes of a safe type under a sandbox CSP; HTML and SVG are never served here."""
    return send_preview(files.get_owned(require_user().id, file_id))
