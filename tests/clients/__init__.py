"""Real tus clients of other projects, driven by the tests: tus-js-client under Node
(`tus_upload.mjs`) and Uppy's browser bundle, both from `package.json` and its lock,
installed by `make test` (`npm ci`). Without them the tests that need them skip, unless
REQUIRE_TUS_CLIENTS=1 (CI), where that is a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
MODULES = HERE / "node_modules"
UPPY_BUNDLE = MODULES / "uppy" / "dist" / "uppy.min.js"
UPPY_CSS = MODULES / "uppy" / "dist" / "uppy.min.css"


def require_clients() -> str:
    """The path of `node`, once the npm packages are installed; else skip or fail."""
    node = shutil.which("node")
    missing = None if node else "node is not installed"
    if missing is None and not (MODULES / "tus-js-client").is_dir():
        missing = f"npm packages not installed (cd {HERE} && npm ci)"
    if missing:
        if os.environ.get("REQUIRE_TUS_CLIENTS") == "1":
            pytest.fail(f"the tus clients are required (REQUIRE_TUS_CLIENTS=1): {missing}")
        pytest.skip(missing)
    assert node is not None
    return node


def tus_js(endpoint: str, token: str, path: Path, timeout: float = 120,
           **options: Any) -> dict[str, Any]:
    """Upload `path` with tus-js-client; its result (see tus_upload.mjs)."""
    node = require_clients()
    arguments = json.dumps({"endpoint": endpoint, "token": token, "path": str(path),
                            **options})
    done = subprocess.run([node, str(HERE / "tus_upload.mjs"), arguments], cwd=HERE,  # noqa: S603
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
