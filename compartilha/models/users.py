from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .columns import TABLE_ARGS, UTCDateTime, case_sensitive_string, utcnow


class User(Model):
    __tablename__ = "usuarios"
    __table_args__ = TABLE_ARGS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column("nome", String(255))
    # The canonical form (services/validation.py), compared byte for byte on every
    # database: MariaDB's collation must not decide who `ｃarol@` or `cárol@` is.
    email: Mapped[str] = mapped_column("email", case_sensitive_string(255), unique=True)
    # The address without accents, strokes or width: unique, so no two accounts have
    # emails that look alike or that utf8mb4_unicode_ci would treat as equal.
    email_skeleton: Mapped[str] = mapped_column("email_esqueleto", case_sensitive_string(512),
                                                unique=True)
    password_hash: Mapped[str] = mapped_column("senha", String(255))
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    # When the address was proven (a mailed link opened, a password reset, an operator's
    # `flask users verify`); None: unverified. A new address makes it None again.
    verified_at: Mapped[datetime | None] = mapped_column("verificado_em", UTCDateTime(),
                                                         default=None)
    # The language of the mail the account receives ("pt_BR" or "en").
    language: Mapped[str] = mapped_column("idioma", String(8), default="pt_BR",
                                          server_default="pt_BR")

    # "admin" or "user" (services.admin): the first account of an instance is the admin.
    role: Mapped[str] = mapped_column("papel", String(8), default="user", server_default="user")
    # A disabled account cannot sign in, its sessions are ended and its links answer 404
    # until it is enabled again (None: enabled).
    disabled_at: Mapped[datetime | None] = mapped_column("desativado_em", UTCDateTime(),
                                                         default=None)
    # The account's own byte quota; None: the instance's default (which may be none).
    quota_bytes: Mapped[int | None] = mapped_column("cota_bytes", BigInteger, default=None)
    # The account's own cap on its number of files; None: the default (which may be none).
    quota_files: Mapped[int | None] = mapped_column("cota_arquivos", Integer, default=None)
    last_login_at: Mapped[datetime | None] = mapped_column("ultimo_login_em", UTCDateTime(),
                                                           default=None)
    # Two-step sign-in (services.two_step): the TOTP secret (None: not enrolled), when its
    # first code confirmed it (None: enrolment pending, not yet asked at sign-in), and the
    # last time step a code was accepted for (a code is not accepted twice in its window).
    totp_secret: Mapped[str | None] = mapped_column("totp_segredo", String(255), default=None)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column("totp_confirmado_em",
                                                               UTCDateTime(), default=None)
    totp_last_step: Mapped[int | None] = mapped_column("totp_ultimo_passo", BigInteger,
                                                       default=None)

    sessions: Mapped[list[Session]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class AccountToken(Model):
    """A mailed single-use token (verify an address, reset a password): only its SHA-256
    is stored, so a database leak opens no account."""

    __tablename__ = "tokens_conta"
    __table_args__ = (Index("ix_tokens_conta_usuario_id", "usuario_id"),
                      Index("ix_tokens_conta_expira_em", "expira_em"), TABLE_ARGS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column("finalidade", String(16))  # "verify" or "reset"
    token_hash: Mapped[str] = mapped_column("hash", case_sensitive_string(64), unique=True)
    # The address the token was mailed to: a verification proves that one only.
    email: Mapped[str] = mapped_column("email", case_sensitive_string(255))
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column("expira_em", UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column("usado_em", UTCDateTime(), default=None)

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.expires_at > now


class Session(Model):
    """One issued token. Revoking the row refuses the token on every server."""

    __tablename__ = "sessoes"
    __table_args__ = (Index("ix_sessoes_usuario_id", "usuario_id"), TABLE_ARGS)

    jti: Mapped[str] = mapped_column("jti", case_sensitive_string(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        "usuario_id", ForeignKey("usuarios.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column("criado_em", UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column("expira_em", UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column("revogado_em", UTCDateTime(),
                                                        default=None)
    ip: Mapped[str] = mapped_column("ip", String(45), default="")
    user_agent: Mapped[str] = mapped_column("agente_usuario", String(255), default="")
    # How the session signed in: "password", "password+totp", "password+passkey",
    # "passkey", "oidc" (what the sessions list and the audit log show).
    method: Mapped[str] = mapped_column("metodo", String(24), default="password",
                                        server_default="password")

    user: Mapped[User] = relationship(back_populates="sessions")

    @property
    def public_id(self) -> str:
        """What the session list shows: not the jti itself, which revokes the token."""
        return hashlib.sha256(self.jti.encode()).hexdigest()[:16]

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
