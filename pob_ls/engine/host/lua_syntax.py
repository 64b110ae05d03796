"""A Lua tokenizer and a translator from LuaJIT's 2026 syntax extensions to plain LuaJIT 2.1.

PoB 2.65+ is written for a LuaJIT that accepts the syntax Mike Pall backported from LuaJIT 3.0 in
2026 (LuaJIT issues #1475/#1476); lupa's bundled LuaJIT rejects it. The host compiles every chunk as
it is and only calls `translate` when that fails. Pure Python (no lupa): it runs in any process.

Translated: compound assignments `+= -= *= /= %= ^= ..=` on any assignable target (the target is
evaluated once, the right side keeps its precedence: `a *= b + c` is `a = a * (b + c)`), the
`continue` statement (a `goto` to a label closing the loop's block), the customary operators
`! && || !=` (aliases of `not and or ~=`), `const` declarations (as `local`), and underscores / `0b`
in number literals. Refused with a `LuaSyntaxError` naming the chunk, the line and the construct: the
bitwise operators and their compound forms, `//`, `?:`, `?.`, `??`, short function expressions,
compound assignment to several targets, and `continue` in a `repeat`-`until` whose own block declares
locals (`until` sees them, and the jump could skip their initialisation). Upstream's table (#1475)
has no `^=`; it is translated anyway (as `a = a ^ (b)`), as issue #11 lists it.

The output keeps every token on its original line (expansions sit on the statement's own lines), so
PoB's error messages and our diagnostics point at the right lines.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, NoReturn

# Bump when the translation of any input may change: cached translations are keyed by it.
TRANSLATOR_VERSION = 1

KEYWORDS = frozenset(
    {
        *("and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in"),
        *("local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"),
    }
)
COMPOUND_OPS = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "^=": "^", "..=": ".."}
# Compound forms of LuaJIT 3.0 operators that plain LuaJIT 2.1 has no spelling for.
UNSUPPORTED_COMPOUND = frozenset({"//=", "&=", "|=", "~=", "<<=", ">>=", "~>>="})
# (left, right) priorities, as in LuaJIT's lj_parse.c; `..` and `^` are right-associative.
BINARY_PRIORITY: dict[str, tuple[int, int]] = {
    "or": (1, 1),
    "and": (2, 2),
    "<": (3, 3),
    ">": (3, 3),
    "<=": (3, 3),
    ">=": (3, 3),
    "~=": (3, 3),
    "==": (3, 3),
    "..": (5, 4),
    "+": (6, 6),
    "-": (6, 6),
    "*": (7, 7),
    "/": (7, 7),
    "%": (7, 7),
    "^": (10, 9),
}
UNARY_PRIORITY = 8
ALIASES = {"!=": "~=", "&&": "and", "||": "or", "!": "not"}
# Operators of the 2026 syntax the translator refuses, with the name an error gives them.
UNSUPPORTED_OPS = {
    "//": "floor division '//'",
    "&": "bitwise operator '&'",
    "|": "bitwise operator '|'",
    "~": "bitwise operator '~'",
    "<<": "bitwise operator '<<'",
    ">>": "bitwise operator '>>'",
    "~>>": "bitwise operator '~>>'",
    "?": "conditional operator '?:'",
    "?.": "safe navigation operator '?.'",
    "??": "nil-coalescing operator '??'",
    "->": "short function expression '->'",
}
# Longest first: the scanner tries them in this order.
# fmt: off
OPERATORS = sorted(
    [
        *COMPOUND_OPS,
        *UNSUPPORTED_COMPOUND,
        *UNSUPPORTED_OPS,
        *ALIASES,
        "...", "..", "==", "<=", ">=", "::",
        "+", "-", "*", "/", "%", "^", "#", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ":", ",", ".",
    ],
    key=len,
    reverse=True,
)
# fmt: on
TEMP_PREFIX = "__pobls_"

_NEWLINE = re.compile(r"\r\n|\n\r|\r|\n")
_DECIMAL = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"0[xX](?:[0-9A-Fa-f]+\.?[0-9A-Fa-f]*|\.[0-9A-Fa-f]+)(?:[pP][+-]?[0-9]+)?")
_BINARY = re.compile(r"0[bB][01]+")
_INT_SUFFIX = re.compile(r"[uU]?[lL][lL]")
_LONG_OPEN = re.compile(r"\[(=*)\[")
_STRING_BODY = r"(?:[^{q}\\\r\n]|\\(?:z\s*|\r\n|\n\r|[\s\S]))*"
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<space>[ \t\f\v]+)",
            r"(?P<newline>\r\n|\n\r|\r|\n)",
            r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<number>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)",
            r"(?P<long>--\[=*\[|\[=*\[)",
            r"(?P<comment>--[^\r\n]*)",
            '(?P<string>"' + _STRING_BODY.format(q='"') + "\"|'" + _STRING_BODY.format(q="'") + "')",
            "(?P<op>" + "|".join(re.escape(o) for o in OPERATORS) + ")",
        ]
    )
)


class LuaSyntaxError(Exception):
    """Source the tokenizer or translator cannot handle; the message names chunk, line and construct."""

    def __init__(self, chunkname: str, line: int, message: str) -> None:
        super().__init__(f"{chunkname}:{line}: {message}")
        self.chunkname = chunkname
        self.line = line


class Token(NamedTuple):
    """One token: kind is name, keyword, number, string, longstring, comment, op or eof."""

    kind: str
    text: str
    start: int
    end: int
    line: int


def tokenize(source: str, chunkname: str = "?", *, comments: bool = True) -> list[Token]:
    """All tokens of `source` (comments included unless `comments=False`), ending with an eof token."""
    out: list[Token] = []
    append = out.append
    pos, line, n = 0, 1, len(source)
    if source.startswith("\ufeff"):  # a UTF-8 BOM, as text or as latin-1 decoded bytes
        pos = 1
    elif source.startswith("\xef\xbb\xbf"):
        pos = 3
    if source.startswith("#", pos):  # loadfile skips a first line starting with '#' (shebang)
        m = _NEWLINE.search(source, pos)
        end = m.start() if m else n
        if comments:
            append(Token("comment", source[pos:end], pos, end, line))
        pos = end
    match = _TOKEN.match
    while pos < n:
        m = match(source, pos)
        if m is None:
            _token_error(source, pos, line, chunkname)
        kind, text, start, pos = m.lastgroup, m.group(), pos, m.end()
        if kind == "space":
            continue
        if kind == "newline":
            line += 1
        elif kind == "name":
            append(Token("keyword" if text in KEYWORDS else "name", text, start, pos, line))
        elif kind == "op":
            if text == "[" and source.startswith("[=", start):
                raise LuaSyntaxError(chunkname, line, "invalid long string delimiter")
            append(Token("op", text, start, pos, line))
        elif kind == "number":
            _check_number(text, chunkname, line)
            append(Token("number", text, start, pos, line))
        elif kind == "string":
            append(Token("string", text, start, pos, line))
            if "\\" in text:  # an escaped line break continues the string on the next line
                line += len(_NEWLINE.findall(text))
        elif kind == "comment":
            if comments:
                append(Token("comment", text, start, pos, line))
        else:  # a long bracket opens: string or comment
            what = "comment" if text.startswith("--") else "string"
            lm = _LONG_OPEN.match(source, start + 2 if what == "comment" else start)
            assert lm is not None
            pos, end_line = _scan_long(source, lm, line, chunkname, what)
            if what == "string":
                append(Token("longstring", source[start:pos], start, pos, line))
            elif comments:
                append(Token("comment", source[start:pos], start, pos, line))
            line = end_line
    append(Token("eof", "", n, n, line))
    return out


def _token_error(source: str, pos: int, line: int, chunkname: str) -> NoReturn:
    if source[pos] in "\"'":
        _scan_string(source, pos, line, chunkname)  # raises, naming the string's line
    raise LuaSyntaxError(chunkname, line, f"unexpected character {source[pos]!r}")


def _check_number(text: str, chunkname: str, line: int) -> None:
    """LuaJIT's number forms (plus the 2026 underscores and 0b); the suffixes LL/ULL need an integer."""
    body = text.replace("_", "")
    if not text.endswith("_") and "__" not in text:
        for pattern in (_HEX, _BINARY, _DECIMAL):
            m = pattern.match(body)
            if not m:
                continue
            rest, num = body[m.end() :], m.group()
            integer = "." not in num and (pattern is not _DECIMAL or not re.search("[eE]", num))
            if rest in ("", "i", "I") or (integer and _INT_SUFFIX.fullmatch(rest)):
                return
            break
    raise LuaSyntaxError(chunkname, line, f"malformed number {text!r}")


