"""Leases on unfinished uploads: one PATCH at a time, from any process or server.

A PATCH takes its upload's lease with a conditional UPDATE of the row (`trava`,
`trava_ate`), so a second concurrent PATCH from any process is refused (423) on SQLite
and MySQL alike. A lease must not outlive its holder by much: a client resuming after a
crash or an outage is refused until it goes, and tus clients retry only a few times.

- The lease is short (LEASE) and a thread in each process renews, every HEARTBEAT, the
  leases of the requests still running there. A request that ended without releasing
  (the database was down then) or a process that died lets go within LEASE, on any server.
- The lease value names its holder: a hash of the boot and pid namespace, the pid and the
  process's start time, then random bits. A process that can compare pids with the holder
  (same boot, same namespace) takes over at once when the holder process is gone (kill -9,
  a restart) or, if the holder is itself, when the request holding it is over.
- A 423 says in Retry-After when the lease runs out.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import secrets
import threading
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, or_, update

from ..errors import UploadLocked
from ..extensions import db, rowcount
from ..models import Upload
from ..models.columns import utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=12)
HEARTBEAT = 3.0  # seconds between renewals of this process's leases

_held: dict[str, Flask] = {}  # leases held by requests running in this process
_registry = threading.Lock()
_beating: threading.Thread | None = None


def _namespace() -> int:
    """Which pids are comparable with ours (same boot, same pid namespace); 0: unknown."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        pids = os.readlink("/proc/self/ns/pid")
    except OSError:
        return 0
    return zlib.crc32(f"{boot} {pids}".encode()) or 1


def _started(pid: int) -> int | None:
    """The process's start time (clock ticks since boot, low 32 bits); None if it is gone.
    A zombie is gone: killed workers stay zombies until their new parent reaps them."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else int(fields[19]) & 0xFFFFFFFF


@functools.cache
def _me(pid: int) -> tuple[int, int, int]:
    return _namespace(), pid, _started(pid) or 0


def new() -> str:
    """A lease value for this request, renewed by this process until `forget`."""
    space, pid, started = _me(os.getpid())
    lease = f"{space:08x}{pid:08x}{started:08x}{secrets.randbits(32):08x}"
    _hold(lease, current_app._get_current_object())  # type: ignore[attr-defined]
    return lease


def forget(lease: str) -> None:
    with _registry:
        _held.pop(lease, None)


def free() -> ColumnElement[bool]:
    """The row's lease is free or has run out."""
    return or_(Upload.locked_until.is_(None), Upload.locked_until < utcnow())


def claim(where: list[Any], lease: str) -> bool:
    """Take the lease of the row matching `where`; whether it was taken."""
    taken = rowcount(db.session.execute(
        update(Upload).where(*where).values(lock=lease, locked_until=utcnow() + LEASE)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    return bool(taken)


def holder_gone(lease: str) -> bool:
    """Whether the holder of `lease` surely ended: a dead process we can see, or a
    request of this process that is over. Unknown holders (another host) count as alive."""
    try:
        space, pid, started = (int(lease[i:i + 8], 16) for i in (0, 8, 16))
    except ValueError:
        return False
    mine = _me(os.getpid())
    if len(lease) != 32 or space == 0 or space != mine[0]:
        return False
    if (pid, started) == mine[1:]:
        with _registry:
            return lease not in _held
    return _started(pid) != started


def busy(until: datetime | None) -> UploadLocked:
    """423, with the seconds until the lease runs out in Retry-After."""
    left = (until - utcnow()).total_seconds() if until else 1.0
    return UploadLocked(headers={"Retry-After": str(max(1, math.ceil(left)))})


def release(upload_id: int, lease: str) -> None:
    """Give the lease back; if the database cannot take it now, it runs out by itself."""
    try:
        db.session.rollback()
        db.session.execute(update(Upload).where(Upload.id == upload_id, Upload.lock == lease)
                           .values(lock=None, locked_until=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:
        log.exception("could not release upload %s", upload_id)
        db.session.rollback()


def _hold(lease: str, app: Flask) -> None:
    global _beating
    with _registry:
        _held[lease] = app
        if _beating is None or not _beating.is_alive():
            _beating = threading.Thread(target=_beat, name="upload-leases", daemon=True)
            _beating.start()


def _beat() -> None:
    global _beating
    while True:
        time.sleep(HEARTBEAT)
        with _registry:
            if not _held:
                _beating = None
                return
            by_app: dict[Flask, list[str]] = {}
            for lease, app in _held.items():
                by_app.setdefault(app, []).append(lease)
        for app, leases in by_app.items():
            _renew(app, leases)


def _renew(app: Flask, leases: list[str]) -> None:
    try:
        with app.app_context():
            db.session.execute(update(Upload).where(Upload.lock.in_(leases))
                               .values(locked_until=utcnow() + LEASE)
                               .execution_options(synchronize_session=False))
            db.session.commit()
    except Exception:  # the database is away: the leases may run out, which is safe
        log.warning("could not renew %d upload leases", len(leases), exc_info=True)
