"""One-time codes that let the person a link is addressed to open it without an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow


class RecipientCode(Model):
    __tablename__ = "codigos_destinatario"
    __table_args__ = (
        Index("ix_codigos_destinatario_compartilhamento_id", "compartilhamento_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        "compartilhamento_id", ForeignKey("compartilhamentos.id", ondelete="CASCADE")
    )
    # The canonical address the code was mailed to (the link's recipient).
    email: Mapped[str] = mapped_column("email", case_sensitive_string(255))
    # HMAC-SHA256 of the code under the SECRET_KEY: a leaked table gives no code, and
    # a million candidates cannot be tried offline without the key.
    code_hash: Mapped[str] = mapped_column("codigo", String(64))
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column("expira_em", UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column("usado_em", UTCDateTime(), default=None)
    attempts: Mapped[int] = mapped_column("tentativas", Integer, default=0)
