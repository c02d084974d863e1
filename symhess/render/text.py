"""Plain-text reports for people: derivation results and verdict marks, formulas in Unicode.

>>> plural(1, "step"), plural(3, "derivation")
('1 step', '3 derivations')
"""
from __future__ import annotations

from collections.abc import Iterable

from ..results import DerivationResult
from .unicode import readable, to_unicode

MARK = {"proved": "✓ proved", "verified": "✓ verified", "approximation": "≈ approximation",
        "failed": "✗ failed", "unsupported": "? unsupported", "ok": "✓ ok", "xfail": "✓ xfail",
        "erratum": "⚠ erratum", "definition": "≔ definition", "xpass": "✗ xpass"}
COLOUR = {"proved": "32", "verified": "32", "ok": "32", "xfail": "36", "approximation": "33",
          "failed": "31", "unsupported": "35", "erratum": "33", "definition": "36", "xpass": "31"}
WORDS = {"erratum": "erratum: derived and proved; PRML's printed statement is wrong"}


def plural(n: int, word: str) -> str:
    """``n word`` with the plural ``s`` when ``n != 1``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def paint(text: str, verdict: str, colour: bool) -> str:
    """``text`` in the colour of ``verdict`` when ``colour`` (ANSI), else unchanged.

    >>> paint("x", "failed", True)
    '\\x1b[31mx\\x1b[0m'
    """
    return f"\033[{COLOUR[verdict]}m{text}\033[0m" if colour and verdict in COLOUR else text


def mark(verdict: str, colour: bool = False) -> str:
    """``verdict`` with its sign, coloured for a terminal when ``colour``.

    >>> mark("failed"), mark("erratum")
    ('✗ failed', '⚠ erratum')
    """
    return paint(MARK.get(verdict, verdict), verdict, colour)


def verdict_words(verdict: str) -> str:
    """The mark of ``verdict`` with a few words when the word alone is not clear.

    >>> verdict_words("proved")
    '✓ proved'
    """
    return MARK.get(verdict, verdict) + (f" ({WORDS[verdict].split(': ', 1)[1]})" if verdict in WORDS else "")


def erratum_text(r: DerivationResult) -> list[str]:
    """"PRML prints …; this is wrong for j ≠ j′ (counterexample …); derived: … ✓" as lines."""
    e = r.erratum
    if e is None:
        return []
    when = f"for {to_unicode(e.wrong_when)}" if e.wrong_when else "in general"
    cex = f" (counterexample: {readable(e.counterexample.text())})" if e.counterexample else ""
    how = "proved" if r.numeric is None or r.numeric.max_rel_error < 1e-9 else "verified"
    return [f"PRML prints: {to_unicode(e.printed_latex)}",
            f"this is wrong {when}{cex}",
            f"derived: {to_unicode(e.corrected_latex)} ✓ {how}"]


def derivation_text(r: DerivationResult, colour: bool = False) -> str:
    """One derived equation: title, verdict, (the erratum), the step chain, numeric check and notes."""
    lines = [f"({r.equation}) {r.title}: {mark(r.verdict, colour)}  [{r.seconds:.2f} s]"]
    lines += [f"  {x}" for x in erratum_text(r)]
    if r.erratum is None:
        lines.append(f"  statement: {to_unicode(r.statement_latex)}")
    if r.steps:
        first, *rest = r.steps
        lines.append(f"    {to_unicode(first.latex)}")
        for s in rest:
            just = f"    (∵ {readable(s.justification)})" if s.justification else ""
            lines.append(f"  {s.relation} {to_unicode(s.latex)}{just}")
    if r.numeric is not None:
        sizes = ", ".join("(" + ", ".join(f"{k} = {v}" for k, v in s.items()) + ")" for s in r.numeric.sizes)
        lines.append(f"  numeric: {r.numeric.points} points at sizes {sizes}; "
                     f"max relative error {r.numeric.max_rel_error:.2e}")
        if r.numeric.note:
            lines.append(f"           {readable(r.numeric.note)}")
    for a in r.assumptions:
        lines.append(f"  assumes: {readable(a)}")
    for n in r.notes:
        lines.append(f"  note: {readable(n)}")
    return "\n".join(lines)


def derivations_text(results: Iterable[DerivationResult], colour: bool = False) -> str:
    return "\n\n".join(derivation_text(r, colour) for r in results)


def derivations_summary(results: Iterable[DerivationResult]) -> str:
    """The last line of ``symhess derive``: how many equations, by verdict.

    >>> from symhess.results import DerivationResult
    >>> derivations_summary([DerivationResult("1", "s", v, (), None, 0.0, title="t") for v in ("proved", "proved", "erratum")])
    '3 equations: 2 proved, 1 erratum (PRML misprint; the derivation holds)'
    """
    results = list(results)
    by: dict[str, int] = {}
    for r in results:
        by[r.verdict] = by.get(r.verdict, 0) + 1
    order = ["proved", "verified", "approximation", "erratum", "failed", "unsupported"]
    parts = []
    for v in order + sorted(set(by) - set(order)):
        if v in by:
            word = "errata" if v == "erratum" and by[v] > 1 else v
            extra = " (PRML misprint; the derivation holds)" if v == "erratum" else ""
            parts.append(f"{by[v]} {word}{extra}")
    return f"{plural(len(results), 'equation')}: " + ", ".join(parts)


def derivations_latex(results: Iterable[DerivationResult]) -> str:
    """Each result as a display-math ``aligned`` block with its PRML tag (and, for an
    erratum, what PRML prints, as a TeX comment and a ``\\text`` line)."""
    out = []
    for r in results:
        head = f"% ({r.equation}) {r.title}: {r.verdict}"
        e = r.erratum
        if e is not None:
            when = f"for ${e.wrong_when}$" if e.wrong_when else "in general"
            cex = f" (counterexample: {e.counterexample.text()})" if e.counterexample else ""
            head += (f"\n% PRML prints: {e.printed_latex}\n% this is wrong {when}{cex}"
                     f"\n% derived: {e.corrected_latex}")
        out.append(f"{head}\n\\begin{{equation}}\\begin{{aligned}}\n{r.chain_latex()}\n"
                   f"\\end{{aligned}}\\tag{{{r.equation}}}\\end{{equation}}")
    return "\n\n".join(out)
