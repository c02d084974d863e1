"""Numeric value of an index-generic expression on a concrete :class:`Instance`.

Sums run over their ranges (sizes from the instance), indices take the values given,
``delta_k``, ``M_kk'``, ``h'(a_j)``, the jets of an unspecified model and its densities are
read off the instance; integrals use the instance's quadrature rules.  This is how
derived formulas and hand-written steps are evaluated numerically.

>>> from symhess.instance import make_instance
>>> from symhess.network import NetworkConfig, Z, MM, j, jp, k, kp
>>> inst = make_instance(NetworkConfig(1, 2, 2, bias=False), seed=0)
>>> v = evaluate(Z[j] * Z[jp] * MM[k, kp], inst, {j: 1, jp: 2, k: 1, kp: 1})
>>> bool(abs(v - inst.arrays[Z][1] * inst.arrays[Z][2] * inst.arrays[MM][1, 1]) < 1e-12)
True
"""
from __future__ import annotations

import zlib

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from . import model as md
from . import network as nw
from .errors import NotEvaluable
from .instance import Instance


def evaluate(expr: sp.Expr, inst: Instance, indices: Mapping[sp.Symbol, Any]) -> float:
    """The value of ``expr`` at ``inst`` with free indices (and free x, t) set by ``indices``.

    ``indices`` may also give the values of constants the reader named (:class:`~symhess.model.Parameter`);
    a constant not given is drawn per instance (:func:`parameter_value`).  A quantity at an index
    that does not exist — above its size, or 0 where there is no unit 0 (``delta_0`` of output
    unit 0, ``y_0`` of data point 0, a weight r = 0) — raises :class:`NotEvaluable`: index 0
    exists only for the input and hidden units (the bias units ``x_0 = z_0 = 1``, ``w_{j0}``, ``w_{k0}``).

    >>> from symhess.instance import make_instance
    >>> from symhess.network import NetworkConfig, DELTA, Z
    >>> inst = make_instance(NetworkConfig(1, 2, 2), seed=0)
    >>> evaluate(Z[0], inst, {})
    1.0
    >>> evaluate(DELTA[0], inst, {})
    Traceback (most recent call last):
    ...
    symhess.evaluate.NoSuchUnit: delta[0] does not exist: the output units are numbered from 1 (index 0 exists only for the bias units x_0 = z_0 = 1)
    """
    env: dict[sp.Symbol, Any] = {**inst.size_env(), **indices}
    val = _ev(sp.sympify(expr), inst, env)
    return float(np.real(val))


def parameter_value(p: sp.Symbol, inst: Instance) -> float:
    """The magnitude drawn for a constant the reader named, per instance: in [0.4, 2.0]
    (the numeric route of :func:`symhess.equivalence.decide` gives it either sign).

    >>> from symhess.instance import make_instance
    >>> from symhess.network import NetworkConfig
    >>> 0.4 <= parameter_value(md.Parameter("c"), make_instance(NetworkConfig(1, 1, 1), seed=0)) <= 2.0
    True
    """
    seed = zlib.crc32(p.name.encode()) ^ zlib.crc32(repr(inst.scalars.get(nw.E_N)).encode())
    return 0.4 + (seed % 9973) / 9973 * 1.6


# The index letter of each axis of the quantities an instance holds (what an index there ranges over).
AXES: dict[Any, str] = {nw.X: "i", nw.Z: "j", nw.A_HID: "j", nw.W1: "ji", nw.W2: "kj", nw.V1: "ji",
                        nw.V2: "kj", nw.T: "k", nw.A_OUT: "k", nw.Y: "k", nw.DELTA: "k", nw.MM: "kk",
                        nw.T3: "kkk", md.YN: "n", md.TN: "n", md.YG: "nr", md.YH: "nrr", md.Y3: "nrrr",
                        md.EG: "r", md.EH: "rr", md.E3: "rrr", md.VV: "r", md.WV: "r",
                        md.YxG: "xr", md.YxH: "xrr", md.YxT: "xrrr"}
# Index 0 exists for the input and hidden units only (the bias units x_0 = z_0 = 1, PRML 5.8–5.9;
# a quantity of hidden unit 0 with no value of its own, w_{0i} or a_0, reads as 0, as before);
# output units k, data points n and weights r, s are numbered from 1 (docs/NOTATION.md).
_HAS_UNIT_0 = ("i", "j")
_UNITS = {"i": "input units", "j": "hidden units", "k": "output units", "n": "data points",
          "r": "weights", "s": "weights"}
# Functions of x whose later arguments are weight indices r, s, u (1..W).
_WEIGHT_ARGS = (md.YxG, md.YxH, md.YxT)


class NoSuchUnit(NotEvaluable):
    """A quantity at an index below its range: ``quantity`` (the SymPy quantity at that index,
    e.g. ``delta[0]``) does not exist, for the reason ``why`` (words)."""

    def __init__(self, quantity: sp.Expr, why: str) -> None:
        super().__init__(f"{quantity} {why}")
        self.quantity, self.why = quantity, why


