"""PRML 5.93–5.95: the exact Hessian of a two-layer network, derived by the chain rule.

Each block starts from ``∂²E_n/∂v ∂v'`` and differentiates twice through the network's
definitions (:mod:`symhess.calculus`); the result is compared with PRML's printed
statement by a canonical-form proof, and checked numerically against the brute-force
SymPy Hessian of the fully written-out error (:mod:`symhess.instance`) for every index
combination, coincident indices included.

>>> r = derive_block(BLOCKS["5.93"])
>>> r.verdict
'proved'
>>> derive_block(BLOCKS["5.95"]).erratum.wrong_when
"j \\\\neq j'"
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .. import network as nw
from ..calculus import collapse, derivative, evaluate_pd, tidy
from ..equivalence import equal
from ..network import (DELTA, MM, W1, W2, X, Z, A_HID, E_N, NetworkConfig, hp, hpp, i, ip, j,
                       jp, k, kp)
from ..printing import prml_latex
from ..results import BookCounterexample, DerivationResult, Erratum, NumericCheck, Step, Verdict
from .numcheck import TOLERANCE, against_brute_force, brute_force_comparisons, config_sizes


@dataclass(frozen=True)
class Block:
    """One Hessian block: the two weights and PRML's printed statement."""

    number: str
    v1: sp.Indexed
    v2: sp.Indexed
    statement: sp.Expr
    note: str = ""


def _s(body: sp.Expr, idx: sp.Symbol) -> sp.Sum:
    return sp.Sum(body, (idx, 1, nw.SIZES["k"]))


BLOCKS: dict[str, Block] = {
    "5.93": Block("5.93", W2[k, j], W2[kp, jp],
                  Z[j] * Z[jp] * MM[k, kp]),
    "5.94": Block("5.94", W1[j, i], W1[jp, ip],
                  X[i] * X[ip] * hpp(A_HID[jp]) * sp.KroneckerDelta(j, jp) * _s(W2[k, jp] * DELTA[k], k)
                  + X[i] * X[ip] * hp(A_HID[jp]) * hp(A_HID[j])
                  * _s(_s(W2[kp, jp] * W2[k, j] * MM[k, kp], kp), k)),
    "5.95": Block("5.95", W1[j, i], W2[k, jp],
                  X[i] * hp(A_HID[jp]) * (DELTA[k] * sp.KroneckerDelta(j, jp)
                                          + Z[j] * _s(W2[kp, jp] * MM[k, kp], kp)),
                  note="PRML prints H_{kk'} for M_{kk'} in 5.95; read as M_{kk'} (5.92)."),
}

# Instances the derived blocks are checked on: sizes 1 and >= 2, biases on and off,
# the unspecified h and E_n (random smooth ones) and a concrete activation/error pair.
CHECK_CONFIGS = (
    NetworkConfig(1, 1, 1, bias=True),
    NetworkConfig(2, 2, 2, bias=True),
    NetworkConfig(2, 3, 2, bias=False, activation="tanh", error="sum_of_squares"),
)
POINTS = 2


def second_derivative_latex(v1: sp.Expr, v2: sp.Expr) -> str:
    return rf"\frac{{\partial^2 E_n}}{{\partial {prml_latex(v1)} \partial {prml_latex(v2)}}}"


def _op(v: sp.Expr, body: str) -> str:
    return rf"\frac{{\partial}}{{\partial {prml_latex(v)}}} \left\{{ {body} \right\}}"


def chain(v1: sp.Expr, v2: sp.Expr) -> tuple[tuple[Step, ...], sp.Expr]:
    """The step chain of ``∂²E_n/∂v1∂v2`` and its collapsed result, all generated.

    >>> steps, res = chain(W2[k, j], W2[kp, jp])
    >>> res
    M[k', k]*z[j']*z[j]
    >>> [s.justification for s in steps][1:3]
    ['definition of the second derivative', 'chain rule (5.50)']
    """
    steps = [Step(second_derivative_latex(v1, v2), None, "")]
    steps.append(Step(rf"\frac{{\partial}}{{\partial {prml_latex(v1)}}} "
                      rf"\frac{{\partial E_n}}{{\partial {prml_latex(v2)}}}",
                      "definition of the second derivative"))
    outer = frozenset(v1.free_symbols | v2.free_symbols)
    g_lazy = derivative(E_N, v2, lazy=True, avoid=outer)
    steps.append(Step(_op(v1, prml_latex(g_lazy)), "chain rule (5.50)"))
    g_eval = evaluate_pd(g_lazy, outer)
    steps.append(Step(_op(v1, prml_latex(g_eval)), r"$\delta_k = \partial E_n / \partial a_k$ (5.51); (5.62)–(5.64)"))
    g = collapse(g_eval)
    steps.append(Step(_op(v1, prml_latex(g)), r"$\sum_{k} I_{kk'} f_k = f_{k'}$"))
    h_lazy = derivative(g, v1, lazy=True, avoid=outer)
    steps.append(Step(prml_latex(h_lazy), "product rule and chain rule"))
    h_eval = evaluate_pd(h_lazy, outer)
    steps.append(Step(prml_latex(h_eval), r"$M_{kk'} = \partial^2 E_n/\partial a_k \partial a_{k'}$ (5.92); (5.62)–(5.64)"))
    res = collapse(h_eval)
    steps.append(Step(prml_latex(tidy(res)), "sums over Kronecker deltas collapsed"))
    return _dedupe(steps), res


