"""The shared failing inputs (one per kind of fault), each block a test, with its right answer.

``tests/cases/`` is a copy of the project's ``cases/`` folder: every file holds a few display
blocks in the notation people write, and ``expect.json`` the right outcome of every step,
decided from the mathematics.  A block's steps are the steps whose own line lies in it.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from symhess.check import check_paths

HERE = Path(__file__).parent / "cases"
EXPECT = {k: v for k, v in json.loads((HERE / "expect.json").read_text(encoding="utf-8")).items()
          if not k.startswith("_")}
OUTCOMES = {
    "holds": {"proved", "verified"},
    "failed": {"failed"},
    "definition": {"definition", "proved", "verified"},
    "approximation": {"approximation"},
    "failed|unsupported": {"failed", "unsupported"},
}
_ENVS = r"(?:equation|align|alignat|flalign|gather|multline|eqnarray|split|aligned|displaymath)\*?"
# Blocks the checker does not get right yet: (file, block number) -> why.
KNOWN: dict[tuple[str, int], str] = {}


def spans(text: str) -> list[tuple[int, int]]:
    """(first line, last line) of each display block, macro-only blocks left out."""
    out: list[tuple[int, int]] = []
    pat = re.compile(r"\$\$(.*?)\$\$|\\\[(.*?)\\\]|\\begin\{(" + _ENVS + r")\}(.*?)\\end\{\3\}", re.S)
    for m in pat.finditer(text):
        body = next(g for g in (m.group(1), m.group(2), m.group(4)) if g is not None)
        if m.group(3) and m.group(3).startswith("split"):
            continue
        if not re.sub(r"\\(newcommand|renewcommand|def|DeclareMathOperator)\b.*", "", body, flags=re.S).strip():
            continue
        first = text.count("\n", 0, m.start()) + 1
        last = text.count("\n", 0, m.end()) + 1
        if out and first <= out[-1][1]:
            continue
        out.append((first, last))
    return out


@lru_cache(maxsize=None)
def verdicts(name: str) -> tuple[tuple[str, ...], ...]:
    path = HERE / name
    rep = check_paths([path])
    blocks = spans(path.read_text(encoding="utf-8"))
    got: list[list[str]] = [[] for _ in blocks]
    for d in rep.derivations:
        for s in d.steps:
            for b, (lo, hi) in enumerate(blocks):
                if lo <= (s.line or d.line) <= hi:
                    got[b].append(s.verdict)
    return tuple(tuple(g) for g in got)


CASES = [(name, b) for name, want in EXPECT.items() for b in range(len(want))]


@pytest.mark.parametrize(("name", "block"), CASES, ids=[f"{n}#{b + 1}" for n, b in CASES])
def test_case(name: str, block: int) -> None:
    if (name, block + 1) in KNOWN:
        pytest.xfail(KNOWN[(name, block + 1)])
    want = EXPECT[name][block]
    got = verdicts(name)[block]
    assert len(got) == len(want) and all(
        (v != "" if o == "reported" else v in OUTCOMES[o]) for v, o in zip(got, want)), \
        f"{name} block {block + 1}: expected {want}, got {list(got)}"
