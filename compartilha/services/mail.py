"""Mail: composed in the recipient's language, sent by a background job (docs/mail.md).

`send` queues the job; the job renders `templates/mail/<kind>.txt` and `.html` (the
subject is the text template's `{% block subject %}`), builds one multipart message with
the standard library's `email` package, and hands it to the server of `MAIL_URL`, or,
without one, writes it to `instance/outbox/<id>.eml` and logs the path. The Message-ID
is chosen when the mail is queued, so a job that runs twice (its worker was killed
after sending, before acknowledging) sends the same message again, which mail clients
show once, and rewrites the same outbox file.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale

from .. import jobs
from ..logs import mask_email
from . import branding, settings

log = logging.getLogger("compartilha.mail")
LANGUAGES = ("pt_BR", "en")
DEFAULT_LANGUAGE = "pt_BR"
SMTP_TIMEOUT = 30
SMTP_PORTS = {"smtp": 25, "smtps": 465}
# 8 tries over ~42 minutes (10 s, 20 s, … 1280 s): a mail server restarting or a
# network outage is waited out; a refusal (5xx) is not (`jobs.Permanent`).
RETRIES = 8


def link(path: str) -> str:
    """An absolute URL for a mail: PUBLIC_URL + path (or the address `make run` serves)."""
    config = current_app.config
    return (config["PUBLIC_URL"] or config["LOCAL_URL"]) + path


def sender() -> str:
    """MAIL_FROM, or noreply@ the PUBLIC_URL host; shown as the instance's name (the
    admin's site_name; without one, MAIL_FROM's own display name or SITE_NAME)."""
    configured = current_app.config["MAIL_FROM"]
    shown, address = parseaddr(configured) if configured else ("", "")
    if not address:
        host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
        address = f"noreply@{host}"
    if settings.stored("site_name") or not shown:
        shown = settings.value("site_name")
    user, _, domain = address.rpartition("@")
    return str(Address(shown, user, domain))


def send(to: str, kind: str, *, lang: str, context: dict[str, Any],
         auto_submitted: bool = False) -> None:
    """Queue the mail `kind` to `to` in `lang` ("pt_BR" or "en"; others fall back to
    Portuguese). Call it after the service's commit. `context` is the templates' (plain,
    picklable values; links made with `link`)."""
    current_app.jinja_env.get_template(f"mail/{kind}.txt")  # a typo fails here, not later
    language = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    domain = parseaddr(sender())[1].rpartition("@")[2] or "localhost"
    deliver(to, kind, language, dict(context), auto_submitted, make_msgid(domain=domain))


@jobs.task(retries=RETRIES)
def deliver(to: str, kind: str, lang: str, context: dict[str, Any], auto_submitted: bool,
            message_id: str) -> None:
    """The job: compose and transmit one mail."""
    message = compose(to, kind, lang, context, auto_submitted, message_id)
    transmit(message)


def _render(to: str, kind: str, lang: str,
            context: dict[str, Any]) -> tuple[str, str, str]:
    env = current_app.jinja_env
    brand = settings.values(["site_name", "accent_color"])
    values = {**context, "to": to, "lang": lang, "html_lang": lang.replace("_", "-"),
              "site_name": brand["site_name"],
              "site_color": branding.palette(brand["accent_color"]).primary_text}
    with force_locale(lang):
        text = env.get_template(f"mail/{kind}.txt")
        subject = "".join(text.blocks["subject"](text.new_context(values)))
        return (" ".join(subject.split()), text.render(values),
                env.get_template(f"mail/{kind}.html").render(values))


def compose(to: str, kind: str, lang: str, context: dict[str, Any],
            auto_submitted: bool = False, message_id: str | None = None) -> EmailMessage:
    subject, text, html = _render(to, kind, lang, context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender()
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid()
    if auto_submitted:  # RFC 3834: no vacation replies or loops to a notification
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = lang.replace("_", "-")  # after: set_content drops Content-*
    return message


def transmit(message: EmailMessage) -> None:
    url = current_app.config["MAIL_URL"]
    if not url:
        path = _to_outbox(message)
        log.info("no MAIL_URL: mail to %s written to %s", mask_email(str(message["To"])), path)
        return
    try:
        _smtp(url, message)
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            raise jobs.Permanent(f"recipient refused: {exc.recipients}") from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise jobs.Permanent(f"mail server refused: {exc.smtp_code} {exc.smtp_error!r}") \
                from exc
        raise
    log.info("mail to %s sent: %s", mask_email(str(message["To"])), message["Message-ID"])


def _smtp(url: str, message: EmailMessage) -> None:
    """smtp:// upgrades with STARTTLS when the server offers it; smtps:// is TLS from the
    first byte. Certificates are checked against the system's CA store."""
    parts = urlsplit(url)
    if parts.scheme not in SMTP_PORTS or not parts.hostname:
        raise jobs.Permanent("MAIL_URL must be smtp://host[:port] or smtps://host[:port]")
    context = ssl.create_default_context()
    port = parts.port or SMTP_PORTS[parts.scheme]
    helo = parseaddr(sender())[1].rpartition("@")[2] or "localhost"  # no DNS look-up of ours
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, port, local_hostname=helo,
                                  timeout=SMTP_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(parts.hostname, port, local_hostname=helo, timeout=SMTP_TIMEOUT)
    with client:
        client.ehlo()
        secure = parts.scheme == "smtps"
        if not secure and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            secure = True
        if parts.username:
            if not secure:  # never a password in clear text
                raise jobs.Permanent("the mail server offers no STARTTLS: not sending the "
                                     "password of MAIL_URL unencrypted")
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def outbox() -> Path:
    return Path(current_app.instance_path) / "outbox"


def _to_outbox(message: EmailMessage) -> Path:
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["Message-ID"]).strip("<>"))
    path = folder / f"{name}.eml"
    partial = folder / f".{name}.partial"
    partial.write_bytes(message.as_bytes())
    os.replace(partial, path)  # whole or absent, and a second run rewrites the same file
    return path
