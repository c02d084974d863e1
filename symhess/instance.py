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
    activation: tuple[Callable[[float], float], ...]
    weights: tuple[tuple[Any, int, int], ...]
    _hessian_fn: Callable[..., np.ndarray] = field(repr=False)
    _args: tuple[np.ndarray, ...] = field(repr=False)

    def hessian(self) -> np.ndarray:
        """The brute-force Hessian d2E_n/dw dw' (SymPy, lambdified), weights in :attr:`weights` order."""
        return np.asarray(self._hessian_fn(*self._args), dtype=float)

    def position(self, base: Any, a: int, b: int) -> int:
        """Row of weight ``base[a, b]`` in :meth:`hessian`."""
        return self.weights.index((base, a, b))

    @property
    def sizes(self) -> dict[str, int]:
        return {"D": int(self.cfg.D), "M": int(self.cfg.M), "K": int(self.cfg.K)}


@dataclass(frozen=True)
class _Compiled:
    weights: tuple[tuple[Any, int, int], ...]
    wsyms: tuple[sp.Symbol, ...]
    xsyms: tuple[sp.Symbol, ...]
    tsyms: tuple[sp.Symbol, ...]
    hess: Callable[..., np.ndarray]
    act: tuple[Callable[[float], float], ...]
    err_derivs: tuple[Callable[..., Any], ...]


@lru_cache(maxsize=32)
def _compile(cfg: NetworkConfig, seed: int) -> _Compiled:
    rng = np.random.default_rng(seed + 7919)
    D, M, K, b = int(cfg.D), int(cfg.M), int(cfg.K), int(cfg.bias)
    weights = tuple([(nw.W1, jj, ii) for jj in range(1, M + 1) for ii in range(1 - b, D + 1)]
                    + [(nw.W2, kk, jj) for kk in range(1, K + 1) for jj in range(1 - b, M + 1)])
    wsyms = tuple(sp.Symbol(f"w{1 if base is nw.W1 else 2}_{a}_{c}")
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
    grad_w = [sp.diff(E, w) for w in wsyms]
    H = sp.zeros(len(wsyms), len(wsyms))
    for r, gr in enumerate(grad_w):
        for c in range(r, len(wsyms)):
            H[r, c] = H[c, r] = sp.diff(gr, wsyms[c])
    hess = sp.lambdify([wsyms, xs, ts], H, modules="numpy", cse=True)
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
    arrays = {nw.X: x, nw.T: t, nw.W1: w1, nw.W2: w2, nw.A_HID: a1, nw.Z: z, nw.A_OUT: a2,
              nw.Y: a2, nw.DELTA: delta, nw.MM: Mm, nw.T3: T}
    wvec = np.array([(w1 if base is nw.W1 else w2)[a, c] for base, a, c in comp.weights])
    return Instance(cfg, arrays, {nw.E_N: float(E)}, act, comp.weights, comp.hess,
                    (wvec, x[1:], t[1:]))
