"""Where rate-limit counters live, shared by every worker process and every app server.

- The database, by default: it is already shared by all workers and servers, so the
  limits hold on a single `make run` (several gunicorn workers) and on a fleet alike,
  with no extra service. A file shared by the workers would not reach a second server,
  and needs locking that SQLite already does.
- Redis, when `REDIS_URL` is set: the same counters without a database write per attempt.

Each counter allows `limit` attempts in a window of `seconds` that starts at the first
attempt counted. Check-and-count is one atomic step on both stores (a conditional
`UPDATE … WHERE count < limit` or an `INSERT` that only one writer can win; a Lua script
on Redis), so concurrent requests cannot slip past a limit: the count is taken *before*
the guarded work (a password check) runs, and given back when it should not count.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Table, bindparam, case, delete, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from .errors import CountersUnavailable
from .extensions import SQLITE_SYNCHRONOUS, db
from .models import Counter
from .models.columns import UTCDateTime, utcnow

ATTEMPTS = 5  # a conditional write lost to a concurrent one is retried this many times
_RETRYABLE_MYSQL = {1205, 1213}  # lock wait timeout, deadlock: the statement can be rerun


class Store(Protocol):
    def take(self, key: str, limit: int, seconds: int) -> int:
        """Count one attempt if fewer than `limit` are counted in the key's window and
        return 0; otherwise count nothing and return the seconds until the window ends."""

    def give_back(self, key: str) -> None:
        """Uncount one attempt taken in the current window (it turned out not to count)."""

    def clear(self, key: str) -> None:
        """Forget the key's window."""

    def peek(self, key: str) -> tuple[int, int]:
        """Attempts counted in the key's current window, and the seconds it has left."""

    def purge(self) -> int:
        """Forget the counters whose window ended; how many."""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def now() -> datetime:
    """The clock of the database store (tests move it)."""
    return utcnow()


def _retryable(exc: DBAPIError) -> bool:
    args: tuple[Any, ...] = getattr(exc.orig, "args", ())
    return bool(args) and args[0] in _RETRYABLE_MYSQL


@contextmanager
def _counting() -> Iterator[Connection]:
    """A transaction on a connection of its own, committed at the end of the block.

    On SQLite the commit does not wait for the disk (`synchronous=NORMAL` for it, in WAL
    mode): every upload counts here, and SQLite's one write lock was held for the fsync
    of each count as well as for the write (bench/README.md). A power cut may lose the
    latest counts, never corrupt the database; and the next durable commit of any
    connection (the upload's file row) carries them to disk anyway, since its fsync
    covers the whole log."""
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA synchronous=NORMAL")  # outside SQLAlchemy's transaction
        try:
            with conn.begin():
                yield conn
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")


