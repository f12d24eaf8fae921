"""Share options over HTTP: expiry, limits, passwords, recipients, receipts, housekeeping."""

from datetime import UTC, datetime, timedelta

import pytest

from compartilha.extensions import db
from compartilha.models import Share
from tests.helpers import error_code

BIG = bytes(range(256)) * 2400  # 600 KiB: several chunks, under the 1 MiB test limit


def future(**delta) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@pytest.fixture
def owner(auth):
    account = auth.user(name="Dona")
    account.file = auth.upload(account, BIG, "grande.bin").get_json()["file"]
    return account


def make_share(client, owner, **options):
    rv = client.post(f"/api/v1/files/{owner.file['id']}/shares", headers=owner.headers,
                     json=options)
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["share"]


def set_share(app, share_id, **values):
    with app.app_context():
        share = db.session.get(Share, share_id)
        for key, value in values.items():
            setattr(share, key, value)
        db.session.commit()


def shares_of(client, owner):
    return client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"]


def test_create_with_every_option(client, auth, owner):
    auth.register(email="bia@example.com")
    share = make_share(client, owner, expires_at=future(days=2), max_downloads=3,
                       password="abre-te", recipient_email="BIA@example.com")
    assert share["max_downloads"] == 3 and share["download_count"] == 0
    assert share["has_password"] is True and "password" not in share
    assert share["recipient_email"] == "bia@example.com"
    assert share["expires_at"] is not None and share["state"] == "active"
    assert share["last_download_at"] is None


@pytest.mark.parametrize(("options", "field"), [
    ({"expires_at": "2020-01-01T00:00:00+00:00"}, "expires_at"),
    ({"expires_at": "2999-01-01T00:00:00"}, "expires_at"),  # no time zone
    ({"expires_at": "amanhã"}, "expires_at"),
    ({"expires_at": "2999-01-01T00:00:00+00:00"}, "expires_at"),  # beyond SHARE_MAX_DAYS
    ({"max_downloads": 0}, "max_downloads"),
    ({"max_downloads": -3}, "max_downloads"),
    ({"max_downloads": "3"}, "max_downloads"),
    ({"max_downloads": 2.5}, "max_downloads"),
    ({"password": "abc"}, "password"),
    ({"password": 1234}, "password"),
    ({"recipient_email": "not-an-email"}, "recipient_email"),
    ({"recipient_email": "a@b.c\r\nBcc: x@y.z"}, "recipient_email"),
    ({"unknown_option": 1}, "unknown_option"),
    ({"max_downloads": 1.5}, "max_downloads"),
    ({"max_downloads": True}, "max_downloads"),
])
def test_invalid_option_is_422_naming_the_field_and_creates_nothing(client, owner, options,
                                                                    field):
    rv = client.post(f"/api/v1/files/{owner.file['id']}/shares", headers=owner.headers,
                     json=options)
    assert rv.status_code == 422
    assert error_code(rv) == "invalid_field"
    assert rv.get_json()["error"]["field"] == field
    assert shares_of(client, owner) == []


def test_an_integral_float_is_a_download_limit(client, owner):
    """JSON Schema's `integer` includes 111.0, and so do generated clients' numbers."""
    assert make_share(client, owner, max_downloads=111.0)["max_downloads"] == 111


