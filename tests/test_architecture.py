"""The layout keeps its promises: layers import only downward, no import circles, no optional
imports of the project's own modules, and one explicit tuple of families that the README's
guide names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = "patchwork_atlas"
# kernel < families < read/ingest < api < web/cli (web mounts the API; cli serves the web)
RANK = {"kernel": 0, "families": 1, "read": 2, "ingest": 2, "api": 3, "web": 4, "cli": 5}


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / PKG).rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PKG):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(PKG + ".")}
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_layers_import_only_downward():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        layer = _layer(name)
        if layer is None:
            continue
        assert layer in RANK, f"{name}: a top-level module outside the layers {sorted(RANK)}"
        for dep in _imports(path, modules):
            dep_layer = _layer(dep)
            if dep_layer and RANK[dep_layer] > RANK[layer]:
                wrong.append(f"{name} ({layer}) imports {dep} ({dep_layer})")
    assert not wrong, "\n".join(wrong)


def test_families_do_not_reach_into_each_other_except_declared():
    """A family uses the kernel; it may read another family only through that family's public
    package (e.g. deaths -> detention facilities), never through the read layer."""
    modules = _modules()
    for name, path in modules.items():
        if not name.startswith(f"{PKG}.families.") or name.count(".") < 2:
            continue
        own = name.split(".")[2]
        for dep in _imports(path, modules):
            if dep.startswith(f"{PKG}.families.") and dep.count(".") >= 2:
                other = dep.split(".")[2]
                assert other == own or dep.count(".") >= 3, f"{name} imports {dep}"


def test_no_import_circles():
    modules = _modules()
    graph = {name: {d for d in _imports(p, modules) if d in modules and d != name}
             for name, p in modules.items()}
    # a package's __init__ re-exporting its own submodules is not a circle
    for name in graph:
        graph[name] = {d for d in graph[name] if not (name.startswith(d + ".") and d in modules
                                                      and modules[d].name == "__init__.py")}
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_no_optional_imports_of_the_project():
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not any("ImportError" in c or "ModuleNotFoundError" in c for c in catches):
                continue
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith(PKG):
                        bad.append(f"{name}:{node.lineno}")
    assert not bad, bad


def test_the_readme_guide_lists_the_registered_families():
    from patchwork_atlas.families import FAMILIES

    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding a source family", 1)
    assert len(section) == 2, "the README lost its 'Adding a source family' guide"
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", section[1].split("\n## ", 1)[0], re.M)
    assert listed == [f.name for f in FAMILIES]
    for family in FAMILIES:
        assert (SRC / PKG / "families" / family.name / "__init__.py").is_file()


def test_a_broken_family_fails_loudly():
    from patchwork_atlas import families

    class Nameless:
        name = ""

    with pytest.raises(RuntimeError):
        families._check((*families.FAMILIES, Nameless()))  # type: ignore[arg-type]
