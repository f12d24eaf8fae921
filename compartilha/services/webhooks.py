"""Signed webhooks: a user's endpoints, the events they receive, and the delivery log.

An event becomes one `Delivery` row per endpoint that wants it, committed before any
request is made; a job then posts it, signed (Standard Webhooks), and tries again with
exponential backoff until it is delivered or MAX_ATTEMPTS have failed. Each attempt is
written to the row, which is the log the owner sees.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete as delete_rows
from sqlalchemy import select

from .. import jobs, outbound, webhook_signatures
from ..errors import InvalidField, WebhookNotFound
from ..extensions import db, rowcount
from ..logs import event as log_event
from ..models import Delivery, Webhook
from ..models.columns import utcnow
from . import validation

EVENTS = ("share.created", "share.downloaded", "share.revoked", "file.uploaded",
          "request.received")
MAX_PER_USER = 20
MAX_ATTEMPTS = 8  # the first and 7 retries, 30 s apart and doubling: the last ~1 h later
RETRY_DELAY = 30.0
LOG_SIZE = 50  # deliveries the log shows per endpoint
LOG_DAYS = 30  # deliveries older than this leave the log


def _check_url(url: str) -> str:
    url = validation.clean_text(url).strip()
    try:
        outbound.check(url, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except outbound.RefusedURL as exc:
        raise InvalidField(str(exc), field="url") from exc
    return url


def _check_events(events: list[str] | None) -> str:
    if events is None or len(events) == 0:
        return " ".join(EVENTS)
    unknown = [name for name in events if name not in EVENTS]
    if unknown:
        raise InvalidField("Unknown events: %(names)s.", field="events",
                           params={"names": ", ".join(unknown)})
    return " ".join(name for name in EVENTS if name in events)


def create(user_id: int, url: str, events: list[str] | None = None) -> Webhook:
    """A new endpoint with its own secret (given back once, in the answer)."""
    checked = validation.check_all({"url": lambda: _check_url(url),
                                    "events": lambda: _check_events(events)})
    count = len(list_for(user_id))
    if count >= MAX_PER_USER:
        raise InvalidField("You can have at most %(max)d webhooks.", field="url",
                           params={"max": MAX_PER_USER})
    webhook = Webhook(user_id=user_id, url=checked["url"], events=checked["events"],
                      secret=webhook_signatures.new_secret())
    db.session.add(webhook)
    db.session.commit()
    log_event("webhook.created", webhook_id=webhook.id, user_id=user_id)
    return webhook


def list_for(user_id: int) -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).where(Webhook.user_id == user_id)
                                   .order_by(Webhook.id)))


def get_owned(user_id: int, webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or webhook.user_id != user_id:
        raise WebhookNotFound()
    return webhook


def delete(user_id: int, webhook_id: int) -> None:
    """Remove the endpoint and its log; deliveries still queued find no row and stop."""
    webhook = get_owned(user_id, webhook_id)
    db.session.delete(webhook)
    db.session.commit()
    log_event("webhook.deleted", webhook_id=webhook_id, user_id=user_id)


def deliveries(user_id: int, webhook_id: int, limit: int = LOG_SIZE) -> list[Delivery]:
    """The endpoint's log, newest first."""
    webhook = get_owned(user_id, webhook_id)
    return list(db.session.scalars(select(Delivery).where(Delivery.webhook_id == webhook.id)
                                   .order_by(Delivery.id.desc()).limit(limit)))


def last_deliveries(user_id: int, limit: int = 10) -> list[tuple[Webhook, list[Delivery]]]:
    """Each of my endpoints with its latest deliveries."""
    return [(hook, deliveries(user_id, hook.id, limit)) for hook in list_for(user_id)]


def prepare(user_id: int, event: str, data: dict[str, Any],
            at: datetime | None = None) -> list[int]:
    """Record the event for each endpoint of the user's that wants it (committed); the
    ids of the deliveries to make. The body is fixed now: every retry sends the same."""
    hooks = [hook for hook in list_for(user_id) if event in hook.event_list]
    if not hooks:
        return []
    body = json.dumps({"type": event, "timestamp": (at or utcnow()).isoformat(),
                       "data": data}, default=str, separators=(",", ":"))
    rows = [Delivery(webhook_id=hook.id, event=event, payload=body,
                     message_id=webhook_signatures.new_message_id()) for hook in hooks]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def emit(user_id: int, event: str, data: dict[str, Any]) -> list[int]:
    """Record the event for the user's endpoints and queue one delivery job each."""
    ids = prepare(user_id, event, data)
    for delivery_id in ids:
        deliver(delivery_id)
    return ids


class DeliveryFailed(Exception):
    """A try that failed, with tries left: the job runs again later."""


@jobs.task(retries=MAX_ATTEMPTS - 1, retry_delay=RETRY_DELAY)
def deliver(delivery_id: int) -> None:
    """The job: one try of the delivery; a failure with tries left raises, so that the
    queue tries again after its backoff. The log (the row) says what happened."""
    if attempt(delivery_id) is False:
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is not None and delivery.status == "pending":
            raise DeliveryFailed(delivery.last_error or "failed")


def purge_old(days: int = LOG_DAYS) -> int:
    """Deliveries that ended longer than `days` ago leave the log."""
    cutoff = utcnow() - timedelta(days=days)
    removed = rowcount(db.session.execute(delete_rows(Delivery).where(
        Delivery.created_at < cutoff, Delivery.status != "pending")))
    db.session.commit()
    return removed


def attempt(delivery_id: int) -> bool | None:
    """One try of a delivery: True delivered (2xx), False failed (tried again while
    tries remain), None when there is nothing to do (deleted, already delivered)."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return None
    webhook = delivery.webhook
    status, error = _post(webhook, delivery)
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.last_status_code, delivery.last_error = status, error
    delivered = status is not None and 200 <= status < 300
    if delivered:
        delivery.status = "delivered"
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    db.session.commit()
    log_event("webhook.delivery", webhook_id=webhook.id, delivery_id=delivery.id,
              status=status, attempts=delivery.attempts, delivered=delivered)
    return delivered


def _post(webhook: Webhook, delivery: Delivery) -> tuple[int | None, str | None]:
    """The endpoint's status, or an error when there was none."""
    body = delivery.payload.encode()
    try:
        # Checked again at each try: the name may point elsewhere by now.
        target = outbound.check(webhook.url, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
        status = outbound.post(target, body, webhook_signatures.headers(
            webhook.secret, delivery.message_id, int(time.time()), body))
    except outbound.RefusedURL as exc:
        return None, str(exc)
    except (OSError, ValueError) as exc:  # refused, timed out, TLS, a malformed answer
        return None, (type(exc).__name__ + ": " + str(exc))[:255]
    return status, None if 200 <= status < 300 else f"HTTP {status}"
