"""Share links I create, and the ones addressed to me."""

from typing import Any

from ..http import languages, rate_limits
from ..http.identity import BEARER, login_required, require_user
from ..services import recipients, share_items, shares
from . import bp
from .schemas import (
    AccessList,
    ShareChangeIn,
    ShareCreated,
    SharedList,
    ShareEnvelope,
    ShareIn,
    ShareList,
    SharesIn,
)
from .serializers import access_json, share_json, shared_json


def _created(file_id: int | None, options: dict[str, Any]) -> dict[str, Any]:
    """One link, or with `recipients` one personal link per address, each mailed."""
    user, addresses = require_user(), options.pop("recipients", None)
    if addresses is None:
        return {"share": share_json(shares.create(user.id, file_id, **options))}
    links = recipients.send(user, file_id, addresses, lang=languages.preferred(), **options)
    return {"shares": [share_json(link) for link in links]}


CREATED = {403: "`recipients` given by an account whose address is unverified "
                "(email_unverified)", 404: "no such file of mine", 422: "an invalid option",
           429: "too many links (RATELIMIT_SHARE)"}


@bp.post("/files/<id:file_id>/shares")
@rate_limits.share_create
@login_required
@bp.input(ShareIn, arg_name="options")
@bp.output(ShareCreated, status_code=201)
@bp.doc(security=BEARER, responses=CREATED)
def create_share(file_id, options):
    """Create a share link (expiry, download limit, password, recipient, message), or
    send the file by email: one personal link per address of `recipients`."""
    return _created(file_id, options)


@bp.post("/shares")
@rate_limits.share_create
@login_required
@bp.input(SharesIn, arg_name="options")
@bp.output(ShareCreated, status_code=201)
@bp.doc(security=BEARER, responses=CREATED)
def create_shares(options):
    """Create one link to the files and folders of `file_ids` and `folder_ids` (folders
    live), with a title and the options of one-file links, or send it by email: one
    personal link per address of `recipients`. One file and no folder: a one-file link."""
    file_id = share_items.one_file(options.get("file_ids"), options.get("folder_ids"))
    if file_id is not None:
        options.pop("file_ids"), options.pop("folder_ids")
    return _created(file_id, options)


@bp.get("/shares")
@login_required
@bp.output(ShareList)
@bp.doc(security=BEARER)
def list_shares():
    """The links I created, newest first, with their state and counters."""
    return {"shares": [share_json(s) for s in shares.list_for(require_user().id)]}


@bp.get("/shares/<id:share_id>/accesses")
@login_required
@bp.output(AccessList)
@bp.doc(security=BEARER, responses={404: "no such link of mine"})
def share_accesses(share_id):
    """The link's receipts: every download attempt, newest first."""
    return {"accesses": [access_json(a) for a in shares.accesses(require_user().id, share_id)]}


@bp.patch("/shares/<id:share_id>")
@login_required
@bp.input(ShareChangeIn, arg_name="changes")
@bp.output(ShareEnvelope)
@bp.doc(security=BEARER, responses={404: "no such link (or file, folder) of mine",
                                   422: "an invalid option"})
def change_share(share_id, changes):
    """Change a link's options, title, message and items (only the fields given; null
    removes an option). Its token stays, and its page and downloads follow at once.
    Recipients are not edited here: POST /shares with `recipients` again makes the new
    addresses their personal links, and DELETE ends one."""
    share = shares.change(require_user().id, share_id, **changes)
    return {"share": share_json(share)}


@bp.delete("/shares/<id:share_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: "no such link of mine"})
def revoke_share(share_id):
    """Revoke a link; it stops working at once."""
    shares.revoke(require_user().id, share_id)
    return ""


@bp.get("/shared-with-me")
@login_required
@bp.output(SharedList)
@bp.doc(security=BEARER)
def shared_with_me():
    """Active links addressed to my email."""
    return {"shares": [shared_json(s) for s in shares.shared_with(require_user())]}
