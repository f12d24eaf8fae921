"""The public side of a share link: no account needed (unless addressed to someone)."""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ..errors import NoPreview, PasswordRequired, ShareNotFound, WrongSharePassword
from ..http.error_handlers import wants_json
from ..http.identity import client_address, load_user
from ..http.sending import can_preview, send_preview, send_share
from ..logs import event
from ..models import Share
from ..public_paths import SHARE_LINKS
from ..services import shares, throttle
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


def _resolve(token: str) -> Share:
    """The share behind the token. Unknown tokens are counted per client: past
    RATELIMIT_SHARE_MISS every link answers 429 to it (a known one too, or the answers
    would still tell hits from misses); the miss that goes over the limit gets 429."""
    throttle.check("share-miss", client_address())
    try:
        return shares.resolve(token, load_user())
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
    share = _resolve(token)
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
    response = _private(send_share(share, viewer))
    if remember:
        _remember_unlock(response, share)
    return response


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
