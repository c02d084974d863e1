"""Concrete network instances: random weights, smooth h and E_n, and a brute-force Hessian.

An :class:`Instance` fixes sizes, biases, an activation and an error function, draws a
random point, and holds every network quantity as a NumPy array indexed exactly like
PRML's symbols (index 0 is the bias unit ``x_0 = z_0 = 1``).  Its Hessian comes from
SymPy differentiating the fully written-out error, lambdified to NumPy: the reference
that derived formulas are checked against.

>>> inst = make_instance(NetworkConfig(1, 1, 1, bias=False), seed=0)
>>> inst.hessian().shape
(2, 2)
"""
from __future__ import annotations

import itertools
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import sympy as sp

from . import network as nw
from .network import NetworkConfig

_U = sp.Symbol("u")


def activation_expr(name: str, rng: np.random.Generator) -> sp.Expr:
    """h(u) as a SymPy expression in ``u``; ``"h"`` draws a random smooth function."""
    if name == "tanh":
        return sp.tanh(_U)
    if name == "logistic":
        return 1 / (1 + sp.exp(-_U))
    if name == "softplus":
        return sp.log(1 + sp.exp(_U))
    c = [sp.Float(round(float(v), 3)) for v in rng.uniform(0.5, 1.5, 5)]
    return c[0] * sp.sin(c[1] * _U + c[2]) + c[3] * _U + c[4] * _U**2 / 4


def activation(name: str, rng: np.random.Generator) -> Callable[[sp.Expr], sp.Expr]:
    """h as a function of a SymPy argument: ``h(u)`` of :func:`activation_expr` at ``u``.

    >>> activation("tanh", np.random.default_rng(0))(sp.Symbol("a"))
    tanh(a)
    """
    hx = activation_expr(name, rng)
    return lambda u: hx.xreplace({_U: u})


def error_expr(name: str, a: list[sp.Symbol], t: list[sp.Symbol], rng: np.random.Generator) -> sp.Expr:
    """E_n(a_1..a_K; t) as a SymPy expression; ``"general"`` draws a random smooth one."""
    K = len(a)
    if name == "sum_of_squares":
        return sp.Rational(1, 2) * sum((ak - tk) ** 2 for ak, tk in zip(a, t))
    if name == "cross_entropy":
        return sum(sp.log(1 + sp.exp(ak)) - tk * ak for ak, tk in zip(a, t))
    if name == "softmax_cross_entropy":
        return -sum(tk * ak for ak, tk in zip(a, t)) + sum(t) * sp.log(sum(sp.exp(ak) for ak in a))
    c = rng.uniform(0.5, 1.5, K)
    b = rng.normal(size=K)
    d = rng.normal(size=K)
    r = [ak - tk for ak, tk in zip(a, t)]
    proj_b = sum(sp.Float(round(b[p], 4)) * r[p] for p in range(K))
    proj_d = sum(sp.Float(round(d[p], 4)) * a[p] for p in range(K))
    # M = diag(-c cos r) + b b^T + (d.a) d d^T: coupled outputs, non-zero third derivative
    return sum(sp.Float(round(c[p], 4)) * sp.cos(r[p]) for p in range(K)) + proj_b**2 / 2 + proj_d**3 / 6


