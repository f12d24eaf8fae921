"""Housekeeping: purge what has ended. `flask cleanup` runs it on demand, and the jobs
worker every hour on its own (`every_hour`); every step is safe to repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from .. import jobs
from ..models.columns import utcnow
from . import accounts, audit, challenges, counting, shares, throttle, upload_endings

SESSION_DAYS = 7
STALE_HOURS = 24


@dataclass(frozen=True)
class Report:
    sessions: int
    shares: int
    slots: int
    uploads: int
    counters: int
    audit: int
    challenges: int


def run(session_days: int = SESSION_DAYS, share_retention_days: int | None = None,
        stale_hours: int = STALE_HOURS) -> Report:
    """Expired sessions (`session_days` after they ended), ended links (after
    SHARE_RETENTION_DAYS), download slots held too long, expired unfinished uploads and
    ended rate-limit counters, and audit rows older than the `audit_retention_days`
    setting (0: kept), and expired sign-in steps (services.challenges)."""
    if share_retention_days is None:
        share_retention_days = current_app.config["SHARE_RETENTION_DAYS"]
    return Report(
        sessions=accounts.expired_sessions_before(utcnow() - timedelta(days=session_days)),
        shares=shares.purge_ended(timedelta(days=share_retention_days)),
        slots=counting.release_stale(timedelta(hours=stale_hours)),
        uploads=upload_endings.purge_expired(),
        counters=throttle.store().purge(),
        audit=audit.purge(),
        challenges=challenges.purge(),
    )


@jobs.periodic(jobs.crontab(minute="7"))
def every_hour() -> None:
    """The periodic job: `run` with its defaults, at 7 past every hour."""
    report = run()
    current_app.logger.info("cleanup: %s", report)
