"""Tests for symhess.derive.priors: PRML §5.5.1, consistent Gaussian priors (5.112–5.122)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess.catalogue import get
from symhess.derive import priors as p
from symhess.equivalence import proved_zero as vanishes

A, B, C, DD, LAM1, LAM2 = p.A, p.B, p.C, p.DD, p.LAM1, p.LAM2


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5115)


# --------------------------------------------------------------------------- 5.115–5.120
def test_input_rules_are_solved_for_and_equal_prml_5_116_5_117():
    rules = p.weight_rules("input")
    weight, bias = rules.result
    assert vanishes(weight - p.w1[p.j, p.i] / A)
    assert vanishes(bias - (p.w1[p.j, 0] - B / A * sp.Sum(p.w1[p.j, p.i], (p.i, 1, p.D))))
    # a wrong bias rule (the shift term dropped) is told apart
    assert not vanishes(bias - p.w1[p.j, 0])
    assert rules.steps[0].relation == "" and rules.steps[-1].latex == "a_{j}"
    assert rules.steps[2].justification == "(5.115)"


def test_output_rules_are_solved_for_and_equal_prml_5_119_5_120():
    rules = p.weight_rules("output")
    weight, bias = rules.result
    assert sp.expand(weight - C * p.w2[p.k, p.j]) == 0
    assert sp.expand(bias - (C * p.w2[p.k, 0] + DD)) == 0
    assert rules.steps[-1].latex == "c y_{k} + d"


@pytest.mark.parametrize("sizes", [(1, 1, 1), (2, 3, 2), (3, 1, 2)])
def test_network_unchanged_for_an_unspecified_h(sizes):
    assert all(sp.expand(r) == 0 for r in p.invariance_residuals(sizes))


def test_a_wrong_weight_rule_changes_the_network_numerically(rng):
    # first-layer bias left alone: the outputs change (b != 0)
    xs = [p.x[1], p.x[2]]
    W1 = p._originals(2, 2, p.w1)
    W2 = p._originals(1, 2, p.w2)
    wrong = W1.copy()
    for r in range(2):
        for col in (1, 2):
            wrong[r, col] = W1[r, col] / A
    before = p._network(W1, W2, xs, sp.tanh)[0]
    after = p._network(wrong, W2, [A * xc + B for xc in xs], sp.tanh)[0]
    vals = {s: rng.normal() for s in (before - after).atoms(sp.Indexed)} | {A: 1.7, B: 0.4}
    assert abs(float((before - after).xreplace(vals))) > 1e-6


@pytest.mark.parametrize("number", ["5.115-5.117", "5.118-5.120"])
def test_transformation_entries_proved(number):
    r = derive_entry(number)
    assert r.verdict == "proved"
    assert r.numeric.max_rel_error < 1e-12 and r.numeric.points >= 9
    json.dumps(r.to_json())


# --------------------------------------------------------------------------- 5.121
def test_rescaling_is_derived_a_squared_and_c_to_minus_two():
    r = p.rescaling()
    lam1, lam2 = r.result
    assert sp.simplify(lam1 - A**2 * LAM1) == 0
    assert sp.simplify(lam2 - LAM2 / C**2) == 0
    # PRML's a^{1/2}, c^{-1/2} is contradicted
    assert sp.simplify(lam1 - sp.sqrt(A) * LAM1) != 0
    assert r.steps[-1].latex.count("\\lambda_{") == 2  # back to the original lambdas


def test_rescaling_for_the_unweighted_objective_under_output_scaling():
    lam1, lam2 = p.rescaling(C**2).result
    assert sp.simplify(lam1 - A**2 * C**2 * LAM1) == 0
    assert sp.simplify(lam2 - LAM2) == 0


def test_regulariser_values_under_derived_and_textbook_rescaling():
    ours, n = p._regulariser_values({p.LAM1T: A**2 * LAM1, p.LAM2T: LAM2 / C**2})
    book, _ = p._regulariser_values(p.TEXTBOOK_RESCALING)
    assert ours < 1e-13 and n == 20
    assert book > 0.1


def test_entry_5_121_is_an_erratum_with_the_corrected_form():
    r = derive_entry("5.121")
    assert r.verdict == "erratum"
    assert any("Corrected form" in n and "a^{2}" in n and "c^{-2}" in n for n in r.notes)
    assert r.numeric.max_rel_error < 1e-8  # the derived rescaling holds
    assert r.erratum is not None and r.erratum.counterexample is not None  # the printed one fails


# --------------------------------------------------------------------------- optima
def test_consistent_regulariser_maps_the_optimum_simple_weight_decay_does_not():
    tr = p.Transformation(a=2.0, b=0.5)
    lam = 0.3
    consistent = p.Objective(1.0, p._penalties(lam, lam, None))
    consistent_t = p.Objective(1.0, p._penalties(4.0 * lam, lam, None))  # a^2 lambda_1
    assert p.mapped_gradient(consistent, consistent_t, tr) < 1e-8
    book_t = p.Objective(1.0, p._penalties(np.sqrt(2.0) * lam, lam, None))  # a^{1/2} lambda_1
    assert p.mapped_gradient(consistent, book_t, tr) > 1e-3
    decay = p.Objective(1.0, np.full(7, lam))
    assert p.mapped_gradient(decay, decay, tr) > 1e-3
    best, _ = p.best_lambda_residual(lam, tr)
    assert best > 1e-3  # no lambda~ at all makes the mapped point stationary


def test_output_scaling_needs_beta_over_c_squared_with_the_derived_rescaling():
    tr = p.Transformation(c=3.0, d=-1.0)
    base = p.Objective(1.0, p._penalties(0.3, 0.2, None))
    with_beta = p.Objective(1.0 / 9.0, p._penalties(0.3, 0.2 / 9.0, None))
    without_beta = p.Objective(1.0, p._penalties(0.3, 0.2 / 9.0, None))
    assert p.mapped_gradient(base, with_beta, tr) < 1e-8
    assert p.mapped_gradient(base, without_beta, tr) > 1e-3


def test_entry_5_112_counterexample():
    r = derive_entry("5.112")
    assert r.verdict == "proved"
    assert r.steps[-1].latex == "- \\frac{3}{8}"
    assert r.numeric.max_rel_error < 1e-8


# --------------------------------------------------------------------------- 5.122
def test_entry_5_122_improper_prior():
    r = derive_entry("5.122")
    assert r.verdict == "proved"
    assert r.steps[-1].latex == "\\infty"
    assert "\\infty^{K + M}" in r.steps[-2].latex
    assert r.numeric.max_rel_error < 1e-10


def test_registered_numbers_follow_prml():
    for number in ("5.112", "5.115-5.117", "5.118-5.120", "5.121", "5.122"):
        assert get(number).section == "5.5.1"
