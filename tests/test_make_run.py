"""`make run` tells a newcomer which address to open (gunicorn.conf.py's when_ready)."""

from __future__ import annotations

import importlib.util
import re
import urllib.request
from pathlib import Path

import pytest

from tests.servers import migrated_sqlite, start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = re.compile(r"Compartilha is running: open (\S+) and create your first account")


@pytest.fixture
def gunicorn_conf(tmp_path, monkeypatch):
    # The file loads a .env found from the working directory: give it none to find.
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("bind", "public_url", "url"), [
    ("127.0.0.1:8000", "", "http://127.0.0.1:8000/"),
    ("192.168.1.5:9000", "", "http://192.168.1.5:9000/"),
    ("0.0.0.0:8000", "", "http://127.0.0.1:8000/"),  # noqa: S104 - a bind string, not bound
    ("[::]:8000", "", "http://localhost:8000/"),
    ("[::1]:8080", "", "http://localhost:8080/"),
    ("localhost", "", "http://localhost:8000/"),
    ("127.0.0.1:8000", "https://files.example.com/", "https://files.example.com/"),
    ("unix:/run/compartilha.sock", "", None),
])
def test_the_address_to_open(gunicorn_conf, bind, public_url, url):
    assert gunicorn_conf.address_to_open(bind, public_url) == url


def test_gunicorn_prints_the_address_and_it_answers(tmp_path):
    env = migrated_sqlite(tmp_path) | {"PUBLIC_URL": None, "TRUSTED_HOSTS": None}
    server = start_gunicorn(env, tmp_path)
    try:
        found = MESSAGE.search(server.log.read_text(errors="replace"))
        assert found, server.log.read_text(errors="replace")
        assert found.group(1) == server.url + "/"
        for path in ("", "healthz", "signup"):
            with urllib.request.urlopen(found.group(1) + path, timeout=10) as answer:  # noqa: S310
                assert answer.status == 200
    finally:
        stop(server.process)
