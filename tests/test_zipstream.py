"""The deterministic ZIP, checked by independent readers: Python's zipfile, Info-ZIP's unzip,
7-Zip and libarchive's bsdtar (`.ci/run` installs them; a missing one fails, never skips)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
import zlib
from dataclasses import replace

import pytest

from compartilha.storage import from_url
from compartilha.storage.local import LocalStorage
from compartilha.zipstream import MAX16, MAX32, Entry, build_archive, unique_paths

pytestmark = pytest.mark.both_storages  # local folder and S3
GIB = 1024 ** 3
NAMES = ["relatório ção.txt", "日本語/資料.txt", "emoji 😀🎉/🚀.bin", "Ünïcödé/ñ/ß.txt"]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is required (apt-get install unzip p7zip-full libarchive-tools)")
    return found


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def readers_accept(path, names: list[str], *, test: bool = True) -> None:
    """Every reader lists `names`; with `test`, every reader also checks every CRC."""
    if test:
        run(tool("unzip"), "-t", str(path))
        run(tool("7z"), "t", str(path))
    listing = run(tool("unzip"), "-Z1", str(path)).splitlines()
    assert listing == names
    seven = run(tool("7z"), "l", "-slt", "-sccUTF-8", str(path))
    assert {line[7:] for line in seven.splitlines() if line.startswith("Path = ")} \
        >= {name.rstrip("/") for name in names}
    # bsdtar reads the members in order to list them (the local headers, not only the
    # central directory): -t checks them through to the end.
    assert [name.rstrip("/") for name in run(tool("bsdtar"), "-tf", str(path)).splitlines()] \
        == [name.rstrip("/") for name in names]


@pytest.fixture
def storage(storage_backend, tmp_path, monkeypatch):
    if storage_backend is None:
        return LocalStorage(tmp_path / "root")
    for name, value in storage_backend.env().items():
        monkeypatch.setenv(name, value)
    return from_url(storage_backend.storage_url(), {"S3_ENDPOINT_URL": storage_backend.endpoint})


def entry(storage, path: str, data: bytes) -> Entry:
    writer = storage.writer()
    writer.write(data)
    return Entry(path, len(data), zlib.crc32(data), writer.commit())


def whole(archive, storage) -> bytes:
    data = b"".join(archive.chunks(storage))
    assert len(data) == archive.size
    return data


@pytest.fixture
def sample(storage):
    contents = {name: os.urandom(size) for name, size in zip(
        NAMES, [10, 300_000, 1, 1_500_000], strict=True)}
    entries = [Entry("pasta/", 0, 0, ""), Entry("pasta/vazia/", 0, 0, ""),
               entry(storage, "pasta/sub/a.txt", b"a" * 1000), entry(storage, "vazio.txt", b"")]
    entries += [entry(storage, name, data) for name, data in contents.items()]
    contents.update({"pasta/sub/a.txt": b"a" * 1000, "vazio.txt": b""})
    return entries, contents


def test_every_reader_accepts_names_folders_and_empty_files(sample, storage, tmp_path):
    entries, contents = sample
    archive = build_archive(entries)
    data = whole(archive, storage)
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        assert opened.testzip() is None
        assert [info.filename for info in opened.infolist()] == [e.path for e in entries]
        for info in opened.infolist():
            assert info.compress_type == zipfile.ZIP_STORED and info.flag_bits & 0x800
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.is_dir() == info.filename.endswith("/")
        for name, content in contents.items():
            assert opened.read(name) == content
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    readers_accept(path, [e.path for e in entries])
    out = tmp_path / "out"
    run(tool("bsdtar"), "-xf", str(path), "-C", str(out.mkdir() or out))
    assert (out / "pasta" / "vazia").is_dir()
    assert (out / "日本語" / "資料.txt").read_bytes() == contents["日本語/資料.txt"]


def test_the_same_entries_give_the_same_bytes_and_etag(sample, storage):
    entries, _ = sample
    first, second = build_archive(entries), build_archive(list(entries))
    assert whole(first, storage) == whole(second, storage)
    assert first.etag == second.etag and first.size == second.size
    renamed = [*entries[:3], replace(entries[3], path="outro.txt"), *entries[4:]]
    changed_crc = [*entries[:-1], replace(entries[-1], crc32=1)]
    reordered = [entries[1], entries[0], *entries[2:]]
    etags = {build_archive(e).etag for e in (entries, renamed, changed_crc, reordered)}
    assert len(etags) == 4


def test_any_range_reads_only_what_it_covers(sample, storage):
    entries, _ = sample
    archive = build_archive(entries)
    data = whole(archive, storage)
    step = archive.size // 37
    for start in range(0, archive.size, step):
        for end in (start, start + 1, start + step, archive.size):
            end = min(end, archive.size)
            assert b"".join(archive.chunks(storage, start, end)) == data[start:end]


def test_duplicate_paths_become_unique_in_order():
    assert unique_paths(["a.txt", "A.TXT", "a.txt", "b", "b", "f/", "f/x", "f/", "f/x",
                         "../../etc/passwd", "./.env", ".env"]) == [
        "a.txt", "A (2).TXT", "a (3).txt", "b", "b (2)", "f/", "f/x", "f (2)/", "f (2)/x",
        "etc/passwd", ".env", ".env (2)"]


@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)  # no bytes read
@pytest.mark.parametrize("count", [MAX16 - 1, MAX16, 70_000])
def test_zip64_end_records_from_65535_entries(storage, tmp_path, count):
    """A count the 16-bit field cannot hold (65,535 is its "see ZIP64" value) needs ZIP64."""
    last = entry(storage, "fim/último.txt", b"the end")
    entries = [Entry(f"d{i // 1000}/{i:05}.txt", 0, 0, "") for i in range(count - 1)] + [last]
    archive = build_archive(entries)
    data = whole(archive, storage)
    assert (b"PK\x06\x06" in data[-200:]) == (count >= MAX16)
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        assert len(opened.infolist()) == count
        assert opened.read("fim/último.txt") == b"the end"
    path = tmp_path / "many.zip"
    path.write_bytes(data)
    if count == 70_000:
        readers_accept(path, [e.path for e in entries])


def crc32_of_zeros(crc: int, count: int) -> int:
    """zlib.crc32(bytes(count), crc) without reading `count` bytes: feeding zeros is linear
    on the CRC register, applied by repeated squaring (as zlib's crc32_combine)."""
    def times(matrix, vector):
        total, row = 0, 0
        while vector:
            if vector & 1:
                total ^= matrix[row]
            vector, row = vector >> 1, row + 1
        return total

    def squared(matrix):
        return [times(matrix, matrix[row]) for row in range(32)]

    bit = [0xEDB88320] + [1 << row for row in range(31)]  # one zero bit
    operator = squared(squared(squared(bit)))  # one zero byte
    register = crc ^ MAX32
    while count:
        if count & 1:
            register = times(operator, register)
        count >>= 1
        operator = squared(operator)
    return register ^ MAX32


def test_crc32_of_zeros_is_zlibs():
    for crc, count in ((0, 0), (0, 1), (0, 1000), (zlib.crc32(b"abc"), 77_777)):
        assert crc32_of_zeros(crc, count) == zlib.crc32(bytes(count), crc)


@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
def test_zip64_member_over_4_gib_sparse(storage, tmp_path):
    """A sparse 4 GiB + 10 bytes member: ZIP64 sizes in both headers, ZIP64 offsets for the
    member after it and for the central directory. The readers list the archive (written
    sparse too, its zeros skipped). Checking the 4 GiB member's CRC reads 4 GiB (by hand:
    `7z t` ~15 s, `unzip -t` ~25 s, `bsdtar -xO` ~4–13 s, all accept it): left out."""
    tail = b"0123456789"
    size = 4 * GIB + len(tail)
    writer = storage.writer()
    writer.write(b"")
    key = writer.commit()
    with open(storage.path(key), "r+b") as fh:
        fh.truncate(size)
        fh.seek(size - len(tail))
        fh.write(tail)
    big = Entry("grande/enorme.bin", size, zlib.crc32(tail, crc32_of_zeros(0, 4 * GIB)), key)
    entries = [entry(storage, "antes.txt", b"before"), big, entry(storage, "depois.txt", b"after")]
    archive = build_archive(entries)
    assert archive.size > 4 * GIB
    data_start = 30 + len("antes.txt") + 6 + 30 + len(big.path) + 20
    data_end = data_start + size
    near_end = b"".join(archive.chunks(storage, data_end - 5, data_end + 4))
    assert near_end == b"56789PK\x03\x04"
    path = tmp_path / "big.zip"
    with open(path, "wb") as out:
        out.writelines(archive.chunks(storage, 0, data_start + 1024))
        out.seek(data_end - 1024)
        out.writelines(archive.chunks(storage, data_end - 1024, archive.size))
    with zipfile.ZipFile(path) as opened:
        infos = opened.infolist()
        assert [(i.filename, i.file_size) for i in infos] == [(e.path, e.size) for e in entries]
        assert infos[2].header_offset > MAX32 and opened.read("depois.txt") == b"after"
        with opened.open("grande/enorme.bin") as member:
            assert member.read(4) == b"\0\0\0\0"
    readers_accept(path, [e.path for e in entries], test=False)
    assert "grande/enorme.bin" in run(tool("unzip"), "-l", str(path))
