"""Extension objects, unbound; `create_app` binds them."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_uploads import ALL, UploadSet
from sqlalchemy import MetaData, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

# Stable constraint names, so Alembic migrations name the same thing on SQLite and MySQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
if TYPE_CHECKING:
    class Model(DeclarativeBase):
        """`db.Model` as a type checker sees it (it is made at run time)."""
else:
    Model = db.Model


class MigrateOnFirstUse:
    """`app.extensions["migrate"]` until `flask db …` (or flask_migrate's API) reads it.

    Flask-Migrate brings Alembic and Mako (~12 MiB per process) that a web worker never
    uses: on the first attribute read this sets Flask-Migrate up for real (which puts its
    own entry in `app.extensions`) and answers from that.
    """

    def __init__(self, app: Flask, directory: str) -> None:
        self._app = app
        self._directory = directory

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        Migrate(self._app, db, directory=self._directory)
        return getattr(self._app.extensions["migrate"], name)
# Flask-Uploads decides which uploads are acceptable (UPLOADED_FILES_DENY); the
# bytes themselves are streamed straight into storage by `compartilha.http.multipart`.
upload_set = UploadSet("files", ALL)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE run through the session matched."""
    return cast(CursorResult[Any], result).rowcount


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # SQLite only: enforce foreign keys and let readers run beside a writer.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        path = next((row[2] for row in cursor.execute("PRAGMA database_list")
                     if row[1] == "main"), "")
        cursor.close()
        if path:  # a file, not an in-memory database
            connection_record.info["write_gate"] = WriteGate.of(path)


class WriteGate:
    """One writer at a time per SQLite file, handed on at once when it is done.

    SQLite has a single write lock, and a writer that finds it taken polls it through the
    busy handler, which sleeps 1, 2, 5 … up to 100 ms between tries: under parallel
    uploads most of a request was spent asleep while the lock was long free (issue 14).
    Writers here queue instead, before their first write statement, on a lock of this
    process's threads and an flock(2) of `<database>-writer` between processes, and the
    next one goes the moment the connection holding the gate is returned to the pool,
    just after its commit or rollback. The gate only orders writers: SQLite's lock and
    busy handler stay, so a writer that is not queued here (the sqlite3 shell) or one that
    waited past `WAIT` seconds is still safe.
    """

    WAIT = 30.0
    _gates: dict[str, WriteGate] = {}
    _made = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path + "-writer"
        self._threads = threading.Lock()
        self._owner: int | None = None
        self._fd: tuple[int, int] | None = None  # (pid, fd): a forked worker opens its own

    @classmethod
    def of(cls, path: str) -> WriteGate:
        with cls._made:
            return cls._gates.setdefault(path, cls(path))

    def _file(self) -> int:
        if self._fd is None or self._fd[0] != os.getpid():
            self._fd = (os.getpid(), os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        return self._fd[1]

    def enter(self) -> bool:
        """Wait for the gate; False when it was not taken (already ours, or waited too long)."""
        if self._owner == threading.get_ident():
            return False  # a second connection of the same thread: SQLite decides
        if not self._threads.acquire(timeout=self.WAIT):
            return False
        deadline = time.monotonic() + self.WAIT
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._threads.release()
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
            except OSError:  # no lock file (read-only folder): SQLite's lock alone
                self._threads.release()
                return False
        self._owner = threading.get_ident()
        return True

    def leave(self) -> None:
        self._owner = None
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@event.listens_for(Engine, "before_cursor_execute")
def _wait_for_write_gate(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    info = conn.info
    gate = info.get("write_gate")
    if gate is not None and not info.get("holds_write_gate") \
            and statement.lstrip()[:7].upper().startswith(_WRITES):
        info["holds_write_gate"] = gate.enter()


@event.listens_for(Pool, "checkin")
def _open_write_gate(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    if connection_record is not None and connection_record.info.pop("holds_write_gate", False):
        connection_record.info["write_gate"].leave()
