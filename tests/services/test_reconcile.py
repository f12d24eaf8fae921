"""Keys whose recording the database could not confirm: noted outside it, settled as soon
as it answers (kept if a row holds them, deleted otherwise), without waiting for fsck."""

import time

import pytest
from sqlalchemy.exc import OperationalError

from compartilha.extensions import db
from compartilha.services import files, reconcile
from compartilha.storage import get_storage
from tests.helpers import AuthActions


def stored(data: bytes) -> str:
    writer = get_storage().writer()
    writer.write(data)
    return writer.commit()


def notes(app) -> list:
    return list((reconcile._folder(app)).glob("*.key"))


def wait_for(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_commit_of_unknown_outcome_is_noted_and_settled(app, client, monkeypatch):
    AuthActions(client).user()
    with app.app_context():
        user_id = db.session.scalar(db.text("SELECT id FROM usuarios"))
        kept = stored(b"recorded after all")
        files.new_record(user_id, "kept.bin", None, kept, 18, "0" * 64)
        db.session.commit()  # this commit "landed although the server never answered"
        lost = stored(b"never recorded")
        for key in (kept, lost):
            files.new_record(user_id, "x.bin", None, key, 1, "0" * 64)
            with monkeypatch.context() as m:  # the database goes away mid-commit
                m.setattr(db.session, "commit", _gone)
                m.setattr(files, "_recorded", lambda key: None)
                # The settling thread waits until both are noted: started at once, it
                # could settle the first before the second is written (new_record's
                # query for a free name leaves it the time).
                m.setattr(reconcile, "_watch", lambda app: None)
                with pytest.raises(OperationalError):
                    files.commit_recording(key)
        assert get_storage().exists(lost)  # kept while nobody can tell
    assert len(notes(app)) == 2
    reconcile._watch(app)
    wait_for(lambda: not notes(app))  # the database answers: settled in the background
    with app.app_context():
        assert get_storage().exists(kept) and not get_storage().exists(lost)


def test_notes_left_by_a_dead_process_are_taken_up_on_the_first_request(app, client):
    with app.app_context():
        key = stored(b"orphan of an outage and a crash")
    folder = reconcile._folder(app)
    folder.mkdir()
    (folder / "0123456789abcdef.key").write_text(key)
    assert client.get("/healthz").status_code == 200
    wait_for(lambda: not notes(app))
    with app.app_context():
        assert not get_storage().exists(key)


def _gone():
    raise OperationalError("COMMIT", {}, Exception("server has gone away"))
