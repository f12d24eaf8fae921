import pytest

from compartilha.errors import InvalidCredentials, TooManyRequests
from compartilha.services import throttle


@pytest.mark.parametrize(("text", "limit", "seconds"), [
    ("10 per 15 minutes", 10, 900), ("100 per hour", 100, 3600), ("1/5 minutes", 1, 300)])
def test_rates_are_read(text, limit, seconds):
    assert throttle.parse_rate(text) == throttle.Rate(limit, seconds)


@pytest.mark.parametrize("text", ["", "0 per hour", "ten per hour", "5 per fortnight"])
def test_a_typo_in_a_rate_is_refused(text):
    with pytest.raises(ValueError):
        throttle.parse_rate(text)


def test_attempts_past_the_limit_are_refused_with_retry_after(ctx):
    limit = throttle.rate("register").limit
    for _ in range(limit):
        throttle.take("register", "10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        throttle.take("register", "10.0.0.1")
    assert int(refused.value.headers["Retry-After"]) > 0
    throttle.take("register", "10.0.0.2")  # another subject counts apart


def test_an_attempt_counts_only_when_it_fails(ctx):
    for _ in range(throttle.rate("password-check").limit + 1):
        with throttle.attempt(("password-check", "7"), failures=(InvalidCredentials,)):
            pass  # a success gives the count back
    with pytest.raises(InvalidCredentials), \
            throttle.attempt(("password-check", "7"), failures=(InvalidCredentials,)):
        raise InvalidCredentials()
    assert throttle.store().peek("password-check:7")[0] == 1


def test_counts_leave_every_connection_waiting_for_the_disk_again(ctx):
    # counter_stores._counting commits a count without an fsync on SQLite, then sets the
    # connection back: an upload's row on it must still be durable before its 201.
    from contextlib import ExitStack

    from compartilha.extensions import db

    for _ in range(3):
        throttle.take("register", "10.0.0.3")
    if db.engine.dialect.name != "sqlite":
        return
    with ExitStack() as stack:  # every pooled connection, the counters' among them
        conns = [stack.enter_context(db.engine.connect()) for _ in range(db.engine.pool.size())]
        assert {c.exec_driver_sql("PRAGMA synchronous").scalar() for c in conns} == {2}
    assert throttle.store().peek("register:10.0.0.3")[0] == 3
