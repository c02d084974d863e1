"""Tests for symhess.derive.skip: exercise 5.23, the exact Hessian with skip-layer weights."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess.derive import skip as s
from symhess.equivalence import proved_equal
from symhess.instance import error_expr
from symhess.results import Derived

x, z, MM, delta, w2 = s.x, s.z, s.MM, s.delta, s.w2
i, ip, j, jp, k, kp, K = s.i, s.ip, s.j, s.jp, s.k, s.kp, s.K


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(523)


@pytest.mark.parametrize("name", list(s.BLOCKS))
def test_every_block_derived_by_the_chain_rule_matches(name):
    d = s.derive_block(name)
    assert d.holds, (name, d.result)
    assert d.steps[0].relation == "" and all(st.relation == "=" for st in d.steps[1:])
    assert "(5.54)" in d.steps[1].justification and "(5.92)" in d.steps[3].justification
    assert d.steps[0].latex.startswith("\\frac{\\partial^2 E_n}")


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("skip-skip", "x_{i} x_{i'} M_{kk'}"),
        ("skip-second", "x_{i} z_{j} M_{kk'}"),
        ("skip-first", "x_{i} x_{i'} h'(a_{j}) \\sum_{k'} w_{k'j}^{(2)} M_{kk'}"),
    ],
)
def test_new_blocks_in_prml_notation(name, latex):
    assert s.latex(s.derive_block(name).result) == latex


# dropping a term, or the I_jj' that lives only on coincident hidden units, is caught
WRONG = [
    ("first-second", x[i] * s.hp(s.a[j]) * z[jp] * sp.Sum(w2[kp, j] * MM[k, kp], (kp, 1, K))),
    (
        "first-second",
        x[i] * s.hp(s.a[j]) * (delta[k] + z[jp] * sp.Sum(w2[kp, j] * MM[k, kp], (kp, 1, K))),
    ),
    ("first-first", s.BLOCKS["first-first"].expected.args[0]),
    ("skip-first", x[i] * x[ip] * s.hp(s.a[j]) * MM[k, k] * w2[k, j]),
    ("skip-skip", x[i] * x[ip] * MM[k, kp] + x[i] * delta[k]),
]


@pytest.mark.parametrize(("name", "wrong"), WRONG)
def test_wrong_forms_are_told_apart_symbolically(name, wrong):
    assert not proved_equal(s.derive_block(name).result, wrong)


def test_equality_up_to_renamed_and_swapped_summation_indices():
    kk = sp.Symbol("k''", integer=True)
    one = sp.Sum(sp.Sum(w2[kp, jp] * w2[k, j] * MM[k, kp], (kp, 1, K)), (k, 1, K))
    other = sp.Sum(w2[kk, j] * sp.Sum(MM[kp, kk] * w2[kp, jp], (kp, 1, K)), (kk, 1, K))
    assert proved_equal(one, other)
    assert not proved_equal(one, sp.Sum(sp.Sum(w2[kp, j] * w2[k, j] * MM[k, kp], (kp, 1, K)), (k, 1, K)))


def test_partial_derivative_helper():
    assert sp.expand(s.partial(s.E_N, s.ws[k, i]) - delta[k] * x[i]) == 0
    assert sp.expand(s.partial(s.ak[kp], s.ws[k, i]) - sp.KroneckerDelta(kp, k) * x[i]) == 0


def test_full_hessian_from_the_derived_blocks_equals_brute_force():
    chk = s.numeric_check(points=1, sizes=s.NUMERIC_SIZES[:2] + s.EXTRA_SIZES[:1])
    assert chk.max_rel_error < 1e-12
    assert chk.points == 6


def test_a_wrong_block_fails_the_numeric_check_on_coincident_indices(monkeypatch):
    good = s.derive_block("first-second")
    wrong = dataclasses.replace(good, result=WRONG[0][1])  # the delta_k I_jj' term dropped
    original = s.derive_block

    def patched(name: str) -> Derived:
        return wrong if name == "first-second" else original(name)

    s._matrices.cache_clear()
    s._at_sizes.cache_clear()
    monkeypatch.setattr(s, "derive_block", patched)
    try:
        chk = s.numeric_check(points=1, sizes=(s.NetworkConfig(1, 2, 1, False, skip=True),))
    finally:
        monkeypatch.undo()
        s._matrices.cache_clear()
        s._at_sizes.cache_clear()
    assert chk.max_rel_error > 1e-3


def test_random_error_has_a_coupled_hessian(rng):
    e = error_expr("general", s._A[:3], [0.1, -0.4, 0.7], rng)  # the E_n of the skip check
    A1, A2 = s._A[:2]
    assert sp.diff(e, A1, A2) != 0


def test_catalogue_entry_ex5_23():
    r = derive_entry("ex5.23")
    assert r.verdict == "proved"
    starts = [st for st in r.steps if st.relation == ""]
    assert len(starts) == 3  # three chains: skip-skip, skip-second, skip-first
    assert r.numeric.max_rel_error < 1e-12
    assert sum("matches" in n for n in r.notes) == 6
    json.dumps(r.to_json())
