"""Share links I create, and the ones addressed to me."""

from ..http import rate_limits
from ..http.identity import BEARER, login_required, require_user
from ..http.urls import share_url
from ..models import Access, Share
from ..services import shares
from . import bp
from .schemas import AccessList, SharedList, ShareEnvelope, ShareIn, ShareList


def share_dict(share: Share) -> dict:
    return {"id": share.id, "token": share.token, "url": share_url(share.token),
            "file_id": share.file_id, "file_name": share.file.name,
            "file_size": share.file.size, "file_type": share.file.type,
            "created_at": share.created_at, "expires_at": share.expires_at,
            "max_downloads": share.max_downloads, "download_count": share.download_count,
            "last_download_at": share.last_download_at,
            "has_password": share.password_hash is not None,
            "recipient_email": share.recipient_email, "revoked_at": share.revoked_at,
            "state": shares.state(share)}


def access_dict(access: Access) -> dict:
    return {"id": access.id, "at": access.at, "user_id": access.user_id,
            "user_name": access.user.name if access.user else None, "ip": access.ip,
            "user_agent": access.user_agent, "bytes_sent": access.bytes_sent,
            "completed": access.completed, "finished_at": access.finished_at}


@bp.post("/files/<id:file_id>/shares")
@rate_limits.share_create
@login_required
@bp.input(ShareIn, arg_name="options")
@bp.output(ShareEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={404: "no such file of mine", 422: "an invalid option"})
def create_share(file_id, options):
    """Create a share link, optionally with expiry, download limit, password, recipient."""
    share = shares.create(require_user().id, file_id, **options)
    return {"share": share_dict(share)}


@bp.get("/shares")
@login_required
@bp.output(ShareList)
@bp.doc(security=BEARER)
def list_shares():
    """The links I created, newest first, with their state and counters."""
    return {"shares": [share_dict(s) for s in shares.list_for(require_user().id)]}


@bp.get("/shares/<id:share_id>/accesses")
@login_required
@bp.output(AccessList)
@bp.doc(security=BEARER, responses={404: "no such link of mine"})
def share_accesses(share_id):
    """The link's receipts: every download attempt, newest first."""
    return {"accesses": [access_dict(a) for a in shares.accesses(require_user().id, share_id)]}


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
    return {"shares": [
        {"id": s.id, "token": s.token, "url": share_url(s.token), "file_name": s.file.name,
         "file_size": s.file.size, "file_type": s.file.type, "owner_name": s.owner.name,
         "created_at": s.created_at, "expires_at": s.expires_at,
         "has_password": s.password_hash is not None}
        for s in shares.shared_with(require_user())
    ]}
