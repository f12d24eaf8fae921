"""GET /notifications, POST /notifications/read, and a link's notify_on_download."""

from __future__ import annotations

import pytest

from compartilha.extensions import db
from compartilha.models import User
from compartilha.services import notifications


def _notify(app, email: str, kind: str = "share.downloaded") -> int:
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        return notifications.add(user.id, kind, {"share_id": 1, "file_name": "a.txt"}).id


def test_list_and_mark_read(app, client, auth):
    ana, bia = auth.user(), auth.user()
    first = _notify(app, ana.email)
    second = _notify(app, ana.email, "share.used_up")
    _notify(app, bia.email)
    got = client.get("/api/v1/notifications", headers=ana.headers).get_json()
    assert [n["id"] for n in got["notifications"]] == [second, first] and got["unread"] == 2
    assert got["notifications"][0]["data"]["file_name"] == "a.txt"
    assert got["notifications"][0]["read_at"] is None
    rv = client.post("/api/v1/notifications/read", headers=ana.headers, json={"ids": [first]})
    assert rv.get_json() == {"unread": 1}
    unread = client.get("/api/v1/notifications?unread=true", headers=ana.headers).get_json()
    assert [n["id"] for n in unread["notifications"]] == [second]
    assert client.post("/api/v1/notifications/read", headers=ana.headers,
                       json={}).get_json() == {"unread": 0}
    assert client.get("/api/v1/notifications", headers=bia.headers).get_json()["unread"] == 1
    assert app.test_client().get("/api/v1/notifications").status_code == 401  # no cookie


def test_notify_on_download_is_an_option_of_the_link(client, auth):
    ana = auth.user()
    file_id = auth.file(ana)["id"]
    assert auth.share(ana, file_id)["notify_on_download"] is False
    share = auth.share(ana, file_id, notify_on_download=True)
    assert share["notify_on_download"] is True
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers,
                      json={"notify_on_download": False})
    assert rv.status_code == 200 and rv.get_json()["share"]["notify_on_download"] is False
    assert rv.get_json()["share"]["token"] == share["token"]
    other = auth.user()
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=other.headers,
                      json={"notify_on_download": True})
    assert rv.status_code == 404


@pytest.mark.parametrize("ids", [[10**40], [0], [-1]])
def test_ids_beyond_a_row_id_are_refused(client, auth, ids):
    ana = auth.user()
    rv = client.post("/api/v1/notifications/read", headers=ana.headers, json={"ids": ids})
    assert rv.status_code == 422, rv.get_json()
