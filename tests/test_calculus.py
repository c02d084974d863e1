from __future__ import annotations

import pytest
import sympy as sp

from symhess import model as md
from symhess import network as nw
from symhess.calculus import (PD, canonical_terms, collapse, derivative, evaluate_pd,
                              provably_equal, terms, tidy)
from symhess.network import (A_HID, A_OUT, DELTA, E_N, MM, W1, W2, X, Z, hp, hpp, i, ip, j,
                             jp, k, kp)

KD = sp.KroneckerDelta
K = nw.SIZES["k"]
kpp = nw.index("k", 2)


@pytest.mark.parametrize("expr, var, expected", [
    (E_N, W2[k, j], DELTA[k] * Z[j]),                                   # 5.54 with 5.64
    (E_N, A_OUT[k], DELTA[k]),                                          # definition of delta
    (DELTA[k], A_OUT[kp], MM[k, kp]),                                   # 5.92
    (Z[jp], W1[j, i], X[i] * KD(j, jp) * hp(A_HID[j])),
    (Z[jp], W2[k, j], 0),                                               # z upstream of w2
    (A_OUT[k], Z[j], W2[k, j]),                                         # layered convention
    (Z[j], A_OUT[k], 0),                                                # upstream is constant
    (hp(A_HID[jp]), A_HID[j], hpp(A_HID[jp]) * KD(j, jp)),
    (A_HID[jp], W1[j, i], X[i] * KD(j, jp)),
    (E_N, A_HID[j], hp(A_HID[j]) * sp.Sum(W2[kp, j] * DELTA[kp], (kp, 1, K))),  # 5.56
])
def test_local_derivatives(expr: sp.Expr, var: sp.Expr, expected: sp.Expr) -> None:
    assert provably_equal(derivative(expr, var), expected)


def test_derivative_by_summation_variable_is_not_confused() -> None:
    """SymPy issue 21891: differentiating by a symbol that is also a dummy. Ours renames."""
    s = sp.Sum(W2[k, j] * Z[j], (j, 1, nw.SIZES["j"]))  # a_k written out, dummy j
    d = collapse(derivative(s, W2[k, j]))               # j here is the free index
    assert provably_equal(d, Z[j])


def test_lazy_chain_rule_step_then_evaluated() -> None:
    lazy = derivative(E_N, W2[kp, jp], lazy=True)
    assert lazy.has(PD)
    assert provably_equal(evaluate_pd(lazy), DELTA[kp] * Z[jp])


def test_second_derivatives_reproduce_593() -> None:
    g = collapse(derivative(E_N, W2[kp, jp]))
    assert provably_equal(derivative(g, W2[k, j]), Z[j] * Z[jp] * MM[k, kp])


def test_collapse_kronecker_sum() -> None:
    e = sp.Sum(MM[kp, kpp] * KD(kpp, k), (kpp, 1, K))
    assert collapse(e) == MM[kp, k]


def test_collapse_sum_without_its_index_gives_size() -> None:
    assert collapse(sp.Sum(DELTA[k], (kp, 1, K))) == K * DELTA[k]


def test_terms_pull_sums_out() -> None:
    ts = terms(sp.Sum(W2[k, j] * DELTA[k], (k, 1, K)) * Z[j] + 3)
    assert sorted(len(t.limits) for t in ts) == [0, 1]


@pytest.mark.parametrize("a, b", [
    (MM[k, kp], MM[kp, k]),                                                  # symmetry
    (sp.Sum(W2[k, j] * DELTA[k], (k, 1, K)), sp.Sum(W2[kp, j] * DELTA[kp], (kp, 1, K))),  # dummies
    (hp(A_HID[jp]) * KD(j, jp), hp(A_HID[j]) * KD(j, jp)),                    # delta identifies
    (md.YH[nw.n, 1, 2], md.YH[nw.n, 2, 1]),                                   # jets symmetric in w
])
def test_provably_equal(a: sp.Expr, b: sp.Expr) -> None:
    assert provably_equal(a, b)


@pytest.mark.parametrize("a, b", [
    (hp(A_HID[j]), hpp(A_HID[j])),
    (MM[k, kp] * Z[j], MM[k, kp] * Z[jp]),
    (md.YH[1, 2, 3], md.YH[2, 1, 3]),     # the data index is not symmetric with weight indices
    (X[i] * X[ip], X[i] ** 2),
])
def test_not_provably_equal(a: sp.Expr, b: sp.Expr) -> None:
    assert not provably_equal(a, b)
    assert canonical_terms(a - b)


def test_tidy_groups_and_factors() -> None:
    e = sp.Sum(md.YN[nw.n] * md.YG[nw.n, 1], (nw.n, 1, nw.SIZES["n"])) - sp.Sum(
        md.TN[nw.index("n", 1)] * md.YG[nw.index("n", 1), 1], (nw.index("n", 1), 1, nw.SIZES["n"]))
    out = tidy(e)
    assert isinstance(out, sp.Sum) and provably_equal(out, e)


# --------------------------------------------------------------------------- R{·}, sums written out
def test_r_operator_one_layer_at_a_time() -> None:
    from symhess.calculus import r_operator

    r = r_operator(hp(A_HID[j]) * sp.Sum(W2[k, j] * DELTA[k], (k, 1, K)), through_definitions=False)
    expected = (hpp(A_HID[j]) * nw.R(A_HID[j]) * sp.Sum(W2[k, j] * DELTA[k], (k, 1, K))
                + hp(A_HID[j]) * sp.Sum(nw.V2[k, j] * DELTA[k] + W2[k, j] * nw.R(DELTA[k]), (k, 1, K)))
    assert sp.expand(r - expected) == 0
    assert r_operator(X[i] * nw.T[k], through_definitions=False) == 0  # inputs and targets fixed


def test_r_operator_through_definitions_is_v_dot_gradient() -> None:
    from symhess.calculus import r_operator

    r = collapse(r_operator(A_HID[j]))  # R{a_j} = Σ_i v_ji x_i (5.101), x_0 = 1 included
    assert r.has(nw.V1) and not r.has(nw.R)


def test_on_line_moves_weights_and_layer_quantities() -> None:
    from symhess.calculus import on_line

    e = on_line(W2[k, j] * Z[j] * X[i])
    assert e == (W2[k, j] + nw.EPS * nw.V2[k, j]) * nw.OnLine(Z[j], nw.EPS) * X[i]


def test_split_sums_pulls_out_what_does_not_depend_on_the_index() -> None:
    from symhess.calculus import split_sums

    out = split_sums(sp.Sum(Z[j] * (W2[k, j] * DELTA[k] + 1), (k, 1, K)))
    assert sp.expand(out - (Z[j] * sp.Sum(W2[k, j] * DELTA[k], (k, 1, K)) + K * Z[j])) == 0


def test_unroll_sums_writes_out_concrete_ranges_only() -> None:
    from symhess.calculus import unroll_sums

    assert unroll_sums(sp.Sum(Z[j], (j, 0, 2))) == Z[0] + Z[1] + Z[2]
    assert unroll_sums(sp.Sum(Z[j], (j, 1, 0))) == 0
    open_sum = sp.Sum(Z[j], (j, 1, nw.SIZES["j"]))
    assert unroll_sums(open_sum) == open_sum
    nested = sp.Sum(sp.Sum(MM[k, kp], (kp, 1, k)), (k, 1, 2))  # an inner limit set by the outer index
    assert unroll_sums(nested) == MM[1, 1] + MM[2, 1] + MM[2, 2]
