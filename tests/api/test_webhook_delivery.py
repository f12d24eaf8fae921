"""A whole notification, through the real queue: a completed download of a link that
asks for it reaches the owner's mail (the aiosmtpd server), their list and their webhook,
whose first answer is a 500; the retry delivers it, and the specification's own library
(`standardwebhooks`) verifies both signed requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from standardwebhooks import Webhook as StandardWebhook

from compartilha import create_app, jobs
from tests.conftest import base_config
from tests.mailbox import links_in
from tests.webhook_receiver import receiver


@pytest.fixture
def queue(app, tmp_path):
    """The app's jobs on the worker's SQLite queue (instance/jobs.db), run by the test."""
    app.config["JOBS_IMMEDIATE"] = False
    jobs.huey.configure(app)
    yield jobs.huey
    jobs.huey.storage.flush_all()
    jobs.huey.configure(create_app(base_config(tmp_path, "sqlite://")))  # in-process again


def run_due(queue, later: timedelta = timedelta(0)) -> int:
    """Run every job due `later` from now, as a worker would; how many ran."""
    now = datetime.now(UTC).replace(tzinfo=None) + later  # naive UTC, as Huey keeps time
    queue.read_schedule(now)
    ran = 0
    while (job := queue.dequeue()) is not None:
        queue.execute(job, now)
        ran += 1
    return ran


def test_a_download_mails_lists_and_calls_the_webhook_which_is_retried_after_a_500(
        app, client, auth, queue, smtp_server):
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, MAIL_URL=smtp_server.url)
    owner = auth.user(name="Ana Souza", email="ana@example.com")
    run_due(queue)  # the sign-up's own mail (verification)
    signed_up = len(smtp_server.messages)
    with receiver(500) as rx:
        rv = client.post("/api/v1/webhooks", headers=owner.headers,
                         json={"url": rx.url, "events": ["share.downloaded"]})
        hook = rv.get_json()["webhook"]
        share = auth.share(owner, auth.file(owner, b"conteudo", "contrato.pdf")["id"],
                           notify_on_download=True)
        assert run_due(queue) == 0  # share.created is not one of its events
        anonymous = app.test_client()
        assert anonymous.get(urlsplit(share["url"]).path + "/download").data == b"conteudo"
        assert run_due(queue) == 2  # the mail, and the webhook's first try (500)
        assert len(rx.requests) == 1
        log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                         headers=owner.headers).get_json()["deliveries"]
        assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
            ("pending", 1, 500)]
        assert run_due(queue) == 0  # the retry waits for its backoff
        assert run_due(queue, timedelta(minutes=1)) == 1
    first, second = rx.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body
    for request in (first, second):
        body = StandardWebhook(hook["secret"]).verify(request.body, request.headers)
        assert body["type"] == "share.downloaded"
        assert body["data"]["share"]["id"] == share["id"]
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                     headers=owner.headers).get_json()["deliveries"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("delivered", 2, 204)]
    listed = client.get("/api/v1/webhooks", headers=owner.headers).get_json()["webhooks"]
    assert listed[0]["last_delivery"]["status"] == "delivered"

    [message] = smtp_server.messages[signed_up:]
    assert message["To"] == "ana@example.com" and "contrato.pdf" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content().count("contrato.pdf") >= 1
    assert any(link.endswith("/links") for link in links_in(message))

    notes = client.get("/api/v1/notifications", headers=owner.headers).get_json()
    assert notes["unread"] == 1
    assert notes["notifications"][0]["kind"] == "share.downloaded"
