"""services.audit_entries: which events become rows, and what a row holds (never a
secret)."""

from __future__ import annotations

import json

import pytest

from compartilha.services import audit_entries


def test_an_admin_event_names_the_admin_as_actor_and_the_account_as_target():
    found = audit_entries.entry("admin.user_changed", {"actor_id": 1, "user_id": 5, "role": "user",
                                               "ip": "10.0.0.9", "path": "/api/v1/x"})
    assert (found.action, found.actor_id, found.target, found.ip) == (
        "admin.user_changed", 1, "user:5", "10.0.0.9")
    assert json.loads(found.details) == {"role": "user"}


@pytest.mark.parametrize(("name", "fields", "target"), [
    ("share.created", {"share_id": 12, "user_id": 3}, "share:12"),
    ("request.revoked", {"request_id": 3, "user_id": 3}, "request:3"),
    ("file.deleted", {"file_id": 9, "user_id": 3}, "file:9"),
    ("folder.deleted", {"folder_id": 4, "user_id": 3}, "folder:4"),
    ("login.failed", {"user_id": 3, "reason": "wrong password"}, "user:3"),
    ("invitation.used", {"invitation_id": 7, "user_id": 3}, "invitation:7"),
])
def test_targets_name_the_subject(name, fields, target):
    found = audit_entries.entry(name, fields)
    assert found.target == target and found.actor_id == 3


def test_events_outside_the_list_and_other_rate_limits_are_not_audited():
    assert audit_entries.entry("share.opened", {"share_id": 1}) is None
    assert audit_entries.entry("logout", {"user_id": 1}) is None
    assert audit_entries.entry("rate_limited", {"rule": "upload", "retry_after": 5}) is None
    locked = audit_entries.entry("rate_limited", {"rule": "login-account", "retry_after": 60})
    assert locked is not None and json.loads(locked.details)["rule"] == "login-account"


def test_details_drop_secrets_mask_emails_and_fit_the_column():
    found = audit_entries.entry("share.created", {
        "share_id": 1, "password": "hunter2 pw", "token": "tok-abc", "link": "/s/tok-abc",
        "webhook_secret": "whsec_x", "code": "123456", "csrf_token": "c", "note": "x" * 5000,
        "email": "maria@example.com", "nested": {"secret": "s3", "ok": 1},
        "blob": "a" * 40, **{f"k{i:03}": "y" * 50 for i in range(60)}})
    assert len(found.details) <= audit_entries.DETAILS_MAX
    details = json.loads(found.details)
    assert details["truncated"] is True and details["email"] == "m***@example.com"
    for secret in ("hunter2", "tok-abc", "whsec", "123456", "maria@", "s3", "a" * 40):
        assert secret not in found.details


def test_every_admin_event_is_audited_and_a_has_flag_is_no_secret():
    found = audit_entries.entry("admin.quota_reset", {"actor_id": 1, "user_id": 9})
    assert (found.actor_id, found.target) == (1, "user:9")
    shared = audit_entries.entry("share.created", {"share_id": 2, "user_id": 9,
                                                   "has_password": True, "password": "x"})
    assert json.loads(shared.details) == {"has_password": True}
