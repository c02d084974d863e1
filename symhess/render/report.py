"""Checker reports for people (text) and for programs (the JSON contract of ``symhess check``).

The text is for a terminal: formulas in Unicode (``∂²E_n/∂w_kj∂w_k′j′``, not LaTeX), one
line per step, details under a step that failed or is unsupported, notes shared by the
steps of a block shown once, wrapped to ``width``.  The JSON keeps the LaTeX
(``*_latex`` fields).

Verbosity: ``-1`` only derivations that fail (and only their failing steps) and the summary;
``0`` one line per step, details for failed/unsupported; ``1`` everything.

>>> from symhess.check import check_text
>>> rep = Report((check_text("$$ x_i h'(a_j) = x_i h''(a_j) $$", "n.md"),))
>>> print(report_text(rep, width=200).splitlines()[0])
n.md:1: derivation ✗ failed (1 step)
"""
from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from ..check import DerivationReport, Report, StepResult
from ..printing import prml_latex, text_latex
from .text import mark, paint, plural
from .unicode import readable

HOLDS = ("proved", "verified", "definition")


def step_json(s: StepResult) -> dict[str, Any]:
    cex = None
    if s.counterexample is not None:
        cex = {"sizes": s.counterexample.sizes, "indices": s.counterexample.indices,
               "values": s.counterexample.values}
    sug = getattr(s, "suggestion", None)
    return {"index": s.index, "line": s.line, "verdict": s.verdict,
            "justification": s.justification, "assumptions": list(s.assumptions),
            "residual_latex": residual_latex(s), "counterexample": cex, "message": text_latex(s.message),
            "readings": list(s.readings),
            "suggestion": None if sug is None else {"latex": sug.latex, "edit": sug.edit,
                                                    "verdict": sug.verdict}}


def residual_latex(s: StepResult) -> str | None:
    """The residual left − right of a failed step (or the remainder an approximation drops),
    printed; None when the step has none."""
    return None if s.residual is None else prml_latex(s.residual)


def sides_latex(s: StepResult) -> tuple[str, str] | None:
    """The two sides as decided, printed; None when the step kept none (a definition, a step
    decided without interpreting both sides)."""
    if s.lhs_expr is None or s.rhs_expr is None:
        return None
    return prml_latex(s.lhs_expr), prml_latex(s.rhs_expr)


def report_json(rep: Report) -> dict[str, Any]:
    """The ``symhess check --format json`` object."""
    return {"files": [{"path": f.path, "notes": list(getattr(f, "notes", ())), "derivations": [
        {"line": d.line, "verdict": d.verdict, "xfail": d.xfail, "message": d.message,
         "steps": [step_json(s) for s in d.steps]} for d in f.derivations]} for f in rep.files],
        "summary": rep.summary()}


# --------------------------------------------------------------------------- text
def _wrap(text: str, width: int | None, indent: str, hang: str = "    ") -> list[str]:
    """``text`` wrapped to ``width`` with ``indent`` (continuation lines indented further)."""
    if not width or len(indent) + len(text) <= width:
        return [indent + text]
    return textwrap.wrap(text, width=max(width, 40), initial_indent=indent,
                         subsequent_indent=indent + hang, break_long_words=False,
                         break_on_hyphens=False) or [indent]


def counterexample_text(s: StepResult) -> str:
    """A step's counterexample in words (sizes, index values, the two sides' numbers).

    >>> from types import SimpleNamespace as NS
    >>> c = NS(sizes={"D": 2, "M": 2}, indices={"j": 1, "j'": 2}, values={"left": 0.5, "right": 0.25})
    >>> counterexample_text(NS(counterexample=c))
    'sizes D = 2, M = 2; indices j = 1, j′ = 2; left = 0.5, right = 0.25'
    """
    c = s.counterexample
    if c is None:
        return ""
    sizes = ", ".join(f"{k} = {v}" for k, v in c.sizes.items())
    idx = ", ".join(f"{readable(k)} = {v}" for k, v in c.indices.items()) or "none"
    vals = ", ".join(f"{k} = {v:.6g}" for k, v in c.values.items())
    return f"sizes {sizes}; indices {idx}; {vals}"


def shared_notes(d: DerivationReport) -> tuple[list[str], list[str]]:
    """The readings and the context (assumptions) of a block's steps, each once, in order."""
    readings = list(dict.fromkeys(r for s in d.steps for r in s.readings))
    context = list(dict.fromkeys(a for s in d.steps for a in s.assumptions))
    return readings, context


def step_lines(d: DerivationReport, s: StepResult, *, colour: bool = False, verbose: bool = False,
               width: int | None = None, notes: bool = False) -> list[str]:
    """One line for a step; details under it when it failed or is unsupported (or ``verbose``).

    ``notes`` repeats the step's readings and assumptions (when they are not shown for the
    block).
    """
    head = f"{d.path}:{s.line}:{s.col} step {s.index}: {mark(s.verdict)}"
    if s.justification:
        head += f"   ∵ {readable(s.justification)}"
    lines = _wrap(head, width, "  ")
    lines[0] = lines[0].replace(mark(s.verdict), mark(s.verdict, colour), 1)
    detail = verbose or s.verdict not in HOLDS
    sub = "      "
    out: list[str] = []
    if detail and s.message:
        out.append(readable(text_latex(s.message)))
    if notes or verbose:
        out += [f"read: {readable(r)}" for r in s.readings] if notes else []
        out += [f"assumes: {readable(a)}" for a in s.assumptions] if notes else []
    sides = sides_latex(s) if verbose or s.verdict in ("failed", "approximation") else None
    if detail and s.verdict not in HOLDS and s.verdict != "definition":
        if sides is not None:
            out.append(f"left:  {readable(sides[0])}")
            out.append(f"right: {readable(sides[1])}")
        residual = residual_latex(s)
        if residual and s.verdict == "failed":
            out.append(f"residual (left − right): {readable(residual)}")
        if s.counterexample is not None:
            out.append("counterexample: " + counterexample_text(s))
    elif verbose and sides is not None:
        out.append(f"left:  {readable(sides[0])}")
        out.append(f"right: {readable(sides[1])}")
    sug = getattr(s, "suggestion", None)
    if sug is not None:
        fix = f"did you mean: {readable(sug.latex)}"
        if sug.edit:
            fix += f" ({readable(sug.edit)})"
        out.append(fix + f" {mark(sug.verdict)}")
    for text in out:
        lines += _wrap(text, width, sub)
    return lines


