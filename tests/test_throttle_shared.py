"""Rate limits shared through Redis (REDIS_URL) and the cap on concurrent password hashing.
(tests/test_limits_shared.py runs them under gunicorn on every store.)"""

import os
import secrets
import threading
import time

import pytest

from compartilha import create_app, crypto
from compartilha.counter_stores import RedisStore
from compartilha.services import throttle
from tests.conftest import base_config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


def test_login_throttle_counts_across_servers_sharing_redis(database, tmp_path, monkeypatch):
    if not redis_up():
        pytest.fail(f"Redis is required at {REDIS_URL}")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    prefix = f"test-{secrets.token_hex(4)}"
    first, second = (create_app({**base_config(tmp_path / name, database[1]),
                                 "RATELIMIT_KEY_PREFIX": prefix})
                     for name in ("one", "two"))
    with first.app_context():
        assert isinstance(throttle.store(), RedisStore)
    body = {"email": f"{prefix}@example.com", "password": "wrong password"}
    for _ in range(10):
        assert first.test_client().post("/api/v1/auth/login", json=body).status_code == 401
    assert second.test_client().post("/api/v1/auth/login", json=body).status_code == 429


def test_concurrent_password_hashing_is_capped(monkeypatch):
    running = peak = 0
    lock = threading.Lock()
    real = crypto.hashlib.scrypt

    def counting_scrypt(*args, **kwargs):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(crypto.hashlib, "scrypt", counting_scrypt)
    threads = [threading.Thread(target=crypto.hash_password, args=("pw", 16))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2
