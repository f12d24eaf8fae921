"""Sharing by email: one personal link per recipient, and the one-time codes with which
a recipient without an account opens theirs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from compartilha.extensions import db
from compartilha.models import RecipientCode
from compartilha.models.columns import utcnow
from tests.helpers import error_code
from tests.mailbox import outbox

LINK = re.compile(r"/s/([A-Za-z0-9_-]{43})")
CODE = re.compile(r"\b(\d{6})\b")


def mailed(app) -> list[tuple[str, str]]:
    """(recipient, subject and text) of every mail sent so far (the outbox: no MAIL_URL)."""
    return [(str(m["To"]), f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}")
            for m in outbox(app)]


@pytest.fixture
def owner(app, auth, verified):
    account = auth.user(name="Dona")
    verified.add(account.email)  # links are mailed only from a verified address
    account.file = auth.file(account, b"para voces", "carta.txt")
    for sent in (Path(app.instance_path) / "outbox").glob("*.eml"):
        sent.unlink()  # the sign-up's verification mail: each test counts its own
    return account


def send(client, owner, recipients, **options):
    rv = client.post(f"/api/v1/files/{owner.file['id']}/shares", headers=owner.headers,
                     json={"recipients": recipients, **options})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["shares"]


def code_for(app, address: str) -> str:
    """The code of the newest code mail to `address` (its subject ends with it)."""
    codes = [CODE.fullmatch(text.partition("\n")[0][-6:]) for to, text in mailed(app)
             if to == address]
    codes = [match[1] for match in codes if match]
    assert codes, mailed(app)
    return codes[-1]


def prove(browser, token: str, address: str, app) -> None:
    asked = browser.post(f"/s/{token}", data={"email": address})
    assert asked.status_code == 200
    done = browser.post(f"/s/{token}", data={"email": address, "code": code_for(app, address)})
    assert done.status_code == 303, done.get_data(as_text=True)


def test_each_recipient_gets_a_link_of_their_own_by_mail(app, client, owner):
    links = send(client, owner, ["Bia@Example.com", "caio@example.com", "bia@example.COM"],
                 message="Segue a carta.\nAbraços", max_downloads=2)
    assert [link["recipient_email"] for link in links] == ["bia@example.com",
                                                           "caio@example.com"]
    assert len({link["token"] for link in links}) == 2
    assert all(link["message"] == "Segue a carta.\nAbraços" and link["max_downloads"] == 2
               for link in links)
    sent = mailed(app)
    assert sorted(to for to, _ in sent) == ["bia@example.com", "caio@example.com"]
    for link in links:
        [text] = [text for to, text in sent if to == link["recipient_email"]]
        assert LINK.findall(text) == [link["token"]] and "Segue a carta." in text
    listed = client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"]
    assert {s["id"] for s in listed} == {link["id"] for link in links}


def test_post_shares_takes_the_file_as_a_list(app, client, auth, owner):
    rv = client.post("/api/v1/shares", headers=owner.headers,
                     json={"file_ids": [owner.file["id"]], "recipients": ["bia@example.com"]})
    assert rv.status_code == 201
    assert [s["file_id"] for s in rv.get_json()["shares"]] == [owner.file["id"]]
    plain = client.post("/api/v1/shares", headers=owner.headers,
                        json={"file_ids": [owner.file["id"]], "message": "oi"})
    assert plain.status_code == 201 and plain.get_json()["share"]["message"] == "oi"
    other = auth.user()
    theirs = client.post("/api/v1/shares", headers=other.headers,
                         json={"file_ids": [owner.file["id"]], "recipients": ["x@example.com"]})
    assert theirs.status_code == 404
    for file_ids in ([], [owner.file["id"], owner.file["id"]], [10**40], [0]):
        rv = client.post("/api/v1/shares", headers=owner.headers, json={"file_ids": file_ids})
        assert rv.status_code == 422 and rv.get_json()["error"]["field"] == "file_ids"
    # the link went to bia, nothing to x@ (the other account got its verification mail)
    assert [to for to, _ in mailed(app) if to != other.email] == ["bia@example.com"]


@pytest.mark.parametrize("body", [
    {"recipients": ["not an email"]},
    {"recipients": []},
    {"recipients": [f"p{n}@example.com" for n in range(51)]},
    {"recipients": ["a@example.com"], "recipient_email": "b@example.com"},
    {"recipients": ["a@example.com\r\nBcc: x@example.com"]},
])
def test_recipients_are_checked_and_nothing_is_sent(app, client, owner, body):
    rv = client.post(f"/api/v1/files/{owner.file['id']}/shares", headers=owner.headers,
                     json=body)
    assert rv.status_code == 422 and error_code(rv) == "invalid_field"
    assert rv.get_json()["error"]["field"] == "recipients"
    assert mailed(app) == []
    assert client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"] == []


def test_an_unverified_owner_mails_no_link(app, client, auth):
    """A throwaway sign-up cannot make us mail anyone: 403 until its own address is proven;
    a link for one person (`recipient_email`, which sends nothing) is still allowed."""
    account = auth.user(name="Nova")
    made = auth.file(account, b"x", "x.txt")
    for url, body in ((f"/api/v1/files/{made['id']}/shares", {"recipients": ["bia@example.com"]}),
                      ("/api/v1/shares", {"file_ids": [made["id"]],
                                          "recipients": ["bia@example.com"]})):
        rv = client.post(url, headers=account.headers, json=body)
        assert rv.status_code == 403 and error_code(rv) == "email_unverified"
        assert rv.get_json()["error"]["field"] == "recipients"
    assert [to for to, _ in mailed(app) if to != account.email] == []
    assert client.get("/api/v1/shares", headers=account.headers).get_json()["shares"] == []
    rv = client.post(f"/api/v1/files/{made['id']}/shares", headers=account.headers,
                     json={"recipient_email": "bia@example.com"})
    assert rv.status_code == 201


def test_a_recipient_opens_their_link_with_a_mailed_code(app, client, owner):
    bia, caio = send(client, owner, ["bia@example.com", "caio@example.com"])
    browser = app.test_client()
    page = browser.get(f"/s/{bia['token']}")
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    assert "carta.txt" not in page.get_data(as_text=True)  # nothing before the proof
    for url in (f"/s/{bia['token']}/download", f"/s/{bia['token']}/preview"):
        rv = browser.get(url, headers={"Accept": "application/json"})
        assert rv.status_code == 404 and error_code(rv) == "recipient_required"
    # another address: the same answer, and no mail
    before = mailed(app)
    wrong = browser.post(f"/s/{bia['token']}", data={"email": "caio@example.com"})
    right = browser.post(f"/s/{bia['token']}", data={"email": "Bia@example.com"})
    assert wrong.status_code == right.status_code == 200
    assert 'name="code"' in wrong.get_data(as_text=True)
    assert [to for to, _ in mailed(app)[len(before):]] == ["bia@example.com"]
    code = code_for(app, "bia@example.com")
    miss = browser.post(f"/s/{bia['token']}", data={
        "email": "bia@example.com", "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert miss.status_code == 401
    done = browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com", "code": code})
    assert done.status_code == 303
    assert "carta.txt" in browser.get(f"/s/{bia['token']}").get_data(as_text=True)
    rv = browser.get(f"/s/{bia['token']}/download")
    assert rv.status_code == 200 and rv.data == b"para voces"
    # the code was single use, and the proof opens that link only
    again = app.test_client().post(f"/s/{bia['token']}",
                                   data={"email": "bia@example.com", "code": code})
    assert again.status_code == 401
    assert browser.get(f"/s/{caio['token']}/download").status_code == 404
    counts = {s["id"]: s["download_count"] for s in
              client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"]}
    assert counts == {bia["id"]: 1, caio["id"]: 0}


def test_revoking_one_recipient_leaves_the_others(app, client, owner):
    bia, caio = send(client, owner, ["bia@example.com", "caio@example.com"])
    assert client.delete(f"/api/v1/shares/{caio['id']}",
                         headers=owner.headers).status_code == 204
    stranger = app.test_client()
    assert stranger.get(f"/s/{caio['token']}").status_code == 410
    assert stranger.get(f"/s/{caio['token']}/download").status_code == 410
    browser = app.test_client()
    prove(browser, bia["token"], "bia@example.com", app)
    assert browser.get(f"/s/{bia['token']}/download").status_code == 200


def test_an_expired_or_superseded_code_does_not_open(app, client, owner):
    [bia] = send(client, owner, ["bia@example.com"])
    browser = app.test_client()
    browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com"})
    first = code_for(app, "bia@example.com")
    browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com"})
    second = code_for(app, "bia@example.com")
    if first != second:
        rv = browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com",
                                                      "code": first})
        assert rv.status_code == 401
    with app.app_context():
        for row in db.session.scalars(db.select(RecipientCode)):
            assert second not in row.code_hash  # stored as a keyed hash only
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    rv = browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com", "code": second})
    assert rv.status_code == 401
    assert browser.get(f"/s/{bia['token']}/download").status_code == 404


def test_codes_are_throttled_per_link_and_address(app, client, owner):
    [bia] = send(client, owner, ["bia@example.com"])
    browser = app.test_client()
    for _ in range(3):
        assert browser.post(f"/s/{bia['token']}",
                            data={"email": "bia@example.com"}).status_code == 200
    rv = browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com"})
    assert rv.status_code == 429 and int(rv.headers["Retry-After"]) > 0
    assert len(mailed(app)) == 1 + 3  # the link, then three codes
    # wrong codes: five per link and address, from any client
    for n in range(5):
        wrong = app.test_client().post(f"/s/{bia['token']}", data={
            "email": "bia@example.com", "code": "000000"},
            environ_base={"REMOTE_ADDR": f"127.0.0.{n + 2}"})
        assert wrong.status_code == 401
    code = code_for(app, "bia@example.com")
    blocked = browser.post(f"/s/{bia['token']}", data={"email": "bia@example.com",
                                                       "code": code})
    assert blocked.status_code == 429


def test_an_account_opens_a_link_for_its_address_once_verified(app, client, auth, owner,
                                                               verified):
    [bia] = send(client, owner, ["bia@example.com"])
    account = auth.user(email="Bia@Example.com")
    assert client.get(f"/s/{bia['token']}/download", headers=account.headers).status_code == 404
    assert client.get("/api/v1/shared-with-me", headers=account.headers).get_json() == {
        "shares": []}
    verified.add("bia@example.com")
    rv = client.get(f"/s/{bia['token']}/download", headers=account.headers)
    assert rv.status_code == 200 and rv.data == b"para voces"
    listed = client.get("/api/v1/shared-with-me", headers=account.headers).get_json()
    assert [s["id"] for s in listed["shares"]] == [bia["id"]]
    # the owner opens their own link too
    assert client.get(f"/s/{bia['token']}/download", headers=owner.headers).status_code == 200
