"""The API tokens page: my personal tokens with their last use, a form to make one (its
secret shown once, on the answer to the form), revoke one or all."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ..errors import AppError
from ..http.identity import current_session, require_user
from ..models import ApiToken
from ..models.columns import utcnow
from ..services import api_tokens
from . import bp
from .helpers import page_login_required
from .messages import errors_by_field, for_error

# What each scope lets a token do, in plain words (the page's checkboxes).
SCOPE_LABELS = {
    "files:read": lazy_gettext("See and download your files and folders"),
    "files:write": lazy_gettext("Upload, rename, move and delete files and folders"),
    "shares:read": lazy_gettext("See your links, their downloads, and links sent to you"),
    "shares:write": lazy_gettext("Create, change and revoke links"),
    "requests:read": lazy_gettext("See your upload links"),
    "requests:write": lazy_gettext("Create, change and end upload links"),
    "account:read": lazy_gettext("See your name, email and notifications"),
}
DEFAULT_DAYS = "90"


def _page(errors: dict[str, str] | None = None, status: int = 200,
          form: dict | None = None, made: tuple[ApiToken, str] | None = None,
          error: AppError | None = None):
    headers = error.headers if error is not None else {}
    form = form or {"expires": DEFAULT_DAYS, "scopes": ["files:read", "files:write"]}
    return render_template("pages/api_tokens.html", tokens=api_tokens.list_for(require_user().id),
                           scopes=SCOPE_LABELS, days=api_tokens.EXPIRY_DAYS, errors=errors or {},
                           form=form, made=made, now=utcnow()), status, headers


@bp.get("/account/tokens", endpoint="api_tokens")  # the function's name is the service's
@page_login_required
def tokens_page():
    return _page()


@bp.post("/account/tokens")
@page_login_required
def api_token_create():
    name, chosen = request.form.get("name", ""), request.form.getlist("scopes")
    expires = request.form.get("expires", DEFAULT_DAYS)
    form = {"name": name, "scopes": chosen, "expires": expires}
    days = int(expires) if expires.isdigit() else 0
    if days and days not in api_tokens.EXPIRY_DAYS:
        days = int(DEFAULT_DAYS)
    try:
        made = api_tokens.create(require_user(), name, chosen,
                                 api_tokens.expiry_in(days), current_session().jti)
    except AppError as exc:
        return _page(errors_by_field(exc), exc.status, form, error=exc)
    # The secret is on this answer only: no redirect, nothing kept to show it again.
    return _page(made=made)


@bp.post("/account/tokens/<id:token_id>/revoke")
@page_login_required
def api_token_revoke(token_id: int):
    try:
        api_tokens.revoke(require_user().id, token_id)
    except AppError as exc:
        return _page({"list": for_error(exc)}, exc.status, error=exc)
    flash(_("The token was revoked: it no longer works."), "success")
    return redirect(url_for("web.api_tokens"))


@bp.post("/account/tokens/revoke-all")
@page_login_required
def api_tokens_revoke_all():
    api_tokens.revoke_all(require_user().id)
    flash(_("Every token was revoked."), "success")
    return redirect(url_for("web.api_tokens"))
