"""The committed lock (requirements/*.txt, written by `make lock`) pins, with hashes, every
dependency pyproject.toml declares, within its range, the same version in every lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DEPENDENCIES = PYPROJECT["project"]["dependencies"]
EXTRAS = PYPROJECT["project"]["optional-dependencies"]
BUILD = PYPROJECT["build-system"]["requires"]
# lock file -> what it must pin (the build backend too: the app is built without isolation)
LOCKS = {"run.txt": DEPENDENCIES + BUILD,
         "test.txt": DEPENDENCIES + EXTRAS["test"] + BUILD,
         "bench.txt": DEPENDENCIES + EXTRAS["bench"] + BUILD}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)( \\)?$", re.M)


def read_lock(name: str) -> str:
    return (ROOT / "requirements" / name).read_text()


def pins(name: str) -> dict[str, Version]:
    return {canonicalize_name(match[1]): Version(match[2])
            for match in PIN.finditer(read_lock(name))}


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_pins_every_declared_dependency_within_its_range(lock):
    pinned = pins(lock)
    wrong = []
    for text in LOCKS[lock]:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{text} (locked: {version})")
    assert wrong == [], f"requirements/{lock} is out of step with pyproject.toml: run make lock"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_hashes(lock):
    lines = read_lock(lock).splitlines()
    unhashed = [line for index, line in enumerate(lines) if PIN.match(line) and not (
        line.endswith(" \\") and lines[index + 1].strip().startswith("--hash=sha256:"))]
    assert pins(lock) and unhashed == []


def test_the_locks_agree_on_shared_versions():
    run, test, bench = pins("run.txt"), pins("test.txt"), pins("bench.txt")
    assert {name: test[name] for name in run} == run
    assert {name: bench[name] for name in run} == run
    shared = test.keys() & bench.keys()
    assert {name: bench[name] for name in shared} == {name: test[name] for name in shared}
