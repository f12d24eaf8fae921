import zlib
from datetime import timedelta

from sqlalchemy import select, update

from compartilha.extensions import db
from compartilha.models import File, Session, User
from compartilha.models.columns import utcnow


def test_create_user(runner, app):
    result = runner.invoke(args=["create-user", "--name", "Ana", "--email", "Ana@Example.com",
                                 "--password", "12345678"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(User).one().email == "ana@example.com"


def test_create_user_admin(runner, app):
    args = ["create-user", "--name", "Ana", "--password", "12345678", "--email"]
    assert runner.invoke(args=[*args, "ana@example.com"]).exit_code == 0  # first: admin
    assert "created user" in runner.invoke(args=[*args, "bia@example.com"]).output
    assert "created admin" in runner.invoke(args=[*args, "cid@example.com", "--admin"]).output
    with app.app_context():
        assert [u.role for u in db.session.query(User).order_by(User.id)] == [
            "admin", "user", "admin"]


def test_create_user_rejects_bad_input(runner, app):
    result = runner.invoke(args=["create-user", "--name", "Ana", "--email", "nope",
                                 "--password", "12345678"])
    assert result.exit_code != 0
    assert "email" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_cleanup_removes_only_long_expired_sessions(runner, app, auth):
    account = auth.user()
    with app.app_context():
        live = db.session.query(Session).one()
        live_jti = live.jti
        old = Session(jti="old", user_id=live.user_id, expires_at=utcnow() - timedelta(days=30))
        db.session.add(old)
        db.session.commit()
    result = runner.invoke(args=["cleanup", "--days", "7"])
    assert result.exit_code == 0 and "removed 1" in result.output
    with app.app_context():
        assert [s.jti for s in db.session.query(Session)] == [live_jti]
    assert account.token


def test_files_crc32_fills_in_missing_crcs(runner, app, auth):
    account = auth.user()
    assert auth.upload(account, b"abc", "a.txt", "text/plain").status_code == 201
    with app.app_context():
        db.session.execute(update(File).values(crc32=None))
        db.session.commit()
    result = runner.invoke(args=["files", "crc32", "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert "filled 1 files, skipped 0" in result.output
    with app.app_context():
        assert db.session.scalar(select(File.crc32)) == zlib.crc32(b"abc")
    again = runner.invoke(args=["files", "crc32"])
    assert "filled 0 files" in again.output
