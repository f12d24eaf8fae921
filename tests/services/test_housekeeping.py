"""Housekeeping (compartilha/services/housekeeping.py): what `flask cleanup` and the
hourly job purge."""

from __future__ import annotations

from datetime import timedelta

from compartilha.extensions import db
from compartilha.models import Session
from compartilha.models.columns import utcnow
from compartilha.services import housekeeping


def test_run_purges_long_expired_sessions_and_reports_each_step(app, auth):
    auth.user()
    with app.app_context():
        live = db.session.query(Session).one()
        db.session.add(Session(jti="old", user_id=live.user_id,
                               expires_at=utcnow() - timedelta(days=30)))
        db.session.add(Session(jti="recent", user_id=live.user_id,
                               expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
        report = housekeeping.run()
        assert report == housekeeping.Report(sessions=1, shares=0, slots=0, uploads=0,
                                             counters=report.counters, audit=0,
                                             challenges=0)
        assert {s.jti for s in db.session.query(Session)} == {live.jti, "recent"}


def test_the_hourly_job_runs_the_same(app, auth):
    auth.user()
    with app.app_context():
        user_id = db.session.query(Session).one().user_id
        db.session.add(Session(jti="old", user_id=user_id,
                               expires_at=utcnow() - timedelta(days=30)))
        db.session.commit()
        housekeeping.every_hour.call_local()
        assert db.session.query(Session).count() == 1
    schedule = housekeeping.every_hour.task_class().validate_datetime
    assert schedule(utcnow().replace(minute=7, tzinfo=None))
    assert not schedule(utcnow().replace(minute=8, tzinfo=None))
