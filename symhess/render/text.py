"""Plain-text reports for people: derivation results and checker verdicts."""
from __future__ import annotations

from collections.abc import Iterable

from ..results import DerivationResult

MARK = {"proved": "✓ proved", "verified": "✓ verified", "approximation": "≈ approximation",
        "failed": "✗ failed", "unsupported": "? unsupported", "ok": "✓ ok", "xfail": "✓ xfail"}
COLOUR = {"proved": "32", "verified": "32", "ok": "32", "xfail": "36", "approximation": "33",
          "failed": "31", "unsupported": "35"}


def mark(verdict: str, colour: bool = False) -> str:
    """``verdict`` with its sign, coloured for a terminal when ``colour``.

    >>> mark("failed")
    '✗ failed'
    """
    text = MARK.get(verdict, verdict)
    return f"\033[{COLOUR[verdict]}m{text}\033[0m" if colour and verdict in COLOUR else text


def derivation_text(r: DerivationResult, colour: bool = False) -> str:
    """One derived equation: title, verdict, the step chain, numeric check and notes."""
    lines = [f"({r.equation}) {r.title}: {mark(r.verdict, colour)}  [{r.seconds:.2f} s]",
             f"  statement: {r.statement_latex}"]
    first, *rest = r.steps
    lines.append(f"    {first.latex}")
    for s in rest:
        just = f"    (∵ {s.justification})" if s.justification else ""
        lines.append(f"  {s.relation} {s.latex}{just}")
    if r.numeric is not None:
        sizes = ", ".join("(" + ",".join(f"{k}={v}" for k, v in s.items()) + ")" for s in r.numeric.sizes)
        lines.append(f"  numeric: {r.numeric.points} points at sizes {sizes}; "
                     f"max relative error {r.numeric.max_rel_error:.2e}")
        if r.numeric.note:
            lines.append(f"           {r.numeric.note}")
    for a in r.assumptions:
        lines.append(f"  assumes: {a}")
    for n in r.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def derivations_text(results: Iterable[DerivationResult], colour: bool = False) -> str:
    return "\n\n".join(derivation_text(r, colour) for r in results)


def derivations_latex(results: Iterable[DerivationResult]) -> str:
    """Each result as a display-math ``aligned`` block with its PRML tag."""
    out = []
    for r in results:
        out.append(f"% ({r.equation}) {r.title}: {r.verdict}\n"
                   f"\\begin{{equation}}\\begin{{aligned}}\n{r.chain_latex()}\n"
                   f"\\end{{aligned}}\\tag{{{r.equation}}}\\end{{equation}}")
    return "\n\n".join(out)
