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
_TOKENS = re.compile("(" + "|".join(re.escape(prefix) for prefix in PREFIXES) + ")[^/]+")


def is_token_path(path: str) -> bool:
    return path.startswith(PREFIXES)


def masked(path: str) -> str:
    """The path with every link token replaced: `/s/[link]/download`."""
    return _TOKENS.sub(r"\1[link]", path)
