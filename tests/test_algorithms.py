"""Tests for symhess.algorithms: the loop-form reference code agrees with numeric.py, and renders."""
from __future__ import annotations

import numpy as np
import pytest

from symhess import algorithms as alg
from symhess import numeric as nm


def _point(rng: np.random.Generator, D: int, M: int, K: int):  # type: ignore[no-untyped-def]
    shape = nm.Shape(D, M, K, bias=False)
    W1, W2 = rng.normal(size=(M, D)), rng.normal(size=(K, M))
    x, t = rng.normal(size=D), rng.normal(size=K)
    return shape, W1, W2, x, t


def _adapt(err: nm.ErrorFunction):  # type: ignore[no-untyped-def]
    """One-point dE, d2E from numeric's batched error functions."""
    return (lambda a, t: err.grad(a[None, :], t[None, :])[0],
            lambda a, t: err.hess(a[None, :], t[None, :])[0])


@pytest.mark.parametrize("sizes", [(1, 1, 1), (2, 3, 2), (3, 4, 3)])
@pytest.mark.parametrize("error", ["sum_of_squares", "softmax_cross_entropy"])
def test_exact_hessian_blocks_match_numeric(rng: np.random.Generator, sizes: tuple[int, int, int], error: str) -> None:
    shape, W1, W2, x, t = _point(rng, *sizes)
    if error == "softmax_cross_entropy":
        t = np.eye(shape.K)[rng.integers(shape.K)]
    err = nm.ERRORS[error]
    dE, d2E = _adapt(err)
    H11, H12, H22 = alg.exact_hessian_blocks(x, t, W1, W2, np.tanh, alg.dtanh, alg.d2tanh, dE, d2E)
    ours = alg.assemble_hessian(H11, H12, H22)
    ref = nm.exact_hessian(nm.pack(W1, W2), x[None, :], t[None, :], shape, "tanh", err)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_exact_hessian_blocks_keep_the_coincident_index_term(rng: np.random.Generator) -> None:
    """The δ_k I_jj' term of (5.95) lives on j = j' only; dropping it must show."""
    shape, W1, W2, x, t = _point(rng, 2, 3, 2)
    H11, H12, H22 = alg.exact_hessian_blocks(x, t, W1, W2, np.tanh, alg.dtanh, alg.d2tanh, alg.sse_delta, alg.sse_m)
    diag = H12[np.arange(3), :, :, np.arange(3)]
    off = H12[0, :, :, 1]
    assert np.abs(diag).max() > 1e-3 and np.abs(off).max() > 1e-3
    ref = nm.exact_hessian(nm.pack(W1, W2), x[None, :], t[None, :], shape, "tanh", "sum_of_squares")
    assert not np.allclose(alg.assemble_hessian(H11, np.zeros_like(H12), H22), ref)


@pytest.mark.parametrize("sizes", [(1, 1, 1), (3, 2, 2), (2, 4, 3)])
def test_r_operator_pass_matches_numeric(rng: np.random.Generator, sizes: tuple[int, int, int]) -> None:
    shape, W1, W2, x, t = _point(rng, *sizes)
    V1, V2 = rng.normal(size=W1.shape), rng.normal(size=W2.shape)
    RW1, RW2 = alg.r_operator_pass(x, t, W1, W2, V1, V2, np.tanh, alg.dtanh, alg.d2tanh)
    ref = nm.hessian_vector_product(nm.pack(W1, W2), nm.pack(V1, V2), x[None, :], t[None, :], shape, "tanh",
                                    "sum_of_squares")
    np.testing.assert_allclose(nm.pack(RW1, RW2), ref, rtol=1e-10, atol=1e-12)


def test_exact_hessian_blocks_match_autograd(rng: np.random.Generator) -> None:
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    _, W1, W2, x, t = _point(rng, 2, 2, 2)

    def e(w):  # type: ignore[no-untyped-def]
        A, B = w[:4].reshape(2, 2), w[4:].reshape(2, 2)
        return 0.5 * anp.sum((anp.dot(B, anp.tanh(anp.dot(A, x))) - t) ** 2)

    ref = autograd.hessian(e)(np.concatenate([W1.ravel(), W2.ravel()]))
    ours = alg.assemble_hessian(*alg.exact_hessian_blocks(x, t, W1, W2, np.tanh, alg.dtanh, alg.d2tanh,
                                                          alg.sse_delta, alg.sse_m))
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_sequential_inverse_matches_direct_inverse(rng: np.random.Generator) -> None:
    B = rng.normal(size=(12, 5))
    np.testing.assert_allclose(alg.sequential_inverse(B, 0.3), np.linalg.inv(B.T @ B + 0.3 * np.eye(5)),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", alg.algorithm_names())
def test_rendering_uses_prml_symbols(name: str) -> None:
    r = alg.algorithm_latex(name)
    assert r.latex.startswith(r"\begin{algorithmic}") and r"\For" in r.latex
    assert r.mathjax.startswith(r"\begin{array}{l}")
    for raw in ("W1", "W2", "kp", "jp", "Hinv", r"\textrm", "range", "mathrm{len}"):
        assert raw not in r.latex, raw
    assert r.latex.count("{") == r.latex.count("}")


def test_rendering_shows_prml_indices() -> None:
    latex = alg.algorithm_latex("exact_hessian").latex
    assert r"w_{kj}^{(2)}" in latex and r"I_{jj'}" in latex and r"M_{kk'}" in latex
    assert r"\mathcal{R}\{a_{j}\}" in alg.algorithm_latex("r_operator").latex


def test_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="unknown algorithm 'x'; known: exact_hessian"):
        alg.algorithm_latex("x")
