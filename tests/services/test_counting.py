from datetime import timedelta

import pytest

from compartilha.errors import ShareUsedUp
from compartilha.services import counting, shares
from tests.services.conftest import stored


def test_the_last_slot_is_held_while_a_download_runs_and_counted_at_its_end(user):
    share = shares.create(user.id, stored(user.id).id, max_downloads=1)
    access = counting.begin(share, None, "127.0.0.1", "pytest")
    with pytest.raises(ShareUsedUp):  # the one slot is held
        counting.begin(share, None, "127.0.0.1", "pytest")
    counting.finish(access.id, share.id, 5, completed=True, counts=True)
    share = shares.get_owned(user.id, share.id)
    assert (share.download_count, share.reserved, shares.state(share)) == (1, 0, "used_up")


def test_a_dropped_download_gives_its_slot_back(user):
    share = shares.create(user.id, stored(user.id).id, max_downloads=1)
    access = counting.begin(share, None, "127.0.0.1", "pytest")
    counting.finish(access.id, share.id, 2, completed=False, counts=True)
    assert shares.get_owned(user.id, share.id).download_count == 0
    counting.begin(share, None, "127.0.0.1", "pytest")  # a killed worker never finishes
    assert counting.release_stale(timedelta(seconds=-1)) == 1
    assert shares.get_owned(user.id, share.id).reserved == 0
