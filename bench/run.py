"""`make bench`: Compartilha against copyparty and nginx on loopback, in one run.

Systems alternate inside every round (so a noisy neighbour hurts all of them alike);
each figure is the median of BENCH_ROUNDS rounds (default 3) with its min–max.
Writes bench/results/latest.md and latest.png. Never part of `make test`.
"""

# ruff: noqa: S603, S607 - the benchmark runs fixed local programs
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402
import s3bench  # noqa: E402
import servers  # noqa: E402
import zipbench  # noqa: E402

GIB = 1024**3
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "8"))
BIG_GIB = int(os.environ.get("BENCH_BIG_GIB", "5"))
# `upload`: only the 1 GiB uploads (a), e.g. to compare two versions of the body reader;
# `small`: only what does not move large files: idle memory, (c), (d) and (f);
# `zip`: only (i), the ZIP of a 1 GiB link against the same bytes as one file.
ONLY = os.environ.get("BENCH_ONLY", "")
RESULTS = Path(__file__).resolve().parent / "results"
TUS_JS = Path(__file__).resolve().parent.parent / "tests" / "clients" / "tus_upload.mjs"
# BENCH_ONLY=tus-js: only (h), on a file of BENCH_TUS_JS_MIB MiB (default 1024).
TUS_JS_MIB = int(os.environ.get("BENCH_TUS_JS_MIB", "1024"))
PASSWORD = "benchmark password"  # noqa: S105 - a throwaway account on loopback


class Results:
    def __init__(self) -> None:
        self.samples: dict[tuple[str, str], list[float]] = {}
        self.cpu: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self.extra: dict[str, object] = {}

    def add(self, test: str, system: str, value: float) -> None:
        self.samples.setdefault((test, system), []).append(value)
        print(f"  {test:<28} {system:<26} {value:10.2f}", flush=True)


def cpu_times(pids: list[int]) -> tuple[float, float]:
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11]) / tick
        system += int(fields[12]) / tick
    return user, system


class RssSampler:
    """Peak resident memory of a server's worker processes, sampled every 20 ms."""

    def __init__(self, server: servers.Server) -> None:
        self.server = server
        self.peak = 0
        self.start_rss = self.current()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def current(self) -> int:
        """The largest worker's RSS in bytes."""
        best = 0
        for pid in self.server.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            best = max(best, int(match.group(1)) * 1024 if match else 0)
        return best

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.current())

    def __enter__(self) -> RssSampler:
        self.peak = self.start_rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def curl(*args: str) -> tuple[float, str, str]:
    """Run curl; returns (seconds, HTTP status, response headers)."""
    with tempfile.NamedTemporaryFile("r") as headers:
        out = subprocess.run(["curl", "-s", "-S", "-o", "/dev/null", "-D", headers.name,
                              "-H", "Expect:", "-w", "%{http_code} %{time_total}", *args],
                             capture_output=True, text=True, check=True).stdout
        code, seconds = out.split()
        return float(seconds), code, headers.read()


def timed(system: servers.Server, results: Results, test: str, *curl_args: str,
          size: int = GIB, label: str | None = None) -> str:
    name = label or system.name
    before = cpu_times(system.worker_pids())
    seconds, code, headers = curl(*curl_args)
    after = cpu_times(system.worker_pids())
    if not code.startswith("2"):
        raise RuntimeError(f"{test} on {name}: HTTP {code}")
    results.add(test, name, size / seconds / 1e6)
    results.cpu.setdefault((test, name), []).append(
        ((after[0] - before[0]) * GIB / size, (after[1] - before[1]) * GIB / size))
    return headers


