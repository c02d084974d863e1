"""Tests for symhess.derive.finite: central-difference Hessians, PRML 5.90 and 5.91."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess.derive import finite as fd

W_R, W_S, EPS = fd.W_R, fd.W_S, fd.EPS
E = fd.E_FN


def d(*variables):
    return sp.Derivative(E, *variables)


@pytest.mark.parametrize("number", ["5.90", "5.91"])
def test_entries_are_proved(number):
    r = derive_entry(number)
    assert r.verdict == "proved"
    assert r.numeric is not None and r.numeric.max_rel_error < 1e-15
    assert r.steps[-1].latex.endswith(r"O\left(\epsilon^{2}\right)")
    assert any("slope" in note for note in r.notes)
    json.dumps(r.to_json())


@pytest.mark.parametrize("stencil", [fd.STENCIL_5_90, fd.STENCIL_5_91])
@pytest.mark.parametrize("same_weight", [False, True])
def test_error_is_second_order(stencil, same_weight):
    assert fd.series_order(stencil, same_weight) == 2


def test_leading_error_terms_match_the_textbook_taylor_coefficients():
    s90 = fd.stencil_series(fd.STENCIL_5_90)
    assert sp.expand(s90.coeff(EPS, 0) - d(W_R, W_S)) == 0
    assert s90.coeff(EPS, 1) == 0
    assert sp.expand(s90.coeff(EPS, 2) - (d((W_R, 3), W_S) + d(W_R, (W_S, 3))) / 6) == 0
    same = fd.stencil_series(fd.STENCIL_5_90, same_weight=True)
    assert sp.expand(same.coeff(EPS, 2) - d((W_R, 4)) / 3) == 0
    s91 = fd.stencil_series(fd.STENCIL_5_91)
    assert sp.expand(s91.coeff(EPS, 2) - d(W_R, (W_S, 3)) / 6) == 0


FORWARD = fd.Stencil(((1, 1, 1), (-1, 1, 0), (-1, 0, 1), (1, 0, 0)), 1, 2)
WRONG_SCALE = fd.Stencil(fd.STENCIL_5_90.points, 2, 2)
ONE_SIDED_GRADIENT = fd.Stencil(((1, 0, 1), (-1, 0, 0)), 1, 1, of_gradient=True)
WRONG_SIGN = fd.Stencil(((1, 1, 1), (-1, 1, -1), (1, -1, 1), (1, -1, -1)), 4, 2)


@pytest.mark.parametrize(("stencil", "order"), [(FORWARD, 1), (WRONG_SCALE, -1), (ONE_SIDED_GRADIENT, 1),
                                                  (WRONG_SIGN, -1)])
def test_wrong_stencils_fail(stencil, order):
    assert fd.series_order(stencil) == order
    derive = fd.derive_5_91 if stencil.of_gradient else fd.derive_5_90
    r = derive(stencil)
    assert r.verdict == "failed"


@pytest.mark.parametrize("method", ["E", "gradient"])
def test_measured_error_has_slope_two_then_rounding_takes_over(method):
    eps, err = fd.error_against_eps(np.logspace(-8, -0.5, 16), method=method, seed=4)
    slope, (lo, hi) = fd.fitted_slope(eps, err)
    assert 1.8 < slope < 2.2
    best = int(np.argmin(err))
    assert 0 < best  # below the optimum the error grows again (rounding)
    assert err[0] > 10 * err[best]


def test_fitted_slope_ignores_the_rounding_branch():
    e = np.logspace(-8, -1, 15)
    err = 0.5 * e**2 + 1e-16 / e**2
    slope, (lo, hi) = fd.fitted_slope(e, err)
    assert abs(slope - 2) < 0.05 and lo > 1e-4


def test_error_against_eps_rejects_unknown_method():
    with pytest.raises(ValueError, match="^method must be"):
        fd.error_against_eps([1e-3], method="complex")


def test_quotient_is_printed_in_prml_order():
    first = fd.derive_5_90().steps[0].latex
    assert first.startswith(r"\frac{1}{4\epsilon^{2}} \left\{E(w_r + \epsilon, w_s + \epsilon) - "
                            r"E(w_r + \epsilon, w_s - \epsilon)")
