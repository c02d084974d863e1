"""Tests for symhess.derive.rop: R{·} = vᵀ∇ on backpropagation (PRML 5.96–5.111)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from sympy import Sum

from symhess.derive import derive_entry
from symhess import network as nw
from symhess.calculus import on_line
from symhess.catalogue import get
from symhess.derive import rop
from symhess.derive.rop import TEXTBOOK
from symhess.network import NetworkConfig
from symhess.equivalence import proved_zero
from symhess.instance import activation_expr, numpy_activation
from symhess.network import LO_I, LO_J, R, hp, hpp, i, j, k
from symhess.network import A_HID as a
from symhess.network import DELTA as dk
from symhess.network import V1 as v1
from symhess.network import V2 as v2
from symhess.network import W1 as w1
from symhess.network import W2 as w2
from symhess.network import X as x
from symhess.network import Z as z

NUMBERS = ("5.101", "5.102", "5.103", "5.106", "5.107", "5.110", "5.111")
D, M, K = nw.SIZES["i"], nw.SIZES["j"], nw.SIZES["k"]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240607)


# --------------------------------------------------------------------------- symbolic
@pytest.mark.parametrize("number", NUMBERS)
def test_each_r_equation_is_derived_and_proved_for_symbolic_sizes(number):
    d = rop.derive_r(number)
    assert d.holds
    assert d.steps[0].relation == "" and d.steps[0].justification is None
    assert all(s.relation == "=" for s in d.steps[1:])
    assert d.steps[1].justification == f"({rop.SOURCE[number]})"
    assert d.steps[2].justification.startswith("definition of R")
    assert "\\epsilon" in d.steps[2].latex  # the ε-line is shown, not skipped
    assert proved_zero(d.result - TEXTBOOK[number].rhs)


@pytest.mark.parametrize(
    ("number", "latex"),
    [
        ("5.101", "\\sum_{i} x_{i} v_{ji}"),
        ("5.102", "h'(a_{j}) \\mathcal{R}\\{a_{j}\\}"),
        ("5.106", "\\mathcal{R}\\{y_{k}\\}"),
        ("5.111", "x_{i} \\mathcal{R}\\{\\delta_{j}\\}"),
    ],
)
def test_last_step_is_prml_notation(number, latex):
    assert rop.derive_r(number).steps[-1].latex == latex


def test_steps_are_generated_from_the_definition_not_typed_in():
    # the chain of 5.107 contains the product rule line with the unsplit sum, then the split one
    steps = rop.derive_r("5.107").steps
    assert "product rule" in steps[3].justification and "chain rule" in steps[3].justification
    assert steps[-1].justification == "linearity of the sum"
    assert steps[-1].latex.count("\\sum_{k}") == 3


# Each of these drops one term of PRML's statement.
DROPPED = [
    ("5.103", Sum(w2[k, j] * R(z[j]), (j, LO_J, M))),
    ("5.103", Sum(v2[k, j] * z[j], (j, LO_J, M))),
    ("5.107", hpp(a[j]) * R(a[j]) * Sum(w2[k, j] * dk[k], (k, 1, K))),
    ("5.107", hp(a[j]) * Sum(v2[k, j] * dk[k], (k, 1, K))),
    ("5.107", hp(a[j]) * Sum(w2[k, j] * R(dk[k]), (k, 1, K))),
    ("5.110", rop.TEXTBOOK["5.110"].rhs.args[0]),
    ("5.110", rop.TEXTBOOK["5.110"].rhs.args[1]),
    ("5.102", R(a[j])),
    ("5.101", Sum(v1[j, i], (i, LO_I, D))),
]


@pytest.mark.parametrize(("number", "term"), DROPPED)
def test_a_dropped_term_fails_symbolically_and_numerically(number, term):
    full = TEXTBOOK[number].rhs
    wrong = term if number in ("5.102", "5.101") else full - term
    assert not proved_zero(rop.derive_r(number).result - wrong)
    assert rop.statement_residual(number, wrong, NetworkConfig(2, 2, 2, False)) > 1e-3
    assert rop.statement_residual(number, full, NetworkConfig(2, 2, 2, False)) < 1e-12


def test_canonical_form_sees_through_renamed_dummies_and_split_sums():
    kp = sp.Symbol("k'", integer=True)
    lhs = Sum(w2[k, j] * dk[k] + v2[k, j] * dk[k], (k, 1, K))
    rhs = Sum(v2[kp, j] * dk[kp], (kp, 1, K)) + Sum(w2[k, j] * dk[k], (k, 1, K))
    assert proved_zero(lhs - rhs)
    assert not proved_zero(lhs - 2 * rhs)


def test_r_operator_is_the_directional_derivative_on_a_written_out_expression():
    e = Sum(w2[k, j] * hp(Sum(w1[j, i] * x[i], (i, 1, D))), (j, 1, M))
    _, value = rop.r_operator(e)
    assert value.has(v2) and value.has(v1) and value.has(hpp)
    c = {D: 2, M: 2}
    eps = nw.EPS
    lifted = on_line(e).xreplace(c).doit()
    direct = sp.diff(lifted, eps).xreplace({eps: 0})
    assert sp.expand(value.xreplace(c).doit() - direct) == 0


# --------------------------------------------------------------------------- concrete sizes
@pytest.mark.parametrize("number", NUMBERS)
def test_written_out_formula_equals_brute_force_directional_derivative(number):
    # unspecified h: equality as expressions at D = M = K = 1 (biases off)
    assert rop._symbolic_concrete(number, NetworkConfig(1, 1, 1, False))


@pytest.mark.parametrize("number", ["5.101", "5.103", "5.107"])
def test_numeric_check_per_quantity(number):
    chk = rop.numeric_check(number, points=1)
    assert chk.max_rel_error < 1e-12
    assert chk.points == len(rop.NUMERIC_SIZES) * 4


def test_vT_H_equals_full_hessian_times_v_including_a_size_three_instance():
    sympy_err, numeric_err, count = rop.hessian_vector_check(points=1, sizes=rop.EXTRA_SIZES)
    assert sympy_err < 1e-12 and count == 4
    if numeric_err is not None:  # symhess.numeric present: its exact Hessian and R-pass agree
        assert numeric_err < 1e-12


def test_vT_H_check_fails_for_a_wrong_5_111(monkeypatch):
    wrong = rop.Definition("5.111", R(nw.GRAD1[j, i]), x[i] * R(nw.DELTA_HID[j]) + R(a[j]))  # one too many
    monkeypatch.setitem(rop.TEXTBOOK, "5.111", wrong)
    rop._hessian_lambdified.cache_clear()
    try:
        err, _, _ = rop.hessian_vector_check(points=1, sizes=(NetworkConfig(1, 1, 1, False),))
    finally:
        monkeypatch.undo()
        rop._hessian_lambdified.cache_clear()
    assert err > 1e-3


def test_verdict_failed_with_derived_form_when_the_statement_is_wrong(monkeypatch):
    stmt = TEXTBOOK["5.107"]
    monkeypatch.setitem(rop.TEXTBOOK, "5.107", rop.Definition("5.107", stmt.lhs, stmt.rhs.args[0]))
    rop.derive_r.cache_clear()
    try:
        r = rop.derive_equation("5.107")
    finally:
        monkeypatch.undo()
        rop.derive_r.cache_clear()
        rop._symbolic_concrete.cache_clear()
        rop._lambdified.cache_clear()
    assert r.verdict == "failed"
    assert any(n.startswith("derived form:") for n in r.notes)


# --------------------------------------------------------------------------- catalogue, data
@pytest.mark.parametrize("number", ["5.101", "5.106", "5.111"])
def test_catalogue_entries_and_json_contract(number):
    entry = get(number)
    assert entry.section == "5.4.6"
    r = derive_entry(number)
    assert r.verdict == "proved"
    data = json.loads(json.dumps(r.to_json()))
    assert data["equation"] == number and data["numeric"]["max_rel_error"] < 1e-12
    assert data["steps"][0]["relation"] == ""


def test_correspondence_pairs_are_data_for_the_side_by_side_table():
    pairs = rop.correspondence()
    assert [p for p in rop.CORRESPONDENCE_NUMBERS] == [
        ("5.98", "5.101"),
        ("5.99", "5.102"),
        ("5.100", "5.103"),
        ("5.108", "5.110"),
        ("5.109", "5.111"),
    ]
    assert len(pairs) == 5
    for (fwd, rr), (fnum, _) in zip(pairs, rop.CORRESPONDENCE_NUMBERS):
        assert fwd.startswith(rop.latex(rop.PREMISES[fnum].lhs))
        assert rr.startswith("\\mathcal{R}")
    assert (
        pairs[2][1]
        == "\\mathcal{R}\\{y_{k}\\} = \\sum_{j} w_{kj}^{(2)} \\mathcal{R}\\{z_{j}\\} + \\sum_{j} z_{j} v_{kj}"
    )


def test_activation_family_derivatives_and_numpy_functions(rng):
    u = sp.Symbol("u")
    assert sp.diff(nw.h(u), u, 2) == hpp(u)
    fam = numpy_activation(activation_expr("logistic", rng))
    pts = rng.normal(size=5)
    s = 1 / (1 + np.exp(-pts))
    np.testing.assert_allclose(fam["hp"](pts), s * (1 - s), rtol=1e-13)
