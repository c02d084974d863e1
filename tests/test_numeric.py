"""Tests for symhess.numeric: every derivative checked a second way (autograd, finite diffs)."""
from __future__ import annotations

import doctest
import functools
import zlib
from dataclasses import dataclass

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symhess import numeric
from symhess.numeric import (
    ACTIVATIONS,
    ERRORS,
    Activation,
    ErrorFunction,
    Shape,
    autograd_error_fn,
    autograd_outputs_fn,
    error,
    exact_hessian,
    finite_difference_hessian,
    finite_difference_hessian_from_gradient,
    forward,
    gradient,
    hessian_vector_product,
    outer_product_hessian,
    pack,
    random_activation,
    random_error,
    unpack,
)

SIZES = [
    Shape(1, 1, 1),
    Shape(1, 1, 1, bias=False),
    Shape(3, 3, 3),
    Shape(3, 4, 3, bias=False),
    Shape(2, 3, 1),
]
ACTS = ["tanh", "logistic", "softplus", "random"]
ERRS = ["sum_of_squares", "cross_entropy", "softmax_cross_entropy", "random"]
#: errors whose residual delta_k vanishes at targets t = y(x): the outer product is exact there
ZERO_RESIDUAL_ERRS = ["sum_of_squares", "cross_entropy", "softmax_cross_entropy"]

TIGHT = 1e-10  # exact formulas against autograd
FD_FUNCTION = 2e-6  # PRML 5.90, eps = 1e-4: O(eps^2) truncation plus rounding / eps^2
FD_GRADIENT = 1e-7  # PRML 5.91, eps = 1e-6

#: property tests: deterministic (derandomized, no example database), no per-example deadline
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)


def rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    """``max|ours - ref| / max(1, max|ref|)``: a relative error that tolerates zero blocks."""
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    return float(np.max(np.abs(ours - ref)) / max(1.0, float(np.max(np.abs(ref)))))


def show(ours: np.ndarray, ref: np.ndarray) -> str:
    """Both sides of a failed comparison, with the worst entry."""
    diff = np.abs(np.asarray(ours) - np.asarray(ref))
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return (
        f"rel err {rel_err(ours, ref):.3e} at {where}: ours {np.asarray(ours)[where]!r}, "
        f"reference {np.asarray(ref)[where]!r}\nours=\n{ours}\nreference=\n{ref}"
    )


@dataclass(frozen=True)
class Case:
    """One seeded problem: a network, an activation, an error, weights and data."""

    shape: Shape
    act: Activation
    err: ErrorFunction
    w: np.ndarray
    X: np.ndarray
    T: np.ndarray

    @property
    def args(self) -> tuple[np.ndarray, np.ndarray, Shape, Activation, ErrorFunction]:
        return self.X, self.T, self.shape, self.act, self.err

    def autograd_E(self):  # noqa: ANN201
        """``w -> E`` in autograd.numpy (the independent reference)."""
        return autograd_error_fn(self.X, self.T, self.shape, self.act, self.err)


def targets(rng: np.random.Generator, err_name: str, n: int, k: int) -> np.ndarray:
    if err_name == "cross_entropy":
        return rng.uniform(0.0, 1.0, size=(n, k))
    if err_name == "softmax_cross_entropy":
        return rng.dirichlet(np.ones(k), size=n)
    return rng.normal(size=(n, k))


def make_case(shape: Shape, act_name: str, err_name: str, seed: int, n: int = 4) -> Case:
    rng = np.random.default_rng(seed)
    act = random_activation(rng) if act_name == "random" else ACTIVATIONS[act_name]
    err = random_error(rng, shape.K) if err_name == "random" else ERRORS[err_name]
    w = rng.normal(scale=0.8, size=shape.n_weights)
    X = rng.normal(size=(n, shape.D))
    return Case(shape, act, err, w, X, targets(rng, err_name, n, shape.K))


def seed_of(*parts: object) -> int:
    """A stable per-case seed (``hash`` of a str changes between processes)."""
    return zlib.crc32(repr(parts).encode())


def degenerate(case: Case) -> bool:
    """A softmax over one output is constant: its E_n is identically zero, as is H."""
    return case.err.name == "softmax_cross_entropy" and case.shape.K == 1


GRID = [(s, a, e) for s in SIZES for a in ACTS for e in ERRS]


def grid_id(params: tuple[Shape, str, str]) -> str:
    s, a, e = params
    return f"D{s.D}M{s.M}K{s.K}{'b' if s.bias else 'nb'}-{a}-{e}"


