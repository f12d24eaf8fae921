import pytest

from compartilha.errors import TooManyUnfinished
from compartilha.services import quotas, tus


def test_unfinished_uploads_are_bounded_in_number_and_bytes(user, ctx):
    ctx.config["UPLOAD_MAX_UNFINISHED"] = 2
    ctx.config["UPLOAD_MAX_UNFINISHED_BYTES"] = 100
    tus.create(user.id, 60, "a.bin", None)
    with pytest.raises(TooManyUnfinished):
        quotas.hold_unfinished(user.id, 41)  # 60 + 41 bytes declared
    tus.create(user.id, 40, "b.bin", None)
    with pytest.raises(TooManyUnfinished) as refused:
        tus.create(user.id, 0, "c.bin", None)  # a third one
    assert refused.value.headers["Retry-After"] == "60"
