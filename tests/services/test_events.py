"""What happened → who is told: a counted download of a link that asks for it (list and
mail), a used-up link once, links expiring within a day once, webhooks for each event."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from compartilha.extensions import db
from compartilha.models import Access, Notification, Share
from compartilha.models.columns import utcnow
from compartilha.services import counting, events, notifications, shares, webhooks
from tests.mailbox import links_in, outbox
from tests.services.conftest import stored
from tests.webhook_receiver import receiver


def download(share: Share) -> Access:
    """One whole download of the link, counted as share_sending counts it."""
    access = counting.begin(share, None, "127.0.0.1", "curl/8")
    counting.finish(access.id, share.id, share.file.size, completed=True, counts=True)
    return access


def kinds(user_id: int) -> list[str]:
    return [n.kind for n in reversed(notifications.list_for(user_id))]


def test_a_counted_download_of_a_link_that_asks_is_listed_and_mailed(ctx, user):
    record = stored(user.id)
    quiet = shares.create(user.id, record.id)
    told = shares.create(user.id, record.id, notify_on_download=True)
    download(quiet)
    assert kinds(user.id) == [] and outbox(ctx) == []
    download(told)
    [note] = notifications.list_for(user.id)
    assert (note.kind, note.data["share_id"], note.data["file_name"]) == (
        "share.downloaded", told.id, "a.txt")
    [message] = outbox(ctx)  # no MAIL_URL: the outbox
    assert message["To"] == "ana@example.com" and "a.txt" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert any(link.endswith("/links") for link in links_in(message))


def test_an_unfinished_or_uncounted_download_tells_nobody(ctx, user):
    told = shares.create(user.id, stored(user.id).id, notify_on_download=True)
    cut = counting.begin(told, None, "127.0.0.1", "curl/8")
    counting.finish(cut.id, told.id, 3, completed=False, counts=True)
    ranged = counting.begin(told, None, "127.0.0.1", "curl/8")
    counting.finish(ranged.id, told.id, 5, completed=True, counts=False)  # a middle range
    assert kinds(user.id) == [] and outbox(ctx) == []


def test_a_used_up_link_is_told_once_even_without_the_option(ctx, user):
    limited = shares.create(user.id, stored(user.id).id, max_downloads=2)
    download(limited)
    assert kinds(user.id) == []
    access = download(limited)
    assert kinds(user.id) == ["share.used_up"]
    events.download_counted(limited.id, access.id)  # a second report changes nothing
    assert kinds(user.id) == ["share.used_up"] and outbox(ctx) == []


def test_a_used_up_link_that_asks_mails_both(ctx, user):
    limited = shares.create(user.id, stored(user.id).id, max_downloads=1,
                            notify_on_download=True)
    download(limited)
    assert kinds(user.id) == ["share.downloaded", "share.used_up"]
    subjects = [m["Subject"] for m in outbox(ctx)]
    assert len(subjects) == 2 and "esgotou" in subjects[1]


def test_links_expiring_within_a_day_are_told_once(ctx, user):
    record = stored(user.id)
    soon = shares.create(user.id, record.id, expires_at=utcnow() + timedelta(hours=3),
                         notify_on_download=True)
    shares.create(user.id, record.id, expires_at=utcnow() + timedelta(days=3))
    gone = shares.create(user.id, record.id, expires_at=utcnow() + timedelta(hours=2))
    shares.revoke(user.id, gone.id)
    assert events.notify_expiring() == 1
    assert events.notify_expiring() == 0
    [note] = notifications.list_for(user.id)
    assert note.kind == "share.expiring" and note.data["share_id"] == soon.id
    assert "expira em breve" in outbox(ctx)[0]["Subject"]


def test_each_event_reaches_the_webhooks_that_want_it(ctx, user):
    ctx.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with receiver() as rx:
        webhooks.create(user.id, rx.url)
        only = webhooks.create(user.id, rx.url + "/revoked", ["share.revoked"])
        record = stored(user.id)  # file.uploaded
        share = shares.create(user.id, record.id)  # share.created
        download(share)  # share.downloaded
        shares.revoke(user.id, share.id)  # share.revoked, to both
    sent = [(r.path, json.loads(r.body)["type"]) for r in rx.requests]
    assert sent == [("/hook", "file.uploaded"), ("/hook", "share.created"),
                    ("/hook", "share.downloaded"), ("/hook", "share.revoked"),
                    ("/hook/revoked", "share.revoked")]
    downloaded = json.loads(rx.requests[2].body)["data"]
    assert downloaded["share"]["id"] == share.id and downloaded["download"]["id"]
    assert json.loads(rx.requests[0].body)["data"]["file"]["sha256"] == record.sha256
    db.session.rollback()  # a new transaction sees what the jobs committed in theirs
    assert [d.status for d in webhooks.deliveries(user.id, only.id)] == ["delivered"]


def test_a_notification_that_fails_never_fails_the_download(ctx, user, monkeypatch):
    told = shares.create(user.id, stored(user.id).id, notify_on_download=True)

    def broken(*args, **kwargs):
        raise RuntimeError("mail is down")

    monkeypatch.setattr(notifications, "add", broken)
    download(told)
    assert db.session.get(Share, told.id).download_count == 1
    assert db.session.query(Notification).count() == 0


@pytest.mark.parametrize("age_days, read, kept", [(100, True, False), (100, False, True),
                                                   (10, True, True)])
def test_old_read_notifications_are_purged(ctx, user, age_days, read, kept):
    note = notifications.add(user.id, "share.used_up", {})
    if read:
        note.read_at = utcnow() - timedelta(days=age_days)
    db.session.commit()
    note_id = note.id
    notifications.purge_old()
    db.session.expunge_all()
    assert (db.session.get(Notification, note_id) is not None) is kept
