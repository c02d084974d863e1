"""Numeric checks of derivations: one way to measure a derived quantity against its reference.

Every recipe's numeric check reduces to *how far a derived value is from a reference value*,
worst case over instances.  This module holds that measure (:func:`relative_error`, and
:class:`Worst` to take the worst over a loop), the comparison of a derived Hessian block with
the brute-force Hessian of :mod:`symhess.instance` over every index combination
(:func:`against_brute_force`, the one numeric reference for the network's formulas), and the
value of a non-commutative matrix expression on concrete matrices (:func:`matrix_value`, for
Woodbury 5.88).  A disagreement is a :class:`symhess.results.Counterexample`.

>>> import numpy as np
>>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
0.2
>>> w = Worst()
>>> w.add(np.ones(2), np.ones(2)), w.add(np.array([2.0]), np.array([1.0])), w.value
(0.0, 1.0, 1.0)
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import sympy as sp

from ..equivalence import matrix_parts
from ..evaluate import evaluate
from ..instance import Instance, make_instance
from ..network import NetworkConfig
from ..results import Counterexample, NumericCheck

__all__ = ["TOLERANCE", "Worst", "against_brute_force", "brute_force_comparisons", "config_sizes",
           "hessian_by_differences", "matrix_value", "relative_error"]

Norm = Literal["max", "fro"]
TOLERANCE = 1e-9
"""Relative error (to the Hessian's largest entry, at least 1) above which a derived block
disagrees with the brute-force Hessian."""


def relative_error(got: npt.ArrayLike, ref: npt.ArrayLike, norm: Norm = "max",
                   scale: npt.ArrayLike | None = None) -> float:
    """``‖got − ref‖ / ‖scale‖`` (``scale`` defaults to ``ref``): ``max`` the largest entry in
    absolute value, ``fro`` the Frobenius (2-) norm.

    >>> relative_error([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]], "fro")
    0.4472135954999579
    """
    d = np.asarray(got, dtype=float) - np.asarray(ref, dtype=float)
    s = np.asarray(ref if scale is None else scale, dtype=float)
    if norm == "max":
        return float(np.max(np.abs(d)) / np.max(np.abs(s)))
    if norm == "fro":
        return float(np.linalg.norm(d) / np.linalg.norm(s))
    raise ValueError(f"norm must be 'max' or 'fro', got {norm!r}")


class Worst:
    """The worst relative error over a numeric check's loop, and how many comparisons."""

    def __init__(self) -> None:
        self.value = 0.0
        self.count = 0

    def add(self, got: npt.ArrayLike, ref: npt.ArrayLike, norm: Norm = "max",
            scale: npt.ArrayLike | None = None) -> float:
        """Compare once; returns this comparison's relative error."""
        err = relative_error(got, ref, norm, scale)
        self.value = max(self.value, err)
        self.count += 1
        return err

    def check(self, sizes: Iterable[Mapping[str, int]], note: str, points: int | None = None) -> NumericCheck:
        """The :class:`NumericCheck` of this loop (``points`` defaults to the comparisons made)."""
        return NumericCheck(tuple(dict(s) for s in sizes), self.count if points is None else points,
                            self.value, note)


# ---------------------------------------------------------------- the brute-force Hessian
def config_sizes(cfg: NetworkConfig) -> dict[str, int]:
    """Sizes of a network configuration as a numeric check reports them.

    >>> config_sizes(NetworkConfig(1, 2, 3, bias=True))
    {'D': 1, 'M': 2, 'K': 3, 'bias': 1}
    """
    return {"D": int(cfg.D), "M": int(cfg.M), "K": int(cfg.K), "bias": int(cfg.bias)}


def _weight_values(v: sp.Indexed, inst: Instance) -> list[dict[sp.Symbol, int]]:
    return [dict(zip(v.indices, (a, c))) for base, a, c in inst.weights if base == v.base]


def brute_force_comparisons(expr: sp.Expr, v1: sp.Indexed, v2: sp.Indexed,
                            configs: Iterable[NetworkConfig], points: int
                            ) -> Iterator[tuple[Instance, dict[sp.Symbol, int], float, float, float]]:
    """``(instance, index values, value of expr, brute-force value, scale)`` for every index
    combination of the two weights ``v1``, ``v2`` (coincident ones included), at every
    instance (``points`` random points of each configuration)."""
    for cfg in configs:
        for p in range(points):
            inst = make_instance(cfg, seed=0, point=p)
            H = inst.hessian()
            scale = max(1.0, float(abs(H).max()))
            for a, b in itertools.product(_weight_values(v1, inst), _weight_values(v2, inst)):
                if any(b.get(s, val) != val for s, val in a.items()):
                    continue  # the two weights share an index symbol and disagree on it
                env = {**a, **b}
                row = inst.position(v1.base, *(env[s] for s in v1.indices))
                col = inst.position(v2.base, *(env[s] for s in v2.indices))
                yield inst, env, evaluate(expr, inst, env), float(H[row, col]), scale