@functools.lru_cache(maxsize=None)
def reference(shape: Shape, act_name: str, err_name: str) -> tuple[Case, np.ndarray]:
    """The grid case and its autograd Hessian (computed once, shared by several tests)."""
    case = make_case(shape, act_name, err_name, seed_of(shape, act_name, err_name))
    return case, autograd.hessian(case.autograd_E())(case.w)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240615)


# --------------------------------------------------------------------------------------
# Exact Hessian, gradient and R-operator against autograd, on the full table
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", GRID, ids=grid_id)
def test_exact_hessian_matches_autograd_and_is_exactly_symmetric(params):
    case, H_ref = reference(*params)
    H = exact_hessian(case.w, *case.args)
    assert H.shape == (case.shape.n_weights,) * 2
    assert rel_err(H, H_ref) <= TIGHT, show(H, H_ref)
    assert np.array_equal(H, H.T)


@pytest.mark.parametrize("params", GRID, ids=grid_id)
def test_error_and_gradient_match_autograd(params):
    case, _ = reference(*params)
    E = case.autograd_E()
    assert rel_err(error(case.w, *case.args), E(case.w)) <= 1e-12
    g, g_ref = gradient(case.w, *case.args), autograd.grad(E)(case.w)
    assert rel_err(g, g_ref) <= TIGHT, show(g, g_ref)


@pytest.mark.parametrize("params", GRID, ids=grid_id)
def test_hessian_vector_product_matches_H_v_and_autograd(params):
    case, H_ref = reference(*params)
    v = np.random.default_rng(seed_of("v", *params)).normal(size=case.shape.n_weights)
    Hv = hessian_vector_product(case.w, v, *case.args)
    assert rel_err(Hv, H_ref @ v) <= TIGHT, show(Hv, H_ref @ v)
    Hv_ag = autograd.hessian_vector_product(case.autograd_E())(case.w, v)
    assert rel_err(Hv, Hv_ag) <= TIGHT, show(Hv, Hv_ag)
    # and R{.} of the exact Hessian's own algorithm: v^T H
    assert rel_err(Hv, exact_hessian(case.w, *case.args) @ v) <= TIGHT


@pytest.mark.parametrize("act_name", ACTS)
@pytest.mark.parametrize("err_name", ERRS)
def test_exact_hessian_symmetric_at_a_larger_size(act_name, err_name):
    shape = Shape(5, 7, 4)
    case = make_case(shape, act_name, err_name, seed_of("large", act_name, err_name), n=30)
    H = exact_hessian(case.w, *case.args)
    assert np.array_equal(H, H.T)
    v = np.random.default_rng(seed_of("vl", act_name, err_name)).normal(size=shape.n_weights)
    assert rel_err(hessian_vector_product(case.w, v, *case.args), H @ v) <= TIGHT


@pytest.mark.parametrize(
    ("one_thread", "small_product"),
    [(0, 0), (1, 1 << 40), (1 << 9, 1 << 40)],
    ids=["one-product", "row-by-row", "row-blocks"],
)
@pytest.mark.parametrize(
    "params",
    [(Shape(3, 4, 3), "random", "random"), (Shape(2, 3, 2, False), "tanh", "softmax_cross_entropy")],
    ids=grid_id,
)
def test_every_way_of_splitting_the_matrix_products_agrees(
    params, one_thread, small_product, monkeypatch
):
    # _mm splits small products into one-thread pieces; each way must give the same numbers
    monkeypatch.setattr(numeric, "_ONE_THREAD", one_thread)
    monkeypatch.setattr(numeric, "_SMALL_PRODUCT", small_product)
    case, H_ref = reference(*params)
    H = exact_hessian(case.w, *case.args)
    assert rel_err(H, H_ref) <= TIGHT and np.array_equal(H, H.T)
    v = np.random.default_rng(1).normal(size=case.shape.n_weights)
    assert rel_err(hessian_vector_product(case.w, v, *case.args), H_ref @ v) <= TIGHT
    assert rel_err(gradient(case.w, *case.args), autograd.grad(case.autograd_E())(case.w)) <= TIGHT


# --------------------------------------------------------------------------------------
# Finite differences (PRML 5.90, 5.91)
# --------------------------------------------------------------------------------------

FD_SIZES = [Shape(1, 1, 1), Shape(1, 1, 1, bias=False), Shape(3, 3, 3), Shape(2, 3, 1)]


