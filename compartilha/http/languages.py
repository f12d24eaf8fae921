"""The language a person reads, for what is made outside their request (mail)."""

from __future__ import annotations

from flask import request

LANG_COOKIE = "compartilha_lang"  # the pages' switch (web/i18n.py) sets it
CHOICES = {"pt-BR": "pt_BR", "en": "en"}


def preferred() -> str:
    """The remembered choice, else the browser's best match, else Portuguese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen is not None and chosen in CHOICES.values():
        return chosen
    return CHOICES[request.accept_languages.best_match(list(CHOICES), default="pt-BR")]
