"""Fixtures: every test that takes `app` runs on SQLite and on MySQL/MariaDB.

MySQL is used when reachable (TEST_MYSQL_URL, or root@127.0.0.1:3306 without a
password). With REQUIRE_MYSQL=1 (as `.ci/run` sets) an unreachable MySQL fails the
run instead of skipping its half.

Storage: tests marked `both_storages` (every test with TEST_STORAGES=all) run on a local
folder and on S3, a SeaweedFS server started once per session (REQUIRE_S3=1 turns a
server that cannot start into a failure); the others run on the local folder. What tests
do through the client (accounts, uploads, links, tus) is in tests/helpers.py.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db
from tests.helpers import AuthActions, tables
from tests.servers import SeaweedS3, ServerUnavailable, start_clamd, start_seaweedfs, stop

pytest_plugins = ["tests.mailbox"]  # smtp_server, smtps_server

MYSQL_SERVER = os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
MYSQL_DB = f"compartilha_test_{os.getpid()}"
ROOT = Path(__file__).resolve().parent.parent


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


# Tests that time a server under load or kill one: `make test` runs them after the
# parallel part, alone, so the other workers' load cannot make them late.
SERIAL = ("tests/deploy/", "tests/faults/", "tests/test_limits_shared.py",
          "tests/test_throttle_shared.py",
          "tests/test_crypto.py::test_production_cost_is_owasp_scrypt")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(SERIAL):
            item.add_marker(pytest.mark.serial)


def pytest_generate_tests(metafunc):
    chosen = any("storage_backend" in str(mark.args[0])
                 for mark in metafunc.definition.iter_markers("parametrize"))
    if "storage_backend" in metafunc.fixturenames and not chosen:
        both = metafunc.definition.get_closest_marker("both_storages") is not None
        if both or os.environ.get("TEST_STORAGES") == "all":
            metafunc.parametrize("storage_backend", ["local", "s3"], indirect=True,
                                 scope="session")


# Under pytest-xdist (`make test` runs `pytest -n`), the controller starts one SeaweedFS for
# all its workers and hands it to them in this variable, instead of one server per worker.
SHARED_S3 = "COMPARTILHA_TEST_SHARED_S3"


def pytest_configure(config):
    workers = getattr(config.option, "numprocesses", None)
    if not workers or hasattr(config, "workerinput") or SHARED_S3 in os.environ:
        return
    try:
        server = start_seaweedfs(Path(tempfile.mkdtemp(prefix="compartilha-s3-")))
    except ServerUnavailable as exc:
        # The workers' own fixture then fails (REQUIRE_S3=1) or skips, with this reason.
        os.environ[SHARED_S3] = json.dumps({"unavailable": str(exc)})
        return
    config.shared_seaweedfs = server
    os.environ[SHARED_S3] = json.dumps(server.describe())


def pytest_unconfigure(config):
    server = getattr(config, "shared_seaweedfs", None)
    if server is not None:
        stop(server.process)
        shutil.rmtree(server.log.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A SeaweedFS S3 server for the whole session (the xdist controller's when it started
    one), stopped by its PID at the end."""
    shared = json.loads(os.environ.get(SHARED_S3, "null"))
    try:
        if shared and "unavailable" in shared:
            raise ServerUnavailable(shared["unavailable"])
        if shared:
            yield SeaweedS3.described(shared)
            return
        server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    except ServerUnavailable as exc:
        if os.environ.get("REQUIRE_S3") == "1":
            pytest.fail(f"S3 is required (REQUIRE_S3=1) but SeaweedFS did not start: {exc}")
        pytest.skip(f"SeaweedFS unavailable: {exc}")
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """A real clamd (tests/servers.start_clamd) for the session, stopped by its PID; with
    REQUIRE_CLAMAV=1 (as `.ci/run` sets) one that cannot start fails the run."""
    try:
        server = start_clamd(tmp_path_factory.mktemp("clamd"))
    except ServerUnavailable as exc:
        if os.environ.get("REQUIRE_CLAMAV") == "1":
            pytest.fail(f"clamd is required (REQUIRE_CLAMAV=1) but did not start: {exc}")
        pytest.skip(f"clamd unavailable: {exc}")
    yield server
    stop(server.process)


@pytest.fixture(scope="session")
def storage_backend(request):
    """None for the local folder, or the SeaweedFS server of the s3 half."""
    if getattr(request, "param", "local") == "s3":
        return request.getfixturevalue("seaweedfs")
    return None


def storage_config(storage_backend, monkeypatch) -> dict:
    """App config for the backend; S3 credentials go where boto3 reads them."""
    if storage_backend is None:
        return {}
    for name, value in storage_backend.env().items():
        monkeypatch.setenv(name, value)
    return {"STORAGE_URL": storage_backend.storage_url(),
            "S3_ENDPOINT_URL": storage_backend.endpoint}


@pytest.fixture
def app(database, storage_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    _, url = database
    app = create_app(base_config(tmp_path, url) | storage_config(storage_backend, monkeypatch))
    with app.app_context():
        with db.engine.begin() as conn:
            for table in tables():
                conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - the models' names
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


@pytest.fixture
def auth(client):
    return AuthActions(client)


class Verifier:
    """`verified.add(email)` verifies that account's address, as the operator's
    `flask users verify` does (following the mailed link has its own tests)."""

    def __init__(self, app) -> None:
        self.app = app

    def add(self, email: str) -> None:
        from compartilha.services import verification

        with self.app.app_context():
            verification.verify_by_operator(email)


@pytest.fixture
def verified(app) -> Verifier:
    return Verifier(app)