def _scan_string(source: str, pos: int, line: int, chunkname: str) -> tuple[int, int]:
    quote, start_line, n = source[pos], line, len(source)
    pos += 1
    while pos < n:
        c = source[pos]
        if c == quote:
            return pos + 1, line
        if c in "\r\n":
            raise LuaSyntaxError(chunkname, start_line, "unfinished string")
        if c == "\\":
            pos += 1
            if pos >= n:
                break
            e = source[pos]
            if e in "\r\n":
                m = _NEWLINE.match(source, pos)
                assert m is not None
                pos = m.end()
                line += 1
                continue
            if e == "z":
                pos += 1
                while pos < n and source[pos] in " \t\f\v\r\n":
                    m = _NEWLINE.match(source, pos)
                    if m:
                        pos = m.end()
                        line += 1
                    else:
                        pos += 1
                continue
        pos += 1
    raise LuaSyntaxError(chunkname, start_line, "unfinished string")


def _scan_long(source: str, m: re.Match[str], line: int, chunkname: str, what: str) -> tuple[int, int]:
    close = "]" + m.group(1) + "]"
    end = source.find(close, m.end())
    if end < 0:
        raise LuaSyntaxError(chunkname, line, f"unfinished long {what}")
    body = source[m.end() : end]
    return end + len(close), line + len(_NEWLINE.findall(body))


