"""Extension objects, unbound; `create_app` binds them."""

from typing import TYPE_CHECKING, Any, cast

from flask import Flask
from flask_cors import CORS
from flask_sqlalchemy import SQLAlchemy
from flask_uploads import ALL, UploadSet
from sqlalchemy import MetaData, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase

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
# Cross-origin API calls, only from CORS_ORIGINS (`compartilha.http.cross_origin`).
cors = CORS()


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
        if name.startswith("__"):  # copy, pickle and friends probing: not a use
            raise AttributeError(name)
        from flask_migrate import Migrate

        Migrate(self._app, db, directory=self._directory)
        return getattr(self._app.extensions["migrate"], name)


# Flask-Uploads decides which uploads are acceptable (UPLOADED_FILES_DENY); the
# bytes themselves are streamed straight into storage by `compartilha.http.multipart`.
upload_set = UploadSet("files", ALL)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE run through the session matched."""
    return cast(CursorResult[Any], result).rowcount


# Every commit waits for the disk (a 201 means the row is on disk), except the rate-limit
# counters' (counter_stores._counting), which set NORMAL for theirs and then this again.
SQLITE_SYNCHRONOUS = "FULL"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    # SQLite only: enforce foreign keys and let readers run beside a writer.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.close()