def _dedupe(steps: list[Step]) -> tuple[Step, ...]:
    """Drop a step whose expression repeats the previous line's."""
    out = [steps[0]]
    for s in steps[1:]:
        if s.latex != out[-1].latex:
            out.append(s)
    return tuple(out)


def wrong_when(expr: sp.Expr, v1: sp.Indexed, v2: sp.Indexed, configs=CHECK_CONFIGS,
               points: int = POINTS) -> str:
    """The index pattern on which ``expr`` disagrees with the brute-force Hessian, as LaTeX:
    ``"j \\neq j'"`` when it fails only for distinct ``j, j'`` (and holds whenever they
    coincide), ``"j = j'"`` for the reverse, ``""`` when no such pattern explains it.

    >>> wrong_when(BLOCKS["5.95"].statement, W1[j, i], W2[k, jp])
    "j \\\\neq j'"
    """
    bad: list[dict] = []
    good: list[dict] = []
    for _inst, env, got, true, scale in brute_force_comparisons(expr, v1, v2, configs, points):
        (bad if abs(got - true) / scale > TOLERANCE else good).append(env)
    if not bad:
        return ""
    symbols = sorted({s for env in bad for s in env}, key=str)
    for a, b in itertools.combinations(symbols, 2):
        if str(a).rstrip("'") != str(b).rstrip("'"):
            continue  # only indices of one range (j and j') can coincide
        if all(e[a] != e[b] for e in bad):
            return f"{prml_latex(a)} \\neq {prml_latex(b)}"
        if all(e[a] == e[b] for e in bad):
            return f"{prml_latex(a)} = {prml_latex(b)}"
    return ""


@lru_cache(maxsize=None)
def derive_equation(number: str) -> DerivationResult:
    """Derive PRML ``number`` (5.93, 5.94 or 5.95): the block of :data:`BLOCKS` it names.

    >>> derive_equation("5.93").verdict
    'proved'
    """
    return derive_block(BLOCKS[number])


def derive_block(block: Block) -> DerivationResult:
    """Derive one block from the network's definitions and judge PRML's statement."""
    t0 = time.perf_counter()
    steps, res = chain(block.v1, block.v2)
    err, npts, _ = against_brute_force(res, block.v1, block.v2, CHECK_CONFIGS, POINTS)
    numeric = NumericCheck(tuple(config_sizes(c) for c in CHECK_CONFIGS), npts, err, "derived formula vs brute-force SymPy Hessian (lambdified), "
                           "every index combination incl. coincident ones; h, E_n random smooth")
    notes = [block.note] if block.note else []
    verdict: Verdict
    erratum: Erratum | None = None
    if err > TOLERANCE:
        verdict = Verdict.FAILED
        notes.append("the derivation disagrees with the brute-force Hessian: a bug in symhess")
    elif equal(res, block.statement):
        verdict = Verdict.PROVED
        steps = steps + (Step(prml_latex(block.statement),
                              r"rearranged; $M_{kk'} = M_{k'k}$, dummy indices renamed"),)
    else:
        s_err, _, cex = against_brute_force(block.statement, block.v1, block.v2, CHECK_CONFIGS, POINTS)
        if s_err <= TOLERANCE:
            verdict = Verdict.VERIFIED
            steps = steps + (Step(prml_latex(block.statement), "equal numerically (no symbolic proof)"),)
        else:
            # the derivation holds (checked against the brute-force Hessian above); the book's
            # printed statement does not: a misprint, shown as such
            verdict = Verdict.ERRATUM
            lhs = second_derivative_latex(block.v1, block.v2)
            corrected = prml_latex(tidy(res))
            when = wrong_when(block.statement, block.v1, block.v2)
            book_cex = None if cex is None else BookCounterexample(
                dict(cex.sizes), dict(cex.indices), cex.left, cex.right)
            erratum = Erratum(f"{lhs} = {prml_latex(block.statement)}", f"{lhs} = {corrected}", when,
                              book_cex)
            resid = tidy(collapse(block.statement - res))
            notes.append(
                "PRML's printed statement disagrees with the derivation; corrected form: "
                + f"${lhs} = {corrected}$; printed minus derived = ${prml_latex(resid)}$")
            if book_cex is not None:
                notes.append(f"counterexample: {book_cex.text()}")
            if steps[-1].latex != corrected:
                steps = steps + (Step(corrected, "corrected form of " + block.number),)
            notes.append("the corrected form is the derived result: checked against the "
                         "brute-force Hessian above")
    return DerivationResult(
        equation=block.number, statement_latex=
        f"{second_derivative_latex(block.v1, block.v2)} = {prml_latex(block.statement)}",
        verdict=verdict, steps=steps, numeric=numeric, seconds=time.perf_counter() - t0,
        notes=tuple(notes), erratum=erratum)
