"""URL converters shared by the API and the pages: `<id:file_id>` is a row id."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1  # an INT primary key on MySQL


class IdConverter(IntegerConverter):
    """A positive id that fits the database's INT: anything else is a 404 at routing,
    never a query (or an overflow) in the database."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, min=1, max=ID_MAX)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
