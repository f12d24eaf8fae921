from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow
from .files import File
from .folders import Folder
from .users import User

MESSAGE_MAX = 2000
TITLE_MAX = 255


class Share(Model):
    __tablename__ = "compartilhamentos"
    __table_args__ = (
        Index("ix_compartilhamentos_arquivo_id", "arquivo_id"),
        Index("ix_compartilhamentos_usuario_id", "usuario_id"),
        Index("ix_compartilhamentos_destinatario_email", "destinatario_email"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A one-file link (as before folders); None: a link to several things, its `items`.
    file_id: Mapped[int | None] = mapped_column(
        "arquivo_id", ForeignKey("arquivos.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE")
    )
    # The link's secret token; binary collation so case variants never match on MySQL.
    token: Mapped[str] = mapped_column("link", case_sensitive_string(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        "data_compartilhamento", UTCDateTime(), default=utcnow
    )
    revoked_at: Mapped[datetime | None] = mapped_column("revogado_em", UTCDateTime(),
                                                        default=None)
    expires_at: Mapped[datetime | None] = mapped_column("expira_em", UTCDateTime(), default=None)
    max_downloads: Mapped[int | None] = mapped_column("limite_downloads", Integer,
                                                        default=None)
    download_count: Mapped[int] = mapped_column("downloads", Integer, default=0)
    # Downloads under way: they hold a slot of max_downloads until they finish or fail.
    reserved: Mapped[int] = mapped_column("reservados", Integer, default=0)
    last_download_at: Mapped[datetime | None] = mapped_column(
        "ultimo_download_em", UTCDateTime(), default=None
    )
    password_hash: Mapped[str | None] = mapped_column("senha", String(255), default=None)
    # Canonical form, compared byte for byte like `usuarios.email`.
    recipient_email: Mapped[str | None] = mapped_column(
        "destinatario_email", case_sensitive_string(255), default=None
    )
    # The owner's words to the people the link is for (shown on its page and in its mail).
    message: Mapped[str | None] = mapped_column("mensagem", String(MESSAGE_MAX), default=None)
    title: Mapped[str | None] = mapped_column("titulo", String(TITLE_MAX), default=None)
    # Notifications (services.notifications): mail the owner on each counted download; and
    # when the "expiring soon" and "used up" notices were given, so each is given once.
    notify_on_download: Mapped[bool] = mapped_column("notificar_download", default=False)
    expiry_notice_at: Mapped[datetime | None] = mapped_column("aviso_expira_em", UTCDateTime(),
                                                              default=None)
    used_up_notice_at: Mapped[datetime | None] = mapped_column(
        "aviso_esgotado_em", UTCDateTime(), default=None)

    # `File.shares` comes from this backref: declared here, files.py needs no import of
    # this module (which imports it), and a file's links go with it. None: a link to
    # several things, its `items`.
    file: Mapped[File | None] = relationship(backref=backref(
        "shares", cascade="all, delete-orphan", passive_deletes=True))
    owner: Mapped[User] = relationship()
    items: Mapped[list[ShareItem]] = relationship(
        order_by="ShareItem.position", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def label(self) -> str:
        """What the link is called on pages and in mail: its title, its file's name, or
        that of its first item."""
        if self.title:
            return self.title
        if self.file is not None:
            return self.file.name
        for item in self.items:
            thing = item.file or item.folder
            if thing is not None:
                return thing.name
        return ""

    @property
    def item_count(self) -> int:
        """How many things the link points to (1 for a one-file link)."""
        return 1 if self.file_id is not None else len(self.items)


class ShareItem(Model):
    """One file or one folder (live: its content as it is now) of a link to several things."""

    __tablename__ = "itens_compartilhamento"
    __table_args__ = (
        Index("ix_itens_compartilhamento_compartilhamento_id", "compartilhamento_id"),
        Index("ix_itens_compartilhamento_arquivo_id", "arquivo_id"),
        Index("ix_itens_compartilhamento_pasta_id", "pasta_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        "compartilhamento_id", ForeignKey("compartilhamentos.id", ondelete="CASCADE"))
    # Exactly one of the two is set; deleting the file or folder removes the item.
    file_id: Mapped[int | None] = mapped_column(
        "arquivo_id", ForeignKey("arquivos.id", ondelete="CASCADE"), default=None)
    folder_id: Mapped[int | None] = mapped_column(
        "pasta_id", ForeignKey("pastas.id", ondelete="CASCADE"), default=None)
    # The order the owner chose (the page's and the ZIP's order).
    position: Mapped[int] = mapped_column("posicao", Integer, default=0)

    file: Mapped[File | None] = relationship()
    folder: Mapped[Folder | None] = relationship()


class Access(Model):
    """One download attempt of a share: the receipt its owner sees."""

    __tablename__ = "acessos"
    __table_args__ = (
        Index("ix_acessos_compartilhamento_id", "compartilhamento_id"),
        Index("ix_acessos_usuario_id", "usuario_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    share_id: Mapped[int] = mapped_column(
        "compartilhamento_id", ForeignKey("compartilhamentos.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column("data", UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="SET NULL"), default=None
    )
    ip: Mapped[str] = mapped_column("ip", String(45), default="")
    user_agent: Mapped[str] = mapped_column("agente_usuario", String(255), default="")
    bytes_sent: Mapped[int] = mapped_column("bytes_enviados", BigInteger, default=0)
    # None while the download runs; then True (last byte sent) or False (dropped).
    completed: Mapped[bool | None] = mapped_column("concluido", default=None)
    finished_at: Mapped[datetime | None] = mapped_column("concluido_em", UTCDateTime(),
                                                         default=None)
    # A limited link's download in progress keeps its slot until then, renewed while its
    # bytes flow; a cut one until then too, so its ticket can resume it (services.counting).
    held_until: Mapped[datetime | None] = mapped_column("vaga_ate", UTCDateTime(),
                                                        default=None)
    # What it sends (services.counting.Target): None, a one-file link's file; a file's id
    # or "zip" on a link to several things. A client resuming with no cookie resumes that.
    target: Mapped[str | None] = mapped_column("alvo", String(20), default=None)

    user: Mapped[User | None] = relationship()
