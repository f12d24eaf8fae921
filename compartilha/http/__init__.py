"""HTTP plumbing: everything between the WSGI server and the routes of `api` and `web`.

`init_app` wires it into the app; routes import what they need from the modules.
"""

from __future__ import annotations

from apiflask import APIFlask

from . import audit_trail, bodies, converters, cross_origin, headers, identity, multipart, openapi


def init_app(app: APIFlask) -> None:
    identity.init_app(app)  # trusted proxies first: they decide the client's address
    converters.init_app(app)  # before any route is registered
    bodies.init_app(app)
    headers.init_app(app)
    multipart.init_app(app)
    openapi.init_app(app)  # the OpenAPI document's common parts
    cross_origin.init_app(app)
    audit_trail.init_app(app)  # the audit log: a sink of logs.event
