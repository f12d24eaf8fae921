"""The admin page on a server of its own (its first sign-up is the admin): reachable from
the header for the admin only, axe-clean in light and dark, the table scrolling inside its
own box at 375 px, disable and delete (with its confirmation) working; screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, context_args, serving, shoot
from .test_flows import sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with serving("sqlite", tmp_path_factory.mktemp("admin")) as server:
        yield server




def test_admin_users_page(browser, own_server, screenshots):
    admin = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(admin, "Ada", "ada@example.com", PASSWORD)  # the first account: the admin
    user = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(user, "Bia", "bia@example.com", PASSWORD)
    expect(user.get_by_role("link", name="Administração")).to_have_count(0)
    assert user.goto(own_server.url + "/admin/users").status == 403

    admin.get_by_role("link", name="Administração").click()
    expect(admin.get_by_role("heading", name="Usuários", exact=True)).to_be_visible()
    header = admin.locator(".site-header .header-inner")
    assert header.evaluate("e => e.getBoundingClientRect().height") < 80  # one line at 1280
    axe_clean(admin, "admin-users")
    admin.set_viewport_size({"width": 375, "height": 812})
    assert admin.evaluate("() => document.documentElement.scrollWidth") <= 375
    admin.set_viewport_size({"width": 1280, "height": 800})
    shoot(admin, screenshots, "admin-users", SIZES)

    row = admin.locator("tr", has_text="bia@example.com")
    row.get_by_role("button", name="Desativar").click()
    expect(admin.locator(".flash-success")).to_be_visible()
    expect(admin.locator("tr", has_text="bia@example.com")).to_contain_text("desativada")
    axe_clean(admin, "admin-users-disabled")
    admin.locator("tr", has_text="bia@example.com").get_by_role("button", name="Excluir").click()
    admin.locator("#confirm-dialog [data-confirm-ok]").click()
    expect(admin.locator("tr", has_text="bia@example.com")).to_have_count(0)
