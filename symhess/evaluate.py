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
    """The value of ``expr`` at ``inst`` with free indices (and free x, t) set by ``indices``."""
    env: dict[sp.Symbol, Any] = {**inst.size_env(), **indices}
    val = _ev(sp.sympify(expr), inst, env)
    return float(np.real(val))


def _ev(e: sp.Expr, inst: Instance, env: dict[sp.Symbol, Any]) -> Any:
    if e.is_Number:
        return float(e)
    if isinstance(e, sp.Symbol):
        if e in env:
            return env[e]
        if e in inst.scalars:
            return inst.scalars[e]
        if isinstance(e, md.Parameter):  # a constant the reader named: drawn per instance
            seed = zlib.crc32(e.name.encode()) ^ zlib.crc32(repr(inst.scalars.get(nw.E_N)).encode())
            return 0.4 + (seed % 9973) / 9973 * 1.6
        raise NotEvaluable(f"no value for the symbol {e}")
    if isinstance(e, sp.Indexed):
        arr = inst.arrays.get(e.base)
        if arr is None:
            raise NotEvaluable(f"no values for {e.base}")
        idx = tuple(int(_ev(a, inst, env)) for a in e.indices)
        if len(idx) != arr.ndim or any(v < 0 or v >= s for v, s in zip(idx, arr.shape)):
            raise NotEvaluable(f"index out of range in {e}: {idx}")
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
