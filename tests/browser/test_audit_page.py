"""The audit log page on a server of its own (its first sign-up is the admin): its tab,
rows of what just happened, a filter, axe-clean in light and dark, no page-wide
scrolling at 375 px; a user gets 403; screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, context_args, serving, shoot
from .test_flows import sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with serving("sqlite", tmp_path_factory.mktemp("audit")) as server:
        yield server




def test_audit_log_page(browser, own_server, screenshots):
    admin = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(admin, "Ada", "ada@example.com", PASSWORD)  # the first account: the admin
    user = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(user, "Bia", "bia@example.com", PASSWORD)
    assert user.goto(own_server.url + "/admin/audit").status == 403

    admin.goto(own_server.url + "/admin/users")
    admin.locator(".admin-tabs").get_by_role("link", name="Registro de auditoria").click()
    expect(admin.get_by_role("heading", name="Registro de auditoria")).to_be_visible()
    expect(admin.locator("tbody")).to_contain_text("account.registered")
    expect(admin.locator("tbody")).to_contain_text("bia@example.com")
    axe_clean(admin, "admin-audit")
    for width in (375, 1280):
        admin.set_viewport_size({"width": width, "height": 812})
        assert admin.evaluate("() => document.documentElement.scrollWidth") <= width
    shoot(admin, screenshots, "admin-audit", SIZES)

    admin.get_by_label("Ação", exact=True).select_option("login")
    admin.get_by_role("button", name="Filtrar").click()
    expect(admin.locator("tbody")).not_to_contain_text("account.registered")
    expect(admin.locator("tbody")).to_contain_text("login.succeeded")
    assert "action=login" in admin.get_by_role("link", name="Exportar CSV").get_attribute("href")
    axe_clean(admin, "admin-audit-filtered")
