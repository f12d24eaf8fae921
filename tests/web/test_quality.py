"""What every page promises: no inline script or style (a strict CSP is coming), nothing
from third-party hosts, and under 150 KB of HTML, CSS and JavaScript."""

from __future__ import annotations

import re

import pytest

LIMIT = 150 * 1024
IMPORT = re.compile(r"""import\s[^;]*?from\s+["'](\./[\w.-]+\.js)["']""")


@pytest.fixture
def rendered(client, pages, auth):
    """Every page, as a person who is logged in sees it, plus the public ones."""
    owner = auth.user(name="Rui")
    meta = auth.upload(owner, name="notas.txt").get_json()["file"]
    token = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=owner.headers).get_json()["share"]["token"]
    public = {p: client.get(p) for p in ["/", "/login", "/signup", f"/s/{token}", "/nada"]}
    account = auth.login(pages.login())
    auth.upload(account, name="foto.png", content_type="image/png")
    private = {p: client.get(p) for p in ["/", "/files", "/links", "/shared", "/account",
                                              "/logout"]}
    return {**{f"public {p}": rv for p, rv in public.items()},
            **{f"private {p}": rv for p, rv in private.items()}}


def test_no_inline_script_style_or_handlers(rendered):
    for name, rv in rendered.items():
        html = rv.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), name
        assert "<style" not in html and " style=" not in html, name
        assert not re.search(r"\son[a-z]+=", html), name
        assert not re.search(r"""(src|href)=["']https?://""", html), name


def _asset(client, path: str) -> bytes:
    rv = client.get(path)
    assert rv.status_code == 200, path
    return rv.data


def _module_weight(client, path: str, seen: set[str]) -> int:
    if path in seen:
        return 0
    seen.add(path)
    body = _asset(client, path)
    base = path.rsplit("/", 1)[0]
    return len(body) + sum(_module_weight(client, f"{base}/{dep[2:]}", seen)
                           for dep in IMPORT.findall(body.decode()))


def test_pages_weigh_under_150_kb_before_fonts_and_images(client, rendered):
    for name, rv in rendered.items():
        html = rv.get_data(as_text=True)
        total = len(rv.data)
        for css in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
            total += len(_asset(client, css))
        seen: set[str] = set()
        for js in re.findall(r'<script type="module" src="([^"]+)"', html):
            total += _module_weight(client, js, seen)
        assert total < LIMIT, f"{name}: {total} bytes"
