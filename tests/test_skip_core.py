"""The skip-layer network (exercise 5.23) in the one calculus: its definitions are a table of
symhess.network (SKIP_LAYER) that symhess.calculus.derivative walks; derive/skip.py keeps only
its mathematics (blocks, assembly, numeric check) and has no chain rule of its own."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sympy as sp

from symhess import network as nw
from symhess.calculus import PD, collapse, derivative, evaluate_pd, provably_equal
from symhess.derive import skip as s
from symhess.network import (A_HID, A_OUT, DELTA, E_N, MM, W1, W2, W3, X, Z, Y, hp, i, ip, j, jp,
                             k, kp)

KD = sp.KroneckerDelta
K = nw.SIZES["k"]
SKIP = nw.SKIP_LAYER


# --------------------------------------------------------------------------- the tables
def test_the_skip_layer_table_differs_from_the_two_layer_one_only_in_a_k() -> None:
    assert set(SKIP) == set(nw.TWO_LAYER) == {A_HID, Z, A_OUT, Y}
    assert all(SKIP[b] is nw.TWO_LAYER[b] for b in (A_HID, Z, Y))
    a_k = SKIP[A_OUT]
    assert a_k.index == k and a_k.source == "ex. 5.23" and a_k.rhs.has(W3)
    skip_sum = next(t for t in sp.Add.make_args(a_k.rhs) if t.has(W3))
    assert skip_sum.limits == ((i, 1, nw.SIZES["i"]),)  # no skip bias: w_k0 plays that role
    with pytest.raises(TypeError):
        SKIP[A_OUT] = a_k  # type: ignore[index]  # the tables are frozen


def test_the_table_gives_what_the_two_layer_definitions_gave() -> None:
    taken = frozenset({i, nw.index("i", 1)})
    assert nw.definition(A_HID[j], taken) == sp.Sum(W1[j, nw.index("i", 2)] * X[nw.index("i", 2)],
                                                   (nw.index("i", 2), 0, nw.SIZES["i"]))
    assert nw.definition(A_OUT[j]) == sp.Sum(W2[j, jp] * Z[jp], (jp, 0, nw.SIZES["j"]))  # q's index
    assert nw.definition(Y[kp]) == A_OUT[kp] and nw.definition(Z[0], network=SKIP) == 1


def test_skip_layer_a_k_renames_both_sums_apart() -> None:
    d = nw.definition(A_OUT[k], frozenset({i, j}), SKIP)
    i1, j1 = nw.index("i", 1), nw.index("j", 1)
    assert d == (sp.Sum(W2[k, j1] * Z[j1], (j1, 0, nw.SIZES["j"]))
                 + sp.Sum(W3[k, i1] * X[i1], (i1, 1, nw.SIZES["i"])))


# --------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize(("expr", "var", "expected"), [
    (A_OUT[kp], W3[k, i], KD(k, kp) * X[i]),
    (E_N, W3[k, i], DELTA[k] * X[i]),
    (E_N, W2[k, j], DELTA[k] * Z[j]),                       # 5.54 with 5.64 unchanged
    (Z[j], W3[k, i], 0),                                    # z_j is upstream of the skip weights
    (DELTA[kp], W3[k, i], MM[kp, k] * X[i]),                # 5.92 through the skip term
])
def test_derivatives_through_the_skip_layer_network(expr: sp.Expr, var: sp.Indexed,
                                                    expected: sp.Expr) -> None:
    assert provably_equal(derivative(expr, var, network=SKIP), expected)


def test_the_two_layer_network_stays_the_default() -> None:
    assert derivative(E_N, W3[k, i]) == 0  # no skip term in 5.64
    assert derivative(E_N, W1[j, i]) == derivative(E_N, W1[j, i], network=nw.TWO_LAYER)


def test_second_derivatives_by_the_one_calculus_give_the_skip_blocks() -> None:
    def second(r1: sp.Indexed, r2: sp.Indexed) -> sp.Expr:
        g = collapse(derivative(E_N, r2, network=SKIP))
        return collapse(derivative(g, r1, network=SKIP))

    assert provably_equal(second(W3[k, i], W3[kp, ip]), X[i] * X[ip] * MM[k, kp])
    assert provably_equal(second(W3[k, i], W2[kp, j]), X[i] * Z[j] * MM[k, kp])
    assert provably_equal(second(W3[k, i], W1[j, ip]),
                          X[i] * X[ip] * hp(A_HID[j]) * sp.Sum(W2[kp, j] * MM[k, kp], (kp, 1, K)))


def test_kept_rates_stay_placeholders_until_evaluated() -> None:
    kpp = nw.index("k", 2)
    lazy = derivative(E_N, W3[kp, ip], keep={A_OUT}, avoid=frozenset({k, kp, i}), network=SKIP)
    assert lazy == sp.Sum(DELTA[kpp] * PD(A_OUT[kpp], W3[kp, ip]), (kpp, 1, K))
    assert provably_equal(evaluate_pd(lazy, network=SKIP), DELTA[kp] * X[ip])
    # a kept rate is written even where it is zero (the reader's next step fills in 0)
    step = derivative(Z[j], W3[k, i], keep={A_HID}, network=SKIP)
    assert step == hp(A_HID[j]) * PD(A_HID[j], W3[k, i])
    assert evaluate_pd(step, network=SKIP) == 0


def test_lazy_and_keep_are_one_or_the_other() -> None:
    with pytest.raises(ValueError):
        derivative(E_N, W3[k, i], lazy=True, keep={A_OUT}, network=SKIP)


# --------------------------------------------------------------------------- skip.py
def test_skip_has_no_chain_rule_of_its_own() -> None:
    tree = ast.parse(Path(s.__file__).read_text(encoding="utf-8"))
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert not names & {"_rate", "_expand", "_fresh", "_rename_dummies"}
    # SymPy's diff only where the numeric check takes δ_k, M_kk' of its concrete random E_n
    differentiating = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                       for n in ast.walk(f) if isinstance(n, ast.Call)
                       and isinstance(n.func, ast.Attribute) and n.func.attr == "diff"}
    assert differentiating == {"_matrices"} and not hasattr(s, "DEFINITIONS")
    assert s.NETWORK is SKIP


def test_partial_is_the_calculus_derivative_in_a_readers_form() -> None:
    assert s.partial(E_N, W3[k, i]) == DELTA[k] * X[i]
    assert provably_equal(s.partial(E_N, W1[j, i]),
                          collapse(derivative(E_N, W1[j, i], network=SKIP)))
    assert s.partial(A_OUT[kp], W1[j, i]) == X[i] * hp(A_HID[j]) * W2[kp, j]
    assert s.partial(Z[jp], W3[k, i]) == 0