def against_brute_force(expr: sp.Expr, v1: sp.Indexed, v2: sp.Indexed, configs: tuple[NetworkConfig, ...],
                        points: int) -> tuple[float, int, Counterexample | None]:
    """Max relative error of ``expr`` as ``∂²E_n/∂v1∂v2`` against the brute-force Hessian
    over every index combination: (error, instances, first counterexample or None).

    The counterexample's ``left`` is ``expr``, ``right`` the brute-force value; one without
    a bias index (0) is preferred.

    >>> from symhess.network import W2, Z, MM, k, kp, j, jp
    >>> err, count, cex = against_brute_force(Z[j] * Z[jp] * MM[k, kp], W2[k, j], W2[kp, jp],
    ...                                       (NetworkConfig(1, 1, 1),), 1)
    >>> err < 1e-9, count, cex
    (True, 1, None)
    """
    worst, first = 0.0, None
    for inst, env, got, true, scale in brute_force_comparisons(expr, v1, v2, configs, points):
        err = abs(got - true) / scale
        if err > TOLERANCE and (first is None or (0 in first.indices.values() and 0 not in env.values())):
            first = Counterexample(inst.sizes, {str(s): int(val) for s, val in env.items()},
                                   {"left": got, "right": true})
        worst = max(worst, err)
    return worst, len(configs) * points, first


# ------------------------------------------------------ a reference free of symbolic calculus
def hessian_by_differences(f: Callable[[list[Any]], Any], w: npt.ArrayLike, digits: int = 50,
                           eps: str = "1e-12") -> npt.NDArray[np.float64]:
    """∇∇f at ``w`` by central differences (PRML 5.90) in ``digits``-digit mpmath arithmetic:
    an engine independent of symbolic differentiation, accurate to about ε² (1e-24).

    ``f`` takes the point as a list of mpmath numbers (a function lambdified for mpmath).

    >>> H = hessian_by_differences(lambda u: u[0] ** 2 * u[1], [1.0, 2.0])
    >>> np.round(H, 12).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    import mpmath

    point = np.asarray(w, dtype=float)
    W = len(point)
    H = np.zeros((W, W))
    with mpmath.workdps(digits):
        step = mpmath.mpf(eps)
        base = [mpmath.mpf(float(v)) for v in point]

        def at(shift: dict[int, int]) -> Any:
            return f([v + shift.get(q, 0) * step for q, v in enumerate(base)])

        centre = at({})
        for r in range(W):
            for s in range(r, W):
                if r == s:
                    val = (at({r: 2}) - 2 * centre + at({r: -2})) / (4 * step**2)
                else:
                    val = (at({r: 1, s: 1}) - at({r: 1, s: -1}) - at({r: -1, s: 1})
                           + at({r: -1, s: -1})) / (4 * step**2)
                H[r, s] = H[s, r] = float(val)
    return H


# ------------------------------------------------------------------ matrix expressions
def matrix_value(expr: sp.Expr, matrices: Mapping[sp.Expr, Any], scalars: Mapping[sp.Symbol, Any],
                 identity: Any) -> Any:
    """A non-commutative expression evaluated on concrete matrices: each matrix product of
    :func:`symhess.equivalence.matrix_parts` multiplied out (``@``) and scaled by its
    coefficient with ``scalars`` substituted.  Works for NumPy arrays and SymPy matrices.

    >>> A, v = sp.symbols("A v", commutative=False)
    >>> s = sp.Symbol("s")
    >>> matrix_value(A - A * v / (1 + s), {A: np.eye(2), v: 2 * np.eye(2)}, {s: 1.0}, np.eye(2))
    array([[0., 0.],
           [0., 0.]])
    """
    out = None
    for nc, c in matrix_parts(expr).items():
        prod = identity
        for f in (nc.args if isinstance(nc, sp.Mul) else (nc,)):
            if f != 1:
                prod = prod @ matrices[f] if not isinstance(prod, sp.MatrixBase) else prod * matrices[f]
        coeff = c.subs(dict(scalars))
        term = (float(coeff) if isinstance(identity, np.ndarray) else coeff) * prod
        out = term if out is None else out + term
    return identity * 0 if out is None else out
