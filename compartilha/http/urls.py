"""Absolute URLs handed out: share links, a tus upload's `Location`."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for links handed out (share links, tus `Location`).

    From PUBLIC_URL when it is set (required in production); otherwise from the request's
    host, which Flask has then checked against TRUSTED_HOSTS (config.trusted_hosts), so a
    forged `Host` is refused with 400 before it can name a link."""
    path = url_for(endpoint, **values)  # with the script root, if mounted under one
    public = current_app.config["PUBLIC_URL"]
    if public:
        return public + path[len(request.script_root):]
    return request.host_url.rstrip("/") + path


def request_url(token: str) -> str:
    """The public page of an upload link."""
    return external_url("web.request_page", token=token)


def share_url(token: str) -> str:
    """The public link of a share."""
    return external_url("web.share_page", token=token)


def invitation_url(token: str) -> str:
    """The sign-up page with an invitation."""
    return external_url("web.signup", invitation=token)