# ---------------------------------------------------------------------------------------------
# Translation
# ---------------------------------------------------------------------------------------------

Piece = str | tuple[int, int]  # literal text, or a source span rendered with its own edits


@dataclass(slots=True)
class _Edit:
    start: int
    end: int
    pieces: list[Piece]


@dataclass(slots=True)
class Assignment:
    """A plain single assignment `target = value`, as token index ranges (for scripts and tests)."""

    target: tuple[int, int]
    value: tuple[int, int]
    local: bool = False


@dataclass(slots=True)
class _Loop:
    kind: str  # "while", "for", "repeat"
    line: int
    label: str | None = None
    first_continue: int = -1  # token index
    has_locals: bool = False  # a local declared in the loop's own block (not a nested one)
    body: int = -1  # serial number of the loop's block


@dataclass
class _Target:
    """An assignable expression: a name, or prefix + key (`.name` or `[expr]`)."""

    first: int  # token index
    last: int  # token index, inclusive
    kind: str  # "name", "field", "index", "call", "paren", "other"
    prefix_end: int = -1  # last token index of the prefix
    key_first: int = -1  # field: the name token; index: first token of the key expression
    key_last: int = -1


@dataclass
class Parser:
    """A recursive-descent parser for LuaJIT 2.1 + the 2026 extensions, recording the edits to make."""

    source: str
    chunkname: str = "?"
    on_assignment: Callable[[Assignment], None] | None = None
    tokens: list[Token] = field(init=False)
    i: int = field(init=False, default=0)
    edits: list[_Edit] = field(init=False, default_factory=list)
    loops: list[_Loop | None] = field(init=False, default_factory=list)  # None marks a function boundary
    labels: int = field(init=False, default=0)
    blocks: int = field(init=False, default=0)  # serial number of the last block begun
    depth: list[int] = field(init=False, default_factory=list)  # serial numbers of the open blocks

    def __post_init__(self) -> None:
        self.tokens = tokenize(self.source, self.chunkname, comments=False)
        for tok in self.tokens:
            if tok.kind == "name" and tok.text.startswith(TEMP_PREFIX):
                self.fail(tok, f"name {tok.text!r} is reserved for the translator's temporaries")
            elif tok.kind == "number":
                self._number(tok)

    # -- helpers --------------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def fail(self, tok: Token, message: str) -> LuaSyntaxError:
        raise LuaSyntaxError(self.chunkname, tok.line, message)

    def check(self, text: str) -> bool:
        t = self.tok
        return t.text == text and t.kind in ("op", "keyword")

    def accept(self, text: str) -> bool:
        if self.check(text):
            self.i += 1
            return True
        return False

    def expect(self, text: str, opener: Token | None = None) -> Token:
        t = self.tok
        if not self.check(text):
            where = f" (to close '{opener.text}' at line {opener.line})" if opener else ""
            self.unexpected(f"'{text}' expected{where}")
        self.i += 1
        return t

    def expect_name(self) -> Token:
        t = self.tok
        if t.kind != "name":
            self.unexpected("name expected")
        self.i += 1
        return t

    def unexpected(self, message: str) -> None:
        t = self.tok
        if t.kind == "op" and t.text in UNSUPPORTED_OPS:
            self.fail(t, f"the LuaJIT 2026 {UNSUPPORTED_OPS[t.text]} is not supported by pob-ls's translator")
        if t.kind == "op" and t.text in UNSUPPORTED_COMPOUND:
            self.fail(t, f"compound assignment '{t.text}' is not supported by pob-ls's translator")
        near = "<eof>" if t.kind == "eof" else repr(t.text)
        self.fail(t, f"{message} near {near}")

    def edit(self, start: int, end: int, pieces: list[Piece]) -> None:
        self.edits.append(_Edit(start, end, pieces))

    def _number(self, tok: Token) -> None:
        body = tok.text.replace("_", "")
        if body[:2] in ("0b", "0B"):
            m = _BINARY.match(body)
            assert m is not None
            body = hex(int(m.group()[2:], 2)) + body[m.end() :]
        if body != tok.text:
            self.edit(tok.start, tok.end, [body])

    def newlines(self, start: int, end: int) -> str:
        """The line breaks of a dropped source span, so what follows stays on its line."""
        return "".join(_NEWLINE.findall(self.source, start, end))

    # -- blocks and statements ------------------------------------------------------------------

    def chunk(self) -> None:
        self.loops.append(None)
        self.block()
        if self.tok.kind != "eof":
            self.unexpected("'<eof>' expected")

    def block(self) -> Token | None:
        """Statements up to a block end; returns the `return` token when the block ends with one."""
        self.blocks += 1
        self.depth.append(self.blocks)
        try:
            return self._statements()
        finally:
            self.depth.pop()

    def _statements(self) -> Token | None:
        while True:
            t = self.tok
            if t.kind == "eof" or (t.kind == "keyword" and t.text in ("end", "else", "elseif", "until")):
                return None
            if t.kind == "keyword" and t.text == "return":
                self.i += 1
                if not self.block_end() and not self.check(";"):
                    self.exprlist()
                self.accept(";")
                return t
            self.statement()

    def block_end(self) -> bool:
        t = self.tok
        return t.kind == "eof" or (t.kind == "keyword" and t.text in ("end", "else", "elseif", "until"))

    def statement(self) -> None:
        t = self.tok
        if t.kind == "op":
            if t.text == ";":
                self.i += 1
                return
            if t.text == "::":
                self.i += 1
                self.expect_name()
                self.expect("::")
                return
        if t.kind == "keyword":
            getattr(self, "stat_" + t.text, self.stat_other)()
            return
        if t.kind == "name":
            nxt = self.peek()
            if t.text == "continue" and not _continues_expression(nxt):
                self.stat_continue()
                return
            if t.text == "const" and nxt.kind == "name":
                self.declare_local()
                self.edit(t.start, t.end, ["local"])
                self.i += 1
                self.stat_local_names()
                return
        self.stat_expression()

    def declare_local(self) -> None:
        """Note a local in the current block on the loop it belongs to (repeat-until needs it)."""
        loop = self.loops[-1] if self.loops else None
        if loop is not None and self.depth and self.depth[-1] == loop.body:
            loop.has_locals = True

    def stat_other(self) -> None:
        self.unexpected("unexpected symbol")

    def stat_do(self) -> None:
        opener = self.tok
        self.i += 1
        self.block()
        self.expect("end", opener)

    def stat_while(self) -> None:
        opener = self.tok
        self.i += 1
        self.expr()
        self.expect("do")
        self.loop_body(_Loop("while", opener.line), opener)

    def stat_for(self) -> None:
        opener = self.tok
        self.i += 1
        self.expect_name()
        if self.accept("="):
            self.expr()
            self.expect(",")
            self.expr()
            if self.accept(","):
                self.expr()
        else:
            while self.accept(","):
                self.expect_name()
            self.expect("in")
            self.exprlist()
        self.expect("do")
        self.loop_body(_Loop("for", opener.line), opener)

    def loop_body(self, loop: _Loop, opener: Token, close: str = "end") -> Token:
        """A loop's block and its closing token; a `continue` label goes just before that token."""
        self.loops.append(loop)
        loop.body = self.blocks + 1
        ret = self.block()
        self.loops.pop()
        end = self.expect(close, opener)
        if loop.label is not None:
            if ret is not None:  # a label may not follow `return`: make the return a block of its own
                self.edit(ret.start, ret.start, ["do "])
                self.edit(end.start, end.start, ["end "])
            self.edit(end.start, end.start, [f"::{loop.label}:: "])
        return end

    def stat_repeat(self) -> None:
        opener = self.tok
        self.i += 1
        loop = _Loop("repeat", opener.line)
        self.loop_body(loop, opener, "until")
        if loop.label is not None and loop.has_locals:
            # `until` sees the body's locals, and a jump to it may skip their initialisation
            where = self.tokens[loop.first_continue]
            self.fail(where, "'continue' in a repeat-until whose body declares locals")
        self.expr()

    def stat_continue(self) -> None:
        t = self.tok
        loop = self.loops[-1] if self.loops else None
        if loop is None:
            self.fail(t, "'continue' outside a loop")
        assert loop is not None
        if loop.label is None:
            self.labels += 1
            loop.label = f"{TEMP_PREFIX}continue{self.labels}"
            loop.first_continue = self.i
        self.edit(t.start, t.end, [f"goto {loop.label}"])
        self.i += 1

    def stat_if(self) -> None:
        opener = self.tok
        self.i += 1
        self.expr()
        self.expect("then")
        self.block()
        while self.check("elseif"):
            self.i += 1
            self.expr()
            self.expect("then")
            self.block()
        if self.accept("else"):
            self.block()
        self.expect("end", opener)

    def stat_function(self) -> None:
        self.i += 1
        self.expect_name()
        while self.accept("."):
            self.expect_name()
        if self.accept(":"):
            self.expect_name()
        self.funcbody()

    def stat_local(self) -> None:
        self.declare_local()
        self.i += 1
        if self.accept("function"):
            self.expect_name()
            self.funcbody()
            return
        self.stat_local_names()

    def stat_local_names(self) -> None:
        first = self.i
        self.expect_name()
        names = 1
        while self.accept(","):
            self.expect_name()
            names += 1
        if self.accept("="):
            value_start = self.i
            values = self.exprlist()
            if self.on_assignment is not None and names == 1 and values == 1:
                self.on_assignment(Assignment((first, first), (value_start, self.i - 1), local=True))

    def stat_return(self) -> None:  # reached only for a misplaced return
        self.unexpected("'return' must be the last statement of a block")

    def stat_break(self) -> None:
        self.i += 1

    def stat_goto(self) -> None:
        self.i += 1
        self.expect_name()

    def stat_expression(self) -> None:
        start = self.i
        target = self.suffixedexp()
        t = self.tok
        if t.kind == "op" and t.text in COMPOUND_OPS:
            self.compound(target, t)
            return
        if t.kind == "op" and t.text in UNSUPPORTED_COMPOUND:
            self.unexpected("")
        if self.check("=") or self.check(","):
            if target.kind not in ("name", "field", "index"):
                self.fail(self.tokens[start], "cannot assign to this expression")
            targets = 1
            while self.accept(","):
                other = self.suffixedexp()
                if other.kind not in ("name", "field", "index"):
                    self.fail(self.tokens[other.first], "cannot assign to this expression")
                targets += 1
            if self.tok.kind == "op" and self.tok.text in COMPOUND_OPS:
                op = self.tok.text
                self.fail(self.tok, f"compound assignment '{op}' to several targets is not supported")
            self.expect("=")
            value_start = self.i
            values = self.exprlist()
            if self.on_assignment is not None and targets == 1 and values == 1:
                self.on_assignment(Assignment((start, target.last), (value_start, self.i - 1)))
            return
        if target.kind != "call":
            self.unexpected("syntax error")

    def compound(self, target: _Target, op: Token) -> None:
        if target.kind not in ("name", "field", "index"):
            self.fail(self.tokens[target.first], f"cannot apply '{op.text}' to this expression")
        self.i += 1
        value_first = self.i
        self.expr()
        value_last = self.i - 1
        if self.check(","):
            self.fail(self.tok, f"compound assignment '{op.text}' takes one value")
        toks = self.tokens
        first, last = toks[target.first], toks[target.last]
        v_first, v_last = toks[value_first], toks[value_last]
        binop = COMPOUND_OPS[op.text]
        value: list[Piece] = [self.newlines(last.end, v_first.start), " (", (v_first.start, v_last.end), ")"]
        if target.kind == "name":
            pieces: list[Piece] = [first.text, " = ", first.text, " " + binop, *value]
            if self.check("("):  # `x = x + (1)` then `(f)()` would read as a call of `(1)`
                pieces = ["do ", *pieces, " end"]
        else:
            p_last = toks[target.prefix_end]
            prefix: Piece = (first.start, p_last.end)
            p, k = TEMP_PREFIX + "p", TEMP_PREFIX + "k"
            if target.kind == "field":
                key = toks[target.key_first]
                pieces = ["do local ", p, " = ", prefix, self.newlines(p_last.end, key.start)]
                slot = f"{p}.{key.text}"
            else:
                k_first, k_last = toks[target.key_first], toks[target.key_last]
                pieces = ["do local ", p, ", ", k, " = ", prefix, ", "]
                pieces += [self.newlines(p_last.end, k_first.start), (k_first.start, k_last.end)]
                pieces.append(self.newlines(k_last.end, last.end))
                slot = f"{p}[{k}]"
            pieces += [f" {slot} = {slot} {binop}", *value, " end"]
        self.edit(first.start, v_last.end, pieces)

    # -- expressions ----------------------------------------------------------------------------

    def exprlist(self) -> int:
        self.expr()
        count = 1
        while self.accept(","):
            self.expr()
            count += 1
        return count

    def expr(self, limit: int = 0) -> None:
        """subexpr of lj_parse.c: operands joined by binary operators whose left priority > limit."""
        t = self.tok
        if (t.kind == "keyword" and t.text == "not") or (t.kind == "op" and t.text in ("-", "#", "!")):
            if t.text == "!":
                self.edit(t.start, t.end, [" not "])
            self.i += 1
            self.expr(UNARY_PRIORITY)
        else:
            self.simpleexp()
        while True:
            t = self.tok
            op = ALIASES.get(t.text, t.text) if t.kind == "op" else t.text if t.kind == "keyword" else ""
            prio = BINARY_PRIORITY.get(op)
            if prio is None or prio[0] <= limit:
                return
            if t.text in ALIASES:
                self.edit(t.start, t.end, [f" {op} "])
            self.i += 1
            self.expr(prio[1])

    def simpleexp(self) -> None:
        t = self.tok
        if (
            t.kind in ("number", "string", "longstring")
            or (t.kind == "keyword" and t.text in ("nil", "true", "false"))
            or (t.kind == "op" and t.text == "...")
        ):
            self.i += 1
        elif t.kind == "op" and t.text == "{":
            self.table()
        elif t.kind == "keyword" and t.text == "function":
            self.i += 1
            self.funcbody()
        else:
            self.suffixedexp()

    def primaryexp(self) -> _Target:
        t = self.tok
        if t.kind == "name":
            self.i += 1
            return _Target(self.i - 1, self.i - 1, "name")
        if t.kind == "op" and t.text == "(":
            first = self.i
            self.i += 1
            self.expr()
            self.expect(")", t)
            return _Target(first, self.i - 1, "paren")
        self.unexpected("unexpected symbol")
        raise AssertionError  # unreachable

    def suffixedexp(self) -> _Target:
        target = self.primaryexp()
        while True:
            t = self.tok
            if t.kind == "op" and t.text == ".":
                prefix_end = self.i - 1
                self.i += 1
                name = self.expect_name()
                del name
                target = _Target(target.first, self.i - 1, "field", prefix_end, self.i - 1, self.i - 1)
            elif t.kind == "op" and t.text == "[":
                prefix_end = self.i - 1
                self.i += 1
                key_first = self.i
                self.expr()
                key_last = self.i - 1
                self.expect("]", t)
                target = _Target(target.first, self.i - 1, "index", prefix_end, key_first, key_last)
            elif t.kind == "op" and t.text == ":":
                self.i += 1
                self.expect_name()
                self.args()
                target = _Target(target.first, self.i - 1, "call")
            elif (t.kind == "op" and t.text in ("(", "{")) or t.kind in ("string", "longstring"):
                self.args()
                target = _Target(target.first, self.i - 1, "call")
            else:
                return target

    def args(self) -> None:
        t = self.tok
        if t.kind in ("string", "longstring"):
            self.i += 1
        elif self.check("{"):
            self.table()
        elif self.accept("("):
            if not self.check(")"):
                self.exprlist()
            self.expect(")", t)
        else:
            self.unexpected("function arguments expected")

    def table(self) -> None:
        opener = self.expect("{")
        while not self.check("}"):
            if self.check("["):
                br = self.tok
                self.i += 1
                self.expr()
                self.expect("]", br)
                self.expect("=")
                self.expr()
            elif self.tok.kind == "name" and self.peek().kind == "op" and self.peek().text == "=":
                self.i += 2
                self.expr()
            else:
                self.expr()
            if not (self.accept(",") or self.accept(";")):
                break
        self.expect("}", opener)

    def funcbody(self) -> None:
        opener = self.tokens[self.i - 1]
        self.expect("(")
        if not self.check(")"):
            while True:
                if self.accept("..."):
                    break
                self.expect_name()
                if not self.accept(","):
                    break
        self.expect(")")
        self.loops.append(None)
        self.block()
        self.loops.pop()
        self.expect("end", opener)

    # -- output ---------------------------------------------------------------------------------

    def render(self) -> str:
        edits = sorted(self.edits, key=lambda e: (e.start, -e.end))
        starts = [e.start for e in edits]

        def span(a: int, b: int) -> str:
            out: list[str] = []
            pos = a
            k = bisect.bisect_left(starts, a)
            while k < len(edits) and edits[k].start <= b:
                e = edits[k]
                k += 1
                if e.start < pos or e.end > b:
                    continue  # nested in an edit already rendered, or not inside this span
                if e.start == e.end == b and b != total:
                    break  # an insertion at a span's end belongs to the enclosing text
                out.append(self.source[pos : e.start])
                for piece in e.pieces:
                    out.append(piece if isinstance(piece, str) else span(*piece))
                pos = e.end
            out.append(self.source[pos:b])
            return "".join(out)

        total = len(self.source)
        return span(0, len(self.source))


def _continues_expression(tok: Token) -> bool:
    """Whether the token after a name `continue` makes it a variable (`continue = 1`, `continue()`)."""
    if tok.kind in ("string", "longstring"):
        return True
    return tok.kind == "op" and (tok.text in ("=", ",", ".", "[", ":", "(", "{") or tok.text in COMPOUND_OPS)


# LuaJIT itself stops at 200 syntax levels; each costs the parser up to ~5 Python frames.
MIN_RECURSION_LIMIT = 4000


def translate(source: str, chunkname: str = "?") -> str:
    """`source` rewritten in plain LuaJIT 2.1, line for line. Raises LuaSyntaxError."""
    parser = Parser(source, chunkname)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, MIN_RECURSION_LIMIT))
    try:
        parser.chunk()
        return parser.render()
    except RecursionError:
        raise LuaSyntaxError(chunkname, parser.tok.line, "nesting too deep for pob-ls's translator") from None
    finally:
        sys.setrecursionlimit(limit)
