"""Invitation pages: an admin's (/admin/invitations, every invitation) and a user's own
(/account/invitations, when users may invite). Both create one for an address (mailed)
or a link to copy, shown once, and revoke pending ones; `services.invitations` decides."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError
from ..http.identity import require_user
from ..http.urls import invitation_url
from ..services import invitations
from . import bp
from .admin import page_admin_required
from .helpers import page_login_required
from .messages import for_error

PAGES = {True: ("web.admin_invitations", "web.admin_invitation_revoke"),
         False: ("web.my_invitations", "web.my_invitation_revoke")}


def _page(everyone: bool, status: int = 200, created: str | None = None,
          errors: dict[str, str] | None = None, email: str = ""):
    listed = invitations.listed(require_user(), everyone=everyone)
    page, revoke = PAGES[everyone]
    return render_template("pages/invitations.html", invitations=listed, everyone=everyone,
                           page=page, revoke=revoke, created=created, errors=errors or {},
                           email=email, state=invitations.state), status


def _create(everyone: bool):
    email = request.form.get("email", "").strip()
    try:
        invitation, token = invitations.create(require_user(), email or None)
    except AppError as exc:
        return _page(everyone, exc.status, errors={exc.field or "form": for_error(exc)},
                     email=email)
    if invitation.email:
        flash(_("The invitation was mailed to %(address)s.", address=invitation.email),
              "success")
        return redirect(url_for(PAGES[everyone][0]))
    return _page(everyone, created=invitation_url(token))  # shown this once


def _revoke(everyone: bool, invitation_id: int):
    try:
        invitations.revoke(require_user(), invitation_id, everyone=everyone)
        flash(_("The invitation was revoked."), "success")
    except AppError as exc:
        flash(for_error(exc), "error")
    return redirect(url_for(PAGES[everyone][0]))


@bp.get("/admin/invitations")
@page_admin_required
def admin_invitations():
    return _page(True)


@bp.post("/admin/invitations")
@page_admin_required
def admin_invitation_create():
    return _create(True)


@bp.post("/admin/invitations/<id:invitation_id>/revoke")
@page_admin_required
def admin_invitation_revoke(invitation_id: int):
    return _revoke(True, invitation_id)


@bp.get("/account/invitations")
@page_login_required
def my_invitations():
    return _page(False)


@bp.post("/account/invitations")
@page_login_required
def my_invitation_create():
    return _create(False)


@bp.post("/account/invitations/<id:invitation_id>/revoke")
@page_login_required
def my_invitation_revoke(invitation_id: int):
    return _revoke(False, invitation_id)
