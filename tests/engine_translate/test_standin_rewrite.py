"""The stand-in's rewrite (plain `x = x OP e` -> `x OP= e`) is exact: rewritten, then translated back,
random statements behave as the originals in a real LuaJIT, and the rules refuse what is not exact."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pob_ls.engine.host.lua_syntax import translate
from tests.conftest import REPO
from tests.engine_translate.test_translate_properties import EPILOGUE, PRELUDE, exprs, run


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_standin", REPO / "scripts" / "make_standin.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_standin"] = module
    spec.loader.exec_module(module)
    return module


MAKE = _script()
TARGETS = ("x", "y", "t.a", "t[1]", "t['a']", "t.s")
OPS = ("+", "-", "*", "/", "%", "^", "..")


def rewrite(source: str) -> tuple[str, object]:
    report = MAKE.Report()
    return MAKE.rewrite(source, "test", report), report


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TARGETS), st.sampled_from(OPS), exprs, st.sampled_from(["", " -- note", "; y = 1"]))
def test_rewrite_then_translate_behaves_as_the_original(target: str, op: str, rhs: str, tail: str) -> None:
    stmt = f"{target} = {target} {op} {rhs}{tail}"
    original = PRELUDE + stmt + "\n" + EPILOGUE
    rewritten, _ = rewrite(original)
    assert rewritten.count("\n") == original.count("\n")
    assert run(translate(rewritten, "test")) == run(original)


@pytest.mark.parametrize(
    ("stmt", "expected"),
    [
        ("x = x + 1", "x += 1"),
        ("t.a = t.a .. 'z' -- why", "t.a ..= 'z' -- why"),
        ("t[1] = t[1] * 2 + 1", "t[1] = t[1] * 2 + 1"),  # (t[1] * 2) + 1 is not t[1] * (2 + 1)
        ("x = x - 1 - y", "x = x - 1 - y"),  # left-associative: not x - (1 - y)
        ("x = x .. 'a' .. 'b'", "x ..= 'a' .. 'b'"),  # right-associative: the same grouping
        ("x = x ^ 2 ^ 3", "x ^= 2 ^ 3"),
        ("x = x + 1 == y", "x = x + 1 == y"),
        ("t[f()] = t[f()] + 1", "t[f()] = t[f()] + 1"),  # the key has a side effect
        ("t.a.b = t.a.b + 1", "t.a.b = t.a.b + 1"),  # only one level of field
        ("x = x\n+ 1", "x = x\n+ 1"),  # the head must be on one line
        ("local m = 10 ^ d", "local m = 10 m ^= d"),
        ("local m = 10 ^ m", "local m = 10 ^ m"),  # the operand names the new local
        ("local m = 10 ^ f(d)", "local m = 10 ^ f(d)"),  # a call could see m
        ("x = x % 15 + 2", "x %= 15 x += 2"),
        ("x = (x % n) + 1 -- next", "x %= n x += 1 -- next"),
        ("x = x % n + x", "x = x % n + x"),  # the second operand reads x after the first step
    ],
)
def test_rewrite_rules(stmt: str, expected: str) -> None:
    out, report = rewrite(f"local x, y, t, d, n, f\n{stmt}\n")
    assert out == f"local x, y, t, d, n, f\n{expected}\n"
    assert report.total == (stmt != expected)  # type: ignore[attr-defined]
