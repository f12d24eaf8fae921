"""Field checks shared by the services (the API's schemas check shape; these check meaning)."""

from __future__ import annotations

import re
import unicodedata

from ..exceptions import InvalidField

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^[^@\s\x00-\x1f\x7f]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
# Control, format (bidi overrides, zero-width), surrogate and unassigned characters.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)


def email(value: str, field: str = "email") -> str:
    value = value.strip().lower()
    if len(value) > 255 or not EMAIL_RE.fullmatch(value):
        raise InvalidField("Enter a valid email address.", field=field)
    return value


def name(value: str) -> str:
    value = " ".join(clean_text(value).split())
    if not value or len(value) > 255:
        raise InvalidField("Enter a name of 1 to 255 characters.", field="name")
    return value


def password(value: str, field: str = "password") -> str:
    # Checked exactly as typed: no trimming, no normalisation.
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise InvalidField(
            f"The password must have {PASSWORD_MIN} to {PASSWORD_MAX} characters.", field=field
        )
    return value
