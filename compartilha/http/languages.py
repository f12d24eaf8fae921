"""The language a person reads, for what is made outside their request (mail)."""

from __future__ import annotations

from flask import request
from flask_babel import format_decimal

LANG_COOKIE = "compartilha_lang"  # the pages' switch (web/i18n.py) sets it
CHOICES = {"pt-BR": "pt_BR", "en": "en"}
UNITS = ("B", "KB", "MB", "GB", "TB")


def preferred() -> str:
    """The remembered choice, else the browser's best match, else Portuguese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen is not None and chosen in CHOICES.values():
        return chosen
    return CHOICES[request.accept_languages.best_match(list(CHOICES), default="pt-BR")]


def filesize(size: int | None) -> str:
    """A size the reader's way (binary units, the locale's decimal mark): pages and
    errors that name sizes."""
    if size is None:
        return ""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value, unit = value / 1024, unit + 1
    number = format_decimal(value, format="#,##0" if unit == 0 else "#,##0.#")
    return f"{number} {UNITS[unit]}"
