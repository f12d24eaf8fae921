"""The states a crash or an outage leaves a tus upload in, and how each is completed:
published but not recorded, created without its staging, staging without its row, and
leases whose holder is gone."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from compartilha.extensions import db
from compartilha.models import File, Upload
from compartilha.models.columns import utcnow
from compartilha.services import integrity, leases, tus
from compartilha.storage import get_storage
from tests.uploads.test_tus import create, head, my_files, patch, staged, start_raw_patch

pytestmark = pytest.mark.both_storages  # local folder and S3

DATA = os.urandom(300_000)


def row(app) -> Upload:
    with app.app_context():
        upload = db.session.scalar(db.select(Upload))
        db.session.expunge_all()
    return upload


def cut_after_publication(live_server, account, app) -> str:
    """An upload whose last PATCH stored and published every byte and then died before
    the database recorded it (kill -9, or the database gone): the row keeps its old
    offset, the staging is gone."""
    url = create(live_server, account, len(DATA))
    assert patch(url, account, 0, DATA[:200_000]).status_code == 204
    upload = row(app)
    with app.app_context():
        storage = get_storage()
        storage.append(upload.handle, 200_000, [DATA[200_000:]])
        storage.finish_upload(upload.handle)
    assert staged(app) == []
    return url


@pytest.mark.parametrize("same_process", [True, False])
def test_a_patch_records_an_upload_published_before_a_crash(live_server, auth, app,
                                                            same_process):
    account = auth.user()
    url = cut_after_publication(live_server, account, app)
    if not same_process:
        tus._hashers.clear()  # the running hash died with the process
    assert head(url, account).headers["Upload-Offset"] == "200000"  # what the row says
    rv = patch(url, account, 200_000, DATA[200_000:])  # the client repeats its last PATCH
    assert rv.status_code == 204, rv.text
    assert rv.headers["Upload-Offset"] == str(len(DATA))
    [meta] = my_files(live_server, account)["files"]
    assert str(meta["id"]) == rv.headers["Compartilha-File-Id"]
    assert meta["sha256"] == hashlib.sha256(DATA).hexdigest() and meta["size"] == len(DATA)
    got = requests.get(f"{live_server}/api/v1/files/{meta['id']}/download",
                       headers=account.headers, timeout=10)
    assert got.content == DATA
    assert head(url, account).headers["Upload-Offset"] == str(len(DATA))  # finished
    with app.app_context():
        assert integrity.check(verify_hashes=True).clean


def test_fsck_records_a_published_upload_whose_client_never_returns(live_server, auth, app,
                                                                    runner):
    account = auth.user()
    cut_after_publication(live_server, account, app)
    report = runner.invoke(args=["fsck"])
    assert report.exit_code == 1 and "finished upload not recorded" in report.output
    assert "bytes without row" not in report.output
    assert runner.invoke(args=["fsck", "--repair"]).exit_code == 0
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert "clean" in runner.invoke(args=["fsck"]).output


def test_cleanup_records_an_expired_published_upload(live_server, auth, app, runner):
    account = auth.user()
    cut_after_publication(live_server, account, app)
    with app.app_context():
        db.session.execute(db.update(Upload).values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    result = runner.invoke(args=["cleanup"])
    assert "removed 0 expired unfinished uploads" in result.output
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(DATA).hexdigest()


def test_a_row_whose_creation_commit_failed_late_starts_on_its_first_patch(
        live_server, auth, app):
    """The creation's commit reported failure, so its staging went, yet the row landed."""
    account = auth.user()
    url = create(live_server, account, 6)
    with app.app_context():
        get_storage().abort_upload(row(app).handle)
    assert staged(app) == []
    assert patch(url, account, 0, b"abc").status_code == 204
    assert patch(url, account, 3, b"def").status_code == 204
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(b"abcdef").hexdigest()


def test_fsck_removes_a_staging_whose_creation_was_cut(app, runner, monkeypatch):
    with app.app_context():
        handle = get_storage().start_upload()  # then the process died: no row
    assert "clean" in runner.invoke(args=["fsck"]).output  # young: may be a creation
    monkeypatch.setattr(integrity, "PARTIAL_AGE_SECONDS", 0)
    report = runner.invoke(args=["fsck"])
    assert f"unfinished upload without row: {handle}" in report.output
    assert runner.invoke(args=["fsck", "--repair"]).exit_code == 0
    assert staged(app) == []


def lease_of(pid: int, started: int) -> str:
    space = leases._me(os.getpid())[0]
    return f"{space:08x}{pid:08x}{started:08x}{0xABCDEF:08x}"


