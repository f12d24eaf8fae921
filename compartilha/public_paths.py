"""The public token paths: pages reached through a secret token in their URL, with no
account (a share link `/s/<token>`, an upload link `/r/<token>`).

Whoever holds the URL holds the access, so every path here is kept out of caches
(`http.headers`) and named without its token in the logs (`compartilha.logs`). A new kind of
public link is added here, and both follow.
"""

from __future__ import annotations

import re

SHARE_LINKS = "/s/"
UPLOAD_LINKS = "/r/"
PREFIXES = (SHARE_LINKS, UPLOAD_LINKS)
_TOKENS = re.compile("(" + "|".join(re.escape(prefix) for prefix in PREFIXES) + r")[^/?#\s]+")


def is_token_path(path: str) -> bool:
    return path.startswith(PREFIXES)


def masked(path: str) -> str:
    """The path with every link token replaced: `/s/[link]/download`."""
    return _TOKENS.sub(r"\1[link]", path)


# Query parameters that carry a secret (the sign-up page's invitation).
SECRET_PARAMETERS = ("invitation", "token")
_SECRET_QUERY = re.compile(r"(?<![^?&;])(" + "|".join(SECRET_PARAMETERS) + r")=[^&;#\s]*")


def masked_url(text: str) -> str:
    """A request line, path, query or referrer with link tokens and secret query values
    replaced: what an access log may keep."""
    return _SECRET_QUERY.sub(r"\1=[masked]", masked(text))
