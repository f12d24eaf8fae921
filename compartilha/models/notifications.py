"""In-app notifications and the webhooks that carry the same events to other programs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, utcnow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class Notification(Model):
    """One thing that happened to a user's links, shown in their list until read.

    `data` keeps what the text needs (the file's name, the link's id): a purged link or a
    deleted file leaves its notifications readable."""

    __tablename__ = "notificacoes"
    __table_args__ = (Index("ix_notificacoes_usuario_id_lida_em", "usuario_id", "lida_em"),
                      TABLE_ARGS)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column("tipo", String(40))
    data: Mapped[dict] = mapped_column("dados", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column("lida_em", UTCDateTime(), default=None)


class Webhook(Model):
    """An endpoint of a user's that receives their events, signed with its secret."""

    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_usuario_id", "usuario_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column("endereco", String(2048))
    # `whsec_` + base64 of 32 random bytes (Standard Webhooks); the receiver needs it whole,
    # so it is kept (like an API key it signs with), and shown once at creation.
    secret: Mapped[str] = mapped_column("segredo", String(80))
    # A space-separated list of the events it wants.
    events: Mapped[str] = mapped_column("eventos", String(255))
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class Delivery(Model):
    """One event sent (or being sent) to one endpoint: the delivery log."""

    __tablename__ = "entregas_webhook"
    __table_args__ = (Index("ix_entregas_webhook_webhook_id", "webhook_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        "webhook_id", ForeignKey("webhooks.id", ondelete="CASCADE"))
    # The `webhook-id` header: the same on every retry, so receivers can drop duplicates.
    message_id: Mapped[str] = mapped_column("mensagem_id", String(40), unique=True)
    event: Mapped[str] = mapped_column("evento", String(40))
    payload: Mapped[str] = mapped_column("corpo", Text)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    # pending (more tries to come), delivered, failed (no try left)
    status: Mapped[str] = mapped_column("estado", String(16), default="pending")
    attempts: Mapped[int] = mapped_column("tentativas", Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column("ultimo_codigo", Integer, default=None)
    last_error: Mapped[str | None] = mapped_column("ultimo_erro", String(255), default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(
        "ultima_tentativa_em", UTCDateTime(), default=None)

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
