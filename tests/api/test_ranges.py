"""A Range request reads only its bytes from storage, even under a server whose own
wsgi.file_wrapper cannot seek (gunicorn's): on S3 each byte read is a byte fetched."""

import pytest

pytestmark = pytest.mark.both_storages  # local folder and S3

DATA = bytes(range(256)) * 1200  # 300 KiB


class UnseekableWrapper:
    """Like gunicorn's FileWrapper: iterates the file, no seek."""

    def __init__(self, filelike, blksize=8192):
        self.filelike, self.blksize = filelike, blksize

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration

    def close(self):
        self.filelike.close()


class CountingFile:
    def __init__(self, inner, read_sizes):
        self.inner, self.read_sizes = inner, read_sizes

    def read(self, n=-1):
        chunk = self.inner.read(n)
        self.read_sizes.append(len(chunk))
        return chunk

    def __getattr__(self, name):  # seek, tell, seekable, close
        return getattr(self.inner, name)


@pytest.fixture
def counted(monkeypatch):
    from compartilha.services import files

    read_sizes = []
    real_open = files.open_bytes
    monkeypatch.setattr(files, "open_bytes",
                        lambda record: CountingFile(real_open(record), read_sizes))
    return read_sizes


def test_range_reads_only_its_bytes(client, auth, counted):
    owner = auth.user()
    file_id = auth.upload(owner, DATA, "r.bin").get_json()["file"]["id"]
    rv = client.get(f"/api/v1/files/{file_id}/download", headers={
        **owner.headers, "Range": "bytes=300000-300009"},
        environ_overrides={"wsgi.file_wrapper": UnseekableWrapper})
    assert rv.status_code == 206 and rv.data == DATA[300000:300010]
    assert sum(counted) <= len(DATA) - 300000


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "bytes=0-0,-1"])
def test_several_ranges_get_the_whole_file(client, auth, header):
    """Not 416: a server may ignore Range, and the whole file is always right."""
    account = auth.user()
    file_id = auth.upload(account, DATA, "d.bin").get_json()["file"]["id"]
    rv = client.get(f"/api/v1/files/{file_id}/download", headers={**account.headers,
                                                                  "Range": header})
    assert rv.status_code == 200 and rv.data == DATA
    assert rv.headers["Accept-Ranges"] == "bytes"
