"""Generated URLs (share links, tus `Location`) never come from an untrusted `Host`."""

from __future__ import annotations

import base64

import pytest

from compartilha import config, create_app
from tests.conftest import base_config

TUS = {"Tus-Resumable": "1.0.0"}


def share_and_upload(client, auth, host=None):
    headers = {"Host": host} if host else {}
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    share = client.post(f"/api/v1/files/{file_id}/shares", headers={**owner.headers, **headers})
    tus = client.post("/api/v1/uploads", headers={
        **TUS, **owner.headers, **headers, "Upload-Length": "3",
        "Upload-Metadata": "filename " + base64.b64encode(b"a.txt").decode()})
    return share, tus


def test_a_forged_host_is_refused_without_public_url(client, auth):
    share, tus = share_and_upload(client, auth, "evil.example")
    for rv in (share, tus):
        assert rv.status_code == 400 and rv.get_json()["error"]["code"] == "untrusted_host"
    page = client.get("/", headers={"Host": "evil.example"})
    assert page.status_code == 400 and b"evil.example" not in page.get_data()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000", "localhost:5000"])
def test_this_machine_names_its_own_links_without_public_url(client, auth, host):
    share, tus = share_and_upload(client, auth, host)
    assert share.get_json()["share"]["url"].startswith(f"http://{host}/s/")
    assert tus.headers["Location"].startswith(f"http://{host}/api/v1/uploads/")


def test_public_url_names_every_link_whatever_the_host(app, client, auth):
    app.config["PUBLIC_URL"] = "https://files.example.com"
    app.config["TRUSTED_HOSTS"] = None  # what config.load derives with PUBLIC_URL
    share, tus = share_and_upload(client, auth, "evil.example")
    assert share.get_json()["share"]["url"].startswith("https://files.example.com/s/")
    assert tus.headers["Location"].startswith("https://files.example.com/api/v1/uploads/")
    listed = client.get("/api/v1/shares", headers={"Host": "evil.example",
                        **auth.login(auth.register()).headers})
    assert listed.status_code == 200


@pytest.mark.parametrize(("listed", "public", "bound", "expected"), [
    ("", "", "127.0.0.1", ["localhost", "127.0.0.1"]),
    ("", "", "0.0.0.0", ["localhost", "127.0.0.1"]),  # noqa: S104
    ("", "", "192.168.1.20", ["localhost", "127.0.0.1", "192.168.1.20"]),
    ("", "https://files.example.com", "127.0.0.1", None),
    ("files.example.com, .example.org", "https://files.example.com", "0.0.0.0",  # noqa: S104
     ["files.example.com", ".example.org"]),
])
def test_trusted_hosts(listed, public, bound, expected):
    assert config.trusted_hosts(listed, public, bound) == expected


def test_trusted_hosts_from_the_environment(tmp_path, database, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "files.example.com")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, database[1]))
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "files.example.com"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400
