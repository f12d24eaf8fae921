"""Direct tests of the services: inside an app context, no HTTP in between."""

from __future__ import annotations

import pytest

from compartilha.models import File, User
from compartilha.services import accounts, files
from compartilha.storage import get_storage

PASSWORD = "correct horse"  # noqa: S105


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def user(ctx) -> User:
    return accounts.register("Ana", "ana@example.com", PASSWORD)


def stored(user_id: int, data: bytes = b"hello", name: str = "a.txt") -> File:
    """A file of `user_id`, stored through the files service."""
    writer = get_storage().writer()
    writer.write(data)
    return files.store(user_id, name, "text/plain", writer)
