from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow


class Setting(Model):
    """One instance setting changed in the admin pages (services.settings): its value as
    JSON. A key with no row takes its default from the environment (config.py)."""

    __tablename__ = "configuracoes"
    __table_args__ = TABLE_ARGS

    key: Mapped[str] = mapped_column("chave", case_sensitive_string(64), primary_key=True)
    value: Mapped[str] = mapped_column("valor", Text)
    updated_at: Mapped[datetime] = mapped_column("atualizado_em", UTCDateTime(), default=utcnow)
