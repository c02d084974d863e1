"""The symbolic two-layer network of PRML §5.3–5.4: index letters, quantities, definitions.

The network is written in PRML's index notation with SymPy ``Indexed`` objects::

    a_j = sum_i w_ji^(1) x_i      (5.62)      z_j = h(a_j)            (5.63)
    a_k = sum_j w_kj^(2) z_j      (5.64)      y_k = a_k  (linear outputs)
    E_n = E(a_1, ..., a_K)        delta_k = dE_n/da_k (5.54)   M_kk' = d2E_n/da_k da_k' (5.92)

>>> latex_name(A_OUT[k])
'a'
>>> sorted({s.name for s in SIZES.values()})
['D', 'K', 'M', 'N', 'W']
>>> definition(A_HID[j])
Sum(w1[j, i]*x[i], (i, 0, D))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

# --- index letters and sizes -------------------------------------------------------------
SIZES = {
    "r": sp.Symbol("W", integer=True, positive=True),
    "s": sp.Symbol("W", integer=True, positive=True),
    "i": sp.Symbol("D", integer=True, positive=True),
    "j": sp.Symbol("M", integer=True, positive=True),
    "k": sp.Symbol("K", integer=True, positive=True),
    "n": sp.Symbol("N", integer=True, positive=True),
}


def index(letter: str, primes: int = 0) -> sp.Symbol:
    """The index symbol ``letter`` with ``primes`` primes.

    >>> index("j", 1)
    j'
    """
    return sp.Symbol(letter + "'" * primes, integer=True)


def letter_of(idx: sp.Symbol) -> str:
    """The range letter of an index symbol (``j''`` -> ``j``).

    >>> letter_of(index("k", 2))
    'k'
    """
    return idx.name[0]


def size_of(idx: sp.Symbol) -> sp.Symbol:
    """The (symbolic) size an index ranges up to."""
    return SIZES[letter_of(idx)]


i, j, k, n = (index(c) for c in "ijkn")
ip, jp, kp = (index(c, 1) for c in "ijk")

# --- quantities -------------------------------------------------------------------------
X = sp.IndexedBase("x")
T = sp.IndexedBase("t")
W1 = sp.IndexedBase("w1")
W2 = sp.IndexedBase("w2")
A_HID = sp.IndexedBase("a1")
Z = sp.IndexedBase("z")
A_OUT = sp.IndexedBase("a2")
Y = sp.IndexedBase("y")
DELTA = sp.IndexedBase("delta")
MM = sp.IndexedBase("M")
T3 = sp.IndexedBase("T3")  # third derivative of E_n w.r.t. a_k, a_k', a_k''
E_N = sp.Symbol("E_n")
V1 = sp.IndexedBase("v1")  # components of v laid out like the weights (5.101)
V2 = sp.IndexedBase("v2")

h = sp.Function("h")
hp = sp.Function("h'")
hpp = sp.Function("h''")
hppp = sp.Function("h'''")
ACTIVATION_CHAIN = (h, hp, hpp, hppp)

Kind = Literal["const", "weight", "activation", "error"]
KIND: dict[sp.IndexedBase, Kind] = {
    X: "const", T: "const", W1: "weight", W2: "weight",
    A_HID: "activation", Z: "activation", A_OUT: "activation", Y: "activation",
    DELTA: "error", MM: "error", T3: "error", V1: "const", V2: "const",
}
_LATEX_NAME = {
    X: "x", T: "t", W1: "w", W2: "w", A_HID: "a", Z: "z", A_OUT: "a", Y: "y",
    DELTA: r"\delta", MM: "M", T3: "T", V1: "v", V2: "v",
}
_LAYER = {W1: 1, W2: 2}


def latex_name(q: sp.Indexed) -> str:
    """PRML's letter for an Indexed quantity (``a`` for both a_j and a_k)."""
    return _LATEX_NAME[q.base]


def layer_of(q: sp.Indexed) -> int | None:
    """1 or 2 for weights, else None."""
    return _LAYER.get(q.base)


def definition(q: sp.Indexed | sp.Symbol, avoid: frozenset = frozenset()) -> sp.Expr | None:
    """The defining expression of a network quantity in terms of the layer below, or None.

    Sums start at the bias unit 0 (``x_0 = z_0 = 1``, PRML 5.8–5.9): a bias weight
    ``w_{j0}``, ``w_{k0}`` is a weight like any other.  With biases off the bias weights are
    zero, so the same definitions describe both networks.

    ``E_n``, ``delta_k`` and ``M_kk'`` are functions of the a_k whose derivatives are the
    next quantity in that chain; they have no definition here (see :func:`error_chain`).
    """
    if not isinstance(q, sp.Indexed):
        return None
    base, idx = q.base, q.indices
    if base in (X, Z) and idx[0] == 0:
        return sp.S.One  # the bias unit x_0 = z_0 = 1 (PRML 5.8)
    if base == A_HID:
        d = fresh("i", q, *avoid)
        return sp.Sum(W1[idx[0], d] * X[d], (d, 0, SIZES["i"]))
    if base == Z:
        return h(A_HID[idx[0]])
    if base == A_OUT:
        d = fresh("j", q, *avoid)
        return sp.Sum(W2[idx[0], d] * Z[d], (d, 0, SIZES["j"]))
    if base == Y:
        return A_OUT[idx[0]]
    return None


