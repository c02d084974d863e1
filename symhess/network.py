"""The symbolic two-layer network of PRML §5.3–5.4: index letters, quantities, definitions.

The network is written in PRML's index notation with SymPy ``Indexed`` objects::

    a_j = sum_i w_ji^(1) x_i      (5.62)      z_j = h(a_j)            (5.63)
    a_k = sum_j w_kj^(2) z_j      (5.64)      y_k = a_k  (linear outputs)
    E_n = E(a_1, ..., a_K)        delta_k = dE_n/da_k (5.54)   M_kk' = d2E_n/da_k da_k' (5.92)

as the table :data:`TWO_LAYER`; :data:`SKIP_LAYER` adds skip-layer weights (exercise 5.23),
``a_k = sum_j w_kj^(2) z_j + sum_i w_ki^(s) x_i``.

>>> latex_name(A_OUT[k])
'a'
>>> sorted({s.name for s in SIZES.values()})
['D', 'K', 'M', 'N', 'W']
>>> definition(A_HID[j])
Sum(w1[j, i]*x[i], (i, 0, D))
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol

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
# Lower limits of the sums over inputs and hidden units when the biases are left open: 0 with
# the bias units x_0 = z_0 = 1 (PRML 5.8-5.9), 1 without.
LO_I, LO_J = sp.symbols("lo_i lo_j", integer=True, nonnegative=True)

# --- quantities -------------------------------------------------------------------------
X = sp.IndexedBase("x")
T = sp.IndexedBase("t")
W1 = sp.IndexedBase("w1")
W2 = sp.IndexedBase("w2")
W3 = sp.IndexedBase("w3")  # skip-layer weights w_ki^(s), inputs straight to outputs (ex. 5.23)
A_HID = sp.IndexedBase("a1")
Z = sp.IndexedBase("z")
A_OUT = sp.IndexedBase("a2")
Y = sp.IndexedBase("y")
DELTA = sp.IndexedBase("delta")
DELTA_HID = sp.IndexedBase("delta1")  # the hidden units' errors delta_j (5.56, 5.105)
MM = sp.IndexedBase("M")
T3 = sp.IndexedBase("T3")  # third derivative of E_n w.r.t. a_k, a_k', a_k''
E_N = sp.Symbol("E_n")
V1 = sp.IndexedBase("v1")  # components of v laid out like the weights (5.101)
V2 = sp.IndexedBase("v2")
GRAD1 = sp.IndexedBase("g1")  # dE_n/dw_ji^(1) (5.109)
GRAD2 = sp.IndexedBase("g2")  # dE_n/dw_kj^(2) (5.108)
# The network after a linear transformation of its inputs or outputs (PRML 5.115-5.120).
X_T = sp.IndexedBase("x~")
W1_T = sp.IndexedBase("w1~")
W2_T = sp.IndexedBase("w2~")
A_HID_T = sp.IndexedBase("a1~")
Y_T = sp.IndexedBase("y~")


class Activation(sp.Function):
    """``h^{(n)}``: the n-th derivative of the unspecified smooth activation ``h`` (PRML 5.63).

    Differentiating one member gives the next, so SymPy's own chain rule produces ``h'``,
    ``h''`` without ``Subs`` objects; lambdified code calls them ``h``, ``hp``, ``hpp``, ...

    >>> u = sp.Symbol("u")
    >>> sp.diff(h(u**2), u)
    2*u*h'(u**2)
    >>> sp.lambdify([u], hpp(u), modules=[{"hpp": lambda v: 2 * v}, "numpy"])(3.0)
    6.0
    """

    order = 0
    code_name = "h"
    nargs = 1
    is_number = False  # like any undefined function: h(2) is not a known number

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if self.order + 1 >= len(ACTIVATION_FAMILY):
            raise NotImplementedError(f"derivative of h of order {self.order + 1} is not provided")
        return ACTIVATION_FAMILY[self.order + 1](self.args[0])

    @classmethod
    def class_key(cls) -> tuple[int, int, str]:
        return 4, 0, cls.__name__  # ordered among terms like an undefined function h(u)

    def _numpycode(self, printer: Any) -> str:
        return f"{self.code_name}({printer._print(self.args[0])})"

    _pythoncode = _numpycode
    _lambdacode = _numpycode


def _activation_member(order: int) -> type[Activation]:
    name = "h" + "'" * order if order <= 3 else f"h^({order})"
    code = "h" + "p" * order
    return type(name, (Activation,), {"order": order, "code_name": code,
                                      "__module__": __name__, "__qualname__": code})


ACTIVATION_FAMILY: tuple[type[Activation], ...] = tuple(_activation_member(n) for n in range(6))
h, hp, hpp, hppp, hpppp, hppppp = ACTIVATION_FAMILY
ACTIVATION_CHAIN = (h, hp, hpp, hppp)


class R(sp.Function):
    """``R{q}``: Pearlmutter's operator (5.97) on a quantity, kept as such (``R{a_j}``, ``R{δ_k}``).

    >>> R(A_HID[j])
    R(a1[j])
    """

    nargs = 1


EPS = sp.Symbol("epsilon")  # the step along the line w + ε v (5.97)


class OnLine(sp.Function):
    """``q(ε)``: a layer quantity along the line ``w + εv`` (shows the definition of R)."""

    nargs = 2


Kind = Literal["const", "weight", "activation", "error"]
KIND: dict[sp.IndexedBase, Kind] = {
    X: "const", T: "const", W1: "weight", W2: "weight", W3: "weight",
    A_HID: "activation", Z: "activation", A_OUT: "activation", Y: "activation",
    DELTA: "error", DELTA_HID: "error", MM: "error", T3: "error", V1: "const", V2: "const",
    GRAD1: "error", GRAD2: "error",
    X_T: "const", W1_T: "weight", W2_T: "weight", A_HID_T: "activation", Y_T: "activation",
}
_LATEX_NAME = {
    X: "x", T: "t", W1: "w", W2: "w", W3: "w", A_HID: "a", Z: "z", A_OUT: "a", Y: "y",
    DELTA: r"\delta", DELTA_HID: r"\delta", MM: "M", T3: "T", V1: "v", V2: "v",
    X_T: r"\tilde{x}", W1_T: r"\tilde{w}", W2_T: r"\tilde{w}", A_HID_T: r"\tilde{a}",
    Y_T: r"\tilde{y}",
}
_LAYER: dict[sp.IndexedBase, int | str] = {W1: 1, W2: 2, W3: "s", W1_T: 1, W2_T: 2}
GRADIENT_OF = {GRAD1: W1, GRAD2: W2}  # dE_n/dw of each layer's weights
DIRECTION = {W1: V1, W2: V2}  # R{w} = v (5.97)


def latex_name(q: sp.Indexed) -> str:
    """PRML's letter for an Indexed quantity (``a`` for both a_j and a_k)."""
    return _LATEX_NAME[q.base]


