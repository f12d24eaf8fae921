import pytest
from sqlalchemy.exc import OperationalError

from tests.helpers import error_code


@pytest.mark.parametrize(("method", "url", "status", "code"), [
    ("get", "/api/v1/nope", 404, "not_found"),
    ("put", "/api/v1/files", 405, "method_not_allowed"),
    ("delete", "/api/v1/auth/login", 405, "method_not_allowed"),
])
def test_api_errors_are_json(client, method, url, status, code):
    rv = getattr(client, method)(url)
    assert rv.status_code == status
    assert rv.is_json
    assert error_code(rv) == code
    assert set(rv.get_json()["error"]) >= {"code", "message"}


def test_html_404_outside_api(client):
    rv = client.get("/no-such-page")
    assert rv.status_code == 404
    assert rv.mimetype == "text/html"


def test_json_body_too_large_is_413(client):
    rv = client.post("/api/v1/auth/login", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                     content_type="application/json")
    assert rv.status_code == 413
    assert error_code(rv) == "too_large"


@pytest.mark.parametrize("body", [b"{not json", b"[]", b"null", b'"text"'])
def test_malformed_json_is_a_clean_4xx(client, body):
    rv = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert 400 <= rv.status_code < 500
    assert rv.is_json and "error" in rv.get_json()


def test_unexpected_error_is_500_json_without_trace(app, client, auth, monkeypatch):
    from compartilha.services import files

    account = auth.user()

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(files, "list_rows", boom)
    rv = client.get("/api/v1/files", headers=account.headers)
    assert rv.status_code == 500
    assert error_code(rv) == "internal_error"
    assert "secret internal detail" not in rv.get_data(as_text=True)
    assert "Traceback" not in rv.get_data(as_text=True)


def test_healthz_ok(client):
    rv = client.get("/healthz")
    assert rv.status_code == 200
    assert rv.get_json() == {"status": "ok"}


def test_healthz_503_when_database_is_down(client, app, monkeypatch):
    from compartilha.extensions import db

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    rv = client.get("/healthz")
    assert rv.status_code == 503
    assert error_code(rv) == "database_unavailable"


def test_healthz_503_with_unreachable_database(tmp_path):
    from compartilha import create_app
    from tests.conftest import base_config

    app = create_app(base_config(tmp_path, "mysql+pymysql://nobody@127.0.0.1:1/none"))
    rv = app.test_client().get("/healthz")
    assert rv.status_code == 503
    assert error_code(rv) == "database_unavailable"


def test_openapi_document_describes_the_api(client):
    rv = client.get("/api/v1/openapi.json")
    assert rv.status_code == 200
    spec = rv.get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/logout",
                 "/api/v1/me", "/api/v1/me/password", "/api/v1/files",
                 "/api/v1/files/{file_id}", "/api/v1/files/{file_id}/download",
                 "/api/v1/files/{file_id}/shares", "/api/v1/shares",
                 "/api/v1/shares/{share_id}", "/healthz"]:
        assert path in paths, path
    register = paths["/api/v1/auth/register"]["post"]
    schema = register["requestBody"]["content"]["application/json"]["schema"]
    assert "$ref" in schema or "properties" in schema
    assert "multipart/form-data" in paths["/api/v1/files"]["post"]["requestBody"]["content"]
    assert "BearerAuth" in spec["components"]["securitySchemes"]
