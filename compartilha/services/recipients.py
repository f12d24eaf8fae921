"""Links sent by email: one personal link per recipient (its own token, receipts and
revocation), mailed to them; and the one-time codes with which a recipient without an
account proves the address a link was sent to."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..errors import EmailUnverified, InvalidField, WrongShareCode
from ..extensions import db
from ..logs import event
from ..models import RecipientCode, Share, User
from ..models.columns import utcnow
from . import files, mail, share_items, shares, throttle, validation

MAX_RECIPIENTS = 50
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5  # wrong tries that end a code, besides the rate limits
CODE_DIGITS = 6


def addresses(values: list[str]) -> list[str]:
    """The canonical addresses, each once (in the order given), at most MAX_RECIPIENTS."""
    listed: list[str] = []
    for value in values:
        address = validation.email(value, field="recipients")
        if address not in listed:
            listed.append(address)
    if not listed:
        raise InvalidField("Give at least one address.", field="recipients")
    if len(listed) > MAX_RECIPIENTS:
        raise InvalidField("Send to at most %(max)d addresses at once.", field="recipients",
                           params={"max": MAX_RECIPIENTS})
    return listed


def send(owner: User, file_id: int | None, recipients: list[str], *, lang: str,
         **options: Any) -> list[Share]:
    """One link per address, committed together, then each mailed to its address: to one
    file (`file_id`) or to several things (`file_ids`, `folder_ids`; options: those of
    `shares.build`, but not `recipient_email`; `lang`: the sender's)."""
    if file_id is not None:
        files.get_owned(owner.id, file_id)  # not mine: 404 before any other answer
    else:
        share_items.choose(owner.id, options.get("file_ids") or [],
                           options.get("folder_ids") or [])
    if owner.verified_at is None:
        raise EmailUnverified(field="recipients")
    if options.get("recipient_email") is not None:
        raise InvalidField("Give recipients or one recipient_email, not both.",
                           field="recipients")
    options.pop("recipient_email", None)
    listed = addresses(recipients)
    first = shares.build(owner.id, file_id, recipient_email=listed[0], **options)
    # The password is hashed once (scrypt is slow on purpose) and given to every link.
    options["password"] = None
    links = [first] + [shares.build(owner.id, file_id, recipient_email=address, **options)
                       for address in listed[1:]]
    for link in links[1:]:
        link.password_hash = first.password_hash
    db.session.commit()
    # Someone with an account reads it in the language of their account; others in
    # the sender's.
    known = {email: language for email, language in db.session.execute(
        select(User.email, User.language).where(User.email.in_(listed)))}
    for link in links:
        shares.created(link)
        address = link.recipient_email or ""
        mail.send(address, "share_link", lang=known.get(address, lang), context={
            "owner_name": owner.name, "file_name": link.label,
            "file_size": share_items.total_size(link), "several": link.file_id is None,
            "message": link.message, "url": mail.link(f"/s/{link.token}"),
            "expires_at": link.expires_at, "has_password": link.password_hash is not None})
    return links


def _digest(share: Share, address: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"share-code:{share.id}:{address}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def request_code(share: Share, value: str, *, client: str, lang: str) -> None:
    """Mail a one-time code if `value` is the address the link was sent to. Any other
    address gets the same answer and no mail, so the form tells nobody whom it is for."""
    address = validation.email(value)
    throttle.take("share-code-client", client)
    throttle.take("share-code", f"{share.token}|{address}")
    if share.recipient_email is None or address != share.recipient_email:
        event("share.code_refused", share_id=share.id)
        return
    now = utcnow()
    # A new code ends the ones before it: only the latest mail works.
    db.session.execute(update(RecipientCode).where(
        RecipientCode.share_id == share.id, RecipientCode.email == address,
        RecipientCode.used_at.is_(None)).values(used_at=now))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    db.session.add(RecipientCode(share_id=share.id, email=address, created_at=now,
                                 code_hash=_digest(share, address, code),
                                 expires_at=now + CODE_LIFETIME))
    db.session.commit()
    event("share.code_sent", share_id=share.id)
    mail.send(address, "share_code", lang=lang, context={
        "code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60),
        "owner_name": share.owner.name, "file_name": share.label,
        "url": mail.link(f"/s/{share.token}")})


def check_code(share: Share, value: str, code: str, *, client: str) -> str:
    """The address proved by a right code (which is then used up); WrongShareCode for
    a wrong, expired or used one, or an address the link was not sent to."""
    address = validation.email_key(value)
    code = "".join(code.split())
    with throttle.attempt(("share-code-client", client),
                          ("share-code-check", f"{share.token}|{address}"),
                          failures=(WrongShareCode,)):
        row = _live_code(share, address)
        if row is None or not code.isdigit() or len(code) != CODE_DIGITS:
            raise WrongShareCode(field="code")
        if not hmac.compare_digest(row.code_hash, _digest(share, address, code)):
            _count_wrong(row)
            raise WrongShareCode(field="code")
        # Conditional: of two requests with the same code, one wins.
        used = db.session.execute(update(RecipientCode).where(
            RecipientCode.id == row.id, RecipientCode.used_at.is_(None))
            .values(used_at=utcnow()))
        db.session.commit()
        if not getattr(used, "rowcount", 0):
            raise WrongShareCode(field="code")
    event("share.code_accepted", share_id=share.id)
    return address


def _live_code(share: Share, address: str) -> RecipientCode | None:
    if share.recipient_email is None or address != share.recipient_email:
        return None
    return db.session.scalar(
        select(RecipientCode).where(RecipientCode.share_id == share.id,
                                    RecipientCode.email == address,
                                    RecipientCode.used_at.is_(None),
                                    RecipientCode.expires_at > utcnow())
        .order_by(RecipientCode.id.desc()).limit(1))


def _count_wrong(row: RecipientCode) -> None:
    row.attempts += 1
    if row.attempts >= CODE_TRIES:
        row.used_at = utcnow()
    db.session.commit()