def layer_of(q: sp.Indexed) -> int | str | None:
    """1 or 2 for weights (``"s"`` for the skip layer), else None."""
    return _LAYER.get(q.base)


@dataclass(frozen=True)
class Definition:
    """``base[index] = rhs``: one layer quantity in terms of the layer below, as PRML writes it.

    >>> d = TWO_LAYER[A_HID]
    >>> d.index, d.rhs, d.source
    (j, Sum(w1[j, i]*x[i], (i, 0, D)), '(5.62)')
    >>> d.at(A_HID[jp], avoid=frozenset({i}))
    Sum(w1[j', i']*x[i'], (i', 0, D))

    ``index`` is the left side's one index as the table writes it (``j`` of ``a_j``, ranging over
    1..M; ``k`` of ``a_k``, 1..K); the summation indices of ``rhs`` (``dummies``) are
    placeholders, renamed apart wherever the definition is used (:meth:`at`).
    """

    index: sp.Symbol
    rhs: sp.Expr
    source: str  # the PRML equation (or exercise) that states it
    dummies: tuple[sp.Symbol, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        bound = {lim[0] for s in self.rhs.atoms(sp.Sum) for lim in s.limits}
        object.__setattr__(self, "dummies", tuple(sorted(bound, key=str)))

    def at(self, q: sp.Indexed, avoid: frozenset[sp.Symbol] = frozenset()) -> sp.Expr:
        """The right side for ``q`` (a quantity of this base): ``q``'s index put in for
        :attr:`index`, each summation index renamed to the first of its letter (:func:`fresh`)
        that occurs neither in ``q`` nor in ``avoid``."""
        names = [q.indices[0]]
        for d in self.dummies:
            names.append(fresh(letter_of(d), q, *avoid, *names[1:]))
        return _written_with(self, tuple(names))


@functools.lru_cache(maxsize=4096)
def _written_with(dfn: Definition, names: tuple[sp.Expr, ...]) -> sp.Expr:
    """``dfn.rhs`` with ``names`` put in for its index and summation indices, in that order
    (memoised: the checker asks for the same few index names over and over)."""
    return dfn.rhs.xreplace(dict(zip((dfn.index, *dfn.dummies), names)))


#: A network as the table of its layer quantities' definitions (what
#: :func:`symhess.calculus.derivative` walks), keyed by the quantity's ``IndexedBase``.
Definitions = Mapping[sp.IndexedBase, Definition]

_I, _J, _K = SIZES["i"], SIZES["j"], SIZES["k"]

#: PRML's two-layer network (5.62–5.64, linear outputs ``y_k = a_k``).  Sums over inputs and
#: hidden units start at the bias unit 0 (``x_0 = z_0 = 1``, PRML 5.8–5.9): a bias weight
#: ``w_{j0}``, ``w_{k0}`` is a weight like any other, and with biases off it is zero.
TWO_LAYER: Definitions = MappingProxyType({
    A_HID: Definition(j, sp.Sum(W1[j, i] * X[i], (i, 0, _I)), "(5.62)"),
    Z: Definition(j, h(A_HID[j]), "(5.63)"),
    A_OUT: Definition(k, sp.Sum(W2[k, j] * Z[j], (j, 0, _J)), "(5.64)"),
    Y: Definition(k, A_OUT[k], "linear outputs"),
})

#: The network with skip-layer weights ``w_{ki}^{(s)}`` (:data:`W3`, exercise 5.23): as
#: :data:`TWO_LAYER`, with ``a_k = Σ_{j=0}^{M} w_kj z_j + Σ_{i=1}^{D} w^{(s)}_ki x_i`` (no skip
#: bias: the output bias ``w_{k0}`` already plays that role; as :meth:`NetworkConfig.weights`).
SKIP_LAYER: Definitions = MappingProxyType({
    **TWO_LAYER,
    A_OUT: Definition(k, sp.Sum(W2[k, j] * Z[j], (j, 0, _J)) + sp.Sum(W3[k, i] * X[i], (i, 1, _I)),
                      "ex. 5.23"),
})


def definition(q: sp.Indexed | sp.Symbol, avoid: frozenset[sp.Symbol] = frozenset(),
               network: Definitions = TWO_LAYER) -> sp.Expr | None:
    """The defining expression of a network quantity in terms of the layer below, or None.

    >>> definition(A_OUT[kp])
    Sum(w2[k', j]*z[j], (j, 0, M))
    >>> definition(A_OUT[k], frozenset({j}), SKIP_LAYER)
    Sum(w2[k, j']*z[j'], (j', 0, M)) + Sum(w3[k, i]*x[i], (i, 1, D))
    >>> definition(Z[0]), definition(DELTA[k]) is None
    (1, True)

    ``network`` is the table read (:data:`TWO_LAYER`, PRML 5.62–5.64, or :data:`SKIP_LAYER`,
    exercise 5.23); summation indices are fresh, clear of ``q`` and ``avoid``.  The bias units
    ``x_0 = z_0 = 1`` (PRML 5.8) are defined in every network.

    ``E_n``, ``delta_k`` and ``M_kk'`` are functions of the a_k whose derivatives are the
    next quantity in that chain; they have no definition here (see :func:`error_chain`).
    """
    if not isinstance(q, sp.Indexed):
        return None
    if q.base in (X, Z) and q.indices[0] == 0:
        return sp.S.One  # the bias unit x_0 = z_0 = 1 (PRML 5.8)
    dfn = network.get(q.base)
    return None if dfn is None else dfn.at(q, avoid)


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
    skip: bool = False  # skip-layer weights w_ki^(s), inputs straight to outputs (ex. 5.23)

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r}: expected one of {ACTIVATIONS}")
        if self.error not in ERRORS:
            raise ValueError(f"error {self.error!r}: expected one of {ERRORS}")

    @property
    def n_weights(self) -> int | sp.Expr:
        b = int(self.bias)
        return self.M * (self.D + b) + self.K * (self.M + b) + (self.K * self.D if self.skip else 0)

    @property
    def lo(self) -> int:
        """The first index of a sum over inputs or hidden units: 0 (the bias unit) or 1."""
        return 0 if self.bias else 1

    def as_dict(self) -> dict[str, int]:
        """The sizes and biases as a record: ``{"D": 2, "M": 3, "K": 1, "bias": 1}``."""
        return {"D": int(self.D), "M": int(self.M), "K": int(self.K), "bias": int(self.bias)}

    def weights(self) -> list[sp.Indexed]:
        """Every weight in the order of the flat weight vector: first layer ``w_ji`` row by row,
        then the second ``w_kj``, then (with ``skip``) ``w_ki^(s)`` (no skip bias: the output
        bias already plays that role).

        >>> NetworkConfig(1, 1, 1, bias=False, skip=True).weights()
        [w1[1, 1], w2[1, 1], w3[1, 1]]
        """
        D, M, K, lo = int(self.D), int(self.M), int(self.K), self.lo
        first = [W1[a, b] for a in range(1, M + 1) for b in range(lo, D + 1)]
        second = [W2[a, b] for a in range(1, K + 1) for b in range(lo, M + 1)]
        third = [W3[a, b] for a in range(1, K + 1) for b in range(1, D + 1)] if self.skip else []
        return first + second + third

    @property
    def is_concrete(self) -> bool:
        return all(isinstance(s, int) for s in (self.D, self.M, self.K))


