"""Issue 2's numeric contract: five independent routes to the Hessian agree.

1. the brute-force SymPy Hessian of the fully written-out error, lambdified (instance.py);
2. the derived formulas 5.93–5.95 (derive/exact.py), evaluated entry by entry;
3. the vectorised NumPy exact Hessian (numeric.exact_hessian);
4. central finite differences (5.90 / 5.91);
5. HIPS autograd.
Every entry, every index combination (coincident indices included), biases on and off.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from symhess import network as nw
from symhess import numeric as nm
from symhess.derive.exact import chain
from symhess.evaluate import evaluate
from symhess.instance import make_instance
from symhess.network import W1, W2, NetworkConfig, i, ip, j, jp, k, kp

autograd = pytest.importorskip("autograd")

CONFIGS = [
    NetworkConfig(1, 1, 1, bias=True, activation="tanh", error="sum_of_squares"),
    NetworkConfig(1, 1, 1, bias=False, activation="logistic", error="cross_entropy"),
    NetworkConfig(3, 3, 3, bias=True, activation="tanh", error="sum_of_squares"),
    NetworkConfig(2, 3, 2, bias=False, activation="softplus", error="cross_entropy"),
    NetworkConfig(2, 2, 3, bias=True, activation="logistic", error="softmax_cross_entropy"),
    NetworkConfig(3, 2, 2, bias=False, activation="tanh", error="softmax_cross_entropy"),
]
BLOCK_VARS = ((W2[k, j], W2[kp, jp]), (W1[j, i], W1[jp, ip]), (W1[j, i], W2[k, jp]))
DERIVED = {pair: chain(*pair)[1] for pair in BLOCK_VARS}


def _numeric_inputs(inst):
    cfg, b = inst.cfg, int(inst.cfg.bias)
    w1, w2 = inst.arrays[W1], inst.arrays[W2]
    shape = nm.Shape(int(cfg.D), int(cfg.M), int(cfg.K), cfg.bias)
    w = nm.pack(w1[1:, 1 - b:], w2[1:, 1 - b:])
    X = inst.arrays[nw.X][None, 1:]
    T = inst.arrays[nw.T][None, 1:]
    return w, X, T, shape


@pytest.fixture(scope="module", params=CONFIGS, ids=lambda c: f"{c.D}{c.M}{c.K}-b{int(c.bias)}-{c.activation}-{c.error}")
def case(request):
    inst = make_instance(request.param, seed=3, point=1)
    return inst, inst.hessian()


def test_brute_force_is_symmetric(case) -> None:
    _, H = case
    assert np.allclose(H, H.T, rtol=0, atol=1e-12)


def test_derived_formulas_match_brute_force_everywhere(case) -> None:
    inst, H = case
    scale = max(1.0, np.abs(H).max())
    for v1, v2 in BLOCK_VARS:
        res = DERIVED[(v1, v2)]
        rows = [(a, c) for base, a, c in inst.weights if base == v1.base]
        cols = [(a, c) for base, a, c in inst.weights if base == v2.base]
        for (a1, c1), (a2, c2) in itertools.product(rows, cols):
            env = dict(zip(v1.indices, (a1, c1)))
            env2 = dict(zip(v2.indices, (a2, c2)))
            if any(env2.get(s, val) != val for s, val in env.items()):
                continue
            env.update(env2)
            got = evaluate(res, inst, env)
            want = H[inst.position(v1.base, a1, c1), inst.position(v2.base, a2, c2)]
            assert abs(got - want) <= 1e-10 * scale, (v1, v2, env, got, want)


def test_numpy_exact_hessian_matches_brute_force(case) -> None:
    inst, H = case
    w, X, T, shape = _numeric_inputs(inst)
    Hn = nm.exact_hessian(w, X, T, shape, inst.cfg.activation, inst.cfg.error)
    assert np.array_equal(Hn, Hn.T)
    assert np.max(np.abs(Hn - H)) <= 1e-10 * max(1.0, np.abs(H).max())


def test_autograd_and_finite_differences_agree(case) -> None:
    inst, H = case
    w, X, T, shape = _numeric_inputs(inst)
    f = nm.autograd_error_fn(X, T, shape, inst.cfg.activation, inst.cfg.error)
    Ha = autograd.hessian(f)(w)
    assert np.max(np.abs(Ha - H)) <= 1e-10 * max(1.0, np.abs(H).max())
    Hfd = nm.finite_difference_hessian(lambda v: nm.error(v, X, T, shape, inst.cfg.activation,
                                                          inst.cfg.error), w, eps=1e-4)
    assert np.max(np.abs(Hfd - H)) <= 1e-5 * max(1.0, np.abs(H).max())


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(D=st.integers(1, 2), M=st.integers(1, 2), K=st.integers(1, 2), bias=st.booleans(),
       activation=st.sampled_from(["h", "tanh", "logistic", "softplus"]),
       error=st.sampled_from(["general", "sum_of_squares", "cross_entropy", "softmax_cross_entropy"]),
       point=st.integers(0, 3))
def test_property_derived_blocks_equal_brute_force(D, M, K, bias, activation, error, point) -> None:
    """Over sizes, biases, activations (random smooth h included) and errors (random E_n included)."""
    inst = make_instance(NetworkConfig(D, M, K, bias=bias, activation=activation, error=error),
                         seed=5, point=point)
    H = inst.hessian()
    scale = max(1.0, np.abs(H).max())
    for v1, v2 in BLOCK_VARS:
        for base1, a1, c1 in inst.weights:
            if base1 != v1.base:
                continue
            for base2, a2, c2 in inst.weights:
                if base2 != v2.base:
                    continue
                env = dict(zip(v1.indices, (a1, c1)))
                env2 = dict(zip(v2.indices, (a2, c2)))
                if any(env2.get(s, val) != val for s, val in env.items()):
                    continue
                env.update(env2)
                got = evaluate(DERIVED[(v1, v2)], inst, env)
                want = H[inst.position(base1, a1, c1), inst.position(base2, a2, c2)]
                assert abs(got - want) <= 1e-10 * scale


# --- the one numeric-check helper of the recipes (derive/numcheck.py) ------------------------------
import sympy as sp  # noqa: E402

from symhess.derive import numcheck as nc  # noqa: E402
from symhess.results import Counterexample  # noqa: E402


@pytest.mark.parametrize("norm, scale, expected", [("max", None, 0.5), ("fro", None, 0.5),
                                                   ("fro", [[4.0]], 0.25)])
def test_relative_error_norms(norm, scale, expected) -> None:
    assert nc.relative_error([[3.0]], [[2.0]], norm, scale) == expected


def test_relative_error_rejects_unknown_norm() -> None:
    with pytest.raises(ValueError, match=r"^norm must be 'max' or 'fro', got 'l1'$"):
        nc.relative_error([1.0], [1.0], "l1")  # type: ignore[arg-type]


def test_worst_keeps_the_largest_error_and_counts() -> None:
    w = nc.Worst()
    w.add([1.0], [1.0]), w.add([3.0], [2.0]), w.add([2.0], [2.0])
    check = w.check([{"W": 1}], "note")
    assert (check.max_rel_error, check.points, check.sizes) == (0.5, 3, ({"W": 1},))


def test_brute_force_reference_finds_a_coincident_counterexample() -> None:
    _, res = chain(W1[j, i], W2[k, jp])
    wrong = res.subs(sp.KroneckerDelta(j, jp), 0)
    err, count, cex = nc.against_brute_force(wrong, W1[j, i], W2[k, jp], (NetworkConfig(2, 2, 2),), 1)
    assert err > 1e-6 and count == 1
    assert isinstance(cex, Counterexample) and cex.indices["j"] == cex.indices["j'"]
    assert abs(cex.left - cex.right) > 1e-9


def test_matrix_value_on_numpy_and_sympy_matrices() -> None:
    A, v, vt = sp.symbols("A v v^T", commutative=False)
    s = sp.Symbol("s")
    expr = A - A * v * vt * A / (1 + s)
    rng = np.random.default_rng(0)
    G = rng.normal(size=(3, 3))
    M = G @ G.T + 3 * np.eye(3)
    x = rng.normal(size=(3, 1))
    Mi = np.linalg.inv(M)
    got = nc.matrix_value(expr, {A: Mi, v: x, vt: x.T}, {s: float((x.T @ Mi @ x)[0, 0])}, np.eye(3))
    assert np.allclose(got, np.linalg.inv(M + x @ x.T))
    sym = nc.matrix_value(A * v, {A: sp.eye(2), v: sp.Matrix([1, 2])}, {}, sp.eye(2))
    assert sym == sp.Matrix([1, 2])


def test_hessian_by_differences_matches_a_known_hessian() -> None:
    H = nc.hessian_by_differences(lambda u: u[0] ** 3 + u[0] * u[1], [0.5, -1.0])
    assert np.allclose(H, [[3.0, 1.0], [1.0, 0.0]], atol=1e-18)
