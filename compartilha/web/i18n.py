"""Languages: Brazilian Portuguese by default, English second; dates and sizes per locale."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request
from flask_babel import Babel, format_datetime, format_decimal, get_locale

from ..http.languages import LANG_COOKIE, filesize
from .kinds import kind_of, kind_table

__all__ = ["LANG_COOKIE", "LANGUAGES", "babel", "init_app"]

LANGUAGES = {"pt_BR": "Português (Brasil)", "en": "English"}
DEFAULT_LOCALE = "pt_BR"

babel = Babel()


def select_locale() -> str:
    """The remembered choice, else the browser's best match, else Portuguese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    # Werkzeug falls back to the primary tag, so "pt-PT" and "pt" find pt_BR.
    best = request.accept_languages.best_match(["pt-BR", "en"], default="pt-BR")
    return "en" if best == "en" else DEFAULT_LOCALE


def when(value: datetime | None, style: str = "medium") -> str:
    return format_datetime(value, style) if value else ""


def html_lang() -> str:
    return str(get_locale() or DEFAULT_LOCALE).replace("_", "-")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "America/Sao_Paulo")
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(filesize, "filesize")
    app.add_template_filter(when, "when")
    app.add_template_filter(kind_of, "filekind")
    app.add_template_filter(format_decimal, "number")
    app.add_template_global(kind_table, "kind_table")
    app.add_template_global(html_lang, "html_lang")
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
