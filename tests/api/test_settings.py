"""Administration → Settings through the API: a flat object of every key; PATCH checks
every change first (unknown key or bad value: 422, nothing stored), admins only."""

from __future__ import annotations

import pytest

from compartilha.extensions import db
from compartilha.models import Setting

URL = "/api/v1/admin/settings"


@pytest.fixture
def people(auth):
    """The instance's first account (its admin) and a second one (a user)."""
    return auth.user(name="Ada"), auth.user(name="Bia")


def _stored(app) -> dict[str, str]:
    with app.app_context():
        return {row.key: row.value for row in db.session.query(Setting)}


def test_get_answers_every_key_flat_with_the_environments_defaults(client, people):
    found = client.get(URL, headers=people[0].headers).get_json()
    assert found["site_name"] == "Compartilha" and found["registration"] == "open"
    assert found["default_quota_bytes"] is None and found["logo"] is None
    assert found["max_upload_bytes"] == 1024 * 1024  # the tests' MAX_UPLOAD_BYTES
    assert found["blocked_extensions"] == [] and found["users_may_create_public_links"] is True
    assert set(found) >= {"accent_color", "share_max_days", "default_share_days",
                          "audit_retention_days", "users_may_create_upload_links",
                          "require_two_step"}
    assert found["require_two_step"] is False


def test_patch_stores_the_given_keys_and_answers_every_one(app, client, people, caplog):
    changed = client.patch(URL, headers=people[0].headers, json={
        "site_name": "  Arquivos da Ana ", "registration": "invite_only",
        "default_quota_bytes": 5000, "accent_color": "#AA3300",
        "registration_domains": ["Example.COM", "example.com", "b.example.org"],
        "blocked_extensions": [".EXE", "bat"]})
    assert changed.status_code == 200, changed.get_json()
    found = changed.get_json()
    assert found["site_name"] == "Arquivos da Ana" and found["registration"] == "invite_only"
    assert found["accent_color"] == "#aa3300" and found["default_quota_bytes"] == 5000
    assert found["registration_domains"] == ["example.com", "b.example.org"]
    assert found["blocked_extensions"] == ["exe", "bat"]
    assert client.get(URL, headers=people[1].headers).status_code == 403
    assert client.get(URL, headers=people[0].headers).get_json() == found
    assert sorted(_stored(app)) == sorted(["site_name", "registration", "default_quota_bytes",
                                           "accent_color", "registration_domains",
                                           "blocked_extensions"])
    [logged] = [r.fields for r in caplog.records if r.getMessage() == "settings.changed"]
    me = client.get("/api/v1/me", headers=people[0].headers).get_json()["user"]
    assert logged["user_id"] == me["id"] and logged["keys"] == sorted(_stored(app))
    assert "Ana" not in str(logged)  # the keys, not their values


