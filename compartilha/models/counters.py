from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string


class Counter(Model):
    """One rate-limit counter shared by every worker and server using this database:
    `count` attempts since its window started, until `resets_at` (see `compartilha.counter_stores`).

    The key is the sha256 of the rule and what it counts (an address, an account), so
    the table holds no address or email in clear."""

    __tablename__ = "contadores"
    __table_args__ = (Index("ix_contadores_renova_em", "renova_em"), TABLE_ARGS)

    key: Mapped[str] = mapped_column("chave", case_sensitive_string(64), primary_key=True)
    count: Mapped[int] = mapped_column("contagem", Integer)
    resets_at: Mapped[datetime] = mapped_column("renova_em", UTCDateTime())
