"""My notifications: what happened to my links, and marking them read."""

from ..http.identity import BEARER, login_required, require_user
from ..services import notifications
from . import bp
from .schemas import MarkReadIn, NotificationFilterIn, NotificationList, UnreadOut
from .serializers import notification_json


@bp.get("/notifications")
@login_required
@bp.input(NotificationFilterIn, location="query", arg_name="filters")
@bp.output(NotificationList)
@bp.doc(security=BEARER)
def list_notifications(filters):
    """My notifications, newest first (the latest 100), and how many are unread."""
    user_id = require_user().id
    found = notifications.list_for(user_id, unread=filters["unread"])
    return {"notifications": [notification_json(n) for n in found],
            "unread": notifications.unread_count(user_id)}


@bp.post("/notifications/read")
@login_required
@bp.input(MarkReadIn, arg_name="marked")
@bp.output(UnreadOut)
@bp.doc(security=BEARER)
def mark_notifications_read(marked):
    """Mark notifications read: those in `ids`, or all of mine; how many stay unread."""
    user_id = require_user().id
    notifications.mark_read(user_id, marked.get("ids"))
    return {"unread": notifications.unread_count(user_id)}
