"""An upload link's arrivals are told once per upload session: a burst is one notice
(in-app, mail when the link asks, webhook `request.received`), two bursts apart are two,
and checks that run at once on several workers tell it once."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from compartilha import jobs
from compartilha.extensions import db
from compartilha.models import File, FileRequest
from compartilha.models.columns import utcnow
from compartilha.services import (
    events,
    file_requests,
    files,
    notifications,
    request_notices,
    webhooks,
)
from compartilha.storage import get_storage
from tests.mailbox import outbox
from tests.webhook_receiver import receiver

QUIET = 0.3


@pytest.fixture
def quiet(ctx):
    ctx.config["REQUEST_QUIET_SECONDS"] = QUIET
    return ctx


def arrive(link: FileRequest, name: str | None = "Rui Barbosa", data: bytes = b"hello",
           filename: str = "foto.jpg") -> File:
    """One file through the link, recorded as the link's upload routes record it."""
    writer = get_storage().writer()
    writer.write(data)
    record = files.store(link.user_id, filename, "image/jpeg", writer, link.folder_id,
                         before_commit=lambda r: file_requests.record_arrival(
                             link, r, sender_name=name, sender_email=None,
                             sender_ip="192.0.2.1", sent_name=filename))
    events.file_received(link.id, record.id)
    return record


def run_due_checks() -> None:
    """What a worker does once the quiet time has passed: run every due scheduled job."""
    time.sleep(QUIET + 1.2)  # and MariaDB's second (CLOCK_GRAIN)
    for job in jobs.huey.read_schedule():
        jobs.huey.execute(job)
    db.session.rollback()  # see what the jobs committed


def received(user_id: int) -> list:
    return [n for n in notifications.list_for(user_id) if n.kind == "request.received"]


def test_a_burst_of_twenty_files_is_one_notification(quiet, user):
    link = file_requests.create(user.id, title="Fotos")
    for index in range(20):
        arrive(link, filename=f"foto{index}.jpg")
    assert received(user.id) == []  # nothing is told while files may still come
    run_due_checks()
    [note] = received(user.id)
    assert note.data | {} == {"request_id": link.id, "request_title": "Fotos",
                              "folder_id": link.folder_id, "sender_name": "Rui Barbosa",
                              "sender_email": None, "count": 20, "bytes": 100}
    assert db.session.get(FileRequest, link.id).notified_through == max(
        f.id for f in db.session.scalars(db.select(File)))
    assert outbox(quiet) == []  # the link did not ask for mail


def test_two_bursts_apart_are_two_notifications(quiet, user):
    link = file_requests.create(user.id, title="Fotos")
    for _ in range(3):
        arrive(link)
    run_due_checks()
    for _ in range(2):
        arrive(link, name=None)
    run_due_checks()
    assert [(n.data["count"], n.data["sender_name"]) for n in received(user.id)] == [
        (2, None), (3, "Rui Barbosa")]  # newest first


def test_a_check_before_the_quiet_time_tells_nothing(quiet, user):
    link = file_requests.create(user.id, title="Fotos")
    arrive(link)
    assert request_notices.tell_if_quiet(link.id) == 0
    assert received(user.id) == []
    time.sleep(QUIET + 1.1)
    assert request_notices.tell_if_quiet(link.id) == 1
    assert request_notices.tell_if_quiet(link.id) == 0  # told: a second check finds nothing


def test_two_senders_in_one_quiet_time_are_told_apart(quiet, user):
    link = file_requests.create(user.id, title="Fotos")
    arrive(link, name="Rui Barbosa")
    arrive(link, name="Nise da Silveira")
    run_due_checks()
    assert sorted(n.data["sender_name"] for n in received(user.id)) == [
        "Nise da Silveira", "Rui Barbosa"]


def _check(app, link_id: int, barrier: threading.Barrier) -> int:
    with app.app_context():
        barrier.wait(timeout=30)
        try:
            return request_notices.tell_if_quiet(link_id)
        finally:
            db.session.remove()


def test_checks_on_several_workers_at_once_tell_once(quiet, user):
    link = file_requests.create(user.id, title="Fotos")
    for _ in range(5):
        arrive(link)
    time.sleep(QUIET + 1.1)
    barrier = threading.Barrier(6)
    with ThreadPoolExecutor(6) as pool:
        told = list(pool.map(lambda _: _check(quiet, link.id, barrier), range(6)))
    assert sorted(told) == [0, 0, 0, 0, 0, 1]
    db.session.rollback()
    [note] = received(user.id)
    assert note.data["count"] == 5


def test_the_mail_names_the_sender_and_the_files_in_the_owners_language(quiet, user):
    link = file_requests.create(user.id, title="Fotos", notify=True)
    arrive(link, filename="praia.jpg")
    arrive(link, filename="serra.jpg")
    run_due_checks()
    [message] = outbox(quiet)
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == "Rui Barbosa enviou 2 arquivos para “Fotos”"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert "praia.jpg" in text and "serra.jpg" in text
    assert f"/files?folder={link.folder_id}" in text


def test_the_webhook_carries_the_request_the_sender_and_the_files(quiet, user):
    quiet.config["WEBHOOK_ALLOW_PRIVATE"] = True
    link = file_requests.create(user.id, title="Fotos")
    with receiver() as rx:
        webhooks.create(user.id, rx.url, ["request.received"])
        first = arrive(link, data=b"abc")
        second = arrive(link, data=b"defg")
        run_due_checks()
    [request] = rx.requests
    body = json.loads(request.body)
    assert body["type"] == "request.received"
    assert body["data"] == {
        "request": {"id": link.id, "title": "Fotos"},
        "sender": {"name": "Rui Barbosa", "email": None},
        "files": [{"id": f.id, "name": f.name, "size": f.size, "sha256": f.sha256}
                  for f in (first, second)]}


def test_a_deleted_link_or_no_arrival_tells_nothing(quiet, user):
    link = file_requests.create(user.id, title="Fotos")
    assert request_notices.tell_if_quiet(link.id) == 0  # nothing arrived
    assert request_notices.tell_if_quiet(10**9) == 0  # no such link
    link.last_upload_at = utcnow()
    db.session.commit()
    assert received(user.id) == []


def test_an_owner_who_reads_english_gets_the_mail_in_english(quiet, user):
    user.language = "en"
    db.session.commit()
    link = file_requests.create(user.id, title="Photos", notify=True)
    arrive(link, name=None, filename="beach.jpg")
    run_due_checks()
    [message] = outbox(quiet)
    assert message["Subject"] == "1 file arrived through “Photos”"
    assert "beach.jpg" in message.get_body(("plain",)).get_content()
