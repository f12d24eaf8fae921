"""Invite-only sign-up in Chromium, on SQLite and on MariaDB: the admin invites by email
from the admin pages, the invitee opens the mailed link (read from the outbox), signs up
and logs in; without an invitation the page says sign-up is by invitation. Axe-clean in
light and dark, nothing wider than 375 px; screenshots."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.mailbox import links_in, outbox

from .conftest import LiveServer, axe_clean, context_args, serving, shoot
from .test_flows import log_in, sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def invite_only(request, tmp_path_factory) -> Iterator[LiveServer]:
    with serving(request.param, tmp_path_factory.mktemp(f"invite-{request.param}"),
                 REGISTRATION="invite_only") as server:
        server.app.config["PUBLIC_URL"] = server.url
        yield server


def _clean(page, name: str) -> None:
    axe_clean(page, name)
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375, name
    page.set_viewport_size({"width": 1280, "height": 800})


def _mailed_link(app, address: str) -> str:
    for _ in range(100):
        found = [m for m in outbox(app) if str(m["To"]) == address]
        if found:
            return next(u for u in links_in(found[-1]) if "/signup?invitation=" in u)
        time.sleep(0.1)
    raise AssertionError(f"no invitation mailed to {address}")


def test_admin_invites_by_email_and_the_invitee_signs_up(browser, invite_only, screenshots):
    kind = str(invite_only.app.config["SQLALCHEMY_DATABASE_URI"]).split(":", 1)[0]
    admin = browser.new_context(**context_args(invite_only.url)).new_page()
    sign_up(admin, "Ada", "ada@example.com", PASSWORD)  # an empty instance: always open
    admin.goto("/admin/users")
    admin.get_by_role("link", name="Convidar um usuário").click()
    expect(admin.get_by_role("heading", name="Convites", level=1)).to_be_visible()
    expect(admin.locator(".admin-tabs [aria-current=page]")).to_have_text("Convites")
    _clean(admin, "admin-invitations-empty")

    admin.get_by_label("E-mail da pessoa (opcional)").fill("cid@example.com")
    admin.get_by_role("button", name="Criar o convite").click()
    expect(admin.locator(".flash-success")).to_contain_text("cid@example.com")
    expect(admin.locator("tr", has_text="cid@example.com")).to_contain_text("Pendente")
    admin.get_by_role("button", name="Criar o convite").click()  # a link to copy
    expect(admin.locator("#invitation-link")).to_have_value(re.compile(r"/signup\?invitation="))
    _clean(admin, "admin-invitations-created")
    shoot(admin, screenshots, f"admin-invitations-{kind}", SIZES)

    stranger = browser.new_context(**context_args(invite_only.url)).new_page()
    stranger.goto("/signup")
    expect(stranger.locator(".notice")).to_contain_text("O cadastro é só por convite.")
    expect(stranger.get_by_label("Senha")).to_have_count(0)
    _clean(stranger, "signup-invite-only")

    invitee = browser.new_context(**context_args(invite_only.url)).new_page()
    invitee.goto(_mailed_link(invite_only.app, "cid@example.com"))
    expect(invitee.locator(".notice")).to_contain_text("Você foi convidado")
    expect(invitee.get_by_label("E-mail", exact=True)).to_have_value("cid@example.com")
    _clean(invitee, "signup-invited")
    shoot(invitee, screenshots, f"signup-invited-{kind}", SIZES)
    invitee.get_by_label("Nome").fill("Cid")
    invitee.get_by_label("Senha").fill(PASSWORD)
    invitee.get_by_role("button", name="Criar conta").click()
    expect(invitee.get_by_role("heading", name="Confira seu e-mail")).to_be_visible()
    log_in(invitee, "cid@example.com", PASSWORD)
    expect(invitee).to_have_url(re.compile(r"/files$"))

    admin.goto("/admin/invitations")
    expect(admin.locator("tr", has_text="cid@example.com")).to_contain_text("Usado")