class App:
    """A Compartilha account driven through the API."""

    def __init__(self, server: servers.Server, email: str) -> None:
        self.base = server.base
        requests.post(f"{self.base}/api/v1/auth/register", timeout=30,
                      json={"name": "Bench", "email": email, "password": PASSWORD})
        rv = requests.post(f"{self.base}/api/v1/auth/login", timeout=30,
                           json={"email": email, "password": PASSWORD})
        rv.raise_for_status()
        self.token = rv.json()["access_token"]
        self.auth = f"Authorization: Bearer {self.token}"
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def create_tus(self, length: int) -> str:
        rv = requests.post(f"{self.base}/api/v1/uploads", timeout=30, headers={
            **self.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(length),
            "Upload-Metadata": "filename YmVuY2guYmlu"})
        rv.raise_for_status()
        return rv.headers["Location"]

    def tus_args(self, url: str, path: Path) -> list[str]:
        return ["-X", "PATCH", "-T", str(path), "-H", self.auth, "-H", "Tus-Resumable: 1.0.0",
                "-H", "Upload-Offset: 0", "-H", "Content-Type: application/offset+octet-stream",
                url]

    def newest_id(self) -> str:
        rv = requests.get(f"{self.base}/api/v1/files?per_page=1", headers=self.headers,
                          timeout=30)
        return str(rv.json()["files"][0]["id"])

    def delete(self, file_id: str) -> None:
        requests.delete(f"{self.base}/api/v1/files/{file_id}", headers=self.headers,
                        timeout=60).raise_for_status()


def upload_file(app: App, path: Path) -> str:
    """Store `path` by tus; its file id."""
    url = app.create_tus(path.stat().st_size)
    return file_id_from(curl(*app.tus_args(url, path))[2])


def zip_rows(app: App, comp: servers.Server, big: Path, links: dict[str, str], work: Path,
             results: Results) -> None:
    print("(i) ZIP of a 1 GiB link vs the same bytes as one file", flush=True)
    zipbench.run(app, comp, big, links["unlimited"], work, results, timed, ROUNDS,
                 lambda path: upload_file(app, path))


def file_id_from(headers: str) -> str:
    match = re.search(r"(?im)^compartilha-file-id:\s*(\d+)", headers)
    if not match:
        raise RuntimeError("no Compartilha-File-Id in the final PATCH")
    return match.group(1)


def upload_round(app: App, comp: servers.Server, cp: servers.Server, ng: servers.Server,
                 big: Path, results: Results) -> None:
    """One round of (a), systems alternating; each upload is deleted right after."""
    test = "upload 1 GiB"
    url = app.create_tus(big.stat().st_size)
    file_id = file_id_from(timed(comp, results, test + " · tus PATCH", *app.tus_args(url, big)))
    app.delete(file_id)
    timed(cp, results, test + " · PUT", "-T", str(big), f"{cp.base}/up.bin")
    (cp.folder / "up.bin").unlink()
    timed(ng, results, test + " · PUT", "-T", str(big), f"{ng.base}/up.bin")
    (ng.folder / "up.bin").unlink()
    timed(comp, results, test + " · multipart", "-H", app.auth, "-F", f"file=@{big}",
          f"{comp.base}/api/v1/files")
    app.delete(app.newest_id())
    timed(cp, results, test + " · multipart", "-F", "act=bput", "-F", f"f=@{big}",
          f"{cp.base}/")
    (cp.folder / big.name).unlink()


def tus_js_round(app: App, comp: servers.Server, path: Path, results: Results) -> None:
    """(h) tus-js-client under Node: one stream against parallelUploads 4 (four partial
    uploads joined by a final one); each upload is deleted right after."""
    size = path.stat().st_size
    test = f"upload {size // 1024**2} MiB · tus-js-client"
    for streams in (1, 4):
        before = cpu_times(comp.worker_pids())
        started = time.monotonic()
        out = subprocess.run(["node", str(TUS_JS), json.dumps({
            "endpoint": f"{comp.base}/api/v1/uploads", "token": app.token, "path": str(path),
            "parallelUploads": streams, "name": "bench.bin"})], capture_output=True, text=True,
            check=True, cwd=TUS_JS.parent).stdout
        seconds = time.monotonic() - started
        after = cpu_times(comp.worker_pids())
        result = json.loads(out.strip().splitlines()[-1])
        if not result["ok"]:
            raise RuntimeError(f"tus-js-client, {streams} streams: {result['error']}")
        system = "compartilha · 1 stream" if streams == 1 else "compartilha · parallelUploads 4"
        results.add(test, system, size / seconds / 1e6)
        results.cpu.setdefault((test, system), []).append(
            ((after[0] - before[0]) * GIB / size, (after[1] - before[1]) * GIB / size))
        app.delete(result["fileId"])


