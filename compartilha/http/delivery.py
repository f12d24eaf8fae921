"""Watching a whole-file download that the WSGI server may send with sendfile(2).

A counted share download must know whether its last byte went to the socket. Wrapping
the body in an iterator hides the file from the server's `wsgi.file_wrapper`, which then
reads and writes it 256 KiB at a time instead of handing it to the kernel (a quarter of
the speed of an owner's download, bench/README.md). `WatchedFile` is the file itself,
given to `wsgi.file_wrapper`, and sees both ways a server can send it:

- reading it (`read`) and writing each piece before it asks for the next (PEP 3333's
  iteration, and gunicorn without sendfile): the download went out whole when a read
  finds the end;
- `socket.sendfile(file, offset, count)`, which, when it returns and when it fails, moves
  the file's position to offset + the bytes it sent (documented in Python's `socket`
  module): the download went out whole when that `seek` lands on the end.

A server that called os.sendfile on the descriptor itself, without `socket.sendfile`,
would report nothing: such a download would never count (never one too many);
tests/api/test_share_sendfile.py checks gunicorn's way.

While the kernel sends no Python runs, so a download that wants its hold renewed as bytes
flow (a limited link's ticket) is renewed by `Renewer`'s thread while its file is open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import BinaryIO

log = logging.getLogger(__name__)


class Renewer:
    """Calls each registered function every `every` seconds, on one thread per process
    that runs only while something is registered."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._calls: dict[int, Callable[[], None]] = {}
        self._lock = threading.Lock()
        self._running = False

    def add(self, key: int, call: Callable[[], None]) -> None:
        with self._lock:
            self._calls[key] = call
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="download-renewer", daemon=True).start()

    def remove(self, key: int) -> None:
        with self._lock:
            self._calls.pop(key, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.every)
            with self._lock:
                calls = list(self._calls.values())
                if not calls:
                    self._running = False
                    return
            for call in calls:
                try:
                    call()
                except Exception:  # the database is away: the hold may run out, which is safe
                    log.warning("could not renew a download's hold", exc_info=True)


class WatchedFile:
    """An opened file of `end` bytes, sent from its start; reports on close how many bytes
    went out and whether the last one did (`on_close(sent, complete)`), once."""

    def __init__(self, raw: BinaryIO, end: int) -> None:
        self._raw = raw
        self._end = end
        self.position = 0
        self.complete = False
        self._closed = False
        self._on_close: Callable[[int, bool], None] | None = None
        self._on_progress: Callable[[], None] | None = None
        self._renewer: Renewer | None = None
        self._last = time.monotonic()

    def watch(self, on_close: Callable[[int, bool], None],
              on_progress: Callable[[], None] | None = None,
              renewer: Renewer | None = None) -> None:
        """Report to `on_close`; with `on_progress`, call it every `renewer.every` seconds
        while bytes flow (from the reads) or while the kernel sends (from `renewer`)."""
        self._on_close = on_close
        self._on_progress = on_progress
        self._renewer = renewer if on_progress is not None else None

    def fileno(self) -> int:
        fd = self._raw.fileno()  # no descriptor (S3): the server reads instead
        if self._renewer is not None and self._on_progress is not None and not self._closed:
            self._renewer.add(id(self), self._on_progress)
        return fd

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self.position += len(data)
            self._progress()
        elif self.position >= self._end:
            self.complete = True  # asked for more after every byte was written
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self._raw.seek(offset, whence)
        # socket.sendfile's report: it sent up to here
        self.complete = self.position >= self._end
        return self.position

    def tell(self) -> int:
        return self.position

    def _progress(self) -> None:
        if self._on_progress is None or self._renewer is None:
            return
        if time.monotonic() - self._last >= self._renewer.every:
            self._last = time.monotonic()
            try:
                self._on_progress()
            except Exception:  # the database is away: the hold may run out, which is safe
                log.warning("could not renew a download's hold", exc_info=True)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._renewer is not None:
            self._renewer.remove(id(self))
        try:
            self._raw.close()
        finally:
            if self._on_close is not None:
                self._on_close(min(self.position, self._end), self.complete)
