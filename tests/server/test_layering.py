"""ARCHITECTURE's layering, checked.

The layers, lowest first, each importing only those below it (and the `pob_ls` package itself):

    engine < document < analysis < server < cli

Inside the engine, lowest first: messages < provisioning < host < service (the service starts workers
that host PoB; the host reads the engine layout that provisioning found; `messages`, the typed boundary
both processes share, imports nothing of pob_ls). Layers above the engine reach it only through
`pob_ls.engine.messages` or the `__init__` of `pob_ls.engine.provisioning`, `pob_ls.engine.host` or
`pob_ls.engine.service`, never a module behind one; the analysis layer only through `messages`. Every module of `pob_ls` is parsed with `ast`, imports inside functions and
`TYPE_CHECKING` blocks included. And, checked at run time: the server process never loads Lua.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pob_ls"

#: Rank of each layer: a module may import modules of its own rank or lower.
LAYERS = {"engine": 0, "document": 1, "analysis": 2, "server": 3, "cli": 4}
#: Rank of each engine subpackage (and of the boundary module), for imports inside the engine.
ENGINE_PARTS = {"messages": -1, "provisioning": 0, "host": 1, "service": 2}
ENGINE_FACES = {f"pob_ls.engine.{part}" for part in ENGINE_PARTS}
#: What each layer may import of the engine, where narrower than its faces.
ENGINE_REACH = {"document": set[str](), "analysis": {"pob_ls.engine.messages"}}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every pob_ls module `name` imports; `from a import b` counts as `a.b` when
    `b` is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if sub in known else base))
    return [(line, target) for line, target in found if target == "pob_ls" or target.startswith("pob_ls.")]


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def engine_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "engine" else None


def violations(name: str, imports: list[tuple[int, str]]) -> list[str]:
    """Why each import of module `name` breaks the layering (empty when none does)."""
    problems: list[str] = []
    here = layer_of(name)
    for line, target in imports:
        there = layer_of(target)
        if there is None or here is None:
            continue  # the pob_ls package itself (its version) is shared by all
        if here not in LAYERS or there not in LAYERS:
            unknown = here if here not in LAYERS else there
            problems.append(f"{name}:{line}: pob_ls.{unknown} has no layer; add it to LAYERS")
            continue
        if LAYERS[there] > LAYERS[here]:
            problems.append(f"{name}:{line}: {here} imports {target}, a layer above it")
        elif here != "engine" and there == "engine" and target not in ENGINE_FACES:
            problems.append(
                f"{name}:{line}: {here} imports {target}; use its subpackage's __init__ "
                f"({', '.join(sorted(ENGINE_FACES))})"
            )
        elif there == "engine" and here in ENGINE_REACH and target not in ENGINE_REACH[here]:
            problems.append(
                f"{name}:{line}: {here} imports {target}; it may reach the engine only through "
                f"{sorted(ENGINE_REACH[here]) or 'nothing'}"
            )
        elif here == "engine" and there == "engine":
            mine, theirs = engine_part(name), engine_part(target)
            if mine is None or theirs is None:
                continue
            if mine not in ENGINE_PARTS or theirs not in ENGINE_PARTS:
                unknown = mine if mine not in ENGINE_PARTS else theirs
                problems.append(f"{name}:{line}: pob_ls.engine.{unknown} has no rank; add it to ENGINE_PARTS")
            elif ENGINE_PARTS[theirs] > ENGINE_PARTS[mine]:
                problems.append(f"{name}:{line}: engine.{mine} imports {target}, above it in the engine")
    return problems


def test_every_import_runs_down_the_layers() -> None:
    modules = all_modules()
    known = set(modules)
    assert len(modules) > 50, "the package was not found"
    problems = [p for name, path in modules.items() for p in violations(name, imported(name, path, known))]
    assert problems == []


def test_every_module_is_in_a_layer() -> None:
    for name in all_modules():
        layer = layer_of(name)
        assert layer is None or layer in LAYERS, f"{name} is in no layer"
        part = engine_part(name)
        if layer == "engine" and part is not None and name != f"pob_ls.engine.{part}":
            assert part in ENGINE_PARTS, f"{name} is in no engine subpackage"


def test_the_upper_layers_do_reach_the_engine_through_its_faces() -> None:
    """The check above is not vacuous: the server and cli import the engine, and only its faces."""
    modules = all_modules()
    known = set(modules)
    reached = {
        target
        for name, path in modules.items()
        if layer_of(name) in ("server", "cli")
        for _line, target in imported(name, path, known)
        if layer_of(target) == "engine"
    }
    assert reached and reached <= ENGINE_FACES
    assert "pob_ls.engine.service" in reached


def test_analysis_reads_results_through_the_typed_boundary_only() -> None:
    """The analysis layer imports the engine's boundary types (and nothing else of the engine), and the
    boundary module imports nothing of pob_ls: both processes can load it."""
    modules = all_modules()
    known = set(modules)
    reached = {
        target
        for name, path in modules.items()
        if layer_of(name) == "analysis"
        for _line, target in imported(name, path, known)
        if layer_of(target) == "engine"
    }
    assert reached == {"pob_ls.engine.messages"}
    assert imported("pob_ls.engine.messages", modules["pob_ls.engine.messages"], known) == []


@pytest.mark.parametrize(
    ("name", "target", "why"),
    [
        ("pob_ls.document.parse", "pob_ls.analysis.hover", "a layer above it"),
        ("pob_ls.server.server", "pob_ls.engine.service.service", "use its subpackage's __init__"),
        ("pob_ls.analysis.hover", "pob_ls.engine.host.host", "use its subpackage's __init__"),
        ("pob_ls.analysis.hover", "pob_ls.engine.service", "only through ['pob_ls.engine.messages']"),
        ("pob_ls.document.parse", "pob_ls.engine.messages", "only through nothing"),
        ("pob_ls.engine.messages", "pob_ls.engine.provisioning.layout", "above it in the engine"),
        ("pob_ls.engine.host.host", "pob_ls.engine.service.protocol", "above it in the engine"),
        ("pob_ls.engine.provisioning.install", "pob_ls.engine.host", "above it in the engine"),
        ("pob_ls.engine.service.worker", "pob_ls.server", "a layer above it"),
        ("pob_ls.server.app", "pob_ls.nowhere", "has no layer"),
    ],
)
def test_the_check_catches_a_wrong_import(name: str, target: str, why: str) -> None:
    (problem,) = violations(name, [(1, target)])
    assert why in problem


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ..engine.service import service\nfrom . import convert\n", encoding="utf-8")
    found = imported("pob_ls.server.probe", probe, set(all_modules()))
    assert [t for _l, t in found] == ["pob_ls.engine.service.service", "pob_ls.server.convert"]


def test_server_process_does_not_import_lupa() -> None:
    code = (
        "import sys, pob_ls.cli, pob_ls.server.app, pob_ls.engine.service, pob_ls.analysis, pob_ls.document;"
        "print(sorted(m for m in sys.modules if m.startswith('lupa')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _glue_names() -> tuple[set[str], set[str]]:
    """(glue module names, glue function names that are not plain words) of pob_ls/engine/host/lua."""
    lua = PACKAGE / "engine" / "host" / "lua"
    functions = {
        m.group(1)
        for path in lua.glob("*.lua")
        for m in re.finditer(r"^function M\.(\w+)", path.read_text(), re.M)
    }
    modules = {"whatif", "diagnostics", "incremental"}
    return modules, {f for f in functions if f != f.lower()}  # "node", "config" are also plain words


def test_lua_names_live_only_in_the_engine() -> None:
    """The layers above the engine ask typed questions: no string in them names a glue module or a
    (camelCase) glue function, as `("removeItem", ...)` in analysis/hover.py once did."""
    modules, functions = _glue_names()
    assert {"removeItem", "toggleGem", "groupSummary", "recalcMain"} <= functions
    found = []
    for name, path in all_modules().items():
        if layer_of(name) in (None, "engine"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
            if text is not None and (text in modules or text in functions):
                found.append(f"{name}:{node.lineno}: {text!r}")
    assert found == []
