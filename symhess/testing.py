"""Helpers for users' own tests: ``assert_equivalent`` and friends (failures show both sides).

No helper passes on input it did not check: text that holds no derivation, a file that does
not exist or holds none, and expressions that cannot be read all fail with an
:class:`AssertionError` subclass that says why.  Text and files are separate functions:
:func:`assert_derivation_holds` takes Markdown/LaTeX *text*, :func:`assert_file_derivations_hold`
takes *paths*.

>>> assert_equivalent(r"z_j z_{j'} M_{kk'}", r"z_{j'} z_j M_{k'k}").verdict
'proved'
>>> assert_equivalent(r"h'(a_j) x_i", r"h''(a_j) x_i")
Traceback (most recent call last):
...
symhess.errors.NotEquivalent: h'(a_j) x_i  ≠  h''(a_j) x_i: the right side is missing ...
>>> assert_derivation_holds("notes.md")
Traceback (most recent call last):
...
symhess.errors.NothingChecked: the text 'notes.md' holds no derivation ...
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import sympy as sp

from .check import FileReport, check_paths, check_text
from .equivalence import Decision, decide
from .errors import NotEquivalent, NothingChecked, SymhessError, Unreadable
from .notation.interpret import Meaning, interpret
from .notation.parser import parse_chain
from .printing import text_latex


def _meaning(x: str | sp.Expr | Meaning, side: str) -> Meaning:
    if isinstance(x, Meaning):
        return x
    if isinstance(x, str):
        try:
            return interpret(parse_chain(x + " = 0", path=f"<{side} side>").members[0].expr)
        except SymhessError as exc:
            raise Unreadable(f"cannot read the {side} side {x!r}: {exc}") from None
    if isinstance(x, sp.Basic):
        return Meaning(x)
    raise Unreadable(f"the {side} side is a {type(x).__name__}, expected LaTeX text, a SymPy "
                     "expression or a Meaning")


def _show(x: str | sp.Expr | Meaning) -> str:
    return x if isinstance(x, str) else str(getattr(x, "expr", x))


def assert_equivalent(left: str | sp.Expr | Meaning, right: str | sp.Expr | Meaning, *,
                      approximate: bool = False) -> Decision:
    """Assert ``left = right`` for every index value, size and smooth h, E_n.

    ``left``/``right`` are LaTeX in the reader's notation (NOTATION.md), SymPy expressions in
    the language of :mod:`symhess.network`, or interpreted meanings.  Returns the decision
    (``proved`` or ``verified``; with ``approximate`` also ``approximation``); raises
    :class:`NotEquivalent` with the residual and a counterexample otherwise, and
    :class:`Unreadable` (a :class:`NotEquivalent`) when a side cannot be read.

    >>> assert_equivalent(r"x_{i", "0")
    Traceback (most recent call last):
    ...
    symhess.errors.Unreadable: cannot read the left side 'x_{i': ...
    """
    d = decide(_meaning(left, "left"), _meaning(right, "right"), approximate=approximate)
    ok = ("proved", "verified", "approximation") if approximate else ("proved", "verified")
    if d.verdict not in ok:
        msg = f"{_show(left)}  ≠  {_show(right)}: {text_latex(d.message)}"
        if d.counterexample is not None:
            c = d.counterexample
            msg += f"\n  counterexample: sizes {c.sizes}, indices {c.indices}, values {c.values}"
        raise NotEquivalent(msg)
    return d


def assert_not_equivalent(left: str | sp.Expr | Meaning, right: str | sp.Expr | Meaning) -> Decision:
    """Assert that ``left = right`` fails, with a counterexample (for tests of wrong steps).

    Unreadable input fails (:class:`Unreadable`): it was not shown to differ.
    """
    d = decide(_meaning(left, "left"), _meaning(right, "right"))
    if d.verdict != "failed":
        raise AssertionError(f"{_show(left)} = {_show(right)} was expected to fail, got "
                             f"{d.verdict}: {text_latex(d.message)}")
    return d


_LOOKS_LIKE_PATH = re.compile(r"^[^\s$\\]+\.(md|markdown|tex|txt)$")


def assert_derivation_holds(text: str | Path) -> None:
    """Every step of every derivation in the Markdown/LaTeX ``text`` holds.

    ``text`` is the document itself, never a file name: a string that holds no derivation
    raises :class:`NothingChecked` (for a file use :func:`assert_file_derivations_hold`).  A
    :class:`~pathlib.Path` is still accepted and read, as before (it is unambiguous).
    """
    if isinstance(text, Path):
        assert_file_derivations_hold(text)
        return
    if not isinstance(text, str):
        raise TypeError(f"assert_derivation_holds takes the text of a document, got "
                        f"{type(text).__name__}")
    rep = check_text(text, "<text>")
    if not rep.derivations:
        hint = (f"; to check the file, call assert_file_derivations_hold({text!r})"
                if _LOOKS_LIKE_PATH.match(text.strip()) else "")
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise NothingChecked(f"the text {shown!r} holds no derivation (no display block with a "
                             f"relation such as = or \\simeq){hint}")
    _raise_failures([rep])


def assert_file_derivations_hold(*paths: str | Path) -> None:
    """Every step of every derivation in the files ``paths`` (or directories of them) holds.

    A path that does not exist, or files that hold no derivation, raise :class:`NothingChecked`.
    """
    if not paths:
        raise NothingChecked("no file given")
    ps = [Path(p) for p in paths]
    missing = [str(p) for p in ps if not p.exists()]
    if missing:
        raise NothingChecked(f"no such file: {', '.join(missing)}")
    rep = check_paths(ps)
    if not rep.derivations:
        raise NothingChecked(f"{', '.join(map(str, ps))}: no derivation found (no display block "
                             "with a relation)")
    _raise_failures(rep.files)


def _raise_failures(files: Iterable[FileReport]) -> None:
    from .render.report import derivation_text

    bad = [d for f in files for d in f.derivations if d.verdict not in ("ok", "xfail")]
    if bad:
        raise NotEquivalent("\n\n".join(derivation_text(d, only_failures=True) for d in bad))