@pytest.mark.parametrize(
    "params", [(s, a, e) for s in FD_SIZES for a in ACTS for e in ERRS], ids=grid_id
)
def test_exact_hessian_matches_finite_differences(params):
    case, _ = reference(*params)
    H = exact_hessian(case.w, *case.args)
    f = lambda u: error(u, *case.args)  # noqa: E731
    g = lambda u: gradient(u, *case.args)  # noqa: E731
    H_f = finite_difference_hessian(f, case.w)
    H_g = finite_difference_hessian_from_gradient(g, case.w)
    assert rel_err(H, H_f) <= FD_FUNCTION, show(H, H_f)
    assert rel_err(H, H_g) <= FD_GRADIENT, show(H, H_g)
    assert np.array_equal(H_f, H_f.T) and np.array_equal(H_g, H_g.T)


def test_finite_differences_are_central_second_order():
    # f = exp(w0) sin(w1) + w0^3 w1: a central difference's error falls ~4x when eps halves.
    w = np.array([0.3, -0.4])

    def f(u: np.ndarray) -> float:
        return float(np.exp(u[0]) * np.sin(u[1]) + u[0] ** 3 * u[1])

    def g(u: np.ndarray) -> np.ndarray:
        return np.array(
            [
                np.exp(u[0]) * np.sin(u[1]) + 3 * u[0] ** 2 * u[1],
                np.exp(u[0]) * np.cos(u[1]) + u[0] ** 3,
            ]
        )

    e0, e1 = np.exp(w[0]), w[0]
    H = np.array(
        [
            [e0 * np.sin(w[1]) + 6 * e1 * w[1], e0 * np.cos(w[1]) + 3 * e1**2],
            [e0 * np.cos(w[1]) + 3 * e1**2, -e0 * np.sin(w[1])],
        ]
    )
    for fd, fn in ((finite_difference_hessian, f), (finite_difference_hessian_from_gradient, g)):
        big = np.max(np.abs(fd(fn, w, 1e-2) - H))
        small = np.max(np.abs(fd(fn, w, 0.5e-2) - H))
        assert 3.0 < big / small < 5.0, (fd.__name__, big, small)


def test_finite_difference_hessian_uses_four_evaluations_per_entry():
    calls = []

    def f(u: np.ndarray) -> float:
        calls.append(1)
        return float(u @ u)

    W = 5
    H = finite_difference_hessian(f, np.zeros(W))
    off_diagonal, diagonal = W * (W - 1) // 2, W
    assert len(calls) == 4 * off_diagonal + 2 * diagonal + 1
    assert np.allclose(H, 2 * np.eye(W), atol=1e-6)


# --------------------------------------------------------------------------------------
# Outer-product (Gauss-Newton) approximation (PRML 5.84, 5.85)
# --------------------------------------------------------------------------------------


def gauss_newton_autograd(case: Case) -> np.ndarray:
    """``sum_n B_n^T M_n B_n`` with ``B_n = da_n/dw`` from autograd's Jacobian."""
    outputs = autograd_outputs_fn(case.X, case.shape, case.act)
    B = autograd.jacobian(outputs)(case.w)  # (N, K, W)
    Mn = case.err.hess(outputs(case.w), case.T)  # (N, K, K)
    return np.einsum("nkr,nkl,nls->rs", B, Mn, B)


@pytest.mark.parametrize("params", GRID, ids=grid_id)
def test_outer_product_is_gauss_newton(params):
    case, _ = reference(*params)
    G = outer_product_hessian(case.w, *case.args)
    G_ref = gauss_newton_autograd(case)
    assert rel_err(G, G_ref) <= TIGHT, show(G, G_ref)
    assert np.array_equal(G, G.T)


@pytest.mark.parametrize(
    "params", [(s, a, e) for s in SIZES for a in ACTS for e in ZERO_RESIDUAL_ERRS], ids=grid_id
)
def test_outer_product_is_exact_at_zero_residual_only(params):
    case, H_ref = reference(*params)
    # at t_n = y(x_n) every delta_k = y_k - t_k vanishes, and with it the second-derivative terms
    T0 = forward(case.w, case.X, case.shape, case.act, case.err).y
    at_zero = (case.X, T0, case.shape, case.act, case.err)
    H0, G0 = exact_hessian(case.w, *at_zero), outer_product_hessian(case.w, *at_zero)
    assert rel_err(G0, H0) <= TIGHT, show(G0, H0)
    # away from it the approximation differs from the exact Hessian
    G = outer_product_hessian(case.w, *case.args)
    assert degenerate(case) or rel_err(G, H_ref) > 1e-6


