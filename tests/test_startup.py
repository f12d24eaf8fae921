"""What a process loads to serve: only what its configuration uses (issue 14, idle RSS).

Each check runs `create_app` in a fresh interpreter, as a gunicorn worker does, so that
modules the test session itself imported do not hide what the app would load.
"""

# ruff: noqa: S603 - runs this interpreter on a fixed probe
from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from compartilha import create_app
app = create_app()
rss = int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) * 1024
print(json.dumps({"modules": sorted(sys.modules), "rss": rss}))
"""

# Loaded only by what needs them: S3 storage (boto3), Redis counters, `flask db`
# (Alembic, Mako), RSA/EC JWT algorithms (cryptography; tokens here are HS256).
NOT_AT_START = ["boto3", "botocore", "redis", "alembic", "flask_migrate", "mako",
                "cryptography"]
# An app process on local storage and SQLite measures ~69 MiB here (~97 MiB before
# issue 14); the bound leaves room for other Python builds and library versions.
RSS_BOUND = 80 * 1024**2


def start(tmp_path: Path, **env: str) -> dict:
    environment = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path / "instance"),
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
                   "STORAGE_URL": f"file://{tmp_path / 'files'}",
                   "SECRET_KEY": secrets.token_hex(32), **env}
    out = subprocess.run([sys.executable, "-c", PROBE], env=environment, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_local_storage_app_loads_no_s3_redis_migrations_or_cryptography(tmp_path):
    loaded = set(start(tmp_path)["modules"])
    assert [m for m in NOT_AT_START if m in loaded] == []


def test_idle_app_process_stays_small(tmp_path):
    assert start(tmp_path)["rss"] < RSS_BOUND


def test_s3_storage_still_loads_boto3(tmp_path):
    loaded = start(tmp_path, STORAGE_URL="s3://bucket/prefix",
                   S3_ENDPOINT_URL="http://127.0.0.1:9")["modules"]
    assert "boto3" in loaded


def test_flask_db_commands_load_on_demand(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "STORAGE_URL": f"file://{tmp_path / 'files'}", "SECRET_KEY": secrets.token_hex(32),
           "FLASK_APP": "compartilha"}
    flask = [sys.executable, "-m", "flask", "db"]
    upgrade = subprocess.run([*flask, "upgrade"], env=env, cwd=ROOT, capture_output=True,
                             text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    current = subprocess.run([*flask, "current"], env=env, cwd=ROOT, capture_output=True,
                             text=True)
    assert "(head)" in current.stdout, current.stderr
