"""Files in a local folder: staged in `.staging/`, renamed into place on commit."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..hashing import CHUNK
from .interface import (
    HANDLE_RE,
    RANGE_PIECE,
    SizeChanged,
    Storage,
    Writer,
    is_full,
    new_handle,
    new_key,
    translated,
    upload_key,
)

STAGING = ".staging"
# Stored files and their folders are readable by the folder's group (nginx's, through
# X_ACCEL_REDIRECT: docs/deploy.md), whatever the process's umask; never by others.
FILE_MODE = 0o640
DIR_MODE = 0o750
PART_RE = re.compile(r"[0-9a-f]{32}\.part")
READ_CHUNK = 256 * 1024
# Write-behind of a resumable upload (bench/README.md, "5 GiB"): every WINDOW bytes
# written, the disk writes of that window are started, and those of the window
# WINDOWS_BEHIND before it waited for, so the fdatasync that makes an append durable finds
# little left to write and an upload never holds more than a few windows of dirty pages.
WINDOW = 32 * 1024 * 1024
WINDOWS_BEHIND = 2
SYNC_FILE_RANGE_WAIT_BEFORE, SYNC_FILE_RANGE_WRITE, SYNC_FILE_RANGE_WAIT_AFTER = 1, 2, 4


def _libc_sync_file_range() -> object | None:
    """Linux's sync_file_range(2) (not in the os module), or None where there is none."""
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).sync_file_range
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_sync_file_range = _libc_sync_file_range()


def _make_dir(path: Path) -> None:
    """A key folder, DIR_MODE, keeping the setgid bit it inherits from the storage root so
    its files belong to the root's group."""
    try:
        path.mkdir()
    except FileExistsError:
        return
    os.chmod(path, DIR_MODE | (path.stat().st_mode & stat.S_ISGID))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalWriter(Writer):
    def __init__(self, storage: LocalStorage, max_bytes: int | None) -> None:
        super().__init__(max_bytes)
        self._storage = storage
        self._tmp = storage.root / STAGING / f"{secrets.token_hex(16)}.part"
        try:
            self._fh = open(self._tmp, "xb")  # noqa: SIM115 - closed in commit/abort
        except OSError as exc:
            self.done = True  # nothing to drop
            raise translated(exc) from exc

    def _write(self, data: bytes) -> None:
        # The parser hands over up to 1 MiB at a time: written in CHUNK slices, as large
        # aligned writes into fresh page-cache pages are the slow case (hashing.CHUNK).
        with memoryview(data) as view:
            for start in range(0, len(view), CHUNK):
                self._fh.write(view[start:start + CHUNK])

    def _commit(self) -> str:
        key = new_key()
        final = self._storage.path(key)
        self._fh.flush()
        os.fchmod(self._fh.fileno(), FILE_MODE)
        os.fsync(self._fh.fileno())
        self._fh.close()
        _make_dir(final.parent)
        os.replace(self._tmp, final)
        _fsync_dir(final.parent)
        return key

    def _abort(self) -> None:
        try:
            self._fh.close()  # flushes the buffer: fails again on a full disk, still closes
        except OSError:
            pass  # those bytes are being dropped anyway
        finally:
            self._tmp.unlink(missing_ok=True)


