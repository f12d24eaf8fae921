"""The WebAuthn relying party of this request: who passkeys are registered to.

Its id must be a domain and stays the same for a passkey's whole life: PUBLIC_URL's host
when it is set (so changing that host makes every passkey useless: docs/identity.md),
else the request's host without its port, which Flask has checked against TRUSTED_HOSTS.
The origin is what the browser reports: PUBLIC_URL's scheme://host[:port], else the
request's."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from ..services.passkeys import RelyingParty


def relying_party() -> RelyingParty:
    public = current_app.config["PUBLIC_URL"]
    parts = urlsplit(public or request.host_url)
    return RelyingParty(id=(parts.hostname or "localhost").lower(),
                        origin=f"{parts.scheme}://{parts.netloc}".lower())
