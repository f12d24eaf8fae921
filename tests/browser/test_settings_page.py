"""Administration → Settings in a browser, on SQLite and on MariaDB: reachable from the
admin tabs, axe-clean at 375 and 1280 px in light and dark (with the default accent and
with glaring ones), no sideways scroll on a phone; a new name and colour show at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, axe_violations, context_args, serving, shoot
from .test_flows import sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def own_server(request, tmp_path_factory):
    with serving(request.param, tmp_path_factory.mktemp(f"settings-{request.param}")) as server:
        yield server




def _save(page, **fields: str) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Salvar configurações").click()
    expect(page.locator(".flash-success")).to_contain_text("Configurações salvas")


def test_settings_page(browser, own_server, screenshots):
    page = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(page, "Ada", "ada@example.com", PASSWORD)  # the first account: the admin
    page.goto("/admin/users")
    page.locator(".admin-tabs").get_by_role("link", name="Configurações").click()
    expect(page.get_by_role("heading", name="Configurações", exact=True)).to_be_visible()
    for group in ("Identidade visual", "Cadastro", "Envios e links", "Cotas", "Auditoria"):
        expect(page.get_by_role("group", name=group)).to_be_visible()
    axe_clean(page, "settings", SIZES)
    shoot(page, screenshots, "admin-settings", SIZES)

    _save(page, **{"Nome do site": "Arquivos da Firma", "Cor de destaque": "#b00b55",
                   "Maior arquivo, em MB": "5"})
    expect(page).to_have_title("Configurações · Arquivos da Firma")
    expect(page.locator(".site-header .brand")).to_have_text("Arquivos da Firma")
    expect(page.locator(".site-footer")).to_contain_text("Arquivos da Firma")
    primary = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--primary')")
    assert primary.strip() == "#b00b55"
    expect(page.get_by_label("Maior arquivo, em MB", exact=True)).to_have_value("5")

    for glaring in ("#ffff00", "#777777"):  # any colour keeps the pages readable
        _save(page, **{"Cor de destaque": glaring})
        axe_clean(page, f"settings {glaring}", SIZES)
    page.goto("/files")
    axe_clean(page, "files #777777", SIZES)

    page.goto("/admin/settings")
    page.get_by_label("Um convite expira após (dias)").fill("0")
    page.get_by_role("button", name="Salvar configurações").click()
    expect(page.locator("#set-invitation_days-error")).to_be_visible()
    assert axe_violations(page) == []
    page.goto("/admin/settings")
    expect(page.get_by_label("Um convite expira após (dias)")).to_have_value("7")


def test_the_share_dialog_offers_the_defaults_and_never_means_never(browser, own_server):
    from compartilha.extensions import db
    from compartilha.models import Setting, Share

    page = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(page, "Caio", "caio@example.com", PASSWORD)
    with own_server.app.app_context():
        for key, value in (("default_share_days", "3"), ("default_max_downloads", "10")):
            db.session.merge(Setting(key=key, value=value))
        db.session.commit()
    page.reload()
    page.locator("#file-input").set_input_files(
        [{"name": "nota.txt", "mimeType": "text/plain", "buffer": b"ola"}])
    expect(page.locator(".file-row")).to_have_count(1, timeout=15_000)
    dialog = page.locator("#share-dialog")

    page.locator(".file-row").first.get_by_role("button", name="Compartilhar").click()
    expect(dialog.get_by_label("Expira", exact=True)).to_have_value("259200")  # 3 days
    expect(dialog.get_by_label("Limite de downloads")).to_have_value("10")
    dialog.get_by_role("button", name="Criar link").click()
    expect(dialog.locator("[data-share-link]")).to_have_value(re.compile(r"/s/"))
    first_link = dialog.locator("[data-share-link]").input_value()
    dialog.get_by_role("button", name="Concluir").click()

    page.locator(".file-row").first.get_by_role("button", name="Compartilhar").click()
    dialog.get_by_label("Expira", exact=True).select_option(label="Nunca")
    dialog.get_by_label("Limite de downloads").fill("")
    dialog.get_by_role("button", name="Criar link").click()
    expect(dialog.locator("[data-share-link]")).not_to_have_value(first_link)
    expect(dialog.locator("[data-share-link]")).to_have_value(re.compile(r"/s/"))
    with own_server.app.app_context():
        first, second = db.session.query(Share).order_by(Share.id).all()[-2:]
        assert first.expires_at is not None and first.max_downloads == 10
        assert second.expires_at is None and second.max_downloads is None
