from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, utcnow


class AuditEvent(Model):
    """One security or administration event (services.audit). The actor is a plain id,
    not a foreign key: the trail outlives the accounts it names. Never a secret or a
    link token in `target` or `details`."""

    __tablename__ = "auditoria"
    __table_args__ = (Index("ix_auditoria_quando", "quando"),
                      Index("ix_auditoria_acao_quando", "acao", "quando"),
                      Index("ix_auditoria_ator_id", "ator_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    time: Mapped[datetime] = mapped_column("quando", UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column("acao", String(48))
    actor_id: Mapped[int | None] = mapped_column("ator_id", Integer, default=None)
    target: Mapped[str] = mapped_column("alvo", String(255), default="")
    ip: Mapped[str] = mapped_column("ip", String(45), default="")
    details: Mapped[str | None] = mapped_column("detalhes", String(1000), default=None)
