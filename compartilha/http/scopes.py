"""What a personal API token may reach: the one map from a route (its endpoint) to the
scope it needs, checked by `identity.require_user` for every token-authenticated request.

A route that is not in the map is for a signed-in session only (403 `session_required`):
tokens, passwords, email, two-step, passkeys, sessions, account deletion, invitations,
webhooks and administration, and any route added later until it is put here.
"""

from __future__ import annotations

from ..errors import ScopeMissing, SessionRequired
from ..models import ApiToken
from ..services import api_tokens

SCOPE_OF: dict[str, str] = {
    # files:read — my files and folders, and their bytes
    "api.list_files": "files:read", "api.get_file": "files:read",
    "api.download": "files:read", "api.list_folders": "files:read",
    "api.get_folder": "files:read",
    # files:write — upload (form and tus), rename, move, delete; folders
    "api.upload": "files:write", "api.change_file": "files:write",
    "api.delete_file": "files:write", "api.create_folder": "files:write",
    "api.change_folder": "files:write", "api.delete_folder": "files:write",
    "api.tus_create": "files:write", "api.tus_status": "files:write",
    "api.tus_append": "files:write", "api.tus_override": "files:write",
    "api.tus_terminate": "files:write",
    # shares:read — my links, their receipts, and the links sent to me
    "api.list_shares": "shares:read", "api.share_accesses": "shares:read",
    "api.shared_with_me": "shares:read",
    # shares:write — create, change, revoke links
    "api.create_share": "shares:write", "api.create_shares": "shares:write",
    "api.change_share": "shares:write", "api.revoke_share": "shares:write",
    # requests:read / requests:write — upload links
    "api.list_requests": "requests:read", "api.get_request": "requests:read",
    "api.create_request": "requests:write", "api.change_request": "requests:write",
    "api.revoke_request": "requests:write",
    # account:read — who I am, my notifications
    "api.me": "account:read", "api.list_notifications": "account:read",
}
assert set(SCOPE_OF.values()) == set(api_tokens.SCOPES)  # noqa: S101 - every scope reaches something


def scope_for(endpoint: str | None) -> str | None:
    """The scope a route needs from a token; None: only a session may use it."""
    return SCOPE_OF.get(endpoint or "")


def require(token: ApiToken, endpoint: str | None) -> None:
    """403 unless `token` may reach `endpoint`: `session_required` for a route not in the
    map, `scope_missing` (naming the scope) for a scope the token lacks."""
    needed = scope_for(endpoint)
    if needed is None:
        raise SessionRequired()
    if needed not in api_tokens.scopes_of(token):
        raise ScopeMissing(needed)


def also_needed(token: ApiToken, scope: str) -> None:
    """A route that does more than its own scope on request (an upload that also makes a
    link) checks the extra scope here."""
    if scope not in api_tokens.scopes_of(token):
        raise ScopeMissing(scope)
