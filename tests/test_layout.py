"""The layout rules of docs/architecture.md, read from the source with `ast`:
no import cycle, data flowing one way between the layers, no two modules named alike,
and no `import x as y` to tell two modules apart."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "compartilha"
# The layers, lowest first: a module imports from its own layer or lower ones only.
LAYERS = {
    "config": 0, "errors": 0, "crypto": 0, "hashing": 0, "public_paths": 0, "extensions": 0,
    "access_log": 0, "logs": 0, "models": 0, "storage": 0, "counter_stores": 0, "jobs": 0,
    "job_storage": 0, "outbound": 0, "webhook_signatures": 0, "zipstream": 0,
    "services": 1,
    "http": 2,
    "api": 3, "web": 3,
    "cli": 4, "supervisor": 4, "": 4,  # "" is the package itself: create_app
}
SIDEWAYS = {("api", "web"), ("web", "api")}  # same layer, never each other
# Resources keep one name across the layers that serve them (models/files.py,
# services/files.py, api/files.py, web/files.py); any other name is used once.
RESOURCE_LAYERS = {"models", "services", "api", "web"}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _top_level(tree: ast.Module):
    """Statements that run when the module is imported (not those in functions)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield node
        todo.extend(ast.iter_child_nodes(node))


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, str | None]]:
    """(imported module, alias) for each import run at import time (type-only ones
    too: a cycle through them is still a tangle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in _top_level(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, alias.asname) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.append((target, alias.asname) if target in known else (base, None))
    return [(target, alias) for target, alias in found if target in known]


def graph() -> dict[str, set[str]]:
    """Module -> the modules importing it runs, parent packages included (except its own
    ancestors, which are already being imported when it runs)."""
    found = modules()
    edges: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        for target, _ in imports(name, path, set(found)):
            parts = target.split(".")
            for end in range(2, len(parts) + 1):
                step = ".".join(parts[:end])
                if step != name and not name.startswith(step + "."):
                    edges[name].add(step)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycle():
    assert cycles(graph()) == []


def test_data_flows_one_way_between_the_layers():
    wrong = sorted(f"{name} imports {target}" for name, targets in graph().items()
                   for target in targets
                   if LAYERS[area(target)] > LAYERS[area(name)]
                   or (area(name), area(target)) in SIDEWAYS)
    assert wrong == []


def test_no_two_modules_share_a_name():
    names = Counter()
    places: dict[str, list[str]] = {}
    for name, path in modules().items():
        if path.name != "__init__.py":
            base = name.rpartition(".")[2]
            names[base] += 1
            places.setdefault(base, []).append(name)
    clashes = {base: where for base, where in places.items() if names[base] > 1 and not (
        all(area(m) in RESOURCE_LAYERS and m.count(".") == 2 for m in where))}
    assert clashes == {}


def test_no_module_is_imported_under_another_name():
    found = modules()
    renamed = sorted(f"{name}: {target} as {alias}" for name, path in found.items()
                     for target, alias in imports(name, path, set(found))
                     if alias is not None and target in found)
    assert renamed == []


def test_every_service_module_has_its_direct_tests():
    services = {path.stem for path in (PACKAGE / "services").glob("*.py")} - {"__init__"}
    tested = {path.stem.removeprefix("test_")
              for path in (Path(__file__).parent / "services").glob("test_*.py")}
    assert services - tested == set()
