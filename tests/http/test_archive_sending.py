"""send_archive: the deterministic ZIP over HTTP, with HEAD, ETag, conditional requests and
Range, so a cut download resumes to identical bytes."""

from __future__ import annotations

import io
import os
import zipfile
import zlib

import pytest
from flask import Flask
from werkzeug.serving import make_server

from compartilha.http.archive_sending import send_archive
from compartilha.storage.local import LocalStorage
from compartilha.zipstream import Entry, build_archive
from tests.api import test_resume_clients
from tests.cutting_proxy import cutting_proxy
from tests.helpers import serving


def stored(storage, data: bytes) -> str:
    writer = storage.writer()
    writer.write(data)
    return writer.commit()


@pytest.fixture
def archive_app(tmp_path):
    storage = LocalStorage(tmp_path / "root")
    files = {"a.txt": b"alpha\n", "pasta/b.bin": os.urandom(2_000_000), "vazio.txt": b"",
             "pasta/ção 日本 😀.txt": "olá".encode()}
    entries = [Entry("pasta/", 0, 0, "")] + [
        Entry(path, len(data), zlib.crc32(data), stored(storage, data))
        for path, data in files.items()]
    archive = build_archive(entries)
    app = Flask(__name__)
    app.config["closes"] = []

    @app.route("/zip", methods=["GET", "HEAD"])
    def download():
        return send_archive(archive, storage, "Minhas férias.zip",
                            on_close=lambda *report: app.config["closes"].append(report))

    app.archive = archive
    app.files = files
    return app


@pytest.fixture
def web(archive_app):
    return archive_app.test_client()


