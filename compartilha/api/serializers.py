"""What the API answers about each resource: one function per resource, giving exactly
the fields of its output schema in `schemas` (tests/api/test_serializers.py checks it).

`file_listed` is the fast path of the file listing: plain JSON values from a row of
columns, sent without the schema's per-row work.
"""

from __future__ import annotations

from typing import Any

from ..http.urls import share_url
from ..models import Access, File, Session, Share, User
from ..services import shares


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email,
            "created_at": user.created_at}


def session_json(session: Session, current: Session) -> dict[str, Any]:
    return {"id": session.public_id, "created_at": session.created_at,
            "expires_at": session.expires_at, "ip": session.ip,
            "user_agent": session.user_agent, "current": session.jti == current.jti}


def file_json(record: File) -> dict[str, Any]:
    return {"id": record.id, "name": record.name, "type": record.type, "size": record.size,
            "sha256": record.sha256, "created_at": record.created_at}


def file_listed(row: Any) -> dict[str, Any]:
    """`file_json` of a row of `services.files.LISTED`, already in JSON values."""
    return {"id": row.id, "name": row.name, "type": row.type, "size": row.size,
            "sha256": row.sha256, "created_at": row.created_at.isoformat()}


def share_json(share: Share) -> dict[str, Any]:
    """A link as its owner sees it."""
    return {"id": share.id, "token": share.token, "url": share_url(share.token),
            "file_id": share.file_id, "file_name": share.file.name,
            "file_size": share.file.size, "file_type": share.file.type,
            "created_at": share.created_at, "expires_at": share.expires_at,
            "max_downloads": share.max_downloads, "download_count": share.download_count,
            "last_download_at": share.last_download_at,
            "has_password": share.password_hash is not None,
            "recipient_email": share.recipient_email, "revoked_at": share.revoked_at,
            "state": shares.state(share)}


def shared_json(share: Share) -> dict[str, Any]:
    """A link as the person it is addressed to sees it: no counters, the owner's name."""
    return {"id": share.id, "token": share.token, "url": share_url(share.token),
            "file_name": share.file.name, "file_size": share.file.size,
            "file_type": share.file.type, "owner_name": share.owner.name,
            "created_at": share.created_at, "expires_at": share.expires_at,
            "has_password": share.password_hash is not None}


def access_json(access: Access) -> dict[str, Any]:
    return {"id": access.id, "at": access.at, "user_id": access.user_id,
            "user_name": access.user.name if access.user else None, "ip": access.ip,
            "user_agent": access.user_agent, "bytes_sent": access.bytes_sent,
            "completed": access.completed, "finished_at": access.finished_at}
