"""Background jobs: one Huey queue, configured from the app (docs/jobs.md).

Storage: a SQLite file `jobs.db` in the instance folder by default, Redis when
`REDIS_URL` is set (every server then shares one queue), both kept by the leasing
storages of `compartilha.job_storage`, so a worker killed mid-job loses nothing. In
tests (`TESTING`, unless `JOBS_IMMEDIATE` is false) a job runs at once, in-process.

A job is declared where its work lives (`@jobs.task(retries=N)` in a service module) and
runs in an app context of its own: the worker's app (`flask jobs worker` makes one), or,
in immediate mode, a fresh context of the caller's app, so its session and `g` are its
own. Failures are retried with exponential backoff; a job out of retries is kept as
*dead* (`flask jobs` lists it, `flask jobs retry ID` queues it again). Services enqueue
only after their commit: a job never refers to a row that was rolled back.
"""

from __future__ import annotations

import functools
import logging
import pickle
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context

from .job_storage import (
    CancelExecution,
    Huey,
    MemoryStorage,
    ReliableRedisStorage,
    ReliableSqliteStorage,
    Task,
    crontab,
    signals,
)

__all__ = ["Permanent", "crontab", "huey", "init_app", "periodic", "task"]

log = logging.getLogger("compartilha.jobs")
NAME = "compartilha"
# The first retry waits this long, each next one twice as long (10 s, 20 s, 40 s, …).
RETRY_DELAY = 10.0
RETRY_BACKOFF = 2.0
DEAD, FAILED = "dead:", "failed:"
STATES = ("queued", "running", "scheduled", "failed", "dead")


class Permanent(CancelExecution):
    """Raised by a job whose failure no retry can cure (a mail server's 5xx answer, a
    webhook URL that is refused): the job goes straight to the dead list."""

    def __init__(self, message: str) -> None:
        super().__init__(retry=False)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Queue(Huey):
    """Huey whose storage is chosen when the app is (tasks are declared at import time,
    in the modules that own their work), and whose worker acknowledges a job only once
    its run is over (`compartilha.job_storage`)."""

    app: Flask | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: set[Any] = set()
        self._held_lock = threading.Lock()

    def get_storage(self, **kwargs: Any) -> MemoryStorage:
        return MemoryStorage(self.name)

    def configure(self, app: Flask) -> None:
        self.app = app
        immediate = bool(app.testing and app.config.get("JOBS_IMMEDIATE", True))
        self._immediate = immediate
        self.storage = MemoryStorage(self.name) if immediate else _storage(app)

    @property
    def leasing(self) -> bool:
        return hasattr(self.storage, "lease_next")

    def dequeue(self) -> Task | None:
        if not self.leasing:
            return super().dequeue()
        taken = self.storage.lease_next()
        if taken is None:
            return None
        lease_id, data = taken
        with self._held_lock:
            self._held.add(lease_id)
        try:
            job = self.deserialize_task(data)
        except Exception:  # an unknown job (renamed, removed): kept as dead, not retried
            log.exception("cannot read a queued job; kept as dead")
            self.storage.put_data(DEAD + str(lease_id)[:40], pickle.dumps(
                {"name": "?", "error": "unreadable job", "died_at": datetime.now(UTC),
                 "message": data}))
            self.storage.ack(lease_id)
            with self._held_lock:
                self._held.discard(lease_id)
            return None
        job.lease_id = lease_id
        return job

    def execute(self, task: Task, timestamp: datetime | None = None) -> Any:
        try:
            return super().execute(task, timestamp)
        finally:
            self.finish(task, release=False)

    def finish(self, task: Task, release: bool) -> None:
        """End the job's lease: acknowledged (its run is over, retry scheduled if any), or
        released back to the queue (the worker is stopping in the middle of it)."""
        lease_id = getattr(task, "lease_id", None)
        with self._held_lock:
            if lease_id is None or lease_id not in self._held:
                return
            self._held.discard(lease_id)
        (self.storage.release if release else self.storage.ack)(lease_id)

    def read_schedule(self, timestamp: datetime | None = None) -> list[Task]:
        """The scheduler's tick (every second): renew this worker's leases, queue again
        the jobs of workers that died, and move due retries into the queue."""
        if not self.leasing:
            return super().read_schedule(timestamp)
        with self._held_lock:
            held = list(self._held)
        self.storage.renew(held)
        recovered = self.storage.recover()
        if recovered:
            log.warning("queued again %d job(s) of a worker that stopped mid-job", recovered)
        self.storage.promote_due(timestamp or self._get_timestamp())
        return []


huey = Queue(NAME, results=False, immediate=True)


def _storage(app: Flask) -> Any:
    lease = float(app.config["JOBS_LEASE_SECONDS"])
    if app.config["REDIS_URL"]:
        prefix = app.config["RATELIMIT_KEY_PREFIX"] or NAME
        return ReliableRedisStorage(f"{prefix}_jobs", url=app.config["REDIS_URL"], lease=lease)
    return ReliableSqliteStorage(NAME, filename=str(Path(app.instance_path) / "jobs.db"),
                                 lease=lease)


def init_app(app: Flask) -> None:
    huey.configure(app)
    app.extensions["compartilha.jobs"] = huey


