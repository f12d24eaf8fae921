"""Upload links ("pedidos de arquivos"): an owner's link through which anyone, with no
account, uploads into one of the owner's folders, within the link's limits.

The limits and the counters: services.request_limits (`state`, `precheck`,
`record_arrival`, reached from here too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from ..errors import (
    InvalidField,
    RequestEnded,
    RequestNotFound,
    UploadLinksDisabled,
)
from ..extensions import db, rowcount
from ..logs import event
from ..models import FileRequest, Upload, User
from ..models.columns import utcnow
from ..models.requests import TITLE_MAX
from . import (
    folder_paths,
    folders,
    link_options,
    roles,
    settings,
    upload_endings,
    validation,
)
from .request_limits import precheck as precheck
from .request_limits import record_arrival as record_arrival
from .request_limits import state as state

MAX_FILES_LIMIT = 100_000
INBOX = "Recebidos"  # the root folder that upload links' own folders go in
_UNSET: Any = object()


def _title(value: str | None) -> str:
    title = " ".join(validation.clean_text(value or "").split())
    if not title or len(title) > TITLE_MAX:
        raise InvalidField("Give a title of 1 to %(max)d characters.", field="title",
                           params={"max": TITLE_MAX})
    return title


def _positive(field: str, value: int | None, top: int) -> int | None:
    if value is not None and not 1 <= value <= top:
        raise InvalidField("Give a number from %(min)s to %(max)s.", field=field,
                           params={"min": 1, "max": top})
    return value


def _new_folder(user_id: int, title: str) -> int:
    """"Recebidos/<title>" ("<title> (2)"… when that name is taken): a link's own folder,
    made as every folder is (a slash in the title would be a path: it becomes "-")."""
    inbox = folder_paths.ensure_path(user_id, None, [INBOX])
    name = title.replace("/", "-").replace("\\", "-")
    return folders.create(user_id, name, inbox).id


def _limits(max_files: int | None, max_file_bytes: int | None,
            max_total_bytes: int | None) -> dict[str, Any]:
    upload_max = settings.current("max_upload_bytes")
    return {
        "max_files": lambda: _positive("max_files", max_files, MAX_FILES_LIMIT),
        "max_file_bytes": lambda: _positive("max_file_bytes", max_file_bytes, upload_max),
        "max_total_bytes": lambda: _positive("max_total_bytes", max_total_bytes, 2**62),
    }


def check_may_create(user_id: int) -> None:
    """403 `upload_links_disabled` for a user when only admins may create upload links."""
    if settings.current("users_may_create_upload_links"):
        return
    user = db.session.get(User, user_id)
    if user is None or user.role != roles.ADMIN:
        raise UploadLinksDisabled()


def create(user_id: int, *, title: str, message: str | None = None,
           folder_id: int | None = None, expires_at: datetime | None = None,
           max_files: int | None = None, max_file_bytes: int | None = None,
           max_total_bytes: int | None = None, password: str | None = None,
           require_name: bool = False, require_email: bool = False,
           show_uploads: bool = True, notify: bool = False) -> FileRequest:
    """A new upload link; with no `folder_id`, into a folder of its own under "Recebidos".
    A user (not an admin) creates one only while users_may_create_upload_links is on."""
    check_may_create(user_id)
    checked = validation.check_all({
        "title": lambda: _title(title),
        "message": lambda: link_options.message(message),
        "expires_at": lambda: link_options.expiry(expires_at),
        "password": lambda: link_options.password(password),
        "folder_id": lambda: None if folder_id is None else folders.get_owned(user_id,
                                                                              folder_id).id,
        **_limits(max_files, max_file_bytes, max_total_bytes),
    })
    folder_id = checked["folder_id"] or _new_folder(user_id, checked["title"])
    link = FileRequest(
        user_id=user_id, folder_id=folder_id, token=link_options.new_token(),
        title=checked["title"], message=checked["message"], expires_at=checked["expires_at"],
        max_files=max_files, max_file_bytes=max_file_bytes, max_total_bytes=max_total_bytes,
        password_hash=link_options.hashed(password), require_name=require_name,
        require_email=require_email, show_uploads=show_uploads, notify=notify)
    db.session.add(link)
    db.session.commit()
    event("request.created", request_id=link.id, user_id=user_id, folder_id=folder_id,
          has_password=password is not None, expires=expires_at is not None)
    return link


def list_for(user_id: int) -> list[FileRequest]:
    return list(db.session.scalars(select(FileRequest).where(
        FileRequest.user_id == user_id).order_by(FileRequest.id.desc())))


def get_owned(user_id: int, request_id: int) -> FileRequest:
    link = db.session.get(FileRequest, request_id)
    if link is None or link.user_id != user_id:
        raise RequestNotFound()
    return link


def change(user_id: int, request_id: int, **changes: Any) -> FileRequest:
    """Change what is given (a `password` of None removes it); the token stays."""
    link = get_owned(user_id, request_id)
    checks: dict[str, Any] = {}
    if "title" in changes:
        checks["title"] = lambda: _title(changes["title"])
    if "message" in changes:
        checks["message"] = lambda: link_options.message(changes["message"])
    if "expires_at" in changes:
        checks["expires_at"] = lambda: link_options.expiry(changes["expires_at"])
    if "password" in changes:
        checks["password"] = lambda: link_options.password(changes["password"])
    if "folder_id" in changes:
        checks["folder_id"] = lambda: folders.get_owned(user_id, changes["folder_id"]).id
    for field, check in _limits(changes.get("max_files"), changes.get("max_file_bytes"),
                                changes.get("max_total_bytes")).items():
        if field in changes:
            checks[field] = check
    checked = validation.check_all(checks)
    for field, value in checked.items():
        if field == "password":
            link.password_hash = link_options.hashed(value)
        else:
            setattr(link, field, value)
    for flag in ("require_name", "require_email", "show_uploads", "notify"):
        if flag in changes:
            setattr(link, flag, bool(changes[flag]))
    db.session.commit()
    event("request.changed", request_id=link.id, user_id=user_id, fields=sorted(changes))
    return link


def revoke(user_id: int, request_id: int) -> None:
    link = get_owned(user_id, request_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.commit()
        event("request.revoked", request_id=link.id, user_id=user_id)
    _drop_unfinished(link.id)


def _drop_unfinished(request_id: int) -> None:
    """A revoked link's idle unfinished uploads go with their bytes (one a PATCH holds
    now is refused at its next request, or at its last byte by `record_arrival`)."""
    now = utcnow()
    idle = Upload.locked_until.is_(None) | (Upload.locked_until < now)
    rows = db.session.execute(select(Upload.id, Upload.handle).where(
        Upload.request_id == request_id, idle)).all()
    handles = [row.handle for row in rows if rowcount(db.session.execute(
        delete(Upload).where(Upload.id == row.id, idle)
        .execution_options(synchronize_session=False)))]  # not one a PATCH took meanwhile
    db.session.commit()
    upload_endings.abort_all(handles)


def find_public(token: str) -> FileRequest:
    """The link a visitor's token names, whatever its state: 404 for no such link (the
    routes throttle unknown tokens per client, as for share links)."""
    link = None
    # The format check keeps odd input (and MySQL's trailing-space padding) out.
    if link_options.TOKEN_RE.fullmatch(token):
        # A disabled owner's links answer as if they did not exist, until it is enabled.
        link = db.session.scalar(select(FileRequest).join(User, User.id == FileRequest.user_id)
                                 .where(FileRequest.token == token, User.disabled_at.is_(None)))
    if link is None or link.token != token:
        raise RequestNotFound()
    return link


def open_public(token: str) -> FileRequest:
    """The link a visitor's token names: 404 for no such link, 410 once it is revoked,
    expired or full."""
    link = find_public(token)
    ended = state(link)
    if ended != "active":
        raise RequestEnded.because(ended)
    return link


def check_password(link: FileRequest, password: str | None, client: str) -> None:
    """The link's password, if it has one (401 when missing or wrong; throttled like a
    share link's, under a subject of its own)."""
    link_options.check_password(link.password_hash, password, client, f"r:{link.token}",
                                lambda: event("request.password_failed", request_id=link.id))


def sender(link: FileRequest, name: str | None, email: str | None) -> tuple[str | None,
                                                                            str | None]:
    """The uploader's name and email as the link asks for them (422 when required and
    missing or invalid); an email is kept in its canonical form."""
    checked = validation.check_all({
        "uploader_name": lambda: _optional_name(name, link.require_name),
        "uploader_email": lambda: _optional_email(email, link.require_email),
    })
    return checked["uploader_name"], checked["uploader_email"]


def _optional_name(value: str | None, required: bool) -> str | None:
    value = " ".join(validation.clean_text(value or "").split())
    if not value:
        if required:
            raise InvalidField("Tell the owner your name.", field="uploader_name")
        return None
    if len(value) > 255:
        raise InvalidField("Enter a name of 1 to 255 characters.", field="uploader_name")
    return value


def _optional_email(value: str | None, required: bool) -> str | None:
    if not (value or "").strip():
        if required:
            raise InvalidField("Tell the owner your email.", field="uploader_email")
        return None
    return validation.email(value or "", field="uploader_email")
