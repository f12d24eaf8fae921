"""A real, independent OpenID provider for the single sign-on tests: `oidc-provider`
(npm, tests/clients/package.json) run by Node from `provider.mjs` on 127.0.0.1. Without
Node or the package the tests skip, unless REQUIRE_OIDC_PROVIDER=1 (CI), where that is a
failure. `Provider.sign_in` drives its login form (devInteractions) with `requests`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.clients import MODULES
from tests.servers import free_ports, stop, wait_http

HERE = Path(__file__).parent
CLIENT_ID, CLIENT_SECRET = "compartilha-tests", "a-test-client-secret-of-some-length"


def require_provider() -> str:
    """The path of `node`, once oidc-provider is installed; else skip or fail."""
    node = shutil.which("node")
    missing = None if node else "node is not installed"
    if missing is None and not (MODULES / "oidc-provider").is_dir():
        missing = f"npm packages not installed (cd {MODULES.parent} && npm ci)"
    if missing:
        if os.environ.get("REQUIRE_OIDC_PROVIDER") == "1":
            pytest.fail(f"the OpenID provider is required (REQUIRE_OIDC_PROVIDER=1): {missing}")
        pytest.skip(missing)
    assert node is not None
    return node


@dataclass
class Provider:
    process: subprocess.Popen
    issuer: str
    accounts_file: Path
    log: Path
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def set_account(self, login: str, **claims: Any) -> None:
        """Add or replace an account (read again by the provider at every sign-in)."""
        self.accounts[login] = claims
        self.accounts_file.write_text(json.dumps(self.accounts))

    def app_config(self, **more: Any) -> dict[str, Any]:
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET, **more}

    def env(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.app_config().items()}

    def sign_in(self, authorization_url: str, login: str,
                browser: requests.Session | None = None) -> str:
        """Follow the provider from the authorization URL through its login form as
        `login`; the URL it sends the browser back to (our callback, not followed)."""
        browser = browser or requests.Session()
        url = authorization_url
        for _ in range(10):
            answer = browser.get(url, allow_redirects=False, timeout=10)
            if answer.status_code in (302, 303):
                url = urllib.parse.urljoin(url, answer.headers["Location"])
                if not url.startswith(self.issuer):
                    return url
                continue
            assert answer.status_code == 200, answer.text
            form = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
            assert form, answer.text
            action = urllib.parse.urljoin(url, form[1])
            fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                                     answer.text))
            if 'name="login"' in answer.text:
                fields.update(login=login, password="anything")  # noqa: S105
            answer = browser.post(action, data=fields, allow_redirects=False, timeout=10)
            assert answer.status_code in (302, 303), answer.text
            url = urllib.parse.urljoin(action, answer.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError(f"the provider did not send the browser back: {url}")


def start_provider(workdir: Path, redirect_uris: list[str], port: int | None = None,
                   auth_method: str = "client_secret_basic") -> Provider:
    """Start the provider with one client of `redirect_uris`; stop it with `stop_provider`."""
    node = require_provider()
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_ports(1)[0]
    accounts = workdir / "accounts.json"
    accounts.write_text("{}")
    config = workdir / "provider.json"
    config.write_text(json.dumps({
        "port": port, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "redirect_uris": redirect_uris, "accounts": str(accounts), "auth_method": auth_method}))
    log = workdir / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen([node, str(HERE / "provider.mjs"), str(config)],  # noqa: S603
                                   cwd=HERE, stdout=out, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    wait_http(f"{issuer}/.well-known/openid-configuration", process, log, timeout=30)
    return Provider(process, issuer, accounts, log)


def stop_provider(provider: Provider) -> None:
    stop(provider.process)
