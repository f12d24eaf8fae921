"""A TCP proxy that cuts connections: the first `cuts` answers longer than `after` bytes
are cut there, as a flaky mobile connection would, then everything passes.

With `backpressure`, the proxy reads the server through a small window, so the server
has sent little more than the client got (a few MiB of buffers) when the cut comes;
without, the server has handed everything to the sockets already (what a cut after its
last write looks like to it)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class CuttingProxy:
    def __init__(self, target_port: int, after: int, cuts: int,
                 backpressure: bool = False) -> None:
        self.target_port, self.after, self.cuts_left = target_port, after, cuts
        self.backpressure = backpressure
        self.cuts_done = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.socket()
            if self.backpressure:
                upstream.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            upstream.connect(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, client),
                             daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _cut_now(self) -> bool:
        with self._lock:
            if self.cuts_left <= 0:
                return False
            self.cuts_left -= 1
            self.cuts_done += 1
            return True

    def _answers(self, upstream: socket.socket, client: socket.socket) -> None:
        passed, cutting = 0, None
        window = 4096 if self.backpressure else 65536
        try:
            while data := upstream.recv(window):
                if cutting is None and passed + len(data) > self.after:
                    cutting = self._cut_now()
                if cutting:
                    client.sendall(data[:max(0, self.after - passed)])
                    break
                passed += len(data)
                client.sendall(data)
        except OSError:
            pass
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._stopped = True
        self._listener.close()


@contextlib.contextmanager
def cutting_proxy(target_port: int, after: int, cuts: int,
                  backpressure: bool = False) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(target_port, after, cuts, backpressure)
    try:
        yield proxy
    finally:
        proxy.close()
