from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow

TITLE_MAX = 255
MESSAGE_MAX = 2000


class FileRequest(Model):
    """An upload link ("pedido de arquivos"): whoever holds its token may upload into
    the owner's folder, within its limits, with no account. The counters move only in
    the transaction that records a received file, by one conditional UPDATE, so the
    limits hold exactly however many uploads race (services.file_requests)."""

    __tablename__ = "pedidos"
    __table_args__ = (Index("ix_pedidos_usuario_id", "usuario_id"),
                      Index("ix_pedidos_pasta_id", "pasta_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    # Where arrivals go; deleting the folder deletes its upload links with it.
    folder_id: Mapped[int] = mapped_column("pasta_id", ForeignKey("pastas.id", ondelete="CASCADE"))
    # The link's secret token (256 bits); binary collation so case variants never match.
    token: Mapped[str] = mapped_column("link", case_sensitive_string(64), unique=True)
    title: Mapped[str] = mapped_column("titulo", String(TITLE_MAX))
    message: Mapped[str | None] = mapped_column("mensagem", String(MESSAGE_MAX), default=None)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column("expira_em", UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column("revogado_em", UTCDateTime(),
                                                        default=None)
    max_files: Mapped[int | None] = mapped_column("limite_arquivos", Integer, default=None)
    max_file_bytes: Mapped[int | None] = mapped_column("limite_bytes_arquivo", BigInteger,
                                                       default=None)
    max_total_bytes: Mapped[int | None] = mapped_column("limite_bytes_total", BigInteger,
                                                        default=None)
    password_hash: Mapped[str | None] = mapped_column("senha", String(255), default=None)
    require_name: Mapped[bool] = mapped_column("exigir_nome", default=False)
    require_email: Mapped[bool] = mapped_column("exigir_email", default=False)
    # Whether the uploader's page lists what they sent during their visit.
    show_uploads: Mapped[bool] = mapped_column("mostrar_enviados", default=True)
    # Email the owner when files arrive (one mail per upload session).
    notify: Mapped[bool] = mapped_column("notificar", default=False)
    files_received: Mapped[int] = mapped_column("arquivos_recebidos", Integer, default=0)
    bytes_received: Mapped[int] = mapped_column("bytes_recebidos", BigInteger, default=0)
    last_upload_at: Mapped[datetime | None] = mapped_column("ultimo_envio_em", UTCDateTime(),
                                                            default=None)
    # The newest received file the owner was told of: arrivals after it are the next
    # notification's (one per upload session, services.events).
    notified_through: Mapped[int | None] = mapped_column("avisado_ate_id", BigInteger,
                                                         default=None)
