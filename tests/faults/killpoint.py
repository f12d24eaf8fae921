"""A gunicorn app for crash tests: the real app, except that once the file named by
KILL_AFTER_PUBLISH exists, the next tus finish kills the whole process group (master and
every worker, as `kill -9 -PGID` would) right after its bytes are published and before
the database records them: the worst moment, hit on purpose instead of by luck."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import compartilha
from compartilha.storage.local import LocalStorage


def create_app():
    trigger = Path(os.environ["KILL_AFTER_PUBLISH"])
    publish = LocalStorage.finish_upload

    def publish_then_die(self: LocalStorage, handle: str) -> str:
        key = publish(self, handle)
        if trigger.exists():
            os.killpg(os.getpgrp(), signal.SIGKILL)
        return key

    LocalStorage.finish_upload = publish_then_die  # type: ignore[method-assign]
    return compartilha.create_app()
