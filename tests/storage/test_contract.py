"""The Storage contract, run on every backend: a local folder and S3 (SeaweedFS)."""

import hashlib
import io

import pytest

from compartilha.errors import TooLarge
from compartilha.storage import from_url
from compartilha.storage.interface import RANGE_PIECE, SizeChanged, upload_key
from compartilha.storage.local import LocalStorage

pytestmark = pytest.mark.both_storages  # local folder and S3

MIB = 1024 * 1024


@pytest.fixture
def storage(storage_backend, tmp_path, monkeypatch):
    if storage_backend is None:
        return LocalStorage(tmp_path / "root")
    for name, value in storage_backend.env().items():
        monkeypatch.setenv(name, value)
    return from_url(storage_backend.storage_url(), {"S3_ENDPOINT_URL": storage_backend.endpoint})


def store(storage, data: bytes, chunk: int = 64 * 1024) -> str:
    writer = storage.writer()
    for start in range(0, len(data), chunk):
        writer.write(data[start:start + chunk])
    assert writer.size == len(data)
    assert writer.sha256 == hashlib.sha256(data).hexdigest()
    return writer.commit()


def test_write_commit_read(storage):
    key = store(storage, b"abcdef", chunk=3)
    with storage.open(key) as fh:
        assert fh.read() == b"abcdef"
    assert storage.size(key) == 6 and storage.exists(key)
    assert list(storage.keys()) == [key]


def test_empty_file(storage):
    key = store(storage, b"")
    with storage.open(key) as fh:
        assert fh.read() == b""
    assert storage.size(key) == 0


def test_nothing_visible_before_commit_and_abort_leaves_no_trace(storage):
    writer = storage.writer()
    writer.write(b"partial")
    assert list(storage.keys()) == []
    writer.abort()
    assert list(storage.keys()) == []


def test_limit_aborts(storage):
    writer = storage.writer(max_bytes=4)
    writer.write(b"1234")
    with pytest.raises(TooLarge):
        writer.write(b"5")
    assert list(storage.keys()) == []


def test_delete(storage):
    key = store(storage, b"bye")
    storage.delete(key)
    assert not storage.exists(key) and list(storage.keys()) == []
    storage.delete(key)  # a missing key is not an error
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_large_file_in_several_parts_reads_back_with_seeks(storage):
    data = bytes(range(256)) * (9 * MIB // 256) + b"tail"  # > one 8 MiB part
    key = store(storage, data)
    assert storage.size(key) == len(data)
    with storage.open(key) as fh:
        assert fh.seekable()
        fh.seek(8 * MIB - 2)
        assert fh.read(6) == data[8 * MIB - 2:8 * MIB + 4]
        assert fh.seek(-4, io.SEEK_END) == len(data) - 4 and fh.read() == b"tail"
        fh.seek(0)
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(data).digest()
        assert fh.read(10) == b""


# Resumable (tus) uploads: bytes arrive over many appends, possibly in other processes.

def test_resumable_upload_in_uneven_pieces(storage):
    data = bytes(range(256)) * (17 * MIB // 256) + b"end"  # crosses two 8 MiB chunks
    handle = storage.start_upload()
    offset = 0
    for size in (MIB, 5 * MIB, 3 * MIB, 7 * MIB + 100, len(data)):
        piece = data[offset:offset + size]
        assert storage.append(handle, offset, [piece[:1000], piece[1000:]]) == len(piece)
        offset += len(piece)
    assert b"".join(storage.read_upload(handle, 9 * MIB + 1)) == data[:9 * MIB + 1]
    assert list(storage.keys()) == []  # unfinished uploads are not files
    key = storage.finish_upload(handle)
    assert list(storage.keys()) == [key] and storage.size(key) == len(data)
    with storage.open(key) as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("cut", [3, 8 * MIB, 9 * MIB + 5])
def test_append_drops_bytes_past_the_acknowledged_offset(storage, cut):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"a" * (10 * MIB)])  # never acknowledged beyond `cut`
    storage.append(handle, cut, [b"b" * MIB])
    assert b"".join(storage.read_upload(handle, cut + MIB)) == b"a" * cut + b"b" * MIB
    key = storage.finish_upload(handle)
    with storage.open(key) as fh:
        assert fh.read() == b"a" * cut + b"b" * MIB


def test_append_past_the_stored_bytes_is_refused(storage):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"abc"])
    with pytest.raises(OSError):
        storage.append(handle, 4, [b"x"])


def test_empty_resumable_upload(storage):
    key = storage.finish_upload(storage.start_upload())
    assert storage.size(key) == 0


def test_abort_upload_leaves_nothing(storage):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"x" * (9 * MIB)])
    storage.abort_upload(handle)
    storage.abort_upload(handle)  # unknown handles are fine
    assert list(storage.keys()) == []
    with pytest.raises(OSError):
        storage.append(handle, 0, [b"y"])


def test_a_finished_upload_is_published_under_a_key_its_handle_names(storage):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"abc"])
    assert not storage.upload_published(handle)
    assert [h for h, _ in storage.unfinished_uploads()] == [handle]
    key = storage.finish_upload(handle)
    assert key == upload_key(handle) and storage.upload_published(handle)
    assert list(storage.unfinished_uploads()) == []
    assert storage.finish_upload(handle) == key  # repeated after a crash: harmless
    with pytest.raises(FileNotFoundError):  # a PATCH after the crash learns it is published
        storage.append(handle, 0, [b"abc"])
    storage.abort_upload(handle)  # drops unfinished bytes only: a row may hold these
    with storage.open(key) as fh:
        assert fh.read() == b"abc"


def test_an_upload_can_start_again_under_its_handle(storage):
    handle = storage.start_upload()
    storage.abort_upload(handle)
    with pytest.raises(FileNotFoundError):
        storage.append(handle, 0, [b"x"])
    assert storage.start_upload(handle) == handle
    assert storage.append(handle, 0, [b"xy"]) == 2
    [(listed, age)] = storage.unfinished_uploads()
    assert listed == handle and -5 < age < 60


def test_read_range_streams_only_the_bytes_asked_for(storage):
    data = bytes(range(256)) * 9000  # 2.2 MiB: more than one piece
    key = store(storage, data)
    for start, end in ((0, len(data)), (5, 6), (1000, 1_500_000), (len(data) - 3, len(data)),
                       (7, 7)):
        pieces = list(storage.read_range(key, start, end, expect_size=len(data)))
        assert b"".join(pieces) == data[start:end]
        assert all(len(piece) <= RANGE_PIECE for piece in pieces)


def test_read_range_refuses_bytes_that_are_not_the_recorded_size(storage):
    key = store(storage, b"0123456789")
    with pytest.raises(SizeChanged):
        list(storage.read_range(key, 0, 4, expect_size=11))
    with pytest.raises(OSError):  # past the end
        list(storage.read_range(key, 5, 12))
    with pytest.raises(OSError):
        list(storage.read_range("ab/" + "0" * 32, 0, 1))
