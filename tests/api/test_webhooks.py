"""POST/GET/DELETE /webhooks and the delivery log, through the API."""

from __future__ import annotations

import pytest

from compartilha.services import webhooks
from tests.helpers import error_code


@pytest.fixture
def private_ok(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True


def test_the_secret_is_shown_once_and_the_list_has_none(client, auth, private_ok):
    ana = auth.user()
    rv = client.post("/api/v1/webhooks", headers=ana.headers,
                     json={"url": "http://127.0.0.1:9/hook", "events": ["share.created"]})
    assert rv.status_code == 201, rv.get_json()
    created = rv.get_json()["webhook"]
    assert created["secret"].startswith("whsec_") and created["events"] == ["share.created"]
    listed = client.get("/api/v1/webhooks", headers=ana.headers).get_json()["webhooks"]
    assert [h["id"] for h in listed] == [created["id"]]
    assert "secret" not in listed[0] and listed[0]["last_delivery"] is None


def test_a_private_url_is_refused_by_default(client, auth):
    ana = auth.user()
    for url in ("http://127.0.0.1:9/hook", "http://localhost/", "http://[::1]/",
                "http://169.254.169.254/"):
        rv = client.post("/api/v1/webhooks", headers=ana.headers, json={"url": url})
        assert rv.status_code == 422 and rv.get_json()["error"]["field"] == "url", url
    rv = client.post("/api/v1/webhooks", headers=ana.headers,
                     json={"url": "http://127.0.0.1/", "events": ["share.exploded"]})
    assert rv.status_code == 422


def test_another_users_webhook_answers_404_and_delete_removes_it(client, auth, private_ok):
    ana, bia = auth.user(), auth.user()
    hook = client.post("/api/v1/webhooks", headers=ana.headers,
                       json={"url": "http://127.0.0.1:9/hook"}).get_json()["webhook"]
    for method, path in (("get", f"/api/v1/webhooks/{hook['id']}/deliveries"),
                         ("delete", f"/api/v1/webhooks/{hook['id']}")):
        rv = getattr(client, method)(path, headers=bia.headers)
        assert rv.status_code == 404 and error_code(rv) == "webhook_not_found"
    assert client.get(f"/api/v1/webhooks/{hook['id']}/deliveries",
                      headers=ana.headers).get_json() == {"deliveries": []}
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=ana.headers).status_code == 204
    assert client.get("/api/v1/webhooks", headers=ana.headers).get_json() == {"webhooks": []}


def test_webhooks_need_a_session(app):
    client = app.test_client()
    assert client.get("/api/v1/webhooks").status_code == 401
    assert client.post("/api/v1/webhooks", json={"url": "https://x.example/"}).status_code == 401


def test_at_most_max_per_user(client, auth, private_ok):
    ana = auth.user()
    for n in range(webhooks.MAX_PER_USER):
        assert client.post("/api/v1/webhooks", headers=ana.headers,
                           json={"url": f"http://127.0.0.1:9/{n}"}).status_code == 201
    rv = client.post("/api/v1/webhooks", headers=ana.headers, json={"url": "http://127.0.0.1/"})
    assert rv.status_code == 422
