"""The public side of a share link: no account needed (unless addressed to someone)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..errors import (
    NoPreview,
    PasswordRequired,
    RecipientRequired,
    ShareNotFound,
    ShareUsedUp,
    WrongSharePassword,
)
from ..http.error_handlers import wants_json
from ..http.identity import client_address, load_user
from ..http.sending import can_preview, send_preview
from ..logs import event
from ..models import Share
from ..public_paths import SHARE_LINKS
from ..services import counting, share_access, shares, throttle
from . import bp, recipients, share_items
from .unlocking import Unlock, private

UNLOCK = Unlock("share-unlock", "compartilha_unlock_", SHARE_LINKS, 15 * 60)


def _unlocked(share: Share) -> bool:
    return UNLOCK.unlocked(share.id, share.token, share.password_hash)


def _remember_unlock(response: Response, share: Share) -> None:
    UNLOCK.remember(response, share.id, share.token, share.password_hash)


def _page(share: Share, *, needs_password: bool, error: str | None = None,
          status: int = 200) -> Response:
    record = share.file
    if record is None and not needs_password:
        html = share_items.page(share, request.args.get("folder"))
        return private(current_app.response_class(html, status=status, mimetype="text/html"))
    previewable = (record is not None and share.max_downloads is None and not needs_password
                   and can_preview(record))
    html = render_template(
        "share.html", share=share, file=record, state=shares.state(share),
        needs_password=needs_password, password_error=error, can_preview=previewable,
        preview_url=url_for("web.share_preview", token=share.token, name=record.name)
        if previewable and record is not None else None,
        download_url=url_for("web.share_download", token=share.token),
    )
    return private(current_app.response_class(html, status=status, mimetype="text/html"))


def _resolve(token: str, *, used_up_ok: bool = False) -> Share:
    """The share behind the token. Unknown tokens are counted per client: past
    RATELIMIT_SHARE_MISS every link answers 429 to it (a known one too, or the answers
    would still tell hits from misses); the miss that goes over the limit gets 429."""
    throttle.check("share-miss", client_address())
    try:
        return share_access.resolve(token, load_user(), used_up_ok=used_up_ok,
                              proven=recipients.proof(token))
    except ShareNotFound:
        throttle.take("share-miss", client_address())
        raise


@bp.get(f"{SHARE_LINKS}<token>")
def share_page(token: str):
    try:
        share = _resolve(token)
    except RecipientRequired:
        return private(recipients.page(token))
    event("share.opened", share_id=share.id)
    return _page(share, needs_password=not _unlocked(share))


@bp.post(f"{SHARE_LINKS}<token>")
def share_unlock(token: str):
    """The page's password form: a right password unlocks the page (name, size, preview,
    download) and nothing is sent yet, so no error from an earlier try can stay on screen.
    On a link sent to someone, until they prove it is them, its forms are the address and
    the mailed code's."""
    try:
        share = _resolve(token)
    except RecipientRequired:
        return private(recipients.prove(token))
    try:
        share_access.check_password(share, request.form.get("password"), client_address())
    except (PasswordRequired, WrongSharePassword) as exc:
        return _page(share, needs_password=True, status=401,
                     error=_("Wrong password for this link.")
                     if isinstance(exc, WrongSharePassword) else _("Enter the password."))
    flash(_("Password accepted. The file is ready to download."), "success")
    response = redirect(url_for("web.share_page", token=token), 303)
    _remember_unlock(response, share)
    return private(response)


@bp.route(f"{SHARE_LINKS}<token>/download", methods=["GET", "POST"])
def share_download(token: str):
    """The file of a one-file link; the ZIP of a link to several things."""
    return _download(token, None)


@bp.route(f"{SHARE_LINKS}<token>/zip", methods=["GET", "POST"])
def share_zip(token: str):
    """Everything the link holds now, as one deterministic ZIP (Range, ETag)."""
    return _download(token, "zip")


@bp.route(f"{SHARE_LINKS}<token>/files/<id:file_id>", methods=["GET", "POST"])
def share_file(token: str, file_id: int):
    """One file of the link (an item, or in one of its folders as they are now)."""
    return _download(token, file_id)


