"""My personal API tokens: create (the secret is shown once), list, revoke. Only a
signed-in session manages them: a token cannot (403 `session_required`)."""

from ..http.identity import BEARER, current_session, login_required, require_user
from ..services import api_tokens
from . import bp
from .schemas import ApiTokenEnvelope, ApiTokenIn, ApiTokenList
from .serializers import api_token_json

TAGS = ["API tokens"]


@bp.post("/me/tokens")
@login_required
@bp.input(ApiTokenIn, arg_name="options")
@bp.output(ApiTokenEnvelope, status_code=201)
@bp.doc(security=BEARER, tags=TAGS, responses={
    422: "a name of 1 to 100 characters, at least one known scope, an expiry in the future"})
def create_token(options):
    """Make a token with these scopes; the answer holds its secret, shown this once."""
    token, secret = api_tokens.create(require_user(), options["name"], options["scopes"],
                                      options.get("expires_at"), current_session().jti)
    return {"token": api_token_json(token, secret)}, 201


@bp.get("/me/tokens")
@login_required
@bp.output(ApiTokenList)
@bp.doc(security=BEARER, tags=TAGS)
def list_tokens():
    """My tokens not revoked, newest first, with their last use (expired ones flagged)."""
    return {"tokens": [api_token_json(t) for t in api_tokens.list_for(require_user().id)]}


@bp.delete("/me/tokens/<id:token_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, tags=TAGS, responses={404: "no such token of mine (`token_not_found`)"})
def revoke_token(token_id):
    """Revoke one token: it is refused (401) from now on."""
    api_tokens.revoke(require_user().id, token_id)
    return ""


@bp.delete("/me/tokens")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, tags=TAGS)
def revoke_tokens():
    """Revoke every token of mine."""
    api_tokens.revoke_all(require_user().id)
    return ""
