import hashlib
import io
import zlib

import pytest

from compartilha.errors import NotPartial, PartialUnfinished, UploadNotFound
from compartilha.extensions import db
from compartilha.models import Upload
from compartilha.services import accounts, concatenation, files, tus
from compartilha.storage import get_storage


def partial(user_id: int, data: bytes) -> str:
    upload = tus.create(user_id, len(data), None, None, partial=True)
    done = tus.append(user_id, upload.token, 0, io.BytesIO(data), len(data))
    assert done.file is None  # a finished partial is no file
    return upload.token


def test_partials_join_in_order_into_one_file_and_go(user):
    parts = [b"a" * 5000, b"", b"bc" * 3000]
    tokens = [partial(user.id, p) for p in parts]
    final, record = concatenation.join(user.id, tokens, "junto.txt", "text/plain")
    assert record.name == "junto.txt" and record.size == sum(map(len, parts))
    assert record.sha256 == hashlib.sha256(b"".join(parts)).hexdigest()
    with files.open_bytes(record) as fh:
        assert fh.read() == b"".join(parts)
    assert db.session.scalar(db.select(db.func.count(Upload.id))) == 0
    assert list(get_storage().unfinished_uploads()) == []
    assert tus.status(user.id, final.token).offset == record.size


def test_refusals_change_nothing(user):
    other = accounts.register("Bia", "bia@example.com", "correct horse")
    mine, theirs = partial(user.id, b"12345"), partial(other.id, b"67890")
    whole = tus.create(user.id, 5, "a.txt", None)
    half = tus.create(user.id, 10, None, None, partial=True)
    tus.append(user.id, half.token, 0, io.BytesIO(b"12345"), 5)
    with pytest.raises(UploadNotFound):
        concatenation.join(user.id, [mine, theirs], "a.txt", None)
    with pytest.raises(NotPartial):
        concatenation.join(user.id, [mine, whole.token], "a.txt", None)
    with pytest.raises(PartialUnfinished):
        concatenation.join(user.id, [mine, half.token], "a.txt", None)
    with pytest.raises(NotPartial):
        concatenation.join(user.id, [mine, mine], "a.txt", None)
    assert db.session.scalar(db.select(db.func.count(Upload.id)).where(
        Upload.lock.is_not(None))) == 0
    _, record = concatenation.join(user.id, [mine], "a.txt", None)
    assert record.size == 5


@pytest.mark.both_storages
def test_a_joined_file_stores_the_crc32_of_all_its_parts(user):
    parts = [b"x" * 7000, b"", b"yz" * 100]
    _, record = concatenation.join(user.id, [partial(user.id, p) for p in parts], "j.bin", None)
    assert record.crc32 == zlib.crc32(b"".join(parts))
