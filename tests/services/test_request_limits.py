"""An upload link's limits (services.request_limits): its state, the precheck before any
byte, and the counters that move only with a recorded file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compartilha.errors import RequestEnded, TooLarge
from compartilha.extensions import db
from compartilha.models import File, FileRequest
from compartilha.models.columns import utcnow
from compartilha.services import file_requests, request_limits


def _record(link: FileRequest, size: int) -> File:
    record = File(name="a.txt", type="text/plain", key=f"k/{size}", user_id=link.user_id,
                  size=size, sha256="", folder_id=link.folder_id)
    db.session.add(record)
    return record


def test_state_says_why_a_link_takes_no_more(ctx, user):
    link = file_requests.create(user.id, title="Docs", max_files=2, max_total_bytes=10)
    assert request_limits.state(link) == "active"
    link.bytes_received = 10
    assert request_limits.state(link) == "full"
    link.bytes_received, link.files_received = 0, 2
    assert request_limits.state(link) == "full"
    link.expires_at = utcnow() - timedelta(seconds=1)
    assert request_limits.state(link) == "expired"
    link.revoked_at = utcnow()
    assert request_limits.state(link) == "revoked"


def test_record_arrival_counts_or_refuses_with_the_links_reason(ctx, user):
    link = file_requests.create(user.id, title="Docs", max_files=2, max_total_bytes=10)
    first = _record(link, 6)
    request_limits.record_arrival(link, first, sender_name="Rui", sender_email=None,
                                  sender_ip="192.0.2.1", sent_name="a.txt")
    db.session.commit()
    db.session.refresh(link)
    assert (link.files_received, link.bytes_received, first.request_id) == (1, 6, link.id)
    with pytest.raises(TooLarge):  # over the total: the caller rolls back
        request_limits.record_arrival(link, _record(link, 5), sender_name=None,
                                      sender_email=None, sender_ip="192.0.2.1",
                                      sent_name="b.txt")
    db.session.rollback()
    link.revoked_at = utcnow()
    db.session.commit()
    with pytest.raises(RequestEnded) as ended:
        request_limits.record_arrival(link, _record(link, 1), sender_name=None,
                                      sender_email=None, sender_ip="192.0.2.1",
                                      sent_name="c.txt")
    assert ended.value.code == "request_revoked"
    db.session.rollback()
    db.session.refresh(link)
    assert (link.files_received, link.bytes_received) == (1, 6)
