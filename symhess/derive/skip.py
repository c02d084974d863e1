"""Exercise 5.23: the exact Hessian (PRML 5.93–5.95) with skip-layer weights, derived.

The network gains direct weights ``w_{ki}^{(s)}`` (:data:`symhess.network.W3`) from the
inputs to the outputs::

    a_j = Σ_i w_ji x_i,   z_j = h(a_j),   a_k = Σ_j w_kj z_j + Σ_i w^{(s)}_ki x_i,
    E_n = E(a_1, …, a_K),  δ_k = ∂E_n/∂a_k (5.54),  M_kk' = ∂²E_n/∂a_k∂a_k' (5.92).

Every Hessian block is derived by the one chain rule, :func:`symhess.calculus.derivative`,
walking the skip-layer network's definitions (:data:`symhess.network.SKIP_LAYER`: PRML
5.62–5.63 and ``a_k`` above), the way the seed handout writes eq. (5) for 5.93: first the rates
of ``a_k`` (and of ``a_j``) are kept as placeholders ``∂q/∂w`` (:class:`symhess.calculus.PD`,
``keep=``: the chain rule through the error's ``δ_k`` and ``δ``'s ``M_kk'``, as a reader writes
it), then :func:`symhess.calculus.evaluate_pd` fills them in; the Kronecker sums are collapsed by
:func:`symhess.calculus.collapse`, and each block is compared with its form by
:func:`symhess.equivalence.proved_equal`.  Vocabulary: :mod:`symhess.network`; printing:
:mod:`symhess.printing`; the brute-force reference: :func:`symhess.instance.hessian_function`.

The three new blocks (skip–skip, skip–second layer, skip–first layer) are compared with
the forms of Bishop's solution to the exercise, and the three old blocks are re-derived in
the skip network and compared with 5.93–5.95 (they keep their form; only ``a_k`` changes).
All six are then assembled into the full Hessian at concrete sizes and compared with the
brute-force SymPy Hessian of the written-out error, every entry (coincident indices
included), with a random smooth ``h`` and ``E_n`` (:mod:`symhess.instance`).

>>> b = derive_block("skip-skip")
>>> b.holds, latex(b.result)
(True, "x_{i} x_{i'} M_{kk'}")
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import sympy as sp
from sympy import Indexed, KroneckerDelta, Sum

from .. import network as nw
from ..calculus import PD, collapse, derivative, evaluate_pd, split_sums, symbols_of, unroll_sums
from ..equivalence import proved_equal
from ..errors import DerivationError
from ..instance import (ACTIVATION_PLACEHOLDER, activation_expr, bind_activation, error_expr,
                        hessian_function, numpy_activation)
from ..network import E_N, NetworkConfig, hp, hpp, i, ip, j, jp, k, kp
from ..printing import prml_latex
from ..results import DerivationResult, Derived, NumericCheck, Step, Verdict

__all__ = [
    "BLOCKS",
    "Block",
    "derive",
    "derive_block",
    "partial",
]

# ---------------------------------------------------------------------------
# The network with skip-layer weights
# ---------------------------------------------------------------------------

D, M, K = nw.SIZES["i"], nw.SIZES["j"], nw.SIZES["k"]

# The network's quantities (symhess.network), with the skip-layer weights w_ki^(s) (nw.W3).
x = nw.X
w1, w2, ws = nw.W1, nw.W2, nw.W3
a, z, ak = nw.A_HID, nw.Z, nw.A_OUT
delta, MM = nw.DELTA, nw.MM

#: The network walked by every derivative here: PRML 5.62–5.63 and the skip-layer ``a_k``.
NETWORK = nw.SKIP_LAYER
#: Indices the chain rule's own sums keep clear of, so that they start at ``k''``: a block's
#: ``k``, ``k'`` stay its own.
_CLEAR = frozenset({k, kp})


def latex(expr: sp.Basic) -> str:
    """``expr`` in PRML's notation (:mod:`symhess.printing`).

    >>> latex(ws[k, i] * x[i])
    'x_{i} w_{ki}^{(s)}'
    >>> latex(PD(ak[k], ws[kp, ip]))
    "\\\\frac{\\\\partial a_{k}}{\\\\partial w_{k'i'}^{(s)}}"
    """
    return prml_latex(expr)


def partial(expr: sp.Expr, var: Indexed) -> sp.Expr:
    """``∂expr/∂var`` in the skip-layer network, in a reader's form: the one chain rule
    (:func:`symhess.calculus.derivative` through :data:`NETWORK`), Kronecker sums collapsed,
    ``M`` symmetric (5.92), sums split.

    >>> print(latex(partial(E_N, ws[k, i])))
    x_{i} \\delta_{k}
    >>> print(latex(partial(ak[kp], w1[j, i])))
    x_{i} h'(a_{j}) w_{k'j}^{(2)}
    """
    return _finish(derivative(expr, var, avoid=_CLEAR, network=NETWORK))


# ---------------------------------------------------------------------------
# A reader's form of a derived expression
# ---------------------------------------------------------------------------


def _symmetric_m(expr: sp.Expr) -> sp.Expr:
    """``M_{k'k} → M_{kk'}``: order the indices of M (PRML 5.92: M is symmetric)."""
    return expr.replace(
        lambda e: isinstance(e, Indexed)
        and e.base == MM
        and _key(e.indices[0]) > _key(e.indices[1]),
        lambda e: MM[e.indices[1], e.indices[0]],
    )


def _key(s: sp.Basic) -> tuple[int, str]:
    return (len(str(s)), str(s))


def _pretty_dummies(expr: sp.Expr, avoid: Iterable[sp.Symbol] = ()) -> sp.Expr:
    """Rename summation indices to the first free primed letter (``k''`` → ``k'``), never to
    one in ``avoid`` (the indices of the weights still to differentiate by: SymPy issue 21891)."""
    avoid = set(avoid)
    for s in sorted(expr.atoms(Sum), key=str):
        for lim in s.limits:
            var = lim[0]
            letter = var.name.rstrip("'")
            taken = (symbols_of(expr) - {var}) | avoid
            for primes in range(0, 12):
                cand = sp.Symbol(letter + "'" * primes, integer=True)
                if cand not in taken:
                    if cand != var:
                        expr = expr.xreplace({s: s.xreplace({var: cand})})
                    break
    return expr


def _finish(expr: sp.Expr, avoid: Iterable[sp.Symbol] = ()) -> sp.Expr:
    return _pretty_dummies(split_sums(_symmetric_m(collapse(expr))), avoid)


# ---------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One Hessian block ``∂²E_n/∂first ∂second`` and the form it is compared with."""

    name: str
    first: Indexed
    second: Indexed
    expected: sp.Expr
    source: str


_KSUM = (kp, 1, K)
BLOCKS: dict[str, Block] = {
    b.name: b
    for b in (
        Block("skip-skip", ws[k, i], ws[kp, ip], x[i] * x[ip] * MM[k, kp], "ex. 5.23"),
        Block("skip-second", ws[k, i], w2[kp, j], x[i] * z[j] * MM[k, kp], "ex. 5.23"),
        Block(
            "skip-first",
            ws[k, i],
            w1[j, ip],
            x[i] * x[ip] * hp(a[j]) * Sum(w2[kp, j] * MM[k, kp], _KSUM),
            "ex. 5.23",
        ),
        Block("second-second", w2[k, j], w2[kp, jp], z[j] * z[jp] * MM[k, kp], "(5.93)"),
        Block(
            "first-first",
            w1[j, i],
            w1[jp, ip],
            x[i] * x[ip] * hpp(a[j]) * KroneckerDelta(j, jp) * Sum(w2[k, j] * delta[k], (k, 1, K))
            + x[i]
            * x[ip]
            * hp(a[j])
            * hp(a[jp])
            * Sum(Sum(w2[kp, jp] * w2[k, j] * MM[k, kp], _KSUM), (k, 1, K)),
            "(5.94)",
        ),
        Block(
            "first-second",
            w1[j, i],
            w2[k, jp],
            x[i]
            * hp(a[j])
            * (delta[k] * KroneckerDelta(j, jp) + z[jp] * Sum(w2[kp, j] * MM[k, kp], _KSUM)),
            "(5.95)",
        ),
    )
}
NEW_BLOCKS = ("skip-skip", "skip-second", "skip-first")


_DEF_NOTE = (
    "$a_k = \\sum_j w_{kj} z_j + \\sum_i w^{(s)}_{ki} x_i$, $z_j = h(a_j)$, (5.62)–(5.63); "
    "Kronecker delta sums collapsed"
)


@functools.cache
def derive_block(name: str) -> Derived:
    """Derive the Hessian block ``name`` (a key of :data:`BLOCKS`) by the chain rule; ``holds``:
    proved equal to the block's expected form.

    >>> print(latex(derive_block("skip-first").result))
    x_{i} x_{i'} h'(a_{j}) \\sum_{k'} w_{k'j}^{(2)} M_{kk'}
    """
    if name not in BLOCKS:
        raise DerivationError(f"no block {name!r}; known: {', '.join(BLOCKS)}")
    b = BLOCKS[name]
    r1, r2 = b.first, b.second
    avoid = symbols_of(r1) | symbols_of(r2)
    clear = avoid | _CLEAR
    steps = [Step(latex(PD(PD(E_N, r2), r1)), None, "")]
    # inner derivative: chain rule through the outputs, then the definitions
    inner = derivative(E_N, r2, keep={ak}, avoid=clear, network=NETWORK)
    steps.append(
        Step(
            latex(PD(inner, r1)),
            "chain rule; $\\delta_k = \\partial E_n / \\partial a_k$ (5.54)",
        )
    )
    inner = _finish(evaluate_pd(inner, clear, network=NETWORK), avoid)
    steps.append(Step(latex(PD(inner, r1)), _DEF_NOTE))
    # outer derivative: product rule, chain rule into delta (giving M) and h'
    outer = derivative(inner, r1, keep={ak, a}, avoid=clear, network=NETWORK)
    steps.append(
        Step(
            latex(_pretty_dummies(outer, avoid)),
            "product rule, chain rule; $M_{kk'} = \\partial \\delta_k / \\partial a_{k'}$ (5.92)",
        )
    )
    result = _finish(evaluate_pd(outer, clear, network=NETWORK), avoid)
    steps.append(Step(latex(result), _DEF_NOTE + "; symmetry of M"))
    return Derived(tuple(steps), result, proved_equal(result, b.expected))


# ---------------------------------------------------------------------------
# Numbers: all six blocks assembled into the full Hessian, against brute force
# ---------------------------------------------------------------------------


NUMERIC_SIZES = (
    NetworkConfig(1, 1, 1, False, skip=True),
    NetworkConfig(1, 2, 1, True, skip=True),
    NetworkConfig(2, 2, 2, False, skip=True),
)
#: More instances, for the tests (biases on at sizes >= 2, and one size 3).
EXTRA_SIZES = (NetworkConfig(2, 2, 2, True, skip=True), NetworkConfig(3, 2, 3, False, skip=True))
_A = [sp.Symbol(f"A{n}") for n in range(1, 8)]  # a_1 … a_K as plain symbols for E_n


def _block_for(r1: Indexed, r2: Indexed) -> tuple[str, bool]:
    """Which block (and whether the pair is swapped) holds ``∂²E/∂r1∂r2``."""
    order = {ws: 0, w2: 1, w1: 2}
    names = {
        (ws, ws): "skip-skip",
        (ws, w2): "skip-second",
        (ws, w1): "skip-first",
        (w2, w2): "second-second",
        (w1, w1): "first-first",
        (w1, w2): "first-second",
    }
    if (r1.base, r2.base) in names:
        return names[(r1.base, r2.base)], False
    if (r2.base, r1.base) in names:
        return names[(r2.base, r1.base)], True
    raise DerivationError(f"no block for {r1}, {r2} ({order})")


@functools.cache
def _at_sizes(name: str, sz: NetworkConfig) -> sp.Expr:
    """The derived block with the sizes put in and its sums over k written out."""
    return unroll_sums(derive_block(name).result.xreplace({D: sz.D, M: sz.M, K: sz.K}))


def _instantiate(name: str, r1: Indexed, r2: Indexed, sz: NetworkConfig) -> sp.Expr:
    """Block ``name`` at the concrete weights ``r1``, ``r2`` (x_0 = z_0 = 1 with biases)."""
    block = BLOCKS[name]
    subs = dict(zip(block.first.indices, r1.indices)) | dict(zip(block.second.indices, r2.indices))
    out = _at_sizes(name, sz).xreplace(subs)
    if sz.bias:
        out = out.replace(
            lambda e: isinstance(e, Indexed) and e.base in (x, z) and e.indices == (0,),
            lambda e: sp.S.One,
        )
    return out


@functools.cache
def _matrices(sz: NetworkConfig, err_seed: int) -> tuple[Callable[..., object], ...]:
    """Lambdified pieces of the check at sizes ``sz``:

    * the Hessian assembled from the derived blocks, as a function of the weights, the input
      and the layer values ``a_j``, ``z_j``, ``δ_k``, ``M_kk'`` (so each entry stays small);
    * those layer values from the written-out network and the random error;
    * the brute-force Hessian of the written-out error (:func:`symhess.instance.hessian_function`).
    """
    rng = np.random.default_rng(err_seed)
    targets = [sp.Float(round(float(v), 4)) for v in rng.normal(size=sz.K)]
    err = error_expr("general", _A[: sz.K], targets, rng)  # a random smooth E_n(a_1..a_K)
    net = nw.written_out(sz)  # a_j, z_j, a_k with the skip-layer term (x_0 = z_0 = 1 with biases)
    to_a = dict(zip(_A[: sz.K], net.a_out[1:]))
    weights = sz.weights()
    full = err.xreplace(to_a)
    ours = sp.zeros(len(weights), len(weights))
    for (p, r1), (q, r2) in itertools.product(enumerate(weights), repeat=2):
        name, swapped = _block_for(r1, r2)
        first, second = (r2, r1) if swapped else (r1, r2)
        ours[p, q] = _instantiate(name, first, second, sz)
    # layer values, with index 0 unused so that arrays are indexed like PRML's symbols
    a_vals, z_vals = list(net.a), list(net.z)
    d_vals = [sp.S.Zero] + [sp.diff(err, _A[kk - 1]).xreplace(to_a) for kk in range(1, sz.K + 1)]
    m_vals = sp.zeros(sz.K + 1, sz.K + 1)
    for p in range(1, sz.K + 1):
        for q in range(1, sz.K + 1):
            m_vals[p, q] = sp.diff(err, _A[p - 1], _A[q - 1]).xreplace(to_a)
    args = [w1, w2, ws, x]
    mods = [ACTIVATION_PLACEHOLDER, "numpy"]
    return (
        sp.lambdify(args + [a, z, delta, MM], ours, modules=mods, cse=True),
        sp.lambdify(args, [a_vals, z_vals, d_vals], modules=mods, cse=True),
        sp.lambdify(args, m_vals, modules=mods, cse=True),
        hessian_function(full, weights, args, mods),
    )


def numeric_check(
    points: int = 3, seed: int = 0, sizes: tuple[NetworkConfig, ...] = NUMERIC_SIZES
) -> NumericCheck:
    """The derived blocks, assembled into the full Hessian, against the brute-force SymPy Hessian.

    >>> numeric_check(points=1, sizes=NUMERIC_SIZES[:2]).max_rel_error < 1e-10
    True
    """
    rng = np.random.default_rng(seed)
    acts = {
        "tanh": numpy_activation(activation_expr("tanh", rng)),
        "random": numpy_activation(activation_expr("h", rng)),
    }
    worst, count = 0.0, 0
    for sz in sizes:
        fns = _matrices(sz, seed + 11)
        for act in acts.values():
            f_ours, f_layer, f_m, f_brute = (bind_activation(f, act) for f in fns)
            for _ in range(points):
                pt = (
                    rng.normal(size=(sz.M + 1, sz.D + 1)),
                    rng.normal(size=(sz.K + 1, sz.M + 1)),
                    rng.normal(size=(sz.K + 1, sz.D + 1)),
                    rng.normal(size=sz.D + 1),
                )
                layer = cast(list[object], f_layer(*pt))
                a_v, z_v, d_v = (np.asarray(v, float) for v in layer)
                m_v = np.asarray(f_m(*pt), float)
                o = np.asarray(f_ours(*pt, a_v, z_v, d_v, m_v), float)
                b = np.asarray(f_brute(*pt), float)
                worst = max(
                    worst, float(np.max(np.abs(o - b))) / max(1.0, float(np.max(np.abs(b))))
                )
                count += 1
    return NumericCheck(
        tuple(s.as_dict() for s in sizes),
        count,
        worst,
        "all six blocks (three new, 5.93-5.95 re-derived) assembled into the full Hessian vs the "
        "brute-force SymPy Hessian, every entry; random smooth E_n(a_1..a_K), tanh and random h",
    )


def derive() -> DerivationResult:
    """Entry ex5.23: the skip-layer blocks derived, the old blocks re-derived, all checked."""
    start = time.perf_counter()
    steps: list[Step] = []
    notes: list[str] = []
    all_match = True
    for name in BLOCKS:
        d, b = derive_block(name), BLOCKS[name]
        all_match &= d.holds
        if name in NEW_BLOCKS:
            steps.extend(d.steps)
        status = "matches" if d.holds else "DOES NOT match"
        notes.append(
            f"{name}: {latex(PD(PD(E_N, b.second), b.first))} = "
            f"{latex(d.result)} ({status} {b.source}: {latex(b.expected)})"
        )
    numeric = numeric_check()
    verdict: Verdict = Verdict.PROVED if (all_match and numeric.max_rel_error < 1e-10) else Verdict.FAILED
    notes.append(
        "the steps show the three new blocks, each chain starting afresh; 5.93-5.95 keep their "
        "form in the skip network (a_k now includes the skip term, so delta_k and M_kk' do too)"
    )
    return DerivationResult(
        equation="ex5.23",
        statement_latex=STATEMENT,
        verdict=verdict,
        steps=tuple(steps),
        numeric=numeric,
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
        assumptions=(
            "E_n an unspecified smooth function of a_1..a_K",
            "indices within their ranges",
        ),
    )


STATEMENT = " ,\\quad ".join(
    f"{latex(PD(PD(E_N, BLOCKS[n].second), BLOCKS[n].first))} = {latex(BLOCKS[n].expected)}"
    for n in NEW_BLOCKS
)
