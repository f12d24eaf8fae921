"""Background jobs (compartilha/jobs.py): in-process in tests, and on the leasing SQLite
and Redis storages the worker uses, where a job is acknowledged only once its run ends."""

from __future__ import annotations

import secrets
import time

import pytest
from flask import current_app, g

from compartilha import create_app, jobs
from compartilha.extensions import db
from tests.conftest import base_config
from tests.test_throttle_shared import REDIS_URL, redis_up

ran: list[tuple[str, object]] = []


@jobs.task(retries=2, retry_delay=0.01)
def note(value: str) -> str:
    """A job that records the app it ran in, and whether `g` was its own."""
    ran.append((value, current_app.name))
    assert "marker" not in g
    g.marker = True
    return value


@jobs.task(retries=2, retry_delay=0.01)
def fail(value: str) -> None:
    ran.append((value, "failed"))
    raise RuntimeError(f"boom {value}")


@jobs.task(retries=3, retry_delay=0.01)
def refuse(value: str) -> None:
    ran.append((value, "refused"))
    raise jobs.Permanent(f"no {value}")


@pytest.fixture(autouse=True)
def _clean():
    ran.clear()
    yield
    ran.clear()


def test_in_tests_a_job_runs_at_once_in_a_context_of_its_own(app):
    with app.test_request_context("/"):
        g.marker = "the request's"
        note("hello")
        assert g.marker == "the request's"
    assert ran == [("hello", app.name)]


def test_the_database_session_of_a_job_is_its_own(app):
    @jobs.task()
    def count_users() -> None:
        ran.append(("session", db.session))

    try:
        with app.app_context():
            mine = db.session()
            count_users()
        assert ran[0][1] is not mine
    finally:
        jobs.huey._registry.unregister(count_users.task_class)


def test_a_failing_job_is_retried_then_dead_with_its_error(app):
    with app.app_context():
        fail("x")
    # In-process, the first run happens now and its retry is scheduled: failed, not dead.
    assert ran == [("x", "failed")]
    [listed] = jobs.listing()
    assert (listed.state, listed.retries, listed.error) == ("failed", 1, "RuntimeError: boom x")


def test_a_permanent_failure_is_dead_at_once(app):
    with app.app_context():
        refuse("y")
    assert ran == [("y", "refused")]
    [listed] = [job for job in jobs.listing() if job.state == "dead"]
    assert listed.name == "tests.test_jobs.refuse" and listed.error.endswith("no y")


def test_periodic_jobs_are_registered_with_their_schedule():
    from compartilha.services import housekeeping

    periodic = {type(t).__name__ for t in jobs.huey._registry.periodic_tasks}
    assert "every_hour" in periodic
    assert housekeeping.every_hour.task_class.validate_datetime is not None


# --- the worker's storages: SQLite in the instance folder, or Redis --------------------


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path, monkeypatch):
    """The global queue on a real storage, leased with a 0.2 s deadline."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    config = base_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}") | {
        "JOBS_IMMEDIATE": False, "JOBS_LEASE_SECONDS": 0.2}
    if request.param == "redis":
        if not redis_up():
            pytest.skip("Redis not reachable")
        config |= {"REDIS_URL": REDIS_URL,
                   "RATELIMIT_KEY_PREFIX": f"t{secrets.token_hex(6)}"}
    app = create_app(config)
    with app.app_context():
        yield jobs.huey
        jobs.huey.storage.flush_all()
    jobs.huey.configure(create_app(base_config(tmp_path, "sqlite://")))  # in-process again


def states(queue) -> list[tuple[str, str]]:
    return [(job.state, job.name.rpartition(".")[2]) for job in jobs.listing()]


def test_sqlite_jobs_live_in_the_instance_folder(queue, tmp_path):
    if queue.storage.__class__.__name__ == "ReliableSqliteStorage":
        assert queue.storage.filename == str(tmp_path / "instance" / "jobs.db")


def test_a_job_is_queued_leased_while_it_runs_and_gone_once_done(queue):
    note("a")
    assert states(queue) == [("queued", "note")] and ran == []
    job = queue.dequeue()
    assert states(queue) == [("running", "note")]
    queue.execute(job)
    assert ran == [("a", current_app.name)] and states(queue) == []


def test_a_job_whose_worker_died_runs_again_after_its_lease(queue):
    note("b")
    queue.dequeue()
    queue._held.clear()  # ... and its worker is killed here: no ack, no renewal
    queue.read_schedule()
    assert states(queue) == [("running", "note")]  # the lease still runs
    time.sleep(0.3)
    queue.read_schedule()  # any worker's next tick
    assert states(queue) == [("queued", "note")]
    queue.execute(queue.dequeue())
    assert [value for value, _ in ran] == ["b"] and states(queue) == []


def test_a_running_job_keeps_its_lease_while_its_worker_ticks(queue):
    note("c")
    job = queue.dequeue()
    for _ in range(4):
        time.sleep(0.1)
        queue.read_schedule()  # renews what this worker holds
    assert states(queue) == [("running", "note")]
    queue.execute(job)
    assert states(queue) == []


def test_a_worker_stopping_mid_job_puts_it_back_at_once(queue):
    note("d")
    job = queue.dequeue()
    queue.finish(job, release=True)
    assert states(queue) == [("queued", "note")]


def test_retries_wait_then_run_and_the_last_failure_is_dead(queue):
    fail("e")
    queue.execute(queue.dequeue())
    [(state, name)] = states(queue)
    assert (state, name) == ("failed", "fail")
    for _ in range(2):
        time.sleep(0.05)
        queue.read_schedule()  # the due retry moves into the queue
        queue.execute(queue.dequeue())
    assert [value for value, _ in ran] == ["e", "e", "e"]
    [dead] = jobs.listing()
    assert (dead.state, dead.error) == ("dead", "RuntimeError: boom e")
    assert jobs.retry(dead.id) and states(queue) == [("queued", "fail")]
    assert not jobs.retry(dead.id)


def test_the_cli_lists_the_jobs(queue):
    note("f")
    refuse("g")
    queue.execute(queue.dequeue())
    queue.execute(queue.dequeue())
    note("h")
    result = current_app.test_cli_runner().invoke(args=["jobs"])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output and "tests.test_jobs.note" in result.output
    assert "jobs.Permanent: no g" in result.output or "Permanent: no g" in result.output
    assert result.output.strip().endswith("1 queued, 0 running, 0 scheduled, 0 failed, 1 dead")