def test_expired_link_is_410_everywhere(app, client, owner):
    share = make_share(client, owner, expires_at=future(hours=1))
    set_share(app, share["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    token = share["token"]
    page = client.get(f"/s/{token}")
    assert page.status_code == 410 and page.mimetype == "text/html"
    assert client.get(f"/s/{token}/download").status_code == 410
    assert client.get(f"/s/{token}/download", headers={"Range": "bytes=0-9"}).status_code == 410
    api = client.get(f"/s/{token}/download", headers={"Accept": "application/json"})
    assert api.status_code == 410 and error_code(api) == "share_expired"
    assert shares_of(client, owner)[0]["state"] == "expired"


def test_download_limit_counts_and_then_410(client, owner):
    share = make_share(client, owner, max_downloads=2)
    token = share["token"]
    for _ in range(3):  # page views (and preview bots) burn nothing
        assert client.get(f"/s/{token}").status_code == 200
    for n in (1, 2):
        rv = client.get(f"/s/{token}/download", follow_redirects=True)
        assert rv.status_code == 200 and rv.data == BIG
        assert shares_of(client, owner)[0]["download_count"] == n
    gone = client.get(f"/s/{token}/download", headers={"Accept": "application/json"})
    assert gone.status_code == 410 and error_code(gone) == "share_used_up"
    assert client.get(f"/s/{token}").status_code == 410
    listed = shares_of(client, owner)[0]
    assert listed["state"] == "used_up" and listed["last_download_at"] is not None


def test_a_limited_link_hands_out_a_ticket_that_resumes_with_ranges(app, client, owner):
    """Ranges on a limited link go to one download's ticket: they resume it, and it counts
    once, when its last byte has been sent; meanwhile the slot is nobody else's (503
    `share_busy` with Retry-After, not 410: the link is not gone)."""
    share = make_share(client, owner, max_downloads=1)
    url = f"/s/{share['token']}/download"
    first = client.get(url)
    assert first.status_code == 302 and "/d/" in first.headers["Location"]
    ticket = first.headers["Location"]
    rv = client.get(ticket, headers={"Range": "bytes=0-9"})
    assert rv.status_code == 206 and rv.data == BIG[:10]
    assert shares_of(client, owner)[0]["download_count"] == 0
    busy = app.test_client().get(url, headers={"Accept": "application/json"})
    assert busy.status_code == 503 and error_code(busy) == "share_busy"
    assert 1 <= int(busy.headers["Retry-After"]) <= 60
    # Back on the link with the ticket's cookie: the same ticket, not another slot.
    again = client.get(url, headers={"Range": "bytes=10-"})
    assert again.status_code == 302 and again.headers["Location"] == ticket
    rv = client.get(ticket, headers={"Range": "bytes=10-"})
    assert rv.status_code == 206 and rv.data == BIG[10:]
    listed = shares_of(client, owner)[0]
    assert listed["download_count"] == 1 and listed["state"] == "used_up"
    accesses = client.get(f"/api/v1/shares/{share['id']}/accesses",
                          headers=owner.headers).get_json()["accesses"]
    assert len(accesses) == 1 and accesses[0]["completed"] is True
    assert accesses[0]["bytes_sent"] == len(BIG)
    # Sent is not received (kernel buffers): a completed ticket still resumes what a cut
    # may have lost, never counting again, but not a copy's worth more in all; then the
    # used-up link says 410.
    for _ in range(2):
        rv = client.get(ticket, headers={"Range": "bytes=10-"})
        assert rv.status_code == 206 and rv.data == BIG[10:]
    assert shares_of(client, owner)[0]["download_count"] == 1
    for headers in ({"Range": "bytes=10-"}, {}):
        rv = client.get(ticket, headers=headers, follow_redirects=True)
        assert rv.status_code == 410
    assert app.test_client().get(url, headers={"Range": "bytes=10-"}).status_code == 410


def test_a_forged_or_ended_ticket_starts_over_on_the_link(client, owner):
    share = make_share(client, owner, max_downloads=2)
    rv = client.get(f"/s/{share['token']}/d/WzEsMV0.forged")
    assert rv.status_code == 302 and rv.headers["Location"].endswith("/download")
    assert shares_of(client, owner)[0]["download_count"] == 0


def test_range_ending_before_the_last_byte_does_not_count(client, owner):
    share = make_share(client, owner)
    url = f"/s/{share['token']}/download"
    rv = client.get(url, headers={"Range": "bytes=0-99"})
    assert rv.status_code == 206 and rv.data == BIG[:100]
    assert shares_of(client, owner)[0]["download_count"] == 0
    rv = client.get(url, headers={"Range": f"bytes=100-{len(BIG) - 1}"})
    assert rv.status_code == 206 and rv.data == BIG[100:]
    assert shares_of(client, owner)[0]["download_count"] == 1


def test_dropped_connection_does_not_count_and_keeps_its_slot_for_resuming(app, client,
                                                                           owner):
    share = make_share(client, owner, max_downloads=1)
    rv = client.get(f"/s/{share['token']}/download", buffered=False, follow_redirects=True)
    assert rv.status_code == 200
    first = next(iter(rv.response))
    assert 0 < len(first) < len(BIG)
    rv.close()  # the client went away mid-transfer
    listed = shares_of(client, owner)[0]
    assert listed["download_count"] == 0 and listed["state"] == "active"
    accesses = client.get(f"/api/v1/shares/{share['id']}/accesses",
                          headers=owner.headers).get_json()["accesses"]
    assert accesses[0]["completed"] is None  # held for its resumption
    sent = accesses[0]["bytes_sent"]
    assert 0 < sent < len(BIG)
    assert app.test_client().get(f"/s/{share['token']}/download").status_code == 503
    # the same client resumes where it was cut, without another slot
    rv = client.get(f"/s/{share['token']}/download", headers={"Range": f"bytes={sent}-"},
                    follow_redirects=True)
    assert rv.status_code == 206 and rv.data == BIG[sent:]
    assert shares_of(client, owner)[0]["download_count"] == 1


def test_an_abandoned_ticket_gives_its_slot_back_uncounted(app, client, owner):
    share = make_share(client, owner, max_downloads=1)
    rv = client.get(f"/s/{share['token']}/download", buffered=False, follow_redirects=True)
    next(iter(rv.response))
    rv.close()
    other = app.test_client()
    assert other.get(f"/s/{share['token']}/download").status_code == 503
    from compartilha.models import Access

    with app.app_context():
        access = db.session.query(Access).one()
        access.held_until = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    ok = other.get(f"/s/{share['token']}/download", follow_redirects=True)
    assert ok.status_code == 200 and ok.data == BIG
    listed = shares_of(client, owner)[0]
    assert listed["download_count"] == 1 and listed["state"] == "used_up"


def test_password_link(app):
    client = app.test_client()
    from tests.helpers import AuthActions

    auth = AuthActions(client)
    account = auth.user()
    meta = auth.upload(account, b"segredo", "s.txt").get_json()["file"]
    share = client.post(f"/api/v1/files/{meta['id']}/shares", headers=account.headers,
                        json={"password": "abre-te sesamo"}).get_json()["share"]
    url = f"/s/{share['token']}/download"
    visitor = app.test_client()
    page = visitor.get(f"/s/{share['token']}")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    assert visitor.get(url).status_code == 401
    assert visitor.get(f"{url}?password=abre-te%20sesamo").status_code == 401  # never by query
    assert visitor.post(url, data={}).status_code == 401
    wrong = visitor.post(url, data={"password": "errada"}, headers={"Accept": "application/json"})
    assert wrong.status_code == 401 and error_code(wrong) == "wrong_share_password"
    rv = visitor.post(url, data={"password": "abre-te sesamo"})
    assert rv.status_code == 200 and rv.get_data() == b"segredo"
    rv.close()
    # remembered briefly, for this link only, by a signed cookie
    again = visitor.get(url)
    assert again.status_code == 200 and again.get_data() == b"segredo"
    again.close()
    assert app.test_client().get(url).status_code == 401


def test_password_guessing_is_throttled_per_client(client, owner):
    share = make_share(client, owner, password="abre-te sesamo")
    url = f"/s/{share['token']}/download"
    for _ in range(10):
        assert client.post(url, data={"password": "guess"}).status_code == 401
    blocked = client.post(url, data={"password": "abre-te sesamo"},
                          headers={"Accept": "application/json"})
    assert blocked.status_code == 429
    assert error_code(blocked) == "too_many_requests"
    assert int(blocked.headers["Retry-After"]) > 0
    # another client is not locked out by this one
    other = client.post(url, data={"password": "abre-te sesamo"},
                        environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200


def test_recipient_link_needs_that_verified_users_session(app, client, auth, owner, verified):
    share = make_share(client, owner, recipient_email="Later@Example.com")
    token = share["token"]
    anonymous = app.test_client()
    page = anonymous.get(f"/s/{token}")  # asks for the address, says nothing of the file
    assert page.status_code == 200 and "grande.bin" not in page.get_data(as_text=True)
    assert anonymous.get(f"/s/{token}/download").status_code == 404
    stranger = auth.user(email="stranger@example.com")
    verified.add("stranger@example.com")
    assert client.get(f"/s/{token}/download", headers=stranger.headers).status_code == 404
    # the recipient registers after the link was made, with another case: once the
    # address is verified, the link opens
    later = auth.user(email="later@EXAMPLE.com")
    assert client.get(f"/s/{token}/download", headers=later.headers).status_code == 404
    verified.add("later@example.com")
    assert client.get(f"/s/{token}", headers=later.headers).status_code == 200
    rv = client.get(f"/s/{token}/download", headers=later.headers)
    assert rv.status_code == 200 and rv.data == BIG
    # by the HttpOnly cookie too
    browser = app.test_client()
    browser.post("/api/v1/auth/login", json={"email": later.email, "password": later.password})
    assert browser.get(f"/s/{token}").status_code == 200
    accesses = client.get(f"/api/v1/shares/{share['id']}/accesses",
                          headers=owner.headers).get_json()["accesses"]
    assert accesses[0]["user_name"] == "Ana" and accesses[0]["completed"] is True


def test_receipts_are_for_the_owner_only(app, client, auth, owner):
    share = make_share(client, owner)
    rv = app.test_client().get(f"/s/{share['token']}/download",
                    environ_overrides={"HTTP_USER_AGENT": "curl/8 \x1b[31m\r\nX: 1"})
    assert rv.status_code == 200
    accesses = client.get(f"/api/v1/shares/{share['id']}/accesses",
                          headers=owner.headers).get_json()["accesses"]
    assert len(accesses) == 1
    entry = accesses[0]
    assert entry["user_id"] is None and entry["ip"] == "127.0.0.1"
    assert entry["bytes_sent"] == len(BIG) and entry["completed"] is True
    assert entry["user_agent"] == "curl/8 [31mX: 1"  # control characters removed
    other = auth.user()
    rv = client.get(f"/api/v1/shares/{share['id']}/accesses", headers=other.headers)
    assert rv.status_code == 404


def test_shared_with_me_lists_active_shares_addressed_to_me(app, client, auth, owner,
                                                            verified):
    bia = auth.user(email="bia@example.com")
    verified.add("bia@example.com")
    active = make_share(client, owner, recipient_email="bia@example.com")
    revoked = make_share(client, owner, recipient_email="bia@example.com")
    expired = make_share(client, owner, recipient_email="bia@example.com",
                         expires_at=future(hours=1))
    make_share(client, owner, recipient_email="someone@example.com")
    client.delete(f"/api/v1/shares/{revoked['id']}", headers=owner.headers)
    set_share(app, expired["id"], expires_at=datetime.now(UTC) - timedelta(minutes=1))
    listed = client.get("/api/v1/shared-with-me", headers=bia.headers).get_json()["shares"]
    assert [s["id"] for s in listed] == [active["id"]]
    assert listed[0]["file_name"] == "grande.bin" and listed[0]["owner_name"] == "Dona"
    assert listed[0]["file_size"] == len(BIG) and listed[0]["file_type"]
    assert client.get("/api/v1/shared-with-me", headers=owner.headers).get_json()["shares"] == []


def test_housekeeping_purges_ended_links_after_retention(app, client, runner, owner):
    old = make_share(client, owner, expires_at=future(hours=1))
    recent = make_share(client, owner, expires_at=future(hours=1))
    live = make_share(client, owner)
    set_share(app, old["id"], expires_at=datetime.now(UTC) - timedelta(days=40))
    set_share(app, recent["id"], expires_at=datetime.now(UTC) - timedelta(days=1))
    result = runner.invoke(args=["cleanup", "--share-retention-days", "30"])
    assert result.exit_code == 0 and "purged 1 ended share links" in result.output
    ids = {s["id"] for s in shares_of(client, owner)}
    assert ids == {recent["id"], live["id"]}
    assert client.get(f"/s/{old['token']}").status_code == 404
    assert client.get(f"/s/{recent['token']}").status_code == 410


def test_housekeeping_releases_slots_of_downloads_that_never_finished(app, client, runner,
                                                                      owner):
    share = make_share(client, owner, max_downloads=1)
    rv = client.get(f"/s/{share['token']}/download", buffered=False, follow_redirects=True)
    next(iter(rv.response))  # a worker dies here: close() never runs
    client = app.test_client()
    assert client.get(f"/s/{share['token']}/download").status_code == 503
    from compartilha.models import Access

    with app.app_context():
        access = db.session.query(Access).one()
        access.held_until = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["cleanup"])
    assert "released 1 stale download slots" in result.output
    ok = client.get(f"/s/{share['token']}/download", follow_redirects=True)
    assert ok.status_code == 200 and ok.data == BIG
    rv.close()  # only to free the test's file handle


def test_revoke_or_delete_never_leaves_a_usable_link(client, owner):
    share = make_share(client, owner, password="abre-te sesamo")
    client.delete(f"/api/v1/shares/{share['id']}", headers=owner.headers)
    url = f"/s/{share['token']}/download"
    assert client.post(url, data={"password": "abre-te sesamo"}).status_code == 410
    other = make_share(client, owner)
    client.delete(f"/api/v1/files/{owner.file['id']}", headers=owner.headers)
    assert client.get(f"/s/{other['token']}/download").status_code == 404


def test_openapi_describes_share_controls(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/v1/shares/{share_id}/accesses" in paths
    assert "/api/v1/shared-with-me" in paths
    body = paths["/api/v1/files/{file_id}/shares"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    props = spec["components"]["schemas"][ref]["properties"]
    assert {"expires_at", "max_downloads", "password", "recipient_email"} <= set(props)
