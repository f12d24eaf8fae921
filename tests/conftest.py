"""Fixtures: every test that takes `app` runs on SQLite and on MySQL/MariaDB.

MySQL is used when reachable (TEST_MYSQL_URL, or root@127.0.0.1:3306 without a
password). With REQUIRE_MYSQL=1 (as `.ci/run` sets) an unreachable MySQL fails the
run instead of skipping its half.
"""

from __future__ import annotations

import io
import os
import secrets
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db

MYSQL_SERVER = os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
MYSQL_DB = f"compartilha_test_{os.getpid()}"
TABLES = ["compartilhamentos", "arquivos", "sessoes", "usuarios"]


def _mysql_url() -> str | None:
    engine = sa.create_engine(MYSQL_SERVER + "/", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {MYSQL_DB}"))
            conn.execute(sa.text(f"CREATE DATABASE {MYSQL_DB} CHARACTER SET utf8mb4 "
                                 "COLLATE utf8mb4_unicode_ci"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("REQUIRE_MYSQL") == "1":
            pytest.fail(f"MySQL is required (REQUIRE_MYSQL=1) but unreachable: {exc}")
        return None
    finally:
        engine.dispose()
    return f"{MYSQL_SERVER}/{MYSQL_DB}?charset=utf8mb4"


def _drop_mysql() -> None:
    engine = sa.create_engine(MYSQL_SERVER + "/")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {MYSQL_DB}"))
    engine.dispose()


def base_config(tmp_path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_URL": f"file://{tmp_path / 'files'}",
        "UPLOADED_FILES_DEST": str(tmp_path / "files"),
        "SCRYPT_N": 2**4,  # fast hashes in tests; the production cost is tested on its own
        "MAX_UPLOAD_BYTES": 1024 * 1024,
    }


@pytest.fixture(scope="session", params=["sqlite", "mysql"])
def database(request, tmp_path_factory):
    """A migrated database per backend, created once per test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _mysql_url()
        if url is None:
            pytest.skip("MySQL/MariaDB not reachable")
    app = create_app(base_config(tmp_path_factory.mktemp("migrate"), url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield request.param, url
    if request.param == "mysql":
        _drop_mysql()


@pytest.fixture
def app(database, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    _, url = database
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        with db.engine.begin() as conn:
            for table in TABLES:
                conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    yield app
    with app.app_context():
        db.engine.dispose()


class BufferedClient(FlaskClient):
    """Reads and closes every response, as a WSGI server would (streamed files included)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = BufferedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class Account:
    name: str
    email: str
    password: str
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class AuthActions:
    """Register and log in users through the API, as a client would."""

    def __init__(self, client) -> None:
        self._client = client
        self._n = 0

    def register(self, name: str = "Ana", email: str | None = None,
                 password: str = "correct horse") -> Account:  # noqa: S107
        self._n += 1
        email = email or f"user{self._n}@example.com"
        rv = self._client.post("/api/v1/auth/register",
                               json={"name": name, "email": email, "password": password})
        assert rv.status_code == 201, rv.get_json()
        return Account(name, email, password)

    def login(self, account: Account) -> Account:
        rv = self._client.post("/api/v1/auth/login",
                               json={"email": account.email, "password": account.password})
        assert rv.status_code == 200, rv.get_json()
        account.token = rv.get_json()["access_token"]
        return account

    def user(self, **kwargs) -> Account:
        return self.login(self.register(**kwargs))

    def upload(self, account: Account, data: bytes = b"hello world", name: str = "hello.txt",
               content_type: str = "text/plain"):
        return self._client.post(
            "/api/v1/files", headers=account.headers,
            data={"file": (io.BytesIO(data), name, content_type)},
            content_type="multipart/form-data",
        )


@pytest.fixture
def auth(client):
    return AuthActions(client)


def error_code(response) -> str:
    return response.get_json()["error"]["code"]
