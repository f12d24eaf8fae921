"""`flask` commands: create a user, clean expired data."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from .exceptions import AppError
from .models.base import utcnow
from .services import accounts


@click.command("create-user")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.password_option()
@with_appcontext
def create_user(name: str, email: str, password: str) -> None:
    """Create an account."""
    try:
        user = accounts.register(name, email, password)
    except AppError as exc:
        raise click.ClickException(f"{exc.field or 'error'}: {exc.message}") from exc
    click.echo(f"created user {user.id} <{user.email}>")


@click.command("cleanup")
@click.option("--days", default=7, show_default=True,
              help="keep expired sessions this many days before purging them")
@with_appcontext
def cleanup(days: int) -> None:
    """Purge expired data (sessions now; shares and uploads as they gain expiry)."""
    removed = accounts.expired_sessions_before(utcnow() - timedelta(days=days))
    click.echo(f"removed {removed} expired sessions")


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(cleanup)
