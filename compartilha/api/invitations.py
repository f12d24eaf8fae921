"""Invitations to sign up: admins manage every one under /admin/invitations; users, when
the `users_may_invite` setting allows it, their own under /invitations."""

from ..http.identity import BEARER, admin_required, login_required, require_user
from ..services import invitations
from . import bp
from .schemas import InvitationEnvelope, InvitationIn, InvitationList
from .serializers import invitation_json

ADMIN_ONLY = "not an admin (admin_only)"
DISABLED = "users may not invite on this instance (invitations_disabled)"
NO_INVITATION = "no such invitation of yours (invitation_not_found)"


def _created(json_data):
    invitation, token = invitations.create(require_user(), json_data.get("email"))
    return {"invitation": invitation_json(invitation, token)}, 201


@bp.post("/admin/invitations")
@admin_required
@bp.input(InvitationIn)
@bp.output(InvitationEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 422: "invalid email"})
def create_invitation_as_admin(json_data):
    """Create an invitation (its token is shown once); with `email`, only that address
    may use it, it is mailed the link, and the domain allow-list does not apply."""
    return _created(json_data)


@bp.get("/admin/invitations")
@admin_required
@bp.output(InvitationList)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY})
def list_invitations_as_admin():
    """Every invitation, newest first: pending, used, expired and revoked."""
    found = invitations.listed(require_user(), everyone=True)
    return {"invitations": [invitation_json(invitation) for invitation in found]}


@bp.delete("/admin/invitations/<id:invitation_id>")
@admin_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: ADMIN_ONLY, 404: NO_INVITATION})
def revoke_invitation_as_admin(invitation_id):
    """Revoke an invitation (a used one stays used)."""
    invitations.revoke(require_user(), invitation_id, everyone=True)
    return ""


@bp.post("/invitations")
@login_required
@bp.input(InvitationIn)
@bp.output(InvitationEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={403: DISABLED, 422: "invalid email"})
def create_invitation(json_data):
    """Invite someone (when users may invite); with `email`, the link is mailed there."""
    return _created(json_data)


@bp.get("/invitations")
@login_required
@bp.output(InvitationList)
@bp.doc(security=BEARER, responses={403: DISABLED})
def list_invitations():
    """My invitations, newest first."""
    found = invitations.listed(require_user())
    return {"invitations": [invitation_json(invitation) for invitation in found]}


@bp.delete("/invitations/<id:invitation_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: DISABLED, 404: NO_INVITATION})
def revoke_invitation(invitation_id):
    """Revoke one of my invitations."""
    invitations.revoke(require_user(), invitation_id)
    return ""
