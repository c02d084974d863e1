"""Tests for symhess.derive.outer: 5.83–5.85, exercises 5.16, 5.17 (5.194) and 5.20."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess import model as md
from symhess.derive import outer as o
from symhess.equivalence import equal, judge
from symhess.printing import generic_latex
from symhess.numeric import finite_difference_hessian

n, k, kp, N, K, W_R, W_S, T = o.n, o.k, o.kp, o.N, o.K, o.W_R, o.W_S, o.T
Y = o.Output(n, W_R, W_S)
YK = o.Output(n, k, W_R, W_S)
A = o.PreActivation(n, W_R, W_S)
AK = o.PreActivation(n, k, W_R, W_S)
SIG = o.Sigmoid(A)
SOFT = o.SoftmaxOutput(n, k)


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return {num: derive_entry(num) for num in ("5.83", "5.84", "5.85", "ex5.16", "ex5.20", "5.194")}


EXPECTED = [
    ("5.83", "proved"),
    ("5.84", "approximation"),
    ("5.85", "approximation"),
    ("ex5.16", "approximation"),
    ("ex5.20", "approximation"),
    ("5.194", "proved"),
]


@pytest.mark.parametrize(("number", "verdict"), EXPECTED)
def test_verdicts_and_numeric_checks(results, number, verdict):
    r = results[number]
    assert r.verdict == verdict
    assert r.numeric is not None and r.numeric.max_rel_error < 1e-12
    assert r.numeric.points >= 2
    assert r.seconds < 10


@pytest.mark.parametrize(("number", "verdict"), EXPECTED)
def test_step_chains_are_well_formed(results, number, verdict):
    r = results[number]
    assert r.steps[0].relation == ""
    assert all(s.relation in ("=", r"\simeq") for s in r.steps[1:])
    approx_steps = sum(s.relation == r"\simeq" for s in r.steps)
    assert approx_steps == (1 if verdict == "approximation" else 0)
    assert all(s.justification for s in r.steps[1:])
    json.dumps(r.to_json())  # the JSON contract serialises


@pytest.mark.parametrize("number", ["5.84", "5.85", "ex5.16", "ex5.20"])
def test_approximations_name_the_dropped_term(results, number):
    notes = " ".join(results[number].notes)
    assert "dropped term" in notes and r"\nabla\nabla" in notes


def test_5_83_chain_reads_like_the_seed(results):
    lines = [s.latex for s in results["5.83"].steps]
    assert lines[1].startswith(r"\frac{\partial^{2}}{\partial w_r \partial w_s}")
    assert r"\left(y_{n} - t_{n}\right)" in lines[2]
    assert lines[-1] == (r"\sum_{n} \nabla y_{n} \left(\nabla y_{n}\right)^{\mathrm{T}} + "
                         r"\sum_{n} \left(y_{n} - t_{n}\right) \nabla \nabla y_{n}")


# --- a wrong statement, or a dropped term, must fail ------------------------------------------

WRONG_STATEMENTS = [
    ("5.83", o.derive_5_83, sp.Sum(sp.diff(Y, W_R) * sp.diff(Y, W_S), (n, 1, N))),
    ("5.83", o.derive_5_83, sp.Sum(sp.diff(Y, W_R) * sp.diff(Y, W_S) + (Y + T[n]) * sp.diff(Y, W_R, W_S),
                                   (n, 1, N))),
    ("5.84", o.derive_5_84, sp.Sum(2 * sp.diff(Y, W_R) * sp.diff(Y, W_S), (n, 1, N))),
    ("5.85", o.derive_5_85, sp.Sum(sp.diff(A, W_R) * sp.diff(A, W_S), (n, 1, N))),
    ("5.85", o.derive_5_85, sp.Sum(SIG * sp.diff(A, W_R) * sp.diff(A, W_S), (n, 1, N))),
    ("ex5.16", o.derive_ex5_16, sp.Sum(sp.diff(YK, W_R) * sp.diff(YK, W_R), (k, 1, K), (n, 1, N))),
    ("ex5.20", o.derive_ex5_20, sp.Sum(SOFT * sp.diff(AK, W_R) * sp.diff(AK, W_S), (k, 1, K), (n, 1, N))),
    ("ex5.20", o.derive_ex5_20,
     sp.Sum(sp.diff(AK, W_R) * SOFT * (sp.KroneckerDelta(k, kp) - o.SoftmaxOutput(n, kp))
            * sp.diff(o.PreActivation(n, kp, W_R, W_S), W_R), (kp, 1, K), (k, 1, K), (n, 1, N))),
]


@pytest.mark.parametrize(("number", "derive", "statement"), WRONG_STATEMENTS)
def test_wrong_statement_fails(number, derive, statement):
    r = derive(statement)
    assert r.verdict == "failed", number
    assert any(note.startswith(("the derivation gives", "derived form")) for note in r.notes)


def test_5_194_wrong_statement_fails():
    y = md.Yx(o.X_VEC, W_R, W_S)
    wrong = sp.Integral(sp.diff(y, W_R) * sp.diff(y, W_S) * md.Pxt(o.X_VEC, o.T_SC), (o.X_VEC, -sp.oo, sp.oo))
    assert o.derive_5_194(wrong).verdict == "failed"


@pytest.mark.parametrize("chain", [o.sum_of_squares_hessian, o.cross_entropy_hessian, o.softmax_hessian])
def test_dropping_any_term_of_a_derived_hessian_fails(chain):
    derived = chain().result
    terms = sp.Add.make_args(derived)
    assert len(terms) >= 2
    statement = derived
    for term in terms:
        assert judge(derived - term, statement) == "failed"
    assert judge(derived, statement) == "proved"


def test_judge_names_only_the_exact_dropped_term():
    derived = o.sum_of_squares_hessian().result
    outer = sp.Sum(sp.diff(Y, W_R) * sp.diff(Y, W_S), (n, 1, N))
    residual = sp.Sum((Y - T[n]) * sp.diff(Y, W_R, W_S), (n, 1, N))
    assert judge(derived, outer, residual) == "approximation"
    assert judge(derived, outer, 2 * residual) == "failed"
    assert judge(derived, outer, outer) == "failed"


def test_5_194_keeps_the_term_that_1_89_removes():
    chain = o.expected_loss_hessian()
    before = chain.lines[-2][0]
    y = md.Yx(o.X_VEC, W_R, W_S)
    full = ((o.X_VEC, -sp.oo, sp.oo),)
    target = sp.Integral(sp.diff(y, W_R) * sp.diff(y, W_S) * md.Px(o.X_VEC), *full)
    residual = sp.Integral(sp.diff(y, W_R, W_S) * (y - md.CondMean(o.X_VEC)) * md.Px(o.X_VEC), *full)
    assert judge(before, target, residual) == "approximation"
    assert judge(before, target) == "failed"
    assert any("1.89" in a for a in derive_entry("5.194").assumptions)


def test_5_194_second_derivative_of_y_survives_only_through_the_residual():
    # Only the bare y(x, w) becomes E[t|x]; its derivatives do not.
    chain = o.expected_loss_hessian()
    last = chain.result
    assert not last.has(md.CondMean)
    assert last.has(sp.Derivative)


# --- printing and algebra helpers ---------------------------------------------------------------

def test_generic_latex_of_derivatives_and_densities():
    assert generic_latex(sp.diff(Y, W_R)) == r"\frac{\partial y_{n}}{\partial w_r}"
    assert generic_latex(md.Ptx(o.T_SC, o.X_VEC)) == r"p(t|\mathbf{x})"
    assert generic_latex(o.Sigmoid(A)) == "y_{n}"


def test_pull_linear_applies_rules_inside_sums():
    def unit(body, lim):
        return sp.S.One if body == T[n] else None
    out = o.pull_linear(sp.Sum(3 * T[n] + Y, (n, 1, N)), [unit])
    assert sp.expand(out - 3 - sp.Sum(Y, (n, 1, N))) == 0


def test_equal_renames_dummies_and_collapses_deltas():
    lhs = sp.Sum(sp.KroneckerDelta(k, kp) * o.SoftmaxOutput(n, kp), (kp, 1, K), (k, 1, K))
    assert equal(lhs, sp.Sum(o.SoftmaxOutput(n, k), (k, 1, K)))
    assert not equal(lhs, sp.Sum(2 * o.SoftmaxOutput(n, k), (k, 1, K)))


# --- exercise 5.17 in numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("dist", ["gaussian", "uniform"])
def test_expected_hessian_equals_outer_product_at_w_star(dist):
    H = o.expected_error_hessian(o.W_STAR, dist)
    G = o.expected_outer_product(o.W_STAR, dist)
    assert np.max(np.abs(H - G)) < 1e-12 * np.max(np.abs(G))


def test_expected_hessian_matches_finite_differences_of_the_quadrature():
    rng = np.random.default_rng(0)
    w = o.W_STAR + 0.3 * rng.normal(size=3)
    H = o.expected_error_hessian(w)
    H_fd = finite_difference_hessian(o.expected_error, w, eps=1e-3)
    assert np.max(np.abs(H - H_fd)) < 1e-6 * np.max(np.abs(H))
    # ... and away from w* it is the outer product plus the dropped term, not the outer product
    G, D = o.expected_outer_product(w), o.expected_dropped_term(w)
    assert np.max(np.abs(H - G - D)) < 1e-12 * np.max(np.abs(H))
    assert np.linalg.norm(D) > 1e-3 * np.linalg.norm(H)


def test_dropped_term_profile_grows_away_from_w_star():
    s, r = o.dropped_term_profile([0.0, 0.25, 0.5, 1.0])
    assert r[0] < 1e-14
    assert np.all(np.diff(r) > 0)


def test_finite_sample_outer_product_approaches_the_integral():
    out = o.finite_sample_convergence([100, 1000, 10000], repeats=8, seed=3)
    slope = np.polyfit(np.log(out["N"]), np.log(out["outer"]), 1)[0]
    assert -0.75 < slope < -0.3  # Monte Carlo: about N^(-1/2)
    assert np.all(np.diff(out["dropped"]) < 0)


def test_away_from_w_star_the_outer_product_does_not_converge_to_the_hessian():
    w = o.W_STAR + np.array([0.5, -0.5, 0.5])
    out = o.finite_sample_convergence([20000], repeats=2, seed=1, w=w)
    H, G = o.expected_error_hessian(w), o.expected_outer_product(w)
    assert out["exact"][0] < 0.05
    assert np.linalg.norm(G - H) / np.linalg.norm(H) > 0.05


def test_nodes_reject_unknown_distribution():
    with pytest.raises(ValueError, match="^dist must be"):
        o.expected_outer_product(o.W_STAR, dist="cauchy")


def test_outer_uses_the_one_generic_model_vocabulary() -> None:
    # exercise 5.17 is written in symhess.model's y(x, w), p(x, t), p(t|x), p(x), E[t|x]
    chain = o.expected_loss_hessian()
    heads = {type(f) for line in chain.lines for f in line[0].atoms(sp.Function)}
    assert {md.Yx, md.Pxt, md.Ptx, md.Px} <= heads
    assert generic_latex(md.CondMean(md.XV)) == r"\mathbb{E}[t|\mathbf{x}]"
    assert generic_latex(md.Ptx(md.TV, md.XV)) == r"p(t|\mathbf{x})"


def test_derivation_results_carry_the_verdict_enum() -> None:
    from symhess.results import Verdict
    r = o.derive_5_84()
    assert r.verdict is Verdict.APPROXIMATION and r.to_json()["verdict"] == "approximation"
