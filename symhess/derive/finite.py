"""Central differences for the Hessian (PRML 5.90, 5.91): the O(ε²) error derived, then measured.

A finite-difference stencil is data — a list of ``(coefficient, Δw_r, Δw_s)`` in units of
ε, and a denominator power.  :func:`stencil_series` substitutes a generic Taylor
polynomial of ``E`` about ``(w_r, w_s)`` (coefficients ``∂^{i+j}E/∂w_r^i∂w_s^j / i! j!``,
fifth order) and lets SymPy collect powers of ε: the ε⁰ coefficient must be
``∂²E/∂w_r∂w_s`` and the first surviving power of ε is the order of the error.  The
coincident case ``r = s`` (one weight displaced twice) is derived the same way.

:func:`error_against_eps` measures the error of ``numeric.finite_difference_hessian``
(5.90) and ``finite_difference_hessian_from_gradient`` (5.91) against the exact Hessian of
a small network; :func:`fitted_slope` reads the log–log slope where truncation dominates.

>>> series_order(STENCIL_5_90)
2
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import sympy as sp

from .. import equivalence
from ..model import W_R, W_S, GenericFunction
from ..numeric import (Shape, error, exact_hessian, finite_difference_hessian,
                       finite_difference_hessian_from_gradient, gradient)
from ..printing import generic_latex
from ..results import DerivationResult, NumericCheck, Step, Verdict
from .numcheck import relative_error

Array = npt.NDArray[np.float64]

__all__ = [
    "STENCIL_5_90",
    "STENCIL_5_91",
    "Stencil",
    "derive_5_90",
    "derive_5_91",
    "error_against_eps",
    "fitted_slope",
    "series_order",
    "stencil_series",
]

EPS = sp.Symbol(r"\epsilon", positive=True)
TAYLOR_ORDER = 5


class ErrorAt(GenericFunction):
    """``E`` as a function of the two weights: ``E(w_r + ε, w_s − ε)``; ``E`` in a derivative."""

    def _body(self, printer: object) -> str:
        return "E(" + ", ".join(_displaced(a) for a in self.args) + ")"

    def short(self, printer: object) -> str:
        return "E"


def _displaced(arg: sp.Expr) -> str:
    """``w_r + 2\\epsilon`` with the weight first, as PRML writes the displaced arguments."""
    for w in (W_R, W_S):
        if arg.has(w):
            shift = sp.expand(arg - w)
            name = generic_latex(w)
            if shift == 0:
                return name
            c = shift.coeff(EPS)
            mag = "" if abs(c) == 1 else generic_latex(abs(c)) + " "
            return f"{name} {'-' if c < 0 else '+'} {mag}\\epsilon"
    return generic_latex(arg)


class GradientAt(GenericFunction):
    """``∂E/∂w_r`` evaluated at displaced weights: ``∂E/∂w_r (w_s + ε)``."""

    def _body(self, printer: object) -> str:
        shift = self.args[1] - W_S
        return r"\left.\frac{\partial E}{\partial w_r}\right|_{w_s " + (
            "+" if shift.could_extract_minus_sign() is False else "-") + r" \epsilon}"


E_FN = ErrorAt(W_R, W_S)


@dataclass(frozen=True)
class Stencil:
    """``(1/(c ε^p)) Σ coeff · f(w_r + a ε, w_s + b ε)`` with ``f = E`` or ``f = ∂E/∂w_r``."""

    points: tuple[tuple[int, int, int], ...]  # (coefficient, a, b)
    scale: int  # c
    power: int  # p
    of_gradient: bool = False


#: PRML 5.90: four evaluations of E, divided by 4ε².
STENCIL_5_90 = Stencil(((1, 1, 1), (-1, 1, -1), (-1, -1, 1), (1, -1, -1)), 4, 2)
#: PRML 5.91: two evaluations of ∂E/∂w_r at w_s ± ε, divided by 2ε.
STENCIL_5_91 = Stencil(((1, 0, 1), (-1, 0, -1)), 2, 1, of_gradient=True)


def _derivative(i: int, j: int) -> sp.Expr:
    variables = [(W_R, i)] * (i > 0) + [(W_S, j)] * (j > 0)
    return sp.Derivative(E_FN, *variables) if variables else E_FN


def _taylor(h: sp.Expr, k: sp.Expr, same_weight: bool) -> sp.Expr:
    """Taylor polynomial of ``E(w_r + h, w_s + k)``; with ``same_weight`` both shifts move w_r."""
    if same_weight:
        return sp.Add(*[_derivative(m, 0) * (h + k) ** m / sp.factorial(m) for m in range(TAYLOR_ORDER + 1)])
    return sp.Add(*[_derivative(i, m - i) * h**i * k ** (m - i) / (sp.factorial(i) * sp.factorial(m - i))
                    for m in range(TAYLOR_ORDER + 1) for i in range(m + 1)])


@lru_cache(maxsize=16)  # a derivation asks for the same series several times
def stencil_series(stencil: Stencil, same_weight: bool = False) -> sp.Expr:
    """The stencil with the Taylor polynomial substituted, expanded in powers of ε.

    >>> generic_latex(stencil_series(STENCIL_5_91).coeff(EPS, 2))
    '\\\\frac{1}{6} \\\\frac{\\\\partial^{4} E}{\\\\partial w_r \\\\partial w_s^{3}}'
    """
    h = sp.Symbol("h")
    total = sp.S.Zero
    for c, a, b in stencil.points:
        if stencil.of_gradient:
            # ∂E/∂w_r at the displaced point: differentiate the polynomial in its shift h.
            shifted = sp.diff(_taylor(h, b * EPS, same_weight), h).subs(h, a * EPS)
        else:
            shifted = _taylor(a * EPS, b * EPS, same_weight)
        total += c * shifted
    return sp.expand(total / (stencil.scale * EPS**stencil.power))


def _target(same_weight: bool) -> sp.Expr:
    return _derivative(2, 0) if same_weight else _derivative(1, 1)


def series_order(stencil: Stencil, same_weight: bool = False) -> int:
    """The power of ε of the leading error term; −1 when ε⁰ is not the second derivative.

    >>> series_order(Stencil(((1, 1, 1), (-1, 1, 0), (-1, 0, 1), (1, 0, 0)), 1, 2))
    1
    """
    top = TAYLOR_ORDER - stencil.power - (1 if stencil.of_gradient else 0)
    return equivalence.series_order(stencil_series(stencil, same_weight), EPS, _target(same_weight),
                                    stencil.power, top)


def _leading(stencil: Stencil, same_weight: bool) -> tuple[sp.Expr, int]:
    order = series_order(stencil, same_weight)
    series = stencil_series(stencil, same_weight)
    return series.coeff(EPS, order) if order > 0 else sp.S.Zero, order


def _stencil_latex(stencil: Stencil, same_weight: bool) -> str:
    """The difference quotient as PRML writes it (terms in the stencil's order)."""
    parts = []
    for pos, (c, a, b) in enumerate(stencil.points):
        if stencil.of_gradient:
            f: sp.Expr = GradientAt(W_R, W_S + b * EPS)
        elif same_weight:
            f = ErrorAt(W_R + (a + b) * EPS, W_S)
        else:
            f = ErrorAt(W_R + a * EPS, W_S + b * EPS)
        mag = "" if abs(c) == 1 else f"{abs(c)} "
        sign = "-" if c < 0 else ("+" if pos else "")
        parts.append(f"{sign} {mag}{generic_latex(f)}".strip())
    den = ("" if stencil.scale == 1 else str(stencil.scale)) + "\\epsilon" + (
        f"^{{{stencil.power}}}" if stencil.power != 1 else "")
    return rf"\frac{{1}}{{{den}}} \left\{{{' '.join(parts)}\right\}}"


def _chain(stencil: Stencil, same_weight: bool) -> tuple[Step, ...]:
    series = stencil_series(stencil, same_weight)
    lead, order = _leading(stencil, same_weight)
    steps = [Step(_stencil_latex(stencil, same_weight), None, "")]
    target = generic_latex(_target(same_weight))
    if order < 0:
        steps.append(Step(generic_latex(series.coeff(EPS, 0)) + r" + \ldots",
                          r"Taylor series in $\epsilon$: the $\epsilon^0$ term is not the second derivative", "="))
        return tuple(steps)
    next_order = order + 1 + (1 if _odd_vanish(series, order) else 0)
    expanded = (f"{target} + {generic_latex(EPS**order * sp.factor_terms(lead))} + "
                f"{generic_latex(sp.O(EPS**next_order))}")
    steps.append(Step(expanded, f"Taylor series of every term to order {TAYLOR_ORDER} about "
                      r"$(w_r, w_s)$; lower powers of $\epsilon$ cancel", "="))
    steps.append(Step(f"{target} + {generic_latex(sp.O(EPS**order))}",
                      rf"$\epsilon^{{{order}}}$ and higher powers into $O(\epsilon^{{{order}}})$", "="))
    return tuple(steps)


def _odd_vanish(series: sp.Expr, order: int) -> bool:
    return equivalence.polynomial_zero(series.coeff(EPS, order + 1))


STATEMENT_5_90 = (r"\frac{\partial^2 E}{\partial w_{ji} \partial w_{lk}} = \frac{1}{4\epsilon^2}"
                  r"\{E(w_{ji}+\epsilon, w_{lk}+\epsilon) - E(w_{ji}+\epsilon, w_{lk}-\epsilon) "
                  r"- E(w_{ji}-\epsilon, w_{lk}+\epsilon) + E(w_{ji}-\epsilon, w_{lk}-\epsilon)\} + O(\epsilon^2)")
STATEMENT_5_91 = (r"\frac{\partial^2 E}{\partial w_{ji} \partial w_{lk}} = \frac{1}{2\epsilon}"
                  r"\left\{\frac{\partial E}{\partial w_{ji}}(w_{lk}+\epsilon) - "
                  r"\frac{\partial E}{\partial w_{ji}}(w_{lk}-\epsilon)\right\} + O(\epsilon^2)")


def _derive(number: str, statement: str, stencil: Stencil, claimed_order: int,
            method: str) -> DerivationResult:
    t0 = time.perf_counter()
    orders = {same: series_order(stencil, same) for same in (False, True)}
    verdict = Verdict.PROVED if all(o >= claimed_order for o in orders.values()) else Verdict.FAILED
    steps = _chain(stencil, same_weight=False)
    lead_rs, _ = _leading(stencil, False)
    lead_rr, _ = _leading(stencil, True)
    notes = [
        f"leading error, r != s: {_term(lead_rs, orders[False])}",
        f"leading error, r = s (one weight displaced twice): {_term(lead_rr, orders[True])}",
    ]
    if verdict == "failed":
        notes.append(f"the stencil's error is O(eps^{min(orders.values())}), not O(eps^{claimed_order})"
                     if min(orders.values()) > 0 else "the stencil does not approximate the second derivative")
    coeff_err = _series_coefficient_check(stencil)
    eps, err = error_against_eps(np.logspace(-6, -0.5, 23), method=method)
    slope, used = fitted_slope(eps, err)
    best = int(np.argmin(err))
    notes.append(
        f"network (D, M, K) = (2, 3, 2), tanh, sum-of-squares, N = 8: fitted log-log slope {slope:.2f} "
        f"for eps in [{used[0]:.1e}, {used[1]:.1e}]; smallest error {err[best]:.1e} at eps = {eps[best]:.1e}, "
        "below that rounding error grows")
    numeric = NumericCheck(({"D": 2, "M": 3, "K": 2, "N": 8, "W": 17},), len(eps), coeff_err,
                           "predicted leading error coefficient vs (quotient - exact)/eps^2 for a concrete "
                           "smooth E(u, v), mpmath 80 digits, eps = 1e-10, r != s and r = s")
    return DerivationResult(number, statement, verdict, steps, numeric, time.perf_counter() - t0,
                            tuple(notes))


def _term(lead: sp.Expr, order: int) -> str:
    return generic_latex(EPS**order * sp.factor_terms(lead)) if order > 0 else "none (inconsistent)"


def _series_coefficient_check(stencil: Stencil) -> float:
    """Relative error of the predicted leading coefficient on a concrete smooth E
    (for an inconsistent stencil: the relative error of the quotient itself).

    The quotient is evaluated with mpmath at 80 digits and ε = 10⁻¹⁰, so that
    ``(quotient − exact)/ε^order`` is the leading coefficient up to O(ε²) = 10⁻²⁰.
    """
    import mpmath

    u, v = sp.symbols("u v", real=True)
    E = sp.exp(u / 2) * sp.sin(2 * v + 1) + u**3 * v**2 / 5 + sp.cos(u * v)
    u0, v0 = mpmath.mpf("0.3"), mpmath.mpf("-0.4")
    worst = 0.0
    with mpmath.workdps(80):
        eps = mpmath.mpf("1e-10")
        for same in (False, True):
            lead, order = _leading(stencil, same)
            concrete = E.subs(v, u) if same else E
            sub = {W_R: u, W_S: u if same else v}

            def deriv(d: sp.Expr, concrete: sp.Expr = concrete, sub: dict = sub) -> sp.Expr:
                if isinstance(d, sp.Derivative):
                    return sp.diff(concrete, *[sub[x] for x in d.variables])
                return concrete

            point = {u: sp.Float(u0, 80), v: sp.Float(v0, 80)}
            predicted = lead.replace(lambda d: isinstance(d, sp.Derivative), deriv).evalf(80, subs=point)
            target = deriv(_target(same)).evalf(80, subs=point)
            f = sp.lambdify((u, v), concrete, "mpmath")
            g = sp.lambdify((u, v), sp.diff(concrete, u), "mpmath")
            q = mpmath.mpf(0)
            for c, a, b in stencil.points:
                if stencil.of_gradient:
                    q += c * (g(u0 + (a + b) * eps, v0) if same else g(u0 + a * eps, v0 + b * eps))
                elif same:
                    q += c * f(u0 + (a + b) * eps, v0)
                else:
                    q += c * f(u0 + a * eps, v0 + b * eps)
            q /= stencil.scale * eps**stencil.power
            exact = mpmath.mpf(str(target))
            if order < 1:  # not even consistent: report how far the quotient is off
                worst = max(worst, float(abs(q - exact) / abs(exact)))
                continue
            measured = (q - exact) / eps**order
            pred = mpmath.mpf(str(predicted))
            worst = max(worst, float(abs(measured - pred) / abs(pred)))
    return worst


def derive_5_90(stencil: Stencil | None = None) -> DerivationResult:
    """PRML 5.90: central differences of E, error O(ε²) (``stencil`` replaces PRML's)."""
    return _derive("5.90", STATEMENT_5_90,
                   STENCIL_5_90 if stencil is None else stencil, 2, "E")


def derive_5_91(stencil: Stencil | None = None) -> DerivationResult:
    """PRML 5.91: central differences of the gradient, error O(ε²)."""
    return _derive("5.91", STATEMENT_5_91,
                   STENCIL_5_91 if stencil is None else stencil, 2, "gradient")


# --------------------------------------------------------------------------------------
# Measured error against ε on a small network
# --------------------------------------------------------------------------------------


def error_against_eps(eps_values: npt.ArrayLike, method: str = "E", seed: int = 0,
                      shape: tuple[int, int, int] = (2, 3, 2), n_points: int = 8) -> tuple[Array, Array]:
    """Max-entry relative error of the finite-difference Hessian against the exact one.

    ``method`` is ``"E"`` (5.90, ``numeric.finite_difference_hessian``) or ``"gradient"``
    (5.91, ``numeric.finite_difference_hessian_from_gradient``).

    >>> eps, err = error_against_eps([1e-1, 1e-2])
    >>> bool(err[1] < err[0] / 50)
    True
    """
    rng = np.random.default_rng(seed)
    D, Mh, K = shape
    sh = Shape(D=D, M=Mh, K=K)
    w = rng.normal(scale=0.7, size=sh.n_weights)
    X, T = rng.normal(size=(n_points, D)), rng.normal(size=(n_points, K))
    H = exact_hessian(w, X, T, sh, "tanh", "sum_of_squares")
    eps = np.asarray(eps_values, dtype=float)
    errs = []
    for e in eps:
        if method == "E":
            Hf = finite_difference_hessian(lambda u: error(u, X, T, sh, "tanh", "sum_of_squares"), w, float(e))
        elif method == "gradient":
            Hf = finite_difference_hessian_from_gradient(
                lambda u: gradient(u, X, T, sh, "tanh", "sum_of_squares"), w, float(e))
        else:
            raise ValueError(f"method must be 'E' or 'gradient', got {method!r}")
        errs.append(relative_error(Hf, H, "max"))
    return eps, np.array(errs)


def fitted_slope(eps: npt.ArrayLike, err: npt.ArrayLike) -> tuple[float, tuple[float, float]]:
    """Least-squares slope of log err against log ε where truncation dominates.

    Uses the points from the largest ε down to a decade above the error's minimum
    (rounding error takes over below it). Returns the slope and the ε range used.

    >>> e = np.logspace(-4, -1, 7)
    >>> round(fitted_slope(e, 3 * e**2)[0], 6)
    2.0
    """
    e, r = np.asarray(eps, dtype=float), np.asarray(err, dtype=float)
    order = np.argsort(e)
    e, r = e[order], r[order]
    floor = e[int(np.argmin(r))]
    mask = e >= 10 * floor
    if mask.sum() < 2:
        mask = e >= floor
    slope = float(np.polyfit(np.log(e[mask]), np.log(r[mask]), 1)[0])
    return slope, (float(e[mask].min()), float(e[mask].max()))