class Subscriptable(Protocol):
    """Anything indexed like PRML's symbols: an ``IndexedBase`` (``w[j, i]``), or a mapping or
    sequence holding concrete entries under the same indices."""

    def __getitem__(self, key: Any, /) -> Any: ...


@dataclass(frozen=True)
class WrittenOut:
    """The network at concrete sizes: ``a[j]`` (5.62), ``z[j]`` (5.63) and ``a_out[k]`` (5.64,
    with the skip-layer term when there is one) as expressions in the weights and inputs,
    indexed like PRML's symbols.  Index 0: ``z[0] = 1``, the bias unit (used only with biases);
    ``a[0]`` and ``a_out[0]`` are 0 and unused."""

    a: tuple[sp.Expr, ...]
    z: tuple[sp.Expr, ...]
    a_out: tuple[sp.Expr, ...]


def written_out(cfg: NetworkConfig, act: Any = h, w1: Subscriptable = W1, w2: Subscriptable = W2,
                ws: Subscriptable = W3, x: Subscriptable = X) -> WrittenOut:
    """The network of ``cfg`` (integer sizes) written out: every sum expanded, ``x_0 = z_0 = 1``
    with biases, the skip-layer term ``Σ_i w^{(s)}_ki x_i`` with ``cfg.skip``.

    ``act`` is the activation (a callable on SymPy expressions; default the unspecified ``h``);
    ``w1``, ``w2``, ``ws``, ``x`` what stands for the weights and inputs (default the network's
    symbols; a dict or a tuple under PRML's indices writes out other weights: transformed ones,
    plain symbols).  The one writing-out of the network at sizes; recipes and the numeric
    reference (:mod:`symhess.instance`) build on it.

    >>> written_out(NetworkConfig(1, 1, 1, bias=False)).a_out[1]
    h(w1[1, 1]*x[1])*w2[1, 1]
    >>> net = written_out(NetworkConfig(1, 1, 2, skip=True))
    >>> net.a[1], net.a_out[2]
    (w1[1, 0] + w1[1, 1]*x[1], h(w1[1, 0] + w1[1, 1]*x[1])*w2[2, 1] + w2[2, 0] + w3[2, 1]*x[1])
    """
    if not cfg.is_concrete:
        raise ValueError(f"writing the network out needs integer sizes, got D={cfg.D}, M={cfg.M}, K={cfg.K}")
    D, M, K, lo = int(cfg.D), int(cfg.M), int(cfg.K), cfg.lo
    inputs = {ii: (sp.S.One if ii == 0 else x[ii]) for ii in range(lo, D + 1)}
    a = (sp.S.Zero, *(sum(w1[jj, ii] * inputs[ii] for ii in inputs) for jj in range(1, M + 1)))
    z = (sp.S.One, *(act(a[jj]) for jj in range(1, M + 1)))
    a_out = (sp.S.Zero, *(sum(w2[kk, jj] * z[jj] for jj in range(lo, M + 1))
                          + (sum(ws[kk, ii] * x[ii] for ii in range(1, D + 1)) if cfg.skip else 0)
                          for kk in range(1, K + 1)))
    return WrittenOut(a, z, a_out)
