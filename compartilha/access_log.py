"""gunicorn's access log without secrets (gunicorn.conf.py names this logger class).

The request line, path, query and referrer of a link's page carry its token
(`/s/<token>`, `/r/<token>`, `/signup?invitation=<token>`): whoever reads the log would
hold the link. The log keeps everything else of the line."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from .public_paths import masked_url

_URL_ATOMS = ("r", "U", "q", "f", "{referer}i")


class MaskedLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        found = super().atoms(resp, req, environ, request_time)
        for atom in _URL_ATOMS:
            if isinstance(found.get(atom), str):
                found[atom] = masked_url(found[atom])
        return found