def _in_app_context(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        app = current_app._get_current_object() if has_app_context() else huey.app  # type: ignore[attr-defined]
        if app is None:
            raise RuntimeError("jobs.init_app was never called: no app to run a job in")
        with app.app_context():
            return func(*args, **kwargs)

    return run


def task(retries: int = 5, retry_delay: float = RETRY_DELAY) -> Callable[[Callable[..., Any]], Any]:
    """A function that, called, is queued as a job; retried `retries` times on failure,
    waiting `retry_delay` seconds and doubling it each time. `f.call_local(...)` runs it
    here and now (and raises what it raises)."""

    def decorate(func: Callable[..., Any]) -> Any:
        return huey.task(retries=retries, retry_delay=retry_delay,
                         retry_backoff=RETRY_BACKOFF)(_in_app_context(func))

    return decorate


def periodic(schedule: Callable[[datetime], bool], retries: int = 0) -> Callable[..., Any]:
    """A job the worker queues on its own whenever `schedule` (a `crontab(...)`) says."""

    def decorate(func: Callable[..., Any]) -> Any:
        return huey.periodic_task(schedule, retries=retries, retry_delay=RETRY_DELAY,
                                  retry_backoff=RETRY_BACKOFF)(_in_app_context(func))

    return decorate


@huey.signal(signals.SIGNAL_INTERRUPTED)
def _interrupted(signal: str, job: Task) -> None:
    """The worker stops (SIGTERM) in the middle of the job: back to the queue at once,
    rather than when its lease runs out."""
    huey.finish(job, release=True)


@huey.post_execute()
def _record_failure(job: Task, value: Any, exc: BaseException | None) -> None:
    """A failing job waiting for its retry is listed as failed with its last error; one
    out of retries (or refused for good) as dead, kept for an operator to see and retry:
    Huey itself would only log it."""
    storage = huey.storage
    if exc is None:
        storage.delete_data(FAILED + job.id)
        return
    error = "".join(traceback.format_exception_only(exc)).strip()
    record = {"name": _name(job), "error": error, "died_at": datetime.now(UTC),
              "message": huey.serialize_task(job), "retries": job.retries}
    if job.retries:
        storage.put_data(FAILED + job.id, pickle.dumps(record))
        log.warning("job %s %s failed, retried in %s s (then %d retries left): %s",
                    job.name, job.id, job.retry_delay, job.retries - 1, error)
        return
    storage.delete_data(FAILED + job.id)
    storage.put_data(DEAD + job.id, pickle.dumps(record))
    log.error("job %s %s is dead: %s", job.name, job.id, error)


def consumer(app: Flask) -> Any:
    """The worker of `flask jobs worker`: JOBS_WORKERS threads (threads, so that the
    scheduler's tick renews the leases of every running job) and the scheduler."""
    if not huey.leasing:
        raise RuntimeError("jobs run in-process here (TESTING with JOBS_IMMEDIATE)")
    logging.getLogger("huey").setLevel(logging.INFO)
    if not logging.getLogger("huey").handlers:
        logging.getLogger("huey").addHandler(logging.StreamHandler())
    return huey.create_consumer(workers=app.config["JOBS_WORKERS"], worker_type="thread",
                                periodic=True, initial_delay=0.1, backoff=1.15,
                                max_delay=1.0, scheduler_interval=1)


def _name(job: Task) -> str:
    return huey._registry.task_to_string(type(job))


@dataclass(frozen=True)
class Job:
    """One job as `flask jobs` lists it."""

    id: str
    name: str
    state: str  # queued, running, scheduled (a retry or a later run), failed, dead
    when: datetime | None = None  # scheduled: when it runs; failed, dead: when it failed
    retries: int = 0  # retries left
    error: str = ""


def _read(data: bytes, state: str) -> Job:
    try:
        job = huey.deserialize_task(data)
    except Exception:  # noqa: BLE001 - a job of code that no longer exists is still listed
        return Job("?", "?", state)
    eta = job.eta.replace(tzinfo=UTC) if job.eta else None
    return Job(job.id, _name(job), state, eta, job.retries)


def _records(prefix: str) -> list[dict[str, Any]]:
    items = huey.storage.result_items() if hasattr(huey.storage, "result_items") else {}
    return [pickle.loads(bytes(value)) | {"id": key.removeprefix(prefix)}  # noqa: S301
            for key, value in sorted(items.items()) if key.startswith(prefix)]


def listing() -> list[Job]:
    """Every job the queue holds: queued, running, scheduled, failed (waiting for a
    retry, with its last error) and dead (with the error that killed it)."""
    storage = huey.storage
    found = [_read(data, "queued") for data in storage.enqueued_items()]
    if huey.leasing:
        found += [_read(data, "running") for data in storage.leased_items()]
    failed = {record["id"]: record for record in _records(FAILED)}
    for data in storage.scheduled_items():
        job = _read(data, "scheduled")
        if job.id in failed:
            job = Job(job.id, job.name, "failed", job.when, job.retries,
                      failed[job.id]["error"])
        found.append(job)
    found += [Job(r["id"], r["name"], "dead", r["died_at"], 0, r["error"])
              for r in _records(DEAD)]
    return found


def retry(job_id: str) -> bool:
    """Queue a dead job again, with its retries back; False when there is no such job."""
    record = huey.storage.pop_data(DEAD + job_id)
    if not isinstance(record, bytes | memoryview):
        return False
    job = huey.deserialize_task(pickle.loads(bytes(record))["message"])  # noqa: S301
    job.retries = type(job).default_retries
    job.retry_delay = type(job).default_retry_delay
    huey.enqueue(job)
    return True
