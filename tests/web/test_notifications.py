"""The notification pages: the header's unread count, the list and marking read, the
webhook settings (secret shown once, private URLs refused, the log), a link's toggle."""

from __future__ import annotations

import re

from compartilha.extensions import db
from compartilha.models import Share, User
from compartilha.services import notifications, webhooks


def _notify(app, email: str, kind: str = "share.used_up", **data) -> int:
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        return notifications.add(user.id, kind, {"share_id": 1, "file_name": "relatório.pdf",
                                                 **data}).id


def test_the_header_counts_unread_and_the_list_marks_read(app, client, pages):
    account = pages.login()
    assert "count-badge" not in client.get("/files").get_data(as_text=True)
    first = _notify(app, account.email, "share.downloaded", user_name="Bia")
    _notify(app, account.email, "share.expiring")
    html = client.get("/files").get_data(as_text=True)
    assert re.search(r'class="count-badge">2<', html)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Bia baixou “relatório.pdf”." in page
    assert "Seu link para “relatório.pdf” expira em menos de um dia." in page
    rv = client.post("/notifications/read", data={"csrf_token": pages.csrf(), "id": first})
    assert rv.status_code == 302
    assert re.search(r'class="count-badge">1<', client.get("/files").get_data(as_text=True))
    client.post("/notifications/read", data={"csrf_token": pages.csrf()})
    assert "count-badge" not in client.get("/notifications").get_data(as_text=True)


def test_marking_read_needs_csrf(app, client, pages):
    account = pages.login()
    _notify(app, account.email)
    assert client.post("/notifications/read", data={}).status_code == 403


def test_settings_add_shows_the_secret_once_refuses_private_urls_and_removes(app, client,
                                                                            pages):
    pages.login()
    rv = client.post("/settings/webhooks", data={"csrf_token": pages.csrf(),
                                                 "url": "http://127.0.0.1:9/hook"})
    assert rv.status_code == 422
    assert "A URL aponta para um endereço privado ou local." in rv.get_data(as_text=True)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    rv = client.post("/settings/webhooks", data={
        "csrf_token": pages.csrf(), "url": "http://127.0.0.1:9/hook",
        "events": ["share.created", "file.uploaded"]})
    assert rv.status_code == 201
    with app.app_context():
        [hook] = db.session.query(webhooks.Webhook).all()
        secret, hook_id = hook.secret, hook.id
    assert secret in rv.get_data(as_text=True)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "http://127.0.0.1:9/hook" in page and secret not in page
    assert "share.created, file.uploaded" in page
    rv = client.post(f"/settings/webhooks/{hook_id}/delete", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    assert "Nenhum webhook ainda." in client.get("/settings/notifications").get_data(
        as_text=True)


def test_the_delivery_log_shows_on_the_settings_page(app, client, pages):
    account = pages.login()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with app.app_context():
        user = db.session.query(User).filter_by(email=account.email).one()
        webhooks.create(user.id, "http://127.0.0.1:9/closed")
        [delivery_id] = webhooks.prepare(user.id, "share.revoked", {})
        webhooks.attempt(delivery_id)  # nothing listens on port 9 (discard): refused
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "share.revoked" in page and "ConnectionRefusedError" in page
    assert f"tentativas: 1 de {webhooks.MAX_ATTEMPTS}" in page


def test_a_links_download_emails_are_turned_on_and_off(app, client, pages, auth):
    account = pages.login()
    auth.login(account)
    share = auth.share(account, auth.file(account)["id"])
    assert "Enviar-me e-mail a cada download" in client.get("/links").get_data(as_text=True)
    rv = client.post(f"/links/{share['id']}/notify", data={"csrf_token": pages.csrf(),
                                                           "notify": "1"})
    assert rv.status_code == 302
    with app.app_context():
        assert db.session.get(Share, share["id"]).notify_on_download is True
    assert "Parar e-mails de download" in client.get("/links").get_data(as_text=True)
    client.post(f"/links/{share['id']}/notify", data={"csrf_token": pages.csrf(),
                                                      "notify": "0"})
    with app.app_context():
        assert db.session.get(Share, share["id"]).notify_on_download is False
