"""What one user may hold at once (beyond the rate limits of `services.throttle`)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select, update

from ..errors import TooManyLinkUploads, TooManyUnfinished
from ..extensions import db
from ..models import Upload, User
from ..models.columns import utcnow


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
