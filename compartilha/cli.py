"""`flask` commands: create a user, clean expired data."""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext

from . import jobs, services
from .errors import AppError
from .services import accounts, housekeeping, integrity, verification


@click.command("create-user")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--admin", is_flag=True, help="make the account an administrator")
@click.password_option()
@with_appcontext
def create_user(name: str, email: str, password: str, admin: bool) -> None:
    """Create an account (an admin with --admin; the first account of an instance is one)."""
    try:
        user = accounts.register(name, email, password, admin=admin)
    except AppError as exc:
        raise click.ClickException(f"{exc.field or 'error'}: {exc.message}") from exc
    click.echo(f"created {user.role} {user.id} <{user.email}>")


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


@click.group("users")
def users_commands() -> None:
    """Accounts, for operators."""


@users_commands.command("verify")
@click.argument("email")
@with_appcontext
def verify_user(email: str) -> None:
    """Mark an account's address as verified (for operators without mail)."""
    try:
        user = verification.verify_by_operator(email)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"user {user.id} <{user.email}> is verified")


@click.command("cleanup")
@click.option("--days", default=housekeeping.SESSION_DAYS, show_default=True,
              help="keep expired sessions this many days before purging them")
@click.option("--share-retention-days", type=int, default=None,
              help="purge ended links after this many days [default: SHARE_RETENTION_DAYS]")
@click.option("--stale-hours", default=housekeeping.STALE_HOURS, show_default=True,
              help="release download slots held longer than this by unfinished downloads")
@with_appcontext
def cleanup(days: int, share_retention_days: int | None, stale_hours: int) -> None:
    """Purge expired sessions, ended links, expired unfinished uploads, ended rate-limit
    counters and old audit rows; release stale download slots (the jobs worker does it
    hourly)."""
    report = housekeeping.run(days, share_retention_days, stale_hours)
    click.echo(f"removed {report.sessions} expired sessions")
    click.echo(f"purged {report.shares} ended share links")
    click.echo(f"released {report.slots} stale download slots")
    click.echo(f"removed {report.uploads} expired unfinished uploads")
    click.echo(f"removed {report.counters} ended rate-limit counters")
    click.echo(f"removed {report.audit} audit rows past their retention")


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


@click.group("files")
def files_commands() -> None:
    """Stored files, for operators."""


@files_commands.command("crc32")
@click.option("--batch", default=100, show_default=True, help="files per transaction")
@with_appcontext
def files_crc32(batch: int) -> None:
    """Compute the CRC-32 of files uploaded before it was kept (a ZIP of a share needs
    it), reading their bytes; stop it any time, a new run goes on where it stopped."""
    report = integrity.fill_crc32(batch, lambda done: click.echo(f"{done} files done"))
    for file_id, key in report.skipped:
        click.echo(f"skipped: file {file_id} ({key}): bytes missing or not as recorded "
                   "(see flask fsck --verify)")
    click.echo(f"filled {report.filled} files, skipped {len(report.skipped)}")
    if report.skipped:
        raise click.exceptions.Exit(1)


@click.group("jobs", invoke_without_command=True)
@click.pass_context
@with_appcontext
def jobs_commands(ctx: click.Context) -> None:
    """List the background jobs: queued, running, scheduled, failed (waiting for a
    retry) and dead (out of retries); `flask jobs worker` runs them."""
    if ctx.invoked_subcommand is not None:
        return
    listed = jobs.listing()
    for job in listed:
        when = f" {job.when:%Y-%m-%d %H:%M:%S}Z" if job.when else ""
        retries = f" ({job.retries} retries left)" if job.state in ("failed", "scheduled") else ""
        click.echo(f"{job.state:<9} {job.id} {job.name}{when}{retries}")
        if job.error:
            click.echo(f"          {job.error}")
    states = Counter(job.state for job in listed)
    click.echo(", ".join(f"{states[s]} {s}" for s in jobs.STATES))


@jobs_commands.command("worker")
@with_appcontext
def jobs_worker() -> None:
    """Run the jobs (and the periodic ones) until stopped: Ctrl-C or SIGINT finishes the
    running jobs first, SIGTERM puts them back in the queue and stops at once."""
    # Jobs are declared in the service modules that own their work: every one is
    # imported, so the worker knows each job the web processes may queue.
    for module in pkgutil.iter_modules(services.__path__):
        importlib.import_module(f"{services.__name__}.{module.name}")
    consumer = jobs.consumer(current_app._get_current_object())  # type: ignore[attr-defined]
    consumer.run()


@jobs_commands.command("retry")
@click.argument("job_id")
@with_appcontext
def jobs_retry(job_id: str) -> None:
    """Queue a dead job again, with its retries back."""
    if not jobs.retry(job_id):
        raise click.ClickException(f"no dead job {job_id}")
    click.echo(f"queued {job_id} again")


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
    app.cli.add_command(jobs_commands)
    app.cli.add_command(users_commands)
    app.cli.add_command(files_commands)
