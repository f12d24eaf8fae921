import pytest

from compartilha.services.files import clean_name, clean_type


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
