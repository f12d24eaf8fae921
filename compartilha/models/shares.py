from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow
from .files import File


class Share(db.Model):
    __tablename__ = "compartilhamentos"
    __table_args__ = (
        Index("ix_compartilhamentos_arquivo_id", "arquivo_id"),
        Index("ix_compartilhamentos_usuario_id", "usuario_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(
        "arquivo_id", ForeignKey("arquivos.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE")
    )
    # The link's secret token; binary collation so case variants never match on MySQL.
    token: Mapped[str] = mapped_column("link", case_sensitive_string(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        "data_compartilhamento", UTCDateTime(), default=utcnow
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    file: Mapped[File] = relationship(back_populates="shares")
