"""PRML 5.96–5.111: Pearlmutter's operator R{·} = vᵀ∇ applied to backpropagation, derived.

``R{f}`` is the directional derivative ``d/dε f(w + ε v)|_{ε=0}`` (PRML 5.97), shown as such
(:func:`symhess.calculus.on_line`) and applied one layer at a time
(:func:`symhess.calculus.r_operator`): ``R{w} = v``, ``R{q}`` of a layer quantity kept, the
chain and product rules.  Applied to the forward equations 5.98–5.100, the backward equations
5.104–5.105 and the gradients 5.108–5.109 it gives 5.101–5.103, 5.106–5.107 and 5.110–5.111.

Every result is checked three ways:

* symbolically for symbolic sizes D, M, K against the textbook statement
  (:func:`symhess.equivalence.proved_equal`, verdict ``proved``);
* symbolically at concrete sizes, with an unspecified activation ``h``: the textbook
  formula, expanded down to weights, against ``vᵀ∇q`` computed by differentiating the
  written-out network (for 5.110–5.111 the gradient is SymPy's ``∂E/∂w``, so ``vᵀ∇``
  of it is the Hessian times ``v``);
* numerically, lambdified, with biases on and off, for tanh, logistic sigmoid, softplus
  and a random smooth activation, against the brute-force Hessian of
  :func:`symhess.instance.hessian_function` times ``v`` (and against :mod:`symhess.numeric`).

The vocabulary (``a_j``, ``z_j``, ``δ_k``, ``δ_j``, ``R{·}``, ``h, h', h''``) is
:mod:`symhess.network`'s, printed by :mod:`symhess.printing`.

>>> r = derive_equation("5.102")
>>> r.verdict, r.steps[-1].latex
('proved', "h'(a_{j}) \\\\mathcal{R}\\\\{a_{j}\\\\}")
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy import Indexed, Sum

from .. import network as nw
from ..calculus import on_line, split_sums, unroll_sums
from ..calculus import r_operator as r_apply
from ..equivalence import proved_equal, proved_zero
from ..errors import DerivationError
from ..instance import (ACTIVATION_PLACEHOLDER, activation_expr, bind_activation,
                        hessian_function, numpy_activation)
from ..network import (A_HID, NetworkConfig, DELTA, DELTA_HID, EPS, GRAD1, GRAD2, LO_I, LO_J, T, V1, V2, W1,
                       W2, X, Y, Z, R, hp, hpp, i, j, k)
from ..printing import prml_latex as latex
from ..results import DerivationResult, Derived, NumericCheck, Step, Verdict

__all__ = [
    "CORRESPONDENCE_NUMBERS",
    "correspondence",
    "derive_equation",
    "derive_r",
    "r_operator",
]

D, M, K = nw.SIZES["i"], nw.SIZES["j"], nw.SIZES["k"]


@dataclass(frozen=True)
class Definition:
    """``lhs = rhs``, one numbered equation of the network (a premise or a statement);
    ``lhs`` is a quantity (``z_j``) or its ``R{·}``."""

    number: str
    lhs: sp.Expr
    rhs: sp.Expr

    def latex(self) -> str:
        """``lhs = rhs`` in PRML's notation."""
        return f"{latex(self.lhs)} = {latex(self.rhs)}"

    @property
    def key(self) -> object:
        """What the definition defines: a quantity's base, or ``(R, base)`` for its R."""
        return _key(self.lhs)

    @property
    def indices(self) -> tuple[sp.Expr, ...]:
        return _quantity(self.lhs).indices


def _quantity(e: sp.Expr) -> Indexed:
    return e.args[0] if isinstance(e, R) else e


def _key(e: sp.Expr) -> object:
    return (R, e.args[0].base) if isinstance(e, R) else e.base


def _with_indices(e: sp.Expr, idx: tuple[object, ...]) -> sp.Expr:
    """The quantity (or its R) ``e`` at other index values."""
    q = _quantity(e).base[idx]
    return R(q) if isinstance(e, R) else q


