"""The ZIP row of `make bench`: a link to 8 files of 128 MiB downloaded as its deterministic
ZIP (`/s/{token}/zip`, read from storage and streamed by the app) against a plain download
of the same 1 GiB as one file (a one-file link, which gunicorn sends with sendfile),
alternating within each round.

`run.py` calls `run(...)` in (b), while the 1 GiB file is there; `BENCH_ONLY=zip` runs only
this row (and the upload it needs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

PARTS = 8
TEST = "download 1 GiB · ZIP of 8 files"


def split(big: Path, work: Path) -> list[Path]:
    """`big` cut into PARTS files (the same bytes, so both downloads move the same data)."""
    size = big.stat().st_size // PARTS
    parts = []
    with open(big, "rb") as source:
        for index in range(PARTS):
            part = work / f"zip-part-{index}.bin"
            with open(part, "wb") as out:
                out.write(source.read(size))
            parts.append(part)
    return parts


def zip_link(app: Any, file_ids: list[str]) -> str:
    rv = requests.post(f"{app.base}/api/v1/shares", headers=app.headers, timeout=30,
                       json={"file_ids": [int(i) for i in file_ids], "title": "bench"})
    rv.raise_for_status()
    return f"{app.base}/s/{rv.json()['share']['token']}/zip"


def run(app: Any, comp: Any, big: Path, file_link: str, work: Path, results: Any,
        timed: Callable[..., str], rounds: int, upload: Callable[[Path], str]) -> None:
    """`file_link`: an unlimited one-file link of `big`; `upload(path)` stores a file and
    returns its id."""
    parts = split(big, work)
    file_ids = [upload(part) for part in parts]
    for part in parts:
        part.unlink()
    link = zip_link(app, file_ids)
    size = int(requests.head(link, timeout=60).headers["Content-Length"])
    for _ in range(rounds):
        timed(comp, results, TEST, link, size=size, label="compartilha · ZIP (/s/…/zip)")
        timed(comp, results, TEST, file_link, label="compartilha · the same bytes, one file")
    for file_id in file_ids:
        app.delete(file_id)
