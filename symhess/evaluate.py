"""Numeric value of an index-generic network expression on a concrete :class:`Instance`.

Sums run over their ranges (sizes from the instance), indices take the values given,
``delta_k``, ``M_kk'``, ``h'(a_j)`` ... are read off the instance.  This is how derived
formulas and hand-written steps are evaluated numerically.

>>> from symhess.instance import make_instance
>>> from symhess.network import NetworkConfig, Z, MM, j, jp, k, kp
>>> inst = make_instance(NetworkConfig(1, 2, 2, bias=False), seed=0)
>>> v = evaluate(Z[j] * Z[jp] * MM[k, kp], inst, {j: 1, jp: 2, k: 1, kp: 1})
>>> bool(abs(v - inst.arrays[Z][1] * inst.arrays[Z][2] * inst.arrays[MM][1, 1]) < 1e-12)
True
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import sympy as sp

from . import network as nw
from .errors import SymhessError
from .instance import Instance


class NotEvaluable(SymhessError):
    """The expression holds something with no numeric meaning on an instance."""


def evaluate(expr: sp.Expr, inst: Instance, indices: Mapping[sp.Symbol, int]) -> float:
    """The value of ``expr`` at ``inst`` with free indices set by ``indices``."""
    sizes = {nw.SIZES["i"]: int(inst.cfg.D), nw.SIZES["j"]: int(inst.cfg.M),
             nw.SIZES["k"]: int(inst.cfg.K)}
    return float(_ev(sp.sympify(expr), inst, {**sizes, **indices}))


def _ev(e: sp.Expr, inst: Instance, env: dict[sp.Symbol, int]) -> float:
    if e.is_Number:
        return float(e)
    if isinstance(e, sp.Symbol):
        if e in env:
            return env[e]
        if e in inst.scalars:
            return inst.scalars[e]
        raise NotEvaluable(f"no value for the symbol {e}")
    if isinstance(e, sp.Indexed):
        arr = inst.arrays.get(e.base)
        if arr is None:
            raise NotEvaluable(f"no values for {e.base}")
        idx = tuple(int(_ev(a, inst, env)) for a in e.indices)
        if any(v < 0 or v >= s for v, s in zip(idx, arr.shape)):
            raise NotEvaluable(f"index out of range in {e}: {idx}")
        return float(arr[idx])
    if isinstance(e, sp.KroneckerDelta):
        a, b = (_ev(x, inst, env) for x in e.args)
        return 1.0 if a == b else 0.0
    if isinstance(e, sp.Add):
        return math.fsum(_ev(a, inst, env) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1.0
        for a in e.args:
            out *= _ev(a, inst, env)
        return out
    if isinstance(e, sp.Pow):
        return _ev(e.base, inst, env) ** _ev(e.exp, inst, env)
    if isinstance(e, sp.Sum):
        return _sum(e.function, list(e.limits), inst, env)
    if isinstance(e, sp.Function) and type(e) in nw.ACTIVATION_CHAIN:
        order = nw.ACTIVATION_CHAIN.index(type(e))
        return float(inst.activation[order](_ev(e.args[0], inst, env)))
    raise NotEvaluable(f"cannot evaluate {type(e).__name__}: {e}")


def _sum(body: sp.Expr, limits: list, inst: Instance, env: dict[sp.Symbol, int]) -> float:
    (d, lo, hi), rest = limits[0], limits[1:]
    total = []
    for v in range(int(_ev(lo, inst, env)), int(_ev(hi, inst, env)) + 1):
        inner = {**env, d: v}
        total.append(_sum(body, rest, inst, inner) if rest else _ev(body, inst, inner))
    return math.fsum(total)
