from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow


class Upload(Model):
    """An unfinished tus upload. When its last byte lands it becomes a row of `arquivos`
    and this row goes, in one transaction; until then it is never listed as a file."""

    __tablename__ = "envios"
    __table_args__ = (
        Index("ix_envios_usuario_id", "usuario_id"),
        Index("ix_envios_expira_em", "expira_em"),
        Index("ix_envios_pasta_id", "pasta_id"),
        Index("ix_envios_pedido_id", "pedido_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The upload's public name in its URL: unguessable, compared byte-for-byte.
    token: Mapped[str] = mapped_column("token", case_sensitive_string(32), unique=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column("nome", String(255))
    type: Mapped[str] = mapped_column("tipo", String(50))
    length: Mapped[int] = mapped_column("tamanho", BigInteger)
    offset: Mapped[int] = mapped_column("recebidos", BigInteger, default=0)
    # The storage's opaque handle of the bytes received so far.
    handle: Mapped[str] = mapped_column("armazenamento", String(255))
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column("expira_em", UTCDateTime())
    # The folder the file will be in (None: the root); deleting the folder drops the upload.
    folder_id: Mapped[int | None] = mapped_column(
        "pasta_id", ForeignKey("pastas.id", ondelete="CASCADE"), default=None)
    # A partial upload (tus concatenation) is never a file: a final upload joins it with
    # others and it goes; when its last byte lands it simply stays, until it expires.
    partial: Mapped[bool] = mapped_column("parcial", Boolean, default=False)
    # An upload through an upload link (None: the owner's own) and who said they sent
    # it, from where: the file's provenance once its last byte lands.
    request_id: Mapped[int | None] = mapped_column(
        "pedido_id", ForeignKey("pedidos.id", ondelete="CASCADE"), default=None)
    sender_name: Mapped[str | None] = mapped_column("remetente_nome", String(255), default=None)
    sender_email: Mapped[str | None] = mapped_column("remetente_email", String(255),
                                                     default=None)
    sender_ip: Mapped[str | None] = mapped_column("remetente_ip", String(45), default=None)
    # A PATCH holds the upload until `locked_until`; it renews the lease while it reads.
    lock: Mapped[str | None] = mapped_column("trava", String(32), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(
        "trava_ate", UTCDateTime(), default=None)
