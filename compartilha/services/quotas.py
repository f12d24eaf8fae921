"""What one user may hold at once (beyond the rate limits of `services.throttle`): its
unfinished uploads, and its storage quota.

Storage quota. An account may hold `User.quota_bytes` bytes (None: the instance's
`default_quota_bytes` setting; None there too: no limit) in at most `User.quota_files`
files (likewise `default_quota_files`); 0 lets nothing be stored. What counts (`usage`):
its files, and every live unfinished tus upload of its own or sent through its upload
links, by declared length (a reservation, made at the upload's creation; when its last byte
lands the row becomes the file in one transaction, so it is counted once and never refused
again). A partial upload (tus concatenation) reserves its bytes but no file: its final
upload is the file. Checks run with the account's row locked (`_lock_user`), so two
uploads of one account are counted one after the other and never both take the last room:
tus at creation (`tus.create`, `concatenation.join`), multipart when its bytes are
recorded (`files.store`), after a first check before the body (`room_for`) whose room
left bounds the stream.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, case, false, func, or_, select, update

from ..errors import QuotaExceeded, TooManyLinkUploads, TooManyUnfinished
from ..extensions import db
from ..logs import event
from ..models import File, Upload, User
from ..models.columns import utcnow
from . import settings


@dataclass(frozen=True)
class Usage:
    """What an account holds against its quota, and its effective quota (None: none)."""

    used_bytes: int
    used_files: int
    quota_bytes: int | None
    quota_files: int | None

    @property
    def room_bytes(self) -> int | None:
        """Bytes that may still come (None: no limit)."""
        return None if self.quota_bytes is None else max(0, self.quota_bytes - self.used_bytes)


def effective(user: User | None) -> tuple[int | None, int | None]:
    """The account's quota in bytes and in files: its own, else the instance's default
    (read from the settings at each call, so a change applies at once)."""
    own_bytes = user.quota_bytes if user is not None else None
    own_files = user.quota_files if user is not None else None
    defaults = settings.values(["default_quota_bytes", "default_quota_files"]) \
        if own_bytes is None or own_files is None else {}
    return (own_bytes if own_bytes is not None else defaults["default_quota_bytes"],
            own_files if own_files is not None else defaults["default_quota_files"])


def _live() -> ColumnElement[bool]:
    """An unfinished upload still holds its room: not expired, or being sent right now
    (a long request may outlive the expiry it started with)."""
    return or_(Upload.expires_at > utcnow(), Upload.locked_until > utcnow())


def usage(user_id: int, exclude: Collection[str] = ()) -> Usage:
    """The account's files plus its live unfinished uploads (see the module's doc);
    `exclude`: upload tokens not to count (the partials a final upload replaces)."""
    user = db.session.get(User, user_id, populate_existing=True)
    files, stored = db.session.execute(
        select(func.count(File.id), func.coalesce(func.sum(File.size), 0))
        .where(File.user_id == user_id)).one()
    skip = Upload.token.in_(list(exclude)) if exclude else false()
    uploads, reserved = db.session.execute(
        select(func.coalesce(func.sum(case((Upload.partial.is_(False), 1), else_=0)), 0),
               func.coalesce(func.sum(Upload.length), 0))
        .where(Upload.user_id == user_id, _live(), ~skip)).one()
    quota_bytes, quota_files = effective(user)
    return Usage(int(stored) + int(reserved), int(files) + int(uploads or 0),
                 quota_bytes, quota_files)


def _refuse(user_id: int, used: int, quota: int, size: int, way: str,
            files: bool = False) -> QuotaExceeded:
    event("quota.refused", user_id=user_id, way=way, size=size)
    return QuotaExceeded(used, quota, files=files, visitor=way == "link")


def check(user_id: int, size: int, *, way: str, files: int = 1,
          exclude: Collection[str] = ()) -> Usage:
    """Refuse (413 `quota_exceeded`) `files` more files of `size` bytes in all that the
    account has no room for; a full account takes nothing, not even an empty file. The
    caller holds the account's lock (`hold`, or `hold_unfinished` just before)."""
    now = usage(user_id, exclude)
    quota = now.quota_bytes
    if quota is not None and (now.used_bytes >= quota or now.used_bytes + size > quota):
        raise _refuse(user_id, now.used_bytes, quota, size, way)
    if files and now.quota_files is not None \
            and now.used_files + files > now.quota_files:
        raise _refuse(user_id, now.used_files, now.quota_files, size, way, files=True)
    return now


def hold(user_id: int, size: int, *, way: str, files: int = 1,
         exclude: Collection[str] = ()) -> None:
    """`check` with the account's row locked until the caller commits (or rolls back):
    the recording of a multipart upload, a final tus upload."""
    _lock_user(user_id)
    check(user_id, size, way=way, files=files, exclude=exclude)


def room_for(user_id: int, *, way: str) -> Usage:
    """Before a multipart body: 413 at once when the account has no room at all, else
    its usage, whose `room_bytes` (None: no limit) is the limit its stream is read with.
    Not locked: the recording checks again (`hold`)."""
    now = check(user_id, 0, way=way)  # a full account takes nothing, not one more file
    db.session.commit()  # no snapshot kept across the body (MySQL)
    return now


def over_room(user_id: int, now: Usage, size: int, *, way: str) -> QuotaExceeded:
    """The error for a multipart stream that went past the room `room_for` left: at once,
    while the body still comes (what was staged goes with the stream's writer)."""
    return _refuse(user_id, now.used_bytes, now.quota_bytes or 0, size, way)


def hold_unfinished(user_id: int, length: int) -> None:
    """Refuse one more unfinished tus upload beyond UPLOAD_MAX_UNFINISHED of them, or
    beyond UPLOAD_MAX_UNFINISHED_BYTES declared in all, counting the user's live ones.

    Each upload holds a staging file (or an S3 multipart upload) until it ends or
    expires; without a bound one account could open them by the thousand. A no-op UPDATE
    of the user's row comes first: it locks the row on MySQL and takes the write lock on
    SQLite until the caller commits, so a user's concurrent creations are counted one
    after the other and cannot all slip under the bound. The session's earlier reads are
    committed first: on MySQL a transaction reads from the snapshot of its first read, which
    would not show the uploads committed while it waited for the lock."""
    _lock_user(user_id)
    count, declared = db.session.execute(
        select(func.count(Upload.id), func.coalesce(func.sum(Upload.length), 0))
        .where(Upload.user_id == user_id, Upload.request_id.is_(None),
               Upload.expires_at > utcnow())).one()
    config = current_app.config
    if (count >= config["UPLOAD_MAX_UNFINISHED"]
            or declared + length > config["UPLOAD_MAX_UNFINISHED_BYTES"]):
        raise TooManyUnfinished(headers={"Retry-After": "60"})


def _lock_user(user_id: int) -> None:
    db.session.commit()
    db.session.execute(update(User).where(User.id == user_id).values(name=User.name)
                       .execution_options(synchronize_session=False))


def hold_link_unfinished(user_id: int, request_id: int) -> None:
    """Refuse one more unfinished upload through an upload link beyond
    REQUEST_MAX_UNFINISHED of them, so that nobody holds a link's room forever with
    uploads that never end (they count apart from the owner's own: a visitor cannot
    fill the owner's room). The owner's row is locked as `hold_unfinished` does."""
    _lock_user(user_id)
    count = db.session.scalar(select(func.count(Upload.id)).where(
        Upload.request_id == request_id, Upload.expires_at > utcnow()))
    if (count or 0) >= current_app.config["REQUEST_MAX_UNFINISHED"]:
        raise TooManyLinkUploads(headers={"Retry-After": "60"})