def download_round(app: App, file_id: str, links: dict[str, str], comp: servers.Server,
                   cp: servers.Server, ng: servers.Server, results: Results) -> None:
    test = "download 1 GiB"
    timed(comp, results, test, "-H", app.auth, f"{comp.base}/api/v1/files/{file_id}/download")
    timed(cp, results, test, f"{cp.base}/dl.bin")
    timed(ng, results, test, f"{ng.base}/dl.bin")
    # A share link with no account: an unlimited one sends the file; a limited one
    # redirects to its download ticket (curl -L follows), and counts the download.
    for kind, link in links.items():
        timed(comp, results, f"{test} · share link", "-L", link,
              label=f"compartilha · {kind} link")


def share_links(app: App, file_id: str) -> dict[str, str]:
    """An unlimited and a limited share link of `file_id`, as download URLs."""
    links = {}
    for kind, body in (("unlimited", {}), ("limited", {"max_downloads": 1_000_000})):
        rv = requests.post(f"{app.base}/api/v1/files/{file_id}/shares", headers=app.headers,
                           json=body, timeout=30)
        rv.raise_for_status()
        links[kind] = f"{app.base}/s/{rv.json()['share']['token']}/download"
    return links


def parallel_uploads(mode: str, files: list[Path], url: str, form: bool, auth: str) -> float:
    """64 uploads of 1 MiB, 16 at a time: one curl per file (xargs) or one curl --parallel."""
    what = ["-F", "file=@{}"] if form else ["-T", "{}"]
    extra = ["-H", auth] if auth else []
    started = time.monotonic()
    if mode == "xargs -P16":
        cmd = ["xargs", "-P16", "-I{}", "curl", "-s", "-o", "/dev/null", "-H", "Expect:",
               "-w", "%{http_code}\\n", *extra, *what, url]
        out = subprocess.run(cmd, input="\n".join(map(str, files)), capture_output=True,
                             text=True, check=True).stdout
    else:
        common = 'header = "Expect:"\nwrite-out = "%{http_code}\\n"\noutput = "/dev/null"\n'
        if auth:
            common += f'header = "{auth}"\n'
        config = "next\n".join(
            common + (f'form = "file=@{f}"\n' if form else f'upload-file = "{f}"\n')
            + f'url = "{url}"\n' for f in files)
        cmd = ["curl", "-s", "--parallel", "--parallel-max", "16", "-K", "-"]
        out = subprocess.run(cmd, input=config, capture_output=True, text=True,
                             check=True).stdout
    elapsed = time.monotonic() - started
    codes = out.split()
    if len(codes) != len(files) or any(not c.startswith("2") for c in codes):
        raise RuntimeError(f"parallel uploads to {url} failed: {sorted(set(codes))}")
    return elapsed


def wrk(url: str, headers: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) at 32 connections."""
    cmd = ["wrk", "-t2", "-c32", f"-d{WRK_SECONDS}s", "--latency", url]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk {url}: non-2xx answers\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rps, percentile("50"), percentile("99")


def wrk_round(label: str, targets: list[tuple[str, str, dict]], results: Results) -> None:
    for system, url, headers in targets:
        rps, p50, p99 = wrk(url, headers)
        results.add(f"{label} req/s", system, rps)
        results.add(f"{label} p50 ms", system, p50)
        results.add(f"{label} p99 ms", system, p99)


def fill_rows(db: Path, rows: int) -> float:
    """Bulk-insert other users' files until `arquivos` holds `rows` rows."""
    started = time.monotonic()
    conn = sqlite3.connect(db, timeout=60)
    with conn:
        conn.execute("INSERT INTO usuarios (nome, email, senha, criado_em) VALUES "
                     "('Filler', 'filler@example.com', 'x', '2026-01-01 00:00:00')")
        owner = conn.execute("SELECT id FROM usuarios WHERE email='filler@example.com'"
                             ).fetchone()[0]
        have = conn.execute("SELECT count(*) FROM arquivos").fetchone()[0]
        conn.executemany(
            "INSERT INTO arquivos (nome, tipo, caminho, usuario_id, tamanho, sha256, "
            "criado_em) VALUES (?, 'text/plain', ?, ?, 1, ?, '2026-01-01 00:00:00')",
            ((f"f{i}.txt", f"zz/{i:032x}", owner, "0" * 64) for i in range(rows - have)))
    conn.execute("ANALYZE")
    # Fold the bulk insert's write-ahead log into the database, as SQLite's automatic
    # checkpoints would in time: otherwise every reader looks pages up in a 1M-row WAL.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.monotonic() - started


