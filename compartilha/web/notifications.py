"""My notifications (the list, marking read) and the notification settings: webhooks with
their delivery log. A link's own option is on My links and in the share dialog."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError
from ..http.identity import require_user
from ..models import Webhook
from ..services import notifications, webhooks
from . import bp
from .helpers import page_login_required
from .messages import errors_by_field


@bp.get("/notifications")
@page_login_required
def notifications_page():
    user_id = require_user().id
    return render_template("pages/notifications.html",
                           notifications=notifications.list_for(user_id))


@bp.post("/notifications/read")
@page_login_required
def read_notifications():
    """One notification (`id` in the form) or, without one, all of them."""
    chosen = request.form.get("id", "")
    notifications.mark_read(require_user().id, [int(chosen)] if chosen.isdigit() else None)
    return redirect(url_for("web.notifications_page"))


def _settings(errors: dict[str, str] | None = None, status: int = 200,
              created: Webhook | None = None, form: dict | None = None):
    return render_template(
        "pages/notification_settings.html", hooks=webhooks.last_deliveries(require_user().id),
        events=webhooks.EVENTS, errors=errors or {}, created=created,
        form=form or {}, max_attempts=webhooks.MAX_ATTEMPTS), status


@bp.get("/settings/notifications")
@page_login_required
def notification_settings():
    return _settings()


@bp.post("/settings/webhooks")
@page_login_required
def add_webhook():
    url, events = request.form.get("url", ""), request.form.getlist("events")
    try:
        created = webhooks.create(require_user().id, url, events or None)
    except AppError as exc:
        return _settings(errors_by_field(exc, "webhook_form"), exc.status,
                         form={"url": url, "events": events})
    # The secret is shown on this answer only: never put into a redirect or a cookie.
    return _settings(created=created, status=201)


@bp.post("/settings/webhooks/<id:webhook_id>/delete")
@page_login_required
def delete_webhook(webhook_id: int):
    webhooks.delete(require_user().id, webhook_id)
    flash(_("The webhook was removed; nothing more is sent to it."), "success")
    return redirect(url_for("web.notification_settings"))
