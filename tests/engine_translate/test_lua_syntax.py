"""The tokenizer and the 2026-syntax translator, checked against a real LuaJIT (lupa) where it matters."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lupa import luajit21

from pob_ls.engine.host.lua_syntax import LuaSyntaxError, tokenize, translate


def kinds(source: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(source)][:-1]


def run(source: str) -> Any:
    """Run a chunk in a fresh, bare LuaJIT and return its results."""
    return luajit21.LuaRuntime().execute(source)


def same_lines(src: str, out: str) -> None:
    """Same number of lines, and every name, literal and comment of the input still on its line."""
    assert out.count("\n") == src.count("\n")
    keep = ("name", "number", "string", "longstring", "comment")

    def per_line(text: str) -> dict[int, Counter[str]]:
        lines: dict[int, Counter[str]] = {}
        for t in tokenize(text):
            if t.kind in keep and t.text not in ("continue", "const"):  # these become keywords
                lines.setdefault(t.line, Counter())[t.text] += 1
        return lines

    got = per_line(out)
    for line, texts in per_line(src).items():
        assert not texts - got.get(line, Counter()), f"line {line}: {texts} not all in {got.get(line)}"


# -- tokenizer ----------------------------------------------------------------------------------


def test_token_kinds() -> None:
    src = "local x = a.b:c(1, 'q') .. [[long]] -- hi\n::lbl:: goto lbl ... #t ~= 2"
    assert kinds(src) == [
        ("keyword", "local"), ("name", "x"), ("op", "="), ("name", "a"), ("op", "."), ("name", "b"),
        ("op", ":"), ("name", "c"), ("op", "("), ("number", "1"), ("op", ","), ("string", "'q'"),
        ("op", ")"), ("op", ".."), ("longstring", "[[long]]"), ("comment", "-- hi"), ("op", "::"),
        ("name", "lbl"), ("op", "::"), ("keyword", "goto"), ("name", "lbl"), ("op", "..."), ("op", "#"),
        ("name", "t"), ("op", "~="), ("number", "2"),
    ]  # fmt: skip


def test_every_operator() -> None:
    ops = "+ - * / % ^ # == ~= <= >= < > = ( ) { } [ ] ; : :: , . .. ... += -= *= /= %= ^= ..="
    assert [t for _, t in kinds(ops)] == ops.split()


@pytest.mark.parametrize(
    "text",
    [
        r'"a\"b"', r"'it\'s'", r'"back\\"', r'"\n\t\065\x41\u{48}"', '"line\\\ncontinued"',
        '"skip\\z\n   ws"', "''", '""',
    ],
)  # fmt: skip
def test_strings_with_escapes(text: str) -> None:
    toks = tokenize(text + " x")
    assert (toks[0].kind, toks[0].text) == ("string", text)
    assert toks[1].text == "x" and toks[1].line == 1 + text.count("\n")


@pytest.mark.parametrize("level", [0, 1, 2, 5])
def test_long_strings_and_comments_of_every_level(level: int) -> None:
    eq = "=" * level
    other = f"]{'=' * (level + 1)}]" + (" ]] ]=" if level else " ]=")  # closers of other levels
    body = f"a {other} b\n-- not a comment\n'\"[[ x [==["
    src = f"s = [{eq}[{body}]{eq}] --[{eq}[ comment {body} ]{eq}] y"
    toks = tokenize(src)
    assert [t.kind for t in toks] == ["name", "op", "longstring", "comment", "name", "eof"]
    assert toks[2].text == f"[{eq}[{body}]{eq}]"
    assert toks[4].text == "y" and toks[4].line == 1 + 2 * body.count("\n")


def test_comment_forms() -> None:
    assert kinds("--[==x\nx") == [("comment", "--[==x"), ("name", "x")]  # not a long bracket
    assert kinds("--\nx") == [("comment", "--"), ("name", "x")]
    assert kinds("#!/usr/bin/lua\nx") == [("comment", "#!/usr/bin/lua"), ("name", "x")]
    assert kinds("\ufeffx") == [("name", "x")]


@pytest.mark.parametrize(
    "num",
    [
        "3", "3.0", "3.1416", "314.16e-2", "0.31416E1", "34e1", ".5", "5.", "0x0.1E", "0xA23p-4",
        "0X1.921FB54442D18P+1", "0xff", "1LL", "42ULL", "0x7fffffffffffffffLL", "12i", "1.5i", "3ull",
    ],
)  # fmt: skip
def test_numbers(num: str) -> None:
    toks = tokenize(f"x={num} y")
    assert (toks[2].kind, toks[2].text) == ("number", num)
    assert toks[3].text == "y"
    assert translate(f"return {num}") == f"return {num}"
    if num[-1] not in "iIlL":
        assert run(f"return {num}") == run(translate(f"return {num}"))


def test_number_extensions_are_translated() -> None:
    assert translate("return 1_000_000, 0xFF_80, 0b1010, 0b1_0LL") == "return 1000000, 0xFF80, 0xa, 0x2LL"
    assert run(translate("return 1_000 + 0b11")) == 1003


@pytest.mark.parametrize("bad", ["3..2", "0x", "1e", "1.5LL", "1_", "1__0", "3z"])
def test_malformed_numbers(bad: str) -> None:
    with pytest.raises(LuaSyntaxError, match=r"chunk:1: malformed number"):
        tokenize(f"x = {bad}", "chunk")


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ('x = "abc', "unfinished string"),
        ('x = "ab\nc"', "unfinished string"),
        ("x = [==[ abc ]=]", "unfinished long string"),
        ("x = 1 --[[ abc", "unfinished long comment"),
        ("x = [=x", "invalid long string delimiter"),
        ("x = 1 @", "unexpected character"),
    ],
)
def test_tokenizer_errors_name_chunk_and_line(src: str, message: str) -> None:
    with pytest.raises(LuaSyntaxError, match=rf"^Mod\.lua:3: {message}"):
        tokenize("\n\n" + src, "Mod.lua")


def test_line_counting_with_every_newline_style() -> None:
    toks = tokenize("a\r\nb\n\rc\rd\ne")
    assert [(t.text, t.line) for t in toks[:-1]] == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]


# -- translator ---------------------------------------------------------------------------------


def test_plain_lua_is_left_alone() -> None:
    src = Path(luajit21.__file__).read_text(errors="ignore")[:0] + (
        "local t = {1, 2; x = 3, ['y'] = function(...) return select('#', ...) end}\n"
        "for i = 1, #t do t[i] = t[i] + 1 end for k, v in pairs(t) do end\n"
        "while false do end repeat local z = 1 until z == 1 if a then elseif b then else end\n"
        "local s = 'a' .. \"b\" .. [[c]] -- x += 1 inside a comment\n"
        "goto done ::done:: return -1 ^ 2, not nil, #t, (t).x, t:y()"
    )
    assert translate(src) == src


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("local a = 5 a += 2 return a", 7),
        ("local a = 5 a -= 2 return a", 3),
        ("local a = 5 a *= 2 + 1 return a", 15),
        ("local a = 20 a /= 2 * 5 return a", 2),
        ("local a = 17 a %= 2 + 3 return a", 2),
        ("local a = 2 a ^= 1 + 2 return a", 8),
        ("local a = 2 a ^= 3 ^ 2 return a", 512),
        ("local a = 'x' a ..= 1 .. 2 return a", "x12"),
        ("local a = 10 a -= 2 - 3 return a", 11),
        ("local a = 1 a += -2 ^ 2 return a", -3),
        ("local a = 1 a += #'abc' return a", 4),
        ("local a = true a = a and 1 return a", 1),
    ],
)
def test_compound_operators_keep_precedence(src: str, expected: object) -> None:
    out = translate(src)
    same_lines(src, out)
    assert run(out) == expected


def test_targets_are_evaluated_once() -> None:
    src = """
