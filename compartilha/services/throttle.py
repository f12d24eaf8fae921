"""Rate limits: the rules, their configurable rates, and the one way each is applied
(views count their requests with the decorators of `compartilha.http.rate_limits`).

Every rule counts in the shared store of `compartilha.counter_stores` (the database, or Redis
with `REDIS_URL`), so a limit is the same number whatever worker or server a request
lands on. A refusal is `TooManyRequests`: 429 with `Retry-After`, in the JSON error
shape for API clients and the error page for people.

Password checks are guarded by `attempt`: the attempt is counted *before* the check runs
(atomically, so 40 concurrent guesses against a limit of 10 make at most 10 checks) and
given back when it turns out not to be a failure. Logins follow the policy of `login`
(docs/security.md): by account and address, by address, and an account attacked from
many addresses is slowed down, never shut, so its owner still gets in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app

from ..counter_stores import DatabaseStore, NoStore, RedisStore, Store
from ..errors import InvalidCredentials, TooManyRequests
from ..logs import event

# rule -> the configuration variable holding its rate
RULES = {
    "login": "RATELIMIT_LOGIN",
    "login-client": "RATELIMIT_LOGIN_CLIENT",
    "login-account": "RATELIMIT_LOGIN_ACCOUNT",
    "login-slowed": "RATELIMIT_LOGIN_SLOWED",
    "password-check": "RATELIMIT_PASSWORD_CHECK",
    "two-step": "RATELIMIT_TWO_STEP",
    "share-password": "RATELIMIT_SHARE_PASSWORD",
    "share-password-link": "RATELIMIT_SHARE_PASSWORD_LINK",
    "share-miss": "RATELIMIT_SHARE_MISS",
    "token-miss": "RATELIMIT_TOKEN_MISS",
    "register": "RATELIMIT_REGISTER",
    "upload": "RATELIMIT_UPLOAD",
    "request-upload": "RATELIMIT_REQUEST_UPLOAD",
    "request-upload-link": "RATELIMIT_REQUEST_UPLOAD_LINK",
    "share-create": "RATELIMIT_SHARE",
    "verify-resend": "RATELIMIT_VERIFY_RESEND",
    "password-reset": "RATELIMIT_PASSWORD_RESET",
    "password-reset-account": "RATELIMIT_PASSWORD_RESET_ACCOUNT",
    "share-code": "RATELIMIT_SHARE_CODE",
    "share-code-check": "RATELIMIT_SHARE_CODE_CHECK",
    "share-code-client": "RATELIMIT_SHARE_CODE_CLIENT",
    "oidc": "RATELIMIT_OIDC",
}
_RATE_RE = re.compile(r"\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*", re.I)
_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """`10 per 15 minutes`, `100 per hour`, `1/5 minutes`."""
    match = _RATE_RE.fullmatch(text or "")
    if match is None or int(match[1]) < 1:
        raise ValueError(f"not a rate: {text!r} (e.g. '10 per 15 minutes')")
    return Rate(int(match[1]), int(match[2] or 1) * _UNIT[match[3].lower()])


def init_app(app: Flask) -> None:
    """Parse every rate now (a typo fails at start-up) and choose the store."""
    rates = {}
    for rule, variable in RULES.items():
        try:
            rates[rule] = parse_rate(app.config[variable])
        except ValueError as exc:
            raise RuntimeError(f"{variable}: {exc}") from exc
    store: Store
    if not app.config["RATELIMIT_ENABLED"]:
        store = NoStore()
    elif app.config["REDIS_URL"]:
        store = RedisStore(app.config["REDIS_URL"], app.config["RATELIMIT_KEY_PREFIX"])
    else:
        store = DatabaseStore()
    app.extensions["compartilha.throttle"] = (store, rates)


def store() -> Store:
    return current_app.extensions["compartilha.throttle"][0]


def rate(rule: str) -> Rate:
    return current_app.extensions["compartilha.throttle"][1][rule]


def _key(rule: str, subject: str) -> str:
    return f"{rule}:{subject}"


def take(rule: str, subject: str) -> None:
    """Count one attempt of `subject` under `rule`, or refuse it with 429."""
    limit = rate(rule)
    wait = store().take(_key(rule, subject), limit.limit, limit.seconds)
    if wait:
        _refuse(rule, wait)


def check(rule: str, subject: str) -> None:
    """Refuse with 429 if `subject` has used up `rule` already; count nothing."""
    count, left = store().peek(_key(rule, subject))
    if count >= rate(rule).limit:
        _refuse(rule, left or 1)


def _refuse(rule: str, wait: int) -> None:
    event("rate_limited", rule=rule, retry_after=wait)  # the subject (email) stays out
    raise TooManyRequests(headers={"Retry-After": str(wait)})


def give_back(rule: str, subject: str) -> None:
    store().give_back(_key(rule, subject))


@contextmanager
def attempt(*checks: tuple[str, str],
            failures: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Count one attempt under every (rule, subject) before the body runs; an exception
    in `failures` keeps the counts, anything else (success included) gives them back."""
    taken: list[tuple[str, str]] = []
    try:
        for rule, subject in checks:
            take(rule, subject)
            taken.append((rule, subject))
    except TooManyRequests:
        for rule, subject in taken:
            give_back(rule, subject)
        raise
    try:
        yield
    except failures:
        raise
    except BaseException:
        for rule, subject in taken:
            give_back(rule, subject)
        raise
    for rule, subject in taken:
        give_back(rule, subject)


def slowed(account: str) -> bool:
    """Has the account failed RATELIMIT_LOGIN_ACCOUNT times from anywhere lately?"""
    return store().peek(_key("login-account", account))[0] >= rate("login-account").limit


@contextmanager
def login(account: str, address: str) -> Iterator[None]:
    """The login policy, around one password check of `account` (its canonical email)
    from `address`. Failures count per address (RATELIMIT_LOGIN_CLIENT) and per account
    and address (RATELIMIT_LOGIN). Failures of the account from anywhere
    (RATELIMIT_LOGIN_ACCOUNT) never shut it: they slow it down, so that each address that
    failed on it lately waits RATELIMIT_LOGIN_SLOWED between tries, while an address
    that has not, such as its owner on a new network, is checked at once."""
    pair = f"{account}|{address}"
    checks = [("login-client", address), ("login", pair)]
    paced = slowed(account)
    if paced:
        checks.append(("login-slowed", pair))
    try:
        with attempt(*checks, failures=(InvalidCredentials,)):
            yield
    except InvalidCredentials:
        _count_quietly("login-account", account)
        if not paced:  # remembered, should the account be slowed before it tries again
            _count_quietly("login-slowed", pair)
        raise
    store().clear(_key("login", pair))
    store().clear(_key("login-slowed", pair))


def _count_quietly(rule: str, subject: str) -> None:
    limit = rate(rule)
    store().take(_key(rule, subject), limit.limit, limit.seconds)
