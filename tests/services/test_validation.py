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


def test_check_all_names_every_wrong_field_at_once():
    with pytest.raises(InvalidField) as caught:
        validation.check_all({"name": lambda: validation.name(" "),
                              "email": lambda: validation.email("x"),
                              "password": lambda: validation.password("12")})
    assert [p.field for p in caught.value.problems] == ["name", "email", "password"]
    assert caught.value.params == {"num": 3}
    password = caught.value.problems[2]
    assert password.template == "The password must have %(min)d to %(max)d characters."
    assert password.message == "The password must have 8 to 1024 characters."


def test_check_all_returns_the_checked_values():
    assert validation.check_all({"name": lambda: validation.name("  Ana  Souza ")}) == {
        "name": "Ana Souza"}
