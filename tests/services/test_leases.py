from compartilha.models import Upload
from compartilha.services import leases, tus


def test_one_lease_at_a_time_and_a_finished_request_lets_go(user):
    upload = tus.create(user.id, 10, "a.bin", None)
    mine, theirs = leases.new(), leases.new()
    assert leases.claim([Upload.id == upload.id, leases.free()], mine)
    assert not leases.claim([Upload.id == upload.id, leases.free()], theirs)
    assert not leases.holder_gone(mine)  # its request still runs
    leases.forget(mine)
    assert leases.holder_gone(mine)
    leases.release(upload.id, mine)
    assert leases.claim([Upload.id == upload.id, leases.free()], theirs)
    leases.forget(theirs)


def test_busy_says_when_to_come_back(ctx):
    refused = leases.busy(None)
    assert refused.status == 423 and refused.headers["Retry-After"] == "1"
