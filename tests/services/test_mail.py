"""Mail (compartilha/services/mail.py): composed in the recipient's language, sent through
a real SMTP server (STARTTLS or TLS, with AUTH), or written to the outbox."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from compartilha import jobs
from compartilha.services import mail
from tests.mailbox import Controller, Mailbox, free_port, links_in, outbox

CONTEXT = {"name": "Ana", "hours": 24}


def send_verify(app, to="ana@example.com", lang="pt_BR", **options):
    with app.app_context():
        mail.send(to, "verify", lang=lang, context=CONTEXT | {"url": mail.link("/verify#t=abc")},
                  **options)


def test_without_mail_url_each_message_is_an_eml_file_in_the_outbox(app, caplog):
    send_verify(app)
    [message] = outbox(app)
    assert message["To"] == "ana@example.com"
    assert message["From"] == "Compartilha <noreply@localhost>"
    assert message["Subject"] == "Confirme seu endereço de e-mail"
    assert message["Message-ID"].startswith("<") and message["Date"]
    assert message["Content-Language"] == "pt-BR"
    assert message["Auto-Submitted"] is None
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert "Olá, Ana!" in text.get_content()
    assert '<html lang="pt-BR">' in html.get_content()
    [path] = Path(app.instance_path, "outbox").glob("*.eml")
    assert any(str(path) in record.getMessage() for record in caplog.records)


def test_the_recipients_language_and_links_from_public_url(app):
    app.config["PUBLIC_URL"] = "https://files.example.com"
    send_verify(app, lang="en")
    [message] = outbox(app)
    assert message["Subject"] == "Confirm your email address"
    assert message["Content-Language"] == "en"
    assert message["From"] == "Compartilha <noreply@files.example.com>"
    assert links_in(message) == ["https://files.example.com/verify#t=abc"]


def test_without_public_url_links_lead_to_the_local_server(app):
    send_verify(app, lang="fr")  # an unknown language falls back to Portuguese
    [message] = outbox(app)
    assert links_in(message) == ["http://127.0.0.1:8000/verify#t=abc"]
    assert message["Content-Language"] == "pt-BR"


def test_notifications_say_they_are_auto_submitted(app):
    send_verify(app, auto_submitted=True)
    assert outbox(app)[0]["Auto-Submitted"] == "auto-generated"


def test_html_escapes_what_the_context_brings(app):
    with app.app_context():
        mail.send("ana@example.com", "verify", lang="en",
                  context={"name": "<script>x</script>", "hours": 1, "url": mail.link("/v")})
    [message] = outbox(app)
    assert "<script>" not in message.get_body(("html",)).get_content()
    assert "<script>x</script>" in message.get_body(("plain",)).get_content()


def test_a_job_run_twice_writes_the_same_message_once(app):
    with app.app_context():
        for _ in range(2):
            mail.deliver.call_local("ana@example.com", "verify", "en",
                                    CONTEXT | {"url": "http://x/"}, False, "<same@localhost>")
    assert len(outbox(app)) == 1


def test_an_unknown_kind_fails_when_queued(app):
    with app.app_context(), pytest.raises(Exception, match="nope"):
        mail.send("ana@example.com", "nope", lang="en", context={})


def test_smtp_with_starttls_and_auth(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    app.config["MAIL_FROM"] = "Arquivos <arquivos@example.com>"
    send_verify(app, to="bia@example.com", lang="en")
    [message] = smtp_server.messages
    assert message["From"] == "Arquivos <arquivos@example.com>"
    assert message["Message-ID"].endswith("@example.com>")
    [delivery] = smtp_server.deliveries
    assert delivery == {"mail_from": "arquivos@example.com", "rcpt_tos": ["bia@example.com"],
                        "tls": True, "login": "mailer"}
    assert outbox(app) == []


def test_smtps(app, smtps_server):
    app.config["MAIL_URL"] = smtps_server.url
    send_verify(app)
    assert smtps_server.messages[0]["Subject"] == "Confirme seu endereço de e-mail"
    assert smtps_server.deliveries[0]["tls"]


def test_a_wrong_password_is_a_dead_job_not_a_retry_loop(app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url.replace("s3cret%20pass", "wrong")
    send_verify(app)
    assert smtp_server.messages == []
    with app.app_context():
        [dead] = jobs.listing()
    assert dead.state == "dead" and "535" in dead.error


def test_an_unreachable_server_is_retried(app):
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    send_verify(app)
    with app.app_context():
        [failed] = jobs.listing()
    assert failed.state == "failed" and failed.retries == mail.RETRIES - 1
    assert "ConnectionRefusedError" in failed.error


def test_a_certificate_the_system_does_not_trust_is_refused(app, smtp_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    app.config["MAIL_URL"] = smtp_server.url
    with app.app_context(), pytest.raises(ssl.SSLCertVerificationError):
        mail.deliver.call_local("ana@example.com", "verify", "en",
                                CONTEXT | {"url": "http://x/"}, False, None)
    assert smtp_server.messages == []


def test_no_password_over_a_connection_without_starttls(app):
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(),
                            auth_require_tls=False)
    controller.start()
    try:
        app.config["MAIL_URL"] = f"smtp://user:pw@127.0.0.1:{controller.port}"
        with app.app_context(), pytest.raises(jobs.Permanent, match="unencrypted"):
            mail.deliver.call_local("ana@example.com", "verify", "en",
                                    CONTEXT | {"url": "http://x/"}, False, None)
        app.config["MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"  # a local relay
        send_verify(app)
        assert len(box.messages) == 1 and not box.deliveries[0]["tls"]
    finally:
        controller.stop()


def test_the_instances_name_and_colour_brand_every_mail(app):
    import json

    from compartilha.extensions import db
    from compartilha.models import Setting

    app.config["MAIL_FROM"] = "Equipe <files@example.com>"
    send_verify(app)
    assert outbox(app)[0]["From"] == "Equipe <files@example.com>"  # no site_name set yet
    with app.app_context():
        db.session.add_all([Setting(key="site_name", value=json.dumps("Arquivos da Firma")),
                            Setting(key="accent_color", value=json.dumps("#b00b55"))])
        db.session.commit()
    send_verify(app)
    message = outbox(app)[-1]
    assert message["From"] == "Arquivos da Firma <files@example.com>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Arquivos da Firma · esta mensagem foi enviada para" in text
    assert "conta em Arquivos da Firma" in text and "Compartilha" not in text
    assert "color:#b00b55\">Arquivos da Firma</p>" in html and "Compartilha" not in html
