"""Files: store an upload, list, fetch and delete a user's files."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, Generic, TypeVar

from flask_uploads import extension
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from ..errors import FileNotFound, UploadRefused
from ..extensions import db, upload_set
from ..models import File
from ..storage import Writer, get_storage
from . import reconcile
from .validation import clean_text

log = logging.getLogger(__name__)
T = TypeVar("T")
MIME_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
NAME_MAX = 255
COPY_RE = re.compile(r"^(.+) \((\d+)\)$")  # "foto (2)": a copy's stem and number


def clean_name(raw: str | None) -> str:
    """The user's file name without path parts or control characters, at most 255 characters."""
    name = clean_text(raw or "").replace("\\", "/")
    name = posixpath.basename(name).strip().strip(".") or "file"
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        _, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:  # keep a real extension, shorten the stem
            name = name[: NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:NAME_MAX]
    return name


def clean_type(declared: str | None, name: str) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream" and len(declared) <= 50 \
            and MIME_RE.match(declared):
        return declared
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed if guessed and len(guessed) <= 50 else "application/octet-stream"


def accepted_name(raw: str | None) -> str:
    """The cleaned name, if files of its type are accepted here (UPLOADED_FILES_DENY)."""
    name = clean_name(raw)
    if not upload_set.extension_allowed(extension(name.lower())):
        raise UploadRefused("Files of this type are not accepted here.", field="file")
    return name


def free_name(user_id: int, name: str) -> str:
    """`name`, or the first of "name (2).ext", "name (3).ext"… that the user has no file
    with (docs/design.md: duplicate names keep both files, as Nextcloud does).

    Names compare exactly, in Python: the query's LIKE only narrows the candidates, and
    it finds a superset of them on every database (SQLite ignores ASCII case, MariaDB's
    collation case and accents), so the answer is the same on both."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    else:
        ext = "." + ext
    copy = COPY_RE.match(stem)
    base = copy.group(1) if copy else stem
    taken = set(db.session.scalars(select(File.name).where(
        File.user_id == user_id, File.name.startswith(base, autoescape=True))))
    if name not in taken:
        return name
    number = 2
    while True:
        suffix = f" ({number}){ext}"
        candidate = base[: NAME_MAX - len(suffix)].rstrip() + suffix
        if candidate not in taken:
            return candidate
        number += 1


def new_record(user_id: int, name: str, declared_type: str | None, key: str, size: int,
               sha256: str, upload_token: str | None = None) -> File:
    """A file row for committed bytes, added to the session; the caller commits. A name
    the user already has becomes "name (2).ext" (`free_name`)."""
    name = free_name(user_id, name)
    record = File(name=name, type=clean_type(declared_type, name), key=key, user_id=user_id,
                  size=size, sha256=sha256, upload_token=upload_token)
    db.session.add(record)
    return record


def store(user_id: int, name: str | None, declared_type: str | None, writer: Writer) -> File:
    """Commit the writer's bytes and record them; if the row fails, the bytes go too."""
    try:
        name = accepted_name(name)
    except UploadRefused:
        writer.abort()
        raise
    key = writer.commit()
    try:
        # free_name reads the database: if that fails nothing was committed, so no row can
        # hold these bytes and they go now.
        record = new_record(user_id, name, declared_type, key, writer.size, writer.sha256)
    except BaseException:
        db.session.rollback()
        get_storage().delete(key)
        raise
    commit_recording(key)
    return record


def _recorded(key: str) -> bool | None:
    """Whether a row holds the key: None when the database cannot say."""
    try:
        return db.session.scalar(select(File.id).where(File.key == key)) is not None
    except SQLAlchemyError:
        db.session.rollback()
        return None


def commit_recording(key: str) -> None:
    """Commit the transaction that records `key`'s row. If the commit fails, the bytes go
    only once the database confirms that no row holds them: a commit can fail after it
    took effect (the server died before replying), and deleting then would leave a row
    without its bytes. When the database cannot answer, the key is noted and settled as
    soon as it can (`reconcile`)."""
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        recorded = _recorded(key)
        if recorded is False:
            get_storage().delete(key)
        elif recorded is None:
            log.warning("upload commit failed, outcome unknown; noted %s", key)
            reconcile.remember(key)
        raise


def stored_sha256(key: str) -> str:
    """The sha256 of stored bytes, read back (for uploads whose running hash was lost)."""
    digest = hashlib.sha256()
    with get_storage().open(key) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def _mine(user_id: int, page: int, per_page: int, *columns: Any) -> tuple[list[Any], int]:
    """One page of the user's files, newest first (index `(usuario_id, id)`), and the total."""
    query = (select(*columns).where(File.user_id == user_id).order_by(File.id.desc())
             .limit(per_page).offset((page - 1) * per_page))
    rows = list(db.session.execute(query).all())
    total = db.session.scalar(select(func.count(File.id)).where(File.user_id == user_id))
    return rows, total or 0


def list_for(user_id: int, page: int = 1, per_page: int = 50) -> Page[File]:
    rows, total = _mine(user_id, page, per_page, File)
    return Page([row[0] for row in rows], total, page, per_page)


LISTED = (File.id, File.name, File.type, File.size, File.sha256, File.created_at)
# The listing as Core statements built once: no ORM entities, and no statement to build and
# no cache key to compute per request (~0.3 ms of ~0.6 ms per request, issue 14).
_FILES = File.__table__
_OWNER = _FILES.c[File.user_id.expression.name] == bindparam("user_id")
_PAGE = (select(*(_FILES.c[col.expression.name].label(col.key) for col in LISTED))
         .where(_OWNER).order_by(_FILES.c[File.id.expression.name].desc())
         .limit(bindparam("limit")).offset(bindparam("offset")))
_COUNT = select(func.count()).select_from(_FILES).where(_OWNER)


def list_rows(user_id: int, page: int = 1, per_page: int = 50) -> Page[Row[Any]]:
    """`list_for` as rows of the listed columns, no ORM objects, which were most of the
    cost of a listing under load (bench/README.md): the API's listing."""
    offset = (page - 1) * per_page
    rows = list(db.session.execute(_PAGE, {"user_id": user_id, "limit": per_page,
                                           "offset": offset}).all())
    if rows and len(rows) < per_page or not rows and page == 1:
        total = offset + len(rows)  # the last page: the count is known without counting
    else:
        total = db.session.execute(_COUNT, {"user_id": user_id}).scalar_one()
    return Page(rows, total, page, per_page)


def get_owned(user_id: int, file_id: int) -> File:
    """The user's file; another user's file is reported exactly like a missing one."""
    record = db.session.get(File, file_id)
    if record is None or record.user_id != user_id:
        raise FileNotFound()
    return record


def open_bytes(record: File) -> BinaryIO:
    return get_storage().open(record.key)


def delete(user_id: int, file_id: int) -> None:
    record = get_owned(user_id, file_id)
    key = record.key
    db.session.delete(record)  # its shares go with it (ON DELETE CASCADE)
    db.session.commit()
    delete_bytes([key])


def keys_of(user_id: int) -> list[str]:
    return list(db.session.scalars(select(File.key).where(File.user_id == user_id)))


def delete_bytes(keys: Iterable[str]) -> None:
    """Remove bytes whose rows are gone.

    A failure leaves an orphan for fsck, never a row without bytes."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:
            log.exception("could not delete stored bytes %s", key)
