"""Retake the README's screenshot (docs/screenshots/my-files.png): `make screenshot`.

Starts the app as `make run` does (migrations, then gunicorn with gunicorn.conf.py), but
on a free port of 127.0.0.1 in a temporary folder; creates an account and a few files
through the API; and photographs the "My files" page with Playwright driving Debian's
Chromium (Playwright never downloads a browser here) at 1280 px in the light theme.
It talks to the app only over HTTP, so it does not depend on how the package is laid out.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "my-files.png"
CHROMIUM = "/usr/bin/chromium"
# The same switches as the browser tests (tests/browser/conftest.py).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
BIN = Path(sys.executable).parent
PNG = bytes.fromhex("89504e470d0a1a0a")
# Uploaded oldest first, so the page lists them in this order reversed (newest first).
FILES = [
    ("Ata da reunião de março.txt", "text/plain", "Pauta:\n1. Orçamento\n".encode() * 200),
    ("Fotos do evento.zip", "application/zip", b"PK\3\4" + bytes(3_600_000)),
    ("Apresentação do produto.mp4", "video/mp4", bytes(4) + b"ftypisom" + bytes(12_000_000)),
    ("Foto da equipe.png", "image/png", PNG + bytes(850_000)),
    ("Relatório anual 2025.pdf", "application/pdf", b"%PDF-1.7\n" + bytes(2_400_000)),
]

FOLDERS = ["Clientes", "Projetos 2026"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback URL
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def expect(answer, status: int) -> None:
    if answer.status != status:
        raise SystemExit(f"{answer.url}: {answer.status} {answer.text()}")


def populate(context) -> None:
    """An account, signed in (the session cookie lands in `context`), with a few files."""
    password = secrets.token_urlsafe(16)
    account = {"name": "Ana Souza", "email": "ana@example.com", "password": password}
    expect(context.request.post("/api/v1/auth/register", data=account), 201)
    login = {"email": account["email"], "password": password}
    expect(context.request.post("/api/v1/auth/login", data=login), 200)
    csrf = next(c["value"] for c in context.cookies() if c["name"].endswith("compartilha_csrf"))
    for name in FOLDERS:
        expect(context.request.post("/api/v1/folders", headers={"X-CSRF-Token": csrf},
                                    data={"name": name}), 201)
    for name, mime, data in FILES:
        expect(context.request.post(
            "/api/v1/files", headers={"X-CSRF-Token": csrf},
            multipart={"file": {"name": name, "mimeType": mime, "buffer": data}}), 201)


def photograph(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=url, locale="en-US", color_scheme="light",
                                      reduced_motion="reduce",
                                      viewport={"width": 1280, "height": 800})
        populate(context)
        page = context.new_page()
        page.goto("/files")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT), full_page=True, animations="disabled")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="compartilha-shot-") as tmp:
        port = free_port()
        env = {**os.environ, "FLASK_APP": "compartilha", "INSTANCE_PATH": f"{tmp}/instance",
               "DATABASE_URL": f"sqlite:///{tmp}/app.db", "STORAGE_URL": f"file://{tmp}/files",
               "SECRET_KEY": secrets.token_hex(32), "HOST": "127.0.0.1", "PORT": str(port),
               "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8", "PUBLIC_URL": "",
               "TRUSTED_HOSTS": ""}
        subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,  # noqa: S603
                       capture_output=True)
        server = subprocess.Popen(  # noqa: S603
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "compartilha:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(url + "/healthz", server)
            photograph(url)
        finally:
            server.terminate()
            server.wait(15)
    print(json.dumps({"screenshot": str(OUT.relative_to(ROOT))}))


if __name__ == "__main__":
    main()
