"""Make a stand-in for a PoB release written in LuaJIT's 2026 syntax, from an installed PoB 2.63.0.

Usage: make_standin.py SRC DEST [--hardlink] [--json]

Copies SRC (an engine folder, e.g. ~/.local/share/pob-ls/engines/2.63.0) to DEST and rewrites, in
its Modules/ and Classes/, every statement `x = x OP expr` that means exactly `x OP= expr`:
  * the target is side-effect-free to evaluate twice: a name, `a.b`, or `t[k]` with k a name, a
    number or a string literal;
  * `expr` is what Lua parses as the right operand of OP there (every operator in it binds tighter,
    or OP is right-associative), so `x = x OP expr` and `x = x OP (expr)` are the same computation;
  * the statement's head (`x = x OP`) is on one line, so every line keeps its number.
It prints how many statements it rewrote per operator, then compiles every rewritten file with a
bare lupa LuaJIT and prints how many it rejects. The engine folder SRC is only read.

The stand-in still says PoB 2.63.0 in its manifest.xml and does not match the 2.63.0 pin, so it is
not installed: run it as a folder, `--engine DEST` or `POB_LS_ENGINE=DEST` (unverified, read-only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pob_ls.engine.host.lua_syntax import BINARY_PRIORITY, COMPOUND_OPS, Assignment, Parser, Token

REWRITE_DIRS = ("Modules", "Classes")
OP_OF = {v: k for k, v in COMPOUND_OPS.items()}  # "+" -> "+="
RECORD = "pob-ls-standin.json"
SKIP = ("pob-ls-engine.json",)  # the install record of SRC does not describe the stand-in


@dataclass
class Report:
    per_operator: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # name / field / index targets
    before_comment: int = 0
    files: list[str] = field(default_factory=list)
    rejected_by_plain_lupa: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_operator.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "statements": self.total,
            "per_operator": dict(sorted(self.per_operator.items())),
            "targets": dict(sorted(self.kinds.items())),
            "ending_in_comment": self.before_comment,
            "files_rewritten": len(self.files),
            "files_rejected_by_plain_lupa": self.rejected_by_plain_lupa,
        }


def _target_kind(toks: list[Token]) -> str | None:
    """name / field / index when the target is one the reverse rewrite keeps exact, else None."""
    kinds = [(t.kind, t.text) for t in toks]
    if len(toks) == 1 and kinds[0][0] == "name":
        return "name"
    if len(toks) == 3 and kinds[0][0] == "name" and kinds[1] == ("op", ".") and kinds[2][0] == "name":
        return "field"
    if (
        len(toks) == 4
        and kinds[0][0] == "name"
        and kinds[1] == ("op", "[")
        and kinds[2][0] in ("name", "number", "string")
        and kinds[3] == ("op", "]")
    ):
        return "index"
    return None


SPLIT_OPS = ("%", "^")  # PoB 2.63 has no `x = x % e` nor `x = x ^ e`: these come from the split form


@dataclass(order=True)
class _Rewrite:
    start: int  # source span replaced by `text`
    end: int
    text: str
    op: str
    kind: str
    value_end: int  # where the statement ends (to see whether a comment follows)


def _split(parser: Parser, a: Assignment) -> _Rewrite | None:
    """`[local] v = A OP e` -> `[local] v = A v OP= e`, for OP in SPLIT_OPS.

    Exact when A is one name or number token, `e` is the whole right operand of OP and neither
    mentions v nor calls anything (it is evaluated after v has been assigned A)."""
    toks = parser.tokens
    v0, v1 = a.value
    name = toks[a.target[0]]
    if a.target[0] != a.target[1] or v0 + 2 > v1 or toks[v0].kind not in ("name", "number"):
        return None
    op = toks[v0 + 1]
    if op.kind != "op" or op.text not in SPLIT_OPS or len({name.line, op.line, toks[v0 + 2].line}) != 1:
        return None
    parser.i = v0 + 2
    parser.expr(BINARY_PRIORITY[op.text][1])
    if parser.i != v1 + 1:
        return None
    for t in toks[v0 + 2 : v1 + 1]:
        if t.text == name.text or t.kind in ("string", "longstring") or t.text in ("(", "{", ":", "function"):
            return None
    text = f" {name.text} {OP_OF[op.text]} "
    return _Rewrite(toks[v0].end, toks[v0 + 2].start, text, OP_OF[op.text], "name (split)", toks[v1].end)


def _compound(parser: Parser, a: Assignment) -> _Rewrite | None:
    """`x = x OP e` -> `x OP= e` when exact (see the module docstring)."""
    toks = parser.tokens
    target = toks[a.target[0] : a.target[1] + 1]
    kind = _target_kind(target)
    if kind is None or a.local:
        return None
    n = len(target)
    v0, v1 = a.value
    head = toks[v0 : v0 + n]
    if v0 + n + 1 > v1 or [t.text for t in head] != [t.text for t in target]:
        return None
    op = toks[v0 + n]
    if op.kind != "op" or op.text not in OP_OF:
        return None
    parser.i = v0 + n + 1
    parser.expr(BINARY_PRIORITY[op.text][1])
    if parser.i != v1 + 1:
        return None  # an operator of the same or lower priority follows: not `x OP (rest)`
    if len({t.line for t in (*target, toks[a.target[1] + 1], *head, op, toks[v0 + n + 1])}) != 1:
        return None
    start, end = toks[a.target[1]].end, toks[v0 + n + 1].start
    return _Rewrite(start, end, f" {OP_OF[op.text]} ", OP_OF[op.text], kind, toks[v1].end)


CHAIN_OPS = ("%",)  # `x = x % a + b` and `x = (x % a) + b` exist in PoB 2.63; `x = x % a` does not


def _chain(parser: Parser, a: Assignment) -> _Rewrite | None:
    """`x = x OP1 e1 OP2 e2` (or `(x OP1 e1) OP2 e2`), grouped left, -> `x OP1= e1 x OP2= e2`.

    Exact for a plain name x when e2 neither mentions x nor calls anything (it is evaluated after
    x has been assigned `x OP1 e1`) and the statement is on one line."""
    toks = parser.tokens
    v0, v1 = a.value
    x = toks[a.target[0]]
    if a.local or a.target[0] != a.target[1] or x.kind != "name":
        return None
    paren = toks[v0].text == "(" and toks[v0].kind == "op"
    i = v0 + 1 if paren else v0
    op1 = toks[i + 1]
    if toks[i].text != x.text or op1.kind != "op" or op1.text not in CHAIN_OPS:
        return None
    parser.i = i + 2
    parser.expr(0 if paren else BINARY_PRIORITY[op1.text][1])
    e1 = (i + 2, parser.i - 1)
    if paren:
        if not parser.check(")"):
            return None
        parser.i += 1
    op2 = parser.tok
    if op2.kind != "op" or op2.text not in OP_OF or parser.i > v1:
        return None
    e2_first = parser.i + 1
    parser.i = e2_first
    parser.expr(BINARY_PRIORITY[op2.text][1])
    if parser.i != v1 + 1 or len({t.line for t in toks[a.target[0] : v1 + 1]}) != 1:
        return None
    for t in toks[e2_first : v1 + 1]:
        if t.text == x.text or t.kind in ("string", "longstring") or t.text in ("(", "{", ":", "function"):
            return None
    src = parser.source
    text = (
        f"{x.text} {OP_OF[op1.text]} {src[toks[e1[0]].start : toks[e1[1]].end]} "
        f"{x.text} {OP_OF[op2.text]} {src[toks[e2_first].start : toks[v1].end]}"
    )
    return _Rewrite(x.start, toks[v1].end, text, OP_OF[op1.text], "name (two statements)", toks[v1].end)


def rewrite(source: str, chunkname: str, report: Report) -> str:
    """`source` with its exactly-reversible assignments in compound form."""
    found: list[Assignment] = []
    parser = Parser(source, chunkname, on_assignment=found.append)
    parser.chunk()
    rules = (_compound, _split, _chain)
    rewrites = [r for a in found if (r := next((r for f in rules if (r := f(parser, a))), None))]
    out: list[str] = []
    pos = 0
    for r in sorted(rewrites):
        out += [source[pos : r.start], r.text]
        pos = r.end
        report.per_operator[r.op] += 1
        report.kinds[r.kind] += 1
        eol = source.find("\n", r.value_end)
        if source[r.value_end : eol if eol >= 0 else len(source)].lstrip().startswith("--"):
            report.before_comment += 1
    out.append(source[pos:])
    return "".join(out)


def copy_engine(src: Path, dest: Path, hardlink: bool) -> None:
    """A writable copy of src (hard links for speed when asked; rewritten files are unlinked first)."""
    for dirpath, _dirs, files in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            if rel == Path(".") and name in SKIP:
                continue
            s, d = Path(dirpath) / name, dest / rel / name
            if hardlink:
                try:
                    os.link(s, d)
                    continue
                except OSError:
                    pass
            shutil.copyfile(s, d)


def rejected_by_plain_lupa(paths: list[Path]) -> int:
    """How many of the files a bare lupa LuaJIT refuses to compile."""
    from lupa import luajit21

    lua = luajit21.LuaRuntime(encoding=None)
    compiles = lua.eval("function(s, n) return (loadstring(s, n)) ~= nil end")
    return sum(1 for p in paths if not compiles(p.read_bytes(), b"=" + p.name.encode()))


def make_standin(src: Path, dest: Path, *, hardlink: bool = False) -> Report:
    script_dir = src / "src" if (src / "src" / "Launch.lua").is_file() else src
    if not (script_dir / "Launch.lua").is_file():
        raise SystemExit(f"{src}: no PoB here (no Launch.lua in it or in src/)")
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"{dest}: exists and is not empty")
    copy_engine(src, dest, hardlink)
    report = Report()
    written: list[Path] = []
    for sub in REWRITE_DIRS:
        for path in sorted((script_dir / sub).glob("*.lua")):
            text = path.read_bytes().decode("latin-1")
            new = rewrite(text, str(path), report)
            if new == text:
                continue
            target = dest / path.relative_to(src)
            target.unlink()  # never write through a hard link into SRC
            target.write_bytes(new.encode("latin-1"))
            written.append(target)
            report.files.append(str(path.relative_to(src)))
    report.rejected_by_plain_lupa = rejected_by_plain_lupa(written)
    (dest / RECORD).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--hardlink", action="store_true", help="hard-link the files left unchanged")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    report = make_standin(args.src.expanduser(), args.dest.expanduser(), hardlink=args.hardlink)
    if args.json:
        print(json.dumps(report.as_dict()))
        return 0
    print(f"rewrote {report.total} statements in {len(report.files)} files:")
    for op, count in sorted(report.per_operator.items()):
        print(f"  {op:4} {count}")
    print("  targets: " + ", ".join(f"{k} {v}" for k, v in sorted(report.kinds.items())))
    print(f"  statements ending in a comment: {report.before_comment}")
    rejected, files = report.rejected_by_plain_lupa, len(report.files)
    print(f"plain lupa LuaJIT rejects {rejected} of the {files} rewritten files")
    print(f"run it unverified, as a folder: --engine {args.dest}  (or POB_LS_ENGINE={args.dest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
