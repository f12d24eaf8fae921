"""The storage quota in the browser, on a server whose default quota is 100 kB: the files
page refuses an upload past it with the translated message, and the usage meter on the
files and account pages passes axe-core in light and dark at 375 and 1280 px."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, context_args, serving, shoot
from .test_flows import files_ready, sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}
QUOTA = 100_000


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with serving("sqlite", tmp_path_factory.mktemp("quota"), DEFAULT_QUOTA_BYTES=QUOTA) as server:
        yield server




def test_usage_meter_and_refusal(browser, own_server, screenshots):
    page = browser.new_context(**context_args(own_server.url)).new_page()
    sign_up(page, "Ana", "ana@example.com", PASSWORD)
    page.locator("#file-input").set_input_files(
        [{"name": "a.bin", "mimeType": "application/octet-stream", "buffer": os.urandom(90_000)}])
    expect(page.locator(".upload-item.is-done")).to_have_count(1, timeout=20_000)
    page.locator("#file-input").set_input_files(
        [{"name": "b.bin", "mimeType": "application/octet-stream", "buffer": os.urandom(20_000)}])
    failed = page.locator(".upload-item.is-failed", has_text="b.bin")
    expect(failed).to_contain_text("Cota de armazenamento excedida: 87,9 KB de 97,7 KB usados")

    page.goto("/files")
    files_ready(page)
    meter = page.get_by_role("meter", name="87,9 KB de 97,7 KB usados")
    expect(meter).to_be_visible()
    assert meter.get_attribute("value") == "90000" and meter.get_attribute("max") == str(QUOTA)
    axe_clean(page, "files-usage", SIZES)
    shoot(page, screenshots, "files-usage", SIZES)
    page.goto("/account")
    expect(page.get_by_role("meter", name="87,9 KB de 97,7 KB usados")).to_be_visible()
    axe_clean(page, "account-usage", SIZES)
    shoot(page, screenshots, "account-usage", SIZES)
