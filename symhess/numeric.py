"""Numeric engine: the two-layer network in NumPy, exact Hessian (5.93-5.95), R{.}, finite diffs.

Conventions (PRML 5.62-5.64, ``shared/NOTATION.md``):

* ``W1`` has shape ``(M, D + bias)`` and ``W2`` shape ``(K, M + bias)``; with biases on,
  column 0 of each holds the bias weight (``x_0 = 1``, ``z_0 = 1``).
* The weight vector is ``w = concat(W1.ravel(), W2.ravel())`` (row-major), so the
  Hessian's rows and columns are the first layer's ``w_ji`` followed by the second
  layer's ``w_kj``; a vector ``v`` for ``R{.}`` is laid out the same way (PRML 5.101).
* ``X`` is ``(N, D)`` and ``T`` is ``(N, K)``; ``E = sum_n E_n``.

Activations and error functions carry their derivatives as NumPy callables *and* a
``form(xp, ...)`` written against an array module, so the same definition can be run by
NumPy or by ``autograd.numpy`` (the independent reference, imported lazily).

>>> rng = np.random.default_rng(0)
>>> shape = Shape(D=2, M=3, K=2)
>>> w = rng.normal(size=shape.n_weights)
>>> X, T = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
>>> act, err = ACTIVATIONS["tanh"], ERRORS["sum_of_squares"]
>>> H = exact_hessian(w, X, T, shape, act, err)
>>> H.shape, bool(np.array_equal(H, H.T))
((17, 17), True)
>>> v = rng.normal(size=shape.n_weights)
>>> bool(np.allclose(hessian_vector_product(w, v, X, T, shape, act, err), H @ v))
True
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
#: A function of the weight vector, e.g. ``lambda w: error(w, X, T, shape, act, err)``.
WeightFunction = Callable[[Array], Any]

__all__ = [
    "ACTIVATIONS",
    "ERRORS",
    "Activation",
    "ErrorFunction",
    "Forward",
    "Shape",
    "autograd_error_fn",
    "autograd_outputs_fn",
    "error",
    "exact_hessian",
    "finite_difference_hessian",
    "finite_difference_hessian_from_gradient",
    "forward",
    "gradient",
    "hessian_vector_product",
    "outer_product_hessian",
    "pack",
    "random_activation",
    "random_error",
    "unpack",
]


# --------------------------------------------------------------------------------------
# Sizes and the weight vector
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Sizes of a two-layer network: D inputs, M hidden units, K outputs, biases on or off.

    >>> s = Shape(D=2, M=3, K=1)
    >>> s.n_weights            # 3 * (2 + 1) + 1 * (3 + 1)
    13
    >>> Shape(2, 3, 1, bias=False).n_weights
    9
    >>> s.weight_index(2, 1, 0)   # w_{10}^{(2)}, the output bias: first entry after W1
    9
    """

    D: int
    M: int
    K: int
    bias: bool = True

    def __post_init__(self) -> None:
        for name in ("D", "M", "K"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"Shape.{name} must be a positive integer, got {value!r}")

    @property
    def width1(self) -> int:
        """Columns of ``W1``: ``D + bias`` (the units ``x_i`` the first layer reads)."""
        return self.D + int(self.bias)

    @property
    def width2(self) -> int:
        """Columns of ``W2``: ``M + bias`` (the units ``z_j`` the second layer reads)."""
        return self.M + int(self.bias)

    @property
    def n_first(self) -> int:
        """Number of first-layer weights, ``M * (D + bias)``; they come first in ``w``."""
        return self.M * self.width1

    @property
    def n_weights(self) -> int:
        """Total number of weights W, the length of ``w``."""
        return self.n_first + self.K * self.width2

    def weight_index(self, layer: int, to: int, frm: int) -> int:
        """Position in ``w`` of ``w_{to,frm}^{(layer)}`` in PRML's 1-based unit numbering.

        Layer 1: ``to = j`` in 1..M, ``frm = i`` in 0..D (0 is the bias, only with biases).
        Layer 2: ``to = k`` in 1..K, ``frm = j`` in 0..M likewise.

        >>> s = Shape(D=2, M=3, K=2)
        >>> s.weight_index(1, 1, 0), s.weight_index(1, 2, 1), s.weight_index(2, 2, 3)
        (0, 4, 16)
        >>> Shape(2, 3, 2, bias=False).weight_index(1, 1, 1)
        0
        """
        lo = 0 if self.bias else 1
        if layer == 1:
            n_to, n_from, start, width = self.M, self.D, 0, self.width1
        elif layer == 2:
            n_to, n_from, start, width = self.K, self.M, self.n_first, self.width2
        else:
            raise ValueError(f"layer must be 1 or 2, got {layer!r}")
        if not 1 <= to <= n_to or not lo <= frm <= n_from:
            raise ValueError(
                f"w_{{{to},{frm}}}^({layer}) is outside {self}: need 1 <= to <= {n_to} "
                f"and {lo} <= frm <= {n_from}"
            )
        return start + (to - 1) * width + (frm - lo)


def pack(W1: npt.ArrayLike, W2: npt.ArrayLike) -> Array:
    """The weight vector ``w = concat(W1.ravel(), W2.ravel())`` (row-major).

    >>> pack(np.arange(6.0).reshape(2, 3), [[7.0, 8.0, 9.0]])
    array([0., 1., 2., 3., 4., 5., 7., 8., 9.])
    """
    A, B = np.asarray(W1, dtype=float), np.asarray(W2, dtype=float)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"pack needs two matrices, got shapes {A.shape} and {B.shape}")
    return np.concatenate([A.ravel(), B.ravel()])


