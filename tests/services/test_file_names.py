"""What a file is called (services.file_names)."""

import pytest

from compartilha.services import accounts
from compartilha.services.file_names import clean_name, clean_type

from .conftest import PASSWORD, stored


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\Users\\ana\\foto.png", "foto.png"),
    ("/etc/passwd", "passwd"),
    ("  relatório  final .pdf ", "relatório final .pdf"),
    ("e\u0301.txt", "é.txt"),  # NFC
    ("\u2066x\u2069.txt", "x.txt"),
    ("...", "file"),
    (None, "file"),
    ("a" * 400, "a" * 255),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(("declared", "name", "kept"), [
    ("image/png", "a.png", "image/png"),
    ("text/plain; charset=utf-8", "a.txt", "text/plain"),
    ("", "a.pdf", "application/pdf"),
    ("application/octet-stream", "a.pdf", "application/pdf"),
    ("not a type", "blob", "application/octet-stream"),
    ("x/" + "y" * 60, "blob", "application/octet-stream"),
])
def test_clean_type(declared, name, kept):
    assert clean_type(declared, name) == kept


def test_a_duplicate_name_keeps_both_files_as_name_2(user):
    first = stored(user.id, name="foto.png")
    second = stored(user.id, name="foto.png")
    third = stored(user.id, name="foto.png")
    assert (first.name, second.name, third.name) == ("foto.png", "foto (2).png", "foto (3).png")


@pytest.mark.parametrize(("existing", "uploaded", "kept"), [
    (["notas"], "notas", "notas (2)"),  # no extension
    (["foto.png", "foto (2).png"], "foto (2).png", "foto (3).png"),  # a copy of a copy
    (["foto.png"], "foto (2).png", "foto (2).png"),  # free: kept as sent
    (["Foto.png"], "foto.png", "foto.png"),  # names compare exactly, on every database
    (["relatório.pdf"], "relatorio.pdf", "relatorio.pdf"),
    (["50%_a.txt"], "50%_a.txt", "50%_a (2).txt"),  # LIKE wildcards are escaped
    (["archive.tar.gz"], "archive.tar.gz", "archive.tar (2).gz"),
    (["a" * 251 + ".txt"], "a" * 251 + ".txt", "a" * 247 + " (2).txt"),  # stays <= 255
])
def test_free_name(user, existing, uploaded, kept):
    for name in existing:
        stored(user.id, name=name)
    assert stored(user.id, name=uploaded).name == kept


def test_another_users_file_does_not_count(user):
    other = accounts.register("Rui", "rui@example.com", PASSWORD)
    stored(other.id, name="foto.png")
    assert stored(user.id, name="foto.png").name == "foto.png"
