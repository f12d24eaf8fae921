"""The documentation keeps up with the code: a short README, every setting documented (and
nothing documented that is not read), links and repository paths that exist, and the
benchmark table linked rather than copied."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compartilha import config

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS, ROOT / "bench" / "README.md"]
CONFIGURATION = ROOT / "docs" / "configuration.md"

LINK = re.compile(r"\]\(([^)\s]+)\)")
# A path inside the repository, named in backticks: `compartilha/config.py`, `tests/deploy/`.
REPO_PATH = re.compile(r"`((?:compartilha|tests|docs|bench|migrations|requirements|\.ci)/[^`\s]*)`")
NAME = re.compile(r"`([A-Z][A-Z0-9_]*)`")


def section(text: str, heading: str) -> str:
    """From the `## heading` line to the next heading of that level."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def first_column_names(text: str) -> set[str]:
    """The `NAMES` in the first cell of every table row."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in NAME.findall(row.split("|")[1])}


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of a page."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", page.read_text(), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_the_readme_is_at_most_6_kib():
    assert README.stat().st_size <= 6144


def test_the_configuration_page_lists_exactly_config_variables():
    documented = first_column_names(section(CONFIGURATION.read_text(), "Application"))
    assert sorted(set(config.VARIABLES) - documented) == [], "read but not documented"
    assert sorted(documented - set(config.VARIABLES)) == [], "documented but not read"


def test_the_configuration_page_lists_exactly_what_gunicorn_conf_reads():
    source = (ROOT / "gunicorn.conf.py").read_text()
    read = set(re.findall(r"""os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""", source))
    read |= set(re.findall(r"""["']([A-Z][A-Z0-9_]*)["'] (?:not )?in os\.environ""", source))
    assert {"WEB_CONCURRENCY", "HOST"} <= read  # the patterns still find what it reads
    documented = first_column_names(
        section(CONFIGURATION.read_text(), "Server (gunicorn.conf.py)"))
    assert documented == read - set(config.VARIABLES)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_lead_somewhere(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.suffix == ".md"
                                   and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_repository_paths_named_in_the_docs_exist(page):
    # A worked example ("to add a resource X") names files that do not exist yet, and a
    # placeholder such as `test_<module>.py` names a pattern: both are left out.
    text = re.sub(r"^## To add a resource.*?(?=^## |\Z)", "", page.read_text(),
                  flags=re.S | re.M)
    named = [path for path in REPO_PATH.findall(text) if "<" not in path]
    assert [path for path in named if not (ROOT / path).exists()] == []


def test_every_docs_page_is_linked_from_the_readme():
    readme = README.read_text()
    assert [page.name for page in DOCS if f"](docs/{page.name})" not in readme] == []


def test_the_benchmark_table_is_linked_not_copied():
    results = (ROOT / "bench" / "results" / "latest.md").read_text().splitlines()
    table = {line for line in results if line.startswith("|") and set(line) - set("|-: ")}
    assert table, "bench/results/latest.md has no table any more"
    for page in [README, *DOCS]:
        assert table.isdisjoint(page.read_text().splitlines()), page.name
    assert "](bench/results/latest.md)" in README.read_text()
