"""S3_PRESIGNED_DOWNLOADS=1: owner downloads and unlimited links redirect to S3; limited
links still stream through the app, which counts them. The local folder has no such URLs."""

import urllib.request

import pytest

pytestmark = pytest.mark.both_storages  # local folder and S3

DATA = b"presigned bytes " * 1000


@pytest.fixture
def owner(app, auth):
    app.config["S3_PRESIGNED_DOWNLOADS"] = True
    return auth.user()


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url) as response:  # noqa: S310 - the test's own S3 server
        return response.read(), response.headers["Content-Disposition"]


def upload(auth, owner) -> int:
    return auth.upload(owner, DATA, "relatório.bin").get_json()["file"]["id"]


def share(client, owner, file_id, **options) -> dict:
    rv = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers, json=options)
    assert rv.status_code == 201
    return rv.get_json()["share"]


def count(client, owner) -> int:
    return client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"][0][
        "download_count"]


def test_owner_download_redirects_on_s3_only(client, auth, owner, storage_backend):
    file_id = upload(auth, owner)
    rv = client.get(f"/api/v1/files/{file_id}/download", headers=owner.headers)
    if storage_backend is None:
        assert rv.status_code == 200 and rv.data == DATA
        return
    assert rv.status_code == 302 and "no-store" in rv.headers["Cache-Control"]
    body, disposition = fetch(rv.headers["Location"])
    assert body == DATA
    assert disposition == ("attachment; filename=\"relatorio.bin\"; "
                           "filename*=UTF-8''relat%C3%B3rio.bin")


def test_unlimited_link_redirects_and_counts(client, auth, owner, storage_backend):
    token = share(client, owner, upload(auth, owner))["token"]
    rv = client.get(f"/s/{token}/download")
    if storage_backend is None:
        assert rv.status_code == 200 and rv.data == DATA
    else:
        assert rv.status_code == 302 and fetch(rv.headers["Location"])[0] == DATA
    assert count(client, owner) == 1


def test_limited_link_streams_through_the_app(client, auth, owner):
    token = share(client, owner, upload(auth, owner), max_downloads=1)["token"]
    rv = client.get(f"/s/{token}/download")
    assert rv.status_code == 302 and f"/s/{token}/d/" in rv.headers["Location"]
    rv = client.get(rv.headers["Location"])  # the download's ticket, on this app
    assert rv.status_code == 200 and rv.data == DATA
    assert count(client, owner) == 1
    assert client.get(f"/s/{token}/download").status_code == 410


def test_range_request_on_a_redirected_link_is_not_a_download(client, auth, owner,
                                                              storage_backend):
    token = share(client, owner, upload(auth, owner))["token"]
    rv = client.get(f"/s/{token}/download", headers={"Range": "bytes=0-9"})
    assert rv.status_code == (206 if storage_backend is None else 302)
    assert count(client, owner) == 0
