from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, utcnow

NAME_MAX = 255


class Folder(Model):
    """A folder of one owner's files; nested (parent None: at the root). The services keep
    the tree free of cycles; deleting a folder deletes what is in it (rows and bytes)."""

    __tablename__ = "pastas"
    # (usuario_id, pasta_mae_id) serves "the folders in this folder" as an index range scan.
    __table_args__ = (Index("ix_pastas_usuario_id_pasta_mae_id", "usuario_id", "pasta_mae_id"),
                      Index("ix_pastas_pasta_mae_id", "pasta_mae_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column("nome", String(NAME_MAX))
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        "pasta_mae_id", ForeignKey("pastas.id", ondelete="CASCADE"), default=None)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
