"""URL converters shared by the API and the pages: `<id:file_id>` is a row id."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

ID_MAX = 2**31 - 1  # an INT primary key on MySQL
# The OpenAPI schema of an id in a path.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


def at_most(limit: int) -> str:
    """A regex matching exactly the decimal numbers 1..limit, without leading zeros."""
    digits = str(limit)
    parts = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = "1" if i == 0 else "0"
        top = int(digit) - 1
        if i == len(digits) - 1:
            top += 1  # the last digit may equal the limit's own
        if top >= int(low):
            rest = len(digits) - i - 1
            parts.append(f"{digits[:i]}[{low}-{top}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(parts) + ")"


class IdConverter(BaseConverter):
    """A positive id that fits the database's INT. Anything else does not match the route
    at all: a 404 for every method (a converter refusing after matching would make werkzeug
    answer 405 naming the methods of a sibling route), never a query or an overflow."""

    regex = at_most(ID_MAX)
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
