from datetime import timedelta

import pytest

from compartilha.errors import ShareBusy, ShareUsedUp
from compartilha.extensions import db
from compartilha.services import counting, shares
from tests.services.conftest import stored


def test_the_last_slot_is_held_while_a_download_runs_and_counted_at_its_end(user):
    share = shares.create(user.id, stored(user.id).id, max_downloads=1)
    access = counting.begin(share, None, "127.0.0.1", "pytest")
    with pytest.raises(ShareBusy) as busy:  # the one slot is held, not gone
        counting.begin(share, None, "127.0.0.1", "pytest")
    assert busy.value.status == 503 and busy.value.headers["Retry-After"] == "1"
    counting.finish(access.id, share.id, 5, completed=True, counts=True)
    share = shares.get_owned(user.id, share.id)
    assert (share.download_count, share.reserved, shares.state(share)) == (1, 0, "used_up")
    with pytest.raises(ShareUsedUp):
        counting.begin(share, None, "127.0.0.1", "pytest")


def test_a_dropped_download_gives_its_slot_back(user):
    share = shares.create(user.id, stored(user.id).id, max_downloads=1)
    access = counting.begin(share, None, "127.0.0.1", "pytest")
    counting.finish(access.id, share.id, 2, completed=False, counts=True)
    assert shares.get_owned(user.id, share.id).download_count == 0
    counting.begin(share, None, "127.0.0.1", "pytest")  # a killed worker never finishes
    assert counting.release_stale(timedelta(seconds=-1)) == 1
    assert shares.get_owned(user.id, share.id).reserved == 0


def test_a_ticket_keeps_its_slot_through_cuts_and_counts_once(user):
    share = shares.create(user.id, stored(user.id).id, max_downloads=1)
    access = counting.begin(share, None, "10.0.0.1", "aria2/1.37", hold=True)
    name = counting.ticket(access)
    size = share.file.size
    counting.pause(access.id, 1)  # cut after a byte
    with pytest.raises(ShareBusy) as busy:
        counting.begin(share, None, "10.0.0.2", "curl/8")
    assert 1500 < counting.HOLD.total_seconds() and busy.value.headers["Retry-After"] == "60"
    assert counting.resume(share, name, None).id == access.id
    assert counting.held_by(share, None, "10.0.0.1", "aria2/1.37", 100).id == access.id
    assert counting.held_by(share, None, "10.0.0.1", "curl/8", 100) is None
    assert counting.resume(share, name + "x", 100) is None
    counting.finish(access.id, share.id, size - 1, completed=True, counts=True)
    counting.finish(access.id, share.id, size - 1, completed=True, counts=True)  # in parallel
    share = shares.get_owned(user.id, share.id)
    assert (share.download_count, share.reserved) == (1, 0)
    assert counting.resume(share, name, None) is None  # completed: no second download
    assert counting.resume(share, name, 1).id == access.id  # a lost tail may be resumed
    counting.pause(access.id, 2 * (size - 1))
    assert counting.resume(share, name, 1) is None  # but not a copy more, all told


def test_an_expired_ticket_is_released_by_the_next_download(user):
    share = shares.create(user.id, stored(user.id).id, max_downloads=1)
    access = counting.begin(share, None, "10.0.0.1", "wget", hold=True)
    name = counting.ticket(access)
    access.held_until = access.at - timedelta(seconds=1)
    db.session.commit()
    assert counting.resume(share, name, 1) is None
    counting.begin(share, None, "10.0.0.2", "wget", hold=True)
    share = shares.get_owned(user.id, share.id)
    assert (share.download_count, share.reserved) == (0, 1)


def test_a_resumption_without_its_ticket_finds_the_download_of_the_same_thing(user):
    """A link to several things: a cookie-less `curl -C -` on its ZIP resumes the ZIP's
    download from that address and program, never a member file's, and the reverse."""
    share = shares.create(user.id, stored(user.id).id, max_downloads=2)
    zipped = counting.begin(share, None, "10.0.0.1", "curl/8", hold=True, target="zip")
    one = counting.begin(share, None, "10.0.0.1", "curl/8", hold=True, target=7)
    counting.pause(zipped.id, 1)
    counting.pause(one.id, 1)
    assert counting.held_by(share, None, "10.0.0.1", "curl/8", 1, 100, "zip").id == zipped.id
    assert counting.held_by(share, None, "10.0.0.1", "curl/8", 1, 100, 7).id == one.id
    assert counting.held_by(share, None, "10.0.0.1", "curl/8", 1, 100, 8) is None
    assert counting.held_by(share, None, "10.0.0.1", "curl/8", 1, 100) is None  # the link's file
    assert db.session.get(type(zipped), zipped.id).target == "zip"