def _head(d: DerivationReport, colour: bool) -> str:
    n = len(d.steps)
    head = f"{d.path}:{d.line}: derivation {mark(d.verdict, colour)}"
    head += f" ({plural(n, 'step')})" if n else ""
    if d.xfail:
        head += f"  (expected to fail: {readable(d.xfail)})"
    return head


def derivation_text(d: DerivationReport, colour: bool = False, only_failures: bool = False, *,
                    verbosity: int = 0, width: int | None = None) -> str:
    """One display block: a head line, the notes its steps share (once), then the steps.

    ``only_failures`` (or ``verbosity=-1``) shows only the first failing step.
    """
    if only_failures:
        verbosity = -1
    lines = _wrap(_head(d, False), width, "")
    lines[0] = lines[0].replace(mark(d.verdict), mark(d.verdict, colour), 1)
    if d.message:
        lines += _wrap(readable(d.message), width, "  ")
    if not d.steps:
        return "\n".join(lines)
    readings, context = shared_notes(d)
    if verbosity >= 0:
        lines += [ln for r in readings for ln in _wrap(f"read: {readable(r)}", width, "  ")]
        lines += [ln for a in context for ln in _wrap(f"context: {readable(a)}", width, "  ")]
    first = d.first_failure
    for s in d.steps:
        if verbosity < 0 and s is not first:
            continue
        lines += step_lines(d, s, colour=colour, verbose=verbosity > 0, width=width,
                            notes=verbosity < 0)
    return "\n".join(lines)


def counts(derivations: Iterable[DerivationReport]) -> dict[str, int]:
    """Derivations and steps by verdict, with expected failures (``xfail``) and marked
    derivations that pass (``xpass``) counted on their own.

    >>> counts([])["steps"]
    0
    """
    ds = list(derivations)
    out: dict[str, int] = {"derivations": len(ds), "steps": 0, "xfail": 0, "xpass": 0}
    for d in ds:
        out["steps"] += len(d.steps)
        for s in d.steps:
            out[s.verdict] = out.get(s.verdict, 0) + 1
        if d.verdict == "xfail":
            out["xfail"] += 1
        elif d.xfail and d.verdict == "failed" and all(s.verdict in HOLDS + ("approximation",)
                                                        for s in d.steps):
            out["xpass"] += 1
        out["block_" + d.verdict] = out.get("block_" + d.verdict, 0) + 1
    return out


def summary_text(derivations: Iterable[DerivationReport]) -> str:
    """The last line: derivations and steps, by verdict, plurals right.

    >>> summary_text([])
    'no derivations found'
    """
    c = counts(derivations)
    if not c["derivations"]:
        return "no derivations found"
    blocks = [f"{c.get('block_ok', 0)} ok"]
    if c.get("block_failed"):
        blocks.append(f"{c['block_failed']} failed")
    if c.get("block_unsupported"):
        blocks.append(f"{c['block_unsupported']} unsupported")
    if c["xfail"]:
        blocks.append(f"{c['xfail']} xfail (expected failures)")
    if c["xpass"]:
        blocks.append(f"{c['xpass']} xpass (marked xfail but every step holds)")
    steps = [f"{c.get(v, 0)} {v}" for v in ("proved", "verified", "approximation", "failed",
                                             "unsupported")]
    steps += [f"{n} {v}" for v, n in c.items() if v not in (
        "derivations", "steps", "xfail", "xpass", "proved", "verified", "approximation", "failed",
        "unsupported") and not v.startswith("block_")]
    return (f"{plural(c['derivations'], 'derivation')} ({', '.join(blocks)}), "
            f"{plural(c['steps'], 'step')}: {', '.join(steps)}")


def report_text(rep: Report, colour: bool = False, *, verbosity: int = 0,
                width: int | None = None) -> str:
    """Every derivation with its steps (``verbosity -1``: failing ones only), then the summary."""
    out = []
    for f in getattr(rep, "files", ()):  # how a file was read (inferred setting, one pattern): once
        for note in getattr(f, "notes", ()):
            out.append("\n".join(_wrap(f"{f.path}: {readable(note)}", width, "", "  ")))
    shown = [d for d in rep.derivations if verbosity >= 0 or d.verdict not in ("ok", "xfail")]
    out += [derivation_text(d, colour, verbosity=verbosity, width=width) for d in shown]
    summary = "\n".join(_wrap(summary_text(rep.derivations), width, "", "  "))
    out.append(paint(summary, "ok" if rep.ok else "failed", colour))
    return "\n\n".join(out)

