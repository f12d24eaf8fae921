"""Administration → Settings, the page: grouped form, sizes in MB, saved through the
same service as the API (nothing changes when a field is wrong); users get 403."""

from __future__ import annotations

import re

import pytest

from compartilha.extensions import db
from compartilha.models import Setting
from compartilha.services import settings

ORIGIN = {"Origin": "http://localhost"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(csrf: str, **changes: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "site_name": "Compartilha", "accent_color": "#4f46e5",
            "registration": "open", "registration_domains": "", "invitation_days": "7",
            "max_upload_mb": "1", "blocked_extensions": "", "share_max_days": "365",
            "default_share_days": "", "default_max_downloads": "", "default_quota_mb": "",
            "default_quota_files": "", "audit_retention_days": "365",
            "users_may_create_upload_links": "1", "users_may_create_public_links": "1"}
    return form | changes


def _stored(app) -> dict[str, str]:
    with app.app_context():
        return {row.key: row.value for row in db.session.query(Setting)}


@pytest.fixture
def admin(pages):
    return pages.login(name="Ada")  # the first account: an admin


def test_the_page_shows_every_group_and_the_current_values_in_mb(client, admin):
    page = client.get("/admin/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for group in ("Identidade visual", "Cadastro", "Envios e links", "Cotas", "Auditoria"):
        assert f"<h2>{group}</h2>" in html
    assert 'name="max_upload_mb" type="text" inputmode="decimal" value="1"' in html
    assert 'aria-current="page">Configurações</a>' in html  # the admin tab
    english = client.get("/admin/settings", headers={"Accept-Language": "en"})
    assert "<h2>Uploads and links</h2>" in english.get_data(as_text=True)


def test_saving_stores_every_field_sizes_from_mb(app, client, pages, admin):
    rv = client.post("/admin/settings", headers=ORIGIN, data=_form(
        pages.csrf(), site_name="Arquivos", max_upload_mb="2,5", default_quota_mb="100",
        registration="closed", registration_domains="example.com, b.example.org",
        blocked_extensions="exe, .BAT", default_share_days="7", users_may_invite="1",
        users_may_create_public_links=""))
    assert rv.status_code == 302, rv.get_data(as_text=True)
    with app.app_context():
        found = settings.values()
    assert found["site_name"] == "Arquivos" and found["registration"] == "closed"
    assert found["max_upload_bytes"] == int(2.5 * 1024 * 1024)
    assert found["default_quota_bytes"] == 100 * 1024 * 1024
    assert found["registration_domains"] == ["example.com", "b.example.org"]
    assert found["blocked_extensions"] == ["exe", "bat"]
    assert found["default_share_days"] == 7 and found["users_may_invite"] is True
    assert found["users_may_create_public_links"] is False
    assert found["users_may_create_upload_links"] is True
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Configurações salvas" in page and 'value="2.5"' in page


def test_wrong_fields_are_marked_all_at_once_and_nothing_changes(app, client, pages, admin):
    rv = client.post("/admin/settings", headers=ORIGIN, data=_form(
        pages.csrf(), site_name="Novo nome", accent_color="azul", max_upload_mb="muito",
        invitation_days="0", registration_domains="not a domain"))
    assert rv.status_code == 422
    html = rv.get_data(as_text=True)
    for field in ("accent_color", "max_upload_mb", "invitation_days", "registration_domains"):
        assert f'id="set-{field}-error"' in html
    assert 'value="Novo nome"' in html  # what was typed stays
    assert _stored(app) == {}


def test_a_logo_is_uploaded_and_removed_through_the_form(app, client, pages, admin):
    rv = client.post("/admin/settings", headers=ORIGIN, content_type="multipart/form-data",
                     data=_form(pages.csrf()) | {"logo": (__import__("io").BytesIO(PNG),
                                                          "logo.png")})
    assert rv.status_code == 302
    src = re.search(r'class="brand-logo" src="([^"]+)"', client.get("/files").get_data(
        as_text=True)).group(1)
    assert client.get(src).data == PNG
    svg = client.post("/admin/settings", headers=ORIGIN, content_type="multipart/form-data",
                      data=_form(pages.csrf()) | {"logo": (__import__("io").BytesIO(
                          b"<svg/>"), "logo.svg")})
    assert svg.status_code == 422 and 'id="set-logo-error"' in svg.get_data(as_text=True)
    rv = client.post("/admin/settings", headers=ORIGIN,
                     data=_form(pages.csrf(), remove_logo="1"))
    assert rv.status_code == 302
    assert "brand-logo" not in client.get("/files").get_data(as_text=True)
    assert client.get(src).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_gets_403_and_nobody_the_login(app, client, pages, admin, method):
    user_client = app.test_client()
    bia = pages.auth.register(name="Bia")
    user_client.post("/login", data={"email": bia.email, "password": bia.password})
    csrf = user_client.get_cookie("compartilha_csrf").value
    rv = getattr(user_client, method)("/admin/settings", headers=ORIGIN,
                                      data=_form(csrf, site_name="Meu"))
    assert rv.status_code == 403
    nobody = getattr(app.test_client(), method)("/admin/settings", headers=ORIGIN,
                                                data=_form("", site_name="Meu"))
    assert nobody.status_code in (302, 403)
    assert _stored(app) == {}
    assert 'href="/admin/settings"' not in user_client.get("/files").get_data(as_text=True)


def test_every_page_carries_the_name_and_a_versioned_stylesheet(app, client, pages, admin):
    before = client.get("/files").get_data(as_text=True)
    assert "<title>Meus arquivos · Compartilha</title>" in before
    link = re.search(r'href="(/branding\.css\?v=[0-9a-f]+)"', before).group(1)
    assert before.index("css/app.css") < before.index(link)  # overrides app.css
    css = client.get(link)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--primary" not in css.get_data(as_text=True)  # the default: app.css's own
    assert css.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(link, headers={"If-None-Match": css.headers["ETag"]}).status_code == 304
    client.post("/admin/settings", headers=ORIGIN,
                data=_form(pages.csrf(), site_name="Arquivos <b>da</b> Firma",
                           accent_color="#B00B55"))
    after = client.get("/files").get_data(as_text=True)
    assert "<title>Meus arquivos · Arquivos &lt;b&gt;da&lt;/b&gt; Firma</title>" in after
    assert "<span>Arquivos &lt;b&gt;da&lt;/b&gt; Firma</span></a>" in after  # header
    assert "Arquivos &lt;b&gt;da&lt;/b&gt; Firma · seus arquivos" in after  # footer
    assert link not in after
    new_link = re.search(r'href="(/branding\.css\?v=[0-9a-f]+)"', after).group(1)
    assert "--primary: #b00b55" in client.get(new_link).get_data(as_text=True)
    assert "Compartilha" not in app.test_client().get("/login").get_data(as_text=True)


def test_the_share_forms_are_prefilled_with_the_defaults(app, client, pages, admin, auth):
    file_id = auth.file(auth.login(admin))["id"]
    with app.app_context():
        db.session.add_all([Setting(key="default_share_days", value="3"),
                            Setting(key="default_max_downloads", value="10")])
        db.session.commit()
    page = client.get(f"/shares/new?file_ids={file_id}").get_data(as_text=True)
    assert '<option value="259200" selected>Em 3 dias</option>' in page
    assert 'name="max_downloads" type="number" min="1" max="1000000" inputmode="numeric" ' \
        'placeholder="Sem limite" value="10"' in page


def test_saving_stores_only_what_changed(app, client, pages, admin):
    """A key left as it was keeps following its environment variable."""
    rv = client.post("/admin/settings", headers=ORIGIN, data=_form(pages.csrf()))
    assert rv.status_code == 302 and _stored(app) == {}
    client.post("/admin/settings", headers=ORIGIN,
                data=_form(pages.csrf(), site_name="Outro", blocked_extensions=" "))
    assert list(_stored(app)) == ["site_name"]
    app.config["SHARE_MAX_DAYS"] = 90  # the environment's default moves: the page follows
    assert 'value="90"' in client.get("/admin/settings").get_data(as_text=True)