def error_chain(q: sp.Expr) -> tuple[sp.IndexedBase, tuple[sp.Expr, ...]] | None:
    """For E_n, delta_k, M_kk': the next derivative's base and its leading indices.

    dE_n/da_k'' = delta_k'';  d delta_k / da_k'' = M_kk'';  d M_kk' / da_k'' = T_kk'k''.
    """
    if q == E_N:
        return DELTA, ()
    if isinstance(q, sp.Indexed) and q.base == DELTA:
        return MM, tuple(q.indices)
    if isinstance(q, sp.Indexed) and q.base == MM:
        return T3, tuple(q.indices)
    return None


def r_operator(expr: sp.Expr, avoid: frozenset[sp.Symbol] = frozenset()) -> sp.Expr:
    """Pearlmutter's R{·} = vᵀ∇ on a network expression (PRML 5.97), before collapsing.

    ``R{f} = Σ_ji v_ji ∂f/∂w_ji + Σ_kj v_kj ∂f/∂w_kj`` with fresh summation indices.
    """
    from .calculus import derivative

    taken = set(avoid) | {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    j1 = fresh("j", expr, *taken)
    i1 = fresh("i", expr, *taken)
    k2 = fresh("k", expr, *taken)
    j2 = fresh("j", expr, j1, *taken)
    first = sp.Sum(sp.Sum(V1[j1, i1] * derivative(expr, W1[j1, i1], avoid=frozenset(taken)),
                          (i1, 1, SIZES["i"])), (j1, 1, SIZES["j"]))
    second = sp.Sum(sp.Sum(V2[k2, j2] * derivative(expr, W2[k2, j2], avoid=frozenset(taken)),
                           (j2, 1, SIZES["j"])), (k2, 1, SIZES["k"]))
    return first + second


def sum_of_squares(expr: sp.Expr) -> sp.Expr:
    """``expr`` for the sum-of-squares error with linear outputs (PRML 5.104):
    E_n = ½Σ_k (a_k − t_k)², so δ_k = y_k − t_k, M_kk' = I_kk' and higher derivatives vanish.

    >>> sum_of_squares(DELTA[index("k")] * MM[index("k"), index("k", 1)])
    (a2[k] - t[k])*KroneckerDelta(k, k')
    """
    k_ = fresh("k", expr)
    out = expr.xreplace({E_N: sp.Rational(1, 2) * sp.Sum((A_OUT[k_] - T[k_]) ** 2, (k_, 1, SIZES["k"]))})
    return out.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base in (DELTA, MM, T3, Y),
        lambda e: {"delta": lambda: A_OUT[e.indices[0]] - T[e.indices[0]],
                   "M": lambda: sp.KroneckerDelta(*e.indices),
                   "T3": lambda: sp.S.Zero,
                   "y": lambda: A_OUT[e.indices[0]]}[str(e.base.label)]())


def fresh(letter: str, *exprs: sp.Basic) -> sp.Symbol:
    """An index of range ``letter`` not occurring in ``exprs`` (k, k', k'', ...).

    >>> fresh("k", DELTA[k] * MM[k, kp])
    k''
    """
    used: set[sp.Symbol] = set()
    for e in exprs:
        used |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
        used |= {lim[0] for s in e.atoms(sp.Sum) for lim in s.limits}
    p = 0
    while index(letter, p) in used:
        p += 1
    return index(letter, p)


# --- configuration for concrete instances ---------------------------------------------------
ACTIVATIONS = ("h", "tanh", "logistic", "softplus")
ERRORS = ("general", "sum_of_squares", "cross_entropy", "softmax_cross_entropy")


@dataclass(frozen=True)
class NetworkConfig:
    """A two-layer network: sizes (integers or symbols), biases, activation and error.

    ``activation="h"`` and ``error="general"`` are PRML's unspecified smooth functions.

    >>> NetworkConfig(2, 3, 1).n_weights
    13
    >>> NetworkConfig(2, 3, 1, bias=False).n_weights
    9
    """

    D: int | sp.Symbol = SIZES["i"]
    M: int | sp.Symbol = SIZES["j"]
    K: int | sp.Symbol = SIZES["k"]
    bias: bool = True
    activation: str = "h"
    error: str = "general"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r}: expected one of {ACTIVATIONS}")
        if self.error not in ERRORS:
            raise ValueError(f"error {self.error!r}: expected one of {ERRORS}")

    @property
    def n_weights(self) -> int | sp.Expr:
        b = int(self.bias)
        return self.M * (self.D + b) + self.K * (self.M + b)

    @property
    def is_concrete(self) -> bool:
        return all(isinstance(s, int) for s in (self.D, self.M, self.K))
