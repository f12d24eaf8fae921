from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow


class Invitation(Model):
    """A single-use, expiring invitation to sign up (services.invitations): only the
    SHA-256 of its token is stored. `email`, when set, is the only address it admits."""

    __tablename__ = "convites"
    __table_args__ = (Index("ix_convites_criado_por", "criado_por"),
                      Index("ix_convites_usado_por", "usado_por"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column("hash", case_sensitive_string(64), unique=True)
    email: Mapped[str | None] = mapped_column("email", case_sensitive_string(255), default=None)
    created_by: Mapped[int | None] = mapped_column(
        "criado_por", ForeignKey("usuarios.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column("expira_em", UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column("usado_em", UTCDateTime(), default=None)
    used_by: Mapped[int | None] = mapped_column(
        "usado_por", ForeignKey("usuarios.id", ondelete="SET NULL"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column("revogado_em", UTCDateTime(),
                                                        default=None)

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now
