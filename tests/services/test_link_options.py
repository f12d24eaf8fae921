"""Options both kinds of link share (services.link_options)."""

from datetime import timedelta

import pytest

from compartilha.errors import InvalidField, PasswordRequired, WrongSharePassword
from compartilha.models.columns import utcnow
from compartilha.services import link_options


def test_an_expiry_is_in_the_future_with_a_zone_and_within_the_limit(app):
    with app.app_context():
        assert link_options.expiry(None) is None
        soon = utcnow() + timedelta(hours=1)
        assert link_options.expiry(soon) == soon
        for wrong in (soon.replace(tzinfo=None), utcnow() - timedelta(seconds=1),
                      utcnow() + timedelta(days=app.config["SHARE_MAX_DAYS"] + 1)):
            with pytest.raises(InvalidField) as refused:
                link_options.expiry(wrong)
            assert refused.value.field == "expires_at"


def test_a_password_has_bounds_and_is_stored_hashed(app):
    with app.app_context():
        assert link_options.password(None) is None and link_options.hashed(None) is None
        for wrong in ("abc", "x" * (link_options.LINK_PASSWORD_MAX + 1)):
            with pytest.raises(InvalidField):
                link_options.password(wrong)
        stored = link_options.hashed("abre-te")
        assert stored and "abre-te" not in stored
        told = []
        link_options.check_password(stored, "abre-te", "client", "t", lambda: told.append(1))
        with pytest.raises(PasswordRequired):
            link_options.check_password(stored, "", "client", "t", lambda: told.append(1))
        with pytest.raises(WrongSharePassword):
            link_options.check_password(stored, "errada", "client", "t", lambda: told.append(1))
        assert told == [1]  # only the wrong one is told
        link_options.check_password(None, None, "client", "t", lambda: told.append(1))


def test_a_message_and_a_title_are_cleaned_and_bounded(app):
    with app.app_context():
        assert link_options.message("  Oi\u200b,  \n\n tudo bem?  ") == "Oi,\n\n tudo bem?"
        assert link_options.message("   ") is None
        assert link_options.title("  Fotos \t da  viagem ") == "Fotos da viagem"
        with pytest.raises(InvalidField):
            link_options.message("x" * 2001)
        with pytest.raises(InvalidField):
            link_options.title("x" * 256)


def test_a_new_token_is_256_bits_in_the_links_format(app):
    tokens = {link_options.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(link_options.TOKEN_RE.fullmatch(token) for token in tokens)
