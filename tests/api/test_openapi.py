"""The OpenAPI document is good enough for tools: every operation named and its common
answers documented, and a client generated from it by openapi-python-client works."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.helpers import serving

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
RATE_LIMITED = {"register", "upload_file", "create_share"}


def operations(spec):
    return [(path, method, op) for path, ops in spec["paths"].items()
            for method, op in ops.items()]


def test_every_operation_is_named_and_documents_what_it_can_answer(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    names = [op.get("operationId") for _, _, op in operations(spec)]
    assert None not in names and len(set(names)) == len(names), names
    for path, method, op in operations(spec):
        assert "400" in op["responses"], (method, path)
        # A link's password is no HTTP authentication scheme (as /s/'s): no challenge.
        if "401" in op["responses"] and path.startswith("/api/"):
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"], (method, path)
        for parameter in op.get("parameters", []):
            if parameter["name"] in ("file_id", "share_id"):
                assert parameter["schema"]["type"] == "integer"
        if op["operationId"] in RATE_LIMITED:
            assert "429" in op["responses"], op["operationId"]
    download = spec["paths"]["/api/v1/files/{file_id}/download"]["get"]["responses"]
    assert "*/*" in download["200"]["content"]  # the stored type, whatever it is


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server) as url:
        yield url


@pytest.fixture
def generated(client, tmp_path, monkeypatch):
    """The client openapi-python-client generates from the served document, importable."""
    (tmp_path / "openapi.json").write_text(json.dumps(client.get("/api/v1/openapi.json")
                                                      .get_json()))
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")
    done = subprocess.run(  # noqa: S603
        [str(GENERATOR), "generate", "--path", str(tmp_path / "openapi.json"),
         "--output-path", str(tmp_path / "compartilha_client"), "--meta", "none",
         "--config", str(tmp_path / "config.yaml")],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # The generator has no type for tus's application/offset+octet-stream and skips those
    # operations (tus clients speak tus); it must have nothing else to say.
    output = done.stdout + done.stderr
    skipped = re.findall(r"WARNING parsing (\w+ \S+) within (?:api|upload_links)\. "
                         r"Endpoint will not be generated\.\s+Unsupported content type "
                         r"application/offset\+octet-stream", output)
    assert set(skipped) <= {"POST /api/v1/uploads", "POST /api/v1/uploads/{token}",
                            "PATCH /api/v1/uploads/{token}", "POST /r/{token}/uploads",
                            "POST /r/{token}/uploads/{upload}",
                            "PATCH /r/{token}/uploads/{upload}"}, output
    assert output.count("WARNING") == len(skipped), output
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("compartilha_client")
    for name in [m for m in sys.modules if m.split(".")[0] == "compartilha_client"]:
        del sys.modules[name]


def test_a_generated_client_registers_uploads_lists_shares_and_downloads(generated, live):
    gen = generated
    api = importlib.import_module("compartilha_client.api.api")
    models = importlib.import_module("compartilha_client.models")
    types = importlib.import_module("compartilha_client.types")
    for name in ("register", "login", "upload_file", "list_files", "create_share",
                 "download_file", "delete_file"):
        importlib.import_module(f"{api.__name__}.{name}")
    # An upload link's form upload, with its receipt's model.
    importlib.import_module("compartilha_client.api.upload_links.send_link_file")
    anonymous = gen.Client(base_url=live)
    rv = api.register.sync_detailed(client=anonymous, body=models.RegisterIn(
        name="Gera", email="gera@example.com", password="a long password"))
    assert rv.status_code == 201 and rv.parsed.user.email == "gera@example.com"
    token = api.login.sync(client=anonymous, body=models.LoginIn(
        email="gera@example.com", password="a long password")).access_token
    me = gen.AuthenticatedClient(base_url=live, token=token)

    data = bytes(range(256)) * 100
    uploaded = api.upload_file.sync(client=me, body=models.UploadIn(file=types.File(
        payload=BytesIO(data), file_name="dados.bin", mime_type="application/x-dados")))
    assert uploaded.file.size == len(data)
    listed = api.list_files.sync(client=me)
    assert [f.id for f in listed.files] == [uploaded.file.id]
    share = api.create_share.sync(client=me, file_id=uploaded.file.id,
                                  body=models.ShareIn(max_downloads=1)).share
    assert share.max_downloads == 1
    got = api.download_file.sync(client=me, file_id=uploaded.file.id)
    assert got.payload.read() == data
    # The link, as its recipient would: a limited link redirects to its download's ticket.
    shared = anonymous.get_httpx_client().get(f"{share.url}/download", follow_redirects=True)
    assert shared.status_code == 200 and shared.content == data
    missing = api.delete_file.sync_detailed(client=me, file_id=2**31 - 1)
    assert missing.status_code == 404
