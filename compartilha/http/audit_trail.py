"""Feeds the audit log (services.audit) from the security events of `logs.event`.

During a request the rows wait in `g` and are written once the request's work is over
(teardown), in a transaction of their own: an event logged just before an error rolls
the request back (a failed sign-in) is still kept, and on SQLite the request's session
no longer holds the one write lock when they are written. Outside a request (commands,
jobs) a row is written at once, unless the context's session holds SQLite's write lock
(the row would wait for it, from the same thread, until the busy timeout): then it
waits for the end of the app context. A failure to write is logged, never the request's.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, has_request_context

from .. import logs
from ..extensions import db
from ..services import audit, audit_entries

log = logging.getLogger(__name__)


def _collect(name: str, fields: dict[str, Any]) -> None:
    row = audit_entries.entry(name, fields)
    if row is None or (name == "rate_limited" and not audit.first_of_its_lockout(fields)):
        return
    if has_request_context() or audit.waits_for_the_session():
        g.setdefault("audit_entries", []).append(row)
    else:
        _write([row])


def _flush(exc: BaseException | None) -> None:  # noqa: ARG001
    """At the end of a request, and of an app context (for rows that had to wait)."""
    entries = g.pop("audit_entries", None)
    if entries:
        # The work is over: what its session did not commit is discarded now rather than
        # by Flask-SQLAlchemy's teardown (which runs after this one), so it holds no lock
        # while the rows go in.
        db.session.rollback()
        _write(entries)


def _write(entries: list[audit_entries.Entry]) -> None:
    try:
        audit.record(entries)
    except Exception:  # the audit log must never turn a request into an error
        log.exception("audit: %d rows could not be written: %s", len(entries),
                      [e.action for e in entries])


def init_app(app: Flask) -> None:
    logs.add_sink(app, _collect)
    app.teardown_request(_flush)
    app.teardown_appcontext(_flush)
