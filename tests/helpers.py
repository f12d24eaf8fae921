"""What tests do through the test client, as a client would: accounts, uploads, share
links and tus uploads; and small readers of answers and storage."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from compartilha.extensions import db

TUS = {"Tus-Resumable": "1.0.0"}


def tables() -> list[str]:
    """Every table, children first (the order to empty them in), from the models."""
    return [table.name for table in reversed(db.metadata.sorted_tables)]


@dataclass
class Account:
    name: str
    email: str
    password: str
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class AuthActions:
    """Register and log in users through the API, as a client would."""

    def __init__(self, client) -> None:
        self._client = client
        self._n = 0

    def register(self, name: str = "Ana", email: str | None = None,
                 password: str = "correct horse") -> Account:  # noqa: S107
        self._n += 1
        email = email or f"user{self._n}@example.com"
        rv = self._client.post("/api/v1/auth/register",
                               json={"name": name, "email": email, "password": password})
        assert rv.status_code == 201, rv.get_json()
        return Account(name, email, password)

    def login(self, account: Account) -> Account:
        rv = self._client.post("/api/v1/auth/login",
                               json={"email": account.email, "password": account.password})
        assert rv.status_code == 200, rv.get_json()
        account.token = rv.get_json()["access_token"]
        return account

    def user(self, **kwargs) -> Account:
        return self.login(self.register(**kwargs))

    def upload(self, account: Account, data: bytes = b"hello world", name: str = "hello.txt",
               content_type: str = "text/plain"):
        return self._client.post(
            "/api/v1/files", headers=account.headers,
            data={"file": (io.BytesIO(data), name, content_type)},
            content_type="multipart/form-data",
        )

    def file(self, account: Account, data: bytes = b"hello world",
             name: str = "hello.txt") -> dict:
        """Upload a file; its metadata."""
        rv = self.upload(account, data, name)
        assert rv.status_code == 201, rv.get_json()
        return rv.get_json()["file"]

    def share(self, account: Account, file_id: int, **options) -> dict:
        """Create a link to one of the account's files; the share as the API gives it."""
        rv = self._client.post(f"/api/v1/files/{file_id}/shares", headers=account.headers,
                               json=options)
        assert rv.status_code == 201, rv.get_json()
        return rv.get_json()["share"]

    def tus_create(self, account: Account, length: int, name: str = "a.bin") -> str:
        """Start a tus upload; the path of its URL."""
        meta = "filename " + base64.b64encode(name.encode()).decode()
        rv = self._client.post("/api/v1/uploads", headers={
            **TUS, **account.headers, "Upload-Length": str(length), "Upload-Metadata": meta})
        assert rv.status_code == 201, rv.get_json()
        return urlsplit(rv.headers["Location"]).path

    def tus_patch(self, account: Account, path: str, offset: int, data: bytes):
        return self._client.patch(path, data=data, headers={
            **TUS, **account.headers, "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream"})



def unfinished_uploads(app) -> list[str]:
    """Handles of resumable uploads holding bytes in the app's storage, on either backend."""
    from compartilha.storage import get_storage

    with app.app_context():
        return sorted(handle for handle, _ in get_storage().unfinished_uploads())


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


@contextmanager
def serving(server) -> Iterator[str]:
    """A werkzeug or http.server server on a thread: its URL, and it stopped at the end."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def run_due_jobs(app, task, *args) -> int:
    """What a worker's scheduler does once their time has come: run, in `app`'s context,
    the scheduled jobs of `task` (an `@jobs.task` function) with these arguments that are
    due now; how many ran. (Under TESTING jobs are kept in one in-memory schedule for the
    whole process: other servers' jobs in it are left alone.)"""
    from compartilha import jobs

    due = []
    for job in jobs.huey.read_schedule():  # taken out of the schedule: put the others back
        if isinstance(job, task.task_class) and tuple(job.args) == args:
            due.append(job)
        else:
            jobs.huey.add_schedule(job)
    with app.app_context():
        for job in due:
            jobs.huey.execute(job)
    return len(due)
