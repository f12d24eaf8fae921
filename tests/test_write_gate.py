"""SQLite writers queue on the write gate (extensions.WriteGate), not in SQLite's busy
handler, and the gate opens as soon as the writer's connection goes back to the pool."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import text

from compartilha import create_app
from compartilha.extensions import db
from compartilha.models import User
from compartilha.models.columns import utcnow
from tests.conftest import base_config


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'app.db'}"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _gate_taken_elsewhere(path: str) -> bool:
    """Can another open file description lock the gate now? (as another worker would)"""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _user(n: int) -> User:
    return User(name="A", email=f"a{n}@example.com", email_skeleton=f"a{n}@example.com",
                password_hash="x", created_at=utcnow())


def test_a_write_holds_the_gate_until_commit(sqlite_app, tmp_path):
    gate = str(tmp_path / "app.db") + "-writer"
    with sqlite_app.app_context():
        db.session.execute(text("SELECT 1"))  # a read does not take it
        assert not os.path.exists(gate)
        db.session.commit()
        db.session.add(_user(1))
        db.session.flush()  # the INSERT: now other processes' writers wait
        assert _gate_taken_elsewhere(gate)
        db.session.commit()
        assert not _gate_taken_elsewhere(gate)
        db.session.add(_user(2))
        db.session.flush()
        db.session.rollback()  # a rollback opens it too
        assert not _gate_taken_elsewhere(gate)


def test_the_next_writer_goes_when_the_first_commits(sqlite_app):
    # SQLite's busy handler would try again 528 and 628 ms after the second writer came:
    # released at ~540 ms, it would go ~90 ms late
    held = timedelta(seconds=0.54).total_seconds()
    done: dict[str, float] = {}

    def second_writer() -> None:
        with sqlite_app.app_context():
            db.session.add(_user(3))
            db.session.flush()  # its INSERT ran: it has SQLite's write lock
            done["at"] = time.monotonic()
            db.session.commit()

    with sqlite_app.app_context():
        db.session.add(_user(4))
        db.session.flush()
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(held)
        assert "at" not in done  # it waited for the first writer
        db.session.commit()
        released = time.monotonic()
    thread.join(10)
    # handed on at once, not at the busy handler's next try
    assert done["at"] - released < 0.04
    with sqlite_app.app_context():
        assert db.session.query(User).count() == 2
