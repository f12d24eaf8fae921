"""tus concatenation: partial uploads, sent side by side (tus-js-client's
`parallelUploads`), joined in order into one file by a final upload.

A partial upload is an unfinished upload (`envios.parcial`) that is never a file: when its
last byte lands it stays as it is until a final upload takes it, or it expires and
`cleanup` drops it like any unfinished upload. The final upload (`join`):

1. takes the lease of every partial (404 for one that is not the user's, 400 for one not
   partial or not finished, 423 while a request holds one), so no two finals and no PATCH
   use them at once;
2. makes its own upload row (held by the same lease; the account's quota is checked for it
   in place of the partials' reservations) and copies the partials' bytes into
   its staging, in order and streaming (local folder: 256 KiB reads; S3: the chunks of 8
   MiB the resumable uploads keep), hashing them on the way;
3. publishes it and, in one transaction, records the file, drops its own row and the
   partials' rows (`upload_endings.settle`); then the partials' bytes go.

A failure before 3 drops the final's row and bytes and gives the partials back, untouched,
so the client can send the final again. A crash leaves at worst the final's row, an
unfinished upload that expires (or, published, that fsck or cleanup records).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from sqlalchemy import delete, select, update

from ..errors import NotPartial, PartialUnfinished, TooLarge, UploadExpired, UploadNotFound
from ..extensions import db
from ..hashing import Digest
from ..models import File, Upload
from ..models.columns import utcnow
from ..storage import get_storage
from . import file_names, leases, quotas, settings, upload_endings
from .tus import expiry


def join(user_id: int, tokens: list[str], name: str | None,
         declared_type: str | None, folder_id: int | None = None) -> tuple[Upload, File]:
    """The final upload of `tokens`' partial uploads, in that order, and its file (in
    `folder_id`, checked by the caller)."""
    if not tokens or len(set(tokens)) != len(tokens):
        raise NotPartial("List each partial upload once in Upload-Concat.")
    clean = file_names.accepted_name(name)
    partials = [_partial(user_id, token) for token in tokens]
    length = sum(p.length for p in partials)
    if length > settings.current("max_upload_bytes"):
        raise TooLarge.over(settings.current("max_upload_bytes"))
    lease = leases.new()
    try:
        _hold(user_id, tokens, lease)
        final = _final_row(user_id, clean, declared_type, length, lease, folder_id, tokens)
        return final, _assemble(final, partials, lease)
    finally:
        leases.forget(lease)


def _partial(user_id: int, token: str) -> Upload:
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None or upload.user_id != user_id:
        raise UploadNotFound()  # another user's partial is not even there
    if upload.expires_at <= utcnow():
        raise UploadExpired()
    if not upload.partial:
        raise NotPartial()
    if upload.offset != upload.length:
        raise PartialUnfinished()
    return upload


def _hold(user_id: int, tokens: list[str], lease: str) -> None:
    """The lease of every partial, or none of them (423)."""
    db.session.commit()  # no read snapshot held while waiting for the write lock (SQLite)
    for token in tokens:
        if not leases.claim([Upload.token == token, Upload.user_id == user_id,
                             Upload.partial.is_(True), Upload.offset == Upload.length,
                             leases.free()], lease):
            _let_go(lease)
            raise leases.busy(None)


def _let_go(lease: str) -> None:
    db.session.rollback()
    db.session.execute(update(Upload).where(Upload.lock == lease)
                       .values(lock=None, locked_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _final_row(user_id: int, name: str, declared_type: str | None, length: int,
               lease: str, folder_id: int | None, tokens: list[str]) -> Upload:
    final = Upload(token=secrets.token_urlsafe(24), user_id=user_id, name=name,
                   type=file_names.clean_type(declared_type, name), length=length, offset=0,
                   handle=get_storage().start_upload(), expires_at=expiry(), lock=lease,
                   locked_until=utcnow() + leases.LEASE, folder_id=folder_id)
    try:
        # The file it becomes, instead of the partials' reservations (which it replaces):
        # refused if the quota went down meanwhile.
        quotas.hold(user_id, length, way="tus", exclude=tokens)
        db.session.add(final)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        upload_endings.abort_all([final.handle])
        _let_go(lease)
        raise
    return final


def _assemble(final: Upload, partials: list[Upload], lease: str) -> File:
    storage, whole = get_storage(), Digest()
    handles = [p.handle for p in partials]
    final_id, final_handle = final.id, final.handle

    def joined() -> Iterator[bytes]:
        for partial in partials:
            for data in storage.read_upload(partial.handle, partial.length):
                whole.update(data)
                yield data

    try:
        written = storage.append(final.handle, 0, joined())
        if written != final.length:
            raise OSError(f"partial uploads held {written} bytes, not {final.length}")
        key = storage.finish_upload(final.handle)
    except BaseException:
        _drop(final_id, final_handle, lease)
        raise
    tokens = [p.token for p in partials]
    try:  # before any write: on SQLite a pending one would lock out every writer meanwhile
        scan = upload_endings.scanned(final, lease, key)
    except upload_endings.REFUSED:
        _drop_partials(tokens, handles, lease)  # nothing of a refused whole stays
        raise
    db.session.execute(delete(Upload).where(Upload.token.in_(tokens), Upload.lock == lease)
                       .execution_options(synchronize_session=False))
    try:
        record = upload_endings.settle(final, lease, key, whole, (scan,))
    except upload_endings.REFUSED:
        # Refused, the final went and the partials' deletion was committed with it.
        upload_endings.abort_all(handles)
        raise
    upload_endings.abort_all(handles)
    return record


def _drop_partials(tokens: list[str], handles: list[str], lease: str) -> None:
    db.session.rollback()
    db.session.execute(delete(Upload).where(Upload.token.in_(tokens), Upload.lock == lease)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    upload_endings.abort_all(handles)


def _drop(final_id: int, handle: str, lease: str) -> None:
    """Nothing of a failed final stays; its partials are free again."""
    db.session.rollback()
    db.session.execute(delete(Upload).where(Upload.id == final_id)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    upload_endings.abort_all([handle])
    _let_go(lease)
