"""The page of a link sent to someone, for whoever opens it without proof: their address,
then the 6-digit code mailed to it. A right code sets a cookie that opens this link, and
only this one, for a while; nothing about the file shows before."""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ..errors import InvalidField, WrongShareCode
from ..http import languages
from ..http.identity import client_address
from ..public_paths import SHARE_LINKS
from ..services import recipients, share_access, validation

PROOF_COOKIE = "compartilha_recipient"
PROOF_SECONDS = 12 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="share-recipient")


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def proof(token: str) -> str | None:
    """The address this browser proved for the link, from its cookie, if any."""
    value = request.cookies.get(PROOF_COOKIE)
    if not value:
        return None
    try:
        data = _serializer().loads(value, max_age=PROOF_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != _fingerprint(token):
        return None
    address = data.get("e")
    return address if isinstance(address, str) else None


def page(token: str, *, step: str = "email", address: str = "", error: str | None = None,
         status: int = 200) -> Response:
    """The form of `step`: "email" asks the address, "code" the code mailed to it."""
    html = render_template("share_recipient.html", token=token, step=step, address=address,
                           error=error)
    return current_app.response_class(html, status=status, mimetype="text/html")


def prove(token: str) -> Response:
    """The page's forms: `email` mails a code (the same answer for any address), then
    `email` and `code` open the link."""
    share = share_access.find(token)
    address = request.form.get("email", "").strip()[:1024]
    if "code" in request.form:
        return _check(token, share, address, request.form.get("code", "")[:64])
    try:
        recipients.request_code(share, address, client=client_address(),
                                lang=languages.preferred())
    except InvalidField:
        return page(token, address=address, status=422,
                    error=_("Enter a valid email address."))
    return page(token, step="code", address=validation.email_key(address))


def _check(token: str, share, address: str, code: str) -> Response:
    try:
        proved = recipients.check_code(share, address, code, client=client_address())
    except WrongShareCode:
        return page(token, step="code", address=address, status=401,
                    error=_("Wrong or expired code. Check the latest email, or ask for "
                            "a new code."))
    flash(_("Thank you. The link is open for you."), "success")
    response = redirect(url_for("web.share_page", token=token), 303)
    response.set_cookie(PROOF_COOKIE, _serializer().dumps({"t": _fingerprint(token),
                                                           "e": proved}),
                        max_age=PROOF_SECONDS, httponly=True, samesite="Lax",
                        secure=request.is_secure, path=f"{SHARE_LINKS}{token}")
    return response
