"""Single sign-on through a real OpenID provider (oidc-provider under Node, tests/oidc):
the code flow driven by `requests` through the provider's login form, then back to our
callback with the Flask client."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from sqlalchemy import select

from compartilha import crypto
from compartilha.extensions import db
from compartilha.models import AuditEvent, Challenge, ExternalIdentity, Session, User
from compartilha.services import oidc
from compartilha.services.throttle import Rate
from tests.oidc import start_provider, stop_provider

CALLBACK = "http://localhost/auth/oidc/callback"


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    started = start_provider(tmp_path_factory.mktemp("oidc"), [CALLBACK])
    yield started
    stop_provider(started)


@pytest.fixture
def sso(app, client, provider):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the pages in English, unless asked
    app.config.update(provider.app_config())
    oidc.forget_cache()
    provider.accounts.clear()
    return provider


def go_to_provider(client, next_url="/files"):
    rv = client.get("/auth/oidc/login", query_string={"next": next_url})
    assert rv.status_code == 302, rv.get_data(as_text=True)
    return rv.headers["Location"]


def come_back(client, url):
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK, url
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, login, next_url="/files"):
    return come_back(client, provider.sign_in(go_to_provider(client, next_url), login))


def user(app, email):
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        if found is not None:
            db.session.expunge(found)
        return found


def test_the_code_flow_creates_an_account_and_signs_in(app, client, sso):
    sso.set_account("ana", email="Ana@Example.com", email_verified=True, name="Ana Souza")
    location = go_to_provider(client, "/account")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert location.startswith(sso.issuer + "/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0]
    assert query["redirect_uri"] == [CALLBACK]
    rv = come_back(client, sso.sign_in(location, "ana"))
    assert rv.status_code == 302 and rv.headers["Location"] == "/account"
    assert client.get_cookie("compartilha_session") is not None
    page = client.get("/account")
    assert page.status_code == 200
    assert "Ana Souza" in page.get_data(as_text=True)
    made = user(app, "ana@example.com")
    assert made is not None and made.verified_at is not None
    assert not crypto.verify_password("", made.password_hash)
    assert not crypto.verify_password("!", made.password_hash)
    with app.app_context():
        assert db.session.scalar(select(Session.method).where(Session.user_id == made.id)) \
            == "oidc"
        linked = db.session.scalar(select(ExternalIdentity).where(
            ExternalIdentity.user_id == made.id))
        assert (linked.issuer, linked.subject) == (sso.issuer, "ana")
    # The account page says there is no password, and offers a link to set one.
    assert 'id="no-password"' in page.get_data(as_text=True)
    # A password cannot sign in to it.
    assert client.post("/login", data={"email": "ana@example.com", "password": "!"}
                       ).status_code == 401


def test_a_second_sign_in_finds_the_same_account(app, client, sso):
    sso.set_account("bia", email="bia@example.com", email_verified=True, name="Bia")
    assert sign_in(client, sso, "bia").status_code == 302
    sso.set_account("bia", email="other@example.com", email_verified=True, name="Bia")
    assert sign_in(client, sso, "bia").status_code == 302  # by (issuer, sub), not email
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "bia@example.com"
        assert len(db.session.scalars(select(User)).all()) == 1


def test_the_state_cannot_be_replayed(app, client, sso):
    sso.set_account("caio", email="caio@example.com", email_verified=True)
    back = sso.sign_in(go_to_provider(client), "caio")
    assert come_back(client, back).status_code == 302
    client.delete_cookie("compartilha_session")
    again = come_back(client, back)
    assert again.status_code == 400
    assert "Single sign-on did not complete" in again.get_data(as_text=True)


def test_an_unknown_state_is_refused_and_nothing_is_created(app, client, sso):
    sso.set_account("duda", email="duda@example.com", email_verified=True)
    back = sso.sign_in(go_to_provider(client), "duda")
    forged = back.replace("state=", "state=x")
    assert come_back(client, forged).status_code == 400
    assert user(app, "duda@example.com") is None


def test_a_provider_error_is_refused(app, client, sso):
    location = go_to_provider(client)
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
    rv = client.get("/auth/oidc/callback",
                    query_string={"error": "access_denied", "state": state})
    assert rv.status_code == 400


def test_a_nonce_mismatch_is_refused(app, client, sso):
    sso.set_account("edu", email="edu@example.com", email_verified=True)
    back = sso.sign_in(go_to_provider(client), "edu")
    with app.app_context():  # the state now remembers another nonce than the provider got
        row = db.session.scalar(select(Challenge).where(Challenge.purpose == "oidc"))
        data = json.loads(row.data)
        row.data = json.dumps({**data, "nonce": "not-the-one-sent"})
        db.session.commit()
    rv = come_back(client, back)
    assert rv.status_code == 400
    assert user(app, "edu@example.com") is None


def test_an_unverified_email_is_not_linked(app, client, auth, sso):
    owner = auth.register(email="fabi@example.com")
    sso.set_account("fabi", email="fabi@example.com", email_verified=False, name="Impostor")
    rv = sign_in(client, sso, "fabi")
    assert rv.status_code == 403
    assert "does not say the address is verified" in rv.get_data(as_text=True)
    assert client.get_cookie("compartilha_session") is None
    with app.app_context():
        assert db.session.scalar(select(ExternalIdentity.id)) is None
        assert db.session.scalar(select(Session.jti).where(Session.method == "oidc")) is None
    assert owner.email == "fabi@example.com"


def test_a_verified_email_links_the_existing_account(app, client, auth, sso):
    owner = auth.register(email="gil@example.com")
    sso.set_account("gil", email="GIL@example.com", email_verified=True)
    assert sign_in(client, sso, "gil").status_code == 302
    with app.app_context():
        linked = db.session.scalar(select(ExternalIdentity))
        account = db.session.get(User, linked.user_id)
        assert account.email == owner.email
        assert len(db.session.scalars(select(User)).all()) == 1


def test_auto_create_off_refuses_a_newcomer(app, client, sso):
    app.config["OIDC_AUTO_CREATE"] = False
    sso.set_account("hugo", email="hugo@example.com", email_verified=True)
    rv = sign_in(client, sso, "hugo")
    assert rv.status_code == 403
    assert "No account here matches" in rv.get_data(as_text=True)
    assert user(app, "hugo@example.com") is None


def test_a_disabled_account_is_refused(app, client, sso):
    sso.set_account("ines", email="ines@example.com", email_verified=True)
    assert sign_in(client, sso, "ines").status_code == 302
    with app.app_context():
        account = db.session.scalar(select(User))
        account.disabled_at = account.created_at
        db.session.commit()
    client.delete_cookie("compartilha_session")
    rv = sign_in(client, sso, "ines")
    assert rv.status_code == 403
    assert "disabled" in rv.get_data(as_text=True)


def test_the_admin_group_gives_and_takes_the_admin_role(app, client, auth, sso):
    auth.register(email="first@example.com")  # the instance's first account: its admin
    app.config["OIDC_ADMIN_GROUP"] = "compartilha-admins"
    sso.set_account("joao", email="joao@example.com", email_verified=True,
                    groups=["staff", "compartilha-admins"])
    assert sign_in(client, sso, "joao").status_code == 302
    assert user(app, "joao@example.com").role == "admin"
    sso.set_account("joao", email="joao@example.com", email_verified=True, groups=["staff"])
    client.delete_cookie("compartilha_session")
    assert sign_in(client, sso, "joao").status_code == 302
    assert user(app, "joao@example.com").role == "user"


def test_the_last_enabled_admin_keeps_the_role(app, client, sso):
    app.config["OIDC_ADMIN_GROUP"] = "compartilha-admins"
    sso.set_account("kati", email="kati@example.com", email_verified=True, groups=[])
    assert sign_in(client, sso, "kati").status_code == 302  # first account: admin
    assert user(app, "kati@example.com").role == "admin"
    client.delete_cookie("compartilha_session")
    assert sign_in(client, sso, "kati").status_code == 302
    assert user(app, "kati@example.com").role == "admin"


def test_next_stays_on_this_site(app, client, sso):
    sso.set_account("lia", email="lia@example.com", email_verified=True)
    rv = sign_in(client, sso, "lia", next_url="https://evil.example/")
    assert rv.status_code == 302 and rv.headers["Location"] == "/files"


def test_the_login_page_offers_the_provider(app, client, sso):
    app.config["OIDC_NAME"] = "Acme ID"
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Acme ID" in page and 'name="password"' in page
    app.config["OIDC_ISSUER"] = ""
    assert "Sign in with Acme ID" not in client.get("/login").get_data(as_text=True)
    assert client.get("/auth/oidc/login").status_code == 404


def test_the_pages_speak_portuguese(app, client, sso):
    app.config["OIDC_AUTO_CREATE"] = False
    sso.set_account("mia", email="mia@example.com", email_verified=True)
    headers = {"Accept-Language": "pt-BR"}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert "Entrar com Single sign-on" in page
    back = sso.sign_in(go_to_provider(client), "mia")
    parts = urllib.parse.urlsplit(back)
    rv = client.get(f"{parts.path}?{parts.query}", headers=headers)
    assert rv.status_code == 403
    assert "Nenhuma conta" in rv.get_data(as_text=True)


def test_password_login_off_hides_the_form_and_refuses_passwords(app, client, auth, sso):
    account = auth.register(email="nico@example.com")
    app.config["PASSWORD_LOGIN"] = False
    page = client.get("/login").get_data(as_text=True)
    assert 'name="password"' not in page and "Sign in with" in page
    assert "Create an account" not in page and "Forgot your password" not in page
    rv = client.post("/login", data={"email": account.email, "password": account.password})
    assert rv.status_code == 403
    assert "turned off" in rv.get_data(as_text=True)
    for path in ("/signup", "/forgot", "/reset"):
        rv = client.get(path)
        assert rv.status_code == 403, path
        assert "Passwords are turned off here" in rv.get_data(as_text=True)
    pt = client.get("/forgot", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert "Senhas estão desativadas aqui" in pt
    # Single sign-on still signs in, and an account it made offers no password reset.
    sso.set_account("nico2", email="nico2@example.com", email_verified=True)
    assert sign_in(client, sso, "nico2").status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert 'id="no-password"' in page and "Mail me a link" not in page


def test_the_audit_log_keeps_the_way_in(app, client, auth, sso):
    auth.register(email="olga@example.com")
    sso.set_account("olga", email="olga@example.com", email_verified=True)
    assert sign_in(client, sso, "olga").status_code == 302
    with app.app_context():
        rows = {row.action: row for row in db.session.scalars(select(AuditEvent))}
    assert {"oidc.linked", "login.succeeded"} <= set(rows)
    assert json.loads(rows["login.succeeded"].details)["via"] == "oidc"


def test_failed_callbacks_are_throttled_per_address(app, client, sso):
    app.extensions["compartilha.throttle"][1]["oidc"] = Rate(2, 900)
    for _ in range(2):
        assert client.get("/auth/oidc/callback?state=forged&code=x").status_code == 400
    rv = client.get("/auth/oidc/callback?state=forged&code=x")
    assert rv.status_code == 429 and "Retry-After" in rv.headers
    assert "Too many attempts" in rv.get_data(as_text=True)


def test_a_disabled_account_is_not_linked(app, client, auth, sso):
    auth.register(email="paulo@example.com")
    with app.app_context():
        account = db.session.scalar(select(User))
        account.disabled_at = account.created_at
        db.session.commit()
    sso.set_account("paulo", email="paulo@example.com", email_verified=True)
    assert sign_in(client, sso, "paulo").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ExternalIdentity.id)) is None
