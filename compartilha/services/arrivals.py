"""Uploads through an upload link by tus (`/r/<token>/uploads`): the owner's tus uploads
(services.tus), authorised by the link instead of an account, within its limits.

Every limit is checked at creation, before any byte, against the declared length
(`file_requests.precheck`); each later request re-checks the link, and one that has
ended (revoked, expired, full) drops the upload with its bytes and answers 410 with the
link's own code. The last byte records the file and counts it against the link in one
transaction (`upload_endings.settle` → `file_requests.record_arrival`): the loser of a
race for the link's last place is refused there and leaves nothing. The upload's URL is
the visitor's only handle on it; nothing of the owner's is ever answered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import RequestEnded, TooLarge, UploadLocked
from ..extensions import db
from ..hashing import Readable
from ..models import File, FileRequest, Upload
from . import file_requests, folder_paths, settings, tus


def refuse_ended(link: FileRequest) -> None:
    """410 with why, once the link is revoked, expired or full."""
    ended = file_requests.state(link)
    if ended != "active":
        raise RequestEnded.because(ended)


def begin(link: FileRequest, length: int, name: str | None, declared_type: str | None,
          path: str | None, *, sender_name: str | None, sender_email: str | None,
          client: str) -> Upload:
    """A new upload of `length` bytes into the link's folder (or the folders of `path`,
    a relative path ending in the file's name, made below it); the caller checked the
    link's password and the sender. Refused before any byte: 410 when the link takes no
    more files, 413 over a limit, 422 a refused name or path, 429 too many unfinished."""
    refuse_ended(link)
    if length > settings.current("max_upload_bytes"):
        raise TooLarge.over(settings.current("max_upload_bytes"))
    file_requests.precheck(link, length)
    folder_id, name = folder_paths.destination(link.user_id, link.folder_id, path or None,
                                               name)
    return tus.create(link.user_id, length, name, declared_type, folder_id=folder_id,
                      arrival=tus.Arrival(link.id, sender_name, sender_email, client))


def _still_open(link: FileRequest, token: str) -> None:
    """An unfinished upload of a link that has ended goes with its bytes: 410 with why.
    (A finished one still answers: its file was recorded while the link was open.)"""
    ended = file_requests.state(link)
    if ended == "active":
        return
    unfinished = db.session.scalar(select(Upload.id).where(
        Upload.token == token, Upload.request_id == link.id))
    if unfinished is not None:
        try:
            tus.terminate(link.user_id, token, link.id)
        except UploadLocked:
            pass  # a request sends it now: refused at its next one, or at its last byte
    raise RequestEnded.because(ended)


def status(link: FileRequest, token: str) -> tus.Progress:
    _still_open(link, token)
    return tus.status(link.user_id, token, link.id)


def append(link: FileRequest, token: str, offset: int, stream: Readable, length: int | None,
           checksum: tuple[str, bytes] | None = None) -> tus.Appended:
    _still_open(link, token)
    return tus.append(link.user_id, token, offset, stream, length, checksum,
                      request_id=link.id)


def cancel(link: FileRequest, token: str) -> None:
    tus.terminate(link.user_id, token, link.id)


def finished(link: FileRequest, token: str) -> File:
    """The file a finished upload of this link became (404 before it is finished)."""
    return tus.finished(link.user_id, token, link.id)


def receipt(record: File) -> dict[str, Any]:
    """What the visitor is told of a file they sent: the name they sent, never the
    owner's (a renamed one would tell what else the folder holds), and no id."""
    return {"name": record.sent_name or record.name, "size": record.size,
            "type": record.type, "sha256": record.sha256, "created_at": record.created_at}
