"""WatchedFile: whether a whole file went out, sent by socket.sendfile or read piece by piece."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from compartilha.http.delivery import Renewer, WatchedFile

SIZE = 8 * 1024 * 1024


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


def watched(path, reports, on_progress=None, renewer=None):
    file = WatchedFile(open(path, "rb"), path.stat().st_size)  # noqa: SIM115 - closed by test
    file.watch(lambda sent, complete: reports.append((sent, complete)), on_progress, renewer)
    return file


def drain(sock, limit=None):
    got = 0
    while limit is None or got < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    return got


def test_a_file_sent_whole_by_socket_sendfile_is_complete(data_file):
    reports = []
    sender, receiver = socket.socketpair()
    got = []
    reader = threading.Thread(target=lambda: got.append(drain(receiver)))
    reader.start()
    file = watched(data_file, reports)
    sender.sendfile(file, offset=0, count=SIZE)  # what gunicorn does with wsgi.file_wrapper
    sender.close()
    reader.join(10)
    file.close()
    file.close()  # reported once
    receiver.close()
    assert got == [SIZE]
    assert reports == [(SIZE, True)]


def test_a_sendfile_cut_by_the_client_is_not_complete(data_file):
    reports = []
    sender, receiver = socket.socketpair()
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)

    def cut():
        drain(receiver, 256 * 1024)
        receiver.close()

    reader = threading.Thread(target=cut)
    reader.start()
    file = watched(data_file, reports)
    with pytest.raises(OSError):
        sender.sendfile(file, offset=0, count=SIZE)
    reader.join(10)
    file.close()
    sender.close()
    [(sent, complete)] = reports
    assert not complete
    assert 256 * 1024 <= sent < SIZE


def test_read_to_the_end_then_asked_for_more_is_complete(data_file):
    reports = []
    file = watched(data_file, reports)
    total = 0
    while chunk := file.read(256 * 1024):
        total += len(chunk)
    file.close()
    assert total == SIZE
    assert reports == [(SIZE, True)]


def test_every_byte_read_but_not_asked_for_more_is_not_complete(data_file):
    # The last piece was handed out, and the server never came back: it may not have
    # reached the socket.
    reports = []
    file = watched(data_file, reports)
    for _ in range(SIZE // (256 * 1024)):
        file.read(256 * 1024)
    file.close()
    assert reports == [(SIZE, False)]


def test_a_file_shorter_than_promised_is_not_complete(data_file):
    reports = []
    file = WatchedFile(open(data_file, "rb"), SIZE + 1)  # noqa: SIM115
    file.watch(lambda sent, complete: reports.append((sent, complete)))
    while file.read(1024 * 1024):
        pass
    file.close()
    assert reports == [(SIZE, False)]


def test_a_file_sent_by_the_kernel_is_renewed_while_open(data_file):
    renewals = []
    renewer = Renewer(0.05)
    file = watched(data_file, [], lambda: renewals.append(time.monotonic()), renewer)
    file.fileno()  # the server takes its descriptor for sendfile
    time.sleep(0.4)
    file.close()
    count = len(renewals)
    assert count >= 2
    time.sleep(0.2)
    assert len(renewals) == count  # not after it closed


def test_a_file_read_by_the_server_renews_from_its_reads(data_file):
    renewals = []
    file = watched(data_file, [], lambda: renewals.append(1), Renewer(0.0))
    file.read(1024)
    file.read(1024)
    file.close()
    assert renewals == [1, 1]
