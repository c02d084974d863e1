"""Checker reports for people (text) and for programs (the JSON contract of ``symhess check``)."""
from __future__ import annotations

from typing import Any

from ..check import DerivationReport, Report, StepResult
from .text import mark


def step_json(s: StepResult) -> dict[str, Any]:
    cex = None
    if s.counterexample is not None:
        cex = {"sizes": s.counterexample.sizes, "indices": s.counterexample.indices,
               "values": s.counterexample.values}
    return {"index": s.index, "line": s.line, "verdict": s.verdict,
            "justification": s.justification, "assumptions": list(s.assumptions),
            "residual_latex": s.residual_latex, "counterexample": cex, "message": s.message,
            "readings": list(s.readings)}


def report_json(rep: Report) -> dict[str, Any]:
    """The ``symhess check --format json`` object."""
    return {"files": [{"path": f.path, "derivations": [
        {"line": d.line, "verdict": d.verdict, "xfail": d.xfail, "message": d.message,
         "steps": [step_json(s) for s in d.steps]} for d in f.derivations]} for f in rep.files],
        "summary": rep.summary()}


def step_text(d: DerivationReport, s: StepResult, colour: bool = False) -> str:
    lines = [f"  {d.path}:{s.line}:{s.col} step {s.index}: {mark(s.verdict, colour)}"
             + (f"   (∵ {s.justification})" if s.justification else "")]
    if s.verdict not in ("proved", "verified") or s.assumptions:
        lines.append(f"      {s.message}")
    for a in s.assumptions:
        lines.append(f"      assumes {a}")
    for r in s.readings:
        lines.append(f"      read: {r}")
    if s.verdict in ("failed", "approximation") and s.lhs_latex:
        lines.append(f"      left : {s.lhs_latex}")
        lines.append(f"      right: {s.rhs_latex}")
    if s.residual_latex and s.verdict == "failed":
        lines.append(f"      residual (left − right): {s.residual_latex}")
    if s.counterexample is not None:
        c = s.counterexample
        idx = ", ".join(f"{k}={v}" for k, v in c.indices.items()) or "none"
        vals = ", ".join(f"{k}={v:.6g}" for k, v in c.values.items())
        sizes = ", ".join(f"{k}={v}" for k, v in c.sizes.items())
        lines.append(f"      counterexample: sizes {sizes}; indices {idx}; {vals}")
    return "\n".join(lines)


def derivation_text(d: DerivationReport, colour: bool = False, only_failures: bool = False) -> str:
    head = f"{d.path}:{d.line}: derivation {mark(d.verdict, colour)}"
    if d.xfail:
        head += f"  (expected to fail: {d.xfail})"
    lines = [head]
    if d.message:
        lines.append(f"  {d.message}")
    first = d.first_failure
    for s in d.steps:
        if only_failures and s is not first:
            continue
        lines.append(step_text(d, s, colour))
    return "\n".join(lines)


def report_text(rep: Report, colour: bool = False) -> str:
    """Every derivation with its steps, then a one-line summary."""
    out = [derivation_text(d, colour) for d in rep.derivations]
    sm = rep.summary()
    out.append(f"{sm['derivations']} derivations, {sm['steps']} steps: {sm['proved']} proved, "
               f"{sm['verified']} verified, {sm['approximation']} approximation, "
               f"{sm['failed']} failed, {sm['unsupported']} unsupported")
    return "\n\n".join(out)
