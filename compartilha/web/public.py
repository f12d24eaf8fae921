"""The public side of a share link: no account needed (unless addressed to someone)."""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ..errors import (
    NoPreview,
    PasswordRequired,
    ShareNotFound,
    ShareUsedUp,
    WrongSharePassword,
)
from ..http.error_handlers import wants_json
from ..http.identity import client_address, load_user
from ..http.sending import can_preview, send_preview
from ..http.share_sending import send_share, send_ticket
from ..logs import event
from ..models import Share
from ..public_paths import SHARE_LINKS
from ..services import counting, shares, throttle
from . import bp

UNLOCK_SECONDS = 15 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="share-unlock")


def _unlock_cookie(share: Share) -> str:
    return f"compartilha_unlock_{share.id}"


def _fingerprint(share: Share) -> str:
    # Bound to this share and its password: a new password invalidates old cookies.
    return hashlib.sha256(f"{share.token}:{share.password_hash}".encode()).hexdigest()[:32]


def _unlocked(share: Share) -> bool:
    if share.password_hash is None:
        return True
    value = request.cookies.get(_unlock_cookie(share))
    if not value:
        return False
    try:
        return _serializer().loads(value, max_age=UNLOCK_SECONDS) == _fingerprint(share)
    except BadSignature:
        return False


def _remember_unlock(response: Response, share: Share) -> None:
    response.set_cookie(_unlock_cookie(share), _serializer().dumps(_fingerprint(share)),
                        max_age=UNLOCK_SECONDS, httponly=True, samesite="Lax",
                        secure=request.is_secure, path=f"{SHARE_LINKS}{share.token}")


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    # Never the link to another site; but not `no-referrer`, under which a browser sends
    # `Origin: null` with the password form, and null origins are refused (web.same_origin).
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _page(share: Share, *, needs_password: bool, error: str | None = None,
          status: int = 200) -> Response:
    previewable = share.max_downloads is None and not needs_password and can_preview(share.file)
    html = render_template(
        "share.html", share=share, file=share.file, state=shares.state(share),
        needs_password=needs_password, password_error=error, can_preview=previewable,
        preview_url=url_for("web.share_preview", token=share.token, name=share.file.name)
        if previewable else None,
        download_url=url_for("web.share_download", token=share.token),
    )
    return _private(current_app.response_class(html, status=status, mimetype="text/html"))


def _resolve(token: str, *, used_up_ok: bool = False) -> Share:
    """The share behind the token. Unknown tokens are counted per client: past
    RATELIMIT_SHARE_MISS every link answers 429 to it (a known one too, or the answers
    would still tell hits from misses); the miss that goes over the limit gets 429."""
    throttle.check("share-miss", client_address())
    try:
        return shares.resolve(token, load_user(), used_up_ok=used_up_ok)
    except ShareNotFound:
        throttle.take("share-miss", client_address())
        raise


@bp.get(f"{SHARE_LINKS}<token>")
def share_page(token: str):
    share = _resolve(token)
    event("share.opened", share_id=share.id)
    return _page(share, needs_password=not _unlocked(share))


@bp.post(f"{SHARE_LINKS}<token>")
def share_unlock(token: str):
    """The page's password form: a right password unlocks the page (name, size, preview,
    download) and nothing is sent yet, so no error from an earlier try can stay on screen."""
    share = _resolve(token)
    try:
        shares.check_password(share, request.form.get("password"), client_address())
    except (PasswordRequired, WrongSharePassword) as exc:
        return _page(share, needs_password=True, status=401,
                     error=_("Wrong password for this link.")
                     if isinstance(exc, WrongSharePassword) else _("Enter the password."))
    flash(_("Password accepted. The file is ready to download."), "success")
    response = redirect(url_for("web.share_page", token=token), 303)
    _remember_unlock(response, share)
    return _private(response)


@bp.route(f"{SHARE_LINKS}<token>/download", methods=["GET", "POST"])
def share_download(token: str):
    # A used-up link answers 410, except to the resumption of its last download(s).
    share = _resolve(token, used_up_ok=request.method != "HEAD" and bool(_range_start()))
    viewer = load_user()
    remember = False
    try:
        if request.method == "POST" and share.password_hash is not None:
            shares.check_password(share, request.form.get("password"), client_address())
            remember = True
        elif not _unlocked(share):
            raise PasswordRequired()
    except (PasswordRequired, WrongSharePassword) as exc:
        if wants_json():
            raise
        return _page(share, needs_password=True, status=401,
                     error=_("Wrong password for this link.")
                     if isinstance(exc, WrongSharePassword) else None)
    if share.max_downloads is not None and request.method != "HEAD":
        response = _private(_to_ticket(share))
    else:
        response = _private(send_share(share, viewer))
    if remember:
        _remember_unlock(response, share)
    return response


def _range_start() -> int | None:
    """Where the request's (first) range starts; None without one, or for a suffix."""
    if request.range is None or not request.range.ranges:
        return None
    start = request.range.ranges[0][0]
    return start if start >= 0 else None


def _ticket_cookie(share: Share) -> str:
    return f"compartilha_ticket_{share.id}"


def _to_ticket(share: Share) -> Response:
    """A limited link's download starts as a ticket, a URL of its own that honours Range
    until the download completes: the redirect to it holds one slot, and a client that
    comes back (the ticket's cookie, or a plain `curl -C -` from the same address and
    program) is sent to the same ticket, never given another slot."""
    viewer, ip, agent = load_user(), client_address(), request.user_agent.string
    start = _range_start()
    access = counting.resume(share, request.cookies.get(_ticket_cookie(share), ""), start)
    if access is None and start:
        access = counting.held_by(share, viewer, ip, agent, start)
    if access is None and shares.state(share) == "used_up":
        raise ShareUsedUp()
    if access is None:
        access = counting.begin(share, viewer, ip, agent, hold=True)
    name = counting.ticket(access)
    response = redirect(url_for("web.share_ticket", token=share.token, ticket=name),
                        303 if request.method == "POST" else 302)
    response.set_cookie(_ticket_cookie(share), name, httponly=True, samesite="Lax",
                        max_age=int(counting.HOLD.total_seconds()), secure=request.is_secure,
                        path=f"{SHARE_LINKS}{share.token}")
    return response


@bp.route(f"{SHARE_LINKS}<token>/d/<ticket>", methods=["GET"])
def share_ticket(token: str, ticket: str):
    """One download of a limited link, resumable; an ended ticket starts over on the link."""
    share = _resolve(token, used_up_ok=bool(_range_start()))
    access = counting.resume(share, ticket, _range_start())
    if access is None:
        return _private(redirect(url_for("web.share_download", token=token), 302))
    return _private(send_ticket(share, access))


@bp.get(f"{SHARE_LINKS}<token>/preview")
@bp.get(f"{SHARE_LINKS}<token>/preview/<path:name>")
def share_preview(token: str, name: str | None = None):
    """The sandboxed preview. The file's name may end the path, only because Chromium's PDF
    viewer titles itself after the last segment of the URL ("preview" otherwise)."""
    share = _resolve(token)
    if not _unlocked(share):
        raise PasswordRequired()
    if share.max_downloads is not None:
        raise NoPreview()  # a limited link is counted per download; a preview would dodge it
    return _private(send_preview(share.file))
