"""A derivation file turned into per-step verdicts (pure: no printing, no exit codes).

Data flows one way: :mod:`symhess.documents` finds the display blocks, the parser reads
each into a chain, :mod:`symhess.notation.interpret` gives each member a meaning in the
context of the step (definitions and conditions cited by its justification), and
:mod:`symhess.equivalence` decides each step.  Step ``s`` relates member ``s-1`` to member
``s``; a member ``(5.83)`` claims equality with that PRML equation.

Citations understood (NOTATION.md): ``(5.82)`` defines E as the sum-of-squares error,
``(5.193)`` as the expected squared loss, ``(5.104)`` puts the network's sum-of-squares
error with linear outputs in force (δ_k = y_k − t_k, M_kk' = I_kk'); a cited definition
stays in force for the rest of the file, in its setting.  ``(1.89)`` is a *condition*,
``y(x, w) = E[t|x]``: the step is checked under it and says so.  ``\mathcal{R}\{·\}`` is
vᵀ∇ (5.97) on network quantities, with v_ji, v_kj laid out like the weights.

>>> rep = check_text("$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} $$", "n.md")
>>> [s.verdict for s in rep.derivations[0].steps]
['proved']
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from . import model as md
from .documents import Block, blocks_from_text, derivation_files, find_blocks
from .equivalence import Counterexample, Decision, decide
from .notation import ast
from .notation.interpret import Context, IllFormed, Meaning, Unsupported, interpret
from .notation.parser import parse_chain
from . import network as nw
from .network import sum_of_squares

# --------------------------------------------------------------------------- citations
_HALF = sp.Rational(1, 2)
_n = sp.Symbol("n", integer=True)
DEFINITIONS: dict[str, tuple[str, sp.Expr, str]] = {  # number -> (name, definition, text)
    "5.82": ("E", _HALF * sp.Sum((md.YN[_n] - md.TN[_n]) ** 2, (_n, 1, sp.Symbol("N", integer=True, positive=True))),
             r"E = \frac{1}{2}\sum_n (y_n - t_n)^2 (5.82)"),
    "5.193": ("E", _HALF * sp.Integral((md.Yx(md.XV) - md.TV) ** 2 * md.Pxt(md.XV, md.TV), md.XV, md.TV),
              r"E = \frac{1}{2}\iint (y(\mathbf{x},\mathbf{w}) - t)^2 p(\mathbf{x}, t) d\mathbf{x} dt (5.193)"),
}
# Error models of the network that a citation puts in force for the rest of the file.
ERROR_MODELS: dict[str, tuple[Callable[[sp.Expr], sp.Expr], str]] = {
    "5.104": (sum_of_squares, r"sum-of-squares error with linear outputs, $\delta_k = y_k - t_k$ (5.104)"),
}
CONDITIONS: dict[str, tuple[dict[sp.Expr, sp.Expr], str]] = {
    "1.89": ({md.Yx(md.XV): md.CondMean(md.XV)},
             r"y(\mathbf{x}, \mathbf{w}) = E[t|\mathbf{x}] (1.89), at the minimum of the expected loss"),
}
# A definition belongs to one setting: data points (y_n, t_n) or the integral form (5.193).
_DOMAIN = {"5.82": "data", "5.193": "integral"}

# PRML's statements, in the reader's notation, for chains that end in "= (5.xx)".
REFERENCES: dict[str, str] = {
    "5.83": r"\sum_{n=1}^{N} \nabla y_n (\nabla y_n)^T + \sum_{n=1}^{N} (y_n - t_n) \nabla \nabla y_n",
    "5.84": r"\sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^T",
    "5.194": r"\int \frac{\partial y}{\partial w_r} \frac{\partial y}{\partial w_s} p(\mathbf{x}) d\mathbf{x}",
}
_CITE = re.compile(r"(\d+\.\d+)")


def cited(justification: str | None) -> list[str]:
    """Equation numbers a justification cites.

    >>> cited(r"\\because (5.92), (1.89)")
    ['5.92', '1.89']
    """
    return _CITE.findall(justification or "")


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class StepResult:
    """The verdict on one step of a chain."""

    index: int
    line: int
    col: int
    verdict: str
    message: str
    justification: str | None = None
    assumptions: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    residual_latex: str | None = None
    counterexample: Counterexample | None = None
    lhs_latex: str = ""
    rhs_latex: str = ""


@dataclass(frozen=True)
class DerivationReport:
    """All steps of one display block, and the block's overall verdict."""

    path: str
    line: int
    verdict: str  # ok | failed | unsupported | xfail
    steps: tuple[StepResult, ...]
    xfail: str | None = None
    message: str = ""
    text: str = ""

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.verdict in ("failed", "unsupported")), None)


