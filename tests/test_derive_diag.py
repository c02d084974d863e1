"""Tests for symhess.derive.diag: the diagonal approximation, PRML 5.78–5.80."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess import network as nw
from symhess.derive import diag as dg
from symhess.numeric import Shape, exact_hessian, random_activation, random_error

j, k, kp, K = nw.j, nw.k, nw.kp, nw.SIZES["k"]
A = nw.A_HID[j]



@pytest.mark.parametrize(("number", "verdict"), [("5.78", "proved"), ("5.79", "proved"),
                                                 ("5.80", "approximation")])
def test_verdicts(number, verdict):
    r = derive_entry(number)
    assert r.verdict == verdict
    assert r.numeric is not None and r.numeric.max_rel_error < 1e-12
    assert r.steps[0].relation == ""
    assert sum(s.relation == r"\simeq" for s in r.steps) == (verdict == "approximation")
    json.dumps(r.to_json())


def test_5_80_names_the_off_diagonal_term_and_measures_it():
    r = dg.derive_5_80()
    notes = " ".join(r.notes)
    assert "dropped term" in notes and r"1 - I_{kk'}" in notes
    assert "||diag(d) - H||_F" in notes


WRONG_5_79 = [
    nw.hp(A) ** 2 * sp.Sum(nw.W2[k, j] ** 2 * nw.MM[k, k], (k, 1, K))
    + nw.hpp(A) * sp.Sum(nw.W2[k, j] * nw.DELTA[k], (k, 1, K)),  # that is 5.80, not 5.79
    nw.hp(A) ** 2 * sp.Sum(nw.W2[k, j] * nw.W2[kp, j] * nw.MM[k, kp], (kp, 1, K), (k, 1, K)),  # no h''
    nw.hp(A) * sp.Sum(nw.W2[k, j] * nw.W2[kp, j] * nw.MM[k, kp], (kp, 1, K), (k, 1, K))
    + nw.hpp(A) * sp.Sum(nw.W2[k, j] * nw.DELTA[k], (k, 1, K)),  # h' not squared
]


@pytest.mark.parametrize("statement", WRONG_5_79)
def test_wrong_5_79_fails(statement):
    assert dg.derive_5_79(statement).verdict == "failed"


def test_5_80_against_wrong_statements():
    no_curvature = nw.hpp(A) * sp.Sum(nw.W2[k, j] * nw.DELTA[k], (k, 1, K))
    failed = dg.derive_5_80(no_curvature)
    assert failed.verdict == "failed"
    assert any(note.startswith("the derivation gives") for note in failed.notes)
    assert dg.derive_5_80(dg._statement_5_79()).verdict == "proved"  # the exact form is no approximation


def test_split_diagonal_is_an_identity():
    _, _, second = dg.hidden_second_derivative()
    split, kept = dg._split_diagonal(second)
    from symhess.calculus import provably_equal

    assert provably_equal(split, second)
    assert provably_equal(second - kept, dg._dropped_5_80())


CONFIGS = [("tanh", "sum_of_squares", True), ("logistic", "cross_entropy", False),
           ("softplus", "softmax_cross_entropy", True), ("random", "random", False)]


@pytest.mark.parametrize(("act", "err", "bias"), CONFIGS)
def test_backpropagated_diagonal_is_exact_with_5_79(rng, act, err, bias):
    shape = Shape(D=3, M=4, K=3, bias=bias)
    a = random_activation(rng) if act == "random" else act
    e = random_error(rng, 3) if err == "random" else err
    w = rng.normal(size=shape.n_weights)
    X, T = rng.normal(size=(7, 3)), rng.dirichlet(np.ones(3), size=7)
    H = exact_hessian(w, X, T, shape, a, e)
    d = dg.diagonal_hessian(w, X, T, shape, a, e, exact=True)
    assert np.max(np.abs(d - np.diag(H))) < 1e-12 * np.max(np.abs(H))


def test_backpropagated_diagonal_matches_autograd(rng):
    import autograd

    from symhess.numeric import autograd_error_fn

    shape = Shape(D=2, M=3, K=2)
    w = rng.normal(size=shape.n_weights)
    X, T = rng.normal(size=(5, 2)), np.eye(2)[rng.integers(0, 2, size=5)]
    H = autograd.hessian(autograd_error_fn(X, T, shape, "tanh", "softmax_cross_entropy"))(w)
    d = dg.diagonal_hessian(w, X, T, shape, "tanh", "softmax_cross_entropy", exact=True)
    assert np.allclose(d, np.diag(H), rtol=1e-10, atol=1e-12)


def test_5_80_is_exact_for_sum_of_squares_and_not_for_softmax(rng):
    shape = Shape(D=3, M=4, K=3)
    w = rng.normal(size=shape.n_weights)
    X, T = rng.normal(size=(6, 3)), np.eye(3)[rng.integers(0, 3, size=6)]
    for err, exact in (("sum_of_squares", True), ("softmax_cross_entropy", False)):
        d = dg.diagonal_hessian(w, X, T, shape, "tanh", err)
        dH = np.diag(exact_hessian(w, X, T, shape, "tanh", err))
        assert np.allclose(d, dH, rtol=1e-12, atol=1e-14) is exact
        # the second layer's diagonal z_j^2 M_kk is exact in both cases
        n1 = shape.n_first
        assert np.allclose(d[n1:], dH[n1:], rtol=1e-12)


def test_diagonal_errors_report_what_a_diagonal_hessian_misses():
    out = dg.diagonal_errors(seed=1)
    assert out["exact_diag"].max() < 1e-12
    assert out["approx_diag"][0] < 1e-12 < out["approx_diag"][1]
    assert np.all(out["frobenius"] > 0.3)
