"""Property: random compound assignments, translated, behave exactly like their hand-written expansion.

Each generated statement comes in two spellings built from the same parts: the 2026 form
(`T OP= E`) and the expansion written by hand here (`T = T OP (E)` for a name; the prefix and key
hoisted into locals for a field or index). Both run in a fresh real LuaJIT (lupa); the values
(floats compared digit for digit, NaN and -0 included), the order and count of every side effect
(a logging function) and success or failure must be the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lupa import luajit21

from pob_ls.engine.host.lua_syntax import Parser, translate

PRELUDE = """
local log = {}
local function c(tag, v) log[#log + 1] = tag return v end
local t = {a = 1.5, [1] = 3, s = {a = 2.25, [1] = 0.1}}
local x, y = 0.1, 7
"""
EPILOGUE = """
local function f(v) return type(v) == "number" and string.format("%.17g", v) or tostring(v) end
return table.concat({f(x), f(y), f(t.a), f(t[1]), f(t.s.a), f(t.s[1]), table.concat(log, ",")}, "|")
"""
OPS = ("+", "-", "*", "/", "%", "^", "..")
BINOPS = ("+", "-", "*", "/", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or")
SEPS = (" ", "\n", " --[[ c ]] ", " -- note\n", "\t")

atoms = st.sampled_from(
    [
        "1", "2", "0.1", "3.5", "1e300", "0x10", "7", "0", "'s'", "'2'", "x", "y", "t.a", "t[1]",
        "t.s[1]", "c('E', 2.5)", "c('F', 0)", "#'abc'", "nil", "true", "(x)", "c('G', t).a",
    ]
)  # fmt: skip


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(BINOPS), children, st.sampled_from(SEPS)).map(
        lambda p: f"{p[0]}{p[3]}{p[1]} {p[2]}"
    )
    unary = st.tuples(st.sampled_from(["- ", "not "]), children).map(lambda p: p[0] + p[1])
    paren = children.map(lambda e: f"({e})")
    return binary | unary | paren


exprs = st.recursive(atoms, _expr, max_leaves=6)

# (target in the 2026 form, its prefix, its key: `.name` or an index expression) -- prefix None: a name
TARGETS: list[tuple[str, str | None, str | None]] = [
    ("x", None, None),
    ("y", None, None),
    ("t.a", "t", ".a"),
    ("t[1]", "t", "1"),
    ("t.s.a", "t.s", ".a"),
    ("t.s[1]", "t.s", "1"),
    ("c('P', t).a", "c('P', t)", ".a"),
    ("t[c('K', 1)]", "t", "c('K', 1)"),
    ("c('P', t).s[c('K', 'a')]", "c('P', t).s", "c('K', 'a')"),
    ("(c('P', t)).s\n.a", "(c('P', t)).s", ".a"),
    ("t\n[\nc('K', 1)\n]", "t", "c('K', 1)"),
    ("c('P', t)['s'][1]", "c('P', t)['s']", "1"),
]
WRAPS = (
    "{}",
    "do {} end",
    "if true then {} end",
    "for _i = 1, 1 do {} end",
    "local _f = function() {} end _f()",
)


@dataclass
class Statement:
    target: int
    op: str
    rhs: str
    wrap: str

    def compound(self) -> str:
        text = TARGETS[self.target][0]
        body = f"{text} {self.op}= {self.rhs}"
        if text.startswith("("):  # else Lua reads it as a call of the statement before
            body = f"do {body} end"
        return self.wrap.replace("{}", body)

    def expansion(self) -> str:
        text, prefix, key = TARGETS[self.target]
        if prefix is None or key is None:
            body = f"{text} = {text} {self.op} ({self.rhs})"
        else:
            p, k = "__pobls_p", "__pobls_k"  # the translator's names, so error messages compare too
            if key.startswith("."):
                body = f"do local {p} = {prefix} {p}{key} = {p}{key} {self.op} ({self.rhs}) end"
            else:
                body = f"do local {p}, {k} = {prefix}, {key} {p}[{k}] = {p}[{k}] {self.op} ({self.rhs}) end"
        return self.wrap.replace("{}", body)


statements = st.builds(
    Statement,
    st.integers(0, len(TARGETS) - 1),
    st.sampled_from(OPS),
    exprs,
    st.sampled_from(WRAPS),
)
programs = st.lists(st.tuples(statements, st.sampled_from(SEPS)), min_size=1, max_size=4)


def run(source: str) -> tuple[bool, Any]:
    lua = luajit21.LuaRuntime()
    try:
        return True, lua.execute(source)
    except luajit21.LuaError as exc:
        # the line may differ when a target spans lines (the expansion here is on one line)
        return False, re.sub(r":\d+:", ":N:", str(exc).split("\nstack traceback:")[0])


@settings(max_examples=300, deadline=None)
@given(programs)
def test_translation_behaves_like_the_hand_written_expansion(program: list[tuple[Statement, str]]) -> None:
    new = PRELUDE + "".join(s.compound() + sep for s, sep in program) + EPILOGUE
    old = PRELUDE + "".join(s.expansion() + sep for s, sep in program) + EPILOGUE
    out = translate(new, "prop")
    assert out.count("\n") == new.count("\n")
    got, want = run(out), run(old)
    assert got[0] or "error loading code" not in got[1], f"translation does not compile:\n{out}"
    assert got == want, f"\n2026 form:\n{new}\ntranslation:\n{out}\nexpansion:\n{old}"


@settings(max_examples=100, deadline=None)
@given(programs)
def test_plain_lua_translates_to_itself(program: list[tuple[Statement, str]]) -> None:
    old = PRELUDE + "".join(s.expansion() + sep for s, sep in program) + EPILOGUE
    old = old.replace("__pobls_", "tmp_")  # the translator reserves its own prefix
    assert translate(old) == old


@settings(max_examples=200, deadline=None)
@given(exprs, st.sampled_from(BINOPS), exprs)
def test_expression_extent_matches_lua(a: str, op: str, b: str) -> None:
    """The parser stops an operand exactly where Lua does: `x = E` with E followed by `return`."""
    src = f"local x = {a} {op} {b} return x"
    p = Parser(src)
    p.i = 3
    p.expr()
    assert p.tokens[p.i].text == "return"
