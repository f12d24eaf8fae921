"""Upload links I create: anyone holding one uploads into my folder (`/r/{token}`)."""

from ..http.identity import BEARER, login_required, require_user
from ..services import file_requests
from . import bp
from .schemas import FileRequestChangeIn, FileRequestEnvelope, FileRequestIn, FileRequestList
from .serializers import request_json

MINE = {404: "no such upload link of mine (or `folder_id` not one of my folders)"}


@bp.post("/requests")
@login_required
@bp.input(FileRequestIn, arg_name="options")
@bp.output(FileRequestEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={404: "`folder_id` is not one of my folders",
                                    422: "an invalid option (each wrong field named)"})
def create_request(options):
    """Create an upload link; with no `folder_id` it gets a folder "Recebidos/<title>"."""
    return {"request": request_json(file_requests.create(require_user().id, **options))}


@bp.get("/requests")
@login_required
@bp.output(FileRequestList)
@bp.doc(security=BEARER)
def list_requests():
    """My upload links, newest first, with their counters."""
    return {"requests": [request_json(link)
                         for link in file_requests.list_for(require_user().id)]}


@bp.get("/requests/<id:request_id>")
@login_required
@bp.output(FileRequestEnvelope)
@bp.doc(security=BEARER, responses=MINE)
def get_request(request_id):
    """One upload link."""
    return {"request": request_json(file_requests.get_owned(require_user().id, request_id))}


@bp.patch("/requests/<id:request_id>")
@login_required
@bp.input(FileRequestChangeIn, arg_name="changes")
@bp.output(FileRequestEnvelope)
@bp.doc(security=BEARER, responses={**MINE, 422: "an invalid option"})
def change_request(request_id, changes):
    """Change an upload link's options; its token stays (`password: null` removes it)."""
    link = file_requests.change(require_user().id, request_id, **changes)
    return {"request": request_json(link)}


@bp.delete("/requests/<id:request_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses=MINE)
def revoke_request(request_id):
    """Revoke an upload link: 410 at once, also for an upload in flight at its next chunk."""
    file_requests.revoke(require_user().id, request_id)
    return ""
