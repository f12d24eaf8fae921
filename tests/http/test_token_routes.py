"""Every API route, read from the app's URL map and its OpenAPI document (so a route
added later is covered too), is either in the scope map of compartilha/http/scopes.py,
and then refused to a token without that scope (403 `scope_missing` naming it) and not
refused to one with it, or refused to every token (403 `session_required`). A route
that needs no sign-in grants a token nothing: it answers as to nobody."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from compartilha import create_app
from compartilha.http.identity import BEARER
from compartilha.http.scopes import SCOPE_OF
from compartilha.services import api_tokens
from tests.conftest import base_config

ARG = re.compile(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?([a-z_]+)>")
TUS = {"Tus-Resumable": "1.0.0"}
# What a route needs to get as far as its sign-in (tus's method override: a method).
EXTRA = {"api.tus_override": {"X-HTTP-Method-Override": "DELETE"}}


def _value(match: re.Match) -> str:
    converter, name = match.group(1), match.group(2)
    if converter == "string" and "token" in name:
        return "a" * 32
    if converter == "string":
        return "a" * 16
    return "999999"


def api_routes() -> list[tuple[str, str, str, bool]]:
    """(method, path, endpoint, needs a sign-in) for every /api/v1 route."""
    app = create_app(base_config(Path(tempfile.gettempdir()), "sqlite://"))
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        methods = (rule.methods or set()) - {"OPTIONS"}
        if "GET" in methods or not methods - {"HEAD"}:
            methods -= {"HEAD"} if "GET" in methods else set()
        path = re.sub(r"<([^<:]+:)?", "{", rule.rule).replace(">", "}")
        for method in sorted(methods):
            operation = spec["paths"].get(re.sub(r"\{[^}]*\(.*?\):", "{", path), {}).get(
                method.lower()) or spec["paths"].get(path, {}).get(method.lower()) or {}
            signed_in = any(BEARER in need for need in operation.get("security", []))
            found.append((method, ARG.sub(_value, rule.rule), rule.endpoint, signed_in))
    return sorted(found)


ROUTES = api_routes()


def test_the_map_names_routes_that_exist_and_every_scope():
    endpoints = {endpoint for _, _, endpoint, _ in ROUTES}
    assert set(SCOPE_OF) <= endpoints, set(SCOPE_OF) - endpoints
    assert set(SCOPE_OF.values()) == set(api_tokens.SCOPES)
    signed_in = {endpoint for _, _, endpoint, needs in ROUTES if needs}
    assert set(SCOPE_OF) <= signed_in  # a scope on a route nobody needs to sign in for
    for known in ("api.me", "api.upload", "api.list_shares", "api.create_token",
                  "api.change_password", "api.list_users"):
        assert known in endpoints, known


def _token(client, account, scopes) -> dict[str, str]:
    rv = client.post("/api/v1/me/tokens", headers=account.headers,
                     json={"name": "t", "scopes": scopes})
    assert rv.status_code == 201, rv.get_json()
    return {"Authorization": f"Bearer {rv.get_json()['token']['secret']}"}


def _call(client, method, path, headers, endpoint=""):
    return client.open(path, method=method, json={},
                       headers={**TUS, **EXTRA.get(endpoint, {}), **headers})


def _code(rv) -> str | None:
    body = rv.get_json(silent=True) or {}
    return (body.get("error") or {}).get("code")


def test_every_api_route_is_mapped_to_a_scope_or_refused_to_tokens(app, client, auth):
    admin = auth.user(name="Admin")  # the first account is an admin: admin routes too
    every = _token(client, admin, list(api_tokens.SCOPES))
    checked = 0
    for method, path, endpoint, signed_in in ROUTES:
        needed = SCOPE_OF.get(endpoint)
        if not signed_in:
            assert needed is None, endpoint
            continue
        if needed is None:
            rv = _call(client, method, path, every, endpoint)
            assert rv.status_code == 403, (method, path, rv.status_code)
            if method != "HEAD":
                assert _code(rv) == "session_required", (method, path)
        else:
            others = [s for s in api_tokens.SCOPES if s != needed]
            rv = _call(client, method, path, _token(client, admin, others), endpoint)
            assert rv.status_code == 403, (method, path, rv.status_code)
            if method != "HEAD":
                body = rv.get_json()["error"]
                assert (body["code"], body["field"]) == ("scope_missing", needed), (method, path)
                assert needed in body["message"]
            rv = _call(client, method, path, _token(client, admin, [needed]), endpoint)
            assert rv.status_code != 403 or _code(rv) not in (
                "scope_missing", "session_required", "csrf_failed"), (method, path)
            assert rv.status_code not in (401, 403) or method == "HEAD" and (
                rv.status_code == 404), (method, path, rv.status_code, rv.get_data()[:200])
        checked += 1
    assert checked >= len(SCOPE_OF) + 10


def test_routes_without_a_sign_in_grant_a_token_nothing(app, client, auth):
    ana = auth.user()
    token = _token(client, ana, list(api_tokens.SCOPES))
    for method, path, endpoint, signed_in in ROUTES:
        if signed_in or method != "GET":
            continue
        with_token = _call(client, method, path, token)
        nobody = _call(app.test_client(), method, path, {})
        assert with_token.status_code == nobody.status_code, endpoint


@pytest.mark.parametrize("scope", api_tokens.SCOPES)
def test_each_scope_reaches_its_routes_and_no_other(scope):
    """The map read as each scope's reach (the table in docs/identity.md)."""
    reach = {endpoint for endpoint, needed in SCOPE_OF.items() if needed == scope}
    assert reach
    doc = (Path(__file__).resolve().parents[2] / "docs" / "identity.md").read_text()
    line = next(row for row in doc.splitlines() if row.startswith(f"| `{scope}`"))
    for endpoint in reach:
        assert f"`{endpoint.removeprefix('api.')}`" in line, (scope, endpoint)
