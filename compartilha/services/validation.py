"""Field checks shared by the services (the API's schemas check shape; these check meaning)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from email_validator import EmailNotValidError, validate_email

from ..errors import InvalidField

PASSWORD_MIN, PASSWORD_MAX = 8, 1024
# Control, format (bidi overrides, zero-width), surrogate and unassigned characters.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)


# Emails have one canonical form, used for storage, uniqueness, lookups, limits and
# recipients: NFKC + casefold (`ＣＡＲＯＬ@` is `carol@`), then validated and normalised by
# email-validator (IDNA domains in Unicode). Besides ASCII, only Latin letters whose
# utf8mb4_unicode_ci weight is one element of their own are allowed (no symbols, no later
# additions that MariaDB weighs by code point), so that `skeleton` can be proved, letter
# by letter, to join every pair of addresses MariaDB's collation would call equal
# (tests/services/test_emails.py).
_LATIN = (range(0xC0, 0x180), range(0x1E00, 0x1F00))
_UNWEIGHED = {"\u1e9c", "\u1e9d", "\u1e9f", "\u1efb", "\u1efd", "\u1eff"}
# Letters that do not decompose into a base letter and an accent, but read like one.
_LOOKALIKES = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t",
                             "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ŀ": "l", "ĸ": "k",
                             "ŋ": "n"})
EMAIL_MAX = 254


def fold(value: str) -> str:
    """NFKC, casefold, NFKC again (casefolding can leave text that NFKC changes)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value.strip()).casefold())


def in_alphabet(ch: str) -> bool:
    """May this character be part of a canonical address?"""
    if ch.isascii():
        return True
    return (unicodedata.category(ch).startswith("L") and ch not in _UNWEIGHED
            and any(ord(ch) in block for block in _LATIN))


def check_all(checks: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every check, so that one answer names every wrong field, not only the first."""
    values: dict[str, Any] = {}
    problems: list[InvalidField] = []
    for key, check in checks.items():
        try:
            values[key] = check()
        except InvalidField as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidField.combine(problems)
    return values


def email(value: str, field: str = "email") -> str:
    """The canonical form of an address typed by someone, or InvalidField."""
    if len(value) > 4 * EMAIL_MAX:  # no address is this long; spare the parser
        raise InvalidField("Enter a valid email address.", field=field)
    folded = fold(value)
    try:
        canonical = validate_email(folded, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidField("Enter a valid email address.", field=field) from exc
    if len(canonical) > EMAIL_MAX or not all(in_alphabet(ch) for ch in canonical):
        raise InvalidField("Enter a valid email address.", field=field)
    return canonical


def email_key(value: str) -> str:
    """What a login or a limit looks up: the canonical form, or the folded text when it is
    not a valid address (it then matches nobody, or an account older than these rules)."""
    try:
        return email(value)
    except InvalidField:
        return fold(value)[:255]


def skeleton(canonical: str) -> str:
    """The address with accents, strokes and ligatures taken off: two accounts may not
    share one, so `cárol@` cannot sit beside `carol@` (MariaDB would even call them equal)."""
    plain = unicodedata.normalize("NFKD", canonical.translate(_LOOKALIKES))
    return fold("".join(ch for ch in plain if not unicodedata.category(ch).startswith("M")))


def name(value: str) -> str:
    value = " ".join(clean_text(value).split())
    if not value or len(value) > 255:
        raise InvalidField("Enter a name of 1 to 255 characters.", field="name")
    return value


def password(value: str, field: str = "password") -> str:
    # Checked exactly as typed: no trimming, no normalisation.
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        message = ("The new password must have %(min)d to %(max)d characters."
                   if field == "new_password"
                   else "The password must have %(min)d to %(max)d characters.")
        raise InvalidField(message, field=field, params={"min": PASSWORD_MIN, "max": PASSWORD_MAX})
    return value
