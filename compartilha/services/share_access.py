"""A share link from its visitor's side: the link behind a public token, whether it opens
for this viewer, its password. (The owner's side is `shares`.)"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..errors import RecipientRequired, ShareNotFound
from ..extensions import db
from ..logs import event
from ..models import Share, User
from . import link_options, shares

# Built once: every view of a share page runs it (issue 14). The owner comes in the same
# statement: the page names them, and loading them lazily was a second round trip and a
# quarter of the page's CPU.
_BY_TOKEN = (select(Share).where(Share.token == bindparam("token"))
             .options(joinedload(Share.file), joinedload(Share.owner)))


def find(token: str, *, used_up_ok: bool = False) -> Share:
    """The share behind a public token while it is active, whoever asks (`used_up_ok`: a
    used-up link too, for the resumption of its last download). An ended link answers
    410 to anyone who holds its token; who may open an active one is `admits`'s say."""
    # The format check keeps odd input (and MySQL's trailing-space padding) away from the query.
    if not link_options.TOKEN_RE.fullmatch(token):
        raise ShareNotFound()
    share = db.session.scalar(_BY_TOKEN, {"token": token})
    # A disabled owner's links answer as if they did not exist, until it is enabled again.
    if share is None or share.token != token or share.owner.disabled_at is not None:
        raise ShareNotFound()
    current = shares.state(share)
    if current != "active" and not (used_up_ok and current == "used_up"):
        raise shares.GONE[current]()
    return share


def resolve(token: str, viewer: User | None = None, *, used_up_ok: bool = False,
            proven: str | None = None) -> Share:
    """The share behind a public token, if it still grants access to this viewer
    (`find`, then `admits`; RecipientRequired, a 404, for anyone else)."""
    share = find(token, used_up_ok=used_up_ok)
    if not admits(share, viewer, proven):
        raise RecipientRequired()
    return share


def admits(share: Share, viewer: User | None, proven: str | None = None) -> bool:
    """May this viewer open the link? One addressed to someone opens for an account with
    that address, verified, or for whoever proved the address with a mailed code
    (`proven`: the address the page's cookie holds, services.recipients); and for its owner."""
    addressed = share.recipient_email
    if addressed is None:
        return True
    if proven is not None and proven == addressed:
        return True
    if viewer is None:
        return False
    return viewer.id == share.user_id or (viewer.email == addressed
                                          and shares.verified(viewer))


def check_password(share: Share, password: str | None, client: str = "") -> None:
    """The link's password, if it has one (401 when missing or wrong; throttled)."""
    link_options.check_password(share.password_hash, password, client, share.token,
                                lambda: event("share.password_failed", share_id=share.id))
