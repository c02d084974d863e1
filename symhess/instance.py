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

    def __init__(self, E: sp.Expr, wsyms: tuple, xs: tuple, ts: tuple) -> None:
        self.E, self.wsyms, self.xs, self.ts = E, wsyms, xs, ts
        self.fn: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        if self.fn is None:
            grad = [sp.diff(self.E, w) for w in self.wsyms]
            H = sp.zeros(len(self.wsyms), len(self.wsyms))
            for r, gr in enumerate(grad):
                for c in range(r, len(self.wsyms)):
                    H[r, c] = H[c, r] = sp.diff(gr, self.wsyms[c])
            self.fn = sp.lambdify([self.wsyms, self.xs, self.ts], H, modules="numpy", cse=True)
        return self.fn(*args)


@lru_cache(maxsize=32)
def _compile(cfg: NetworkConfig, seed: int) -> _Compiled:
    rng = np.random.default_rng(seed + 7919)
    D, M, K, b = int(cfg.D), int(cfg.M), int(cfg.K), int(cfg.bias)
    weights = tuple([(nw.W1, jj, ii) for jj in range(1, M + 1) for ii in range(1 - b, D + 1)]
                    + [(nw.W2, kk, jj) for kk in range(1, K + 1) for jj in range(1 - b, M + 1)])
    wsyms = tuple(sp.Symbol(f"w{1 if base == nw.W1 else 2}_{a}_{c}")
                  for base, a, c in weights)
    W = dict(zip(weights, wsyms))
    xs = tuple(sp.Symbol(f"x_{q}") for q in range(1, D + 1))
    ts = tuple(sp.Symbol(f"t_{q}") for q in range(1, K + 1))
    hx = activation_expr(cfg.activation, rng)
    x_full = [sp.S.One, *xs]
    a1 = [sum(W[(nw.W1, jj, ii)] * x_full[ii] for ii in range(1 - b, D + 1)) for jj in range(1, M + 1)]
    z_full = [sp.S.One, *(hx.subs(_U, aj) for aj in a1)]
    a2 = [sum(W[(nw.W2, kk, jj)] * z_full[jj] for jj in range(1 - b, M + 1)) for kk in range(1, K + 1)]
    A = [sp.Symbol(f"A_{q}") for q in range(1, K + 1)]
    E_of_A = error_expr(cfg.error, A, list(ts), rng)
    E = E_of_A.subs(dict(zip(A, a2)))
    hess = _LazyHessian(E, wsyms, xs, ts)
    act = tuple(sp.lambdify(_U, sp.diff(hx, _U, q), "numpy") for q in range(4))
    grad = [sp.diff(E_of_A, a) for a in A]
    hmat = [[sp.diff(g, a) for a in A] for g in grad]
    third = [[[sp.diff(hq, a) for a in A] for hq in row] for row in hmat]
    err = tuple(sp.lambdify([A, ts], f, "numpy") for f in (E_of_A, grad, hmat, third))
    return _Compiled(weights, wsyms, xs, ts, hess, act, err)


def make_instance(cfg: NetworkConfig, seed: int = 0, point: int = 0) -> Instance:
    """A concrete instance of ``cfg`` (integer sizes): smooth functions from ``seed``, point from ``point``.

    >>> inst = make_instance(NetworkConfig(2, 2, 2), seed=1)
    >>> round(float(inst.arrays[nw.X][0]), 1), round(float(inst.arrays[nw.Z][0]), 1)
    (1.0, 1.0)
    """
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
    model_arrays, model_scalars, functions = _model_jets(rng, N=3, W=3)
    arrays.update(model_arrays)
    return Instance(cfg, arrays, {nw.E_N: float(E), **model_scalars}, act, comp.weights,
                    comp.hess, (wvec, x[1:], t[1:]), functions, _quadrature(), {"N": 3, "W": 3})


def _sym(rng: np.random.Generator, shape: tuple[int, ...], lead: int) -> np.ndarray:
    """A random array symmetric in its axes after the first ``lead`` ones."""
    a = rng.normal(size=shape)
    tail = list(range(lead, len(shape)))
    out = np.zeros(shape)
    perms = list(itertools.permutations(tail))
    for p in perms:
        out = out + np.transpose(a, list(range(lead)) + list(p))
    return out / len(perms)


def _model_jets(rng: np.random.Generator, N: int, W: int) -> tuple[dict, dict, dict]:
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

    def f(x):  # E[t|x]
        return np.sin(x) + 0.5 * x

    def gauss(u, s):
        return np.exp(-0.5 * (u / s) ** 2) / (s * np.sqrt(2 * np.pi))

    functions = {
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
