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
