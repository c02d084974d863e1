"""Tests for symhess.derive.inverse: the sequential inverse Hessian, PRML 5.86–5.89."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from symhess.derive import derive_entry
from symhess.derive import inverse as iv
from symhess.equivalence import matrix_parts



@pytest.mark.parametrize("number", ["5.87", "5.88", "5.89"])
def test_entries_are_proved_and_checked_numerically(number):
    r = derive_entry(number)
    assert r.verdict == "proved"
    assert r.numeric is not None and r.numeric.max_rel_error < 1e-10
    assert r.steps[0].relation == ""
    assert r.seconds < 10
    json.dumps(r.to_json())


def test_beta_is_solved_not_assumed():
    lines, beta, inverse = iv.rank_one_inverse()
    assert sp.simplify(beta + 1 / (1 + iv.S)) == 0
    # the reduced product has exactly the identity and one rank-one correction
    grouped = lines[2][0]
    parts = matrix_parts(grouped)
    assert set(parts) == {iv.IDENTITY, iv.V * iv.V_T * iv.M_INV}
    assert sp.simplify(parts[iv.V * iv.V_T * iv.M_INV].subs(iv.BETA, beta)) == 0


def test_reduce_uses_inverse_and_scalar_rules():
    assert iv._reduce(iv.M_INV * iv.M) == 1
    assert iv._reduce(iv.V_T * iv.M_INV * iv.V * iv.V_T) == iv.S * iv.V_T


WRONG_WOODBURY = [
    iv.M_INV + iv.M_INV * iv.V * iv.V_T * iv.M_INV / (1 + iv.S),  # sign
    iv.M_INV - iv.M_INV * iv.V * iv.V_T * iv.M_INV / iv.S,  # the 1 in the denominator
    iv.M_INV - iv.V * iv.V_T / (1 + iv.S),  # M^-1 factors missing
    iv.M_INV - iv.M_INV * iv.V * iv.V_T * iv.M_INV,  # no denominator
]


@pytest.mark.parametrize("claim", WRONG_WOODBURY)
def test_wrong_rank_one_inverse_fails(claim):
    assert iv.derive_5_88(claim).verdict == "failed"
    assert not iv.concrete_identity_holds(2, claim)


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_identity_on_fully_symbolic_matrices(size):
    assert iv.concrete_identity_holds(size)


@pytest.mark.parametrize("W", [1, 3, 13])
@pytest.mark.parametrize("alpha", [1e-2, 1.0, 10.0])
def test_sequential_inverse_equals_direct_inverse(rng, W, alpha):
    B = rng.normal(size=(2 * W + 1, W))
    seq = iv.sequential_inverse(B, alpha)
    ref = np.linalg.inv(alpha * np.eye(W) + sum(np.outer(b, b) for b in B))
    assert np.linalg.norm(seq - ref) <= 1e-10 * np.linalg.norm(ref)


def test_sequence_inverts_h_plus_alpha_not_h(rng):
    B = rng.normal(size=(20, 4))
    seq = iv.sequential_inverse(B, 1.0)
    assert np.linalg.norm(seq - np.linalg.inv(B.T @ B)) > 0.01 * np.linalg.norm(seq)
    assert np.allclose(seq, iv.direct_inverse(B, 1.0), rtol=1e-12, atol=0)


def test_sequential_inverse_rejects_non_positive_alpha():
    with pytest.raises(ValueError, match="^alpha must be positive"):
        iv.sequential_inverse(np.ones((2, 2)), 0.0)


def test_network_vectors_are_output_gradients():
    from symhess.numeric import Shape, forward

    B = iv.network_vectors(3, seed=2)
    rng = np.random.default_rng(2)
    shape = Shape(D=2, M=3, K=1)
    w = rng.normal(size=shape.n_weights)
    X = rng.normal(size=(3, 2))
    eps = 1e-6
    fd = np.array([(forward(w + eps * e, X, shape, "tanh").a2[:, 0] - forward(w - eps * e, X, shape, "tanh").a2[:, 0])
                   / (2 * eps) for e in np.eye(shape.n_weights)]).T
    assert np.allclose(B, fd, atol=1e-8)


def test_update_cost_returns_positive_timings():
    out = iv.update_cost([10, 20], repeats=1)
    assert out["W"].tolist() == [10.0, 20.0]
    for key in ("update", "inverse", "sequential_pass", "direct_pass"):
        assert out[key].shape == (2,) and np.all(out[key] > 0)


def test_5_89_states_its_starting_point():
    r = derive_entry("5.89")
    assert any(r"\alpha" in a for a in r.assumptions)
    assert any("inv(H_N)" in note for note in r.notes)
