"""My webhooks: endpoints that receive my events, signed, and their delivery logs."""

from ..http.identity import BEARER, login_required, require_user
from ..services import webhooks
from . import bp
from .schemas import DeliveryList, WebhookEnvelope, WebhookIn, WebhookList
from .serializers import delivery_json, webhook_json


@bp.post("/webhooks")
@login_required
@bp.input(WebhookIn, arg_name="options")
@bp.output(WebhookEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={422: "a URL refused (private address, does not resolve) "
                                         "or an unknown event"})
def create_webhook(options):
    """Add an endpoint; the answer holds its signing secret, shown this once."""
    webhook = webhooks.create(require_user().id, options["url"], options["events"])
    return {"webhook": webhook_json(webhook, None, True)}


@bp.get("/webhooks")
@login_required
@bp.output(WebhookList)
@bp.doc(security=BEARER)
def list_webhooks():
    """My endpoints, each with its latest delivery."""
    logs = webhooks.last_deliveries(require_user().id, 1)
    return {"webhooks": [webhook_json(hook, next(iter(log), None)) for hook, log in logs]}


@bp.get("/webhooks/<id:webhook_id>/deliveries")
@login_required
@bp.output(DeliveryList)
@bp.doc(security=BEARER, responses={404: "no such webhook of mine"})
def webhook_deliveries(webhook_id):
    """The endpoint's delivery log, newest first: status, attempts, last error."""
    found = webhooks.deliveries(require_user().id, webhook_id)
    return {"deliveries": [delivery_json(d) for d in found]}


@bp.delete("/webhooks/<id:webhook_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: "no such webhook of mine"})
def delete_webhook(webhook_id):
    """Remove an endpoint and its log; nothing more is sent to it."""
    webhooks.delete(require_user().id, webhook_id)
    return ""
