"""Huey storages that lose no job when a worker dies mid-job (docs/jobs.md).

Huey's own storages *pop* a job from the queue before running it: a worker killed
(kill -9, out of memory, power cut) while running it takes the job with it. These keep
a job until its run is over, as a *lease*: taking a job moves it, in one atomic step,
from the queue to a table (SQLite) or sorted set (Redis) of leased jobs with a deadline
`lease` seconds ahead; the worker renews the deadlines of the jobs it runs every second
(its scheduler's tick) and deletes a lease when the run ends (done, failed and queued
again for a retry, or dead). A lease whose deadline passes belongs to a worker that
stopped renewing it, which means it died: any worker's next tick puts the job back at
the head of the queue. A job can thus run twice (killed after its work, before its
acknowledgement), never zero times: jobs are written to be repeated (docs/jobs.md).

Due retries move from the schedule into the queue in one atomic step too (Huey's
scheduler reads them out, then queues them: a kill between the two lost them).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any


@contextmanager
def _without_redis() -> Iterator[None]:
    """Huey imports `redis` when it can; a process on SQLite need not load it (issue 14:
    idle memory). `ReliableRedisStorage` gives Huey the real module when REDIS_URL asks."""
    if "redis" in sys.modules:
        yield
        return
    sys.modules["redis"] = None  # type: ignore[assignment]  # halts that import
    try:
        yield
    finally:
        del sys.modules["redis"]


with _without_redis():
    from huey import Huey, crontab, signals
    from huey import storage as huey_storage
    from huey.api import Task
    from huey.exceptions import CancelExecution
    from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

__all__ = ["CancelExecution", "Huey", "MemoryStorage", "ReliableRedisStorage",
           "ReliableSqliteStorage", "Task", "crontab", "signals"]

SQL_LEASED = ("create table if not exists leased (id integer not null primary key, "
              "queue text not null, data blob not null, priority real not null default 0.0, "
              "deadline real not null)")
SQL_LEASED_INDEX = "create index if not exists leased_queue_deadline on leased (queue, deadline)"


class ReliableSqliteStorage(SqliteStorage):
    ddl = [*SqliteStorage.ddl, SQL_LEASED, SQL_LEASED_INDEX]

    def __init__(self, name: str, filename: str, lease: float, **kwargs: Any) -> None:
        self.lease = lease
        super().__init__(name, filename=filename, **kwargs)

    def dequeue(self) -> None:
        raise NotImplementedError("leased storage: use lease_next() and ack()")

    def lease_next(self) -> tuple[Any, bytes] | None:
        """The next job and its lease id, leased until now + `lease`; None when empty."""
        if not self.sql("select 1 from task where queue = ? limit 1", (self.name,),
                        results=True):
            return None
        with self.db(commit=True) as curs:
            curs.execute("select id, data, priority from task where queue = ? "
                         "order by priority desc, id limit 1", (self.name,))
            row = curs.fetchone()
            if row is None:
                return None
            curs.execute("delete from task where id = ?", (row[0],))
            curs.execute("insert into leased (queue, data, priority, deadline) "
                         "values (?, ?, ?, ?)",
                         (self.name, row[1], row[2], time.time() + self.lease))
            return curs.lastrowid, bytes(row[1])

    def ack(self, lease_id: Any) -> None:
        self.sql("delete from leased where id = ?", (lease_id,), commit=True)

    def release(self, lease_id: Any) -> None:
        """Back to the queue now (a worker stopping in the middle of the job)."""
        with self.db(commit=True) as curs:
            curs.execute("insert into task (queue, data, priority) select queue, data, priority "
                         "from leased where id = ?", (lease_id,))
            curs.execute("delete from leased where id = ?", (lease_id,))

    def renew(self, lease_ids: list[Any]) -> None:
        deadline = time.time() + self.lease
        with self.db(commit=True) as curs:
            curs.executemany("update leased set deadline = ? where id = ?",
                             [(deadline, lease_id) for lease_id in lease_ids])

    def recover(self) -> int:
        """Queue again the jobs of leases nobody renewed in time; how many."""
        now = time.time()
        with self.db(commit=True) as curs:
            # Priority above any queued job's: they were taken first and waited longest.
            curs.execute("insert into task (queue, data, priority) select queue, data, "
                         "priority + 1000000 from leased where queue = ? and deadline < ? "
                         "order by id", (self.name, now))
            curs.execute("delete from leased where queue = ? and deadline < ?", (self.name, now))
            return curs.rowcount

    def promote_due(self, now: datetime) -> int:
        """Move the scheduled jobs that are due into the queue, atomically (`now` as
        Huey gives it, naive UTC, read as Huey's `add_to_schedule` reads it)."""
        timestamp = now.timestamp()
        with self.db(commit=True) as curs:
            curs.execute("insert into task (queue, data, priority) select queue, data, 0 "
                         "from schedule where queue = ? and timestamp <= ? order by timestamp, id",
                         (self.name, timestamp))
            curs.execute("delete from schedule where queue = ? and timestamp <= ?",
                         (self.name, timestamp))
            return curs.rowcount

    def leased_items(self) -> list[bytes]:
        return [bytes(data) for data, in self.sql(
            "select data from leased where queue = ? order by id", (self.name,), results=True)]


LEASE_NEXT = """
local data = redis.call('RPOP', KEYS[1])
if data then redis.call('ZADD', KEYS[2], ARGV[1], data) end
return data
"""
RELEASE = """
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[1]) end
"""
# Moves the members of sorted set KEYS[2] scored up to ARGV[1] onto list KEYS[1]: at the
# consuming end (ARGV[2] "RPUSH": recovered leases run next) or the far end ("LPUSH":
# scheduled jobs that came due queue behind what waits).
MOVE_DUE = """
local items = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, data in ipairs(items) do
  redis.call('ZREM', KEYS[2], data)
  redis.call(ARGV[2], KEYS[1], data)
end
return #items
"""


class ReliableRedisStorage(RedisStorage):
    """The same on Redis: the queue is a list, leases a sorted set scored by deadline
    (a lease's id is the job's message, unique by the job's id), moved by Lua scripts."""

    def __init__(self, name: str, url: str, lease: float) -> None:
        import redis

        if huey_storage.Redis is None:  # imported without redis (above): give it now
            huey_storage.Redis, huey_storage.ConnectionPool = redis.Redis, redis.ConnectionPool
        self.redis_client = redis.Redis
        self.lease = lease
        super().__init__(name, blocking=False, url=url)
        self.leased_key = f"huey.leased.{self.name}"
        self._lease_next = self.conn.register_script(LEASE_NEXT)
        self._release = self.conn.register_script(RELEASE)
        self._move_due = self.conn.register_script(MOVE_DUE)

    def dequeue(self) -> None:
        raise NotImplementedError("leased storage: use lease_next() and ack()")

    def lease_next(self) -> tuple[Any, bytes] | None:
        data = self._lease_next(keys=[self.queue_key, self.leased_key],
                                args=[time.time() + self.lease])
        return None if data is None else (data, data)

    def ack(self, lease_id: Any) -> None:
        self.conn.zrem(self.leased_key, lease_id)

    def release(self, lease_id: Any) -> None:
        self._release(keys=[self.queue_key, self.leased_key], args=[lease_id])

    def renew(self, lease_ids: list[Any]) -> None:
        if lease_ids:
            deadline = time.time() + self.lease
            self.conn.zadd(self.leased_key, dict.fromkeys(lease_ids, deadline), xx=True)

    def recover(self) -> int:
        return int(self._move_due(keys=[self.queue_key, self.leased_key],
                                  args=[time.time(), "RPUSH"]))

    def promote_due(self, now: datetime) -> int:
        return int(self._move_due(keys=[self.queue_key, self.schedule_key],
                                  args=[self.convert_ts(now), "LPUSH"]))

    def leased_items(self) -> list[bytes]:
        return list(self.conn.zrange(self.leased_key, 0, -1))

    def flush_all(self) -> None:
        super().flush_all()
        self.conn.delete(self.leased_key)
