"""A limited link downloaded by curl, wget and aria2c through a connection that is cut
twice mid-file: each resumes the same download (its ticket) to the exact bytes, and the
link counts it once, with one slot."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from werkzeug.serving import make_server

from tests.cutting_proxy import cutting_proxy
from tests.helpers import AuthActions, serving

pytestmark = pytest.mark.both_storages
DATA = os.urandom(8 * 1024 * 1024)  # more than loopback's socket buffers hold
CUT_AFTER = 1_500_000


def client_command(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("REQUIRE_CLIENTS") == "1":
            pytest.fail(f"{name} is required (REQUIRE_CLIENTS=1) but not installed")
        pytest.skip(f"{name} not installed")
    return path


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server):
        yield server.server_port


def curl(url: str, out: str) -> None:
    """A person re-running plain `curl -C -` on the link after each cut (no cookie jar)."""
    command = [client_command("curl"), "-sS", "-L", "-o", out, url]
    for _ in range(5):
        if subprocess.run(command, timeout=60, check=False).returncode == 0:  # noqa: S603
            return
        command[1:1] = ["-C", "-"] if "-C" not in command else []


def wget(url: str, out: str) -> None:
    subprocess.run([client_command("wget"), "-q", "-c", "-t", "5", "--waitretry=0",  # noqa: S603
                    "-O", out, url], timeout=60, check=True)


def aria2c(url: str, out: str) -> None:
    folder, name = os.path.split(out)
    subprocess.run([client_command("aria2c"), "-q", "-c", "--max-tries=5",  # noqa: S603
                    "--retry-wait=1", "--allow-overwrite=true", "-d", folder, "-o", name, url],
                   timeout=60, check=True)


@pytest.mark.parametrize("backpressure", [True, False], ids=["slow-proxy", "fast-proxy"])
@pytest.mark.parametrize("download", [curl, wget, aria2c], ids=["curl", "wget", "aria2c"])
def test_a_cut_download_of_a_limited_link_resumes_and_counts_once(app, client, live, tmp_path,
                                                                   download, backpressure):
    """slow-proxy: the cut comes while the server is sending (the ticket holds the slot);
    fast-proxy: after the server sent the last byte into the sockets (it counted; the
    completed ticket still serves the lost tail)."""
    app.config["MAX_UPLOAD_BYTES"] = 2 * len(DATA)
    auth = AuthActions(client)
    owner = auth.user()
    file_id = auth.upload(owner, DATA, "grande.bin").get_json()["file"]["id"]
    share = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers,
                        json={"max_downloads": 1}).get_json()["share"]
    out = tmp_path / "grande.bin"
    with cutting_proxy(live, CUT_AFTER, cuts=2, backpressure=backpressure) as proxy:
        download(f"http://127.0.0.1:{proxy.port}/s/{share['token']}/download", str(out))
        assert proxy.cuts_done == 2
    assert out.read_bytes() == DATA
    deadline = time.monotonic() + 5  # the count lands when the server closes the body
    while True:
        listed = client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"][0]
        if listed["download_count"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert listed["download_count"] == 1 and listed["state"] == "used_up"
    accesses = client.get(f"/api/v1/shares/{share['id']}/accesses",
                          headers=owner.headers).get_json()["accesses"]
    assert [a["completed"] for a in accesses] == [True]


@pytest.mark.parametrize("download", [curl, wget, aria2c], ids=["curl", "wget", "aria2c"])
def test_a_cut_zip_of_a_limited_link_to_several_things_resumes_and_counts_once(
        app, client, live, tmp_path, download):
    """The ZIP of a link to several things, cut twice: plain `curl -C -` (the link's URL,
    no cookie: matched to its download of the ZIP), wget (the ticket's URL) and aria2c (the
    link's URL with the ticket's cookie) resume it to identical bytes, counted once."""
    import io
    import zipfile

    app.config["MAX_UPLOAD_BYTES"] = 2 * len(DATA)
    auth = AuthActions(client)
    owner = auth.user()
    ids = [auth.upload(owner, DATA[:half], name).get_json()["file"]["id"]
           for half, name in ((len(DATA) // 2, "a.bin"), (len(DATA), "b.bin"))]
    share = client.post("/api/v1/shares", headers=owner.headers, json={
        "file_ids": ids, "max_downloads": 1}).get_json()["share"]
    out = tmp_path / "tudo.zip"
    with cutting_proxy(live, CUT_AFTER, cuts=2, backpressure=True) as proxy:
        download(f"http://127.0.0.1:{proxy.port}/s/{share['token']}/zip", str(out))
        assert proxy.cuts_done == 2
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    assert archive.read("a.bin") == DATA[:len(DATA) // 2] and archive.read("b.bin") == DATA
    deadline = time.monotonic() + 5
    while True:
        listed = client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"][0]
        if listed["download_count"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert listed["download_count"] == 1 and listed["state"] == "used_up"
