"""My files: upload, list, metadata, download, delete."""

from math import ceil
from typing import Any

from flask import jsonify

from ..http import rate_limits
from ..http.identity import BEARER, login_required, require_user
from ..http.multipart import accepts_upload
from ..http.sending import accel_redirect, presigned_redirect, send_file_record
from ..services import files
from . import bp
from .schemas import FileEnvelope, FileList, PageIn, UploadIn
from .serializers import file_json, file_listed


@bp.post("/files")
@rate_limits.upload
@accepts_upload
@login_required
@bp.input(UploadIn, location="files")
@bp.output(FileEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={413: "larger than MAX_UPLOAD_BYTES",
                                    422: "no file, or a refused type",
                                    429: "too many uploads (RATELIMIT_UPLOAD)",
                                    507: "no room left in storage"})
def upload(files_data):
    """Upload one file (multipart, field `file`)."""
    part = files_data["file"]
    record = files.store(require_user().id, part.filename, part.mimetype, part.stream)
    return {"file": file_json(record)}


@bp.get("/files")
@login_required
@bp.input(PageIn, location="query")
@bp.output(FileList)
@bp.doc(security=BEARER)
def list_files(query_data):
    """My files, newest first, paginated."""
    page = files.list_rows(require_user().id, query_data["page"], query_data["per_page"])
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