@dataclass(frozen=True)
class FileReport:
    path: str
    derivations: tuple[DerivationReport, ...]


@dataclass(frozen=True)
class Report:
    files: tuple[FileReport, ...]

    @property
    def derivations(self) -> list[DerivationReport]:
        return [d for f in self.files for d in f.derivations]

    @property
    def ok(self) -> bool:
        return all(d.verdict in ("ok", "xfail") for d in self.derivations)

    def summary(self) -> dict[str, int]:
        steps = [s for d in self.derivations for s in d.steps]
        out = {"derivations": len(self.derivations), "steps": len(steps)}
        for v in ("proved", "verified", "failed", "unsupported", "approximation"):
            out[v] = sum(s.verdict == v for s in steps)
        return out


# --------------------------------------------------------------------------- checking
def check_paths(paths: Iterable[Path], progress: Callable[[str], None] | None = None) -> Report:
    """Check every derivation in ``paths`` (files, or directories searched for .md/.tex)."""
    files = []
    for p in derivation_files(paths):
        if progress:
            progress(f"checking {p}")
        blocks = find_blocks(p)
        files.append(check_blocks(blocks, str(p), progress))
    return Report(tuple(files))


def check_text(text: str, path: str = "<string>") -> FileReport:
    """Check the derivations in ``text`` as if it were the file ``path``."""
    return check_blocks(blocks_from_text(text, path), path)


def check_blocks(blocks: list[Block], path: str,
                 progress: Callable[[str], None] | None = None) -> FileReport:
    definitions: dict[str, sp.Expr] = {}
    notes: dict[str, str] = {}
    out = []
    for b in blocks:
        if not b.has_chain:
            continue
        if progress:
            progress(f"checking {path}:{b.line}")
        chain = parse_chain(b.text, path=b.path, line=b.line, col=b.col)
        steps = check_chain(chain, definitions, notes)
        out.append(_derivation(b, steps))
    return FileReport(path, tuple(out))


def _derivation(b: Block, steps: list[StepResult]) -> DerivationReport:
    if any(s.verdict == "failed" for s in steps):
        verdict = "failed"
    elif any(s.verdict == "unsupported" for s in steps):
        verdict = "unsupported"
    else:
        verdict = "ok"
    message = ""
    if b.xfail is not None:
        if verdict == "failed":
            verdict = "xfail"
        elif verdict == "ok":
            verdict = "failed"
            message = f"marked xfail ({b.xfail}) but every step holds: unexpected pass"
    return DerivationReport(b.path, b.line, verdict, tuple(steps), b.xfail, message, b.text)


def check_chain(chain: ast.Chain, definitions: dict[str, sp.Expr] | None = None,
                notes: dict[str, str] | None = None) -> list[StepResult]:
    """Verdicts for every step of ``chain``; ``definitions`` carries cited definitions along."""
    definitions = {} if definitions is None else definitions
    notes = {} if notes is None else notes
    domain = chain_domain(chain)
    results = []
    members = chain.members
    for s in range(1, len(members)):
        prev, cur = members[s - 1], members[s]
        if isinstance(prev.expr, ast.EqRef):
            prev = members[s - 2] if s >= 2 else prev
        just = cur.justification
        assumptions: list[str] = []
        subs: dict[sp.Expr, sp.Expr] = {}
        for num in cited(just):
            if num in DEFINITIONS:
                name, expr, text = DEFINITIONS[num]
                key = f"{name}@{_DOMAIN[num]}"
                definitions[key] = expr
                notes[key] = text
            if num in ERROR_MODELS and domain == "network":
                definitions["error_model@network"] = sp.Symbol(num)
                notes["error_model@network"] = ERROR_MODELS[num][1]
            if num in CONDITIONS:
                cond, text = CONDITIONS[num]
                subs.update(cond)
                assumptions.append(text)
        in_force = {k.split("@")[0]: v for k, v in definitions.items()
                    if k.endswith("@" + domain) and not k.startswith("error_model")}
        model = definitions.get("error_model@" + domain)
        transform = ERROR_MODELS[str(model)][0] if model is not None else None
        for key in definitions:
            if key.endswith("@" + domain):
                assumptions.append(notes[key])
        ctx = Context(tuple(in_force.items()))
        results.append(_step(s, prev, cur, ctx, subs, tuple(dict.fromkeys(assumptions)), transform))
    return results


