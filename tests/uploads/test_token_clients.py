"""The README's upload with a personal API token, run as written there: its `curl` line
(real curl against gunicorn) and its ShareX custom uploader (`.sxcu`), whose request is
made as ShareX makes it and whose `URL` template is read from the answer."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from compartilha.extensions import db
from compartilha.models import File, Share

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BASE = "https://files.example.com"
PLACEHOLDER = "cmp_…"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README.read_text(), re.S)


def curl_line() -> str:
    [line] = [line for block in blocks("sh") for line in block.splitlines()
              if line.startswith("curl ") and "Bearer" in line]
    return line


def sxcu() -> dict:
    [config] = [json.loads(block) for block in blocks("json") if '"RequestURL"' in block]
    return config


def token_for(client, account, scopes=("files:write", "shares:write")) -> str:
    rv = client.post("/api/v1/me/tokens", headers=account.headers,
                     json={"name": "ShareX", "scopes": list(scopes)})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["token"]["secret"]


def test_the_readme_curl_uploads_with_a_token_and_gets_a_link(app, client, auth,
                                                             gunicorn_app, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl not installed")
    secret = token_for(client, auth.user())
    base = gunicorn_app()
    line = curl_line()
    assert BASE in line and PLACEHOLDER in line
    (tmp_path / "shot.png").write_bytes(b"\x89PNG fake screenshot")
    done = subprocess.run(["bash", "-c", line.replace(BASE, base).replace(  # noqa: S603, S607
        PLACEHOLDER, secret)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["file"]["name"] == "shot.png"
    url = answer["share"]["url"]
    assert "/s/" in url
    with app.app_context():
        share = db.session.scalar(select(Share))
        assert share is not None and share.file_id == answer["file"]["id"]
    # The token (files:write, shares:write) is refused the list of links, which needs
    # shares:read: 403, the scope named.
    listing = subprocess.run(["curl", "-s", "-H", f"Authorization: Bearer {secret}",  # noqa: S603, S607
                              f"{base}/api/v1/shares"], capture_output=True, text=True,
                             timeout=60, check=False)
    error = json.loads(listing.stdout)["error"]
    assert (error["code"], error["field"]) == ("scope_missing", "shares:read")
    assert "shares:read" in error["message"]
    # Without shares:write the same command is refused (curl -f: a failure), nothing stored.
    files_only = token_for(client, auth.user(name="Bia"), ("files:write",))
    refused = subprocess.run(["bash", "-c", line.replace(BASE, base).replace(  # noqa: S603, S607
        PLACEHOLDER, files_only)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False)
    assert refused.returncode != 0
    with app.app_context():
        assert len(db.session.scalars(select(File)).all()) == 1


def _template(text: str, answer: dict) -> str:
    """ShareX's `{json:a.b}` syntax, read from the answer."""
    def value(match: re.Match) -> str:
        found: object = answer
        for key in match.group(1).split("."):
            found = found[key]  # type: ignore[index]
        return str(found)

    return re.sub(r"\{json:([\w.]+)\}", value, text)


def test_the_readme_sharex_uploader_works(app, client, auth):
    config = sxcu()
    assert config["RequestMethod"] == "POST" and config["Body"] == "MultipartFormData"
    assert config["RequestURL"] == f"{BASE}/api/v1/files"
    secret = token_for(client, auth.user())
    headers = {k: v.replace(PLACEHOLDER, secret) for k, v in config["Headers"].items()}
    form = {**config["Arguments"],
            config["FileFormName"]: (io.BytesIO(b"\x89PNG shot"), "shot.png", "image/png")}
    rv = client.open(urlsplit(config["RequestURL"]).path, method=config["RequestMethod"],
                     headers=headers, data=form, content_type="multipart/form-data")
    assert rv.status_code == 201, rv.get_json()
    url = _template(config["URL"], rv.get_json())
    assert client.get(urlsplit(url).path).status_code == 200
    # A refusal shows ShareX the server's sentence.
    bad = client.open(urlsplit(config["RequestURL"]).path, method="POST",
                      headers={"Authorization": "Bearer cmp_" + "x" * 43},
                      data={**config["Arguments"], config["FileFormName"]: (
                          io.BytesIO(b"x"), "x.png")}, content_type="multipart/form-data")
    assert bad.status_code == 401
    assert "invalid" in _template(config["ErrorMessage"], bad.get_json())
