from apiflask import APIBlueprint
from sqlalchemy import text

from ..extensions import db
from .schemas import Health

health_bp = APIBlueprint("health", __name__)


@health_bp.get("/healthz")
@health_bp.output(Health)
@health_bp.doc(responses={503: "the database is unreachable"})
def healthz():
    """Liveness and database check."""
    db.session.execute(text("SELECT 1"))  # OperationalError -> 503 via the error handlers
    return {"status": "ok"}
