"""`flask` commands: create a user, clean expired data."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext

from .errors import AppError
from .models.columns import utcnow
from .services import accounts, counting, integrity, shares, throttle, upload_endings


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


@click.command("set-email")
@click.argument("user_id", type=int)
@click.argument("email")
@with_appcontext
def set_email(user_id: int, email: str) -> None:
    """Give an account a new email address (e.g. one renamed by migration 0005)."""
    try:
        user = accounts.set_email(user_id, email)
    except AppError as exc:
        raise click.ClickException(f"{exc.field or 'error'}: {exc.message}") from exc
    click.echo(f"user {user.id} is now <{user.email}>")


@click.command("cleanup")
@click.option("--days", default=7, show_default=True,
              help="keep expired sessions this many days before purging them")
@click.option("--share-retention-days", type=int, default=None,
              help="purge ended links after this many days [default: SHARE_RETENTION_DAYS]")
@click.option("--stale-hours", default=24, show_default=True,
              help="release download slots held longer than this by unfinished downloads")
@with_appcontext
def cleanup(days: int, share_retention_days: int | None, stale_hours: int) -> None:
    """Purge expired sessions, ended links, expired unfinished uploads and ended
    rate-limit counters; release stale download slots."""
    removed = accounts.expired_sessions_before(utcnow() - timedelta(days=days))
    click.echo(f"removed {removed} expired sessions")
    retention = share_retention_days
    if retention is None:
        retention = current_app.config["SHARE_RETENTION_DAYS"]
    purged = shares.purge_ended(timedelta(days=retention))
    click.echo(f"purged {purged} ended share links")
    released = counting.release_stale(timedelta(hours=stale_hours))
    click.echo(f"released {released} stale download slots")
    expired = upload_endings.purge_expired()
    click.echo(f"removed {expired} expired unfinished uploads")
    counters = throttle.store().purge()
    click.echo(f"removed {counters} ended rate-limit counters")


@click.command("fsck")
@click.option("--repair", is_flag=True, help="delete rows without bytes and unreachable bytes; "
              "record finished uploads whose recording a crash cut short")
@click.option("--verify", is_flag=True, help="also re-hash every file (reads everything)")
@with_appcontext
def fsck(repair: bool, verify: bool) -> None:
    """Check that every file row has its bytes and every stored object has its row
    (unfinished uploads included)."""
    report = integrity.check(verify_hashes=verify)
    for label, items in (("row without bytes", report.rows_without_bytes),
                         ("size differs", report.wrong_size),
                         ("sha256 differs", report.wrong_hash)):
        for file_id, key in items:
            click.echo(f"{label}: file {file_id} ({key})")
    for upload_id, key in report.unrecorded_uploads:
        click.echo(f"finished upload not recorded: upload {upload_id} ({key})")
    for upload_id, handle in report.uploads_without_bytes:
        click.echo(f"unfinished upload without bytes: upload {upload_id} ({handle})")
    for key in report.bytes_without_row:
        click.echo(f"bytes without row: {key}")
    for name in report.stale_partials:
        click.echo(f"stale partial upload: {name}")
    for handle in report.orphan_uploads:
        click.echo(f"unfinished upload without row: {handle}")
    if report.clean:
        click.echo("clean")
        return
    if repair:
        integrity.repair(report)
        click.echo("repaired")
    else:
        raise click.exceptions.Exit(1)


class MigrateCommands(click.Group):
    """`flask db …`: Flask-Migrate's commands, loaded (with Alembic) when one is asked for."""

    def _real(self) -> click.Group:
        from flask_migrate.cli import db as group  # type: ignore[import-not-found]

        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real().get_command(ctx, cmd_name)


@click.group("db", cls=MigrateCommands)
@click.option("-d", "--directory", default=None,
              help='Migration script directory (default is "migrations")')
@click.option("-x", "--x-arg", multiple=True,
              help="Additional arguments consumed by custom env.py scripts")
@with_appcontext
def migrate_commands(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Perform database migrations."""
    g.directory = directory  # what flask_migrate.cli's group would set for its commands
    g.x_arg = x_arg


def register(app: Flask) -> None:
    app.cli.add_command(migrate_commands)
    app.cli.add_command(create_user)
    app.cli.add_command(set_email)
    app.cli.add_command(cleanup)
    app.cli.add_command(fsck)
