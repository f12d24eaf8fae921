"""Settings apply without a restart on every server: two gunicorn servers on one
database; an admin changes the site name and accent colour through the settings page of
server A, and the next page of server B shows them (SQLite file and MariaDB)."""

from __future__ import annotations

import re
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.deploy.http import call
from tests.servers import migrated_sqlite, start_gunicorn, stop


@pytest.fixture(params=["sqlite", "mariadb"])
def two_servers(request, tmp_path_factory):
    work = tmp_path_factory.mktemp("settings-servers")
    if request.param == "sqlite":
        env = migrated_sqlite(work)
    else:
        env = {"DATABASE_URL": request.getfixturevalue("mariadb_url"),
               "STORAGE_URL": f"file://{work / 'files'}", "SECRET_KEY": secrets.token_hex(32)}
    env |= {"SCRYPT_N": "16", "RATELIMIT_LOGIN_CLIENT": "10000 per 15 minutes",
            "RATELIMIT_REGISTER": "10000 per hour"}
    started = []
    try:
        for name in ("a", "b"):
            folder = work / name
            folder.mkdir()
            started.append(start_gunicorn({**env, "INSTANCE_PATH": str(folder / "instance")},
                                          folder, name))
        yield [server.url for server in started]
    finally:
        for server in started:
            stop(server.process)


def _cookies(reply, jar: dict[str, str]) -> dict[str, str]:
    for header in reply.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value
    return jar


def _form(base: str, path: str, jar: dict[str, str], fields: dict[str, str]):
    return call(base, "POST", path, body=urlencode(fields).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": base,
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})


def test_a_change_on_server_a_shows_on_the_next_page_of_server_b(two_servers):
    a, b = two_servers
    email = f"admin{secrets.token_hex(4)}@example.com"
    rv = call(a, "POST", "/api/v1/auth/register",
              json_body={"name": "Ada", "email": email, "password": "a long password"})
    assert rv.status == 201, rv.body  # the first account: an admin
    before = call(b, "GET", "/login").body.decode()
    assert "<title>Entrar · Compartilha</title>" in before

    jar = _cookies(_form(a, "/login", {}, {"email": email, "password": "a long password"}), {})
    page = call(a, "GET", "/admin/settings", headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    assert page.status == 200, page.body[:500]
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*?value="([^"]*)"', page.body.decode()))
    fields |= {"csrf_token": jar["compartilha_csrf"], "site_name": "Arquivos da Firma",
               "accent_color": "#b00b55", "registration": "open",
               "users_may_create_upload_links": "1", "users_may_create_public_links": "1"}
    saved = _form(a, "/admin/settings", jar, fields)
    assert saved.status == 302, saved.body[:2000]

    after = call(b, "GET", "/login").body.decode()
    assert "<title>Entrar · Arquivos da Firma</title>" in after
    assert '<span>Arquivos da Firma</span></a>' in after  # the header's brand
    css_link = re.search(r'href="(/branding\.css\?v=[^"]+)"', after).group(1)
    assert css_link not in before
    css = call(b, "GET", css_link)
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "--primary: #b00b55" in css.body.decode()
