"""The audit log, for admins (403 `admin_only` for a user): a page of it as JSON, or all
of it that matches as CSV."""

from math import ceil
from typing import Any

from flask import Response, stream_with_context

from ..http.identity import BEARER, admin_required, require_user
from ..services import audit
from . import bp
from .schemas import AuditFilterIn, AuditList, AuditPageIn
from .serializers import audit_event_json

ADMIN_ONLY = "not an admin (admin_only)"
CSV: dict[str, Any] = {
    "description": "every matching event, oldest first, as CSV (a header line; a cell that "
                   "would start with = + - @ starts with ' instead)",
    "content": {"text/csv": {"schema": {"type": "string"}}}}

EXPORT_RESPONSES: dict[int | str, Any] = {200: CSV, 403: ADMIN_ONLY}


def filters(query_data: dict[str, Any]) -> audit.Filters:
    return audit.Filters(action=query_data.get("action"), actor_id=query_data.get("actor_id"),
                         target=query_data.get("target"), since=query_data.get("since"),
                         until=query_data.get("until"))


@bp.get("/admin/audit")
@admin_required
@bp.input(AuditPageIn, location="query")
@bp.output(AuditList)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY})
def list_audit(query_data):
    """Events of the audit log, newest first, paginated and filtered."""
    page = audit.search(require_user(), filters(query_data), query_data["page"],
                        query_data["per_page"])
    return {"events": [audit_event_json(row) for row in page.items],
            "pagination": {"page": page.page, "per_page": page.per_page, "total": page.total,
                           "pages": ceil(page.total / page.per_page)}}


@bp.get("/admin/audit.csv")
@admin_required
@bp.input(AuditFilterIn, location="query")
@bp.doc(security=BEARER, responses=EXPORT_RESPONSES)
def export_audit(query_data):
    """The matching events as a CSV file, streamed (the filters of the list; no pages)."""
    lines = audit.export_csv(require_user(), filters(query_data))
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
