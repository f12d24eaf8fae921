"""What the API answers about each resource: one function per resource, giving exactly
the fields of its output schema in `schemas` (tests/api/test_serializers.py checks it).

`file_listed` is the fast path of the file listing: plain JSON values from a row of
columns, sent without the schema's per-row work.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from ..http.urls import invitation_url, request_url, share_url
from ..models import (
    Access,
    ApiToken,
    AuditEvent,
    Delivery,
    File,
    FileRequest,
    Folder,
    Invitation,
    Notification,
    Passkey,
    Session,
    Share,
    User,
    Webhook,
)
from ..models.columns import utcnow
from ..services import admin, api_tokens, file_requests, invitations, quotas, share_items, shares


def user_json(user: User) -> dict[str, Any]:
    """An account as its owner sees it (`GET /me`)."""
    return {"id": user.id, "name": user.name, "email": user.email,
            "created_at": user.created_at, "verified": user.verified_at is not None,
            "role": user.role, **_usage(quotas.usage(user.id))}


def _usage(usage: quotas.Usage) -> dict[str, Any]:
    """An account's effective quota (its own, else the instance's default; null: none) and
    what counts against it (files, and the unfinished uploads that reserve room)."""
    return {"quota_bytes": usage.quota_bytes, "used_bytes": usage.used_bytes,
            "quota_files": usage.quota_files, "used_files": usage.used_files}


def totals_json(totals: admin.Totals) -> dict[str, Any]:
    return {"users": totals.users, "files": totals.files, "bytes": totals.bytes}


def admin_user_json(listed: admin.Listed) -> dict[str, Any]:
    """An account as the admins see it."""
    user = listed.user
    return {"id": user.id, "name": user.name, "email": user.email,
            "verified": user.verified_at is not None, "role": user.role,
            "disabled": user.disabled_at is not None, "quota_bytes": user.quota_bytes,
            "quota_files": user.quota_files, "used_bytes": listed.used_bytes, "files": listed.files,
            "two_step": user.totp_confirmed_at is not None,
            "last_login_at": user.last_login_at, "created_at": user.created_at}


def audit_event_json(row: AuditEvent) -> dict[str, Any]:
    """A row of the audit log."""
    return {"time": row.time, "action": row.action, "actor_id": row.actor_id,
            "target": row.target, "ip": row.ip, "details": row.details}


def settings_json(found: dict[str, Any]) -> dict[str, Any]:
    """Every setting's value, flat; the logo as its URL (None: the default mark)."""
    logo = found["logo"]
    return found | {"logo": None if logo is None else
                    url_for("web.branding_logo", v=logo["etag"])}


def session_json(session: Session, current: Session) -> dict[str, Any]:
    return {"id": session.public_id, "created_at": session.created_at,
            "expires_at": session.expires_at, "ip": session.ip,
            "user_agent": session.user_agent, "current": session.jti == current.jti}


def received_json(request_id: int | None, title: str | None, name: str | None,
                  email: str | None, at: Any) -> dict[str, Any]:
    """A received file's provenance: the upload link (null once deleted), who said they
    sent it, and when it arrived."""
    return {"request_id": request_id, "request_title": title, "sender_name": name,
            "sender_email": email, "at": at}


def file_json(record: File) -> dict[str, Any]:
    request = record.request
    received = None if record.sender_ip is None else received_json(
        record.request_id, request.title if request else None, record.sender_name,
        record.sender_email, record.created_at)
    return {"id": record.id, "name": record.name, "type": record.type, "size": record.size,
            "sha256": record.sha256, "created_at": record.created_at,
            "folder_id": record.folder_id, "received": received, "scan": record.scan}


def file_listed(row: Any) -> dict[str, Any]:
    """`file_json` of a row of `services.files.LISTED`, already in JSON values. Unpacked by
    position: a Row's attributes by name cost as much again (100 per listing, issue 14)."""
    (file_id, name, type_, size, sha256, created_at, folder_id, request_id, title,
     sender_name, sender_email, sender_ip, scan) = row
    at = created_at.isoformat()
    return {"id": file_id, "name": name, "type": type_, "size": size, "sha256": sha256,
            "created_at": at, "folder_id": folder_id,
            "received": None if sender_ip is None else received_json(
                request_id, title, sender_name, sender_email, at), "scan": scan}


def folder_json(folder: Folder) -> dict[str, Any]:
    return {"id": folder.id, "name": folder.name, "parent_id": folder.parent_id,
            "created_at": folder.created_at}


def _file_fields(share: Share) -> dict[str, Any]:
    record = share.file
    return {"file_id": share.file_id, "file_name": record.name if record else None,
            "file_size": record.size if record else None,
            "file_type": record.type if record else None}


