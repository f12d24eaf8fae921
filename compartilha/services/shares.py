"""Share links: create, list, revoke, and resolve a public token."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..exceptions import ShareNotFound, ShareRevoked
from ..extensions import db
from ..models import Share
from ..models.base import utcnow
from . import files

TOKEN_BYTES = 32  # 256 bits from `secrets`
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def create(user_id: int, file_id: int) -> Share:
    record = files.get_owned(user_id, file_id)
    share = Share(file_id=record.id, user_id=user_id, token=secrets.token_urlsafe(TOKEN_BYTES))
    db.session.add(share)
    db.session.commit()
    return share


def list_for(user_id: int) -> list[Share]:
    query = (select(Share).where(Share.user_id == user_id).options(joinedload(Share.file))
             .order_by(Share.id.desc()))
    return list(db.session.scalars(query))


def get_owned(user_id: int, share_id: int) -> Share:
    share = db.session.get(Share, share_id)
    if share is None or share.user_id != user_id:
        raise ShareNotFound()
    return share


def revoke(user_id: int, share_id: int) -> None:
    share = get_owned(user_id, share_id)
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        db.session.commit()


def resolve(token: str) -> Share:
    """The share behind a public token, if it still grants access."""
    # The format check keeps odd input (and MySQL's trailing-space padding) away from the query.
    if not TOKEN_RE.fullmatch(token):
        raise ShareNotFound()
    share = db.session.scalar(
        select(Share).where(Share.token == token).options(joinedload(Share.file))
    )
    if share is None or share.token != token:
        raise ShareNotFound()
    if share.revoked_at is not None:
        raise ShareRevoked()
    return share


def state(share: Share) -> str:
    return "revoked" if share.revoked_at is not None else "active"