def machine() -> dict[str, str]:
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    return {
        "cpu": f"{cpu.group(1) if cpu else '?'} × {os.cpu_count()}",
        "memory": f"{int(mem.group(1)) / 1024**2:.1f} GiB" if mem else "?",
        "kernel": platform.release(), "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def make_file(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        for _ in range(size // (16 * 1024**2)):
            fh.write(os.urandom(16 * 1024**2))
        fh.write(os.urandom(size % (16 * 1024**2)))
    return path


def other_rows(app: App, comp: servers.Server, cp: servers.Server, ng: servers.Server,
               big: Path, small: list[Path], work: Path, results: Results) -> None:
    """(b) to (g): everything but the 1 GiB uploads (with BENCH_ONLY=small: (c), (d), (f))."""
    if ONLY != "small":
        print("(b) download 1 GiB", flush=True)
        file_id = upload_file(app, big)
        os.link(big, cp.folder / "dl.bin")
        os.link(big, ng.folder / "dl.bin")
        links = share_links(app, file_id)
        with RssSampler(comp) as rss_down:
            for _ in range(ROUNDS):
                download_round(app, file_id, links, comp, cp, ng, results)
        results.extra["rss_download"] = rss_down.peak
        zip_rows(app, comp, big, links, work, results)
        app.delete(file_id)

    print("(c) 64 × 1 MiB in parallel", flush=True)
    for _ in range(ROUNDS):
        for mode in ("xargs -P16", "curl --parallel 16"):
            test = f"64 × 1 MiB · {mode} (s)"
            results.add(test, "compartilha · multipart", parallel_uploads(
                mode, small, f"{comp.base}/api/v1/files", True, app.auth))
            (cp.folder / "p").mkdir(exist_ok=True)
            results.add(test, "copyparty · PUT", parallel_uploads(
                mode, small, f"{cp.base}/p/", False, ""))
            servers.remove_tree(cp.folder / "p")
            results.add(test, "nginx · PUT", parallel_uploads(
                mode, small, f"{ng.base}/p/", False, ""))
            servers.remove_tree(ng.folder / "p")

    print("(d) listing and share page", flush=True)
    owner = App(comp, "owner@example.com")
    tiny = work / "tiny.txt"
    tiny.write_text("hello\n")
    for _ in range(100):
        curl("-H", owner.auth, "-F", f"file=@{tiny}", f"{comp.base}/api/v1/files")
    share = requests.post(f"{comp.base}/api/v1/files/{owner.newest_id()}/shares",
                          headers=owner.headers, json={}, timeout=30).json()["share"]
    share_url = f"{comp.base}/s/{share['token']}"
    (cp.folder / "list100").mkdir()
    for i in range(100):
        (cp.folder / "list100" / f"f{i:03d}.txt").write_text("hello\n")
    listing = f"{comp.base}/api/v1/files?per_page=100"
    targets = [("compartilha · API listing", listing, owner.headers),
               ("compartilha · share page", share_url, {}),
               ("copyparty · JSON listing", f"{cp.base}/list100/?ls", {})]
    for _ in range(ROUNDS):
        wrk_round("100 rows ·", targets, results)

    print("(f) the same with 1,000,000 rows in arquivos", flush=True)
    results.extra["fill_seconds"] = fill_rows(comp.folder / "db.sqlite", 1_000_000)
    for _ in range(ROUNDS):
        wrk_round("1M rows ·", targets[:2], results)

    if ONLY == "small":
        return
    print(f"(e) RSS during a {BIG_GIB} GiB upload", flush=True)
    huge = work / "huge.bin"
    with open(huge, "wb") as fh:
        fh.truncate(BIG_GIB * GIB)  # sparse: the client reads zeros at no cost
    url = app.create_tus(BIG_GIB * GIB)
    with RssSampler(comp) as rss_big:
        headers = timed(comp, results, f"upload {BIG_GIB} GiB · tus PATCH",
                        *app.tus_args(url, huge), size=BIG_GIB * GIB)
    results.extra["rss_big_start"] = rss_big.start_rss
    results.extra["rss_big"] = rss_big.peak
    app.delete(file_id_from(headers))
    timed(cp, results, f"upload {BIG_GIB} GiB · PUT", "-T", str(huge), f"{cp.base}/huge.bin",
          size=BIG_GIB * GIB)
    (cp.folder / "huge.bin").unlink()

    print("(h) tus-js-client: one stream against parallelUploads 4", flush=True)
    for _ in range(ROUNDS):
        tus_js_round(app, comp, big, results)

    if os.environ.get("BENCH_S3", "1") == "1":
        print("(g) S3: Compartilha on SeaweedFS vs boto3 straight to it", flush=True)
        try:
            s3bench.run(work, big, results, timed, ROUNDS, PASSWORD)
        except Exception as exc:  # the rows above are still worth a report
            results.extra.setdefault("notes", []).append(f"- S3 rows failed: {exc!r}")


# What the benchmark runs besides Python (Debian packages); `.ci/run` installs the same.
TOOLS = {"/usr/sbin/nginx": "nginx", "wrk": "wrk", "curl": "curl"}


def missing_tools() -> list[str]:
    return [package for tool, package in TOOLS.items() if shutil.which(tool) is None]


def main() -> None:
    missing = missing_tools()
    if missing:
        sys.exit(f"make bench needs: apt-get install -y {' '.join(missing)}")
    results = Results()
    results.extra["machine"] = machine()
    work = Path(tempfile.mkdtemp(prefix="compartilha-bench-"))
    started = time.monotonic()
    running: list[servers.Server] = []
    try:
        print(f"bench in {work}, {ROUNDS} rounds", flush=True)
        comp = servers.compartilha(work)
        running.append(comp)
        app = App(comp, "bench@example.com")
        results.extra["rss_idle"] = RssSampler(comp).current()
        if ONLY == "tus-js":
            sample = make_file(work / "tus-js.bin", TUS_JS_MIB * 1024**2)
            for _ in range(ROUNDS):
                tus_js_round(app, comp, sample, results)
        elif ONLY == "zip":
            big = make_file(work / "big.bin", GIB)
            zip_rows(app, comp, big, share_links(app, upload_file(app, big)), work, results)
        else:
            all_rows(app, comp, work, results, running)
    finally:
        for server in running:
            server.stop()
        servers.remove_tree(work)
    finish(results, started)


def all_rows(app: App, comp: servers.Server, work: Path, results: Results,
             running: list[servers.Server]) -> None:
    big = make_file(work / "big.bin", 0 if ONLY == "small" else GIB)
    small = [make_file(work / f"small-{i:02d}.bin", 1024**2)
             for i in range(0 if ONLY == "upload" else 64)]
    cp = servers.copyparty(work)
    running.append(cp)
    ng = servers.nginx(work)
    running.append(ng)

    if ONLY != "small":
        print("(a) upload 1 GiB", flush=True)
        with RssSampler(comp) as rss_up:
            for _ in range(ROUNDS):
                upload_round(app, comp, cp, ng, big, results)
        results.extra["rss_upload"] = rss_up.peak

    if ONLY != "upload":
        other_rows(app, comp, cp, ng, big, small, work, results)


def finish(results: Results, started: float) -> None:
    results.extra["minutes"] = (time.monotonic() - started) / 60
    if ONLY == "tus-js":  # a quick look, not a report
        print("\n".join(report.table(results)))
        return
    RESULTS.mkdir(exist_ok=True)
    name = f"only-{ONLY}" if ONLY else "latest"
    report.write(results, RESULTS / f"{name}.md", RESULTS / f"{name}.png", ROUNDS)
    print((RESULTS / f"{name}.md").read_text())


if __name__ == "__main__":
    main()
