"""Stored bytes whose row the database could not confirm, reconciled once it answers.

When the commit that records an upload fails and the database cannot even say whether
it landed (it went away mid-commit), the bytes must stay: deleting them could leave a
row without its bytes. That happens exactly when the database is unreachable, so the key
is noted outside it, one small file per key in `<instance>/unconfirmed/`, and a thread
of the process checks the notes every RETRY seconds until the database answers: bytes a
row holds (a file's, or an unfinished upload's published key) stay, the rest go, and the
note goes. A process that starts with notes left (a crash during the outage) takes them
up on its first request. fsck remains the backstop (a note lost with its disk, a server
that never comes back), after its age threshold.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from ..extensions import db
from ..models import File, Upload
from ..storage import get_storage

log = logging.getLogger(__name__)
FOLDER = "unconfirmed"
RETRY = 1.0  # seconds between attempts while notes are left

_watchers: dict[Path, threading.Thread] = {}
_watchers_lock = threading.Lock()


def _folder(app: Flask) -> Path:
    return Path(app.instance_path) / FOLDER


def remember(key: str) -> None:
    """Note a key whose recording is uncertain; it is reconciled in the background."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    folder = _folder(app)
    try:
        folder.mkdir(exist_ok=True)
        (folder / f"{secrets.token_hex(8)}.key").write_text(key)
    except OSError:
        log.exception("could not note unconfirmed key %s; fsck will find it", key)
        return
    _watch(app)


def _notes(folder: Path) -> list[tuple[Path, str]]:
    notes = []
    for path in folder.glob("*.key"):
        try:
            notes.append((path, path.read_text().strip()))
        except OSError:  # reconciled by another process meanwhile
            continue
    return notes


def reconcile() -> int:
    """Settle every note: keep the bytes a row holds, delete the rest. Database errors
    propagate (the notes stay for the next attempt). How many notes were settled."""
    notes = _notes(_folder(current_app))
    keys = {key for _, key in notes}
    if not keys:
        return 0
    held = set(db.session.scalars(select(File.key).where(File.key.in_(keys))))
    by_handle = {key.rpartition("/")[2]: key for key in keys}
    held |= {by_handle[handle] for handle in db.session.scalars(
        select(Upload.handle).where(Upload.handle.in_(by_handle)))}
    db.session.rollback()  # ends the read transaction
    storage, settled = get_storage(), 0
    for path, key in notes:
        try:
            if key not in held:
                storage.delete(key)
                log.info("deleted unrecorded bytes %s", key)
        except (OSError, ValueError):
            log.exception("could not delete unrecorded bytes %s", key)
            continue
        path.unlink(missing_ok=True)
        settled += 1
    return settled


def _watch(app: Flask) -> None:
    folder = _folder(app)
    with _watchers_lock:
        thread = _watchers.get(folder)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_run, args=(app, folder), name="reconcile",
                                      daemon=True)
            _watchers[folder] = thread
            thread.start()


def _run(app: Flask, folder: Path) -> None:
    while True:
        with _watchers_lock:  # `remember` notes first, then looks for this thread
            if not any(folder.glob("*.key")):
                _watchers.pop(folder, None)
                return
        try:
            with app.app_context():
                reconcile()
        except Exception:  # the database is still away
            log.debug("unconfirmed keys wait for the database", exc_info=True)
        time.sleep(RETRY)


def init_app(app: Flask) -> None:
    """Take up notes a previous process left, on this process's first request."""
    started: dict[str, int] = {}

    def look_once() -> None:
        if started.get("pid") != os.getpid():
            started["pid"] = os.getpid()
            if any(_folder(app).glob("*.key")):
                _watch(app)

    app.before_request(look_once)