def unpack(w: npt.ArrayLike, shape: Shape) -> tuple[Array, Array]:
    """Split ``w`` into ``(W1, W2)`` of shapes ``(M, D + bias)`` and ``(K, M + bias)`` (views).

    >>> W1, W2 = unpack(np.arange(13.0), Shape(D=2, M=3, K=1))
    >>> W1.shape, W2
    ((3, 3), array([[ 9., 10., 11., 12.]]))
    """
    v = np.asarray(w, dtype=float)
    if v.shape != (shape.n_weights,):
        raise ValueError(
            f"weight vector has shape {v.shape}, but {shape} needs ({shape.n_weights},)"
        )
    n1 = shape.n_first
    return v[:n1].reshape(shape.M, shape.width1), v[n1:].reshape(shape.K, shape.width2)


# --------------------------------------------------------------------------------------
# Activations h
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """A smooth activation ``h`` with ``h'``, ``h''``, ``h'''`` as vectorised NumPy callables.

    ``form(xp, a)`` is ``h`` written against an array module ``xp`` (``numpy`` or
    ``autograd.numpy``), so an independent engine can differentiate the same function;
    ``params`` records the constants of a random ``h``.

    >>> h = ACTIVATIONS["logistic"]
    >>> float(h.f(np.array(0.0))), float(h.df(np.array(0.0))), float(h.d2f(np.array(0.0)))
    (0.5, 0.25, 0.0)
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    d2f: Callable[[Array], Array]
    d3f: Callable[[Array], Array]
    form: Callable[[Any, Any], Any] | None = field(default=None, repr=False, compare=False)
    params: tuple[float, ...] = ()


def _tanh_form(xp: Any, a: Any) -> Any:
    return xp.tanh(a)


def _tanh_d1(a: Array) -> Array:
    t = np.tanh(a)
    return 1.0 - t * t


def _tanh_d2(a: Array) -> Array:
    t = np.tanh(a)
    return -2.0 * t * (1.0 - t * t)


def _tanh_d3(a: Array) -> Array:
    t = np.tanh(a)
    return (1.0 - t * t) * (6.0 * t * t - 2.0)


def _logistic_form(xp: Any, a: Any) -> Any:
    # sigma(a) = (1 + tanh(a/2)) / 2: exact and free of overflow for any a.
    return 0.5 * (1.0 + xp.tanh(0.5 * a))


def _sigma(a: Array) -> Array:
    return _logistic_form(np, np.asarray(a, dtype=float))  # type: ignore[no-any-return]


def _sigma_d1(a: Array) -> Array:
    s = _sigma(a)
    return s * (1.0 - s)


def _sigma_d2(a: Array) -> Array:
    s = _sigma(a)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _sigma_d3(a: Array) -> Array:
    s = _sigma(a)
    return s * (1.0 - s) * (1.0 - 6.0 * s + 6.0 * s * s)


def _softplus_form(xp: Any, a: Any) -> Any:
    return xp.logaddexp(0.0, a)


def _numpy_form(form: Callable[[Any, Any], Any]) -> Callable[[Array], Array]:
    def f(a: Array) -> Array:
        return form(np, np.asarray(a, dtype=float))  # type: ignore[no-any-return]

    return f


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(
        "tanh", _numpy_form(_tanh_form), _tanh_d1, _tanh_d2, _tanh_d3, _tanh_form
    ),
    "logistic": Activation(
        "logistic", _sigma, _sigma_d1, _sigma_d2, _sigma_d3, _logistic_form
    ),
    # softplus' = sigma, so its derivatives are the logistic's shifted by one order.
    "softplus": Activation(
        "softplus", _numpy_form(_softplus_form), _sigma, _sigma_d1, _sigma_d2, _softplus_form
    ),
}


def random_activation(rng: np.random.Generator | int) -> Activation:
    """A random smooth ``h(a) = c1 sin(c2 a + c3) + c4 a + c5 a^2`` (the "unspecified h").

    ``h''`` and ``h'''`` are non-trivial; ``params`` holds ``(c1, c2, c3, c4, c5)``.

    >>> h = random_activation(np.random.default_rng(1))
    >>> h.name, len(h.params)
    ('random', 5)
    >>> a = np.linspace(-1, 1, 5)
    >>> c1, c2, c3, c4, c5 = h.params
    >>> bool(np.allclose(h.d3f(a), -c1 * c2**3 * np.cos(c2 * a + c3)))
    True
    """
    g = np.random.default_rng(rng)
    c1 = float(g.choice([-1.0, 1.0]) * g.uniform(0.5, 1.5))
    c2 = float(g.uniform(0.5, 1.5))
    c3 = float(g.uniform(-np.pi, np.pi))
    c4 = float(g.uniform(-1.0, 1.0))
    c5 = float(g.uniform(-0.3, 0.3))

    def form(xp: Any, a: Any) -> Any:
        return c1 * xp.sin(c2 * a + c3) + c4 * a + c5 * a**2

    def d1(a: Array) -> Array:
        return c1 * c2 * np.cos(c2 * a + c3) + c4 + 2.0 * c5 * a  # type: ignore[no-any-return]

    def d2(a: Array) -> Array:
        return -c1 * c2**2 * np.sin(c2 * a + c3) + 2.0 * c5  # type: ignore[no-any-return]

    def d3(a: Array) -> Array:
        return -c1 * c2**3 * np.cos(c2 * a + c3)  # type: ignore[no-any-return]

    return Activation("random", _numpy_form(form), d1, d2, d3, form, (c1, c2, c3, c4, c5))


# --------------------------------------------------------------------------------------
# Error functions E_n(a_1..a_K; t)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorFunction:
    """A per-point error ``E_n(a_1..a_K; t)`` with ``delta_k`` (5.54) and ``M_kk'`` (5.92).

    ``output(a)`` is ``y``; ``value(a, t)`` is ``(N,)``; ``grad(a, t)`` is ``(N, K)``;
    ``hess(a, t)`` is ``(N, K, K)``. ``form(xp, a, t)`` is ``E_n`` written against an array
    module (``numpy`` or ``autograd.numpy``); ``params`` records a random error's constants.

    >>> e = ERRORS["softmax_cross_entropy"]
    >>> a, t = np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])
    >>> e.output(a), e.grad(a, t)
    (array([[0.5, 0.5]]), array([[-0.5,  0.5]]))
    >>> e.hess(a, t)
    array([[[ 0.25, -0.25],
            [-0.25,  0.25]]])
    """

    name: str
    output: Callable[[Array], Array]
    value: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], Array]
    hess: Callable[[Array, Array], Array]
    form: Callable[[Any, Any, Any], Any] | None = field(default=None, repr=False, compare=False)
    params: tuple[float, ...] = ()


def _numpy_error(form: Callable[[Any, Any, Any], Any]) -> Callable[[Array, Array], Array]:
    def value(a: Array, t: Array) -> Array:
        a, t = np.asarray(a, dtype=float), np.asarray(t, dtype=float)
        return form(np, a, t)  # type: ignore[no-any-return]

    return value


def _identity(a: Array) -> Array:
    return np.asarray(a, dtype=float)


def _sos_form(xp: Any, a: Any, t: Any) -> Any:
    return 0.5 * xp.sum((a - t) ** 2, axis=1)


def _sos_grad(a: Array, t: Array) -> Array:
    return np.asarray(a, dtype=float) - t


def _sos_hess(a: Array, t: Array) -> Array:
    n, k = np.shape(a)
    return np.broadcast_to(np.eye(k), (n, k, k))


def _ce_form(xp: Any, a: Any, t: Any) -> Any:
    # -[t ln y + (1 - t) ln(1 - y)] with y = sigma(a) equals softplus(a) - t a.
    return xp.sum(xp.logaddexp(0.0, a) - t * a, axis=1)


def _ce_grad(a: Array, t: Array) -> Array:
    return _sigma(a) - t


def _ce_hess(a: Array, t: Array) -> Array:
    s = _sigma(a)
    n, k = s.shape
    out = np.zeros((n, k, k))
    idx = np.arange(k)
    out[:, idx, idx] = s * (1.0 - s)
    return out


def _softmax(a: Array) -> Array:
    a = np.asarray(a, dtype=float)
    e = np.exp(a - np.max(a, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)  # type: ignore[no-any-return]


def _softmax_ce_form(xp: Any, a: Any, t: Any) -> Any:
    # -sum_k t_k ln softmax_k(a) = (sum_k t_k) logsumexp(a) - sum_k t_k a_k
    m = xp.max(a, axis=1, keepdims=True)
    lse = m[:, 0] + xp.log(xp.sum(xp.exp(a - m), axis=1))
    return xp.sum(t, axis=1) * lse - xp.sum(t * a, axis=1)


def _softmax_ce_grad(a: Array, t: Array) -> Array:
    # (sum_k t_k) y - t: PRML's y - t (5.18) when the targets sum to one.
    return np.sum(t, axis=1, keepdims=True) * _softmax(a) - t  # type: ignore[no-any-return]


def _softmax_ce_hess(a: Array, t: Array) -> Array:
    y = _softmax(a)
    n, k = y.shape
    out = -y[:, :, None] * y[:, None, :]
    idx = np.arange(k)
    out[:, idx, idx] += y
    return np.sum(t, axis=1)[:, None, None] * out  # type: ignore[no-any-return]


ERRORS: dict[str, ErrorFunction] = {
    "sum_of_squares": ErrorFunction(
        "sum_of_squares", _identity, _numpy_error(_sos_form), _sos_grad, _sos_hess, _sos_form
    ),
    "cross_entropy": ErrorFunction(
        "cross_entropy", _sigma, _numpy_error(_ce_form), _ce_grad, _ce_hess, _ce_form
    ),
    "softmax_cross_entropy": ErrorFunction(
        "softmax_cross_entropy",
        _softmax,
        _numpy_error(_softmax_ce_form),
        _softmax_ce_grad,
        _softmax_ce_hess,
        _softmax_ce_form,
    ),
}


def random_error(rng: np.random.Generator | int, K: int) -> ErrorFunction:
    """A random smooth ``E_n(a; t)`` with non-diagonal ``M``: the general case of 5.92-5.95.

    ``E_n = 1/2 (a - t)^T A (a - t) + sum_k c_k cos(om_k a_k + ph_k + be_k t_k)
    + g/6 (p.a + q.t + r)^3`` with ``A`` symmetric; outputs are linear (``y = a``).
    ``params`` is ``A.ravel(), c, om, ph, be, p, q, (r, g)`` concatenated.

    >>> e = random_error(np.random.default_rng(2), K=3)
    >>> a, t = np.zeros((4, 3)), np.ones((4, 3))
    >>> e.value(a, t).shape, e.grad(a, t).shape, e.hess(a, t).shape
    ((4,), (4, 3), (4, 3, 3))
    >>> H = e.hess(a, t)
    >>> bool(np.array_equal(H, H.transpose(0, 2, 1)))       # symmetric M
    True
    >>> bool(np.count_nonzero(H[0] - np.diag(np.diag(H[0]))))  # and not diagonal
    True
    """
    if isinstance(K, bool) or not isinstance(K, int | np.integer) or K < 1:
        raise ValueError(f"random_error needs a positive integer K, got {K!r}")
    g = np.random.default_rng(rng)
    B = g.normal(size=(K, K))
    A = 0.25 * (B + B.T)
    c = g.uniform(-1.0, 1.0, size=K)
    om = g.uniform(0.5, 1.5, size=K)
    ph = g.uniform(-np.pi, np.pi, size=K)
    be = g.uniform(-1.0, 1.0, size=K)
    p = g.normal(size=K) / np.sqrt(K)
    q = g.normal(size=K) / np.sqrt(K)
    r = float(g.normal())
    gam = float(g.uniform(-0.5, 0.5))

    def form(xp: Any, a: Any, t: Any) -> Any:
        u = a - t
        quad = 0.5 * xp.sum(xp.dot(u, A) * u, axis=1)
        wave = xp.sum(c * xp.cos(om * a + ph + be * t), axis=1)
        s = xp.dot(a, p) + xp.dot(t, q) + r
        return quad + wave + (gam / 6.0) * s**3

    def grad(a: Array, t: Array) -> Array:
        s = a @ p + t @ q + r
        return (  # type: ignore[no-any-return]
            (a - t) @ A - c * om * np.sin(om * a + ph + be * t) + 0.5 * gam * (s**2)[:, None] * p
        )

    def hess(a: Array, t: Array) -> Array:
        s = a @ p + t @ q + r
        out = A + (gam * s)[:, None, None] * np.outer(p, p)
        idx = np.arange(K)
        out[:, idx, idx] -= c * om**2 * np.cos(om * a + ph + be * t)
        return out  # type: ignore[no-any-return]

    params = np.concatenate([A.ravel(), c, om, ph, be, p, q, [r, gam]])
    return ErrorFunction(
        "random", _identity, _numpy_error(form), grad, hess, form, tuple(float(x) for x in params)
    )


def _named(value: Any, kind: type, table: dict[str, Any], what: str, other: str) -> Any:
    """``value`` itself when it is a ``kind``, else the entry of ``table`` it names.

    >>> _named("tanh", Activation, ACTIVATIONS, "activation", "").name
    'tanh'
    >>> _named("relu", Activation, ACTIVATIONS, "activation", "random_activation(rng)")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'relu'; choose one of ['logistic', 'softplus', 'tanh'] or pass random_activation(rng)
    """
    if isinstance(value, kind):
        return value
    if value in table:
        return table[value]
    raise ValueError(f"unknown {what} {value!r}; choose one of {sorted(table)} or pass {other}")


def _resolve_activation(act: Activation | str) -> Activation:
    return cast(Activation, _named(act, Activation, ACTIVATIONS, "activation", "random_activation(rng)"))


def _resolve_error(err: ErrorFunction | str) -> ErrorFunction:
    return cast(ErrorFunction, _named(err, ErrorFunction, ERRORS, "error function", "random_error(rng, K)"))


# --------------------------------------------------------------------------------------
# Forward propagation, error and gradient (PRML 5.62-5.64, 5.53-5.56)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forward:
    """Every data point's activations: ``a1 = a_j``, ``z = z_j``, ``a2 = a_k``, ``y = y_k``.

    ``x_aug`` ``(N, D + bias)`` and ``z_aug`` ``(N, M + bias)`` are the units each layer
    reads, with the bias unit (``x_0 = 1``, ``z_0 = 1``) in column 0 when biases are on.
    """

    a1: Array
    z: Array
    a2: Array
    y: Array
    x_aug: Array
    z_aug: Array


def _augment(A: Array, bias: bool, fill: float = 1.0) -> Array:
    """``A`` with the bias column (value ``fill``) in front when ``bias``."""
    if not bias:
        return A
    return np.concatenate([np.full((A.shape[0], 1), fill), A], axis=1)


def _inputs(X: npt.ArrayLike, shape: Shape) -> Array:
    x = np.asarray(X, dtype=float)
    if x.ndim == 1 and shape.D == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != shape.D:
        raise ValueError(f"inputs X have shape {x.shape}, expected (N, {shape.D}) for {shape}")
    return x


def _targets(T: npt.ArrayLike, n: int, shape: Shape) -> Array:
    t = np.asarray(T, dtype=float)
    if t.ndim == 1 and shape.K == 1:
        t = t[:, None]
    if t.shape != (n, shape.K):
        raise ValueError(f"targets T have shape {t.shape}, expected ({n}, {shape.K})")
    return t


def forward(
    w: npt.ArrayLike,
    X: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str | None = None,
) -> Forward:
    """Forward propagation (PRML 5.62-5.64) for all N points at once.

    ``y = err.output(a2)`` when ``err`` is given, else ``y = a2`` (linear outputs).

    >>> shape = Shape(D=1, M=1, K=1)
    >>> fw = forward(pack([[0.5, 2.0]], [[1.0, 3.0]]), [[0.0], [1.0]], shape, "tanh")
    >>> np.round(fw.a1.ravel(), 6), np.round(fw.a2.ravel(), 6)
    (array([0.5, 2.5]), array([2.386351, 3.959843]))
    """
    W1, W2 = unpack(w, shape)
    h = _resolve_activation(act)
    x = _augment(_inputs(X, shape), shape.bias)
    a1 = _mm(x, W1.T)
    z = h.f(a1)
    z_aug = _augment(z, shape.bias)
    a2 = _mm(z_aug, W2.T)
    y = a2 if err is None else _resolve_error(err).output(a2)
    return Forward(a1=a1, z=z, a2=a2, y=y, x_aug=x, z_aug=z_aug)


def error(
    w: npt.ArrayLike,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
) -> float:
    """The total error ``E = sum_n E_n``.

    >>> shape = Shape(D=1, M=1, K=1, bias=False)
    >>> X, T = [[1.0], [2.0]], [[1.0], [-1.0]]
    >>> error(pack([[0.0]], [[1.0]]), X, T, shape, "tanh", "sum_of_squares")
    1.0
    """
    fw = forward(w, X, shape, act)
    t = _targets(T, fw.a2.shape[0], shape)
    return float(np.sum(_resolve_error(err).value(fw.a2, t)))


def gradient(
    w: npt.ArrayLike,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
) -> Array:
    """``dE/dw`` by backpropagation (PRML 5.53-5.56), summed over the N points.

    >>> rng = np.random.default_rng(0)
    >>> shape = Shape(D=2, M=2, K=2)
    >>> w, X, T = rng.normal(size=shape.n_weights), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    >>> f = lambda u: error(u, X, T, shape, "tanh", "sum_of_squares")
    >>> e = np.eye(shape.n_weights) * 1e-6
    >>> numeric = np.array([(f(w + d) - f(w - d)) / 2e-6 for d in e])
    >>> bool(np.allclose(gradient(w, X, T, shape, "tanh", "sum_of_squares"), numeric, atol=1e-8))
    True
    """
    _, W2 = unpack(w, shape)
    h, e = _resolve_activation(act), _resolve_error(err)
    fw = forward(w, X, shape, h)
    t = _targets(T, fw.a2.shape[0], shape)
    delta2 = e.grad(fw.a2, t)  # delta_k = dE_n/da_k                      (5.54)
    delta1 = h.df(fw.a1) * _mm(delta2, W2[:, int(shape.bias):])  # delta_j  (5.56)
    G1 = _mm(delta1.T, fw.x_aug)  # dE/dw_ji = sum_n delta_j x_i                (5.53)
    G2 = _mm(delta2.T, fw.z_aug)  # dE/dw_kj = sum_n delta_k z_j
    return pack(G1, G2)


# --------------------------------------------------------------------------------------
# Hessians: exact (5.93-5.95), outer product / Gauss-Newton (5.84-5.85), R{.} (5.101-5.111)
# --------------------------------------------------------------------------------------


#: Matrix products of at most this many multiply-adds run on one thread in OpenBLAS
#: (its SMP_THRESHOLD_MIN x GEMM_MULTITHREAD_THRESHOLD).
_ONE_THREAD = 1 << 18
#: Products below this size (about a millisecond) run as a stack of one-thread pieces.
#: A two-thread product must wait for the second core: on a busy two-core machine that
#: wait was measured at 5-15 ms for a 0.05 ms product. Larger products use every core.
_SMALL_PRODUCT = 1 << 24


@functools.lru_cache(maxsize=256)
def _batches(rows: int, at_least: int) -> int:
    """The smallest divisor of ``rows`` that is ``>= at_least`` (at most ``rows`` itself).

    >>> _batches(210, 6), _batches(7, 3), _batches(5, 99)
    (6, 7, 5)
    """
    return next(d for d in range(max(1, min(at_least, rows)), rows + 1) if rows % d == 0)


def _mm(A: Array, B: Array) -> Array:
    """``A @ B`` for matrices; small products are split by rows into one-thread pieces.

    >>> A, B = np.arange(12.0).reshape(6, 2), np.ones((2, 3))
    >>> bool(np.array_equal(_mm(A, B), A @ B))
    True
    """
    p, r = A.shape
    work = p * r * B.shape[1]
    if work <= _ONE_THREAD or work >= _SMALL_PRODUCT:
        return A @ B  # type: ignore[no-any-return]
    k = _batches(p, -(-work // _ONE_THREAD))
    return (A.reshape(k, p // k, r) @ B).reshape(p, B.shape[1])  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=128)
def _pairs(n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Unordered pairs ``p <= q`` of ``range(n)`` and the symmetric map ``(p, q) -> pair``.

    >>> first, second, number = _pairs(3)
    >>> first.tolist(), second.tolist(), bool(number[2, 0] == number[0, 2] == 2)
    ([0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2], True)
    """
    first, second = np.triu_indices(n)
    number = np.empty((n, n), dtype=np.intp)
    number[first, second] = np.arange(first.size)
    number[second, first] = np.arange(first.size)
    for a in (first, second, number):
        a.setflags(write=False)
    return first, second, number


def _block(H: Array, rows: slice, cols: slice, shape4: tuple[int, int, int, int]) -> Array:
    """A 4-index view ``(row unit, row input, col unit, col input)`` of one block of H."""
    view = H[rows, cols].reshape(shape4)
    if not np.may_share_memory(view, H):  # reshape of a row/column slice never copies
        raise RuntimeError("internal error: Hessian block view is a copy")
    return view


def _hessian(
    w: npt.ArrayLike,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
    with_delta_terms: bool,
) -> Array:
    """5.93-5.95 assembled; ``with_delta_terms=False`` leaves the Gauss-Newton part.

    Every block is ``sum_n P_n (x) Q_n`` for small per-point factors, computed as one matrix
    product over n (BLAS, contraction length N). Per-point factors are kept unit-major,
    ``(units, N)``, so that picking units is a row copy. The two diagonal blocks are
    symmetric in both index pairs, so only unordered pairs ``(j <= j', i <= i')`` are
    computed (a quarter of the work) and each entry is read back for both orders: H is
    symmetric by construction, and the mixed block is written once and mirrored.
    """
    _, W2 = unpack(w, shape)
    h, e = _resolve_activation(act), _resolve_error(err)
    fw = forward(w, X, shape, h)
    n = fw.a2.shape[0]
    t = _targets(T, n, shape)
    M, K, b = shape.M, shape.K, int(shape.bias)
    I, J, n1 = shape.width1, shape.width2, shape.n_first
    i1, i2, pair_i = _pairs(I)  # over the units x_0..x_D the first layer reads
    j1, j2, pair_j = _pairs(J)  # over the units z_0..z_M the second layer reads
    h1, h2, pair_h = _pairs(M)  # over the hidden units j = 1..M
    k1, k2, pair_k = _pairs(K)

    # Per-point factors, unit-major: (units, N)
    x, z = np.ascontiguousarray(fw.x_aug.T), np.ascontiguousarray(fw.z_aug.T)
    a1 = np.ascontiguousarray(fw.a1.T)
    W2h = W2[:, b:]  # (K, M): w_kj for hidden units j = 1..M (no bias column)
    Mk = np.moveaxis(np.asarray(e.hess(fw.a2, t), dtype=float), 0, -1)  # M_kk'   (5.92)
    g1 = h.df(a1)  # (M, N)  h'(a_j)
    # MW[j, k] = sum_k' w_k'j M_kk'  (M, K, N)
    MW = _mm(W2h.T, Mk.transpose(1, 0, 2).reshape(K, K * n)).reshape(M, K, n)
    R = (g1[:, None, :] * MW).reshape(M * K, n)  # [(j, k)]: h'(a_j) sum_k' w_k'j M_kk'
    # Q[(j, j')] = sum_kk' w_kj M_kk' w_k'j'  (M * M, N)
    Q = _mm(W2h.T, MW.transpose(1, 0, 2).reshape(K, M * n)).reshape(M * M, n)
    G = Q[h1 * M + h2]  # [j <= j']: h'(a_j) h'(a_j') Q_jj' (in place: fewer temporaries)
    G *= g1[h1]
    G *= g1[h2]
    xx = x[i1] * x[i2]  # [i <= i']: x_i x_i'
    zz = z[j1] * z[j2]  # [j <= j']: z_j z_j'
    xz = (x[:, None, :] * z[None, :, :]).reshape(I * J, n)  # [(i, j')]: x_i z_j'

    # (5.93) both weights in the second layer: sum_n z_j z_j' M_kk'
    T22 = _mm(Mk[k1, k2], zz.T)  # [k <= k', j <= j']
    # (5.94) both in the first layer: sum_n x_i x_i' h'_j h'_j' sum w_kj w_k'j' M_kk' (+ below)
    T11 = _mm(G, xx.T)  # [j <= j', i <= i']
    # (5.95) one in each: sum_n x_i z_j' h'(a_j) sum_k' w_k'j M_kk' (+ below)
    T12 = _mm(R, xz.T).reshape(M, K, I, J)

    H = np.empty((shape.n_weights, shape.n_weights))
    H12 = _block(H, slice(0, n1), slice(n1, None), (M, I, K, J))
    H12[...] = T12.transpose(0, 2, 1, 3)
    if with_delta_terms:
        hidden = np.arange(M)
        delta = np.ascontiguousarray(e.grad(fw.a2, t).T)  # (K, N)  delta_k        (5.54)
        # (5.94) + x_i x_i' h''(a_j) I_jj' sum_k w_kj delta_k: only the pairs j = j'
        c = h.d2f(a1) * _mm(W2h.T, delta)  # (M, N)
        T11[pair_h[hidden, hidden]] += _mm(c, xx.T)
        # (5.95) + x_i h'(a_j) delta_k I_jj': only where w_kj' leaves hidden unit j' = j
        gd = (g1[:, None, :] * delta[None, :, :]).reshape(M * K, n)  # [(j, k)]
        H12[hidden, :, :, hidden + b] += _mm(gd, x.T).reshape(M, K, I).transpose(0, 2, 1)
    H[n1:, :n1] = H[:n1, n1:].T
    # H[(j, i), (j', i')] = T11[pair(j, j'), pair(i, i')], likewise for the second layer
    H11 = _block(H, slice(0, n1), slice(0, n1), (M, I, M, I))
    H11[...] = np.take(np.take(T11, pair_i, axis=1), pair_h, axis=0).transpose(0, 2, 1, 3)
    H22 = _block(H, slice(n1, None), slice(n1, None), (K, J, K, J))
    H22[...] = np.take(np.take(T22, pair_j, axis=1), pair_k, axis=0).transpose(0, 2, 1, 3)
    return H


def exact_hessian(
    w: npt.ArrayLike,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
) -> Array:
    """The exact Hessian ``H = nabla nabla E`` ``(W, W)`` from PRML 5.93-5.95, summed over n.

    Biases included; vectorised (one matrix product per block, no loops over weights or
    points); exactly symmetric.

    >>> shape = Shape(D=1, M=1, K=1, bias=False)     # E = 1/2 (w2 tanh(w1 x) - t)^2
    >>> w, X, T = np.array([0.3, -0.7]), [[1.5]], [[0.2]]
    >>> H = exact_hessian(w, X, T, shape, "tanh", "sum_of_squares")
    >>> f = lambda u: error(u, X, T, shape, "tanh", "sum_of_squares")
    >>> bool(np.allclose(H, finite_difference_hessian(f, w), atol=1e-7))
    True
    """
    return _hessian(w, X, T, shape, act, err, with_delta_terms=True)


def outer_product_hessian(
    w: npt.ArrayLike,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
) -> Array:
    """The outer-product (Gauss-Newton) approximation ``sum_n B_n^T M_n B_n`` (PRML 5.84-5.85).

    ``B_n = da_k/dw`` is ``(K, W)``. It is the exact Hessian without the terms carrying
    ``delta_k``, so it equals it wherever every residual ``delta_k`` vanishes. For
    sum-of-squares with K = 1 it is ``sum_n b_n b_n^T`` (5.84); for logistic cross-entropy
    ``sum_n y_n (1 - y_n) b_n b_n^T`` (5.85).

    >>> shape = Shape(D=2, M=2, K=1)
    >>> rng = np.random.default_rng(3)
    >>> w, X = rng.normal(size=shape.n_weights), rng.normal(size=(4, 2))
    >>> T = forward(w, X, shape, "tanh").y                  # zero residual
    >>> bool(np.allclose(outer_product_hessian(w, X, T, shape, "tanh", "sum_of_squares"),
    ...                  exact_hessian(w, X, T, shape, "tanh", "sum_of_squares"), atol=1e-12))
    True
    """
    return _hessian(w, X, T, shape, act, err, with_delta_terms=False)


def hessian_vector_product(
    w: npt.ArrayLike,
    v: npt.ArrayLike,
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
) -> Array:
    """``v^T H`` by Pearlmutter's R-operator (PRML 5.101-5.111), without forming H.

    Generalised from sum-of-squares to any error: ``R{delta_k} = sum_k' M_kk' R{a_k'}``.

    >>> shape = Shape(D=2, M=3, K=2)
    >>> rng = np.random.default_rng(4)
    >>> w, v = rng.normal(size=(2, shape.n_weights))
    >>> X, T = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    >>> H = exact_hessian(w, X, T, shape, "softplus", "sum_of_squares")
    >>> Hv = hessian_vector_product(w, v, X, T, shape, "softplus", "sum_of_squares")
    >>> bool(np.allclose(Hv, v @ H))
    True
    """
    _, W2 = unpack(w, shape)
    V1, V2 = unpack(v, shape)
    h, e = _resolve_activation(act), _resolve_error(err)
    fw = forward(w, X, shape, h)
    n = fw.a2.shape[0]
    t = _targets(T, n, shape)
    b = int(shape.bias)
    x, z = fw.x_aug, fw.z_aug
    W2h, V2h = W2[:, b:], V2[:, b:]
    g1 = h.df(fw.a1)

    # Forward pass of R{.}
    Ra1 = _mm(x, V1.T)  # R{a_j} = sum_i v_ji x_i                               (5.101)
    Rz = g1 * Ra1  # R{z_j} = h'(a_j) R{a_j}                                (5.102)
    Ra2 = _mm(Rz, W2h.T) + _mm(z, V2.T)  # R{a_k} = sum_j w_kj R{z_j} + v_kj z_j    (5.103)
    # Backward pass
    delta2 = e.grad(fw.a2, t)  # delta_k                                    (5.54)
    Rdelta2 = np.matmul(e.hess(fw.a2, t), Ra2[:, :, None])[:, :, 0]  # R{delta_k} (5.105)
    Rdelta1 = (  # R{delta_j}                                                 (5.108)
        h.d2f(fw.a1) * Ra1 * _mm(delta2, W2h) + g1 * _mm(delta2, V2h) + g1 * _mm(Rdelta2, W2h)
    )
    # R{dE/dw}
    RG2 = _mm(Rdelta2.T, z) + _mm(delta2.T, _augment(Rz, shape.bias, fill=0.0))  # (5.110); R{z_0} = 0
    RG1 = _mm(Rdelta1.T, x)  # R{dE/dw_ji} = sum_n x_i R{delta_j}               (5.111)
    return pack(RG1, RG2)


# --------------------------------------------------------------------------------------
# Finite differences (PRML 5.90, 5.91)
# --------------------------------------------------------------------------------------


def _weight_vector(w: npt.ArrayLike, eps: float) -> Array:
    v = np.asarray(w, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"finite differences need a weight vector, got shape {v.shape}")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    return v


def finite_difference_hessian(f: WeightFunction, w: npt.ArrayLike, eps: float = 1e-4) -> Array:
    """PRML 5.90: central differences of ``f`` itself, 4 evaluations per entry, symmetric.

    ``H_rs ~ [f(w + e_r + e_s) - f(w + e_r - e_s) - f(w - e_r + e_s) + f(w - e_r - e_s)] / 4 eps^2``
    with ``e_r = eps * unit_r``; only ``r <= s`` is evaluated and mirrored.

    >>> finite_difference_hessian(lambda u: u[0] ** 2 * u[1], np.array([1.0, 2.0])).round(6)
    array([[4., 2.],
           [2., 0.]])
    """
    v = _weight_vector(w, eps)
    W = v.size
    steps = np.eye(W) * eps
    f0 = float(f(v))
    H = np.empty((W, W))
    for r in range(W):
        H[r, r] = (float(f(v + 2 * steps[r])) - 2 * f0 + float(f(v - 2 * steps[r]))) / (4 * eps**2)
        for s in range(r + 1, W):
            p, m = v + steps[r], v - steps[r]
            H[r, s] = H[s, r] = (
                float(f(p + steps[s]))
                - float(f(p - steps[s]))
                - float(f(m + steps[s]))
                + float(f(m - steps[s]))
            ) / (4 * eps**2)
    return H


def finite_difference_hessian_from_gradient(
    g: WeightFunction, w: npt.ArrayLike, eps: float = 1e-6
) -> Array:
    """PRML 5.91: central differences of the gradient ``g``, symmetrised.

    >>> grad = lambda u: np.array([2 * u[0] * u[1], u[0] ** 2])
    >>> finite_difference_hessian_from_gradient(grad, np.array([1.0, 2.0])).round(6)
    array([[4., 2.],
           [2., 0.]])
    """
    v = _weight_vector(w, eps)
    steps = np.eye(v.size) * eps
    cols = [
        (np.asarray(g(v + d), dtype=float) - np.asarray(g(v - d), dtype=float)) / (2 * eps)
        for d in steps
    ]
    H = np.stack(cols, axis=1)  # H[r, s] = d g_r / d w_s
    return 0.5 * (H + H.T)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------
# autograd references (autograd is a test extra: imported only when asked for)
# --------------------------------------------------------------------------------------


def autograd_outputs_fn(
    X: npt.ArrayLike, shape: Shape, act: Activation | str
) -> Callable[[Any], Any]:
    """``w -> a_k`` ``(N, K)`` written with ``autograd.numpy``: reference for ``B_n = da/dw``.

    Independent of :func:`forward`: biases are added as separate terms, not as a unit.

    >>> shape = Shape(D=1, M=1, K=1)
    >>> a = autograd_outputs_fn([[0.0], [1.0]], shape, "tanh")(pack([[0.5, 2.0]], [[1.0, 3.0]]))
    >>> np.round(a.ravel(), 6)
    array([2.386351, 3.959843])
    """
    import autograd.numpy as anp

    h = _resolve_activation(act)
    if h.form is None:
        raise ValueError(f"activation {h.name!r} has no form(xp, a); autograd needs one")
    form = h.form
    x = _inputs(X, shape)
    M, K, b, n1 = shape.M, shape.K, int(shape.bias), shape.n_first

    def outputs(w: Any) -> Any:
        W1 = anp.reshape(w[:n1], (M, shape.width1))
        W2 = anp.reshape(w[n1:], (K, shape.width2))
        a1 = anp.dot(x, anp.transpose(W1[:, b:]))
        if shape.bias:
            a1 = a1 + W1[:, 0]
        z = form(anp, a1)
        a2 = anp.dot(z, anp.transpose(W2[:, b:]))
        if shape.bias:
            a2 = a2 + W2[:, 0]
        return a2

    return outputs


def autograd_error_fn(
    X: npt.ArrayLike,
    T: npt.ArrayLike,
    shape: Shape,
    act: Activation | str,
    err: ErrorFunction | str,
) -> Callable[[Any], Any]:
    """``w -> E`` written with ``autograd.numpy``, for ``autograd.grad`` / ``autograd.hessian``.

    Works for random activations and errors too (through their ``form``).

    >>> import autograd
    >>> shape = Shape(D=2, M=2, K=2)
    >>> rng = np.random.default_rng(5)
    >>> w, X, T = rng.normal(size=shape.n_weights), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    >>> err = random_error(rng, 2)
    >>> E = autograd_error_fn(X, T, shape, "tanh", err)
    >>> bool(np.allclose(autograd.hessian(E)(w), exact_hessian(w, X, T, shape, "tanh", err)))
    True
    """
    import autograd.numpy as anp

    e = _resolve_error(err)
    if e.form is None:
        raise ValueError(f"error function {e.name!r} has no form(xp, a, t); autograd needs one")
    form = e.form
    outputs = autograd_outputs_fn(X, shape, act)
    t = _targets(T, _inputs(X, shape).shape[0], shape)

    def total_error(w: Any) -> Any:
        return anp.sum(form(anp, outputs(w), t))

    return total_error
