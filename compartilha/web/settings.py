"""Administration → Settings: one form, grouped (branding, sign-up, uploads and links,
quotas, audit), saved through `services.settings.update` as the API's PATCH is: every
field checked first, nothing changed when one is wrong. Sizes are typed in MB."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..errors import AppError, InvalidField
from ..http.identity import require_user
from ..http.multipart import files_in_memory
from ..services import settings
from . import bp
from .admin import MB, page_admin_required
from .messages import errors_by_field

# Form fields typed in MB, and the setting each one sets in bytes.
SIZES = {"max_upload_mb": "max_upload_bytes", "default_quota_mb": "default_quota_bytes"}
NUMBERS = ("invitation_days", "share_max_days", "default_share_days", "default_max_downloads",
           "default_quota_files", "audit_retention_days")
NULLABLE = ("default_share_days", "default_max_downloads", "default_quota_files",
            "default_quota_mb")
SWITCHES = ("users_may_invite", "users_may_create_upload_links",
            "users_may_create_public_links", "require_two_step")
TEXTS = ("site_name", "accent_color", "registration", "registration_domains",
         "blocked_extensions")


def _number(text: str) -> Any:
    """A whole number typed in a form; anything else goes on as typed, for the service
    to refuse beside every other wrong field."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else text


def _size(field: str, text: str) -> int:
    try:
        megabytes = float(text.strip().replace(",", "."))
    except ValueError:
        megabytes = -1.0
    if not 0 <= megabytes <= settings.BYTES_MAX / MB or megabytes != megabytes:
        raise InvalidField("A size in MB, such as 1024 or 0.5.", field=field)
    return round(megabytes * MB)


def changes_from(form: MultiDict[str, str]) -> dict[str, Any]:
    """The settings the form gives, as the API would take them."""
    changes: dict[str, Any] = {key: form.get(key, "") for key in TEXTS}
    for key in NUMBERS:
        text = form.get(key, "")
        changes[key] = None if key in NULLABLE and not text.strip() else _number(text)
    problems = []
    for field, key in SIZES.items():
        text = form.get(field, "")
        try:
            changes[key] = None if field in NULLABLE and not text.strip() else \
                _size(field, text)
        except InvalidField as exc:
            problems.append(exc)
    for key in SWITCHES:
        changes[key] = form.get(key) == "1"
    if form.get("remove_logo") == "1":
        changes["logo"] = None
    if problems:  # with every other wrong field's
        try:
            settings.check({k: v for k, v in changes.items() if k not in SIZES.values()})
        except InvalidField as exc:
            problems.extend(exc.problems)
        raise InvalidField.combine(problems)
    return changes


def _changed(changes: dict[str, Any]) -> dict[str, Any]:
    """Only what differs from the current values (checked first: every wrong field is
    named), so that a key the admin left alone keeps following its environment
    variable."""
    cleaned = settings.check(changes)
    current = settings.values(list(cleaned))
    return {key: changes[key] for key, value in cleaned.items() if current[key] != value}


def megabytes(size: int | None) -> str:
    """A size as the form shows it, in MB, exact enough to come back the same."""
    if size is None:
        return ""
    return f"{size / MB:.6f}".rstrip("0").rstrip(".")


def _form_errors(exc: AppError) -> dict[str, str]:
    errors = errors_by_field(exc)
    for field, key in SIZES.items():  # a size's message belongs beside its MB field
        if key in errors:
            errors[field] = errors.pop(key)
    return errors


@bp.route("/admin/settings", methods=["GET", "POST"])
@files_in_memory
@page_admin_required
def admin_settings():
    errors: dict[str, str] = {}
    if request.method == "POST":
        actor = require_user()
        upload = request.files.get("logo")
        try:
            data = upload.read(settings.LOGO_MAX + 1) if upload and upload.filename else b""
            if data:  # refused before anything else is stored
                settings.logo_check(data)
            changed = _changed(changes_from(request.form))
            if changed:
                settings.update(actor, changed)
            if data:
                settings.set_logo(actor, data)
        except AppError as exc:
            errors = _form_errors(exc)
        else:
            flash(_("Settings saved; they apply at once."), "success")
            return redirect(url_for("web.admin_settings"))
    return render_template("pages/admin_settings.html", current=settings.values(),
                           form=request.form, errors=errors, megabytes=megabytes,
                           registration=settings.REGISTRATION), 422 if errors else 200