class DatabaseStore:
    """Counters in the `contadores` table, written on their own connection and
    committed at once, apart from the request's session."""

    table = cast(Table, Counter.__table__)

    def take(self, key: str, limit: int, seconds: int) -> int:
        name = digest(key)
        for _ in range(ATTEMPTS):
            at = now()
            try:
                if self._bump(name, limit, at, seconds):
                    return 0
                row = self._row(name)
                if row is None:
                    if self._insert(name, at + timedelta(seconds=seconds)):
                        return 0
                    continue  # another request created it first: count again
            except DBAPIError as exc:
                if not _retryable(exc):
                    raise
                continue
            count, resets_at = row
            if resets_at > at and count >= limit:
                return max(1, math.ceil((resets_at - at).total_seconds()))
        return 1  # lost every race: refuse this one and let it come back in a second

    # `contagem` first: MySQL evaluates SET from left to right with updated values,
    # SQLite with the old ones; both read the old `renova_em` this way. Built once: every
    # upload, link and registration counts here (issue 14).
    _ENDED = table.c.renova_em <= bindparam("at", type_=UTCDateTime())
    _BUMP = (
        update(table).where(table.c.chave == bindparam("key"),
                            or_(_ENDED, table.c.contagem < bindparam("limit")))
        .ordered_values(
            (table.c.contagem, case((_ENDED, 1), else_=table.c.contagem + 1)),
            (table.c.renova_em, case((_ENDED, bindparam("resets_at", type_=UTCDateTime())),
                                     else_=table.c.renova_em)),
        ))

    def _bump(self, name: str, limit: int, at: datetime, seconds: int) -> bool:
        with _counting() as conn:
            return bool(conn.execute(self._BUMP, {
                "key": name, "limit": limit, "at": at,
                "resets_at": at + timedelta(seconds=seconds)}).rowcount)

    # Built once: the share page peeks at a counter on every view (issue 14).
    _ROW = (select(table.c.contagem, table.c.renova_em)
            .where(table.c.chave == bindparam("chave")))

    def _row(self, name: str) -> tuple[int, datetime] | None:
        with db.engine.connect() as conn:
            row = conn.execute(self._ROW, {"chave": name}).first()
        return None if row is None else (row[0], row[1])

    def _insert(self, name: str, resets_at: datetime) -> bool:
        try:
            with _counting() as conn:
                conn.execute(self.table.insert().values(chave=name, contagem=1,
                                                        renova_em=resets_at))
        except IntegrityError:
            return False
        return True

    def give_back(self, key: str) -> None:
        t = self.table
        with _counting() as conn:
            conn.execute(update(t).where(t.c.chave == digest(key), t.c.contagem > 0,
                                         t.c.renova_em > now())
                         .values(contagem=t.c.contagem - 1))

    def clear(self, key: str) -> None:
        with _counting() as conn:
            conn.execute(delete(self.table).where(self.table.c.chave == digest(key)))

    def peek(self, key: str) -> tuple[int, int]:
        # A read, so on the request's own connection: checking a second one out of the
        # pool and back for it was ~5% of a share page's CPU (issue 14). The writes above
        # keep their own connection, which commits at once whatever becomes of the request.
        at = now()
        found = db.session.execute(self._ROW, {"chave": digest(key)}).first()
        row = None if found is None else (found[0], found[1])
        if row is None or row[1] <= at:
            return 0, 0
        return row[0], max(1, math.ceil((row[1] - at).total_seconds()))

    def purge(self) -> int:
        """Delete counters whose window ended (the housekeeping command)."""
        with db.engine.begin() as conn:
            return conn.execute(delete(self.table)
                                .where(self.table.c.renova_em <= now())).rowcount


# KEYS[1] the counter, ARGV[1] the limit, ARGV[2] the window in ms. Returns -1 when
# counted, else the ms left in the window.
_TAKE = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return ttl
end
return -1
"""
_GIVE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisStore:
    """Counters as Redis keys that expire with their window (INCR/PEXPIRE in a script)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # only when REDIS_URL is set: ~6 MiB a worker otherwise never needs

        self._errors = redis.RedisError
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)
        self.prefix = prefix
        self._take = self.client.register_script(_TAKE)
        self._give_back = self.client.register_script(_GIVE_BACK)

    def _name(self, key: str) -> str:
        return f"{self.prefix}:{digest(key)}"

    def _call(self, action, *args):
        try:
            return action(*args)
        except self._errors as exc:  # closed, not open: no limit is skipped
            raise CountersUnavailable(headers={"Retry-After": "5"}) from exc

    def take(self, key: str, limit: int, seconds: int) -> int:
        left = int(self._call(self._take, [self._name(key)], [limit, seconds * 1000]))
        return 0 if left < 0 else max(1, math.ceil(left / 1000))

    def give_back(self, key: str) -> None:
        self._call(self._give_back, [self._name(key)])

    def clear(self, key: str) -> None:
        self._call(self.client.delete, self._name(key))

    def peek(self, key: str) -> tuple[int, int]:
        pipe = self.client.pipeline(transaction=False)
        pipe.get(self._name(key))
        pipe.pttl(self._name(key))
        count, left = self._call(pipe.execute)
        return int(count or 0), max(1, math.ceil(left / 1000)) if left > 0 else 0

    def purge(self) -> int:
        return 0  # keys expire by themselves


class NoStore:
    """RATELIMIT_ENABLED off (a fuzzer's runs): nothing is counted or refused."""

    def take(self, key: str, limit: int, seconds: int) -> int:
        return 0

    def give_back(self, key: str) -> None:
        pass

    def clear(self, key: str) -> None:
        pass

    def peek(self, key: str) -> tuple[int, int]:
        return 0, 0

    def purge(self) -> int:
        return 0
