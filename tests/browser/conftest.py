"""Browser tests: Playwright drives Debian's Chromium against the app on a real server.

The server is werkzeug's threaded WSGI server on 127.0.0.1 with a migrated SQLite file
and a local storage folder in a temporary directory; it is stopped at the end.
Screenshots go to test-artifacts/screenshots (printed at the end of the run).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from flask_migrate import upgrade
from werkzeug.serving import make_server

from compartilha import create_app
from compartilha.extensions import db
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
VIEWPORTS = {"phone": (375, 812), "tablet": (768, 1024), "desktop": (1280, 800)}

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


def compile_catalogs() -> None:
    """`make` builds the .mo files; build them here too when pytest runs on its own."""
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d",
                                str(ROOT / "compartilha" / "translations")])


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    compile_catalogs()
    tmp = tmp_path_factory.mktemp("live")
    previous = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = str(tmp / "instance")
    try:
        app = create_app(base_config(tmp, f"sqlite:///{tmp / 'live.db'}")
                         | {"MAX_UPLOAD_BYTES": 32 * 1024 * 1024,
                            # Every browser test signs up from 127.0.0.1 on this one server.
                            "RATELIMIT_REGISTER": "1000 per hour"})
    finally:
        if previous is None:
            os.environ.pop("INSTANCE_PATH", None)
        else:
            os.environ["INSTANCE_PATH"] = previous
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(live_server):
    return {"base_url": live_server.url, "locale": "pt-BR", "accept_downloads": True,
            "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


def shoot(page, folder: Path, name: str, sizes=VIEWPORTS, full_page: bool = True) -> None:
    """Screenshots of the current page at each size (dialogs: the viewport only)."""
    original = page.viewport_size
    for label, (width, height) in sizes.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=full_page,
                        animations="disabled")
    page.set_viewport_size(original)


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA rules) on the page; it runs outside the page's CSP."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(
                    n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    return result


def wait_until(page, script: str, arg=None, timeout: float = 10.0) -> None:
    """Poll a predicate from outside the page: Playwright's own polling evaluates strings
    inside the page, which our CSP (no 'unsafe-eval') rightly refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        page.wait_for_timeout(50)
