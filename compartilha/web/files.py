"""My files: the list (uploads, shares and deletes run in the browser against the API)
and the sandboxed owner preview."""

from __future__ import annotations

from math import ceil

from flask import current_app, render_template, request

from ..http.identity import require_user
from ..http.sending import PREVIEWABLE, can_preview, send_preview
from ..services import files
from . import bp
from .helpers import page_login_required

PER_PAGE = 100


@bp.get("/files")
@page_login_required
def my_files():
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    page = files.list_for(require_user().id, page_number, PER_PAGE)
    return render_template("pages/files.html", page=page, pages=max(1, ceil(page.total / PER_PAGE)),
                           can_preview=can_preview, previewable=list(PREVIEWABLE),
                           max_upload=current_app.config["MAX_UPLOAD_BYTES"])


@bp.get("/files/<id:file_id>/preview")
@bp.get("/files/<id:file_id>/preview/<path:name>")  # the name titles Chromium's PDF viewer
@page_login_required
def file_preview(file_id: int, name: str | None = None):
    """Inline bytes of a safe type under a sandbox CSP; HTML and SVG are never served here."""
    return send_preview(files.get_owned(require_user().id, file_id))