local calls = 0
local function f(x) calls = calls + 1 return x end
local t = {a = {b = {1, 2}}, k = 10}
t[f('k')] += 1
f(t).a.b[f(2)] *= 10
f(t)['a'].b[1] ..= 'x'
t.a.b[f(1)] ..= f('y')
return calls, t.k, t.a.b[1], t.a.b[2]
"""
    assert run(translate(src)) == (6, 11, "1xy", 20)


def test_method_call_prefix() -> None:
    src = "local o = {v = {n = 1}} function o:get() self.c = (self.c or 0) + 1 return self.v end\n" \
          "o:get().n += 4 o:get()['n'] -= 1 return o.v.n, o.c"  # fmt: skip
    assert run(translate(src)) == (4, 2)


def test_statement_separators_comments_and_newlines() -> None:
    src = (
        "local a, b = 1, {x = 1}\n"
        "a += 1; b.x += 2 -- trailing comment\n"
        "a *= 3 --[[ block ]] b.x -= 1;\n"
        "a\n+=\n2\n"
        "b\n.x\n..=\n'z'\n"
        "b[\n'x'\n] ..= a --[==[ long\ncomment ]==]\n"
        "return a, b.x"
    )
    out = translate(src)
    same_lines(src, out)
    assert run(out) == (8, "2z8")


def test_a_statement_starting_with_a_parenthesis_after_a_compound() -> None:
    src = "local n, t = 0, {a = 0}\nlocal function f() n = n + 10 end\nn += 1\n(f)()\nt.a += 2 (f)() return n, t.a"
    out = translate(src)
    same_lines(src, out)
    assert run(out) == (21, 2)


def test_nested_blocks_and_functions() -> None:
    src = """