#: The forward (5.98–5.100), backward (5.104–5.105) and gradient (5.108–5.109) equations.
PREMISES: dict[str, Definition] = {
    d.number: d
    for d in (
        Definition("5.98", A_HID[j], Sum(W1[j, i] * X[i], (i, LO_I, D))),
        Definition("5.99", Z[j], nw.h(A_HID[j])),
        Definition("5.100", Y[k], Sum(W2[k, j] * Z[j], (j, LO_J, M))),
        Definition("5.104", DELTA[k], Y[k] - T[k]),
        Definition("5.105", DELTA_HID[j], hp(A_HID[j]) * Sum(W2[k, j] * DELTA[k], (k, 1, K))),
        Definition("5.108", GRAD2[k, j], DELTA[k] * Z[j]),
        Definition("5.109", GRAD1[j, i], DELTA_HID[j] * X[i]),
    )
}

#: PRML's statements 5.101–5.111: only what the derivations are compared against.
TEXTBOOK: dict[str, Definition] = {
    d.number: d
    for d in (
        Definition("5.101", R(A_HID[j]), Sum(V1[j, i] * X[i], (i, LO_I, D))),
        Definition("5.102", R(Z[j]), hp(A_HID[j]) * R(A_HID[j])),
        Definition(
            "5.103",
            R(Y[k]),
            Sum(W2[k, j] * R(Z[j]), (j, LO_J, M)) + Sum(V2[k, j] * Z[j], (j, LO_J, M)),
        ),
        Definition("5.106", R(DELTA[k]), R(Y[k])),
        Definition(
            "5.107",
            R(DELTA_HID[j]),
            hpp(A_HID[j]) * R(A_HID[j]) * Sum(W2[k, j] * DELTA[k], (k, 1, K))
            + hp(A_HID[j]) * Sum(V2[k, j] * DELTA[k], (k, 1, K))
            + hp(A_HID[j]) * Sum(W2[k, j] * R(DELTA[k]), (k, 1, K)),
        ),
        Definition("5.110", R(GRAD2[k, j]), R(DELTA[k]) * Z[j] + DELTA[k] * R(Z[j])),
        Definition("5.111", R(GRAD1[j, i]), X[i] * R(DELTA_HID[j])),
    )
}

#: Which premise each R-equation is derived from (the handout's side-by-side pairs use some).
SOURCE: dict[str, str] = {
    "5.101": "5.98",
    "5.102": "5.99",
    "5.103": "5.100",
    "5.106": "5.104",
    "5.107": "5.105",
    "5.110": "5.108",
    "5.111": "5.109",
}
#: The correspondences the seed handout (§1.5) and PRML point out.
CORRESPONDENCE_NUMBERS: tuple[tuple[str, str], ...] = (
    ("5.98", "5.101"),
    ("5.99", "5.102"),
    ("5.100", "5.103"),
    ("5.108", "5.110"),
    ("5.109", "5.111"),
)

# ---------------------------------------------------------------------------
# The R operator
# ---------------------------------------------------------------------------


