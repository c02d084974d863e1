"""Helpers for users' own tests: ``assert_equivalent`` and friends (failures show both sides).

>>> assert_equivalent(r"z_j z_{j'} M_{kk'}", r"z_{j'} z_j M_{k'k}").verdict
'proved'
>>> assert_equivalent(r"h'(a_j) x_i", r"h''(a_j) x_i")
Traceback (most recent call last):
...
symhess.testing.NotEquivalent: h'(a_j) x_i  ≠  h''(a_j) x_i: the right side is missing ...
"""
from __future__ import annotations

from pathlib import Path

import sympy as sp

from .check import check_text
from .equivalence import Decision, decide
from .notation.interpret import Meaning, interpret
from .notation.parser import parse_chain


class NotEquivalent(AssertionError):
    """Two expressions that were asserted equal are not (or could not be shown equal)."""


def _meaning(x: str | sp.Expr | Meaning) -> Meaning:
    if isinstance(x, Meaning):
        return x
    if isinstance(x, str):
        return interpret(parse_chain(x + " = 0", path="<assert_equivalent>").members[0].expr)
    return Meaning(sp.sympify(x))


def _show(x: str | sp.Expr | Meaning) -> str:
    return x if isinstance(x, str) else str(getattr(x, "expr", x))


def assert_equivalent(left: str | sp.Expr | Meaning, right: str | sp.Expr | Meaning, *,
                      approximate: bool = False) -> Decision:
    """Assert ``left = right`` for every index value, size and smooth h, E_n.

    ``left``/``right`` are LaTeX in the reader's notation (NOTATION.md), SymPy expressions in
    the language of :mod:`symhess.network`, or interpreted meanings.  Returns the decision
    (``proved`` or ``verified``); raises :class:`NotEquivalent` with the residual and a
    counterexample otherwise.
    """
    d = decide(_meaning(left), _meaning(right), approximate=approximate)
    ok = ("proved", "verified", "approximation") if approximate else ("proved", "verified")
    if d.verdict not in ok:
        msg = f"{_show(left)}  ≠  {_show(right)}: {d.message}"
        if d.counterexample is not None:
            c = d.counterexample
            msg += f"\n  counterexample: sizes {c.sizes}, indices {c.indices}, values {c.values}"
        raise NotEquivalent(msg)
    return d


def assert_not_equivalent(left: str | sp.Expr | Meaning, right: str | sp.Expr | Meaning) -> Decision:
    """Assert that ``left = right`` fails, with a counterexample (for tests of wrong steps)."""
    d = decide(_meaning(left), _meaning(right))
    if d.verdict != "failed":
        raise AssertionError(f"{_show(left)} = {_show(right)} was expected to fail, got "
                             f"{d.verdict}: {d.message}")
    return d


def assert_derivation_holds(source: str | Path) -> None:
    """Every step of every derivation in ``source`` (Markdown/LaTeX text or a file path) holds."""
    from .render.report import derivation_text

    if isinstance(source, Path):
        text, path = source.read_text(encoding="utf-8"), str(source)
    else:
        text, path = source, "<text>"
    rep = check_text(text, path)
    bad = [d for d in rep.derivations if d.verdict not in ("ok", "xfail")]
    if bad:
        raise NotEquivalent("\n\n".join(derivation_text(d, only_failures=True) for d in bad))
