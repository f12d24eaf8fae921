"""Credentials beyond the password (issue 19): personal API tokens, two-step recovery
codes, passkeys, single sign-on identities, and the short-lived challenges the sign-in
steps hand out. Secrets are stored as SHA-256 only (a database leak opens nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow


class ApiToken(Model):
    """A personal API token: `Authorization: Bearer <prefix><secret>`, with scopes."""

    __tablename__ = "tokens_api"
    __table_args__ = (Index("ix_tokens_api_usuario_id", "usuario_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column("nome", String(100))
    # The token's first characters (its recognisable prefix and a few more), shown in
    # lists so its owner can tell which one leaked; not enough to use it.
    hint: Mapped[str] = mapped_column("inicio", case_sensitive_string(24))
    token_hash: Mapped[str] = mapped_column("hash", case_sensitive_string(64), unique=True)
    scopes: Mapped[str] = mapped_column("escopos", String(255))  # space-separated
    # The session it was created from: ending that session from elsewhere (the sessions
    # list, "sign out everywhere", a password change) revokes the token too, so a stolen
    # session leaves nothing behind. A plain sign-out or expiry keeps it.
    session_jti: Mapped[str | None] = mapped_column("sessao", case_sensitive_string(64),
                                                    default=None)
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column("expira_em", UTCDateTime(),
                                                        default=None)
    last_used_at: Mapped[datetime | None] = mapped_column("ultimo_uso_em", UTCDateTime(),
                                                          default=None)
    last_used_ip: Mapped[str | None] = mapped_column("ultimo_ip", String(45), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column("revogado_em", UTCDateTime(),
                                                        default=None)

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RecoveryCode(Model):
    """One of the ten single-use codes that stand in for a two-step code."""

    __tablename__ = "codigos_recuperacao"
    __table_args__ = (Index("ix_codigos_recuperacao_usuario_id", "usuario_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column("hash", case_sensitive_string(64))
    used_at: Mapped[datetime | None] = mapped_column("usado_em", UTCDateTime(), default=None)


class Passkey(Model):
    """A WebAuthn credential registered to an account."""

    __tablename__ = "chaves_acesso"
    __table_args__ = (Index("ix_chaves_acesso_usuario_id", "usuario_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column("nome", String(100))
    # The credential id (base64url, up to ~1.4 kB) and its SHA-256, which is unique and
    # what a sign-in looks the passkey up by.
    credential_id: Mapped[str] = mapped_column("credencial", Text)
    credential_hash: Mapped[str] = mapped_column("credencial_hash", case_sensitive_string(64),
                                                 unique=True)
    public_key: Mapped[str] = mapped_column("chave_publica", Text)  # COSE, base64url
    sign_count: Mapped[int] = mapped_column("contador", BigInteger, default=0)
    transports: Mapped[str] = mapped_column("transportes", String(255), default="")
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column("ultimo_uso_em", UTCDateTime(),
                                                          default=None)


class ExternalIdentity(Model):
    """An account's identity at an OpenID provider: its issuer and subject."""

    __tablename__ = "identidades_externas"
    __table_args__ = (UniqueConstraint("emissor", "sujeito",
                                       name="uq_identidades_externas_emissor"),
                      Index("ix_identidades_externas_usuario_id", "usuario_id"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column("emissor", case_sensitive_string(255))
    subject: Mapped[str] = mapped_column("sujeito", case_sensitive_string(255))
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column("ultimo_login_em", UTCDateTime(),
                                                           default=None)


class Challenge(Model):
    """A short-lived, single-use step of a sign-in (services.challenges): the second-step
    token after a password, a WebAuthn challenge, an OpenID Connect state. Only the
    SHA-256 of what the client holds is stored; using it deletes the row."""

    __tablename__ = "desafios"
    __table_args__ = (Index("ix_desafios_expira_em", "expira_em"),
                      Index("ix_desafios_usuario_id", "usuario_id"), TABLE_ARGS)

    token_hash: Mapped[str] = mapped_column("hash", case_sensitive_string(64),
                                            primary_key=True)
    purpose: Mapped[str] = mapped_column("finalidade", String(24))
    user_id: Mapped[int | None] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"), default=None)
    data: Mapped[str] = mapped_column("dados", Text, default="{}")  # JSON
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column("expira_em", UTCDateTime())
