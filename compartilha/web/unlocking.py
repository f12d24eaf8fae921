"""The cookie a right link password sets: signed with the SECRET_KEY, bound to the link's
token and password (a new password ends older cookies), sent on that link's paths only.
Share links and upload links keep one each, under their own salt, name and lifetime."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response


@dataclass(frozen=True)
class Unlock:
    salt: str
    cookie_prefix: str  # + the link's id
    path_prefix: str  # + the link's token: the cookie's path
    seconds: int

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    @staticmethod
    def _fingerprint(token: str, password_hash: str | None) -> str:
        return hashlib.sha256(f"{token}:{password_hash}".encode()).hexdigest()[:32]

    def unlocked(self, link_id: int, token: str, password_hash: str | None) -> bool:
        """No password, or this request carries the cookie its right password set."""
        if password_hash is None:
            return True
        value = request.cookies.get(f"{self.cookie_prefix}{link_id}")
        if not value:
            return False
        try:
            return (self._serializer().loads(value, max_age=self.seconds)
                    == self._fingerprint(token, password_hash))
        except BadSignature:
            return False

    def remember(self, response: Response, link_id: int, token: str,
                 password_hash: str | None) -> None:
        response.set_cookie(f"{self.cookie_prefix}{link_id}",
                            self._serializer().dumps(self._fingerprint(token, password_hash)),
                            max_age=self.seconds, httponly=True, samesite="Lax",
                            secure=request.is_secure, path=f"{self.path_prefix}{token}")


def private(response: Response) -> Response:
    """A public link's answer: never cached, never indexed, never the link to another site
    (but not `no-referrer`, under which a browser sends `Origin: null` with the password
    form, and null origins are refused: web.same_origin)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
