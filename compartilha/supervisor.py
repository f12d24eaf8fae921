"""`make run`: the web server (gunicorn) and the jobs worker, started and stopped together.

`python -m compartilha.supervisor` starts both, each in its own process group, restarts
the worker should it die (waiting longer after each quick death), and on Ctrl-C or
SIGTERM stops both: gunicorn with SIGTERM (its graceful stop), the worker with SIGINT
(its graceful stop: running jobs finish). It exits when gunicorn does, with its status.
In production each runs as a service of its own (docs/deploy.md); this is for one machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_SECONDS = 30
RESTART_MAX_WAIT = 30.0


def web_command() -> list[str]:
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
            "compartilha:create_app()"]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "compartilha", "jobs", "worker"]


def start(command: list[str]) -> subprocess.Popen[bytes]:
    # A group of its own: Ctrl-C reaches only us, and we stop each the way it likes.
    return subprocess.Popen(command, start_new_session=True)  # noqa: S603 - fixed commands


def stop(process: subprocess.Popen[bytes], how: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(how)


def wait_all(processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Supervisor:
    def __init__(self) -> None:
        self.stopping = False
        self.web = start(web_command())
        self.worker: subprocess.Popen[bytes] | None = start(worker_command())
        self.worker_since = self.restart_at = time.monotonic()
        self.restart_wait = 1.0

    def request_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def keep_worker(self) -> None:
        """A worker that died is started again; one that keeps dying, less often."""
        now = time.monotonic()
        if self.worker is not None and self.worker.poll() is None:
            if now - self.worker_since > 60:
                self.restart_wait = 1.0
            return
        if self.worker is not None:
            print(f"jobs worker exited ({self.worker.returncode}); restarting in "
                  f"{self.restart_wait:.0f} s", file=sys.stderr, flush=True)
            self.worker, self.restart_at = None, now + self.restart_wait
            self.restart_wait = min(self.restart_wait * 2, RESTART_MAX_WAIT)
        if now >= self.restart_at:
            self.worker, self.worker_since = start(worker_command()), now

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        while not self.stopping and self.web.poll() is None:
            self.keep_worker()
            time.sleep(0.2)
        stop(self.web, signal.SIGTERM)
        running = [self.web]
        if self.worker is not None:
            stop(self.worker, signal.SIGINT)
            running.append(self.worker)
        wait_all(running)
        return 0 if self.stopping else self.web.returncode


def main() -> int:
    return Supervisor().run()


if __name__ == "__main__":
    sys.exit(main())
