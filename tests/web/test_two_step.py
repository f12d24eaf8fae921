"""Two-step sign-in through the pages: set it up on /account/two-step, the second screen
of the login form, turning it off, and the admin's requirement for everyone."""

from __future__ import annotations

import re

import pyotp
import pytest

from compartilha.services import two_step

from .conftest import csrf_cookie, sign_in

ENGLISH = {"Accept-Language": "en"}


class Clock:
    def __init__(self) -> None:
        self.step = 3_000_000

    def code(self, secret: str, offset: int = 0) -> str:
        return pyotp.TOTP(secret).generate_otp(self.step + offset)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(two_step, "current_step", lambda: found.step)
    return found


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match[1]


def set_up(client, clock) -> tuple[str, list[str]]:
    """Two-step sign-in turned on through the page: its secret and recovery codes."""
    rv = client.post("/account/two-step/start", data={"csrf_token": csrf_cookie(client)})
    assert rv.status_code == 302
    html = client.get("/account/two-step", headers=ENGLISH).get_data(as_text=True)
    secret = re.search(r'<code class="totp-secret" data-secret>([A-Z2-7]+)</code>', html)[1]
    assert 'src="data:image/svg+xml;base64,' in html
    rv = client.post("/account/two-step/confirm", headers=ENGLISH,
                     data={"csrf_token": csrf_cookie(client), "confirm_code": clock.code(secret)})
    assert rv.status_code == 200 and rv.headers["Cache-Control"] == "no-store"
    html = rv.get_data(as_text=True)
    codes = re.search(r'<textarea id="recovery-codes"[^>]*>([^<]*)</textarea>', html)[1].split()
    assert len(codes) == 10 and "Two-step sign-in is on" in html
    clock.step += 1
    return secret, codes


def login(client, account, next_url: str = "/links"):
    return client.post("/login", headers=ENGLISH, data={
        "email": account.email, "password": account.password, "next": next_url})


def test_set_up_then_sign_in_with_a_code(client, auth, clock):
    account = auth.register()
    sign_in(client, account)
    secret, _ = set_up(client, clock)
    client.post("/logout", data={"csrf_token": csrf_cookie(client)})
    rv = login(client, account)
    assert rv.status_code == 200 and client.get_cookie("compartilha_session") is None
    html = rv.get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert hidden(html, "next") == "/links"
    rv = client.post("/login/two-step", data={"mfa_token": hidden(html, "mfa_token"),
                                              "next": "/links", "code": clock.code(secret)})
    assert rv.status_code == 302 and rv.headers["Location"] == "/links"
    assert client.get_cookie("compartilha_session") is not None


def test_a_wrong_code_shows_the_screen_again_then_a_recovery_code_works_once(
        client, auth, clock):
    account = auth.register()
    sign_in(client, account)
    _, codes = set_up(client, clock)
    client.post("/logout", data={"csrf_token": csrf_cookie(client)})
    token = hidden(login(client, account).get_data(as_text=True), "mfa_token")
    rv = client.post("/login/two-step", headers=ENGLISH,
                     data={"mfa_token": token, "code": "000000x"})
    assert rv.status_code == 403
    assert "This code is wrong or was already used." in rv.get_data(as_text=True)
    rv = client.post("/login/two-step/switch", headers=ENGLISH,
                     data={"mfa_token": token, "recovery": "1"})
    assert "Recovery code" in rv.get_data(as_text=True)
    rv = client.post("/login/two-step", data={"mfa_token": token, "code": codes[0],
                                              "recovery": "1"})
    assert rv.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_cookie(client)})
    token = hidden(login(client, account).get_data(as_text=True), "mfa_token")
    rv = client.post("/login/two-step", data={"mfa_token": token, "code": codes[0]})
    assert rv.status_code == 403


def test_an_expired_step_goes_back_to_the_login_form(client):
    rv = client.post("/login/two-step", headers=ENGLISH,
                     data={"mfa_token": "nothing", "code": "123456"})
    assert rv.status_code == 401
    assert "This sign-in has expired" in rv.get_data(as_text=True)


def test_turning_it_off_needs_password_and_code(client, auth, clock):
    account = auth.register()
    sign_in(client, account)
    secret, _ = set_up(client, clock)
    rv = client.post("/account/two-step/disable", headers=ENGLISH, data={
        "csrf_token": csrf_cookie(client), "password": "wrong one!",
        "disable_code": clock.code(secret)})
    assert rv.status_code == 403
    rv = client.post("/account/two-step/disable", data={
        "csrf_token": csrf_cookie(client), "password": account.password,
        "disable_code": clock.code(secret)})
    assert rv.status_code == 302
    assert "Set up a code app" in client.get("/account/two-step",
                                             headers=ENGLISH).get_data(as_text=True)


def test_the_page_speaks_portuguese(client, auth):
    sign_in(client, auth.register())
    html = client.get("/account/two-step").get_data(as_text=True)
    assert "Verificação em duas etapas" in html


def test_required_for_everyone_sends_pages_to_the_set_up(client, auth, clock):
    boss = auth.user(name="Boss")
    client.patch("/api/v1/admin/settings", headers=boss.headers,
                 json={"require_two_step": True})
    account = auth.register()
    sign_in(client, account)
    rv = client.get("/files")
    assert rv.status_code == 302 and rv.headers["Location"] == "/account/two-step"
    assert client.get("/branding.css").status_code == 200
    set_up(client, clock)
    assert client.get("/files").status_code == 200


def test_the_admin_settings_page_has_the_switch(client, auth):
    boss = auth.register(name="Boss")
    sign_in(client, boss)
    html = client.get("/admin/settings", headers=ENGLISH).get_data(as_text=True)
    assert 'name="require_two_step"' in html and "Every account must use two-step" in html
    form = {"csrf_token": csrf_cookie(client), "site_name": "Compartilha",
            "accent_color": "#4f46e5", "registration": "open", "registration_domains": "",
            "invitation_days": "7", "max_upload_mb": "1", "blocked_extensions": "",
            "share_max_days": "365", "default_share_days": "", "default_max_downloads": "",
            "default_quota_mb": "", "default_quota_files": "", "audit_retention_days": "365",
            "users_may_create_upload_links": "1", "users_may_create_public_links": "1",
            "require_two_step": "1"}
    rv = client.post("/admin/settings", data=form)
    assert rv.status_code == 302, rv.get_data(as_text=True)
    # the admin too must now set it up before anything else
    rv = client.get("/admin/settings", headers=ENGLISH)
    assert rv.status_code == 302 and rv.headers["Location"] == "/account/two-step"
    html = client.get("/account/two-step", headers=ENGLISH).get_data(as_text=True)
    assert "This site requires two-step sign-in" in html


def test_an_admin_removes_it_with_a_button(app, client, auth, clock):
    from compartilha.extensions import db
    from compartilha.models import User

    boss = auth.register(name="Boss")
    user_client = app.test_client()
    account = auth.register()
    sign_in(user_client, account)
    set_up(user_client, clock)
    sign_in(client, boss)
    html = client.get("/admin/users", headers=ENGLISH).get_data(as_text=True)
    assert html.count('value="two_step"') == 1
    with app.app_context():
        user_id = db.session.query(User).filter_by(email=account.email).one().id
    rv = client.post(f"/admin/users/{user_id}", headers=ENGLISH,
                     data={"csrf_token": csrf_cookie(client), "action": "two_step"})
    assert rv.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).totp_confirmed_at is None