@dataclass(frozen=True)
class Instance:
    """A concrete network at one random point; arrays are indexed like PRML's symbols."""

    cfg: NetworkConfig
    arrays: dict[Any, np.ndarray]
    scalars: dict[sp.Symbol, float]
    activation: tuple[Callable[..., Any], ...]
    weights: tuple[tuple[Any, int, int], ...]
    _hessian_fn: Callable[..., np.ndarray] = field(repr=False)
    _args: tuple[np.ndarray, ...] = field(repr=False)
    functions: dict[type, Callable[..., Any]] = field(default_factory=dict, repr=False)
    quadrature: dict[sp.Symbol, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    model_sizes: dict[str, int] = field(default_factory=dict)

    def hessian(self) -> np.ndarray:
        """The brute-force Hessian d2E_n/dw dw' (SymPy, lambdified), weights in :attr:`weights` order."""
        return np.asarray(self._hessian_fn(*self._args), dtype=float)

    def position(self, base: Any, a: int, b: int) -> int:
        """Row of weight ``base[a, b]`` in :meth:`hessian`."""
        return self.weights.index((base, a, b))

    @property
    def sizes(self) -> dict[str, int]:
        return {"D": int(self.cfg.D), "M": int(self.cfg.M), "K": int(self.cfg.K)}

    def size_env(self) -> dict[sp.Symbol, int]:
        """Values of the size symbols D, M, K, N, W."""
        return {nw.SIZES["i"]: int(self.cfg.D), nw.SIZES["j"]: int(self.cfg.M),
                nw.SIZES["k"]: int(self.cfg.K), nw.SIZES["n"]: self.model_sizes.get("N", 3),
                nw.SIZES["r"]: self.model_sizes.get("W", 3)}


@dataclass(frozen=True)
class _Compiled:
    weights: tuple[tuple[Any, int, int], ...]
    wsyms: tuple[sp.Symbol, ...]
    xsyms: tuple[sp.Symbol, ...]
    tsyms: tuple[sp.Symbol, ...]
    hess: _LazyHessian
    act: tuple[Callable[..., Any], ...]
    err_derivs: tuple[Callable[..., Any], ...]


class _LazyHessian:
    """The brute-force Hessian, differentiated and lambdified on first use only."""

    def __init__(self, E: Callable[[], sp.Expr], wsyms: tuple[sp.Symbol, ...], xs: tuple[sp.Symbol, ...],
                 ts: tuple[sp.Symbol, ...]) -> None:
        self.E, self.wsyms, self.xs, self.ts = E, wsyms, xs, ts
        self.fn: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        if self.fn is None:
            self.fn = hessian_function(self.E(), self.wsyms, [self.wsyms, self.xs, self.ts])
        return self.fn(*args)


def hessian_function(E: sp.Expr, weights: Sequence[sp.Expr], args: Sequence[Any],
                     modules: Sequence[Any] = ("numpy",)) -> Callable[..., Any]:
    """The brute-force Hessian ``∂²E/∂w ∂w'`` of a written-out error ``E``: the numeric reference
    derived Hessians are checked against, independent of the chain rule the derivations use.

    SymPy differentiates ``E`` once per weight (the gradient, lambdified over ``args`` with common
    subexpressions shared); each Hessian column is then the **complex step** of the gradient,
    ``H[:, c] = Im ∇E(w + i·h·e_c) / h`` with ``h = 1e-30`` — exact to rounding, since nothing is
    subtracted (Squire & Trapp, SIAM Review 40, 1998).  That needs ``E`` analytic; an ``E``
    holding ``|·|``, ``max``, ``Piecewise`` … (or a weight that is not an element of ``args``) is
    differentiated twice by SymPy instead, each entry once, the upper triangle mirrored.

    An unspecified activation is written with :data:`symhess.network.ACTIVATION_FAMILY`; the
    lambdified code then calls ``h``, ``hp``, ``hpp`` by name (see :func:`bind_activation`).

    >>> w = sp.symbols("w0 w1")
    >>> f = hessian_function(w[0] ** 2 * w[1], w, [w])
    >>> np.round(f([1.0, 2.0]), 12).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    >>> u = sp.symbols("u0 u1", real=True)
    >>> pw = sp.Piecewise((u[0] ** 2, u[0] > 0), (u[0] ** 3, True))
    >>> g = hessian_function(pw * u[1], u, [u])                  # not analytic: SymPy twice
    >>> g([-1.0, 3.0]).tolist()
    [[-18.0, 3.0], [3.0, 0.0]]
    """
    grad = [sp.diff(E, w) for w in weights]
    where = _locate(weights, args)
    if where is not None and _complex_safe(E):
        return _ComplexStepHessian(sp.lambdify(list(args), grad, modules=list(modules), cse=True),
                                   where)
    n = len(weights)
    H = sp.zeros(n, n)
    for r, gr in enumerate(grad):
        for c in range(r, n):
            H[r, c] = H[c, r] = sp.diff(gr, weights[c])
    return sp.lambdify(list(args), H, modules=list(modules), cse=True)


# Functions whose NumPy code is analytic and takes complex arguments (``math.erf`` would drop
# the imaginary part); anything else in E is differentiated by SymPy twice instead.
_COMPLEX_SAFE = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh)


