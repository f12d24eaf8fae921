"""Field errors in the reader's language, for the API's `fields` object and the pages.

Services raise `InvalidField` with an English template and its parameters; the schema
layer (APIFlask/marshmallow) reports type errors in its own English. Both become one
sentence per field here, translated by the request's locale (Accept-Language, or the
language cookie)."""

from __future__ import annotations

import re

from flask_babel import format_decimal, gettext, ngettext

from ..errors import InvalidField

_NUMBERS = re.compile(r"\d+")


def say(problem: InvalidField) -> str:
    """One wrong field's message, translated (the template is the catalog's msgid); a
    number the template takes as `%(x)s` is written the reader's way (1.000.000)."""
    params = {key: format_decimal(value)
              if isinstance(value, int) and f"%({key})s" in problem.template else value
              for key, value in problem.params.items()}
    return gettext(problem.template, **params)


def fields_of(exc: InvalidField) -> dict[str, str]:
    return {p.field: say(p) for p in exc.problems if p.field}


def summary(fields: dict[str, str]) -> str:
    """The error's `message`: the field's own when one is wrong, else how many are."""
    if len(fields) == 1:
        return next(iter(fields.values()))
    return ngettext("%(num)d field is invalid.", "%(num)d fields are invalid.", len(fields))


def _from_marshmallow(text: str) -> str:
    """marshmallow's English for one field, as a sentence in the reader's language."""
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if text.startswith("Missing data"):
        return gettext("This field is required.")
    if text.startswith("Field may not be null"):
        return gettext("This field cannot be empty.")
    if text.startswith("Unknown field"):
        return gettext("This field is not expected here.")
    if text.startswith(("Not a valid integer", "Not a valid number")):
        return gettext("Give a whole number.")
    if text.startswith("Not a valid string"):
        return gettext("Give this as text.")
    if text.startswith("Not a valid boolean"):
        return gettext("Give true or false.")
    if "datetime" in text:
        return gettext("Give a date and time with a time zone, such as "
                       "2030-12-31T18:00:00-03:00.")
    if text.startswith(("Length must be between", "Shorter than", "Longer than")) and numbers:
        if len(numbers) == 2:
            return gettext("Use %(min)d to %(max)d characters.", min=numbers[0], max=numbers[1])
        return gettext("Use %(num)d characters at most.", num=numbers[0]) \
            if text.startswith("Longer") else gettext("Use at least %(num)d characters.",
                                                      num=numbers[0])
    if text.startswith("Must be") and len(numbers) == 2:
        return gettext("Give a number from %(min)d to %(max)d.", min=numbers[0], max=numbers[1])
    return gettext("This value is not valid.")


def from_schema(detail: object) -> dict[str, str]:
    """APIFlask's `{"json": {"field": ["message", ...]}}` as {field: sentence}."""
    fields: dict[str, str] = {}
    if not isinstance(detail, dict):
        return fields
    for location in detail.values():
        if not isinstance(location, dict):
            continue
        for field, messages in location.items():
            first = messages[0] if isinstance(messages, list) and messages else messages
            fields.setdefault(str(field), _from_marshmallow(str(first)))
    return fields
