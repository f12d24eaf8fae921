"""What one listing request asks of the database (issue 14: the per-request cost)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from compartilha.extensions import db


@contextmanager
def statements(app):
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:  # noqa: ARG001
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_listing_is_two_statements_session_with_user_and_the_page(app, client, auth):
    account = auth.user()
    for i in range(3):
        auth.file(account, f"{i}".encode(), f"f{i}.txt")
    with statements(app) as seen:
        rv = client.get("/api/v1/files?per_page=10", headers=account.headers)
    assert rv.status_code == 200
    assert rv.get_json()["pagination"] == {"page": 1, "per_page": 10, "total": 3, "pages": 1}
    # one for the session and its user (a join), one for the page; the count is not
    # needed when the page is the last one
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 2, seen
    assert not [s for s in seen if not s.lstrip().upper().startswith(("SELECT", "BEGIN",
                                                                         "COMMIT", "ROLLBACK"))]


def selects(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def test_a_page_ending_at_the_last_file_is_not_counted(app, client, auth):
    # the benchmark's case: 100 files, 100 per page
    account = auth.user()
    for i in range(3):
        auth.file(account, f"{i}".encode(), f"f{i}.txt")
    with statements(app) as seen:
        body = client.get("/api/v1/files?per_page=3", headers=account.headers).get_json()
    assert [f["name"] for f in body["files"]] == ["f2.txt", "f1.txt", "f0.txt"]
    assert body["pagination"] == {"page": 1, "per_page": 3, "total": 3, "pages": 1}
    assert len(selects(seen)) == 2, seen
    assert not [s for s in seen if "count(" in s.lower()], seen


def test_a_share_page_is_the_counter_peek_the_branding_and_one_lookup(app, client, auth):
    """The share, its file and its owner's name come in one statement; with the peek at
    the client's share-miss counter (issue 14) and the instance's branding (one read of
    the settings an admin changed, issue 18: never cached, so a change shows at once on
    every server), an anonymous view makes three."""
    account = auth.user(name="Owner Person")
    share = auth.share(account, auth.file(account)["id"])
    anonymous = app.test_client()
    with statements(app) as seen:
        rv = anonymous.get(f"/s/{share['token']}")
    assert rv.status_code == 200
    assert "Owner Person" in rv.get_data(as_text=True)
    assert len(selects(seen)) == 3, seen
    assert len([s for s in selects(seen) if "configuracoes" in s]) == 1, seen
    assert not [s for s in seen if not s.lstrip().upper().startswith(("SELECT", "BEGIN",
                                                                         "COMMIT", "ROLLBACK"))]
    # a signed-in viewer adds the session lookup and the header's unread-notification
    # count, nothing more
    viewer = auth.user()
    with statements(app) as seen:
        rv = client.get(f"/s/{share['token']}", headers=viewer.headers)
    assert rv.status_code == 200
    assert len(selects(seen)) == 5, seen
    assert any("notificacoes" in s for s in selects(seen)), seen


@pytest.mark.parametrize(("query", "names", "total"), [
    ("per_page=2", ["f4.txt", "f3.txt"], 5),  # a full page: counted
    ("per_page=5", ["f4.txt", "f3.txt", "f2.txt", "f1.txt", "f0.txt"], 5),  # full, last
    ("per_page=2&page=3", ["f0.txt"], 5),  # the short last page: offset + rows
    ("per_page=2&page=4", [], 5),  # beyond the end: counted
    ("per_page=10", ["f4.txt", "f3.txt", "f2.txt", "f1.txt", "f0.txt"], 5),
])
def test_listing_total_on_every_kind_of_page(client, auth, query, names, total):
    account = auth.user()
    other = auth.user()
    auth.file(other, b"x", "theirs.txt")
    for i in range(5):
        auth.file(account, f"{i}".encode(), f"f{i}.txt")
    body = client.get(f"/api/v1/files?{query}", headers=account.headers).get_json()
    assert [f["name"] for f in body["files"]] == names
    assert body["pagination"]["total"] == total


def test_listing_of_no_files_counts_zero(client, auth):
    account = auth.user()
    body = client.get("/api/v1/files", headers=account.headers).get_json()
    assert body == {"files": [], "pagination": {"page": 1, "per_page": body["pagination"][
        "per_page"], "total": 0, "pages": 0}}


def test_an_ended_session_is_refused_by_the_joined_lookup(client, auth):
    account = auth.user()
    rv = client.post("/api/v1/auth/logout", headers=account.headers)
    assert rv.status_code in (200, 204)
    rv = client.get("/api/v1/files", headers=account.headers)
    assert rv.status_code == 401
