"""One registry of the public token paths, obeyed by the routes, the headers and the logs."""

from __future__ import annotations

import json
import logging

from compartilha.public_paths import PREFIXES, is_token_path, masked


def test_every_public_route_with_a_token_is_under_a_registered_prefix(app):
    public = [rule.rule for rule in app.url_map.iter_rules()
              if "token" in rule.arguments and not rule.rule.startswith("/api/")]
    assert public and all(is_token_path(path) for path in public), public


def test_tokens_are_masked_wherever_they_stand():
    assert masked("/s/abc/download") == "/s/[link]/download"
    assert masked("/s/abc") == "/s/[link]"
    assert masked("/files/1") == "/files/1"
    assert masked("/r/abc/files") == "/r/[link]/files"
    assert PREFIXES == ("/s/", "/r/")


def test_a_share_page_is_not_cached_and_its_token_is_not_logged(client, auth, caplog):
    account = auth.user()
    file_id = auth.upload(account).get_json()["file"]["id"]
    token = client.post(f"/api/v1/files/{file_id}/shares", headers=account.headers,
                        json={}).get_json()["share"]["token"]
    with caplog.at_level(logging.INFO, logger="compartilha.events"):
        rv = client.get(f"/s/{token}")
    assert rv.status_code == 200 and rv.headers["Cache-Control"] == "no-store"
    logged = [json.dumps(getattr(r, "fields", {})) for r in caplog.records]
    assert any('"/s/[link]"' in line for line in logged)
    assert not any(token in line for line in logged)
