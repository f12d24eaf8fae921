"""A real HTTP server around the test app, for clients that speak HTTP (tuspy)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from compartilha.extensions import db
from tests.helpers import serving


@pytest.fixture
def live_server(app):
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM envios"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server) as url:
        yield url
