"""Real HTTP servers around the test app: werkzeug for clients that speak HTTP (tuspy), and
gunicorn for what only real processes show (races between workers, raw URLs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from compartilha.extensions import db
from tests.helpers import serving
from tests.servers import start_gunicorn, stop


@pytest.fixture
def live_server(app):
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM envios"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server) as url:
        yield url


@pytest.fixture
def gunicorn_app(app, tmp_path) -> Iterator[Callable[..., str]]:
    """`gunicorn_app(**env)`: the app under gunicorn, two workers of eight threads, on the
    `app` fixture's database and storage (so the test reads what it wrote); its URL.
    Stopped by its PID at the end."""
    started = []

    def start(**env: str) -> str:
        server = start_gunicorn({
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "STORAGE_URL": app.config["STORAGE_URL"], "SECRET_KEY": app.config["SECRET_KEY"],
            "INSTANCE_PATH": str(tmp_path / "instance"), "SCRYPT_N": "16",
            "MAX_UPLOAD_BYTES": str(app.config["MAX_UPLOAD_BYTES"]),
            "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8", **env},
            tmp_path, f"gunicorn{len(started)}", timeout=60)
        started.append(server)
        return server.url

    yield start
    for server in started:
        stop(server.process)
