"""A full storage folder: uploads get 507 and leave nothing; downloads keep working."""

import io
import subprocess

import pytest

from compartilha import create_app
from tests.conftest import AuthActions, base_config


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],  # noqa: S603,S607
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs (root is needed): {result.stderr}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)  # noqa: S603,S607


def test_full_storage(database, tmp_path, small_disk):
    app = create_app({**base_config(tmp_path, database[1]),
                      "STORAGE_URL": f"file://{small_disk / 'files'}",
                      "MAX_UPLOAD_BYTES": 16 * 1024 * 1024})
    from compartilha.extensions import db
    from tests.conftest import TABLES

    with app.app_context(), db.engine.begin() as conn:
        for table in TABLES:
            conn.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608
    client = app.test_client()
    auth = AuthActions(client)
    account = auth.user()
    first = auth.upload(account, b"a" * (1024 * 1024), "first.bin")
    assert first.status_code == 201
    file_id = first.get_json()["file"]["id"]
    rv = client.post("/api/v1/files", headers=account.headers,
                     data={"file": (io.BytesIO(b"b" * (5 * 1024 * 1024)), "big.bin")},
                     content_type="multipart/form-data")
    assert rv.status_code == 507
    assert rv.get_json()["error"]["code"] == "storage_full"
    staging = small_disk / "files" / ".staging"
    assert list(staging.iterdir()) == []
    listed = client.get("/api/v1/files", headers=account.headers).get_json()["files"]
    assert [f["name"] for f in listed] == ["first.bin"]
    download = client.get(f"/api/v1/files/{file_id}/download", headers=account.headers)
    assert download.status_code == 200 and download.data == b"a" * (1024 * 1024)
    download.close()
    # once there is room again, uploads work
    assert client.delete(f"/api/v1/files/{file_id}", headers=account.headers).status_code == 204
    again = auth.upload(account, b"c" * (2 * 1024 * 1024), "again.bin")
    assert again.status_code == 201
    with app.app_context():
        db.engine.dispose()
