"""Browser tests: Playwright drives Debian's Chromium against the app on a real server.

The server is werkzeug's threaded WSGI server on 127.0.0.1 with a migrated SQLite file
and a local storage folder in a temporary directory; it is stopped at the end. A module
that overrides `browser_context_args` with `on_both_databases` runs again on a server of
its own on MariaDB, and once more with its files on S3 (SeaweedFS).
Screenshots go to test-artifacts/screenshots (printed at the end of the run).
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.frontend import CommandLineInterface
from flask_migrate import upgrade
from werkzeug.serving import make_server

from compartilha import create_app
from compartilha.extensions import db
from tests.conftest import MYSQL_SERVER, base_config

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


# Each running server's app by its URL (a test's `base_url`), for what a test does on the
# server's side: run its due jobs (tests.helpers.run_due_jobs).
APPS: dict[str, object] = {}
# An upload link's arrivals are told once it has been quiet this long (seconds): short, so
# a test need not wait a minute; a test's uploads still make one session, since nothing
# runs the scheduled checks until the test does.
REQUEST_QUIET_SECONDS = 2


_DATABASES = itertools.count()


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A new empty database: a SQLite file in `folder`, or one on MariaDB, dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'live.db'}"
        return
    name = f"compartilha_live_{os.getpid()}_{next(_DATABASES)}"
    engine = sa.create_engine(MYSQL_SERVER + "/", connect_args={"connect_timeout": 3})
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 "
                                 "COLLATE utf8mb4_unicode_ci"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if os.environ.get("REQUIRE_MYSQL") == "1":
            pytest.fail(f"MySQL is required (REQUIRE_MYSQL=1) but unreachable: {exc}")
        pytest.skip("MySQL/MariaDB not reachable")
    try:
        yield f"{MYSQL_SERVER}/{name}?charset=utf8mb4"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


@contextmanager
def serving(kind: str, folder: Path, **config) -> Iterator[LiveServer]:
    """The app on werkzeug's threaded server on 127.0.0.1, on a migrated new database of
    `kind` and a local storage folder in `folder`; stopped at the end."""
    compile_catalogs()
    previous = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = str(folder / "instance")
    with database(kind, folder) as url:
        try:
            app = create_app(base_config(folder, url)
                             | {"MAX_UPLOAD_BYTES": 32 * 1024 * 1024,
                                # Every browser test signs up from 127.0.0.1 on one server.
                                "RATELIMIT_REGISTER": "1000 per hour",
                                "REQUEST_QUIET_SECONDS": REQUEST_QUIET_SECONDS} | config)
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
        url = f"http://127.0.0.1:{server.server_port}"
        APPS[url] = app
        try:
            yield LiveServer(url, app)
        finally:
            APPS.pop(url, None)
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with serving("sqlite", tmp_path_factory.mktemp("live")) as server:
        yield server


def context_args(url: str) -> dict:
    # Reduced motion: the site's CSS then ends every transition at once, so axe never
    # measures a colour half-way through a theme change (a flake on a loaded machine).
    return {"base_url": url, "locale": "pt-BR", "accept_downloads": True,
            "viewport": {"width": 1280, "height": 800}, "reduced_motion": "reduce"}


@contextmanager
def s3_environment(s3) -> Iterator[dict]:
    """The app config of a storage on SeaweedFS `s3`, its credentials in the environment
    (where boto3 reads them) until the end."""
    previous = {name: os.environ.get(name) for name in s3.env()}
    os.environ.update(s3.env())
    try:
        yield {"STORAGE_URL": s3.storage_url(), "S3_ENDPOINT_URL": s3.endpoint}
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module", params=["sqlite", "mysql", "mysql-s3"])
def on_both_databases(request, live_server, tmp_path_factory):
    """Context arguments for a server on SQLite and a local folder (the session's), then on
    MariaDB (this module's own), then on MariaDB with its files on S3 (SeaweedFS): a module
    overrides `browser_context_args` with it to run on each."""
    if request.param == "sqlite":
        yield context_args(live_server.url)
        return
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "mysql":
        with serving("mysql", folder) as server:
            yield context_args(server.url)
        return
    s3 = request.getfixturevalue("seaweedfs")
    with s3_environment(s3) as config, serving("mysql", folder, **config) as server:
        yield context_args(server.url)
        prefix = config["STORAGE_URL"].removeprefix(f"s3://{s3.bucket}/")
        stored = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=prefix)
        assert stored.get("KeyCount", 0) > 0, "the module's files never reached S3"


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
    return context_args(live_server.url)


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
    # Colours are judged at rest: a transition started by a colour-scheme switch (or a
    # hover) is jumped to its end first. Under load the page's clock may not have moved
    # since the switch, and axe would read the old background under the new text colour.
    # getAnimations() flushes pending style changes, so transitions just triggered are
    # in it; endless animations cannot finish and are left alone.
    page.evaluate(
        """() => { for (const a of document.getAnimations()) {
                       try { a.finish(); } catch (e) { /* infinite: leave it */ } } }"""
    )
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


def axe_clean(page, name: str, sizes: dict[str, tuple[int, int]] | None = None) -> None:
    """axe finds nothing on the page in the light and the dark scheme; with `sizes`, at
    each of them, where the page must not scroll sideways either. The page is left at its
    top, in the light scheme."""
    page.evaluate("() => window.scrollTo(0, 0)")  # full-page shots with the header on top
    for width, height in (sizes or {}).values() if sizes else [(None, None)]:
        if width is not None:
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, name
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            wait_until(page, "s => matchMedia(`(prefers-color-scheme: ${s})`).matches", scheme)
            page.wait_for_timeout(250)
            where = f"{name} ({scheme}{f', {width} px' if width else ''})"
            found = axe_violations(page)
            if found:  # under load the renderer may still paint the other scheme's colours:
                page.wait_for_timeout(1000)  # judge again at rest; a real fault stays
                found = axe_violations(page)
            assert found == [], where
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
