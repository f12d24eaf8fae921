"""Share links I create, and the ones addressed to me."""

from ..http import rate_limits
from ..http.identity import BEARER, login_required, require_user
from ..services import shares
from . import bp
from .schemas import AccessList, SharedList, ShareEnvelope, ShareIn, ShareList
from .serializers import access_json, share_json, shared_json


@bp.post("/files/<id:file_id>/shares")
@rate_limits.share_create
@login_required
@bp.input(ShareIn, arg_name="options")
@bp.output(ShareEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={404: "no such file of mine", 422: "an invalid option",
                                    429: "too many links (RATELIMIT_SHARE)"})
def create_share(file_id, options):
    """Create a share link, optionally with expiry, download limit, password, recipient."""
    share = shares.create(require_user().id, file_id, **options)
    return {"share": share_json(share)}


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
