"""Files: store an upload, list, fetch and delete a user's files."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO, Generic, TypeVar

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from ..errors import FileNotFound, UploadRefused
from ..extensions import db
from ..hashing import Digest
from ..logs import event
from ..models import File, FileRequest
from ..storage import Writer, get_storage
from . import antivirus, events, file_names, quotas, reconcile

log = logging.getLogger(__name__)
T = TypeVar("T")


def new_record(user_id: int, name: str, declared_type: str | None, key: str, size: int,
               sha256: str, upload_token: str | None = None, *,
               crc32: int | None = None, folder_id: int | None = None,
               scan: str | None = None) -> File:
    """A file row for committed bytes, added to the session; the caller commits. A name
    the folder already has becomes "name (2).ext" (`file_names.free_name`). `scan`: the
    antivirus verdict (`antivirus.check`)."""
    name = file_names.free_name(user_id, name, folder_id)
    record = File(name=name, type=file_names.clean_type(declared_type, name), key=key,
                  user_id=user_id, size=size, sha256=sha256, crc32=crc32, upload_token=upload_token,
                  folder_id=folder_id, scan=scan)
    db.session.add(record)
    return record


def store(user_id: int, name: str | None, declared_type: str | None, writer: Writer,
          folder_id: int | None = None, *,
          before_commit: Callable[[File], None] | None = None, way: str = "multipart",
          request_id: int | None = None) -> File:
    """Commit the writer's bytes, scan them (`antivirus.check`) and record them (in
    `folder_id`, None: the root, which the caller checked is the user's); if the scan
    refuses them or the row fails, the bytes go too. `before_commit(record)` runs in the
    row's transaction (an upload link, `request_id`, counts the file there); if it raises,
    nothing is kept. The user's storage quota is checked again with its row locked until
    the commit (`quotas.hold`; `way`: "multipart", or "link" for an upload link's
    visitor), after the scan so that no lock waits for it: over it, the bytes go and the
    answer is 413."""
    try:
        name = file_names.accepted_name(name)
    except UploadRefused:
        writer.abort()
        raise
    key = writer.commit()
    try:
        scan = antivirus.check(key, user_id, name=name, way="multipart",
                               drop=lambda: get_storage().delete(key), request_id=request_id)
        # free_name reads the database: if that fails nothing was committed, so no row can
        # hold these bytes and they go now.
        quotas.hold(user_id, writer.size, way=way)
        record = new_record(user_id, name, declared_type, key, writer.size, writer.sha256,
                            crc32=writer.crc32, folder_id=folder_id, scan=scan)
        if before_commit is not None:
            before_commit(record)
    except BaseException:
        db.session.rollback()
        get_storage().delete(key)
        raise
    commit_recording(key)
    events.file_uploaded(record)
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


def stored_digest(key: str) -> Digest:
    """The sha256 and CRC-32 of stored bytes, read back (for uploads whose running hash
    was lost, fsck --verify, and `flask files crc32`)."""
    digest = Digest()
    with get_storage().open(key) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def _narrowed(user_id: int, folder_id: int | None, q: str | None) -> list[Any]:
    """The conditions of "my files" in one folder (`ROOT`: the root) and/or whose names
    contain `q`, ignoring case (LIKE: ASCII case on SQLite, case and accents by MariaDB's
    collation)."""
    where: list[Any] = [File.user_id == user_id]
    if folder_id is not None:
        where.append(File.folder_id.is_(None) if folder_id == ROOT
                     else File.folder_id == folder_id)
    if q:
        where.append(func.lower(File.name).contains(q.lower(), autoescape=True))
    return where


def _mine(page: int, per_page: int, where: list[Any], *columns: Any) -> tuple[list[Any], int]:
    """One page of the user's files, newest first (index `(usuario_id, id)`), and the total."""
    query = (select(*columns).outerjoin(FileRequest, FileRequest.id == File.request_id)
             .where(*where).order_by(File.id.desc())
             .limit(per_page).offset((page - 1) * per_page))
    rows = list(db.session.execute(query).all())
    total = db.session.scalar(select(func.count(File.id)).where(*where))
    return rows, total or 0