def r_operator(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``R{expr}`` by its definition ``d/dε expr(w + εv)|_{ε=0}``.

    Returns the definition along the line (for display) and the result of
    :func:`symhess.calculus.r_operator` one layer at a time, in which ``R{q}`` of every layer
    quantity ``q`` stands as such.

    >>> shown, value = r_operator(W2[k, j] * Z[j])
    >>> value
    R(z[j])*w2[k, j] + v2[k, j]*z[j]
    """
    shown = sp.Subs(sp.Derivative(on_line(expr), EPS), EPS, 0)
    return shown, r_apply(expr, through_definitions=False)


def _rules_used(lifted: sp.Expr) -> str:
    """Which rules differentiating ``lifted`` along ε uses, read off its structure."""
    rules = []
    if any(f.args[0].has(EPS) for f in lifted.atoms(nw.Activation)):
        rules.append("chain rule")
    moving = [m for m in lifted.atoms(sp.Mul) if sum(1 for f in m.args if f.has(EPS)) >= 2]
    if moving:
        rules.append("product rule")
    if lifted.has(Sum):
        rules.append("derivative of a sum")
    rules.append("w + epsilon v at epsilon = 0")
    return ", ".join(rules)


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------


@functools.cache
def derive_r(number: str) -> Derived:
    """Derive R-equation ``number`` (``"5.101"`` …) from its premise, symbolic sizes; ``holds``:
    proved equal to PRML's statement.

    >>> d = derive_r("5.106")
    >>> d.result, d.holds
    (R(y[k]), True)
    """
    if number not in SOURCE:
        raise DerivationError(f"no R-equation {number}; known: {', '.join(SOURCE)}")
    premise = PREMISES[SOURCE[number]]
    target = TEXTBOOK[number]
    shown, value = r_operator(premise.rhs)
    steps = [
        Step(latex(target.lhs), None, ""),
        Step(latex(R(premise.rhs)), f"({premise.number})"),
        Step(latex(shown), "definition of R (5.97)"),
        Step(latex(value), _rules_used(on_line(premise.rhs))),
    ]
    tidy = split_sums(value)
    if latex(tidy) != steps[-1].latex:
        steps.append(Step(latex(tidy), "linearity of the sum"))
    proved = proved_equal(tidy, target.rhs)
    return Derived(tuple(steps), tidy, proved)


def correspondence() -> tuple[tuple[str, str], ...]:
    """The side-by-side pairs (forward LaTeX, derived R LaTeX) of :data:`CORRESPONDENCE_NUMBERS`.

    >>> fwd, rr = correspondence()[0]
    >>> fwd
    'a_{j} = \\\\sum_{i} x_{i} w_{ji}^{(1)}'
    >>> rr
    '\\\\mathcal{R}\\\\{a_{j}\\\\} = \\\\sum_{i} x_{i} v_{ji}'
    """
    pairs = []
    for fwd, rnum in CORRESPONDENCE_NUMBERS:
        d = derive_r(rnum)
        pairs.append((PREMISES[fwd].latex(), f"{latex(TEXTBOOK[rnum].lhs)} = {latex(d.result)}"))
    return tuple(pairs)


# ---------------------------------------------------------------------------
# NetworkConfig sizes: the textbook chain written out, against v^T grad by brute force
# ---------------------------------------------------------------------------


def _substitute(expr: sp.Expr, defs: Mapping[object, Definition], c: NetworkConfig) -> sp.Expr:
    """Write ``expr`` out at sizes ``c`` by substituting the definitions (keyed by
    :attr:`Definition.key`) until only weights, directions, inputs and targets remain."""
    limits = {D: c.D, M: c.M, K: c.K, LO_I: c.lo, LO_J: c.lo}
    bias_units = {R(Z[0]): sp.S.Zero, X[0]: sp.S.One, Z[0]: sp.S.One}  # x_0 = z_0 = 1
    out = expr.xreplace(limits)
    for _ in range(12):
        if c.bias:
            out = out.xreplace(bias_units)
        defined = [q for q in out.atoms(R, Indexed) if _key(q) in defs]
        if not defined:
            return out
        repl = {}
        for q in defined:
            d = defs[_key(q)]
            idx = _quantity(q).indices
            repl[q] = d.rhs.xreplace(dict(zip(d.indices, idx))).xreplace(limits)
        out = unroll_sums(out.xreplace(repl))
    raise DerivationError(f"definitions did not bottom out for {expr}")


_FORWARD_DEFS = {d.key: d for d in PREMISES.values()}


def _textbook_defs(replace: Definition | None = None) -> dict[object, Definition]:
    """Premises and PRML's R-statements by what they define; ``replace`` swaps one statement."""
    stmts = {d.number: d for d in TEXTBOOK.values()}
    if replace is not None:
        stmts[replace.number] = replace
    return {**_FORWARD_DEFS, **{d.key: d for d in stmts.values()}}


@functools.cache
def _network(c: NetworkConfig) -> dict[Indexed, sp.Expr]:
    """``a_j``, ``z_j`` and ``y_k = a_k`` at sizes ``c``, by :func:`symhess.network.written_out`."""
    net = nw.written_out(c)
    return ({A_HID[jj]: net.a[jj] for jj in range(1, c.M + 1)}
            | {Z[jj]: net.z[jj] for jj in range(1, c.M + 1)}
            | {Y[kk]: net.a_out[kk] for kk in range(1, c.K + 1)})


@functools.cache
def _error(c: NetworkConfig) -> sp.Expr:
    """E_n = ½ Σ_k (y_k − t_k)² written out (sum-of-squares with linear outputs, PRML 5.104)."""
    y = _network(c)
    return sp.Rational(1, 2) * sum((y[Y[kk]] - T[kk]) ** 2 for kk in range(1, c.K + 1))


@functools.cache
def _gradient(c: NetworkConfig) -> dict[Indexed, sp.Expr]:
    """∂E_n/∂w for every weight, by SymPy from the written-out error (not from 5.108–5.109)."""
    err = _error(c)
    return {wr: sp.diff(err, wr) for wr in c.weights()}


def _jvp(expr: sp.Expr, c: NetworkConfig) -> sp.Expr:
    """``vᵀ∇ expr``: the gradient by SymPy, dotted with the direction."""
    return sp.Add(*(sp.diff(expr, wr) * nw.DIRECTION[wr.base][wr.indices] for wr in c.weights()))


def _index_sets(number: str, c: NetworkConfig) -> list[tuple[int, ...]]:
    """Every index value of R-equation ``number`` at sizes ``c`` (coincident ones included)."""
    hidden, outputs = range(1, c.M + 1), range(1, c.K + 1)
    if number in ("5.101", "5.102", "5.107"):
        return [(jj,) for jj in hidden]
    if number in ("5.103", "5.106"):
        return [(kk,) for kk in outputs]
    if number == "5.110":
        return [(kk, jj) for kk in outputs for jj in range(c.lo, c.M + 1)]
    return [(jj, ii) for jj in hidden for ii in range(c.lo, c.D + 1)]


def _instances(
    number: str, c: NetworkConfig, replace: Definition | None = None
) -> list[tuple[sp.Expr, sp.Expr]]:
    """Pairs (textbook formula written out, vᵀ∇ of the quantity by brute force) for every
    index value of R-equation ``number`` at sizes ``c``.

    The textbook side substitutes PRML's own statements (5.101–5.111) down to weights; the
    brute-force side differentiates the written-out quantity (for 5.110–5.111: SymPy's
    ``∂E_n/∂w``, so that ``vᵀ∇`` of it is a row of ``Hv``). ``replace`` substitutes a
    statement of one's own for PRML's (to see a wrong one fail)."""
    stmt = TEXTBOOK[number]
    defs = _textbook_defs(replace)
    pairs = []
    for idx in _index_sets(number, c):
        ours = _substitute(_with_indices(stmt.lhs, idx), defs, c)
        if number == "5.110":
            quantity = _gradient(c)[W2[idx]]
        elif number == "5.111":
            quantity = _gradient(c)[W1[idx]]
        else:  # a_j, z_j, y_k written out; delta_k, delta_j by 5.104-5.105 on top of them
            q = _quantity(stmt.lhs).base[idx]
            quantity = _network(c)[q] if q in _network(c) else _substitute(q, _FORWARD_DEFS, c)
        pairs.append((ours, _jvp(quantity, c)))
    return pairs


def statement_residual(number: str, rhs: sp.Expr, c: NetworkConfig, seed: int = 0) -> float:
    """Largest |written-out ``rhs`` − vᵀ∇q| at one random point (tanh), with ``rhs`` standing
    in for PRML's statement ``number``; about 1e-16 for a true statement.

    >>> c = NetworkConfig(2, 2, 2, False)
    >>> statement_residual("5.102", TEXTBOOK["5.102"].rhs, c) < 1e-12
    True
    >>> statement_residual("5.102", R(A_HID[j]), c) > 1e-3        # h'(a_j) dropped
    True
    """
    stmt = TEXTBOOK[number]
    pairs = _instances(number, c, Definition(number, stmt.lhs, rhs))
    fn = sp.lambdify(_ARGS, [p[0] - p[1] for p in pairs], modules=_MODULES)
    act = numpy_activation(activations()["tanh"])
    pt = _random_point(c, np.random.default_rng(seed))
    return float(np.max(np.abs(np.asarray(bind_activation(fn, act)(*pt), float))))


SYMBOLIC_SIZES = (NetworkConfig(1, 1, 1, False), NetworkConfig(2, 2, 2, True))
NUMERIC_SIZES = (
    NetworkConfig(1, 1, 1, False),
    NetworkConfig(1, 1, 1, True),
    NetworkConfig(2, 2, 2, True),
    NetworkConfig(2, 3, 2, False),
)
#: A larger instance for the tests (all sizes >= 2, one of them 3, biases on).
EXTRA_SIZES = (NetworkConfig(3, 2, 3, True),)
_ARGS = [W1, W2, V1, V2, X, T]
_MODULES = [ACTIVATION_PLACEHOLDER, "numpy"]


@functools.cache
def _symbolic_concrete(number: str, c: NetworkConfig) -> bool:
    """Whether the written-out textbook formula equals vᵀ∇q for an unspecified h."""
    return all(proved_zero(ours - brute) for ours, brute in _instances(number, c))


@functools.cache
def _lambdified(number: str, c: NetworkConfig) -> tuple[Callable[..., object], Callable[..., object]]:
    pairs = _instances(number, c)
    ours = sp.lambdify(_ARGS, [p[0] for p in pairs], modules=_MODULES, cse=True)
    brute = sp.lambdify(_ARGS, [p[1] for p in pairs], modules=_MODULES, cse=True)
    return ours, brute


@functools.cache
def _hessian_lambdified(c: NetworkConfig) -> tuple[Callable[..., object], Callable[..., object]]:
    """(R{∇E_n} from 5.110–5.111 written out, the brute-force Hessian of E_n), lambdified with
    an unspecified h (bind one with :func:`symhess.instance.bind_activation`).

    The R-vector is laid out like the weight vector: first layer ``w_ji`` row-major, then the
    second layer ``w_kj`` (the layout of :mod:`symhess.numeric`)."""
    rvec = []
    for wr in c.weights():
        grad = GRAD1 if wr.base == W1 else GRAD2
        rvec.append(_substitute(R(grad[wr.indices]), _textbook_defs(), c))
    return (
        sp.lambdify(_ARGS, rvec, modules=_MODULES, cse=True),
        hessian_function(_error(c), c.weights(), _ARGS, _MODULES),
    )


def _random_point(c: NetworkConfig, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Arrays for (w1, w2, v1, v2, x, t), indexed like PRML's symbols (row/column 0 = bias)."""
    shape1 = (c.M + 1, c.D + 1)
    shape2 = (c.K + 1, c.M + 1)
    return (
        rng.normal(size=shape1),
        rng.normal(size=shape2),
        rng.normal(size=shape1),
        rng.normal(size=shape2),
        rng.normal(size=c.D + 1),
        rng.normal(size=c.K + 1),
    )


def _rel(ours: np.ndarray, ref: np.ndarray) -> float:
    """Largest absolute difference relative to the reference's scale (at least 1)."""
    scale = max(1.0, float(np.max(np.abs(ref))))
    return float(np.max(np.abs(np.asarray(ours) - np.asarray(ref)))) / scale


def activations(seed: int = 5) -> dict[str, sp.Expr]:
    """The activations the numeric checks range over: tanh, logistic, softplus and a random
    smooth one (:func:`symhess.instance.activation_expr`).

    >>> sorted(activations())
    ['logistic', 'random', 'softplus', 'tanh']
    """
    rng = np.random.default_rng(seed)
    out = {name: activation_expr(name, rng) for name in ("tanh", "logistic", "softplus")}
    out["random"] = activation_expr("h", rng)
    return out


def hessian_vector_check(
    points: int = 2, n_data: int = 3, seed: int = 0, sizes: tuple[NetworkConfig, ...] | None = None
) -> tuple[float, float | None, int]:
    """``vᵀH`` from 5.110–5.111 (summed over ``n_data`` points) against the full Hessian
    times ``v``.

    Returns (worst relative error against the brute-force SymPy Hessian, worst against
    ``symhess.numeric.exact_hessian @ v`` and ``hessian_vector_product`` — ``None`` when
    that module is absent —, number of comparisons).

    >>> sympy_err, numeric_err, n = hessian_vector_check(points=1)
    >>> sympy_err < 1e-12
    True
    """
    rng = np.random.default_rng(seed)
    acts = {name: numpy_activation(e) for name, e in activations(seed + 5).items()}
    worst, worst_num, count = 0.0, None, 0
    for c in NUMERIC_SIZES if sizes is None else sizes:
        rfun, hfun = _hessian_lambdified(c)
        for name, act in acts.items():
            f_r, f_h = bind_activation(rfun, act), bind_activation(hfun, act)
            for _ in range(points):
                w1_, w2_, v1_, v2_, _, _ = _random_point(c, rng)
                data = [_random_point(c, rng)[4:] for _ in range(n_data)]
                ours = np.sum(
                    [np.asarray(f_r(w1_, w2_, v1_, v2_, xn, tn), float) for xn, tn in data], axis=0
                )
                hess = np.sum(
                    [np.asarray(f_h(w1_, w2_, v1_, v2_, xn, tn), float) for xn, tn in data], axis=0
                )
                vec = _flat(c, v1_, v2_)
                worst = max(worst, _rel(ours, hess @ vec))
                count += 1
                other = _against_numeric_module(c, name, (w1_, w2_, v1_, v2_), data, ours)
                if other is not None:
                    worst_num = other if worst_num is None else max(worst_num, other)
    return worst, worst_num, count


def _flat(c: NetworkConfig, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The weight-vector layout of :meth:`NetworkConfig.weights` from PRML-indexed arrays."""
    return np.concatenate([first[1:, c.lo :].ravel(), second[1:, c.lo :].ravel()])


def _against_numeric_module(
    c: NetworkConfig,
    act_name: str,
    weights: tuple[np.ndarray, ...],
    data: list[tuple[np.ndarray, ...]],
    ours: np.ndarray,
) -> float | None:
    """``ours`` against ``symhess.numeric``'s exact Hessian times v and its own R-pass.

    ``None`` when that module is absent or does not know the activation."""
    try:
        from .. import numeric
    except ImportError:
        return None
    if act_name not in getattr(numeric, "ACTIVATIONS", {}):
        return None
    shape = numeric.Shape(D=c.D, M=c.M, K=c.K, bias=c.bias)
    w1_, w2_, v1_, v2_ = weights
    w = _flat(c, w1_, w2_)
    v = _flat(c, v1_, v2_)
    X = np.array([xn[1:] for xn, _ in data])
    T = np.array([tn[1:] for _, tn in data])
    H = numeric.exact_hessian(w, X, T, shape, act_name, "sum_of_squares")
    hv = numeric.hessian_vector_product(w, v, X, T, shape, act_name, "sum_of_squares")
    return max(_rel(ours, H @ v), _rel(ours, hv))


def numeric_check(number: str, points: int = 3, seed: int = 0) -> NumericCheck:
    """Textbook formula against brute-force ``vᵀ∇q`` at :data:`NUMERIC_SIZES`, every activation;
    for 5.110–5.111 also the assembled ``vᵀH`` against the full Hessian times ``v``.

    >>> chk = numeric_check("5.102", points=1)
    >>> chk.max_rel_error < 1e-12, chk.points
    (True, 16)
    """
    if number in ("5.110", "5.111"):
        h_err, num_err, count = _cached_hessian_vector_check()
        note = (
            "5.110-5.111 assembled into v^T H (R of every gradient component, 3 data points summed,"
            " every index value) vs the full brute-force SymPy Hessian times v:"
            f" {h_err:.2g}; activations tanh, logistic, softplus, random"
        )
        worst = h_err
        if num_err is not None:
            worst = max(worst, num_err)
            note += f"; vs symhess.numeric exact_hessian @ v and its R-pass: {num_err:.2g}"
        return NumericCheck(tuple(c.as_dict() for c in NUMERIC_SIZES), count, worst, note)
    rng = np.random.default_rng(seed)
    worst = 0.0
    n = 0
    acts = {name: numpy_activation(e) for name, e in activations(seed + 5).items()}
    for c in NUMERIC_SIZES:
        ours, brute = _lambdified(number, c)
        for act in acts.values():
            f_ours, f_brute = bind_activation(ours, act), bind_activation(brute, act)
            for _ in range(points):
                pt = _random_point(c, rng)
                worst = max(worst, _rel(np.array(f_ours(*pt)), np.array(f_brute(*pt))))
                n += 1
    note = (
        "textbook formula (PRML's statements substituted down to weights) vs v^T grad of the"
        " quantity by SymPy, every index value; activations tanh, logistic, softplus, random"
    )
    return NumericCheck(tuple(c.as_dict() for c in NUMERIC_SIZES), n, worst, note)


@functools.cache
def _cached_hessian_vector_check() -> tuple[float, float | None, int]:
    return hessian_vector_check()


# ---------------------------------------------------------------------------
# Catalogue entries
# ---------------------------------------------------------------------------


def derive_equation(number: str) -> DerivationResult:
    """Derive, prove and check one of 5.101–5.103, 5.106–5.107, 5.110–5.111."""
    start = time.perf_counter()
    d = derive_r(number)
    concrete_ok = all(_symbolic_concrete(number, c) for c in SYMBOLIC_SIZES)
    numeric = numeric_check(number)
    notes = [
        f"derived from ({SOURCE[number]}) with R{{f}} = d/d epsilon f(w + epsilon v) at epsilon = 0, "
        "symbolic sizes D, M, K",
        "written out at sizes "
        + ", ".join(
            f"(D,M,K)=({c.D},{c.M},{c.K}) bias={'on' if c.bias else 'off'}" for c in SYMBOLIC_SIZES
        )
        + f" with an unspecified h: {'equal' if concrete_ok else 'NOT equal'} to v^T grad by SymPy",
    ]
    if numeric.max_rel_error > 1e-10:
        concrete_ok = False
        notes.append(f"numeric disagreement {numeric.max_rel_error:.3g}")
    verdict: Verdict = Verdict.PROVED if (d.holds and concrete_ok) else Verdict.FAILED
    if not d.holds:
        notes.append(f"derived form: {latex(TEXTBOOK[number].lhs)} = {latex(d.result)}")
    return DerivationResult(
        equation=number,
        statement_latex=TEXTBOOK[number].latex(),
        verdict=verdict,
        steps=d.steps,
        numeric=numeric,
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
        assumptions=(
            "sum-of-squares error with linear outputs (PRML 5.104)",
            "biases absorbed as x_0 = z_0 = 1 (R{z_0} = 0)",
        ),
    )
