"""Issue 9: wrong verdicts fixed as kinds — every case of shared/cases/soundness is a test here.

Kinds: rewrite rules applied without their side conditions (ranges of a Kronecker collapse,
bias index 0, bounds M − 1), numeric instances that never exercise part of a statement
(biases, boundary index values, unequal sizes), approximations that could never fail.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symhess import model as md
from symhess import network as nw
from symhess.calculus import collapse, derivative, provably_equal
from symhess.check import check_text
from symhess.equivalence import decide
from symhess.network import DELTA, W1, W2, Z, i, j, jp, k, kp
from symhess.notation.interpret import COL, ROW, Meaning
from symhess.printing import text_latex

KD = sp.KroneckerDelta
M, D, K = nw.SIZES["j"], nw.SIZES["i"], nw.SIZES["k"]
HOLDS = {"proved", "verified"}


def verdicts(text: str) -> list[str]:
    return [s.verdict for d in check_text(text, "case.md").derivations for s in d.steps]


# ------------------------------------------------------------------ s01: Kronecker ranges
@pytest.mark.parametrize("latex, expected", [
    (r"\sum_{j'=2}^{M} I_{jj'} z_{j'} = z_j", {"failed"}),                        # false at j = 1
    (r"\sum_{j'=1}^{M} I_{jj'} z_{j'} = z_j", HOLDS),
    (r"\frac{\partial}{\partial w_{k0}^{(2)}} \sum_{j=1}^{M} w_{kj}^{(2)} z_j = 0", HOLDS),
    (r"\frac{\partial}{\partial w_{k0}^{(2)}} \sum_{j=0}^{M} w_{kj}^{(2)} z_j = 1", HOLDS),
    (r"\frac{\partial}{\partial w_{ji'}^{(1)}} \sum_{i=2}^{D} w_{ji}^{(1)} x_i = x_{i'}", {"failed"}),
    (r"\sum_{j=1}^{M-1} I_{jj'} z_{j} = z_{j'}", {"failed"}),                    # false at j' = M
    (r"\sum_{j=0}^{M} I_{jj'} z_{j} = z_{j'}", HOLDS),                           # 1..M within 0..M
    (r"\sum_{i=1}^{M} I_{ii'} x_{i} = x_{i'}", {"failed", "unsupported"}),      # M is not D: x_3 at D = 2
])
def test_s01_delta_collapses_only_inside_its_range(latex: str, expected: set[str]) -> None:
    (v,) = verdicts(f"$$ {latex} $$")
    assert v in expected


@pytest.mark.parametrize("expr, expected", [
    (sp.Sum(KD(j, jp) * Z[jp], (jp, 2, M)), None),            # not established: stays a sum
    (sp.Sum(KD(j, jp) * Z[jp], (jp, 1, M)), Z[j]),
    (sp.Sum(KD(j, jp) * Z[jp], (jp, 0, M)), Z[j]),
    (sp.Sum(KD(j, jp) * Z[jp], (jp, 1, M - 1)), None),
    (sp.Sum(KD(jp, 0) * Z[jp], (jp, 1, M)), sp.S.Zero),        # the bias index is outside 1..M
    (sp.Sum(KD(jp, 0) * Z[jp], (jp, 0, M)), sp.S.One),         # z_0 = 1
    (KD(j, 0) * Z[j], sp.S.Zero),                              # a hidden unit is never 0
    (sp.Sum(Z[j], (jp, 3, M)), None),                          # M − 2 terms only when M ≥ 2
    (sp.Sum(Z[j], (jp, 2, M)), (M - 1) * Z[j]),
    (sp.Sum(Z[jp], (jp, 2, 1)), sp.S.Zero),                    # an empty range
])
def test_collapse_rules_establish_their_conditions(expr: sp.Expr, expected: sp.Expr | None) -> None:
    out = collapse(expr)
    if expected is None:
        assert out.has(sp.Sum)
    else:
        assert sp.expand(out - expected) == 0


def test_bias_weight_derivatives() -> None:
    assert collapse(derivative(nw.A_OUT[k], W2[kp, 0])) == KD(k, kp)
    assert collapse(derivative(nw.A_HID[j], W1[jp, 0])) == KD(j, jp)
    assert collapse(derivative(Z[0], W1[j, i])) == 0
    assert provably_equal(derivative(nw.E_N, W2[k, 0]), DELTA[k])


# ------------------------------------------------------------------ s02: bias instances
@pytest.mark.parametrize("latex, expected", [
    (r"\sum_k w_{k0}^{(2)} = 0", {"failed"}),
    (r"\sum_{i=0}^{D} w_{ji}^{(1)} x_i = \sum_{i=1}^{D} w_{ji}^{(1)} x_i", {"failed"}),
    (r"\frac{\partial^2 E_n}{\partial w_{k0}^{(2)} \partial w_{k'0}^{(2)}} = M_{kk'}", HOLDS),
    (r"\frac{\partial^2 E_n}{\partial w_{k0}^{(2)} \partial w_{k'0}^{(2)}} = M_{kk'} + w_{k0}^{(2)}",
     {"failed"}),
    (r"\frac{\partial^2 E_n}{\partial w_{j0}^{(1)} \partial w_{kj'}^{(2)}} = h'(a_j) \left\{ \delta_k "
     r"I_{jj'} + z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'} \right\}", HOLDS),
    (r"a_k = \sum_{j=0}^{M} w_{kj}^{(2)} z_j", HOLDS),
    (r"a_j = \sum_{i=1}^{D} w_{ji}^{(1)} x_i", HOLDS),       # no bias mentioned: biases off
])
def test_s02_bias_weights_are_weights(latex: str, expected: set[str]) -> None:
    (v,) = verdicts(f"$$ {latex} $$")
    assert v in expected


def test_failed_bias_counterexample_has_biases_on() -> None:
    d = decide(Meaning(sp.Sum(W2[k, 0], (k, 1, K))), Meaning(sp.S.Zero))
    assert d.verdict == "failed" and d.counterexample.sizes.get("bias") == 1


def test_verified_message_says_what_it_ranged_over() -> None:
    d = decide(Meaning(nw.A_OUT[k]), Meaning(sp.Sum(W2[k, j] * Z[j], (j, 0, M))))
    assert d.verdict == "verified"
    for part in ("instances", "(D, M, K) = (1, 1, 1)", "(2, 3, 1)", "biases on (x_0 = z_0 = 1",
                 "and off", "every coincidence pattern of k", "boundary values 1 and the size",
                 "evaluations in all"):
        assert part in text_latex(d.message)


def test_unequal_sizes_catch_a_wrong_bound() -> None:
    d = decide(Meaning(sp.Sum(Z[j], (jp, 1, M))), Meaning(D * Z[j]))   # M z_j written D z_j
    assert d.verdict == "failed" and d.counterexample.sizes["D"] != d.counterexample.sizes["M"]


def test_boundary_value_one_is_sampled() -> None:
    """Σ_{j'=2}^{M} z_{j'} I_{jj'} = z_j fails only at j = 1 once M ≥ 2."""
    d = decide(Meaning(sp.Sum(KD(j, jp) * Z[jp], (jp, 2, M))), Meaning(Z[j]))
    assert d.verdict == "failed" and d.counterexample.indices["j"] == 1


# ------------------------------------------------------------------ s03: approximations
OUTER = r"\sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^{\mathrm{T}}"


@pytest.mark.parametrize("rhs, expected, words", [
    (OUTER, "approximation", "small near a good fit"),
    (r"-3 " + OUTER, "failed", "not small for any reason the book gives"),
    (r"\sum_{n=1}^{N} (y_n - t_n) \nabla\nabla y_n", "failed", "not small for any reason"),
    (r"\sum_{n=1}^{N} \nabla y_n \nabla y_n^{\mathrm{T}} + \sum_{n=1}^{N} (y_n - t_n) \nabla\nabla y_n",
     "approximation", "holds exactly"),
])
def test_s03_approximation_needs_evidence(rhs: str, expected: str, words: str) -> None:
    rep = check_text(rf"$$ \mathbf{{H}} \simeq {rhs} \quad (\because (5.82)) $$", "case.md")
    (s,) = rep.derivations[0].steps
    assert s.verdict == expected and words in text_latex(s.message)
    if expected == "failed":
        assert s.residual is not None and s.counterexample is not None


def test_s03_without_an_error_in_force_nothing_is_small() -> None:
    """With no error function defined or cited, E is unspecified: the outer-product form is
    not shown to be small, and the step is not judged wrong either (the reader may mean 5.82)."""
    (s,) = check_text(rf"$$ \mathbf{{H}} \simeq {OUTER} $$", "case.md").derivations[0].steps
    assert s.verdict == "unsupported" and "no error function is defined or cited" in text_latex(s.message)
    assert "not small for any reason" in text_latex(s.message)


def test_s03_diagonal_approximation() -> None:
    text = (r"$$ \frac{\partial^2 E_n}{\partial a_j^2} \simeq h'(a_j)^2 \sum_k (w_{kj}^{(2)})^2 "
            r"\frac{\partial^2 E_n}{\partial a_k^2} + h''(a_j) \sum_k w_{kj}^{(2)} "
            r"\frac{\partial E_n}{\partial a_k} $$")
    (s,) = check_text(text, "case.md").derivations[0].steps
    assert s.verdict == "approximation" and "diagonal approximation neglects" in text_latex(s.message)
    wrong = text.replace(r"h''(a_j) \sum_k", r"2 h''(a_j) \sum_k")
    assert verdicts(wrong) == ["failed"]


def test_optimum_condition_of_expected_loss() -> None:
    """∫∫ (y − t) p(x, t) dx dt ≃ 0 at the optimum y = E[t|x]; ∫∫ (y − t)² p ≃ 0 is not."""
    inner = sp.Integral((md.Yx(md.XV) - md.TV) * md.Pxt(md.XV, md.TV), md.XV, md.TV)
    d = decide(Meaning(inner), Meaning(sp.S.Zero), approximate=True)
    assert d.verdict == "approximation" and "E[t|x]" in text_latex(d.message)
    sq = sp.Integral((md.Yx(md.XV) - md.TV) ** 2 * md.Pxt(md.XV, md.TV), md.XV, md.TV)
    assert decide(Meaning(sq), Meaning(sp.S.Zero), approximate=True).verdict == "failed"


def test_matrix_diagonal_approximation() -> None:
    full = md.EH[ROW, COL]
    diag = KD(ROW, COL) * md.EH[ROW, COL]
    d = decide(Meaning(full, ROW, COL), Meaning(diag, ROW, COL), approximate=True)
    assert d.verdict == "approximation"
    assert decide(Meaning(full, ROW, COL), Meaning(2 * diag, ROW, COL), approximate=True).verdict == "failed"


# ------------------------------------------------------------------ s04: the book's ∇y ∇y^T
@pytest.mark.parametrize("outer, expected", [
    (r"\nabla y_n \nabla y_n^{\mathrm{T}}", HOLDS),
    (r"\nabla y_n (\nabla y_n)^{\mathrm{T}}", HOLDS),
    (r"\nabla y_n \nabla y_n", {"failed", "unsupported"}),
])
def test_s04_book_transpose(outer: str, expected: set[str]) -> None:
    text = (rf"$$ \nabla\nabla E = \sum_{{n=1}}^{{N}} {outer} + \sum_{{n=1}}^{{N}} (y_n - t_n) "
            r"\nabla\nabla y_n \quad (\because (5.82)) $$")
    (v,) = verdicts(text)
    assert v in expected


# --------------------------------------------------------------------------- conditions and citations
def _verdicts(text: str) -> list[str]:
    return [s.verdict for d in check_text(text).derivations for s in d.steps]


@pytest.mark.parametrize("text", [
    r"$$ \sum_{j'} I_{jj'} z_{j'} = 0 \quad (j \neq j') $$",
    "When $j \\neq j'$:\n\n$$ x_i \\sum_{j'} h'(a_{j'}) I_{jj'} \\delta_k = 0 $$",
    r"$$ \sum_{k'} w_{k'j}^{(2)} M_{kk'} = \sum_{k'} w_{kj}^{(2)} M_{kk} \quad (k = k') $$",
])
def test_a_condition_restricts_free_indices_never_a_summation_index(text: str) -> None:
    assert _verdicts(text) == ["failed"]


@pytest.mark.parametrize("text", [
    r"$$ \sum_{j'} I_{jj'} z_{j'} = z_j \quad (j \neq j') $$",
    r"$$ w_{k'j}^{(2)} M_{kk'} = w_{kj}^{(2)} M_{kk} \quad (k = k') $$",
])
def test_a_condition_on_free_indices_still_applies(text: str) -> None:
    assert _verdicts(text)[0] in ("proved", "verified")


def test_a_cited_error_model_decides_its_step_even_when_another_is_in_force() -> None:
    d2 = r"\frac{\partial^2 E_n}{\partial a_k \partial a_{k'}}"
    text = (f"$$ {d2} = I_{{kk'}} \\tag{{5.104}} $$\n\n"
            f"$$ {d2} = I_{{kk'}} \\quad (\\because (5.21)) $$\n\n"
            f"$$ {d2} = y_k (1 - y_k) I_{{kk'}} \\quad (\\because (5.21)) $$\n\n"
            f"$$ {d2} = I_{{kk'}} $$")
    assert _verdicts(text) == ["proved", "failed", "verified", "proved"]
    reverse = (f"$$ {d2} = y_k (1 - y_k) I_{{kk'}} \\tag{{5.21}} $$\n\n"
               f"$$ {d2} = y_k (1 - y_k) I_{{kk'}} \\quad (\\because (5.104)) $$")
    assert _verdicts(reverse) == ["verified", "failed"]


def test_two_error_models_cited_by_one_step_are_unsupported() -> None:
    steps = check_text(r"$$ \delta_k = y_k - t_k \quad (\because (5.104), (5.21)) $$").derivations[0].steps
    assert steps[0].verdict == "unsupported" and "two error models" in text_latex(steps[0].message)


@pytest.mark.parametrize("definition", [r"h(a) = \tanh(a)", r"h(a) = \max(0, a)"])
def test_a_document_defining_h_never_gets_a_failure_from_a_random_h(definition: str) -> None:
    text = (f"$$ {definition} $$\n\n$$ h'(a_j) = 1 - z_j^2 $$\n\n"
            r"$$ \frac{\partial^2 E_n}{\partial w_{kj}^{(2)} \partial w_{k'j'}^{(2)}} = z_j z_{j'} M_{kk'} $$"
            "\n\n$$ \\delta_k = y_k - t_k \\quad (\\because (5.104)) $$")
    steps = [s for d in check_text(text).derivations for s in d.steps]
    assert [s.verdict for s in steps[1:]] == ["unsupported", "proved", "proved"]
    assert "defines h" in text_latex(steps[1].message) and "for an unspecified h it does not hold" in text_latex(steps[1].message)


def test_softmax_outputs_are_not_read_as_linear_ones() -> None:
    text = (r"$$ E_n = -\sum_k t_k \ln y_k, \qquad y_k = \frac{\exp(a_k)}{\sum_{k'} \exp(a_{k'})} $$"
            "\n\n" r"$$ \frac{\partial E_n}{\partial a_k} = -\frac{t_k}{a_k} $$"
            "\n\n" r"$$ \delta_k = y_k - t_k $$" "\n\n" r"$$ x_i = x_i $$")
    steps = [s for d in check_text(text).derivations for s in d.steps]
    assert [s.verdict for s in steps] == ["definition", "unsupported", "unsupported", "unsupported", "proved"]
    assert "softmax" in text_latex(steps[1].message) and "softmax" in text_latex(steps[2].message)


# --------------------------------------------------------------------------- biases, per document
BIAS_LINE = r"$$ a_k = \sum_{j=0}^{M} w_{kj} z_j $$" + "\n\n"


def _only_step(text: str, block: int = -1):
    rep = check_text(text, "b.md")
    (step,) = rep.derivations[block].steps
    return step


def test_after_the_bias_unit_is_written_a_sum_from_1_is_not_a_k() -> None:
    """Once a document writes the bias unit, a_k = Σ_{j=1}^M w_kj z_j is false (w_k0 is
    left out); in a document without biases it holds."""
    wrong = r"$$ a_k = \sum_{j=1}^{M} w_{kj} z_j $$"
    s = _only_step(BIAS_LINE + wrong)
    assert s.verdict == "failed" and s.counterexample is not None and s.counterexample.sizes.get("bias") == 1
    assert any("line 1 writes the bias unit" in a for a in s.assumptions)
    assert _only_step(wrong).verdict in ("proved", "verified")


def test_biases_are_in_force_forward_only() -> None:
    before = _only_step(r"$$ a_k = \sum_{j=1}^{M} w_{kj} z_j $$" + "\n\n" + BIAS_LINE, block=0)
    assert before.verdict in ("proved", "verified") and not before.assumptions


@pytest.mark.parametrize("text, absorbed", [
    (r"a_j = \sum_i w_{ji} x_i", True),                # PRML 5.98: the bias absorbed, x_0 = 1
    (r"a_j = \sum_i w_{ji} x_i + w_{j0}", False),      # PRML 5.113: the bias written apart
    (r"a_k = \sum_j w_{kj} z_j", True),
])
def test_a_bare_sum_in_a_document_with_biases_is_read_either_way(text: str, absorbed: bool) -> None:
    from symhess.check import BIAS_ABSORBED
    s = _only_step(BIAS_LINE + f"$$ {text} $$")
    assert s.verdict in ("proved", "verified")
    assert (BIAS_ABSORBED in s.readings) is absorbed


@pytest.mark.parametrize("text", [
    r"a_j = \sum_i w_{ji} x_i + 2 w_{j0}",    # the bias counted twice under either reading
    r"a_j = \sum_{i=1}^{D} w_{ji} x_i",        # bounds written: no second reading
    r"a_k = \sum_j w_{kj} z_j - w_{k0}",
])
def test_a_wrong_step_fails_under_both_readings(text: str) -> None:
    s = _only_step(BIAS_LINE + f"$$ {text} $$")
    assert s.verdict == "failed" and s.counterexample is not None


# --------------------------------------------------------------------------- break-it, session 4
def _chain_verdicts(text: str) -> list[list[str]]:
    return [[s.verdict for s in d.steps] for d in check_text(text, "s.md").derivations]


def test_a_chain_keeps_one_reading_of_its_bare_sums() -> None:
    """Each step holds under one reading of Σ_i, but not the same one: the chain's conclusion
    a_j = Σ_{i=1}^D w_ji x_i is false once biases are in force."""
    text = ("$$ a_j = \\sum_{i=1}^{D} w_{ji}^{(1)} x_i + w_{j0}^{(1)} $$\n\n"
            "$$ a_j = \\sum_i w_{ji}^{(1)} x_i = \\sum_{i=1}^{D} w_{ji}^{(1)} x_i $$\n\n"
            "$$ \\frac{\\partial a_k}{\\partial w_{k0}^{(2)}} = \\frac{\\partial}{\\partial w_{k0}^{(2)}} "
            "\\sum_j w_{kj}^{(2)} z_j = 0 $$")
    v = _chain_verdicts(text)
    assert v[1][0] in ("proved", "verified") and v[1][1] == "failed"
    assert v[2][0] in ("proved", "verified") and v[2][1] == "failed"


@pytest.mark.parametrize("text", [r"z_1 = 1", r"x_2 = 1", r"z_5 + x_3 = 2"])
def test_a_numbered_unit_is_not_the_bias_unit(text: str) -> None:
    assert _chain_verdicts(f"$$ {text} $$") == [["unsupported"]]


def test_a_definition_parameter_does_not_capture_its_summation_index() -> None:
    text = ("$$ F_j := \\sum_{j'} z_{j'} I_{jj'} $$\n\n$$ F_{j'} = \\sum_j z_j $$\n\n"
            "$$ F_{j'} = z_{j'} $$")
    assert _chain_verdicts(text) == [["definition"], ["failed"], ["proved"]]


def test_the_r_operator_has_the_bias_directions_once_biases_are_in_force() -> None:
    text = ("$$ a_j = \\sum_{i=1}^{D} w_{ji}^{(1)} x_i + w_{j0}^{(1)} $$\n\n"
            "$$ \\mathcal{R}\\{a_j\\} = \\sum_{i=1}^{D} v_{ji} x_i $$\n\n"
            "$$ \\mathcal{R}\\{a_j\\} = \\sum_{i=1}^{D} v_{ji} x_i + v_{j0} $$\n\n"
            "$$ \\mathcal{R}\\{w_{k0}^{(2)}\\} = v_{k0} $$")
    v = _chain_verdicts(text)
    assert v[1] == ["failed"] and v[2][0] in ("proved", "verified") and v[3][0] in ("proved", "verified")


@pytest.mark.parametrize("first", [
    r"x_0 = 1", r"z_0 = 1", r"\frac{\partial a_k}{\partial w_{k0}} = 1",
    r"\frac{\partial^2 E_n}{\partial w_{k0}^{(2)} \partial w_{k'0}^{(2)}} = M_{kk'}",
    r"a_j + w_{j0} - w_{j0} = a_j",
])
def test_the_bias_unit_written_in_any_form_puts_biases_in_force(first: str) -> None:
    v = _chain_verdicts(f"$$ {first} $$\n\n$$ a_k = \\sum_{{j=1}}^{{M}} w_{{kj}} z_j $$")
    assert v[-1] == ["failed"]


def test_a_claim_about_the_hessian_is_never_a_definition() -> None:
    text = ("$$ E = -\\sum_{n=1}^{N}\\{t_n \\ln y_n + (1-t_n)\\ln(1-y_n)\\} $$\n\n"
            "$$ \\mathbf{H} = 0 $$")
    assert _chain_verdicts(text)[1] == ["unsupported"]


def test_r_with_parentheses_is_the_r_operator_not_a_constant() -> None:
    """R(δ_k) z_j = δ_k R(z_j) was proved with R read as a number; it is false (5.110 has +)."""
    v = _chain_verdicts("$$ R(\\delta_k) z_j = \\delta_k R(z_j) $$\n\n$$ R(a_j) = \\sum_i v_{ji} x_i $$")
    assert v == [["failed"], ["proved"]]


def test_an_unreadable_redefinition_of_e_retires_the_earlier_one() -> None:
    text = ("$$ E = \\frac{1}{2}\\sum_{n=1}^{N} (y_n - t_n)^2 $$\n\n"
            "$$ E = -\\sum_{n=1}^{N} t_n \\ln \\mathrm{softmax}(y_n) $$\n\n"
            "$$ \\frac{\\partial E}{\\partial w_r} = \\sum_{n=1}^{N} (y_n - t_n) \\frac{\\partial y_n}{\\partial w_r} $$")
    v = _chain_verdicts(text)
    assert v[1] == ["unsupported"] and v[2] == ["unsupported"]


@pytest.mark.parametrize("cond", [r"(j = j', k = k')", r"(j = j' \text{ and } k = k')", r"(\text{if } j = j', k = k')"])
def test_a_list_of_conditions_is_applied_in_full(cond: str) -> None:
    assert _chain_verdicts(f"$$ z_j z_{{j'}} M_{{kk'}} = z_j^2 M_{{kk}} \\quad {cond} $$") == [["proved"]]


@pytest.mark.parametrize("cond", [r"(j = j', \text{ or } a = b)", r"(j \neq 1)", r"(j = 1)"])
def test_a_condition_that_cannot_be_applied_never_yields_a_failure(cond: str) -> None:
    """Deciding without a stated condition and failing is a false alarm: unsupported instead."""
    (v,) = _chain_verdicts(f"$$ \\sum_{{j'=2}}^{{M}} I_{{jj'}} = 1 \\quad {cond} $$")
    assert v == ["unsupported"]


def test_a_new_plain_symbol_is_defined_by_its_first_display() -> None:
    """symhess's own hint says 'define a new one in a display such as Q = …': that works."""
    text = ("$$ Q = \\sum_j z_j $$\n\n$$ Q = 2 \\sum_j z_j $$\n\n$$ \\lambda = 2 $$\n\n$$ 2\\lambda = 4 $$")
    assert _chain_verdicts(text) == [["definition"], ["failed"], ["definition"], ["proved"]]


def test_a_forward_difference_of_the_gradient_at_the_unshifted_point() -> None:
    """∂E/∂w_ji (w_lk) is the derivative at the unshifted point, not a product with w_lk."""
    fd = (r"\frac{\partial^2 E}{\partial w_{ji} \partial w_{lk}} = \frac{1}{\epsilon} \left\{ "
          r"\frac{\partial E}{\partial w_{ji}}(w_{lk} + \epsilon) - \frac{\partial E}{\partial w_{ji}}(w_{lk}) "
          r"\right\} + O(\epsilon^{p})")
    assert _chain_verdicts("$$ " + fd.replace("{p}", "{1}") + " $$") == [["proved"]]
    assert _chain_verdicts("$$ " + fd.replace("{p}", "{2}") + " $$") == [["failed"]]


# --------------------------------------------------------------------------- break-it, round 2
@pytest.mark.parametrize("prose", ["Unless $j = j'$:", "Except when $j = j'$:", "$j = j'$ 以外のとき:",
                                   "When $j = j'$ or $k = k'$:", "Case $j \\neq j'$ was above; now for $j = j'$:"])
def test_a_negated_or_compound_prose_condition_is_never_applied_as_stated(prose: str) -> None:
    """'Except when j = j′' must not put j = j′ in force: the step I_jj′ z_j = z_j′ is unsupported
    (no condition applied, and without one it fails), never proved."""
    v = _chain_verdicts(f"{prose}\n\n$$ I_{{jj'}} z_j = z_{{j'}} $$")
    assert v == [["unsupported"]]


@pytest.mark.parametrize("cond", [r"(\text{unless } j = j')", r"(j = j' \text{ is false})", r"(\text{not } j = j')"])
def test_a_condition_with_other_words_is_never_applied_nor_a_failure(cond: str) -> None:
    assert _chain_verdicts(f"$$ I_{{jj'}} z_j = 0 \\quad {cond} $$") == [["unsupported"]]


def test_a_summation_index_is_not_a_constant_inside_its_own_sum() -> None:
    assert _chain_verdicts("$$ \\sum_{j=1}^{M} j z_j = j \\sum_{j=1}^{M} z_j $$") == [["unsupported"]]


def test_a_definition_in_terms_of_itself_is_not_a_definition() -> None:
    assert _chain_verdicts("$$ c = c + 1 $$\n\n$$ 2 c = 4 $$") == [["unsupported"], ["unsupported"]]


def test_the_books_own_tilde_form_of_the_weight_transformation_is_applied() -> None:
    text = ("$$ x_i \\to \\tilde{x}_i = a x_i + b \\tag{5.115} $$\n\n"
            "$$ w_{ji} \\to \\tilde{w}_{ji} = \\frac{1}{a} w_{ji} \\tag{5.116} $$\n\n"
            "$$ \\frac{\\lambda_1}{2} \\sum_{w \\in \\mathcal{W}_1} w^2 + \\frac{\\lambda_2}{2} "
            "\\sum_{w \\in \\mathcal{W}_2} w^2 \\tag{5.121} $$\n\n"
            "$$ \\lambda_1 \\to a^{2} \\lambda_1 $$\n\n$$ \\lambda_1 \\to \\lambda_1 $$")
    v = _chain_verdicts(text)
    assert v[-2] == ["proved"] and v[-1] == ["failed"]


@pytest.mark.parametrize("prose", ["Computed exactly, without neglecting anything (the off-diagonal terms are kept):",
                                   "近似せずに厳密に計算すると:"])
def test_prose_saying_nothing_is_neglected_keeps_the_display_exact(prose: str) -> None:
    text = (f"{prose}\n\n$$ \\frac{{\\partial^2 E_n}}{{\\partial w_{{kj}}^{{(2)}} \\partial w_{{k'j'}}^{{(2)}}}} "
            "= z_j z_{j'} I_{kk'} M_{kk'} $$")
    assert _chain_verdicts(text) == [["failed"]]


def test_r_with_a_space_before_its_bracket_is_still_the_r_operator() -> None:
    assert _chain_verdicts("$$ R (a_j + a_k) = R(a_j) + R(a_k) $$") == [["proved"]]


# --------------------------------------------------------------------------- break-it, round 3
def test_a_sum_does_not_capture_an_index_left_free_by_the_next_factor() -> None:
    """(Σ_k δ_k)(Σ_k' M_kk') has k free in M_kk'; pulling the sums out must not bind it."""
    text = "$$ \\sum_k \\sum_{k'} \\delta_k M_{kk'} = \\left(\\sum_k \\delta_k\\right) \\left(\\sum_{k'} M_{kk'}\\right) $$"
    assert _chain_verdicts(text) == [["failed"]]


def test_the_books_regulariser_is_not_used_when_the_document_wrote_its_own() -> None:
    text = ("$$ \\Omega = \\frac{\\lambda_1}{2} \\sum_{w \\in \\mathcal{W}_1} w^2 + \\frac{\\lambda_2}{2} "
            "\\sum_{w \\in \\mathcal{W}_2} w^4 $$\n\n$$ y_k \\to c y_k + d, \\quad w_{kj} \\to c w_{kj} $$\n\n"
            "$$ \\lambda_2 \\to c^{-2} \\lambda_2 $$")
    assert _chain_verdicts(text)[-1] == ["unsupported"]


def test_a_distinctness_condition_holds_after_the_error_model_brings_its_deltas() -> None:
    text = ("$$ E_n = \\frac{1}{2}\\sum_k (y_k - t_k)^2 $$\n\nWhen $k \\neq k'$:\n\n"
            "$$ \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} = 0 $$")
    assert _chain_verdicts(text)[-1] == ["proved"]


@pytest.mark.parametrize("text, verdict", [(r"\sum_{k=1}^{K} 1 = K", "proved"), (r"\sum_k I_{kk} = K", "proved"),
                                           (r"\sum_{n=1}^{N} 1 = N + 1", "failed")])
def test_a_plain_size_letter_is_the_size(text: str, verdict: str) -> None:
    assert _chain_verdicts(f"$$ {text} $$") == [[verdict]]


# --------------------------------------------------------------------------- break-it, round 4
def test_a_good_fit_sets_the_targets_to_the_outputs_activation() -> None:
    """Under cross-entropy with logistic outputs a good fit is σ(a_k) ≈ t_k, not a_k ≈ t_k."""
    wrong = ("$$ \\frac{\\partial^2 E_n}{\\partial w_{kj} \\partial w_{kj}} \\simeq z_j^2 y_k (1 - y_k) "
             "+ z_j^2 (a_k - t_k) \\quad (\\because (5.21)) $$")
    assert _chain_verdicts(wrong) == [["failed"]]


def test_another_subscript_of_a_defined_symbol_is_a_claim_about_it() -> None:
    text = ("$$ \\mathbf{H}_L = \\sum_{n=1}^{L} \\mathbf{b}_n \\mathbf{b}_n^{\\mathrm{T}} $$\n\n"
            "$$ \\mathbf{H}_{1} = 0 $$\n\n$$ \\mathbf{H}_{1} = \\mathbf{b}_1 \\mathbf{b}_1^{\\mathrm{T}} $$\n\n"
            "$$ \\hat{a}_j = \\sum_i w_{ji} x_i $$\n\n$$ \\hat{a}_{1} = 0 $$")
    v = _chain_verdicts(text)
    assert v[1] == ["failed"] and v[2] == ["verified"] and v[4] != ["definition"]


def test_a_chain_continued_in_the_next_display_keeps_its_reading() -> None:
    text = ("$$ a_k = \\sum_{j=0}^{M} w_{kj} z_j $$\n\n$$ a_k = \\sum_j w_{kj} z_j $$\n\n"
            "$$ = \\sum_{j=1}^{M} w_{kj} z_j $$")
    assert _chain_verdicts(text)[-1] == ["failed"]


def test_the_bias_entry_of_a_tilde_weight_is_a_definition_of_its_own() -> None:
    """PRML 5.116-5.117 define \\tilde{w}_{ji} and then \\tilde{w}_{j0} separately."""
    text = ("$$ \\tilde{w}_{ji} = \\frac{1}{a} w_{ji} $$\n\n"
            "$$ \\tilde{w}_{j0} = w_{j0} - \\frac{b}{a} \\sum_i w_{ji} $$")
    assert _chain_verdicts(text) == [["definition"], ["definition"]]