def _download(token: str, asked: counting.Target) -> Response:
    # A used-up link answers 410, except to the resumption of its last download(s).
    share = _resolve(token, used_up_ok=request.method != "HEAD" and bool(_range_start()))
    viewer = load_user()
    remember = False
    try:
        if request.method == "POST" and share.password_hash is not None:
            share_access.check_password(share, request.form.get("password"), client_address())
            remember = True
        elif not _unlocked(share):
            raise PasswordRequired()
    except (PasswordRequired, WrongSharePassword) as exc:
        if wants_json():
            raise
        return _page(share, needs_password=True, status=401,
                     error=_("Wrong password for this link.")
                     if isinstance(exc, WrongSharePassword) else None)
    # What it holds is told only past the password: a locked link's items 401 alike.
    which = share_items.target(share, asked)
    if share.max_downloads is not None and request.method != "HEAD":
        response = private(_to_ticket(share, which))
    else:
        response = private(share_items.send(share, which, viewer))
    if remember:
        _remember_unlock(response, share)
    return response


def _range_start() -> int | None:
    """Where the request's (first) range starts; None without one, or for a suffix."""
    if request.range is None or not request.range.ranges:
        return None
    start = request.range.ranges[0][0]
    return start if start >= 0 else None


def _ticket_cookie(share: Share, which: counting.Target) -> str:
    return f"compartilha_ticket_{share.id}" + ("" if which is None else f"_{which}")


def _to_ticket(share: Share, which: counting.Target) -> Response:
    """A limited link's download starts as a ticket, a URL of its own that honours Range
    until the download completes: the redirect to it holds one slot, and a client that
    comes back (the ticket's cookie, or a plain `curl -C -` from the same address and
    program) is sent to the same ticket, never given another slot."""
    viewer, ip, agent = load_user(), client_address(), request.user_agent.string
    start, size = _range_start(), share_items.size(share, which)
    access = counting.resume(share, request.cookies.get(_ticket_cookie(share, which), ""),
                             start, size, which)
    if access is None and start:
        access = counting.held_by(share, viewer, ip, agent, start, size, which)
    if access is None and shares.state(share) == "used_up":
        raise ShareUsedUp()
    if access is None:
        access = counting.begin(share, viewer, ip, agent, hold=True, target=which)
    name = counting.ticket(access, which)
    response = redirect(url_for("web.share_ticket", token=share.token, ticket=name),
                        303 if request.method == "POST" else 302)
    response.set_cookie(_ticket_cookie(share, which), name, httponly=True, samesite="Lax",
                        max_age=int(counting.HOLD.total_seconds()), secure=request.is_secure,
                        path=f"{SHARE_LINKS}{share.token}")
    return response


@bp.route(f"{SHARE_LINKS}<token>/d/<ticket>", methods=["GET"])
def share_ticket(token: str, ticket: str):
    """One download of a limited link, resumable; an ended ticket starts over on the link."""
    share = _resolve(token, used_up_ok=bool(_range_start()))
    which = counting.target_of(ticket)
    # A one-file link's ticket, the link since edited into one to several things: over.
    access = None if which is None and share.file is None else counting.resume(
        share, ticket, _range_start(), share_items.size(share, which), which)
    if access is None:
        return private(redirect(share_items.url(share, which), 302))
    return private(share_items.send_by_ticket(share, access, which))


@bp.get(f"{SHARE_LINKS}<token>/preview")
@bp.get(f"{SHARE_LINKS}<token>/preview/<path:name>")
def share_preview(token: str, name: str | None = None):
    """The sandboxed preview. The file's name may end the path, only because Chromium's PDF
    viewer titles itself after the last segment of the URL ("preview" otherwise)."""
    share = _resolve(token)
    if not _unlocked(share):
        raise PasswordRequired()
    if share.max_downloads is not None or share.file is None:
        raise NoPreview()  # a limited link is counted per download; a preview would dodge it
    return private(send_preview(share.file))


@bp.get(f"{SHARE_LINKS}<token>/files/<id:file_id>/preview")
def share_file_preview(token: str, file_id: int):
    """The sandboxed preview of one file of a link to several things."""
    share = _resolve(token)
    if not _unlocked(share):
        raise PasswordRequired()
    if share.max_downloads is not None:
        raise NoPreview()
    return private(send_preview(share_items.member(share, file_id)))