def _complex_safe(E: sp.Expr) -> bool:
    """Whether the complex step is exact for ``E``: it is analytic, and its lambdified code
    takes complex arguments (only :data:`_COMPLEX_SAFE` functions and the activation family).

    >>> u = sp.Symbol("u")
    >>> _complex_safe(sp.tanh(u) ** 2 + sp.exp(u)), _complex_safe(sp.erf(u)), _complex_safe(sp.Abs(u))
    (True, False, False)
    """
    if E.has(sp.Piecewise, sp.Abs, sp.Max, sp.Min):
        return False
    return all(isinstance(f, _COMPLEX_SAFE) or isinstance(f, nw.Activation) for f in E.atoms(sp.Function))
_STEP = 1e-30


def _locate(weights: Sequence[sp.Expr], args: Sequence[Any]) -> tuple[tuple[int, tuple[int, ...]], ...] | None:
    """Where each weight sits among the lambdified arguments: (argument, index in it); None when
    one of them is not an element of an argument (then the Hessian is differentiated twice)."""
    out = []
    for w in weights:
        for k, arg in enumerate(args):
            if isinstance(w, sp.Indexed) and w.base == arg:
                out.append((k, tuple(int(i) for i in w.indices)))
                break
            if isinstance(arg, (list, tuple)) and w in arg:
                out.append((k, (list(arg).index(w),)))
                break
            if isinstance(arg, sp.Symbol) and w == arg:
                out.append((k, ()))
                break
        else:
            return None
    return tuple(out)


class _ComplexStepHessian:
    """``H[:, c] = Im g(w + i·h·e_c) / h`` over a lambdified gradient ``g`` (see
    :func:`hessian_function`); non-finite when the gradient is non-finite at the point."""

    def __init__(self, grad: Callable[..., Any], where: tuple[tuple[int, tuple[int, ...]], ...]) -> None:
        self.grad, self.where = grad, where

    def rebind(self, act: dict[str, Callable[..., Any]]) -> _ComplexStepHessian:
        return _ComplexStepHessian(bind_activation(self.grad, act), self.where)

    def __call__(self, *vals: Any) -> np.ndarray:
        n = len(self.where)
        if not np.all(np.isfinite(np.asarray(self.grad(*vals), dtype=float))):
            return np.full((n, n), np.nan)
        H = np.empty((n, n))
        for c, (k, idx) in enumerate(self.where):
            moved = list(vals)
            if idx:
                arr = np.array(vals[k], dtype=complex)
                arr[idx] += 1j * _STEP
                moved[k] = arr
            else:
                moved[k] = vals[k] + 1j * _STEP
            H[:, c] = np.imag(np.asarray(self.grad(*moved), dtype=complex).reshape(n)) / _STEP
        return (H + H.T) / 2


def numpy_activation(expr: sp.Expr, orders: int = 4) -> dict[str, Callable[..., Any]]:
    """NumPy ``h, h', h'', …`` of an activation ``expr`` (a function of ``u``), under the names
    lambdified code calls them (``h``, ``hp``, ``hpp``, …; :class:`symhess.network.Activation`).

    >>> f = numpy_activation(activation_expr("tanh", np.random.default_rng(0)))
    >>> round(float(f["hp"](0.0)), 12)
    1.0
    """
    out: dict[str, Callable[..., Any]] = {}
    for q in range(orders + 1):
        deriv = sp.diff(expr, _U, q)
        fn = sp.lambdify([_U], deriv, modules="numpy")
        out[nw.ACTIVATION_FAMILY[q].code_name] = fn if deriv.has(_U) else _constant(float(deriv))
    return out


def _constant(value: float) -> Callable[..., Any]:
    """A vectorised constant function (a derivative that no longer depends on ``u``)."""

    def f(u: Any) -> Any:
        return np.full(np.shape(u), value)

    return f


# Lambdified code with an unspecified h calls h, hp, hpp by name; bind_activation supplies them.
ACTIVATION_PLACEHOLDER: dict[str, Callable[..., Any]] = {}


