"""Account → Two-step sign-in: set a code app up, see the recovery codes once, renew
them, turn it off."""

from __future__ import annotations

import base64

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError
from ..http.identity import require_user
from ..services import accounts, settings, two_step
from . import bp
from .helpers import page_login_required
from .messages import for_error

NO_STORE = {"Cache-Control": "no-store"}  # a secret or recovery codes: never cached


def _page(errors: dict[str, str] | None = None, codes: list[str] | None = None,
          status: int = 200, headers: dict[str, str] | None = None):
    user = require_user()
    enrolment = two_step.pending(user)
    qr = None if enrolment is None else base64.b64encode(enrolment.qr_svg.encode()).decode()
    page = render_template("pages/two_step.html", user=user, enabled=two_step.enabled(user),
                           enrolment=enrolment, qr=qr, codes=codes or [],
                           left=two_step.recovery_left(user), errors=errors or {},
                           required=bool(settings.current("require_two_step")))
    return page, status, NO_STORE | (headers or {})


def _refused(exc: AppError, field: str):
    return _page({field: for_error(exc)}, status=exc.status, headers=exc.headers)


@bp.get("/account/two-step", endpoint="two_step")
@page_login_required
def two_step_page():
    return _page()


@bp.post("/account/two-step/start")
@page_login_required
def two_step_start():
    try:
        two_step.enrol(require_user())
    except AppError as exc:
        return _refused(exc, "start")
    return redirect(url_for("web.two_step", _anchor="confirm-title"))


@bp.post("/account/two-step/confirm")
@page_login_required
def two_step_confirm():
    try:
        codes = two_step.confirm(require_user(), request.form.get("confirm_code", ""))
    except AppError as exc:
        return _refused(exc, "confirm_code")
    flash(_("Two-step sign-in is on. Save your recovery codes now."), "success")
    return _page(codes=codes)


@bp.post("/account/two-step/recovery-codes")
@page_login_required
def two_step_recovery_codes():
    try:
        codes = two_step.regenerate(require_user(), request.form.get("renew_code", ""))
    except AppError as exc:
        return _refused(exc, "renew_code")
    flash(_("New recovery codes: the old ones no longer work."), "success")
    return _page(codes=codes)


@bp.post("/account/two-step/disable")
@page_login_required
def two_step_disable():
    try:
        accounts.disable_two_step(require_user(), request.form.get("password", ""),
                                  request.form.get("disable_code", ""))
    except AppError as exc:
        return _refused(exc, "password" if exc.field == "password" else "disable_code")
    flash(_("Two-step sign-in is off."), "success")
    return redirect(url_for("web.two_step"))