ROOT = 0  # `folder_id` of a listing: the files at the root


def list_for(user_id: int, page: int = 1, per_page: int = 50, folder_id: int | None = None,
             q: str | None = None) -> Page[File]:
    """My files, all of them or narrowed as `find_rows` does."""
    rows, total = _mine(page, per_page, _narrowed(user_id, folder_id, q), File)
    return Page([row[0] for row in rows], total, page, per_page)


# In this order: `api.serializers.file_listed` unpacks the rows by position.
# A received file's provenance comes with it: the link's title by an outer join on its
# primary key, and the sender (`sender_ip` is set for arrivals only).
LISTED = (File.id, File.name, File.type, File.size, File.sha256, File.created_at,
          File.folder_id, File.request_id, FileRequest.title, File.sender_name,
          File.sender_email, File.sender_ip, File.scan)
# The listing as Core statements built once: no ORM entities, and no statement to build and
# no cache key to compute per request (~0.3 ms of ~0.6 ms per request, issue 14).
_FILES = File.__table__
_REQUESTS = FileRequest.__table__
_WITH_REQUEST = _FILES.outerjoin(_REQUESTS, _REQUESTS.c[FileRequest.id.expression.name]
                                 == _FILES.c[File.request_id.expression.name])
_OWNER = _FILES.c[File.user_id.expression.name] == bindparam("user_id")
_PAGE: Any = (select(*(col.expression.label(col.key) for col in LISTED))
         .select_from(_WITH_REQUEST).where(_OWNER).order_by(_FILES.c[File.id.expression.name].desc())
         .limit(bindparam("limit")).offset(bindparam("offset")))
_COUNT = select(func.count()).select_from(_FILES).where(_OWNER)


def list_rows(user_id: int, page: int = 1, per_page: int = 50) -> Page[Row[Any]]:
    """`list_for` as rows of the listed columns, no ORM objects, which were most of the
    cost of a listing under load (bench/README.md): the API's listing."""
    offset = (page - 1) * per_page
    # One row more than the page: without it, a page that ends exactly at the last file
    # (100 files, 100 per page) could not tell that it is the last and had to count.
    rows = list(db.session.execute(_PAGE, {"user_id": user_id, "limit": per_page + 1,
                                           "offset": offset}).all())
    if 0 < len(rows) <= per_page or not rows and page == 1:
        total = offset + len(rows)  # the last page: the count is known without counting
    else:
        total = db.session.execute(_COUNT, {"user_id": user_id}).scalar_one()
    return Page(rows[:per_page], total, page, per_page)


def find_rows(user_id: int, folder_id: int | None = None, q: str | None = None,
              page: int = 1, per_page: int = 50) -> Page[Row[Any]]:
    """`list_rows` narrowed to one folder (`ROOT`: the root; the caller checked it is the
    user's) and/or to names containing `q` in any folder."""
    rows, total = _mine(page, per_page, _narrowed(user_id, folder_id, q), *LISTED)
    return Page(rows, total, page, per_page)


def change(user_id: int, file_id: int, name: str | None = None,
           folder: tuple[int | None] | None = None) -> File:
    """Rename and/or move a file (`folder`: a 1-tuple of the checked folder id, None for
    the root). A name taken in the target folder becomes "name (2).ext"; a new name is
    checked like an upload's (a refused type stays refused)."""
    record = get_owned(user_id, file_id)
    target = folder[0] if folder is not None else record.folder_id
    clean = file_names.accepted_name(name) if name is not None else record.name
    if (clean, target) != (record.name, record.folder_id):
        record.name = file_names.free_name(user_id, clean, target, exclude_id=record.id)
        record.folder_id = target
    db.session.commit()
    return record


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
    event("file.deleted", user_id=user_id, file_id=file_id)
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