@pytest.mark.parametrize("params", GRID, ids=grid_id)
def test_second_derivative_terms_sit_where_5_94_and_5_95_put_them(params):
    # H - G holds only the delta terms: none in the second-layer block (5.93), the first-layer
    # block only on j = j' (5.94), the mixed block only where w_kj' leaves unit j' = j (5.95).
    case, _ = reference(*params)
    s = case.shape
    D = exact_hessian(case.w, *case.args) - outer_product_hessian(case.w, *case.args)
    n1, b = s.n_first, int(s.bias)
    first = D[:n1, :n1].reshape(s.M, s.width1, s.M, s.width1)
    mixed = D[:n1, n1:].reshape(s.M, s.width1, s.K, s.width2)
    assert np.array_equal(D[n1:, n1:], np.zeros((s.K * s.width2,) * 2))
    off_j = ~np.eye(s.M, dtype=bool)
    assert not np.any(first[np.broadcast_to(off_j[:, None, :, None], first.shape)])
    keep = np.zeros((s.M, s.width2), dtype=bool)
    keep[np.arange(s.M), np.arange(s.M) + b] = True  # j' = j
    assert not np.any(mixed[~np.broadcast_to(keep[:, None, None, :], mixed.shape)])
    # and the coincident-index entries are really there (the classic error drops them)
    on_diagonal = mixed[np.broadcast_to(keep[:, None, None, :], mixed.shape)]
    assert degenerate(case) or np.max(np.abs(on_diagonal)) > 1e-8


def test_outer_product_is_5_84_and_5_85_for_one_output(rng):
    shape = Shape(2, 3, 1)
    w, X = rng.normal(size=shape.n_weights), rng.normal(size=(6, 2))
    b = autograd.jacobian(autograd_outputs_fn(X, shape, "tanh"))(w)[:, 0, :]  # b_n = nabla a_n
    T = rng.normal(size=(6, 1))
    G = outer_product_hessian(w, X, T, shape, "tanh", "sum_of_squares")
    assert rel_err(G, b.T @ b) <= TIGHT  # (5.84): sum_n b_n b_n^T
    y = forward(w, X, shape, "tanh", "cross_entropy").y[:, 0]
    G = outer_product_hessian(w, X, rng.integers(0, 2, size=(6, 1)), shape, "tanh", "cross_entropy")
    assert rel_err(G, (b * (y * (1 - y))[:, None]).T @ b) <= TIGHT  # (5.85)


# --------------------------------------------------------------------------------------
# Activations and error functions: their derivatives against autograd
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("act_name", ACTS)
def test_activation_derivatives_match_autograd(act_name, rng):
    h = random_activation(rng) if act_name == "random" else ACTIVATIONS[act_name]
    a = np.linspace(-4.0, 4.0, 41)
    d = lambda fn: autograd.elementwise_grad(fn)  # noqa: E731
    f = lambda u: h.form(anp, u)  # noqa: E731
    assert rel_err(h.f(a), f(a)) <= 1e-15
    assert rel_err(h.df(a), d(f)(a)) <= TIGHT
    assert rel_err(h.d2f(a), d(d(f))(a)) <= TIGHT
    assert rel_err(h.d3f(a), d(d(d(f)))(a)) <= TIGHT
    assert np.max(np.abs(h.d2f(a))) > 1e-3 and np.max(np.abs(h.d3f(a))) > 1e-3


def test_random_activations_differ_by_seed():
    a = np.linspace(-1, 1, 7)
    assert not np.allclose(random_activation(1).f(a), random_activation(2).f(a))
    assert np.array_equal(random_activation(3).d2f(a), random_activation(3).d2f(a))


