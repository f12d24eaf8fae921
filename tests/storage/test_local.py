import ctypes
import errno
import hashlib
import os

import pytest

from compartilha.errors import StorageFull, TooLarge
from compartilha.storage import from_url, local
from compartilha.storage.local import LocalStorage

pytestmark = pytest.mark.both_storages  # local folder and S3


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


def full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


class FlushFails:
    """A file whose buffered bytes meet a full disk when flushed (as on close)."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, data):
        full()

    def flush(self):
        full()

    def fileno(self):
        return self.fh.fileno()

    def close(self):
        self.fh.close()
        full()


@pytest.mark.parametrize("when", ["write", "commit"])
def test_a_full_disk_is_507_and_leaves_no_partial_file(storage, when):
    writer = storage.writer()
    writer.write(b"buffered")
    writer._fh = FlushFails(writer._fh)
    with pytest.raises(StorageFull):  # not the error closing the file met again
        writer.write(b"more") if when == "write" else writer.commit()
    assert list(storage.staged()) == [] and list(storage.keys()) == []
    writer.abort()  # again, as the request's teardown does: harmless


def test_a_full_disk_during_append_keeps_none_of_the_call(storage, monkeypatch):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"kept"])
    real_write = os.write

    def fill_up(fd, data):
        if not os.readlink(f"/proc/self/fd/{fd}").endswith(".tus"):
            return real_write(fd, data)
        if len(data) < 4:
            full()
        return real_write(fd, data[:4])  # some bytes land, then the disk is full

    monkeypatch.setattr(os, "write", fill_up)
    with pytest.raises(StorageFull):
        storage.append(handle, 4, [b"refused bytes"])
    monkeypatch.undo()
    assert b"".join(storage.read_upload(handle, 4)) == b"kept"
    assert storage._upload_path(handle).stat().st_size == 4  # the room is given back


@pytest.mark.parametrize("way", ["form", "tus"])
def test_stored_files_are_readable_by_the_folders_group_only(tmp_path, way):
    """nginx (X_ACCEL_REDIRECT) reads the files as another user in the folder's group:
    files 0640 and folders 0750 inheriting setgid, whatever the app's umask."""
    root = tmp_path / "root"
    root.mkdir()
    os.chmod(root, 0o2750)  # noqa: S103 - the set-up docs/deploy.md gives
    old = os.umask(0o077)
    try:
        storage = LocalStorage(root)
        if way == "form":
            writer = storage.writer()
            writer.write(b"bytes")
            key = writer.commit()
        else:
            handle = storage.start_upload()
            storage.append(handle, 0, [b"bytes"])
            key = storage.finish_upload(handle)
    finally:
        os.umask(old)
    path = storage.path(key)
    assert oct(path.stat().st_mode & 0o7777) == oct(0o640)
    assert oct(path.parent.stat().st_mode & 0o7777) == oct(0o2750)


def test_a_long_append_starts_its_disk_writes_window_by_window(storage, monkeypatch):
    """Write-behind: each WINDOW written is handed to the disk at once and the one
    WINDOWS_BEHIND before it waited for, so the closing fdatasync has little left and
    the dirty pages of one upload stay bounded."""
    window = 64 * 1024
    monkeypatch.setattr(local, "WINDOW", window)
    real, calls = local._sync_file_range, []
    assert real is not None  # Linux: glibc has it

    def spy(fd, begin, length, flags):
        calls.append((begin, length, flags))
        return real(fd, begin, length, flags)

    monkeypatch.setattr(local, "_sync_file_range", spy)
    data = os.urandom(5 * window + 12_345)
    handle = storage.start_upload()
    storage.append(handle, 0, [data[:1000]])
    # odd pieces from an odd offset: windows count from where this append starts
    pieces = [data[i:i + 7_777] for i in range(1000, len(data), 7_777)]
    assert storage.append(handle, 1000, pieces) == len(data) - 1000
    write, wait = local.SYNC_FILE_RANGE_WRITE, (local.SYNC_FILE_RANGE_WAIT_BEFORE
                                                | local.SYNC_FILE_RANGE_WRITE
                                                | local.SYNC_FILE_RANGE_WAIT_AFTER)
    starts = [1000 + i * window for i in range(5)]
    assert [c for c in calls if c[2] == write] == [(s, window, write) for s in starts]
    assert [c for c in calls if c[2] == wait] == [(s, window, wait) for s in starts[:3]]
    assert calls.index((starts[0], window, wait)) > calls.index((starts[2], window, write))
    assert b"".join(storage.read_upload(handle, len(data))) == data


def test_a_failed_write_behind_fails_the_append(storage, monkeypatch):
    monkeypatch.setattr(local, "WINDOW", 4096)

    def failing(fd, begin, length, flags):
        ctypes.set_errno(errno.EIO)
        return -1

    monkeypatch.setattr(local, "_sync_file_range", failing)
    handle = storage.start_upload()
    with pytest.raises(OSError, match="Input/output"):
        storage.append(handle, 0, [b"x" * 10_000])
