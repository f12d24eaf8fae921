"""The audit log page (admins only): newest events first, filtered by kind of action,
actor (an id or an email) and dates, a page at a time; the CSV export is the API's, with
the same filters (the page's session cookie signs it in)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from math import ceil
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from ..http.identity import require_user
from ..services import audit, audit_entries
from . import bp
from .admin import page_admin_required

PER_PAGE = 50


def _day(text: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        return None


def _filters(form: dict[str, str]) -> tuple[audit.Filters, list[str]]:
    errors = []
    since, until = _day(form["since"]), _day(form["until"])
    if (form["since"] and since is None) or (form["until"] and until is None):
        errors.append(_("A date is written as YYYY-MM-DD."))
    action = form["action"] if form["action"] in audit_entries.GROUPS else None
    actor_id = audit.actor_id_of(form["actor"])
    if actor_id == 0:
        errors.append(_("No account has this id or email."))
    return audit.Filters(action=action, actor_id=actor_id,
                         since=since, until=until + timedelta(days=1) if until else None
                         ), errors


def _export_url(filters: audit.Filters) -> str:
    args: dict[str, Any] = {"action": filters.action, "actor_id": filters.actor_id,
                            "since": filters.since and filters.since.isoformat(),
                            "until": filters.until and filters.until.isoformat()}
    return url_for("api.export_audit", **{k: v for k, v in args.items() if v is not None})


@bp.get("/admin/audit")
@page_admin_required
def admin_audit():
    form = {key: request.args.get(key, "").strip()[:255]
            for key in ("action", "actor", "since", "until")}
    filters, errors = _filters(form)
    asked = request.args.get("page", "1")
    number = min(int(asked), 1_000_000) if asked.isdigit() and int(asked) > 0 else 1
    page = audit.search(require_user(), filters, number, PER_PAGE)
    return render_template("pages/admin_audit.html", page=page, form=form, errors=errors,
                           groups=audit_entries.GROUPS, actors=audit.actors(page.items),
                           pages=max(1, ceil(page.total / PER_PAGE)),
                           export_url=None if errors else _export_url(filters))
