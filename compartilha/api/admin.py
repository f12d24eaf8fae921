"""Administration of accounts (admins only: 403 `admin_only` for a user, 401 for nobody)."""

from math import ceil

from flask import request

from ..http.identity import BEARER, admin_required, require_user
from ..services import admin, settings
from . import bp
from .schemas import (
    AdminUserChangeIn,
    AdminUserEnvelope,
    AdminUserFilterIn,
    AdminUserList,
    SettingsIn,
    SettingsOut,
)
from .serializers import admin_user_json, settings_json, totals_json

ADMIN_ONLY = "not an admin (admin_only)"
NO_USER = "no such account (user_not_found)"
LOCKOUT = ("the last enabled admin (last_admin), or an admin's own account "
           "(not_on_yourself)")


@bp.get("/admin/users")
@admin_required
@bp.input(AdminUserFilterIn, location="query")
@bp.output(AdminUserList)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY})
def list_users(query_data):
    """Accounts, paginated; whose name or email contains `q`, sorted by `sort`; with the
    instance's totals (all accounts, files and bytes, whatever `q` is)."""
    page = admin.list_users(require_user(), query_data.get("q"), query_data["sort"],
                            query_data["order"], query_data["page"], query_data["per_page"])
    return {"users": [admin_user_json(listed) for listed in page.items],
            "pagination": {"page": page.page, "per_page": page.per_page, "total": page.total,
                           "pages": ceil(page.total / page.per_page)},
            "totals": totals_json(admin.totals(require_user()))}


@bp.get("/admin/users/<id:user_id>")
@admin_required
@bp.output(AdminUserEnvelope)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 404: NO_USER})
def get_user(user_id):
    """One account, with its files and bytes."""
    return {"user": admin_user_json(admin.get_user(require_user(), user_id))}


@bp.patch("/admin/users/<id:user_id>")
@admin_required
@bp.input(AdminUserChangeIn)
@bp.output(AdminUserEnvelope)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 404: NO_USER, 409: LOCKOUT})
def change_user(user_id, json_data):
    """Change an account's role, quota, or whether it is disabled (disabling ends its
    sessions at once, and its links answer 404 until it is enabled again); `two_step:
    false` removes its two-step sign-in."""
    changes = {key: json_data[key] for key in ("role", "disabled", "quota_bytes",
                                               "quota_files") if key in json_data}
    changes["remove_two_step"] = json_data.get("two_step") is False
    return {"user": admin_user_json(admin.change(require_user(), user_id, **changes))}


@bp.delete("/admin/users/<id:user_id>")
@admin_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 404: NO_USER, 409: LOCKOUT})
def delete_user(user_id):
    """Delete an account with its files (bytes too), folders and links."""
    admin.delete(require_user(), user_id)
    return ""


@bp.delete("/admin/users/<id:user_id>/sessions")
@admin_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 404: NO_USER})
def end_user_sessions(user_id):
    """Sign an account out everywhere: its tokens are refused from now on."""
    admin.end_sessions(require_user(), user_id)
    return ""


@bp.post("/admin/users/<id:user_id>/password-reset")
@admin_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 404: NO_USER})
def send_user_reset(user_id):
    """Mail the account a password reset link."""
    admin.send_reset(require_user(), user_id)
    return ""


@bp.get("/admin/settings")
@admin_required
@bp.output(SettingsOut)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY})
def get_settings():
    """Every setting's current value, flat (a key an admin never set: the environment's)."""
    return settings_json(settings.values())


@bp.patch("/admin/settings")
@admin_required
@bp.input(SettingsIn)
@bp.output(SettingsOut)
@bp.doc(security=BEARER, responses={
    403: ADMIN_ONLY, 422: "a key that is not a setting (unknown_setting) or a wrong value "
    "(invalid_field, naming each wrong key): nothing is changed then"})
def change_settings(json_data):
    """Change some settings (a flat object of the keys to change); they apply at once on
    every server. Answers every setting's value."""
    return settings_json(settings.update(require_user(), json_data))


@bp.put("/admin/settings/logo")
@admin_required
@bp.output(SettingsOut)
@bp.doc(security=BEARER, responses={
    403: ADMIN_ONLY, 422: "not a PNG, JPEG or WebP of at most 256 KiB (logo_refused)"})
def put_logo():
    """Upload the logo shown in the header: the image itself as the body (PNG, JPEG or
    WebP, at most 256 KiB; its type is read from its bytes). `PATCH {"logo": null}`
    removes it."""
    data = request.get_data(cache=False)
    return settings_json(settings.set_logo(require_user(), data))
