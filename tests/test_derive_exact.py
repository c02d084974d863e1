from __future__ import annotations

import json

import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess.calculus import provably_equal
from symhess.derive.exact import BLOCKS, Block, chain, derive_block
from symhess.derive.numcheck import against_brute_force
from symhess.network import (A_HID, DELTA, MM, W1, W2, X, Z, NetworkConfig, hp, i, j, jp, k,
                             kp)

KD = sp.KroneckerDelta


@pytest.mark.parametrize("number, verdict", [("5.93", "proved"), ("5.94", "proved"),
                                             ("5.95", "erratum")])
def test_verdicts_against_prml_as_printed(number: str, verdict: str) -> None:
    r = derive_entry(number)
    assert r.verdict == verdict
    assert r.numeric is not None and r.numeric.max_rel_error < 1e-10
    assert r.numeric.points >= 4 and len(r.numeric.sizes) >= 3


def test_595_reports_corrected_form_and_counterexample() -> None:
    r = derive_block(BLOCKS["5.95"])
    text = " ".join(r.notes)
    assert "corrected form" in text and "counterexample" in text
    # the derived result is the corrected statement x_i h'(a_j) {δ_k I_jj' + z_j' Σ w_k'j M_kk'}
    _, res = chain(W1[j, i], W2[k, jp])
    corrected = X[i] * hp(A_HID[j]) * (DELTA[k] * KD(j, jp)
                                       + Z[jp] * sp.Sum(W2[kp, j] * MM[k, kp], (kp, 1, sp.Symbol("K", integer=True, positive=True))))
    assert provably_equal(res, corrected)


def test_derivation_is_generated_not_typed() -> None:
    steps, res = chain(W2[k, j], W2[kp, jp])
    assert steps[0].relation == "" and all(s.relation == "=" for s in steps[1:])
    assert any("chain rule" in (s.justification or "") for s in steps)
    assert any(r"\frac{\partial E_n}{\partial a_{" in s.latex for s in steps)  # the chain-rule line
    assert provably_equal(res, Z[j] * Z[jp] * MM[k, kp])


@pytest.mark.parametrize("number, wrong", [
    ("5.93", Z[j] * Z[j] * MM[k, kp]),                         # an index unprimed
    ("5.94", BLOCKS["5.94"].statement.args[0]),                 # a term dropped
    ("5.93", 2 * Z[j] * Z[jp] * MM[k, kp]),                     # a factor doubled
])
def test_a_wrong_statement_is_an_erratum(number: str, wrong: sp.Expr) -> None:
    # the derivation holds; the statement it is compared with is refuted
    b = BLOCKS[number]
    r = derive_block(Block(b.number, b.v1, b.v2, wrong))
    assert r.verdict == "erratum" and r.erratum is not None
    assert any("counterexample" in n for n in r.notes)


def test_brute_force_comparison_detects_missing_coincident_term() -> None:
    _, res = chain(W1[j, i], W2[k, jp])
    without = res.subs(KD(j, jp), 0)  # drop the δ_k I_jj' term: wrong only when j = j'
    err, _, cex = against_brute_force(without, W1[j, i], W2[k, jp],
                                      configs=(NetworkConfig(2, 2, 2, bias=False),), points=1)
    assert err > 1e-6 and cex is not None and cex.indices["j"] == cex.indices["j'"]


def test_json_contract() -> None:
    data = json.loads(json.dumps(derive_entry("5.93").to_json()))
    assert set(data) >= {"equation", "title", "statement_latex", "verdict", "steps", "numeric", "seconds"}
    assert set(data["steps"][0]) >= {"latex", "justification"}
    assert set(data["numeric"]) >= {"sizes", "points", "max_rel_error"}


def test_latex_display_in_jupyter() -> None:
    from symhess.render.jupyter import derivation_latex

    assert derivation_latex(derive_entry("5.93")).startswith("$$\\begin{aligned}")
