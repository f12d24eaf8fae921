import pytest

from compartilha.errors import InvalidField
from compartilha.services import validation


def test_text_loses_controls_and_bidi_overrides():
    assert validation.clean_text("a\u202eb\x00c\u200bd") == "abcd"
    assert validation.clean_text("e\u0301") == "é"


@pytest.mark.parametrize(("raw", "clean"), [("  Ana   Maria ", "Ana Maria"), ("Zoë", "Zoë")])
def test_names_are_trimmed(raw, clean):
    assert validation.name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "x" * 256, "\u202e"])
def test_empty_or_long_names_are_refused(raw):
    with pytest.raises(InvalidField):
        validation.name(raw)


def test_passwords_are_taken_as_typed_within_bounds():
    assert validation.password(" eight ch ") == " eight ch "
    for bad in ("short", "x" * (validation.PASSWORD_MAX + 1)):
        with pytest.raises(InvalidField) as refused:
            validation.password(bad, field="new_password")
        assert refused.value.field == "new_password"
