import hashlib

import pytest

from compartilha.exceptions import TooLarge
from compartilha.storage import from_url
from compartilha.storage.local import LocalStorage


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "root")


def test_write_commit_read(storage):
    writer = storage.writer()
    writer.write(b"abc")
    writer.write(b"def")
    key = writer.commit()
    assert writer.size == 6
    assert writer.sha256 == hashlib.sha256(b"abcdef").hexdigest()
    with storage.open(key) as fh:
        assert fh.read() == b"abcdef"
    assert storage.size(key) == 6 and storage.exists(key)
    assert list(storage.keys()) == [key]


def test_nothing_visible_before_commit_and_abort_leaves_no_trace(storage):
    writer = storage.writer()
    writer.write(b"partial")
    assert list(storage.keys()) == []
    writer.abort()
    assert list(storage.staged()) == []


def test_limit_aborts(storage):
    writer = storage.writer(max_bytes=4)
    writer.write(b"1234")
    with pytest.raises(TooLarge):
        writer.write(b"5")
    assert list(storage.staged()) == [] and list(storage.keys()) == []


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "ab/../../x", ".staging/a.part", ""])
def test_keys_cannot_escape_root(storage, key):
    with pytest.raises(ValueError):
        storage.path(key)


def test_delete_missing_is_fine(storage):
    storage.delete("ab/abcdef")


def test_from_url(tmp_path):
    assert isinstance(from_url(f"file://{tmp_path}/s"), LocalStorage)
    with pytest.raises(ValueError):
        from_url("ftp://x/y")