local n = 0
local function add(k) for i = 1, k do if i % 2 == 0 then n += i else n -= 1 end end end
add(4)
local g = function() local t = {0} do t[1] += 5 end return t[1] end
n += g() + (function() local q = 1 q ..= 'z' return #q end)()
while n > 100 do n /= 2 end
repeat n -= 1 until n < 5
return n
"""
    assert run(translate(src)) == 4


def test_continue() -> None:
    src = """
local s = 0
for i = 1, 10 do
  if i % 2 == 0 then continue end
  local sq = i * i
  for j = 1, 3 do if j == 2 then continue end s += j end
  s += sq
end
local k = 0
while k < 5 do k += 1 if k == 3 then continue end s += 1000 end
for _, v in ipairs({1, 2, 3}) do if v == 2 then continue end s += 1 return s end
"""
    out = translate(src)
    same_lines(src, out)
    expected = 0
    for i in range(1, 11):
        if i % 2 == 0:
            continue
        expected += 4 + i * i
    assert run(out) == expected + 4000 + 1


def test_continue_in_repeat_until() -> None:
    src = """
local i, s = 0, 0
repeat
  i += 1
  if i % 2 == 0 then do local skip = i continue end end
  s += i
until i >= 9
return s
"""
    out = translate(src)
    same_lines(src, out)
    assert run(out) == 1 + 3 + 5 + 7 + 9


def test_continue_as_a_variable_is_left_alone() -> None:
    src = "local continue = 1 continue = continue + 1 local t = {continue = continue} return t.continue"
    assert translate(src) == src


def test_customary_operators_and_const() -> None:
    src = "const a = 3 local b = !false && a != 2 || nil return b, a"
    out = translate(src)
    assert run(out) == (True, 3)


def test_a_compound_in_a_function_argument_inside_a_compound() -> None:
    src = "local t = {1} local x = 1 x += (function() t[1] += 10 return t[1] end)() return x, t[1]"
    assert run(translate(src)) == (12, 11)


@pytest.mark.parametrize(
    ("src", "construct"),
    [
        ("x = a & b", "bitwise operator '&'"),
        ("x = a | b", "bitwise operator '|'"),
        ("x = ~a", "bitwise operator '~'"),
        ("x = a << 1", "bitwise operator '<<'"),
        ("x = a // 2", "floor division '//'"),
        ("x = a ?? b", "nil-coalescing operator '??'"),
        ("x = a?.b", "safe navigation operator '?.'"),
        ("x = a ? b : c", "conditional operator '?:'"),
        ("x &= 1", "compound assignment '&='"),
        ("x ~= 1", "compound assignment '~='"),
        ("x //= 1", "compound assignment '//='"),
        ("a, b += 1", "compound assignment '+=' to several targets"),
        ("a += 1, 2", "compound assignment '+=' takes one value"),
        ("f() += 1", "cannot apply '+=' to this expression"),
        ("(a) += 1", "cannot apply '+=' to this expression"),
        (
            "repeat local q = 1 if a then continue end until q",
            "'continue' in a repeat-until whose body declares",
        ),
        ("continue", "'continue' outside a loop"),
        ("for i = 1, 2 do local f = function() continue end end", "'continue' outside a loop"),
        ("local __pobls_p = 1", "reserved for the translator"),
        ("x = = 1", "unexpected symbol near '='"),
        ("if x then", "'end' expected (to close 'if' at line 3) near <eof>"),
    ],
)
def test_unknown_constructs_name_chunk_line_and_construct(src: str, construct: str) -> None:
    with pytest.raises(LuaSyntaxError, match=rf"^Classes/Thing\.lua:3: .*{re.escape(construct)}"):
        translate("local a, b, x\n\n" + src, "Classes/Thing.lua")


def test_deep_nesting() -> None:
    deep = "local x = 1 x += " + "(" * 150 + "1" + ")" * 150 + " return x"
    assert run(translate(deep)) == 2
    chain = "local s = '' s ..= " + " .. ".join(["'a'"] * 190) + " return #s"
    assert run(translate(chain)) == 190
    with pytest.raises(LuaSyntaxError, match="nesting too deep"):
        translate("x = " + "(" * 5000 + "1" + ")" * 5000, "deep")


def test_local_count_limit_is_not_hit_by_temporaries() -> None:
    names = [f"v{i}" for i in range(195)]
    src = f"local t = {{a = 1}} local {', '.join(names)}\n" + "t.a += 1 " * 50 + "t['a'] += 1 return t.a"
    assert run(translate(src)) == 52