def error_reference(err: ErrorFunction, a: np.ndarray, t: np.ndarray):
    """Per-point gradient and Hessian of E_n with respect to a, by autograd."""
    total = lambda u: anp.sum(err.form(anp, u, t))  # noqa: E731
    n, k = a.shape
    full = autograd.hessian(total)(a).reshape(n, k, n, k)
    return autograd.grad(total)(a), full[np.arange(n), :, np.arange(n), :], full


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("err_name", ERRS)
def test_error_function_derivatives_match_autograd(err_name, K, rng):
    err = random_error(rng, K) if err_name == "random" else ERRORS[err_name]
    a = rng.normal(scale=2.0, size=(5, K))
    t = rng.uniform(0.0, 1.0, size=(5, K))  # soft targets, not normalised: the general case
    g_ref, M_ref, full = error_reference(err, a, t)
    assert rel_err(err.value(a, t), err.form(np, a, t)) == 0.0
    assert err.value(a, t).shape == (5,)
    assert rel_err(err.grad(a, t), g_ref) <= TIGHT, show(err.grad(a, t), g_ref)
    M = err.hess(a, t)
    assert M.shape == (5, K, K)
    assert rel_err(M, M_ref) <= TIGHT, show(M, M_ref)
    assert np.array_equal(M, np.swapaxes(M, 1, 2))
    # points are independent: no cross-point second derivatives
    full[np.arange(5), :, np.arange(5), :] = 0.0
    assert not np.any(full)


@pytest.mark.parametrize(
    ("err_name", "expected"),
    [
        ("sum_of_squares", lambda a: a),
        ("cross_entropy", lambda a: 1 / (1 + np.exp(-a))),
        ("softmax_cross_entropy", lambda a: np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)),
    ],
)
def test_error_outputs(err_name, expected, rng):
    a = rng.normal(size=(4, 3))
    assert rel_err(ERRORS[err_name].output(a), expected(a)) <= 1e-14


def test_cross_entropy_is_stable_for_large_activations():
    a, t = np.array([[800.0, -800.0]]), np.array([[0.0, 1.0]])
    for name in ("cross_entropy", "softmax_cross_entropy"):
        e = ERRORS[name]
        assert np.all(np.isfinite(e.value(a, t))) and np.all(np.isfinite(e.hess(a, t)))
    assert ERRORS["cross_entropy"].value(a, t)[0] == pytest.approx(1600.0)


def test_random_error_is_general_and_depends_on_targets(rng):
    err = random_error(rng, 3)
    a = rng.normal(size=(4, 3))
    t1, t2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    M = err.hess(a, t1)
    assert np.min(np.abs(M[:, 0, 1])) > 0  # non-diagonal M
    for part in (err.value, err.grad, err.hess):
        assert not np.allclose(part(a, t1), part(a, t2))


# --------------------------------------------------------------------------------------
# Layout: pack / unpack / weight_index, forward propagation
# --------------------------------------------------------------------------------------


