import io
import zlib
from datetime import timedelta

from compartilha.models.columns import utcnow
from compartilha.services import tus, upload_endings
from compartilha.storage import get_storage


def test_expired_uploads_go_with_their_bytes(user):
    upload = tus.create(user.id, 10, "a.bin", None)
    tus.append(user.id, upload.token, 0, io.BytesIO(b"abc"), 3)
    assert upload_endings.purge_expired(utcnow() + timedelta(days=30)) == 1
    assert tus.handles_of(user.id) == []
    assert dict(get_storage().unfinished_uploads()) == {}


def test_a_published_upload_whose_recording_was_cut_is_recorded(user):
    upload = tus.create(user.id, 3, "a.bin", None)
    handle = upload.handle
    storage = get_storage()
    storage.append(handle, 0, [b"abc"])
    storage.finish_upload(handle)  # the process died before the database recorded it
    record = upload_endings.settle_published(upload.id)
    assert record is not None and record.size == 3 and tus.handles_of(user.id) == []
    assert record.crc32 == zlib.crc32(b"abc")  # read back from the stored bytes
