"""The passkeys API: add, list, rename and remove mine; sign in with one; the error paths
(a bad or reused challenge, an unknown credential, another account's passkey)."""

from __future__ import annotations

from compartilha.extensions import db
from compartilha.models import Session
from compartilha.services import challenges
from tests.webauthn_device import Device


def added(client, account, device: Device, name: str | None = None):
    made = client.post("/api/v1/me/passkeys/options", headers=account.headers).get_json()
    return client.post("/api/v1/me/passkeys", headers=account.headers, json={
        "challenge": made["challenge"], "credential": device.create(made["options"]),
        "name": name})


def signed_in(client, device: Device, **extra):
    made = client.post("/api/v1/auth/passkeys/options", json=extra).get_json()
    return client.post("/api/v1/auth/passkeys/login", json={
        "challenge": made["challenge"], "credential": device.get(made["options"]), **extra})


def test_add_list_rename_remove(client, auth):
    account = auth.user()
    first = added(client, account, Device(), "Notebook")
    assert first.status_code == 201, first.get_json()
    passkey = first.get_json()["passkey"]
    assert (passkey["name"], passkey["transports"], passkey["last_used_at"]) == (
        "Notebook", ["internal"], None)
    assert added(client, account, Device()).get_json()["passkey"]["name"] == "Passkey 1"
    listed = client.get("/api/v1/me/passkeys", headers=account.headers).get_json()
    assert [p["name"] for p in listed["passkeys"]] == ["Notebook", "Passkey 1"]
    renamed = client.patch(f"/api/v1/me/passkeys/{passkey['id']}", headers=account.headers,
                           json={"name": "Trabalho"})
    assert renamed.get_json()["passkey"]["name"] == "Trabalho"
    assert client.delete(f"/api/v1/me/passkeys/{passkey['id']}",
                         headers=account.headers).status_code == 204
    listed = client.get("/api/v1/me/passkeys", headers=account.headers).get_json()
    assert [p["name"] for p in listed["passkeys"]] == ["Passkey 1"]


def test_creation_options_are_what_the_browser_parses(client, auth):
    account = auth.user()
    made = client.post("/api/v1/me/passkeys/options", headers=account.headers).get_json()
    options = made["options"]
    assert options["rp"]["id"] == "localhost" and options["challenge"]
    assert options["user"]["name"] == account.email and options["user"]["id"]
    assert {p["alg"] for p in options["pubKeyCredParams"]} >= {-7, -257}


def test_bad_and_reused_challenges_are_refused(client, auth):
    account = auth.user()
    device = Device()
    made = client.post("/api/v1/me/passkeys/options", headers=account.headers).get_json()
    credential = device.create(made["options"])
    bad = client.post("/api/v1/me/passkeys", headers=account.headers,
                      json={"challenge": "not-one-of-ours", "credential": credential})
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (404, "challenge_invalid")
    ok = client.post("/api/v1/me/passkeys", headers=account.headers,
                     json={"challenge": made["challenge"], "credential": credential})
    assert ok.status_code == 201
    again = client.post("/api/v1/me/passkeys", headers=account.headers,
                        json={"challenge": made["challenge"], "credential": credential})
    assert (again.status_code, again.get_json()["error"]["code"]) == (404, "challenge_invalid")
    login = client.post("/api/v1/auth/passkeys/options", json={}).get_json()
    answer = {"challenge": login["challenge"], "credential": device.get(login["options"])}
    assert client.post("/api/v1/auth/passkeys/login", json=answer).status_code == 200
    reused = client.post("/api/v1/auth/passkeys/login", json=answer)
    assert (reused.status_code, reused.get_json()["error"]["code"]) == (404, "challenge_invalid")


def test_a_garbled_credential_is_rejected(client, auth):
    account = auth.user()
    made = client.post("/api/v1/me/passkeys/options", headers=account.headers).get_json()
    rv = client.post("/api/v1/me/passkeys", headers=account.headers,
                     json={"challenge": made["challenge"], "credential": {"id": "x"}})
    assert (rv.status_code, rv.get_json()["error"]["code"]) == (403, "passkey_rejected")


def test_sign_in_with_a_passkey_sets_the_session(client, auth, app):
    account = auth.user()
    device = Device()
    added(client, account, device)
    rv = signed_in(client, device)
    assert rv.status_code == 200, rv.get_json()
    body = rv.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert "compartilha_session" in rv.headers.get("Set-Cookie", "")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["user"]["email"] == account.email
    with app.app_context():
        assert db.session.query(Session.method).order_by(Session.created_at.desc(),
                                                         Session.jti).all().count(("passkey",)) == 1


def test_unknown_credential_answers_as_a_wrong_password(client):
    rv = signed_in(client, Device())
    wrong = client.post("/api/v1/auth/login", json={"email": "no@example.com",
                                                    "password": "nothing at all"})
    assert rv.status_code == 401
    assert rv.get_json()["error"] == wrong.get_json()["error"]


def test_another_users_passkey_id_is_not_found(client, auth):
    ana, bia = auth.user(), auth.user(name="Bia")
    theirs = added(client, bia, Device()).get_json()["passkey"]
    for rv in (client.patch(f"/api/v1/me/passkeys/{theirs['id']}", headers=ana.headers,
                            json={"name": "mine"}),
               client.delete(f"/api/v1/me/passkeys/{theirs['id']}", headers=ana.headers)):
        assert (rv.status_code, rv.get_json()["error"]["code"]) == (404, "passkey_not_found")
    assert len(client.get("/api/v1/me/passkeys", headers=bia.headers)
               .get_json()["passkeys"]) == 1


def test_as_the_second_step_with_an_mfa_token(client, auth, app):
    account = auth.user()
    device = Device(verifies=False)  # a security key without a PIN
    added(client, account, device)
    alone = signed_in(client, device)
    assert (alone.status_code, alone.get_json()["error"]["code"]) == (
        403, "user_verification_required")
    with app.app_context():
        user_id = db.session.query(Session.user_id).first()[0]
        token = challenges.issue("mfa", 300, user_id)
    assert signed_in(client, device, mfa_token=token).status_code == 200
    again = client.post("/api/v1/auth/passkeys/options", json={"mfa_token": token})
    assert (again.status_code, again.get_json()["error"]["code"]) == (401, "mfa_token_invalid")


def test_sign_in_attempts_are_throttled_per_client(client, app):
    app.config["RATELIMIT_LOGIN_CLIENT"] = "2 per 15 minutes"
    app.extensions["compartilha.throttle"][1]["login-client"] = type(
        app.extensions["compartilha.throttle"][1]["login-client"])(2, 900)
    codes = [signed_in(client, Device()).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_added_removed_and_passkey_sign_ins_are_audited(client, auth):
    admin = auth.user()  # the first account is the admin
    device = Device()
    key = added(client, admin, device).get_json()["passkey"]
    assert signed_in(client, device).status_code == 200
    assert signed_in(client, Device()).status_code == 401
    client.delete(f"/api/v1/me/passkeys/{key['id']}", headers=admin.headers)
    events = client.get("/api/v1/admin/audit", headers=admin.headers).get_json()["events"]
    seen = {(e["action"], e["target"]) for e in events}
    assert {("passkey.added", f"passkey:{key['id']}"),
            ("passkey.removed", f"passkey:{key['id']}")} <= seen
    vias = [e["details"] for e in events if e["action"].startswith("login.")]
    assert any('"via": "passkey"' in (d or "") for d in vias)
    assert not any(device.credential_id.hex() in str(e) for e in events)
