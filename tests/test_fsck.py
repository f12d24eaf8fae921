import os
import time

from compartilha.storage import get_storage


def test_fsck_clean(runner, auth):
    account = auth.user()
    auth.upload(account, b"abc")
    result = runner.invoke(args=["fsck", "--verify"])
    assert result.exit_code == 0 and "clean" in result.output


def test_fsck_finds_and_repairs_rows_without_bytes_and_bytes_without_rows(app, client, runner,
                                                                          auth):
    account = auth.user()
    lost = auth.upload(account, b"lost", "lost.txt").get_json()["file"]
    kept = auth.upload(account, b"kept", "kept.txt").get_json()["file"]
    with app.app_context():
        storage = get_storage()
        from compartilha.extensions import db
        from compartilha.models import File

        lost_key = db.session.get(File, lost["id"]).key
        storage.delete(lost_key)
        writer = storage.writer()
        writer.write(b"orphan")
        orphan = writer.commit()
        young = storage.writer()
        young.write(b"its row is about to commit")
        in_flight = young.commit()
        partial = storage.writer()
        partial.write(b"half")
        old = time.time() - 7200
        for path in [*storage.staged(), storage.path(orphan)]:
            os.utime(path, (old, old))
    result = runner.invoke(args=["fsck"])
    assert result.exit_code == 1
    assert f"row without bytes: file {lost['id']}" in result.output
    assert f"bytes without row: {orphan}" in result.output
    assert "stale partial upload:" in result.output
    assert in_flight not in result.output  # young bytes may be an upload in progress
    result = runner.invoke(args=["fsck", "--repair"])
    assert result.exit_code == 0 and "repaired" in result.output
    assert "clean" in runner.invoke(args=["fsck"]).output
    assert client.get(f"/api/v1/files/{lost['id']}", headers=account.headers).status_code == 404
    rv = client.get(f"/api/v1/files/{kept['id']}/download", headers=account.headers)
    assert rv.data == b"kept"
    partial.abort()


def test_fsck_verify_detects_corruption(app, runner, auth):
    account = auth.user()
    meta = auth.upload(account, b"original").get_json()["file"]
    with app.app_context():
        from compartilha.extensions import db
        from compartilha.models import File

        path = get_storage().path(db.session.get(File, meta["id"]).key)
    path.write_bytes(b"tampered")  # same size, other bytes
    assert runner.invoke(args=["fsck"]).exit_code == 0
    result = runner.invoke(args=["fsck", "--verify"])
    assert result.exit_code == 1 and "sha256 differs" in result.output
