"""Fixtures for tests that run the app as in production: gunicorn processes sharing
MariaDB, SeaweedFS (S3) and Redis. Each service missing is a skip, or a failure when
REQUIRE_MYSQL / REQUIRE_S3 / REQUIRE_REDIS is 1 (as `.ci/run` sets)."""

from __future__ import annotations

import os
import secrets
import socket

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db
from tests.conftest import MYSQL_SERVER

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def unavailable(variable: str, message: str) -> None:
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message} ({variable}=1)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def mariadb_url(tmp_path_factory):
    """A migrated MariaDB database of its own, dropped afterwards."""
    name = f"compartilha_deploy_{os.getpid()}_{secrets.token_hex(3)}"
    server = sa.create_engine(MYSQL_SERVER + "/", connect_args={"connect_timeout": 3})
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 "
                                 "COLLATE utf8mb4_unicode_ci"))
    except sa.exc.OperationalError as exc:
        server.dispose()
        unavailable("REQUIRE_MYSQL", f"MySQL/MariaDB not reachable: {exc}")
    url = f"{MYSQL_SERVER}/{name}?charset=utf8mb4"
    folder = tmp_path_factory.mktemp("migrate")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSTANCE_PATH", str(folder))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32),
                          "STORAGE_URL": f"file://{folder / 'files'}"})
        with app.app_context():
            upgrade()
            db.engine.dispose()
    yield url
    with server.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    server.dispose()


@pytest.fixture(scope="module")
def redis_url():
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as exc:
        unavailable("REQUIRE_REDIS", f"Redis not reachable on {REDIS_HOST}:{REDIS_PORT}: {exc}")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
