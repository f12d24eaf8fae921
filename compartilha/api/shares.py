"""Share links I create."""

from flask import current_app, request

from ..auth import login_required, require_user
from ..models import Share
from ..services import shares
from . import bp
from .auth import BEARER
from .files import FILE_ID
from .schemas import ShareEnvelope, ShareList

SHARE_ID = "<int(min=1, max=2147483647):share_id>"


def share_url(token: str) -> str:
    base = current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")
    return f"{base}/s/{token}"


def share_dict(share: Share) -> dict:
    return {"id": share.id, "token": share.token, "url": share_url(share.token),
            "file_id": share.file_id, "file_name": share.file.name,
            "created_at": share.created_at, "revoked_at": share.revoked_at,
            "state": shares.state(share)}


@bp.post(f"/files/{FILE_ID}/shares")
@login_required
@bp.output(ShareEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={404: "no such file of mine"})
def create_share(file_id):
    """Create a share link for one of my files."""
    return {"share": share_dict(shares.create(require_user().id, file_id))}


@bp.get("/shares")
@login_required
@bp.output(ShareList)
@bp.doc(security=BEARER)
def list_shares():
    """The links I created, newest first."""
    return {"shares": [share_dict(s) for s in shares.list_for(require_user().id)]}


@bp.delete(f"/shares/{SHARE_ID}")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: "no such link of mine"})
def revoke_share(share_id):
    """Revoke a link; it stops working at once."""
    shares.revoke(require_user().id, share_id)
    return ""
