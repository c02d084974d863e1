r"""Generic identities of weight-space matrices and vectors, decided on random matrices.

PRML §5.4.3 and §5.4.5 work with matrices of the weight space as wholes: the outer-product
approximation ``\mathbf{H}_N = \sum_n \mathbf{b}_n \mathbf{b}_n^T`` (5.86), its sequential
update ``\mathbf{H}_{L+1} = \mathbf{H}_L + \mathbf{b}_{L+1}\mathbf{b}_{L+1}^T`` (5.87) and the
Woodbury identity (5.88) behind the inverse update (5.89).  Such a statement holds for every
size of the weight space and every matrix and vector in it where both sides are defined; it is
checked here numerically on random instances — sizes W = 1 … 4, several draws, counts such as
N or L drawn too — never on one point.  A bold capital (Latin or Greek) is a generic matrix
(``\mathbf{I}`` the identity), a bold lower-case letter a column vector (``\mathbf{b}_n`` one per
data point), a Greek or Latin letter without subscript a scalar; a matrix the document defined
(``\mathbf{H}_L = α\mathbf{I} + …``) is expanded with its parameter set to the subscript's value.

A generic matrix is a *general* square matrix, not a symmetric one: it is drawn as a symmetric
positive definite part plus a random antisymmetric part, which has a density on an open set of
all W × W matrices (so an identity that fails for some matrix fails on the draws with
probability 1) and is always invertible and well conditioned (its symmetric part is at least
W·I).  Only the matrices the book defines as symmetric are drawn symmetric (positive definite):
the Hessian ``\mathbf{H}`` and its approximations ``\mathbf{H}_N``, ``\mathbf{H}_L`` (sums of
``\mathbf{b}\mathbf{b}^T`` plus a multiple of the identity, 5.86–5.89) when the document does
not define them.  Scalars are drawn positive.  A bold symbol and a plain one of the same letter
(``\mathbf{M}`` and ``M``) are different quantities.  The inverse of a matrix that is singular
on a draw (condition number above 10¹²) is not defined there.

A failed identity reports the entry where the two sides differ most (row and column), its two
values, and the random values drawn for that instance, so that a reader can recompute it.

>>> from symhess.notation.parser import parse_display
>>> ms = parse_display(r"(\mathbf{M} + \mathbf{v}\mathbf{v}^{T})^{-1} = \mathbf{M}^{-1} - "
...     r"\frac{(\mathbf{M}^{-1}\mathbf{v})(\mathbf{v}^{T}\mathbf{M}^{-1})}{1 + \mathbf{v}^{T}"
...     r"\mathbf{M}^{-1}\mathbf{v}}").statements[0].members
>>> decide_matrices(ms[0].expr, ms[1].expr, {}).verdict
'verified'
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .notation import ast
from .notation.interpret import Unsupported, symbol_key
from .notation.unparse import latex

SIZES = (1, 2, 3, 4)
DRAWS = 3
_TOL = 1e-8


class NotMatrix(Unsupported):
    """The expression is not one of weight-space matrices and vectors."""


@dataclass(frozen=True)
class MatrixDecision:
    """``verified`` or ``failed`` with a counterexample (sizes and counts, the two values at the
    entry where the sides differ most, its row and column)."""

    verdict: str
    message: str
    counterexample: dict[str, Any] | None = None


Definitions = Mapping[str, tuple[tuple[str, ...], ast.Node]]


def is_matrix_statement(*nodes: ast.Node) -> bool:
    """Whether the nodes speak of bold matrices/vectors with no network or model quantity."""
    bold = False
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Symbol):
                if n.bold and n.name == "H" and not n.sub:
                    return False  # the Hessian of the error, not a generic matrix
                if n.bold:
                    bold = True
                elif n.sub and n.name not in ("alpha", "beta", "lambda"):
                    return False
            if isinstance(n, (ast.Derivative, ast.Nabla, ast.Integral, ast.Call, ast.ROp)):
                return False
    return bold


def decide_matrices(lhs: ast.Node, rhs: ast.Node, defs: Definitions, seed: int = 0) -> MatrixDecision:
    """Decide ``lhs = rhs`` on random matrices of sizes 1–4 (raises :class:`NotMatrix`)."""
    rng = np.random.default_rng(seed)
    tried = 0
    for W in SIZES:
        for draw in range(DRAWS):
            env = _Env(W, rng, defs)
            a = env.value(lhs)
            b = env.value(rhs)
            a, b = _as_array(a), _as_array(b)
            if a.shape != b.shape:
                if a.size == 1 and b.size == 1:
                    pass
                else:
                    return MatrixDecision("failed", f"the sides differ in shape: {a.shape} and {b.shape} "
                                          f"at W = {W}")
            tried += 1
            scale = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
            err = float(np.max(np.abs(a - b))) / scale
            if not np.isfinite(err) or err > _TOL:
                return _failed(W, env, a, b, err)
    return MatrixDecision("verified", f"equal numerically on random matrices and vectors of the weight "
                          f"space, sizes W = 1–4, {tried} draws (counts such as N, L drawn too)")


def _as_array(v: Any) -> np.ndarray:
    return np.atleast_2d(np.asarray(v, dtype=float))


def _failed(W: int, env: _Env, a: np.ndarray, b: np.ndarray, err: float) -> MatrixDecision:
    """The failure at one draw: the entry where the sides differ most, its two values (printed
    with as many digits as it takes to tell them apart) and the values drawn for the instance."""
    a, b = np.broadcast_arrays(a, b)
    diff = np.abs(a - b)
    bad = ~np.isfinite(diff)
    flat = int(np.argmax(bad)) if bad.any() else int(np.argmax(diff))
    row, col = (int(x) for x in np.unravel_index(flat, diff.shape))
    left, right = float(a[row, col]), float(b[row, col])
    if diff.size == 1:
        where = "the values"
    elif diff.shape[1] == 1:
        where = f"entry {row + 1} of the column"
    elif diff.shape[0] == 1:
        where = f"entry {col + 1} of the row"
    else:
        where = f"entry in row {row + 1}, column {col + 1}"
    ls, rs = _distinct(left, right)
    drawn = env.drawn()
    message = f"differs at W = {W}, {where}: left {ls}, right {rs}; relative difference {err:.3g}"
    if drawn:
        message += f"; drawn (matrices row by row): {drawn}"
    return MatrixDecision("failed", message, {"sizes": {"W": W, **env.counts}, "left": left, "right": right,
                                              "row": row + 1, "column": col + 1})


def _distinct(x: float, y: float) -> tuple[str, str]:
    """``x`` and ``y`` printed with 6 significant digits, or more until they read differently."""
    for digits in range(6, 18):
        sx, sy = f"{x:.{digits}g}", f"{y:.{digits}g}"
        if sx != sy:
            break
    return sx, sy


def _numbers(v: Any, matrix: bool) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    v = np.asarray(v)
    if v.shape[1] == 1 and not matrix:  # a column vector: its entries
        return "[" + ", ".join(f"{x:.6g}" for x in v[:, 0]) + "]"
    return "[" + ", ".join("[" + ", ".join(f"{x:.6g}" for x in r) + "]" for r in v) + "]"


class _Env:
    def __init__(self, W: int, rng: np.random.Generator, defs: Definitions) -> None:
        self.W, self.rng, self.defs = W, rng, defs
        self.cache: dict[tuple[str, int | None], Any] = {}
        self.square: set[tuple[str, int | None]] = set()  # the drawn values that are matrices
        self.counts: dict[str, int] = {}
        self.bound: dict[str, int] = {}
        self.depth = 0

    # ------------------------------------------------------------------ leaves
    def count(self, name: str) -> int:
        if name in self.bound:
            return self.bound[name]
        if name not in self.counts:
            self.counts[name] = int(self.rng.integers(1, 5))
        return self.counts[name]

    def integer(self, node: ast.Node) -> int:
        if isinstance(node, ast.Number) and node.text.isdigit():
            return int(node.text)
        if isinstance(node, ast.Index):
            return self.count(node.letter + "'" * node.primes)
        if isinstance(node, ast.Symbol) and not node.sub and len(node.name) == 1 and not node.bold:
            return self.count(node.name)
        if isinstance(node, ast.Add):
            return sum(sign * self.integer(t) for sign, t in node.terms)
        if isinstance(node, ast.Paren):
            return self.integer(node.expr)
        raise NotMatrix(f"{latex(node)} as a count or index", node.pos)

    def symbol(self, node: ast.Symbol) -> Any:
        key = symbol_key(node)
        if key in self.defs:
            return self.defined(key, node)
        if node.sub:  # H_1, H_{2L} after H_L: the definition at that count
            head = str(replace(node, sub=()))
            family = [k for k, (params, _) in self.defs.items()
                      if k.startswith(head + "_") and len(params) == len(node.sub)]
            if len(family) == 1:
                return self.defined(family[0], node)
        if not node.bold:
            if node.sub and node.name not in ("alpha", "beta", "lambda"):
                raise NotMatrix(f"{node} is not a weight-space quantity", node.pos)
            return self.draw(_written(node, self.subscripts(node)), lambda: float(self.rng.uniform(0.5, 2.0)))
        plain = node.accent is None and not node.primes and not node.calligraphic and not node.blackboard
        if node.name == "I" and not node.sub and plain:
            return np.eye(self.W)
        name = _written(node, self.subscripts(node))
        if node.name == "H" and plain:  # the Hessian and its approximations H_N, H_L: symmetric (5.83, 5.86–5.89)
            return self.draw(name, self.spd, matrix=True)
        if node.name[:1].isupper():  # a bold capital, Latin or Greek (Σ, Φ): a generic matrix
            return self.draw(name, self.general, matrix=True)
        return self.draw(name, lambda: self.rng.normal(size=(self.W, 1)))

    def subscripts(self, node: ast.Symbol) -> tuple[int, ...]:
        return tuple(self.integer(i) for i in node.sub)

    def defined(self, key: str, node: ast.Symbol) -> Any:
        params, body = self.defs[key]
        if body is None:
            raise NotMatrix(f"{node} is defined in the document in a way symhess cannot expand", node.pos)
        if len(params) != len(node.sub):
            raise NotMatrix(f"{node} is defined with {len(params)} subscript(s)", node.pos)
        values = [self.integer(i) for i in node.sub]
        saved = dict(self.bound)
        self.bound.update(dict(zip(params, values)))
        self.depth += 1
        if self.depth > 20:
            raise NotMatrix(f"{node} is defined in terms of itself", node.pos)
        try:
            return self.value(body)
        finally:
            self.depth -= 1
            self.bound = saved

    def spd(self) -> np.ndarray:
        """A symmetric positive definite matrix: only for matrices symmetric by definition."""
        a = self.rng.normal(size=(self.W, self.W))
        return a @ a.T + self.W * np.eye(self.W)

    def general(self) -> np.ndarray:
        """A general (non-symmetric) matrix: a symmetric positive definite part plus a random
        antisymmetric part.  Its distribution has a density on an open set of all W × W matrices,
        so a rational identity that fails for some matrix fails here with probability 1; and it is
        invertible and well conditioned, its symmetric part being at least W·I."""
        k = self.rng.normal(size=(self.W, self.W))
        return self.spd() + (k - k.T)

    def draw(self, name: str, make: Any, matrix: bool = False) -> Any:
        """The value of the quantity written ``name`` (its whole head — bold, accent, primes — and
        its subscripts' values): drawn by ``make`` once per instance."""
        k = (name, None)
        if k not in self.cache:
            self.cache[k] = make()
            if matrix:
                self.square.add(k)
        return self.cache[k]

    def drawn(self) -> str:
        """The values drawn so far (matrices by rows, column vectors by entries), or '' when
        they are too many to print."""
        if sum(np.size(v) for v in self.cache.values()) > 64:
            return ""
        return ", ".join(f"{k[0]} = {_numbers(v, k in self.square)}" for k, v in self.cache.items())

    # ------------------------------------------------------------------ structure
    def value(self, node: ast.Node) -> Any:
        if isinstance(node, ast.Number):
            return float(node.text)
        if isinstance(node, ast.Symbol):
            return self.symbol(node)
        if isinstance(node, ast.Paren):
            return self.value(node.expr)
        if isinstance(node, ast.Add):
            out: Any = None
            for sign, t in node.terms:
                v = sign * _scalar_if_1x1(self.value(t))
                out = v if out is None else _add(out, v, node)
            return out
        if isinstance(node, ast.Mul):
            acc: Any = 1.0
            for f in node.factors:
                acc = _mul(acc, self.value(f), f)
            return acc
        if isinstance(node, (ast.Frac, ast.Div)):
            num, den = self.value(node.num), _scalar_if_1x1(self.value(node.den))
            if not isinstance(den, float):
                raise NotMatrix("a fraction whose denominator is a matrix (write the inverse)", node.pos)
            return num / den
        if isinstance(node, ast.Transpose):
            v = self.value(node.expr)
            return v if isinstance(v, float) else np.asarray(v).T
        if isinstance(node, ast.Pow):
            e = self.integer(node.exp) if not _negative(node.exp) else -self.integer(_negated(node.exp))
            v = self.value(node.base)
            if isinstance(v, float):
                return v ** e
            if v.shape[0] != v.shape[1]:
                raise NotMatrix("a power of a non-square matrix", node.pos)
            if e < 0 and np.linalg.cond(v) > 1e12:
                raise np.linalg.LinAlgError("Singular matrix")
            if e == -1:
                return np.linalg.inv(v)
            return np.linalg.matrix_power(v, e)
        if isinstance(node, ast.Sum) and node.index is not None:
            name = node.index.letter + "'" * node.index.primes
            lo = 1 if node.lower is None else self.integer(node.lower)
            if node.upper is None:
                raise NotMatrix("a sum without an upper bound", node.pos)
            hi = self.integer(node.upper)
            total: Any = None
            saved = dict(self.bound)
            for v in range(lo, hi + 1):
                self.bound[name] = v
                term = self.value(node.body)
                total = term if total is None else _add(total, term, node)
            self.bound = saved
            return 0.0 if total is None else total
        raise NotMatrix(f"{type(node).__name__} among weight-space matrices", getattr(node, "pos", None))


def _written(node: ast.Symbol, sub: tuple[int, ...]) -> str:
    """The symbol as LaTeX, all of its head (bold, accent, primes: ``\\tilde{\\mathbf{M}}`` is not
    ``\\mathbf{M}``, nor ``\\mathbf{M}`` the scalar ``M``) with its subscripts at their values
    (``\\mathbf{b}_{3}``): the name of one drawn quantity."""
    head = str(replace(node, sub=()))
    return head + (f"_{{{', '.join(str(i) for i in sub)}}}" if sub else "")


def _negative(node: ast.Node) -> bool:
    return isinstance(node, ast.Add) and len(node.terms) == 1 and node.terms[0][0] < 0


def _negated(node: ast.Node) -> ast.Node:
    assert isinstance(node, ast.Add)
    return node.terms[0][1]


def _scalar_if_1x1(v: Any) -> Any:
    if not isinstance(v, float) and np.asarray(v).size == 1:
        return float(np.asarray(v).flat[0])
    return v


def _add(a: Any, b: Any, node: ast.Node) -> Any:
    if isinstance(a, float) != isinstance(b, float):
        raise NotMatrix("adds a scalar and a matrix or vector", getattr(node, "pos", None))
    if not isinstance(a, float) and np.shape(a) != np.shape(b):
        raise NotMatrix(f"adds shapes {np.shape(a)} and {np.shape(b)}", getattr(node, "pos", None))
    return a + b


def _mul(a: Any, b: Any, node: ast.Node) -> Any:
    if isinstance(a, float) or isinstance(b, float):
        return a * b
    if a.shape[1] != b.shape[0]:
        if a.size == 1 or b.size == 1:
            return _scalar_if_1x1(a) * _scalar_if_1x1(b)
        raise NotMatrix(f"multiplies shapes {a.shape} and {b.shape}", getattr(node, "pos", None))
    return a @ b