def test_null_takes_a_nullable_setting_off(client, people, app):
    app.config["DEFAULT_QUOTA_BYTES"] = 10
    found = client.patch(URL, headers=people[0].headers,
                         json={"default_quota_bytes": None}).get_json()
    assert found["default_quota_bytes"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"site_name": ""}, "site_name"), ({"site_name": "x" * 61}, "site_name"),
    ({"site_name": "a\u0007b"}, "site_name"), ({"accent_color": "red"}, "accent_color"),
    ({"accent_color": "#12345"}, "accent_color"), ({"max_upload_bytes": 0}, "max_upload_bytes"),
    ({"max_upload_bytes": "10"}, "max_upload_bytes"), ({"registration": "maybe"}, "registration"),
    ({"registration_domains": ["not a domain"]}, "registration_domains"),
    ({"registration_domains": "example.com"}, None),  # a string is split, and fine
    ({"users_may_invite": "yes"}, "users_may_invite"), ({"invitation_days": 0}, "invitation_days"),
    ({"invitation_days": 366}, "invitation_days"), ({"share_max_days": 3651}, "share_max_days"),
    ({"default_share_days": 400}, "default_share_days"),  # over share_max_days (365)
    ({"default_share_days": 30, "share_max_days": 10}, "default_share_days"),
    ({"default_max_downloads": 0}, "default_max_downloads"),
    ({"blocked_extensions": ["e x e"]}, "blocked_extensions"),
    ({"users_may_create_public_links": 1}, "users_may_create_public_links"),
    ({"default_quota_bytes": -1}, "default_quota_bytes"),
    ({"default_quota_files": 1.5}, "default_quota_files"),
    ({"audit_retention_days": -1}, "audit_retention_days"),
    ({"logo": "https://x.example/logo.png"}, "logo"),
])
def test_a_bad_value_is_422_naming_its_field_and_nothing_changes(app, client, people, body,
                                                                 field):
    rv = client.patch(URL, headers=people[0].headers, json={"site_name": "Novo", **body})
    if field is None:
        assert rv.status_code == 200
        return
    assert rv.status_code == 422, rv.get_json()
    error = rv.get_json()["error"]
    assert error["code"] == "invalid_field" and field in error.get("fields", {field: 1})
    assert _stored(app) == {}


def test_every_wrong_field_is_named_at_once(client, people):
    rv = client.patch(URL, headers=people[0].headers,
                      json={"site_name": "", "invitation_days": 0, "registration": "x"})
    assert rv.status_code == 422
    assert set(rv.get_json()["error"]["fields"]) == {"site_name", "invitation_days",
                                                    "registration"}


def test_an_unknown_key_is_422_and_nothing_changes(app, client, people):
    rv = client.patch(URL, headers=people[0].headers, json={"site_name": "X", "colour": "red"})
    assert rv.status_code == 422 and rv.get_json()["error"]["code"] == "unknown_setting"
    assert _stored(app) == {}


@pytest.mark.parametrize("method", ["get", "patch"])
def test_users_get_403_and_nobody_401(app, client, people, method):
    rv = getattr(client, method)(URL, headers=people[1].headers, json={"site_name": "Mine"})
    assert rv.status_code == 403 and rv.get_json()["error"]["code"] == "admin_only"
    assert getattr(app.test_client(), method)(URL, json={"site_name": "Mine"}).status_code == 401
    assert _stored(app) == {}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_a_logo_is_served_with_its_type_and_no_sniffing_and_removed_with_null(client, people):
    admin = people[0].headers
    assert client.get("/branding/logo").status_code == 404
    found = client.put(f"{URL}/logo", headers=admin, data=PNG).get_json()
    assert found["logo"].startswith("/branding/logo?v=")
    logo = client.get(found["logo"])
    assert logo.status_code == 200 and logo.data == PNG and logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert logo.headers["Content-Security-Policy"] == "default-src 'none'"
    assert client.get(found["logo"], headers={"If-None-Match": logo.headers["ETag"]}
                      ).status_code == 304
    assert b"/branding/logo?v=" in client.get("/").data  # in the header
    webp = client.put(f"{URL}/logo", headers=admin, data=WEBP).get_json()
    assert client.get(webp["logo"]).mimetype == "image/webp"
    assert client.patch(URL, headers=admin, json={"logo": None}).get_json()["logo"] is None
    assert client.get("/branding/logo").status_code == 404
    assert b"/branding/logo" not in client.get("/").data


@pytest.mark.parametrize("data", [SVG, b"GIF89a" + b"\x00" * 10, PNG + b"\x00" * 256 * 1024, b""])
def test_a_logo_that_is_not_png_jpeg_or_webp_or_too_big_is_refused(client, people, data):
    rv = client.put(f"{URL}/logo", headers=people[0].headers, data=data)
    assert rv.status_code == 422 and rv.get_json()["error"]["code"] == "logo_refused"
    assert client.get("/branding/logo").status_code == 404
    assert client.put(f"{URL}/logo", headers=people[1].headers, data=PNG).status_code == 403
