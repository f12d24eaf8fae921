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
from ..services import counting, files
from .delivery import Renewer, WatchedFile
from .sending import presigned_redirect, send_file_record

log = logging.getLogger(__name__)
# Renews the holds of tickets whose bytes the kernel is sending (sendfile), in this process.
RENEWER = Renewer(counting.RENEW_SECONDS)


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


def _send(record: File) -> tuple[Response, WatchedFile | None]:
    """The file's response; a whole file (no Range) is sent from a `WatchedFile`, which
    the server may hand to sendfile(2) and which still tells whether it all went out."""
    if request.range is not None or record.size == 0:
        return send_file_record(record), None
    watched = WatchedFile(files.open_bytes(record), record.size)
    try:
        return send_file_record(record, handle=watched), watched  # type: ignore[arg-type]
    except BaseException:
        watched.close()
        raise


def _watch(response: Response, watched: WatchedFile | None, on_close: Callable[[int, bool], None],
           on_progress: Callable[[], None] | None = None) -> None:
    """Report the end of the response's body to `on_close(sent, went out whole)`."""
    if watched is not None and response.status_code == 200:
        watched.watch(on_close, on_progress, RENEWER)
    else:
        response.response = CountedBody(cast(Iterable[bytes], response.response), on_close,
                                        on_progress)


def _reaches_end(response: Response, record: File) -> bool:
    content_range = response.content_range
    return response.status_code == 200 or (
        content_range is not None and content_range.stop == record.size)


def _the_file(share: Share, record: File | None) -> File:
    record = record or share.file
    if record is None:  # a link to several things names the file it sends
        raise TypeError("which file of the link?")
    return record


def _target(share: Share, record: File) -> counting.Target:
    """What a download of `record` on `share` sends, as its receipt records it."""
    return None if share.file_id is not None else record.id


def send_share(share: Share, viewer: User | None, record: File | None = None) -> Response:
    """A link without a limit: its file's bytes (`record`: one file of a link to several
    things), Range included; a download counts when the file's last byte has been sent.
    (A limited link's GET goes through a ticket.)"""
    record = _the_file(share, record)
    direct = presigned_redirect(record) if share.max_downloads is None else None
    if direct is not None:
        # An unlimited link: a whole download counts when its URL is handed out (a player's
        # Range requests do not), since the bytes never pass through here.
        access = counting.begin(share, viewer, request.remote_addr or "",
                                request.user_agent.string, target=_target(share, record))
        counting.finish(access.id, share.id, 0, completed=True, counts=request.range is None)
        return direct
    response, watched = _send(record)
    if request.method == "HEAD" or response.status_code not in (200, 206):
        return response
    try:
        access = counting.begin(share, viewer, request.remote_addr or "",
                                request.user_agent.string, target=_target(share, record))
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

    _watch(response, watched, on_close)
    return response


def send_ticket(share: Share, access: Access, record: File | None = None) -> Response:
    """A limited link's download, by its ticket: Range honoured, so a cut download resumes
    on it. It counts once, when a response reaching the last byte was sent whole; a cut
    one keeps the ticket's slot (counting.HOLD) for the next try."""
    record = _the_file(share, record)
    response, watched = _send(record)
    if request.method == "HEAD" or response.status_code not in (200, 206):
        return response
    # A completed ticket only resumes what a cut may have lost: it never counts again.
    counts = _reaches_end(response, record) and access.completed is None
    on_close, on_progress = _ticket_callbacks(access, share, counts)
    _watch(response, watched, on_close, on_progress)
    return response


# Builds the ZIP's response (http's `send_archive`) with the callback told, once the body
# is closed, how many bytes went out and whether the archive's last byte was among them.
ArchiveSender = Callable[[Callable[[int, bool], None] | None], Response]


def send_share_archive(share: Share, viewer: User | None, respond: ArchiveSender) -> Response:
    """The whole of a link to several things as its ZIP, on a link without a limit: a
    download counts when the archive's last byte has been sent (a resumed Range reaching
    it too, as for a file)."""
    if request.method == "HEAD":
        return respond(None)
    access = counting.begin(share, viewer, request.remote_addr or "", request.user_agent.string,
                            target="zip")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    access_id, share_id = access.id, share.id

    def on_close(sent: int, reached_end: bool) -> None:
        with app.app_context():
            counting.finish(access_id, share_id, sent, reached_end, reached_end)

    try:
        response = respond(on_close)
    except BaseException:
        counting.finish(access_id, share_id, 0, completed=False, counts=False)
        raise
    if response.status_code not in (200, 206):
        counting.finish(access_id, share_id, 0, completed=False, counts=False)
    return response


def _ticket_callbacks(access: Access, share: Share, counts: bool
                      ) -> tuple[Callable[[int, bool], None], Callable[[], None]]:
    """What a ticket's download does when its body closes (count it once, when it reached
    the end and may count; else keep its slot for a resume) and while its bytes flow
    (renew the slot). They run outside the request: each in an app context of its own."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    access_id, share_id = access.id, share.id

    def on_close(sent: int, reached_end: bool) -> None:
        with app.app_context():
            if reached_end and counts:
                counting.finish(access_id, share_id, sent, completed=True, counts=True)
            else:
                counting.pause(access_id, sent)

    def on_progress() -> None:
        with app.app_context():
            counting.renew(access_id)

    return on_close, on_progress


def send_ticket_archive(share: Share, access: Access, respond: ArchiveSender) -> Response:
    """A limited link's ZIP, by its ticket (as `send_ticket`): it counts once, when the
    archive's last byte was sent; a cut one keeps its slot for a Range resuming it."""
    if request.method == "HEAD":
        return respond(None)
    counts = access.completed is None
    on_close, on_progress = _ticket_callbacks(access, share, counts)
    response = respond(on_close)
    if response.status_code in (200, 206):
        # The ticket's hold is renewed while the archive's bytes flow, as a file's.
        response.response = CountedBody(cast(Iterable[bytes], response.response),
                                        lambda sent, exhausted: None, on_progress)
    return response
