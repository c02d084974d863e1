r"""Generic identities of weight-space matrices and vectors, decided on random matrices.

PRML §5.4.3 and §5.4.5 work with matrices of the weight space as wholes: the outer-product
approximation ``\mathbf{H}_N = \sum_n \mathbf{b}_n \mathbf{b}_n^T`` (5.86), its sequential
update ``\mathbf{H}_{L+1} = \mathbf{H}_L + \mathbf{b}_{L+1}\mathbf{b}_{L+1}^T`` (5.87) and the
Woodbury identity (5.88) behind the inverse update (5.89).  Such a statement holds for every
size of the weight space and every matrix and vector in it where both sides are defined; it is
checked here numerically on random instances — sizes W = 1 … 4, several draws, counts such as
N or L drawn too — never on one point.  A bold capital is a generic matrix (``\mathbf{I}`` the
identity), a bold lower-case letter a column vector (``\mathbf{b}_n`` one per data point), a
Greek or Latin letter without subscript a scalar; a matrix the document defined
(``\mathbf{H}_L = α\mathbf{I} + …``) is expanded with its parameter set to the subscript's value.
Matrices that are inverted are drawn symmetric positive definite, scalars positive.

>>> from symhess.notation.parser import parse_display
>>> ms = parse_display(r"(\mathbf{M} + \mathbf{v}\mathbf{v}^{T})^{-1} = \mathbf{M}^{-1} - "
...     r"\frac{(\mathbf{M}^{-1}\mathbf{v})(\mathbf{v}^{T}\mathbf{M}^{-1})}{1 + \mathbf{v}^{T}"
...     r"\mathbf{M}^{-1}\mathbf{v}}").statements[0].members
>>> decide_matrices(ms[0].expr, ms[1].expr, {}).verdict
'verified'
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    """``verified`` or ``failed`` with a counterexample (size, counts, the two values)."""

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
                return MatrixDecision(
                    "failed", f"differs at W = {W} (relative difference {err:.3g})",
                    {"sizes": {"W": W, **env.counts}, "left": float(a.flat[0]), "right": float(b.flat[0])})
    return MatrixDecision("verified", f"equal numerically on random matrices and vectors of the weight "
                          f"space, sizes W = 1–4, {tried} draws (counts such as N, L drawn too)")


def _as_array(v: Any) -> np.ndarray:
    return np.atleast_2d(np.asarray(v, dtype=float))


class _Env:
    def __init__(self, W: int, rng: np.random.Generator, defs: Definitions) -> None:
        self.W, self.rng, self.defs = W, rng, defs
        self.cache: dict[tuple[str, int | None], Any] = {}
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
        if not node.bold:
            if node.sub and node.name not in ("alpha", "beta", "lambda"):
                raise NotMatrix(f"{node} is not a weight-space quantity", node.pos)
            sub = tuple(self.integer(i) for i in node.sub)
            return self.draw(str(node.name) + str(sub), lambda: float(self.rng.uniform(0.5, 2.0)))
        if node.name == "I" and not node.sub:
            return np.eye(self.W)
        sub = tuple(self.integer(i) for i in node.sub)
        name = node.name + str(sub)
        if node.name.isupper() or node.name in ("Sigma", "Lambda"):
            return self.draw(name, self.spd)
        return self.draw(name, lambda: self.rng.normal(size=(self.W, 1)))

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
        a = self.rng.normal(size=(self.W, self.W))
        return a @ a.T + self.W * np.eye(self.W)

    def draw(self, name: str, make: Any) -> Any:
        k = (name, None)
        if k not in self.cache:
            self.cache[k] = make()
        return self.cache[k]

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
