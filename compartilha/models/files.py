from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow

if TYPE_CHECKING:
    from .requests import FileRequest


class File(Model):
    __tablename__ = "arquivos"
    # (usuario_id, id) serves "my files, newest first" as an index range scan.
    __table_args__ = (Index("ix_arquivos_usuario_id_id", "usuario_id", "id"),
                      Index("ix_arquivos_token_envio", "token_envio", unique=True),
                      Index("ix_arquivos_pasta_id", "pasta_id"),
                      Index("ix_arquivos_pedido_id", "pedido_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column("nome", String(255))
    type: Mapped[str] = mapped_column("tipo", String(50))
    # Storage key made by the server; never derived from the user's file name.
    key: Mapped[str] = mapped_column("caminho", String(255), unique=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE")
    )
    size: Mapped[int] = mapped_column("tamanho", BigInteger)
    sha256: Mapped[str] = mapped_column("sha256", String(64))
    # CRC-32 of the bytes (unsigned), computed with sha256 at upload: what a stored ZIP
    # entry needs, so a share's "download all" is known before its first byte. None for
    # files uploaded before it existed until `flask files crc32` fills it in.
    crc32: Mapped[int | None] = mapped_column("crc32", BigInteger, default=None)
    # Provenance of a file received through an upload link: the link (None once it is
    # deleted, and for the owner's own uploads), who said they sent it, from where.
    request_id: Mapped[int | None] = mapped_column(
        "pedido_id", ForeignKey("pedidos.id", ondelete="SET NULL"), default=None)
    request: Mapped[FileRequest | None] = relationship(lazy="select")
    sender_name: Mapped[str | None] = mapped_column("remetente_nome", String(255), default=None)
    sender_email: Mapped[str | None] = mapped_column("remetente_email", String(255),
                                                     default=None)
    sender_ip: Mapped[str | None] = mapped_column("remetente_ip", String(45), default=None)
    # The name it was sent with (set for arrivals only): the visitor's receipt says this,
    # never `name`, which free_name may have changed to tell it apart in the folder.
    sent_name: Mapped[str | None] = mapped_column("nome_enviado", String(255), default=None)
    # The folder the file is in; None: the owner's root.
    folder_id: Mapped[int | None] = mapped_column(
        "pasta_id", ForeignKey("pastas.id", ondelete="CASCADE"), default=None)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    # The token of the tus upload that made this file: its URL keeps answering HEAD (and
    # a repeated last PATCH) until the upload would have expired, instead of a 404 that
    # makes a client whose last answer was lost send the whole file again.
    # The antivirus verdict when it was stored (services.antivirus): None when no scanner
    # is configured, "clean", or "unscanned" (the scanner was down and
    # CLAMAV_UNAVAILABLE=accept kept the file, marked).
    scan: Mapped[str | None] = mapped_column("verificacao", String(16), default=None)
    upload_token: Mapped[str | None] = mapped_column(
        "token_envio", case_sensitive_string(32), default=None)