def test_a_whole_download_is_a_zip_any_reader_accepts(archive_app, web):
    response = web.get("/zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert int(response.headers["Content-Length"]) == archive_app.archive.size
    assert response.headers["ETag"] == f'"{archive_app.archive.etag}"'
    assert "filename*=UTF-8''Minhas%20f%C3%A9rias.zip" in response.headers["Content-Disposition"]
    data = response.data
    response.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        for path, data in archive_app.files.items():
            assert archive.read(path) == data
    assert archive_app.config["closes"] == [(archive_app.archive.size, True)]


def test_head_gives_the_headers_without_a_body(archive_app, web):
    response = web.head("/zip")
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == archive_app.archive.size
    assert response.headers["ETag"] == f'"{archive_app.archive.etag}"'
    assert response.data == b""
    assert archive_app.config["closes"] == []


def test_every_split_point_reassembles_to_the_whole(archive_app, web):
    whole = web.get("/zip").data
    size = len(whole)
    for cut in [*range(0, size, size // 50), *range(size - 300, size)]:
        head = web.get("/zip", headers={"Range": f"bytes=0-{cut - 1}"}).data if cut else b""
        tail = web.get("/zip", headers={"Range": f"bytes={cut}-"})
        assert tail.status_code == 206
        assert tail.headers["Content-Range"] == f"bytes {cut}-{size - 1}/{size}"
        assert head + tail.data == whole


def test_small_archive_every_split_point(tmp_path):
    storage = LocalStorage(tmp_path / "root")
    archive = build_archive([Entry("x/", 0, 0, ""),
                             Entry("x/a", 3, zlib.crc32(b"abc"), stored(storage, b"abc"))])
    app = Flask(__name__)
    app.add_url_rule("/zip", "zip", lambda: send_archive(archive, storage, "x.zip"))
    web = app.test_client()
    whole = web.get("/zip").data
    for cut in range(len(whole) + 1):
        first = web.get("/zip", headers={"Range": f"bytes=0-{cut - 1}"}).data if cut else b""
        rest = web.get("/zip", headers={"Range": f"bytes={cut}-"}).data \
            if cut < len(whole) else b""
        assert first + rest == whole, cut


def test_a_download_cut_at_40_percent_resumes_with_if_range(archive_app, web):
    whole = web.get("/zip")
    etag = whole.headers["ETag"]
    cut = len(whole.data) * 40 // 100
    whole.close()
    body = web.get("/zip", buffered=False)
    first = b""
    for chunk in body.response:
        first += chunk
        if len(first) >= cut:
            break
    body.close()
    first = first[:cut]
    rest = web.get("/zip", headers={"Range": f"bytes={cut}-", "If-Range": etag})
    assert rest.status_code == 206
    assert first + rest.data == whole.data
    rest.close()
    sizes = archive_app.config["closes"]
    assert sizes[0] == (len(whole.data), True)
    assert sizes[1][1] is False and sizes[1][0] < len(whole.data)  # the cut one
    assert sizes[2] == (len(whole.data) - cut, True)


@pytest.mark.parametrize("if_range", ['"other"', 'W/"{etag}"', "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_an_if_range_that_does_not_match_gets_the_whole_archive(archive_app, web, if_range):
    etag = archive_app.archive.etag
    response = web.get("/zip", headers={"Range": "bytes=10-", "If-Range": if_range.format(
        etag=etag)})
    assert response.status_code == 200
    assert len(response.data) == archive_app.archive.size


def test_unsatisfiable_range_is_416(archive_app, web):
    size = archive_app.archive.size
    response = web.get("/zip", headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"
    assert archive_app.config["closes"] == []


def test_several_ranges_or_other_units_get_the_whole_archive(archive_app, web):
    for value in ("bytes=0-1,5-6", "items=0-1"):
        response = web.get("/zip", headers={"Range": value})
        assert response.status_code == 200
        assert len(response.data) == archive_app.archive.size


def test_if_none_match_is_304_and_if_match_412(archive_app, web):
    etag = f'"{archive_app.archive.etag}"'
    assert web.get("/zip", headers={"If-None-Match": etag}).status_code == 304
    assert web.get("/zip", headers={"If-None-Match": '"x"'}).status_code == 200
    assert web.get("/zip", headers={"If-Match": '"x"'}).status_code == 412
    assert web.get("/zip", headers={"If-Match": etag}).status_code == 200


def test_a_range_reaching_the_end_reports_it(archive_app, web):
    size = archive_app.archive.size
    for value in ("bytes=0-99", f"bytes={size - 100}-"):
        response = web.get("/zip", headers={"Range": value})
        assert len(response.data) == 100
        response.close()
    assert archive_app.config["closes"] == [(100, False), (100, True)]


def test_a_member_whose_bytes_changed_cuts_the_download(archive_app, web, tmp_path, caplog):
    """Never a corrupt archive: the body breaks off (the server then drops the connection,
    or answers 500 if no byte went out yet) and the log names the member."""
    storage = LocalStorage(tmp_path / "root")
    key = next(k for k in storage.keys() if storage.size(k) == 2_000_000)
    storage.path(key).write_bytes(b"short")
    with pytest.raises(OSError, match="changed in storage"):
        web.get("/zip").close()
    assert "'pasta/b.bin'" in caplog.text and "cannot be sent as recorded" in caplog.text


@pytest.fixture
def big_archive_app(tmp_path):
    """An archive of ~8 MiB over several members: more than loopback's socket buffers."""
    storage = LocalStorage(tmp_path / "root")
    entries = [Entry("fotos/", 0, 0, "")]
    for index in range(4):
        data = os.urandom(2 * 1024 * 1024 + index)
        entries.append(Entry(f"fotos/{index}.jpg", len(data), zlib.crc32(data),
                             stored(storage, data)))
    archive = build_archive(entries)
    app = Flask(__name__)
    app.add_url_rule("/zip", "zip", lambda: send_archive(archive, storage, "fotos.zip"))
    app.whole = b"".join(archive.chunks(storage))
    return app


@pytest.mark.parametrize("download", [test_resume_clients.curl, test_resume_clients.wget,
                                      test_resume_clients.aria2c],
                         ids=["curl", "wget", "aria2c"])
def test_real_clients_resume_a_zip_cut_at_40_percent(big_archive_app, tmp_path, download):
    server = make_server("127.0.0.1", 0, big_archive_app, threaded=True)
    out = tmp_path / "fotos.zip"
    cut = len(big_archive_app.whole) * 40 // 100
    with serving(server), cutting_proxy(server.server_port, cut, cuts=1,
                                        backpressure=True) as proxy:
        download(f"http://127.0.0.1:{proxy.port}/zip", str(out))
        assert proxy.cuts_done == 1
    assert out.read_bytes() == big_archive_app.whole