def share_json(share: Share) -> dict[str, Any]:
    """A link as its owner sees it."""
    return {"id": share.id, "token": share.token, "url": share_url(share.token),
            **_file_fields(share), "title": share.title,
            "items": [{"kind": item.kind, "id": item.id, "name": item.name, "size": item.size}
                      for item in share_items.top_or_empty(share)],
            "created_at": share.created_at, "expires_at": share.expires_at,
            "max_downloads": share.max_downloads, "download_count": share.download_count,
            "last_download_at": share.last_download_at,
            "has_password": share.password_hash is not None,
            "recipient_email": share.recipient_email, "message": share.message,
            "revoked_at": share.revoked_at,
            "state": shares.state(share), "notify_on_download": share.notify_on_download}


def shared_json(share: Share) -> dict[str, Any]:
    """A link as the person it is addressed to sees it: no counters, the owner's name."""
    return {"id": share.id, "token": share.token, "url": share_url(share.token),
            "file_name": share.label,
            "file_size": share_items.total_size(share) if share.file is None
            else share.file.size, "title": share.title,
            "file_type": share.file.type if share.file else None,
            "owner_name": share.owner.name,
            "created_at": share.created_at, "expires_at": share.expires_at,
            "has_password": share.password_hash is not None}


def access_json(access: Access) -> dict[str, Any]:
    return {"id": access.id, "at": access.at, "user_id": access.user_id,
            "user_name": access.user.name if access.user else None, "ip": access.ip,
            "user_agent": access.user_agent, "bytes_sent": access.bytes_sent,
            "completed": access.completed, "finished_at": access.finished_at}


def notification_json(notification: Notification) -> dict[str, Any]:
    return {"id": notification.id, "kind": notification.kind,
            "created_at": notification.created_at, "read_at": notification.read_at,
            "data": notification.data}


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "message_id": delivery.message_id, "event": delivery.event,
            "status": delivery.status, "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
            "created_at": delivery.created_at, "last_attempt_at": delivery.last_attempt_at}


def webhook_json(webhook: Webhook, last: Delivery | None = None,
                 with_secret: bool = False) -> dict[str, Any]:
    """An endpoint; its secret only when it was just created (shown once)."""
    out = {"id": webhook.id, "url": webhook.url, "events": webhook.event_list,
           "created_at": webhook.created_at,
           "last_delivery": delivery_json(last) if last is not None else None}
    if with_secret:
        out["secret"] = webhook.secret
    return out


def request_json(link: FileRequest) -> dict[str, Any]:
    """An upload link as its owner sees it."""
    return {"id": link.id, "token": link.token, "url": request_url(link.token),
            "folder_id": link.folder_id, "title": link.title, "message": link.message,
            "created_at": link.created_at, "expires_at": link.expires_at,
            "revoked_at": link.revoked_at, "max_files": link.max_files,
            "max_file_bytes": link.max_file_bytes, "max_total_bytes": link.max_total_bytes,
            "has_password": link.password_hash is not None,
            "require_name": link.require_name, "require_email": link.require_email,
            "show_uploads": link.show_uploads, "notify": link.notify,
            "files_received": link.files_received, "bytes_received": link.bytes_received,
            "last_upload_at": link.last_upload_at, "state": file_requests.state(link)}


def invitation_json(invitation: Invitation, token: str | None = None) -> dict[str, Any]:
    """An invitation; its token and link only when it was just created (shown once)."""
    out = {"id": invitation.id, "email": invitation.email,
           "state": invitations.state(invitation), "created_by": invitation.created_by,
           "created_at": invitation.created_at, "expires_at": invitation.expires_at,
           "used_at": invitation.used_at, "revoked_at": invitation.revoked_at}
    if token is not None:
        out |= {"token": token, "url": invitation_url(token)}
    return out


def api_token_json(token: ApiToken, secret: str | None = None) -> dict[str, Any]:
    """A personal API token; its secret only when it was just created (shown once)."""
    out = {"id": token.id, "name": token.name, "hint": token.hint,
           "scopes": api_tokens.scopes_of(token), "created_at": token.created_at,
           "expires_at": token.expires_at,
           "expired": token.expires_at is not None and token.expires_at <= utcnow(),
           "last_used_at": token.last_used_at, "last_used_ip": token.last_used_ip}
    if secret is not None:
        out["secret"] = secret
    return out
def passkey_json(passkey: Passkey) -> dict[str, Any]:
    return {"id": passkey.id, "name": passkey.name, "created_at": passkey.created_at,
            "last_used_at": passkey.last_used_at, "transports": passkey.transports.split()}
