"""Compartilha: self-hosted file sharing."""

from __future__ import annotations

import os
from typing import Any

from apiflask import APIFlask
from dotenv import find_dotenv, load_dotenv
from flask_uploads import configure_uploads

from . import config, http, jobs, logs, storage
from .extensions import MigrateOnFirstUse, db, upload_set
from .http import error_handlers
from .http.identity import SECURITY_SCHEMES
from .services import reconcile, throttle

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(overrides: dict[str, Any] | None = None) -> APIFlask:
    load_dotenv(find_dotenv(usecwd=True))  # the .env of the working directory
    app = APIFlask(__name__, title="Compartilha API", version="1.0",
                   spec_path="/api/v1/openapi.json", docs_path=None, json_errors=False,
                   instance_path=os.environ.get("INSTANCE_PATH") or None,
                   instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path, overrides))
    app.config["SECURITY_SCHEMES"] = SECURITY_SCHEMES
    # The OpenAPI document describes errors in the one shape http/error_handlers.py produces.
    app.config["HTTP_ERROR_SCHEMA"] = app.config["VALIDATION_ERROR_SCHEMA"] = (
        error_handlers.ERROR_SCHEMA)
    register_extensions(app)
    register_http(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: APIFlask) -> None:
    db.init_app(app)
    app.extensions["migrate"] = MigrateOnFirstUse(app, MIGRATIONS)
    throttle.init_app(app)
    configure_uploads(app, upload_set)
    storage.init_app(app)
    logs.init_app(app)
    reconcile.init_app(app)
    jobs.init_app(app)


def register_http(app: APIFlask) -> None:
    http.init_app(app)


def register_blueprints(app: APIFlask) -> None:
    from .api import bp as api_bp
    from .api.health import health_bp
    from .web import bp as web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)


def register_errorhandlers(app: APIFlask) -> None:
    error_handlers.register_errorhandlers(app)


def register_commands(app: APIFlask) -> None:
    from . import cli  # click loads only when the app is made

    cli.register(app)
