"""A deterministic ZIP of stored files, laid out from their metadata alone.

Every byte of the archive follows from the entries (path, size, CRC-32, in order), so its
size and a strong ETag are known before the first byte is read, the same entries give the
same bytes every time, and any byte range maps onto the member files it covers
(`Archive.chunks` reads only those). The format (APPNOTE 6.3.x):

- entries STORED (method 0: files are mostly compressed already, and the size must be
  computable), CRC-32 and sizes in the local header (no data descriptors), flag bit 11
  (names in UTF-8), a folder is a name ending in "/" with no data;
- one timestamp for every entry, 1980-01-01 00:00 (the DOS epoch): the bytes depend on no
  date, so renaming or re-uploading changes them, the passing of time never does;
- ZIP64 where a value needs it: an entry of 0xFFFFFFFF bytes or more has a ZIP64 extra
  field in both headers, one whose offset needs it in the central one, and an archive with
  0xFFFF entries or more, or a central directory past 4 GiB, ends with the ZIP64 end of
  central directory record and its locator.

Names: "/"-separated, with empty, "." and ".." parts dropped (no entry can climb out of
the folder it is extracted into); a name already taken (compared case-insensitively, as
Windows and macOS extract) becomes "name (2).ext", "name (3).ext"… in list order, so the
caller's order (by file id) decides which keeps it. A renamed folder takes the entries
that follow it along (a folder's entries follow it, depth-first).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
import struct
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass

from .storage.interface import Storage

log = logging.getLogger(__name__)
# Names the layout: a change to the bytes this module writes must change it (and the ETags).
FORMAT = b"compartilha-zip/1"
DOS_TIME, DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 00:00:00, 1980-01-01
UTF8_NAMES = 0x0800
MAX32, MAX16 = 0xFFFFFFFF, 0xFFFF
LOCAL, CENTRAL = struct.Struct("<I5H3I2H"), struct.Struct("<I6H3I5H2I")
END64, LOCATOR, END = struct.Struct("<IQ2H2I4Q"), struct.Struct("<IIQI"), struct.Struct("<I4H2IH")
UNIX = 3 << 8  # "version made by": Unix, so the external attributes are a file mode
FILE_MODE, FOLDER_MODE = 0o100644 << 16, (0o040755 << 16) | 0x10  # 0x10: MS-DOS folder
GATHER = 256 * 1024  # headers and small files are sent in pieces of at least this size


class ArchiveBroken(OSError):
    """A member's stored bytes are gone or not their recorded size: the archive cannot be
    sent as laid out. Raised in the middle of a body, it cuts the connection, so the client
    sees a short download, never a corrupt one."""


@dataclass(frozen=True)
class Entry:
    """One member: a file (`key` in storage) or a folder (`path` ending in "/", size 0,
    crc32 0, key "")."""

    path: str
    size: int
    crc32: int
    key: str


@dataclass(slots=True)
class _Member:
    name: bytes
    size: int
    crc32: int
    key: str
    offset: int  # of its local header

    @property
    def zip64_size(self) -> bool:
        return self.size >= MAX32

    @property
    def data(self) -> int:
        """Where its bytes start."""
        return self.offset + LOCAL.size + len(self.name) + (20 if self.zip64_size else 0)


def local_header(member: _Member) -> bytes:
    big = member.zip64_size
    extra = struct.pack("<2H2Q", 1, 16, member.size, member.size) if big else b""
    size = MAX32 if big else member.size
    return LOCAL.pack(0x04034B50, 45 if big else 20, UTF8_NAMES, 0, DOS_TIME, DOS_DATE,
                      member.crc32, size, size, len(member.name), len(extra)) \
        + member.name + extra


def central_header(member: _Member) -> bytes:
    wide = [member.size, member.size] if member.zip64_size else []
    if member.offset >= MAX32:
        wide.append(member.offset)
    extra = struct.pack(f"<2H{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
    version = 45 if wide else 20
    size = MAX32 if member.zip64_size else member.size
    mode = FOLDER_MODE if member.name.endswith(b"/") else FILE_MODE
    return CENTRAL.pack(0x02014B50, UNIX | version, version, UTF8_NAMES, 0, DOS_TIME,
                        DOS_DATE, member.crc32, size, size, len(member.name), len(extra), 0,
                        0, 0, mode, min(member.offset, MAX32)) + member.name + extra


def end_records(count: int, start: int, size: int) -> bytes:
    """The end of central directory record, after the ZIP64 ones when a value needs them."""
    records = b""
    if count >= MAX16 or start >= MAX32 or size >= MAX32:
        records = END64.pack(0x06064B50, END64.size - 12, UNIX | 45, 45, 0, 0, count, count,
                             size, start) \
            + LOCATOR.pack(0x07064B50, 0, start + size, 1)
    return records + END.pack(0x06054B50, 0, 0, min(count, MAX16), min(count, MAX16),
                              min(size, MAX32), min(start, MAX32), 0)


def _clean(path: str) -> str:
    probe = f"/{path.rstrip('/')}/"
    if not ("//" in probe or "/./" in probe or "/../" in probe or path.endswith("//")):
        return path  # nothing to drop: the common case, without splitting
    parts = [part for part in path.split("/") if part not in ("", ".", "..")]
    name = "/".join(parts) or "_"
    return name + "/" if path.endswith("/") else name


def _numbered(path: str, number: int) -> str:
    folder = path.endswith("/")
    head, _, last = path.rstrip("/").rpartition("/")
    stem, dot, ext = last.rpartition(".")
    if not stem:  # no extension (or a leading dot only)
        stem, dot, ext = last, "", ""
    last = f"{stem} ({number}){dot}{ext}"
    return (f"{head}/" if head else "") + last + ("/" if folder else "")


def unique_paths(paths: Iterable[str]) -> list[str]:
    """The paths made safe and unique, deterministically (see the module's docstring)."""
    taken: dict[str, str] = {}  # casefolded path without "/" -> "file", "folder", "implied"
    moved: dict[str, str] = {}  # a folder's given path -> the path it got
    result: list[str] = []
    parent: str | None = None  # of the last entry: its ancestors are registered
    for given in map(_clean, paths):
        path = base = _moved(given, moved) if moved else given
        folder = path.endswith("/")
        key, number = path.rstrip("/").casefold(), 1
        # A folder entry may name a folder only implied so far (by an earlier file's path).
        while key in taken and not (folder and taken[key] == "implied"):
            number += 1
            path = _numbered(base, number)
            key = path.rstrip("/").casefold()
        if folder and path != given:
            moved[given] = path
        elif folder:
            moved.pop(given, None)  # a later folder of that name keeps it: its own entries
        if key.rpartition("/")[0] != parent:  # siblings share theirs: registered once
            parts = key.split("/")
            for depth in range(1, len(parts)):
                taken.setdefault("/".join(parts[:depth]), "implied")
            parent = key.rpartition("/")[0]
        taken[key] = "folder" if folder else "file"
        result.append(path)
    return result


def _moved(path: str, moved: dict[str, str]) -> str:
    """`path` under the name its closest renamed folder got."""
    parts = path.rstrip("/").split("/")
    for depth in range(len(parts) - 1, 0, -1):
        prefix = "/".join(parts[:depth]) + "/"
        if prefix in moved:
            return moved[prefix] + path[len(prefix):]
    return path


def build_archive(entries: Sequence[Entry]) -> Archive:
    """The archive of `entries`, in their order (see the module's docstring for names)."""
    members, offset = [], 0
    for path, entry in zip(unique_paths(e.path for e in entries), entries, strict=True):
        name = path.encode("utf-8")
        if len(name) > MAX16:
            raise ValueError(f"a ZIP entry name is at most {MAX16} bytes")
        folder = path.endswith("/")
        member = _Member(name, 0 if folder else entry.size, 0 if folder else entry.crc32 & MAX32,
                         "" if folder else entry.key, offset)
        members.append(member)
        offset = member.data + member.size
    directory = b"".join(central_header(member) for member in members)
    return Archive(members, offset, directory + end_records(len(members), offset,
                                                            len(directory)))


class Archive:
    """The layout: `size` bytes, `etag` (strong, from every name, size, CRC and offset),
    and `chunks` to read any range of it."""

    def __init__(self, members: list[_Member], directory_at: int, directory: bytes) -> None:
        self._members = members
        self._starts = [member.offset for member in members]
        self._directory_at = directory_at
        self._directory = directory
        self.size = directory_at + len(directory)
        self.entries = len(members)
        self.etag = "zip-" + hashlib.sha256(FORMAT + directory).hexdigest()[:40]

    def chunks(self, storage: Storage, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes [start, end) (end exclusive; None: to the end), reading only the member
        ranges they cover. Closing the iterator closes what it reads from. ArchiveBroken
        (after the bytes before it) when a member's stored bytes do not match."""
        end = self.size if end is None else end
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"range [{start}, {end}) outside an archive of {self.size} bytes")
        return _gathered(self._pieces(storage, start, end))

    def _pieces(self, storage: Storage, start: int,
                end: int) -> Generator[bytes, None, None]:
        first = max(0, bisect.bisect_right(self._starts, start) - 1)
        for member in self._members[first:]:
            if member.offset >= end:
                break
            yield from _cut(local_header(member), member.offset, start, end)
            low, high = max(start, member.data), min(end, member.data + member.size)
            if low < high:
                yield from _member_bytes(storage, member, low - member.data, high - member.data)
        yield from _cut(self._directory, self._directory_at, start, end)


def _cut(data: bytes, at: int, start: int, end: int) -> Iterator[bytes]:
    """The part of `data` (placed at `at`) inside [start, end)."""
    low, high = max(start, at), min(end, at + len(data))
    if low < high:
        yield data[low - at:high - at]


def _member_bytes(storage: Storage, member: _Member, start: int, end: int) -> Iterator[bytes]:
    try:
        yield from storage.read_range(member.key, start, end, expect_size=member.size)
    except (OSError, ValueError) as exc:
        name = member.name.decode()
        log.error("ZIP member %r (%s) cannot be sent as recorded: %s", name, member.key, exc)
        raise ArchiveBroken(f"ZIP member {name!r} changed in storage: {exc}") from exc


def _gathered(pieces: Generator[bytes, None, None]) -> Iterator[bytes]:
    """Small pieces (headers, small files) joined into at least GATHER bytes; large ones
    passed on as they are."""
    with contextlib.closing(pieces):  # a closed download closes the member it reads
        pending = bytearray()
        for piece in pieces:
            if len(piece) >= GATHER:
                if pending:
                    yield bytes(pending)
                    pending.clear()
                yield piece
                continue
            pending += piece
            if len(pending) >= GATHER:
                yield bytes(pending)
                pending.clear()
        if pending:
            yield bytes(pending)