def _check_index(e: sp.Expr, idx: tuple[int, ...], shape: tuple[int, ...]) -> None:
    """``NotEvaluable`` when an index of ``e`` is outside its range: above the size, or 0 where
    its letter (:data:`AXES`) has no unit 0 (k, n, r, s)."""
    if len(idx) != len(shape):
        raise NotEvaluable(f"index out of range in {e}: {idx}")
    axes = AXES.get(e.base, "") if isinstance(e, sp.Indexed) else AXES.get(type(e), "")[1:]
    for pos, (v, size) in enumerate(zip(idx, shape)):
        if v >= size or v < 0:
            raise NotEvaluable(f"index out of range in {e}: {idx}")
        letter = axes[pos:pos + 1]
        if v == 0 and letter and letter not in _HAS_UNIT_0:
            at = e.base[idx] if isinstance(e, sp.Indexed) else e.func(*e.args[:1], *idx)
            raise NoSuchUnit(at, f"does not exist: the {_UNITS[letter]} "
                                 "are numbered from 1 (index 0 exists only for the bias units "
                                 "x_0 = z_0 = 1)")


def _ev(e: sp.Expr, inst: Instance, env: dict[sp.Symbol, Any]) -> Any:
    if e.is_Number:
        return float(e)
    if isinstance(e, sp.Symbol):
        if e in env:
            return env[e]
        if e in inst.scalars:
            return inst.scalars[e]
        if isinstance(e, md.Parameter):  # a constant the reader named: drawn per instance
            return parameter_value(e, inst)
        raise NotEvaluable(f"no value for the symbol {e}")
    if isinstance(e, sp.Indexed):
        arr = inst.arrays.get(e.base)
        if arr is None:
            raise NotEvaluable(f"no values for {e.base}")
        idx = tuple(int(_ev(a, inst, env)) for a in e.indices)
        _check_index(e, idx, arr.shape)
        return float(arr[idx])
    if isinstance(e, sp.KroneckerDelta):
        a, b = (_ev(x, inst, env) for x in e.args)
        return 1.0 if a == b else 0.0
    if isinstance(e, sp.Add):
        out: Any = 0.0
        for a in e.args:
            out = out + _ev(a, inst, env)
        return out
    if isinstance(e, sp.Mul):
        out = 1.0
        for a in e.args:
            out = out * _ev(a, inst, env)
        return out
    if isinstance(e, sp.Pow):
        return np.power(_ev(e.base, inst, env), _ev(e.exp, inst, env))
    if isinstance(e, sp.Sum):
        return _sum(e.function, list(e.limits), inst, env)
    if isinstance(e, sp.Integral):
        return _integral(e, inst, env)
    if isinstance(e, sp.exp):
        return np.exp(_ev(e.args[0], inst, env))
    if isinstance(e, sp.log):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(_ev(e.args[0], inst, env))
    if isinstance(e, sp.Abs):
        return np.abs(_ev(e.args[0], inst, env))
    if isinstance(e, sp.Function) and type(e) in nw.ACTIVATION_CHAIN:
        order = nw.ACTIVATION_CHAIN.index(type(e))
        return inst.activation[order](_ev(e.args[0], inst, env))
    if isinstance(e, sp.Function) and type(e) in inst.functions:
        args = [_ev(a, inst, env) for a in e.args]
        if isinstance(e, _WEIGHT_ARGS):
            w = inst.size_env()[nw.SIZES["r"]]
            _check_index(e, tuple(int(v) for v in args[1:]), (w + 1,) * (len(args) - 1))
        return inst.functions[type(e)](*args)
    raise NotEvaluable(f"cannot evaluate {type(e).__name__}: {e}")


def _sum(body: sp.Expr, limits: list[tuple[sp.Symbol, Any, Any]], inst: Instance, env: dict[sp.Symbol, Any]) -> Any:
    (d, lo, hi), rest = limits[0], limits[1:]
    total: Any = 0.0
    for v in range(int(_ev(lo, inst, env)), int(_ev(hi, inst, env)) + 1):
        inner = {**env, d: v}
        total = total + (_sum(body, rest, inst, inner) if rest else _ev(body, inst, inner))
    return total


def _integral(e: sp.Integral, inst: Instance, env: dict[sp.Symbol, Any]) -> Any:
    depth = max((np.ndim(v) for v in env.values()), default=0)
    nvars = len(e.limits)
    # the nodes of enclosing integrals gain axes for this one's variables (nested integrals)
    new = {k: (np.reshape(v, np.shape(v) + (1,) * nvars) if np.ndim(v) else v) for k, v in env.items()}
    weight: Any = 1.0
    for pos, lim in enumerate(e.limits):
        var = lim[0]
        if len(lim) != 1 or var not in inst.quadrature:
            raise NotEvaluable(f"no quadrature rule for ∫ d{var}")
        nodes, w = inst.quadrature[var]
        shape = (1,) * (depth + pos) + (len(nodes),) + (1,) * (nvars - pos - 1)
        new[var] = nodes.reshape(shape)
        weight = weight * w.reshape(shape)
    val = _ev(e.function, inst, new) * weight
    full = np.broadcast_to(val, np.broadcast_shapes(np.shape(val), np.shape(weight)))
    return full.sum(axis=tuple(range(full.ndim - nvars, full.ndim)))