def hold(app, lease: str, seconds: float = 60) -> None:
    with app.app_context():
        db.session.execute(db.update(Upload).values(
            lock=lease, locked_until=utcnow() + timedelta(seconds=seconds)))
        db.session.commit()


def dead_pid() -> int:
    child = subprocess.Popen(["true"])  # noqa: S603,S607
    child.wait()
    return child.pid


LOCAL = pytest.mark.parametrize("storage_backend", ["local"], indirect=True)  # leases: DB only


def killed_not_reaped() -> subprocess.Popen:
    """A process killed and still a zombie, as gunicorn's workers after kill -9 until
    their new parent reaps them."""
    child = subprocess.Popen(["sleep", "60"])  # noqa: S603,S607
    child.started = leases._started(child.pid)  # type: ignore[attr-defined]
    child.kill()
    stat = Path(f"/proc/{child.pid}/stat")
    deadline = time.monotonic() + 5
    while stat.read_text().rpartition(")")[2].split()[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return child


@LOCAL
@pytest.mark.parametrize("holder", ["dead process", "killed process not yet reaped",
                                    "request of this process that ended"])
def test_a_lease_whose_holder_is_gone_is_taken_at_once(live_server, auth, app, holder):
    account = auth.user()
    url = create(live_server, account, 6)
    mine, zombie = leases._me(os.getpid()), None
    if holder == "dead process":
        hold(app, lease_of(dead_pid(), 12345))
    elif holder == "killed process not yet reaped":
        zombie = killed_not_reaped()
        hold(app, lease_of(zombie.pid, zombie.started))  # type: ignore[attr-defined]
    else:
        hold(app, lease_of(mine[1], mine[2]))
    try:
        rv = patch(url, account, 0, b"abcdef")
    finally:
        if zombie is not None:
            zombie.wait()
    assert rv.status_code == 204, rv.text
    assert len(my_files(live_server, account)["files"]) == 1


@LOCAL
def test_a_lease_of_a_live_holder_answers_423_with_retry_after(live_server, auth, app):
    account = auth.user()
    url = create(live_server, account, 6)
    parent = os.getppid()  # alive, and not this process
    hold(app, lease_of(parent, leases._started(parent) or 0), seconds=7)
    rv = patch(url, account, 0, b"abcdef")
    assert rv.status_code == 423 and rv.json()["error"]["code"] == "upload_locked"
    assert 1 <= int(rv.headers["Retry-After"]) <= 7
    hold(app, "another-host-lease", seconds=3)  # a holder we cannot see: its lease decides
    rv = patch(url, account, 0, b"abcdef")
    assert rv.status_code == 423 and 1 <= int(rv.headers["Retry-After"]) <= 3


@LOCAL
def test_a_running_patch_keeps_its_short_lease(live_server, auth, app, monkeypatch):
    monkeypatch.setattr(leases, "LEASE", timedelta(seconds=2))  # MariaDB keeps whole seconds
    monkeypatch.setattr(leases, "HEARTBEAT", 0.2)
    account = auth.user()
    url = create(live_server, account, 1000)
    sock = start_raw_patch(url, account, 0, 1000, b"a" * 400)
    time.sleep(3)  # the client stalls longer than a lease: the heartbeat renews it
    second = patch(url, account, 0, b"b" * 1000)
    assert second.status_code == 423, second.text
    sock.sendall(b"a" * 600)
    reply = sock.recv(4096).decode()
    sock.close()
    assert reply.startswith("HTTP/1.1 204")
    with app.app_context():
        assert db.session.scalar(db.select(File.sha256)) == hashlib.sha256(b"a" * 1000).hexdigest()


def test_an_upload_whose_bytes_are_missing_answers_410_and_fsck_drops_it(live_server, auth,
                                                                          app, runner):
    account = auth.user()
    url = create(live_server, account, 6)
    assert patch(url, account, 0, b"abc").status_code == 204
    with app.app_context():
        get_storage().abort_upload(row(app).handle)  # e.g. removed by hand
    rv = patch(url, account, 3, b"def")
    assert rv.status_code == 410 and rv.json()["error"]["code"] == "upload_expired"
    assert row(app) is not None  # kept: a storage that is only unmounted loses nothing
    report = runner.invoke(args=["fsck"])
    assert "unfinished upload without bytes" in report.output
    assert runner.invoke(args=["fsck", "--repair"]).exit_code == 0
    assert row(app) is None and head(url, account).status_code == 404