def bind_activation(fn: Callable[..., Any], act: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    """A copy of the lambdified ``fn`` (made with ``modules=[ACTIVATION_PLACEHOLDER, "numpy"]``)
    whose ``h, hp, hpp, …`` are those of ``act`` (from :func:`numpy_activation`)."""
    if isinstance(fn, _ComplexStepHessian):
        return fn.rebind(act)
    code = fn.__code__
    return types.FunctionType(code, {**fn.__globals__, **act}, fn.__name__)


@lru_cache(maxsize=32)
def _smooth_functions(activation: str, error: str, K: int, seed: int) -> tuple[Any, ...]:
    """h(u) and E_n(A; t) of an instance, with their NumPy derivatives: they depend on the
    activation, the error, K and the seed only (not on D, M or biases), so the five sizes of
    a numeric check share them (lambdifying is most of an instance's cost)."""
    rng = np.random.default_rng(seed + 7919)  # the same draws, in the same order, as before
    ts = tuple(sp.Symbol(f"t_{q}") for q in range(1, K + 1))
    hx = activation_expr(activation, rng)
    A = [sp.Symbol(f"A_{q}") for q in range(1, K + 1)]
    state = rng.bit_generator.state
    E_of_A = error_expr(error, A, list(ts), rng)
    act = tuple(numpy_activation(hx, 3).values())
    if error == "general" and K > 3:
        # the larger K of a check whose sums have constant bounds: SymPy's K³ third derivatives
        # would cost seconds; the same function's derivatives in closed form, same coefficients
        again = np.random.default_rng()
        again.bit_generator.state = state
        return hx, A, E_of_A, act, general_error_functions(again, K)
    grad = [sp.diff(E_of_A, a) for a in A]
    hmat = [[sp.diff(g, a) for a in A] for g in grad]
    third = [[[sp.diff(hq, a) for a in A] for hq in row] for row in hmat]
    err = tuple(sp.lambdify([A, ts], f, "numpy") for f in (E_of_A, grad, hmat, third))
    return hx, A, E_of_A, act, err


def general_error_functions(rng: np.random.Generator, K: int) -> tuple[Callable[..., Any], ...]:
    """E_n of :func:`error_expr` ``"general"`` (drawing its coefficients from ``rng`` exactly as it
    does) and its gradient, Hessian and third derivative in A, in closed form with NumPy:
    ``E = Σ c_p cos r_p + (b·r)²/2 + (d·A)³/6`` with ``r = A − t``.

    >>> rng = np.random.default_rng(5)
    >>> A, t = sp.symbols("A_1:4"), sp.symbols("t_1:4")
    >>> E = error_expr("general", list(A), list(t), np.random.default_rng(5))
    >>> fns = general_error_functions(rng, 3)
    >>> a, tv = [0.3, -0.2, 0.7], [0.1, 0.5, -0.4]
    >>> at = dict(zip(A + t, a + tv))
    >>> third = [[[float(sp.diff(E, p, q, s).subs(at)) for s in A] for q in A] for p in A]
    >>> bool(abs(fns[0](a, tv) - float(E.subs(at))) < 1e-12), bool(np.allclose(fns[3](a, tv), third))
    (True, True)
    """
    c = np.array([round(float(v), 4) for v in rng.uniform(0.5, 1.5, K)])
    b = np.array([round(float(v), 4) for v in rng.normal(size=K)])
    d = np.array([round(float(v), 4) for v in rng.normal(size=K)])

    def energy(a: Any, t: Any) -> Any:
        r = np.asarray(a, dtype=float) - np.asarray(t, dtype=float)
        return float(np.sum(c * np.cos(r)) + (b @ r) ** 2 / 2 + (d @ np.asarray(a, dtype=float)) ** 3 / 6)

    def grad(a: Any, t: Any) -> Any:
        r = np.asarray(a, dtype=float) - np.asarray(t, dtype=float)
        return -c * np.sin(r) + b * (b @ r) + d * (d @ np.asarray(a, dtype=float)) ** 2 / 2

    def hess(a: Any, t: Any) -> Any:
        r = np.asarray(a, dtype=float) - np.asarray(t, dtype=float)
        return np.diag(-c * np.cos(r)) + np.outer(b, b) + np.outer(d, d) * (d @ np.asarray(a, dtype=float))

    def third(a: Any, t: Any) -> Any:
        r = np.asarray(a, dtype=float) - np.asarray(t, dtype=float)
        out = np.einsum("p,q,s->pqs", d, d, d)
        out[np.arange(K), np.arange(K), np.arange(K)] += c * np.sin(r)
        return out

    return energy, grad, hess, third


@lru_cache(maxsize=32)
def _compile(cfg: NetworkConfig, seed: int) -> _Compiled:
    if cfg.skip:
        raise ValueError("instances of the network with skip-layer weights are not provided")
    D, K = int(cfg.D), int(cfg.K)
    weights = tuple((q.base, int(q.indices[0]), int(q.indices[1])) for q in cfg.weights())
    wsyms = tuple(sp.Symbol(f"w{1 if base == nw.W1 else 2}_{a}_{c}")
                  for base, a, c in weights)
    W = dict(zip(weights, wsyms))
    xs = tuple(sp.Symbol(f"x_{q}") for q in range(1, D + 1))
    ts = tuple(sp.Symbol(f"t_{q}") for q in range(1, K + 1))
    hx, A, E_of_A, act, err = _smooth_functions(cfg.activation, cfg.error, K, seed)
    # the network written out in the plain symbols, with this instance's h
    layer = {base: {(a, c): s for (b_, a, c), s in W.items() if b_ == base} for base in (nw.W1, nw.W2)}
    net = nw.written_out(cfg, lambda u: hx.subs(_U, u), w1=layer[nw.W1], w2=layer[nw.W2],
                         x=(sp.S.One, *xs))
    a2 = net.a_out[1:]
    # E written out in the weights only when the brute-force Hessian is first asked for
    hess = _LazyHessian(lambda: E_of_A.subs(dict(zip(A, a2))), wsyms, xs, ts)
    return _Compiled(weights, wsyms, xs, ts, hess, act, err)


def make_instance(cfg: NetworkConfig, seed: int = 0, point: int = 0,
                  counts: tuple[int, int] = (3, 3)) -> Instance:
    """A concrete instance of ``cfg`` (integer sizes): smooth functions from ``seed``, point from
    ``point``; the generic model's jets for ``counts`` = (N data points, W weights).

    >>> inst = make_instance(NetworkConfig(2, 2, 2), seed=1)
    >>> round(float(inst.arrays[nw.X][0]), 1), round(float(inst.arrays[nw.Z][0]), 1)
    (1.0, 1.0)
    >>> from symhess import model as md
    >>> inst = make_instance(NetworkConfig(1, 1, 1), counts=(4, 2))
    >>> inst.model_sizes, inst.arrays[md.YG].shape
    ({'N': 4, 'W': 2}, (5, 3))
    """
    N, W = (int(c) for c in counts)
    if N < 1 or W < 1:
        raise ValueError(f"counts must be positive, got N={N}, W={W}")
    if not cfg.is_concrete:
        raise ValueError(f"an instance needs integer sizes, got D={cfg.D}, M={cfg.M}, K={cfg.K}")
    comp = _compile(cfg, seed)
    rng = np.random.default_rng(1000 * seed + point)
    D, M, K, b = int(cfg.D), int(cfg.M), int(cfg.K), int(cfg.bias)
    x = np.concatenate([[1.0], rng.normal(size=D)])
    t = np.concatenate([[0.0], rng.uniform(0.1, 0.9, K) if cfg.error != "general" else rng.normal(size=K)])
    if cfg.error == "softmax_cross_entropy":
        t[1:] = t[1:] / t[1:].sum()
    w1 = np.zeros((M + 1, D + 1))
    w2 = np.zeros((K + 1, M + 1))
    w1[1:, 1 - b:] = rng.normal(scale=0.8, size=(M, D + b))
    w2[1:, 1 - b:] = rng.normal(scale=0.8, size=(K, M + b))
    act = comp.act
    a1 = np.concatenate([[0.0], w1[1:] @ x])
    z = np.concatenate([[1.0], np.broadcast_to(act[0](a1[1:]), (M,))])
    a2 = np.concatenate([[0.0], w2[1:] @ z])
    E, g, Hm, T3 = (np.asarray(f(list(a2[1:]), list(t[1:])), dtype=float) for f in comp.err_derivs)
    delta = np.concatenate([[0.0], g])
    Mm = np.zeros((K + 1, K + 1))
    Mm[1:, 1:] = Hm
    T = np.zeros((K + 1,) * 3)
    T[1:, 1:, 1:] = T3
    v1 = np.zeros_like(w1)
    v2 = np.zeros_like(w2)
    v1[1:, 1 - b:] = rng.normal(size=(M, D + b))
    v2[1:, 1 - b:] = rng.normal(size=(K, M + b))
    arrays = {nw.X: x, nw.T: t, nw.W1: w1, nw.W2: w2, nw.A_HID: a1, nw.Z: z, nw.A_OUT: a2,
              nw.Y: a2, nw.DELTA: delta, nw.MM: Mm, nw.T3: T, nw.V1: v1, nw.V2: v2}
    wvec = np.array([(w1 if base == nw.W1 else w2)[a, c] for base, a, c in comp.weights])
    model_arrays, model_scalars, functions = _model_jets(rng, N=N, W=W)
    arrays.update(model_arrays)
    return Instance(cfg, arrays, {nw.E_N: float(E), **model_scalars}, act, comp.weights,
                    comp.hess, (wvec, x[1:], t[1:]), functions, _quadrature(), {"N": N, "W": W})


def _sym(rng: np.random.Generator, shape: tuple[int, ...], lead: int) -> np.ndarray:
    """A random array symmetric in its axes after the first ``lead`` ones."""
    a = rng.normal(size=shape)
    tail = list(range(lead, len(shape)))
    out = np.zeros(shape)
    perms = list(itertools.permutations(tail))
    for p in perms:
        out = out + np.transpose(a, list(range(lead)) + list(p))
    return out / len(perms)


def _model_jets(rng: np.random.Generator, N: int, W: int) -> tuple[dict[Any, Any], dict[Any, float], dict[Any, Callable[..., Any]]]:
    """Random jets of an unspecified model y(x, w) and error E(w), and a concrete density.

    Jets (value, gradient, Hessian, third derivative) of a smooth function at a point are
    unconstrained apart from symmetry, so identities for every smooth model are checked
    on random jets.  The integral form uses x ~ N(0, 1), t | x ~ N(f(x), 0.6^2).
    """
    from . import model as md
    yn = np.concatenate([[0.0], rng.normal(size=N)])
    tn = np.concatenate([[0.0], rng.normal(size=N)])
    yg = np.zeros((N + 1, W + 1)); yg[1:, 1:] = rng.normal(size=(N, W))
    yh = np.zeros((N + 1, W + 1, W + 1)); yh[1:, 1:, 1:] = _sym(rng, (N, W, W), 1)
    y3 = np.zeros((N + 1,) + (W + 1,) * 3); y3[1:, 1:, 1:, 1:] = _sym(rng, (N, W, W, W), 1)
    eg = np.zeros(W + 1); eg[1:] = rng.normal(size=W)
    eh = np.zeros((W + 1,) * 2); eh[1:, 1:] = _sym(rng, (W, W), 0)
    e3 = np.zeros((W + 1,) * 3); e3[1:, 1:, 1:] = _sym(rng, (W, W, W), 0)
    vv = np.zeros(W + 1); vv[1:] = rng.normal(size=W)
    arrays = {md.YN: yn, md.TN: tn, md.YG: yg, md.YH: yh, md.Y3: y3, md.EG: eg, md.EH: eh,
              md.E3: e3, md.VV: vv}
    c = rng.uniform(0.5, 1.5, size=(4, W + 1, W + 1))
    c = (c + c.transpose(0, 2, 1)) / 2
    y0 = rng.uniform(0.5, 1.5, size=3)
    sigma = 0.6

    def f(x: Any) -> Any:  # E[t|x]
        return np.sin(x) + 0.5 * x

    def gauss(u: Any, s: float) -> Any:
        return np.exp(-0.5 * (u / s) ** 2) / (s * np.sqrt(2 * np.pi))

    functions: dict[Any, Callable[..., Any]] = {
        md.Yx: lambda x: y0[0] * np.tanh(y0[1] * x + 0.2) + 0.3 * y0[2] * x,
        md.YxG: lambda x, r: c[0, int(r), int(r)] * np.sin(c[1, int(r), int(r)] * x + r),
        md.YxH: lambda x, r, s: c[2, int(r), int(s)] * np.cos(c[3, int(r), int(s)] * x + r + s),
        md.YxT: lambda x, r, s, u: np.cos(x + r + s + u),
        md.Pxt: lambda x, t: gauss(x, 1.0) * gauss(t - f(x), sigma),
        md.Px: lambda x: gauss(x, 1.0),
        md.Ptx: lambda t, x: gauss(t - f(x), sigma),
        md.CondMean: f,
    }
    return arrays, {md.E_W: float(rng.normal())}, functions


@lru_cache(maxsize=1)
def _quadrature() -> dict[sp.Symbol, tuple[np.ndarray, np.ndarray]]:
    from . import model as md
    out = {}
    for var, half, n in ((md.XV, 8.0, 90), (md.TV, 10.0, 140)):
        nodes, weights = np.polynomial.legendre.leggauss(n)
        out[var] = (nodes * half, weights * half)
    return out