def chain_domain(chain: ast.Chain) -> str:
    """``"integral"`` for chains with integrals or y(x, w), ``"data"`` for y_n / b_n, else ``"network"``.

    A cited definition of E stays in force for later chains of the same setting only.
    """
    nodes = [n for m in chain.members for n in ast.walk(m.expr)]
    if any(isinstance(n, ast.Integral) or (isinstance(n, ast.Call) and n.func.name in ("p", "y"))
           for n in nodes):
        return "integral"
    if any(isinstance(n, ast.Symbol) and (n.name in ("y", "t") and [str(i) for i in n.sub] == ["n"]
                                          or n.name == "b" and n.bold) for n in nodes):
        return "data"
    return "network"


def _step(s: int, prev: ast.Member, cur: ast.Member, ctx: Context, subs: dict,
          assumptions: tuple[str, ...],
          transform: Callable[[sp.Expr], sp.Expr] | None = None) -> StepResult:
    pos = cur.pos
    base: dict[str, Any] = dict(index=s, line=pos.line, col=pos.col,
                                justification=cur.justification, assumptions=assumptions)
    try:
        lhs = interpret(prev.expr, ctx)
        if isinstance(cur.expr, ast.EqRef):
            rhs = _reference(cur.expr, ctx)
        else:
            rhs = interpret(cur.expr, ctx)
    except Unsupported as exc:
        return StepResult(verdict="unsupported", message=exc.reason + _at(exc.pos), **base)
    except IllFormed as exc:
        return StepResult(verdict="failed", message="not a well-formed expression: " + exc.reason
                          + _at(exc.pos), **base)
    if subs:
        lhs = Meaning(lhs.expr.xreplace(subs), lhs.row, lhs.col, lhs.readings)
        rhs = Meaning(rhs.expr.xreplace(subs), rhs.row, rhs.col, rhs.readings)
    if transform is not None:
        lhs = Meaning(transform(lhs.expr), lhs.row, lhs.col, lhs.readings)
        rhs = Meaning(transform(rhs.expr), rhs.row, rhs.col, rhs.readings)
    d: Decision = decide(lhs, rhs, approximate=cur.approximate)
    readings = tuple(dict.fromkeys(lhs.readings + rhs.readings))
    msg = d.message
    if subs and d.verdict in ("proved", "verified"):
        msg += " (under the cited condition)"
    if d.verdict == "failed" and transform is None and _mixes_error_and_targets(lhs.expr, rhs.expr):
        msg += (" — note: E_n is an unspecified smooth error here; cite its form, e.g. "
                r"(\because (5.104)) for the sum-of-squares error, to check under it")
    from .printing import prml_latex
    return StepResult(verdict=d.verdict, message=msg, readings=readings,
                      residual_latex=d.residual_latex if d.verdict in ("failed", "approximation") else None,
                      counterexample=d.counterexample, lhs_latex=prml_latex(lhs.expr),
                      rhs_latex=prml_latex(rhs.expr), **base)


def _mixes_error_and_targets(a: sp.Expr, b: sp.Expr) -> bool:
    """One side speaks of E_n's derivatives, the other of targets t_k."""
    def error(e: sp.Expr) -> bool:
        return e.has(nw.E_N) or any(x.base in (nw.DELTA, nw.MM) for x in e.atoms(sp.Indexed))

    def targets(e: sp.Expr) -> bool:
        return any(x.base == nw.T for x in e.atoms(sp.Indexed))
    return (error(a) and targets(b)) or (error(b) and targets(a))


def _at(pos: ast.Pos | None) -> str:
    return f" (at {pos})" if pos else ""


def _reference(ref: ast.EqRef, ctx: Context) -> Meaning:
    """The meaning of PRML equation ``ref.number`` (its right-hand side)."""
    from .derive.exact import BLOCKS

    if ref.number in BLOCKS:
        return Meaning(BLOCKS[ref.number].statement)
    text = REFERENCES.get(ref.number)
    if text is None:
        known = ", ".join(sorted([*REFERENCES, *BLOCKS]))
        raise Unsupported(f"no statement of ({ref.number}) to compare with (known: {known})", ref.pos)
    chain = parse_chain(text + " = 0", path=f"<PRML {ref.number}>")
    return interpret(chain.members[0].expr, ctx)
