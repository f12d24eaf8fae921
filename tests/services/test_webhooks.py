"""Webhooks: URLs refused on private addresses, events checked, the delivery log, and
signatures as the Standard Webhooks spec computes them."""

from __future__ import annotations

import json

import pytest
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks import WebhookVerificationError

from compartilha import outbound, webhook_signatures
from compartilha.errors import InvalidField, WebhookNotFound
from compartilha.services import accounts, webhooks
from tests.webhook_receiver import receiver


def test_the_signature_of_the_specs_published_example():
    # The example of the Standard Webhooks specification (and of its libraries' tests).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    got = webhook_signatures.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                       b'{"test": 2432232314}')
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_new_secret_is_whsec_and_32_random_bytes():
    one, two = webhook_signatures.new_secret(), webhook_signatures.new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(__import__("base64").b64decode(one[6:])) == 32


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8080/", "http://[::1]/x", "http://10.1.2.3/",
    "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "ftp://example.com/",
    "http://user:pw@example.com/", "not a url", "https:///nohost"])
def test_private_local_and_odd_urls_are_refused(url):
    with pytest.raises(outbound.RefusedURL):
        outbound.check(url)


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["93.184.215.14", "10.0.0.1"])
    with pytest.raises(outbound.RefusedURL):
        outbound.check("https://mixed.example.com/hook")
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["93.184.215.14"])
    target = outbound.check("https://public.example.com:8443/a/b?c=1")
    assert (target.host, target.port, target.path, target.address) == (
        "public.example.com", 8443, "/a/b?c=1", "93.184.215.14")


def test_private_addresses_are_allowed_only_when_configured():
    assert outbound.check("http://127.0.0.1:9/h", allow_private=True).address == "127.0.0.1"


@pytest.fixture
def owner(ctx):
    return accounts.register("Ana", "ana@example.com", "correct horse")


def test_create_refuses_a_private_url_unless_allowed_and_checks_events(ctx, owner):
    with pytest.raises(InvalidField) as refused:
        webhooks.create(owner.id, "http://127.0.0.1:9/hook", ["share.created", "nope"])
    assert {p.field for p in refused.value.problems} == {"url", "events"}
    ctx.config["WEBHOOK_ALLOW_PRIVATE"] = True
    hook = webhooks.create(owner.id, "http://127.0.0.1:9/hook", ["file.uploaded",
                                                                 "share.created"])
    assert hook.event_list == ["share.created", "file.uploaded"]  # in the documented order
    assert webhooks.create(owner.id, "http://127.0.0.1:9/all").event_list == list(
        webhooks.EVENTS)


def test_someone_elses_webhook_is_not_found(ctx, owner):
    ctx.config["WEBHOOK_ALLOW_PRIVATE"] = True
    hook = webhooks.create(owner.id, "http://127.0.0.1:9/hook")
    other = accounts.register("Bia", "bia@example.com", "correct horse")
    with pytest.raises(WebhookNotFound):
        webhooks.delete(other.id, hook.id)
    with pytest.raises(WebhookNotFound):
        webhooks.deliveries(other.id, hook.id)
    webhooks.delete(owner.id, hook.id)
    assert webhooks.list_for(owner.id) == []


def test_an_attempt_is_signed_logged_and_failures_are_kept_until_the_last_try(ctx, owner):
    ctx.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with receiver(500, 204) as rx:
        hook = webhooks.create(owner.id, rx.url, ["share.revoked"])
        assert webhooks.prepare(owner.id, "share.created", {"x": 1}) == []  # not wanted
        [delivery_id] = webhooks.prepare(owner.id, "share.revoked", {"share": {"id": 7}})
        assert webhooks.attempt(delivery_id) is False
        [logged] = webhooks.deliveries(owner.id, hook.id)
        assert (logged.status, logged.attempts, logged.last_status_code, logged.last_error) == (
            "pending", 1, 500, "HTTP 500")
        assert webhooks.attempt(delivery_id) is True
        assert webhooks.attempt(delivery_id) is None  # delivered: never sent again
    first, second = rx.requests
    assert first.body == second.body and first.headers["webhook-id"] == second.headers[
        "webhook-id"]
    sent = json.loads(second.body)
    assert sent["type"] == "share.revoked" and sent["data"] == {"share": {"id": 7}}
    expected = webhook_signatures.signature(hook.secret, second.headers["webhook-id"],
                                            int(second.headers["webhook-timestamp"]),
                                            second.body)
    assert second.headers["webhook-signature"] == expected
    # The specification's own Python library agrees, and refuses a changed body or secret.
    assert StandardWebhook(hook.secret).verify(second.body, second.headers) == sent
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(hook.secret).verify(second.body + b" ", second.headers)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(webhook_signatures.new_secret()).verify(second.body, second.headers)
    [logged] = webhooks.deliveries(owner.id, hook.id)
    assert (logged.status, logged.attempts, logged.last_error) == ("delivered", 2, None)


def test_a_delivery_fails_for_good_after_the_last_attempt(ctx, owner):
    ctx.config["WEBHOOK_ALLOW_PRIVATE"] = True
    hook = webhooks.create(owner.id, "http://127.0.0.1:9/closed")  # discard: refused
    [delivery_id] = webhooks.prepare(owner.id, "file.uploaded", {"file": {"id": 1}})
    for _ in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.attempt(delivery_id) is False
    [logged] = webhooks.deliveries(owner.id, hook.id)
    assert logged.status == "failed" and logged.attempts == webhooks.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in logged.last_error
    assert webhooks.attempt(delivery_id) is None


def test_a_url_that_became_private_is_not_called(ctx, owner, monkeypatch):
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["93.184.215.14"])
    hook = webhooks.create(owner.id, "https://hooks.example.com/x")
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["127.0.0.1"])
    [delivery_id] = webhooks.prepare(owner.id, "share.created", {})
    assert webhooks.attempt(delivery_id) is False
    assert webhooks.deliveries(owner.id, hook.id)[0].last_error == (
        "The URL points to a private or local address.")
