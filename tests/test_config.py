import os

from compartilha import config, create_app


def test_secret_key_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "inst"))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_environment_and_dotenv_are_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("MAX_UPLOAD_BYTES=1234\nPUBLIC_URL=https://f.example.com/\n")
    for name in ("MAX_UPLOAD_BYTES", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["MAX_UPLOAD_BYTES"] == 1234
    assert app.config["PUBLIC_URL"] == "https://f.example.com"
    # load_dotenv wrote them into os.environ itself: drop them without monkeypatch, which
    # would put them back at teardown and leak them into every later test (and server)
    for name in ("MAX_UPLOAD_BYTES", "PUBLIC_URL"):
        os.environ.pop(name, None)


def test_defaults_are_documented():
    assert {"DATABASE_URL", "STORAGE_URL", "SECRET_KEY", "HOST", "PORT",
            "MAX_UPLOAD_BYTES"} <= set(config.VARIABLES)


def test_short_secret_key_refused(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_mistyped_rate_stops_the_start(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("RATELIMIT_LOGIN", "10 per fortnight")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="RATELIMIT_LOGIN"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_rates():
    from compartilha.services.throttle import Rate, parse_rate

    assert parse_rate("10 per 15 minutes") == Rate(10, 900)
    assert parse_rate("100 per hour") == Rate(100, 3600)
    assert parse_rate("1/5 minutes") == Rate(1, 300)
    assert parse_rate(" 20 PER DAY ") == Rate(20, 86400)


def test_a_worker_keeps_its_database_connections_under_load(tmp_path):
    """16 requests at once (a benchmark's share of one worker) open 16 connections once;
    with SQLAlchemy's default pool they were closed again and reopened (issue 14)."""
    import threading

    from sqlalchemy import event, text

    from compartilha.extensions import db

    app = create_app({"SECRET_KEY": "k" * 32, "STORAGE_URL": f"file://{tmp_path / 'files'}",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    with app.app_context():
        engine = db.engine
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    for _ in range(3):
        barrier = threading.Barrier(16)

        def one(barrier=barrier) -> None:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                barrier.wait(timeout=10)  # all 16 hold a connection at once

        threads = [threading.Thread(target=one) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(opened) == 16
    engine.dispose()


def test_a_mistyped_antivirus_setting_stops_the_start(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for url in ("clamd.example.com:3310", "tcp://127.0.0.1", "http://127.0.0.1:3310",
                "unix://"):
        monkeypatch.setenv("CLAMAV_URL", url)
        with pytest.raises(RuntimeError, match="CLAMAV_URL"):
            create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("CLAMAV_URL", "unix:///run/clamav/clamd.ctl")
    monkeypatch.setenv("CLAMAV_UNAVAILABLE", "ignore")
    with pytest.raises(RuntimeError, match="CLAMAV_UNAVAILABLE"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("CLAMAV_UNAVAILABLE", "accept")
    monkeypatch.setenv("CLAMAV_TIMEOUT", "2.5")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["CLAMAV_URL"] == "unix:///run/clamav/clamd.ctl"
    assert (app.config["CLAMAV_UNAVAILABLE"], app.config["CLAMAV_TIMEOUT"]) == ("accept", 2.5)