@given(
    D=st.integers(1, 5),
    M=st.integers(1, 5),
    K=st.integers(1, 5),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
@PROPERTY
def test_pack_unpack_roundtrip_and_weight_index(D, M, K, bias, seed):
    shape = Shape(D, M, K, bias)
    rng = np.random.default_rng(seed)
    W1, W2 = rng.normal(size=(M, D + bias)), rng.normal(size=(K, M + bias))
    w = pack(W1, W2)
    assert w.shape == (shape.n_weights,)
    V1, V2 = unpack(w, shape)
    assert np.array_equal(V1, W1) and np.array_equal(V2, W2)
    assert np.array_equal(pack(*unpack(w, shape)), w)
    lo = 0 if bias else 1
    positions = [shape.weight_index(1, j, i) for j in range(1, M + 1) for i in range(lo, D + 1)]
    positions += [shape.weight_index(2, k, j) for k in range(1, K + 1) for j in range(lo, M + 1)]
    assert positions == list(range(shape.n_weights))
    assert w[shape.weight_index(1, M, D)] == W1[M - 1, D - lo]
    assert w[shape.weight_index(2, K, M)] == W2[K - 1, M - lo]


def test_forward_matches_definitions(rng):
    shape = Shape(2, 3, 2)
    W1, W2 = rng.normal(size=(3, 3)), rng.normal(size=(2, 4))
    X = rng.normal(size=(5, 2))
    fw = forward(pack(W1, W2), X, shape, "tanh", "softmax_cross_entropy")
    a1 = X @ W1[:, 1:].T + W1[:, 0]  # a_j = sum_i w_ji x_i + w_j0    (5.62)
    a2 = np.tanh(a1) @ W2[:, 1:].T + W2[:, 0]  # a_k                    (5.64)
    assert rel_err(fw.a1, a1) <= 1e-14 and rel_err(fw.z, np.tanh(a1)) <= 1e-14
    assert rel_err(fw.a2, a2) <= 1e-14
    assert rel_err(fw.y, np.exp(a2) / np.exp(a2).sum(axis=1, keepdims=True)) <= 1e-14
    assert np.array_equal(forward(pack(W1, W2), X, shape, "tanh").y, fw.a2)


def test_autograd_reference_forward_agrees(rng):
    for shape in (Shape(2, 3, 2), Shape(2, 3, 2, bias=False)):
        w, X = rng.normal(size=shape.n_weights), rng.normal(size=(4, 2))
        a_ref = autograd_outputs_fn(X, shape, "softplus")(w)
        assert rel_err(forward(w, X, shape, "softplus").a2, a_ref) <= 1e-14


# --------------------------------------------------------------------------------------
# Property test over sizes, bias, activations and errors
# --------------------------------------------------------------------------------------


@given(
    D=st.integers(1, 4),
    M=st.integers(1, 4),
    K=st.integers(1, 4),
    bias=st.booleans(),
    act_name=st.sampled_from(ACTS),
    err_name=st.sampled_from(ERRS),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
@PROPERTY
def test_property_exact_hessian_hvp_and_gauss_newton(D, M, K, bias, act_name, err_name, n, seed):
    case = make_case(Shape(D, M, K, bias), act_name, err_name, seed, n=n)
    H = exact_hessian(case.w, *case.args)
    H_ref = autograd.hessian(case.autograd_E())(case.w)
    assert rel_err(H, H_ref) <= TIGHT, show(H, H_ref)
    assert np.array_equal(H, H.T)
    v = np.random.default_rng(seed + 1).normal(size=case.shape.n_weights)
    assert rel_err(hessian_vector_product(case.w, v, *case.args), H_ref @ v) <= TIGHT
    G = outer_product_hessian(case.w, *case.args)
    assert rel_err(G, gauss_newton_autograd(case)) <= TIGHT
    assert np.array_equal(G, G.T)


# --------------------------------------------------------------------------------------
# Bad input raises built-in errors that name the problem
# --------------------------------------------------------------------------------------


S1 = Shape(1, 1, 1)
SOS = "sum_of_squares"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: Shape(0, 1, 1), r"^Shape\.D must be a positive integer, got 0$"),
        (lambda: Shape(1, 2.5, 1), r"^Shape\.M must be a positive integer, got 2\.5$"),
        (lambda: Shape(1, 1, True), r"^Shape\.K must be a positive integer, got True$"),
        (
            lambda: unpack(np.zeros(5), S1),
            r"^weight vector has shape \(5,\), but .* needs \(4,\)$",
        ),
        (lambda: S1.weight_index(3, 1, 1), r"^layer must be 1 or 2, got 3$"),
        (
            lambda: Shape(1, 1, 1, bias=False).weight_index(1, 1, 0),
            r"^w_\{1,0\}\^\(1\) is outside",
        ),
        (lambda: pack(np.zeros(3), np.zeros((1, 1))), r"^pack needs two matrices"),
        (
            lambda: forward(np.zeros(4), np.zeros((2, 3)), S1, "tanh"),
            r"^inputs X have shape \(2, 3\), expected \(N, 1\)",
        ),
        (
            lambda: error(np.zeros(4), np.zeros((2, 1)), np.zeros((3, 1)), S1, "tanh", SOS),
            r"^targets T have shape \(3, 1\), expected \(2, 1\)$",
        ),
        (
            lambda: forward(np.zeros(4), np.zeros((2, 1)), S1, "relu"),
            r"^unknown activation 'relu'; choose one of \['logistic', 'softplus', 'tanh'\]",
        ),
        (
            lambda: gradient(np.zeros(4), np.zeros((2, 1)), np.zeros((2, 1)), S1, "tanh", "hinge"),
            r"^unknown error function 'hinge'",
        ),
        (
            lambda: finite_difference_hessian(np.sum, np.zeros(2), eps=0.0),
            r"^eps must be positive, got 0\.0$",
        ),
        (
            lambda: finite_difference_hessian_from_gradient(np.sin, np.zeros((2, 2))),
            r"^finite differences need a weight vector",
        ),
        (lambda: random_error(0, 0), r"^random_error needs a positive integer K, got 0$"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_one_dimensional_inputs_and_targets_are_accepted_for_single_units(rng):
    shape = Shape(1, 2, 1)
    w, x, t = rng.normal(size=shape.n_weights), rng.normal(size=4), rng.normal(size=4)
    H = exact_hessian(w, x, t, shape, "tanh", "sum_of_squares")
    H2 = exact_hessian(w, x[:, None], t[:, None], shape, "tanh", "sum_of_squares")
    assert np.array_equal(H, H2)


def test_docstring_examples_run():
    result = doctest.testmod(numeric, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0
