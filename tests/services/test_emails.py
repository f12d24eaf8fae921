"""One canonical form for every email address, and a skeleton that joins every pair of
addresses MariaDB's utf8mb4_unicode_ci would call equal."""

import pytest
import sqlalchemy as sa

from compartilha.errors import InvalidField
from compartilha.extensions import db
from compartilha.services import validation

LATIN = [*range(0x21, 0x7F), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]


@pytest.mark.parametrize(("typed", "canonical"), [
    ("carol@example.com", "carol@example.com"),
    ("  Carol@Example.COM ", "carol@example.com"),
    ("ｃａｒｏｌ@ｅｘａｍｐｌｅ.ｃｏｍ", "carol@example.com"),  # full width
    ("ＣＡＲＯＬ@example.com", "carol@example.com"),
    ("Cárol@example.com", "cárol@example.com"),  # NFC
    ("Ca\u0301rol@example.com", "cárol@example.com"),  # a combining accent: the same
    ("Straße@example.com", "strasse@example.com"),
    ("x@XN--BCHER-KVA.ch", "x@bücher.ch"),
    ("x@Bücher.CH", "x@bücher.ch"),
])
def test_canonical_form(typed, canonical):
    assert validation.email(typed) == canonical
    assert validation.email(canonical) == canonical  # stable
    assert validation.email_key(typed) == canonical


@pytest.mark.parametrize("typed", [
    "<script>@x.y", "a<script>@example.com", "not-an-email", "a@b", "a@localhost",
    "a@example.test", '"quoted"@example.com', "a..b@example.com", "a@exa_mple.com",
    "ca\u200brol@example.com",  # zero width space
    "кирилл@example.com",  # outside the alphabet whose collation is proved below
    "a×b@example.com", "x@example.com.", "a@[127.0.0.1]", "a" * 250 + "@example.com",
])
def test_refused(typed):
    with pytest.raises(InvalidField):
        validation.email(typed)


@pytest.mark.parametrize(("one", "other"), [
    ("carol@example.com", "cárol@example.com"), ("carol@example.com", "çaröl@example.com"),
    ("oslo@example.com", "øslo@example.com"), ("dave@example.com", "ðave@example.com"),
    ("aeon@example.com", "æon@example.com"), ("x@bucher.ch", "x@bücher.ch"),
])
def test_look_alikes_share_a_skeleton(one, other):
    assert validation.email(one) != validation.email(other)
    assert validation.skeleton(validation.email(one)) == validation.skeleton(
        validation.email(other))


def weights(conn, text: str) -> list[str]:
    hexed = conn.scalar(sa.text(
        "SELECT HEX(WEIGHT_STRING(CONVERT(:t USING utf8mb4) COLLATE utf8mb4_unicode_ci))"),
        {"t": text})
    return [hexed[i:i + 4] for i in range(0, len(hexed), 4)]


@pytest.mark.parametrize("database", ["mysql"], indirect=True)
def test_the_skeleton_joins_whatever_mariadb_calls_equal(app):
    """Proof, letter by letter, over the whole alphabet of canonical addresses: MariaDB
    compares strings by the sequence of their letters' primary weights. If every letter's
    skeleton is a function of its weights (one weight: the same skeleton as every letter
    of that weight; several: the skeletons of those weights in a row), two addresses with
    one weight sequence have one skeleton, so the unique skeleton refuses them."""
    alphabet = [chr(c) for c in LATIN
                if validation.fold(chr(c)) == chr(c) and validation.in_alphabet(chr(c))]
    assert len(alphabet) > 250
    with app.app_context(), db.engine.connect() as conn:
        found = {ch: weights(conn, ch) for ch in alphabet}
    assert all(found.values()), "a letter MariaDB ignores"
    by_weight: dict[str, str] = {}
    for ch, [*elements] in found.items():
        if len(elements) == 1:
            known = by_weight.setdefault(elements[0], validation.skeleton(ch))
            assert validation.skeleton(ch) == known, (ch, elements)
    for ch, elements in found.items():
        if len(elements) > 1:  # œ weighs as o + e
            assert all(w in by_weight for w in elements), (ch, elements)
            assert validation.skeleton(ch) == "".join(by_weight[w] for w in elements), ch


@pytest.mark.parametrize("database", ["mysql"], indirect=True)
@pytest.mark.parametrize(("one", "other"), [
    ("carol@example.com", "cárol@example.com"), ("carol@example.com", "ｃarol@example.com"),
    ("strasse@example.com", "straße@example.com"), ("oe@example.com", "œ@example.com"),
])
def test_what_mariadb_calls_equal_has_one_skeleton(app, one, other):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT CONVERT(:a USING utf8mb4) COLLATE "
                                   "utf8mb4_unicode_ci = CONVERT(:b USING utf8mb4)"),
                           {"a": one, "b": other}) == 1
    assert validation.skeleton(validation.email_key(one)) == validation.skeleton(
        validation.email_key(other))
