"""Share downloads: counted when their last byte has been sent, a limited link's through
its download ticket (services.counting)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import cast

from flask import current_app, request
from werkzeug.wrappers import Response

from ..models import Access, File, Share, User
from ..services import counting
from .sending import presigned_redirect, send_file_record

log = logging.getLogger(__name__)


class CountedBody:
    """Wraps a response body; on close reports bytes handed out and whether it ran to the end.

    A WSGI server asks for the next chunk only after writing the previous one, so reaching
    StopIteration means every byte went to the socket; a dropped client never gets there.
    `on_progress`, if given, runs every `every` seconds while bytes flow.
    """

    def __init__(self, inner: Iterable[bytes], on_close: Callable[[int, bool], None],
                 on_progress: Callable[[], None] | None = None,
                 every: float = counting.RENEW_SECONDS) -> None:
        self._inner = inner
        self._iter: Iterator[bytes] = iter(inner)
        self._on_close = on_close
        self._on_progress = on_progress
        self._every = every
        self._last = time.monotonic()
        self.sent = 0
        self.exhausted = False
        self._closed = False

    def __iter__(self) -> CountedBody:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._iter)
        except StopIteration:
            self.exhausted = True
            raise
        self.sent += len(chunk)
        if self._on_progress is not None and time.monotonic() - self._last >= self._every:
            self._last = time.monotonic()
            try:
                self._on_progress()
            except Exception:  # the database is away: the hold may run out, which is safe
                log.warning("could not renew a download's hold", exc_info=True)
        return chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close(self.sent, self.exhausted)


def _reaches_end(response: Response, record: File) -> bool:
    content_range = response.content_range
    return response.status_code == 200 or (
        content_range is not None and content_range.stop == record.size)


def send_share(share: Share, viewer: User | None) -> Response:
    """A link without a limit: its bytes, Range included; a download counts when the
    file's last byte has been sent. (A limited link's GET goes through a ticket.)"""
    record = share.file
    direct = presigned_redirect(record) if share.max_downloads is None else None
    if direct is not None:
        # An unlimited link: a whole download counts when its URL is handed out (a player's
        # Range requests do not), since the bytes never pass through here.
        access = counting.begin(share, viewer, request.remote_addr or "",
                                request.user_agent.string)
        counting.finish(access.id, share.id, 0, completed=True, counts=request.range is None)
        return direct
    response = send_file_record(record)
    if request.method == "HEAD" or response.status_code not in (200, 206):
        return response
    try:
        access = counting.begin(share, viewer, request.remote_addr or "",
                                request.user_agent.string)
    except BaseException:
        response.close()
        raise
    reaches_end = _reaches_end(response, record)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    access_id, share_id = access.id, share.id

    def on_close(sent: int, exhausted: bool) -> None:
        # Runs after the request context is gone, when the server has sent the body.
        with app.app_context():
            counting.finish(access_id, share_id, sent, exhausted, reaches_end)

    response.response = CountedBody(cast(Iterable[bytes], response.response), on_close)
    return response


def send_ticket(share: Share, access: Access) -> Response:
    """A limited link's download, by its ticket: Range honoured, so a cut download resumes
    on it. It counts once, when a response reaching the last byte was sent whole; a cut
    one keeps the ticket's slot (counting.HOLD) for the next try."""
    record = share.file
    response = send_file_record(record)
    if request.method == "HEAD" or response.status_code not in (200, 206):
        return response
    # A completed ticket only resumes what a cut may have lost: it never counts again.
    counts = _reaches_end(response, record) and access.completed is None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    access_id, share_id = access.id, share.id

    def on_close(sent: int, exhausted: bool) -> None:
        with app.app_context():
            if exhausted and counts:
                counting.finish(access_id, share_id, sent, completed=True, counts=True)
            else:
                counting.pause(access_id, sent)

    def on_progress() -> None:
        with app.app_context():
            counting.renew(access_id)

    response.response = CountedBody(cast(Iterable[bytes], response.response), on_close,
                                    on_progress)
    return response
