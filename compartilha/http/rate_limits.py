"""Rate limits on routes: each request of a method counts under a rule of
`services.throttle`, for the client's address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request

from ..services import throttle
from .identity import client_address


def limited(rule: str, subject: Callable[[], str] = client_address,
            methods: tuple[str, ...] = ("POST",)) -> Callable[[Any], Any]:
    """A view decorator: every request with one of `methods` counts under `rule`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if request.method in methods:
                throttle.take(rule, subject())
            return view(*args, **kwargs)

        return wrapped

    return decorate


register = limited("register")
upload = limited("upload")
share_create = limited("share-create")
password_reset = limited("password-reset")
