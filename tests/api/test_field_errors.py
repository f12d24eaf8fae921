"""422 answers name every wrong field at once, each with a sentence in the reader's
language (Accept-Language), in `fields`; `code` and the rest of the shape stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import error_code

PT = {"Accept-Language": "pt-BR,pt;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def owner_file(client, auth):
    account = auth.user()
    meta = auth.upload(account, b"bytes", "nota.txt").get_json()["file"]
    return account, meta


def bad_share_options() -> dict:
    return {"expires_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "max_downloads": 0, "password": "abc", "recipient_email": "not an email"}


def test_share_options_every_wrong_field_in_portuguese(client, owner_file):
    account, meta = owner_file
    rv = client.post(f"/api/v1/files/{meta['id']}/shares", json=bad_share_options(),
                     headers=account.headers | PT)
    assert rv.status_code == 422
    error = rv.get_json()["error"]
    assert error["code"] == "invalid_field"
    assert error["fields"] == {
        "expires_at": "A data de expiração precisa estar no futuro.",
        "max_downloads": "Informe um limite de downloads de 1 a 1.000.000.",
        "password": "A senha do link precisa de ao menos 4 caracteres.",
        "recipient_email": "Informe um e-mail válido.",
    }
    assert error["message"] == "4 campos precisam de correção."
    assert error["field"] == "expires_at"  # the first one, as before


def test_share_options_in_english(client, owner_file):
    account, meta = owner_file
    rv = client.post(f"/api/v1/files/{meta['id']}/shares", json={"password": "abc"},
                     headers=account.headers | EN)
    error = rv.get_json()["error"]
    assert rv.status_code == 422 and error["code"] == "invalid_field"
    assert error["fields"] == {"password": "The link password needs at least 4 characters."}
    assert error["message"] == "The link password needs at least 4 characters."


def test_schema_errors_are_sentences_too(client, owner_file):
    account, meta = owner_file
    rv = client.post(f"/api/v1/files/{meta['id']}/shares",
                     json={"max_downloads": "dez", "expires_at": "amanhã", "password": 1234},
                     headers=account.headers | PT)
    error = rv.get_json()["error"]
    assert rv.status_code == 422 and error["code"] == "invalid_field"
    assert error["fields"] == {
        "max_downloads": "Informe um número inteiro.",
        "expires_at": "Informe data e hora com fuso horário, como 2030-12-31T18:00:00-03:00.",
        "password": "Informe um texto.",
    }
    assert "`" not in error["message"]


def test_register_names_every_wrong_field(client):
    rv = client.post("/api/v1/auth/register", json={"name": "  ", "email": "x", "password": "12"},
                     headers=PT)
    error = rv.get_json()["error"]
    assert rv.status_code == 422 and error["code"] == "invalid_field"
    assert error["fields"] == {
        "name": "Informe um nome de 1 a 255 caracteres.",
        "email": "Informe um e-mail válido.",
        "password": "A senha deve ter de 8 a 1024 caracteres.",
    }


def test_a_missing_field_is_required(client):
    rv = client.post("/api/v1/auth/register", json={"name": "Ana"}, headers=PT)
    error = rv.get_json()["error"]
    assert rv.status_code == 422
    assert error["fields"] == {"email": "Este campo é obrigatório.",
                               "password": "Este campo é obrigatório."}


def test_the_error_shape_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    shape = spec["components"]["schemas"]
    assert any("fields" in str(schema) for schema in shape.values())
    assert error_code(client.post("/api/v1/auth/register", json={})) == "invalid_field"
