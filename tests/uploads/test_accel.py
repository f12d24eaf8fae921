import pytest

pytestmark = pytest.mark.both_storages  # local folder and S3


@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)  # nginx serves a folder
def test_download_behind_nginx_is_an_x_accel_redirect(client, auth, app):
    account = auth.user()
    file_id = auth.upload(account, b"hello", "a.txt").get_json()["file"]["id"]
    app.config["X_ACCEL_REDIRECT"] = "/_files/"
    rv = client.get(f"/api/v1/files/{file_id}/download", headers=account.headers)
    assert rv.status_code == 200 and rv.data == b""
    assert rv.headers["X-Accel-Redirect"].startswith("/_files/")
    assert rv.headers["Content-Disposition"] == 'attachment; filename="a.txt"'
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    app.config["X_ACCEL_REDIRECT"] = ""
    assert client.get(f"/api/v1/files/{file_id}/download", headers=account.headers).data == \
        b"hello"