class LocalStorage(Storage):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        (self.root / STAGING).mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The key's path, refusing anything that would resolve outside the root."""
        path = (self.root / key).resolve()
        if self.root not in path.parents or STAGING in path.relative_to(self.root).parts:
            raise ValueError(f"storage key escapes the root: {key!r}")
        return path

    def writer(self, max_bytes: int | None = None) -> LocalWriter:
        return LocalWriter(self, max_bytes)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")  # noqa: SIM115 - the response closes it

    def read_range(self, key: str, start: int, end: int,
                   expect_size: int | None = None) -> Iterator[bytes]:
        with open(self.path(key), "rb", buffering=0) as fh:
            size = os.fstat(fh.fileno()).st_size
            if (expect_size is not None and size != expect_size) or size < end:
                raise SizeChanged(f"stored object {key} holds {size} bytes, "
                                  f"not {expect_size if expect_size is not None else end}")
            fh.seek(start)
            while start < end:
                data = fh.read(min(RANGE_PIECE, end - start))
                if not data:
                    raise SizeChanged(f"stored object {key} ended early at byte {start}")
                start += len(data)
                yield data

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def age(self, key: str) -> float:
        return time.time() - self.path(key).stat().st_mtime

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and folder.name != STAGING:
                for item in sorted(folder.iterdir()):
                    yield f"{folder.name}/{item.name}"

    def staged(self) -> Iterator[Path]:
        """Partial uploads left by a crash (for fsck)."""
        yield from (self.root / STAGING).glob("*.part")

    def stale_partials(self, older_than_seconds: float) -> list[str]:
        cutoff = time.time() - older_than_seconds
        return sorted(p.name for p in self.staged() if _mtime(p) < cutoff)

    def remove_partial(self, name: str) -> None:
        if not PART_RE.fullmatch(name):
            raise ValueError(f"not a partial upload: {name!r}")
        (self.root / STAGING / name).unlink(missing_ok=True)

    # Resumable uploads: one `<handle>.tus` file in the staging folder, appended in place
    # and renamed into the key space when finished.

    def _upload_path(self, handle: str) -> Path:
        if not HANDLE_RE.fullmatch(handle):
            raise ValueError(f"invalid upload handle: {handle!r}")
        return self.root / STAGING / f"{handle}.tus"

    def start_upload(self, handle: str | None = None) -> str:
        handle = handle or new_handle()
        try:
            os.close(os.open(self._upload_path(handle), os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600))
        except OSError as exc:
            raise translated(exc) from exc
        return handle

    def append(self, handle: str, offset: int, chunks: Iterable[bytes | memoryview]) -> int:
        fd = os.open(self._upload_path(handle), os.O_WRONLY)  # FileNotFoundError: none
        try:
            size = os.fstat(fd).st_size
            if size < offset:
                raise OSError(f"unfinished upload {handle} holds {size} bytes, not {offset}")
            if size > offset:
                os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
            try:
                written = _write_all(fd, chunks, WriteBehind(fd, offset))
                os.fdatasync(fd)  # durable before the offset is acknowledged
            except OSError as exc:
                if is_full(exc):  # give the room back now: none of this call is kept
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, offset)
                raise translated(exc) from exc
        finally:
            os.close(fd)
        return written

    def read_upload(self, handle: str, length: int) -> Iterator[bytes]:
        with open(self._upload_path(handle), "rb", buffering=0) as fh:
            while length > 0:
                data = fh.read(min(READ_CHUNK, length))
                if not data:
                    raise OSError(f"unfinished upload {handle} is shorter than expected")
                length -= len(data)
                yield data

    def finish_upload(self, handle: str) -> str:
        key = upload_key(handle)
        final = self.path(key)
        try:
            _make_dir(final.parent)
            os.chmod(self._upload_path(handle), FILE_MODE)
            os.replace(self._upload_path(handle), final)
        except FileNotFoundError:
            if final.is_file():  # published before
                return key
            raise
        except OSError as exc:
            raise translated(exc) from exc
        _fsync_dir(final.parent)
        return key

    def abort_upload(self, handle: str) -> None:
        self._upload_path(handle).unlink(missing_ok=True)

    def unfinished_uploads(self) -> Iterator[tuple[str, float]]:
        now = time.time()
        for path in (self.root / STAGING).glob("*.tus"):
            yield path.stem, now - _mtime(path)

    def presigned_url(self, key: str, *, disposition: str, content_type: str,
                      expires: int = 300) -> str | None:
        return None  # nothing but this app serves the folder

    def local_path(self, key: str) -> Path | None:
        return self.path(key)


def _mtime(path: Path) -> float:
    """A staged file's mtime; one that just went (committed, finished) counts as new."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


class WriteBehind:
    """Starts the disk writes of each WINDOW of a file written from `start` on, and waits
    for those WINDOWS_BEHIND windows back (sync_file_range(2); nothing where it is not
    available). Without it the bytes of a large upload sit in the page cache until the
    kernel's dirty limits stall the writer, and the final fdatasync waits for gigabytes."""

    def __init__(self, fd: int, start: int) -> None:
        self.fd, self.start, self.next = fd, start, start + WINDOW
        self.pending: list[int] = []  # windows started, not yet waited for

    def wrote(self, end: int) -> None:
        """`end`: how far the file is written now."""
        while _sync_file_range is not None and end >= self.next:
            begin = self.next - WINDOW
            self._range(begin, SYNC_FILE_RANGE_WRITE)
            self.pending.append(begin)
            if len(self.pending) > WINDOWS_BEHIND:
                self._range(self.pending.pop(0), SYNC_FILE_RANGE_WAIT_BEFORE
                            | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)
            self.next += WINDOW

    def _range(self, begin: int, flags: int) -> None:
        if _sync_file_range(self.fd, begin, WINDOW, flags) != 0:  # type: ignore[operator]
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))


def _write_all(fd: int, chunks: Iterable[bytes | memoryview],
               behind: WriteBehind | None = None) -> int:
    written = 0
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            n = os.write(fd, view)
            view = view[n:]
            written += n
        if behind is not None:
            behind.wrote(behind.start + written)
    return written
