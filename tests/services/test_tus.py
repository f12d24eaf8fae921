import hashlib
import io
import zlib

import pytest

from compartilha.errors import TooLarge, UploadNotFound, UploadOffsetMismatch
from compartilha.services import files, tus

DATA = b"0123456789" * 1000


def test_an_upload_from_plain_streams_becomes_a_file(user):
    upload = tus.create(user.id, len(DATA), "a.bin", "application/octet-stream")
    first = tus.append(user.id, upload.token, 0, io.BytesIO(DATA[:3000]), 3000)
    assert first.file is None and first.offset == 3000
    with pytest.raises(UploadOffsetMismatch):
        tus.append(user.id, upload.token, 0, io.BytesIO(DATA), len(DATA))
    last = tus.append(user.id, upload.token, 3000, io.BytesIO(DATA[3000:]), len(DATA) - 3000)
    assert last.file is not None and last.file.sha256 == hashlib.sha256(DATA).hexdigest()
    with files.open_bytes(last.file) as fh:
        assert fh.read() == DATA


def test_a_stream_that_ends_early_keeps_what_arrived(user):
    upload = tus.create(user.id, len(DATA), "a.bin", None)
    result = tus.append(user.id, upload.token, 0, io.BytesIO(DATA[:100]), 500)
    assert result.offset == 100 and result.file is None


def test_a_stream_of_unknown_length_is_read_to_its_end_never_past_the_upload(user):
    upload = tus.create(user.id, len(DATA), "a.bin", None)
    with pytest.raises(TooLarge):
        tus.append(user.id, upload.token, 0, io.BytesIO(DATA + b"!"), None)
    assert tus.status(user.id, upload.token).offset == 0
    first = tus.append(user.id, upload.token, 0, io.BytesIO(DATA[:10]), None)
    assert first.offset == 10 and first.file is None
    last = tus.append(user.id, upload.token, 10, io.BytesIO(DATA[10:]), None)
    assert last.file is not None and last.file.sha256 == hashlib.sha256(DATA).hexdigest()
    assert tus.status(user.id, upload.token).offset == len(DATA)  # finished, still known
    again = tus.append(user.id, upload.token, len(DATA), io.BytesIO(b""), None)
    assert again.file is not None and again.file.id == last.file.id


def test_limits_and_owners(user, ctx):
    with pytest.raises(TooLarge):
        tus.create(user.id, ctx.config["MAX_UPLOAD_BYTES"] + 1, "a.bin", None)
    upload = tus.create(user.id, 10, "a.bin", None)
    with pytest.raises(UploadNotFound):
        tus.get_owned(user.id + 1, upload.token)
    tus.terminate(user.id, upload.token)
    assert tus.handles_of(user.id) == []


@pytest.mark.both_storages
@pytest.mark.parametrize("lost", [False, True])  # True: the running hash rebuilt from storage
def test_a_finished_upload_stores_the_crc32_of_its_bytes(user, lost):
    upload = tus.create(user.id, len(DATA), "a.bin", None)
    tus.append(user.id, upload.token, 0, io.BytesIO(DATA[:4321]), 4321)
    if lost:
        tus._hashers.clear()  # another process takes the next PATCH
    last = tus.append(user.id, upload.token, 4321, io.BytesIO(DATA[4321:]), len(DATA) - 4321)
    assert last.file is not None and last.file.crc32 == zlib.crc32(DATA)
    assert last.file.sha256 == hashlib.sha256(DATA).hexdigest()
