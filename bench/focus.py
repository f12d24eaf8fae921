"""A quick look at two rows of `make bench`, systems alternating in every round: 64 × 1 MiB
parallel uploads (Compartilha on SQLite and on MariaDB, copyparty, nginx) and 1 GiB
downloads (the owner's, an unlimited and a limited share link, copyparty, nginx).

    .venv/bin/python bench/focus.py            # both, 3 rounds
    FOCUS=uploads FOCUS_ROUNDS=5 .venv/bin/python bench/focus.py
    FOCUS_MYSQL=  (empty: no MariaDB server)   FOCUS_PYSPY=/tmp/prof  (py-spy, as root)

Prints medians and min–max; writes no report. MariaDB: FOCUS_MYSQL (default
mysql+pymysql://root@127.0.0.1:3306), a throwaway database dropped at the end.
"""

# ruff: noqa: S603, S607 - the benchmark runs fixed local programs
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402
import servers  # noqa: E402

ROUNDS = int(os.environ.get("FOCUS_ROUNDS", "3"))
FOCUS = os.environ.get("FOCUS", "uploads,downloads").split(",")
MYSQL = os.environ.get("FOCUS_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
PYSPY = os.environ.get("FOCUS_PYSPY", "")
DOWNLOAD_MIB = int(os.environ.get("FOCUS_DOWNLOAD_MIB", "1024"))
# More SQLite servers started with other settings, to compare in the same run:
# FOCUS_VARIANTS="nolimit:RATELIMIT_ENABLED=0;other:A=1,B=2"
VARIANTS = [v.split(":", 1) for v in os.environ.get("FOCUS_VARIANTS", "").split(";") if v]
# Another tree of the app (e.g. `git archive main | tar -x -C DIR`), started beside this one
# as "before" (SQLite, and MariaDB too unless FOCUS_MYSQL is empty).
BEFORE = os.environ.get("FOCUS_BEFORE", "")


class Samples(run.Results):
    def show(self) -> None:
        print(f"\nload average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for (test, system), values in self.samples.items():
            print(f"{test:<34} {system:<34} median {statistics.median(values):9.2f}"
                  f"  ({min(values):.2f}–{max(values):.2f})")


def mysql_database() -> str | None:
    if not MYSQL:
        return None
    name = f"compartilha_focus_{os.getpid()}"
    engine = sa.create_engine(MYSQL + "/")
    with engine.connect() as conn:
        for db_name in (name, name + "_old"):
            conn.execute(sa.text(f"CREATE DATABASE {db_name} CHARACTER SET utf8mb4 "
                                 "COLLATE utf8mb4_unicode_ci"))
    engine.dispose()
    return name


def drop_mysql(name: str) -> None:
    engine = sa.create_engine(MYSQL + "/")
    with engine.connect() as conn:
        for db_name in (name, name + "_old"):
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {db_name}"))
    engine.dispose()


def profiled(label: str, comp: servers.Server, action):
    """Run `action` under py-spy over the server's workers (FOCUS_PYSPY set)."""
    if not PYSPY:
        return action()
    spies = [subprocess.Popen(
        [str(servers.BIN / "py-spy"), "record", "-p", str(pid), "-r", "200", "-f", "raw",
         "-o", f"{PYSPY}-{label}-{pid}.txt", "--idle", "--threads"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for pid in comp.worker_pids()]
    time.sleep(1.0)
    try:
        return action()
    finally:
        for spy in spies:
            spy.send_signal(2)  # SIGINT: py-spy writes what it has
            spy.wait(30)


def uploads(apps: list[tuple[str, servers.Server, run.App]], cp: servers.Server,
            ng: servers.Server, small: list[Path], results: Samples) -> None:
    for _ in range(ROUNDS):
        for mode in ("xargs -P16", "curl --parallel 16"):
            test = f"64 × 1 MiB · {mode} (s)"
            for label, comp, app in apps:
                results.add(test, f"compartilha · {label}", profiled(
                    f"up-{label}-{mode.split()[0]}", comp, lambda c=comp, a=app, m=mode:
                    run.parallel_uploads(m, small, f"{c.base}/api/v1/files", True, a.auth)))
            (cp.folder / "p").mkdir(exist_ok=True)
            results.add(test, "copyparty · PUT", run.parallel_uploads(
                mode, small, f"{cp.base}/p/", False, ""))
            servers.remove_tree(cp.folder / "p")
            results.add(test, "nginx · PUT", run.parallel_uploads(
                mode, small, f"{ng.base}/p/", False, ""))
            servers.remove_tree(ng.folder / "p")


def downloads(comp: servers.Server, app: run.App, cp: servers.Server, ng: servers.Server,
              big: Path, results: Samples) -> None:
    size = big.stat().st_size
    url = app.create_tus(size)
    file_id = run.file_id_from(run.curl(*app.tus_args(url, big))[2])
    os.link(big, cp.folder / "dl.bin")
    os.link(big, ng.folder / "dl.bin")
    links = run.share_links(app, file_id)
    test = f"download {DOWNLOAD_MIB} MiB MB/s"
    for _ in range(ROUNDS):
        run.timed(comp, results, test, "-H", app.auth,
                  f"{comp.base}/api/v1/files/{file_id}/download", size=size,
                  label="compartilha · owner")
        run.timed(cp, results, test, f"{cp.base}/dl.bin", size=size)
        run.timed(ng, results, test, f"{ng.base}/dl.bin", size=size)
        for kind, link in links.items():
            profiled(f"down-{kind}", comp, lambda k=kind, lk=link: run.timed(
                comp, results, test, "-L", lk, size=size, label=f"compartilha · {k} link"))
    for (test_name, system), values in results.cpu.items():
        user = statistics.median(v[0] for v in values)
        sys_ = statistics.median(v[1] for v in values)
        print(f"cpu s/GiB {test_name} {system}: {user:.2f} / {sys_:.2f}")


def main() -> None:
    results = Samples()
    work = Path(tempfile.mkdtemp(prefix="compartilha-focus-"))
    running: list[servers.Server] = []
    mysql_name = mysql_database() if "uploads" in FOCUS else None
    print(f"focus in {work}, {ROUNDS} rounds, load {os.getloadavg()}", flush=True)
    try:
        comp = servers.compartilha(work)
        running.append(comp)
        apps = [("sqlite", comp, run.App(comp, "bench@example.com"))]
        for label, settings in VARIANTS:
            extra = dict(pair.split("=", 1) for pair in settings.split(","))
            other = servers.compartilha(work, name=f"compartilha-{label}", extra_env=extra)
            running.append(other)
            apps.append((label, other, run.App(other, "bench@example.com")))
        if BEFORE:
            old = servers.compartilha(work, name="compartilha-before", root=Path(BEFORE))
            running.append(old)
            apps.insert(0, ("sqlite before", old, run.App(old, "bench@example.com")))
        if mysql_name:
            mine = servers.compartilha(work, f"{MYSQL}/{mysql_name}?charset=utf8mb4",
                                       name="compartilha-mysql")
            running.append(mine)
            apps.append(("mariadb", mine, run.App(mine, "bench@example.com")))
        if mysql_name and BEFORE:
            old = servers.compartilha(work, f"{MYSQL}/{mysql_name}_old?charset=utf8mb4",
                                      name="compartilha-mysql-before", root=Path(BEFORE))
            running.append(old)
            apps.insert(len(apps) - 1, ("mariadb before", old,
                                        run.App(old, "bench@example.com")))
        cp = servers.copyparty(work)
        running.append(cp)
        ng = servers.nginx(work)
        running.append(ng)
        if "uploads" in FOCUS:
            small = [run.make_file(work / f"small-{i:02d}.bin", 1024**2) for i in range(64)]
            uploads(apps, cp, ng, small, results)
        if "downloads" in FOCUS:
            big = run.make_file(work / "big.bin", DOWNLOAD_MIB * 1024**2)
            downloads(comp, apps[0][2], cp, ng, big, results)
    finally:
        for server in running:
            server.stop()
        servers.remove_tree(work)
        if mysql_name:
            drop_mysql(mysql_name)
    results.show()


if __name__ == "__main__":
    main()
