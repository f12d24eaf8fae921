"""Files of a user (services.files): stored whole and recorded, or nothing kept."""

import hashlib
import zlib

import pytest

from compartilha.errors import FileNotFound, InvalidField
from compartilha.models import File
from compartilha.services import accounts, files
from compartilha.storage import get_storage

from .conftest import PASSWORD, stored


def test_a_stored_file_is_recorded_with_its_digests_and_read_back(user):
    record = stored(user.id, b"ola, mundo", "notas.txt")
    assert (record.size, record.type) == (10, "text/plain")
    assert record.sha256 == hashlib.sha256(b"ola, mundo").hexdigest()
    assert record.crc32 == zlib.crc32(b"ola, mundo")
    with files.open_bytes(record) as fh:
        assert fh.read() == b"ola, mundo"


def test_a_refusal_before_the_commit_leaves_no_row_and_no_bytes(user):
    writer = get_storage().writer()
    writer.write(b"x" * 100)

    def refuse(record: File) -> None:
        raise InvalidField("no", field="file")

    with pytest.raises(InvalidField):
        files.store(user.id, "a.txt", "text/plain", writer, before_commit=refuse)
    assert files.keys_of(user.id) == [] and list(get_storage().keys()) == []


def test_rename_and_delete_only_my_own(user):
    record = stored(user.id, name="a.txt")
    stored(user.id, name="b.txt")
    assert files.change(user.id, record.id, name="b.txt").name == "b (2).txt"
    other = accounts.register("Rui", "rui@example.com", PASSWORD)
    with pytest.raises(FileNotFound):
        files.change(other.id, record.id, name="c.txt")
    with pytest.raises(FileNotFound):
        files.delete(other.id, record.id)
    key = record.key
    files.delete(user.id, record.id)
    assert key not in files.keys_of(user.id) and key not in set(get_storage().keys())
