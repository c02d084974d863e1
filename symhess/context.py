"""What a document puts in force while it is read: error models, definitions, conditions, mappings.

A reader's notes give their context the way the book does — a display that defines E, a
``\\tag{5.104}``, a condition in the justification or in the line of prose before a display,
"x_i → a x_i + b".  :mod:`symhess.check` reads a document from top to bottom and keeps a
:class:`Setting`; each step is interpreted and decided under the setting in force at its
line, and every piece of context that a verdict used is named in its ``assumptions``.

The network's error models are data (:data:`ERROR_MODELS`): each is one pattern's error as a
sum over the outputs of a per-output function of ``a_k`` and ``t_k`` (PRML 5.14 with linear
outputs, 5.21 with logistic outputs), so ``δ_k``, ``M_kk'`` and the third derivatives follow
by differentiation:

>>> sos = ERROR_MODELS["sum_of_squares"]
>>> sos.transform(nw.DELTA[nw.k] * nw.MM[nw.k, nw.kp])
(a2[k] - t[k])*KroneckerDelta(k, k')
>>> ce = ERROR_MODELS["cross_entropy"]
>>> sp.simplify(ce.delta(sp.Symbol("a"), sp.Symbol("t")) - (ce.output(sp.Symbol("a")) - sp.Symbol("t")))
0
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from . import network as nw
from .notation import ast
from .notation.interpret import Meaning

_A = sp.Dummy("a")
_T = sp.Dummy("t")


def logistic(a: sp.Expr) -> sp.Expr:
    """σ(a) = 1 / (1 + exp(−a)) (PRML 5.19).

    >>> logistic(sp.Integer(0))
    1/2
    """
    return 1 / (1 + sp.exp(-a))


@dataclass(frozen=True)
class ErrorModel:
    """One pattern's error E_n = Σ_k e(a_k, t_k) with outputs y_k = g(a_k).

    ``per_output`` is e(a, t) and ``output`` is g(a), both as functions of SymPy expressions.
    ``text`` is how a verdict names the model ("sum-of-squares error with linear outputs").
    """

    key: str
    text: str
    per_output: Callable[[sp.Expr, sp.Expr], sp.Expr]
    output: Callable[[sp.Expr], sp.Expr]
    linear_output: bool = True

    def _derivative(self, order: int) -> sp.Expr:
        return _derivatives(self)[order - 1] if order else self.per_output(_A, _T)

    def delta(self, a: sp.Expr, t: sp.Expr) -> sp.Expr:
        """δ_k = ∂E_n/∂a_k at a_k = a, t_k = t."""
        return self._derivative(1).xreplace({_A: a, _T: t})

    def transform(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with E_n, δ_k, M_kk', its third derivatives and y_k written out in a_k, t_k.

        M_kk' is diagonal because E_n is a sum of per-output terms.

        >>> ERROR_MODELS["sum_of_squares"].transform(nw.E_N + nw.Y[nw.k])
        a2[k] + Sum((a2[k'] - t[k'])**2/2, (k', 1, K))
        """
        d1, d2, d3 = _derivatives(self)

        def at(f: sp.Expr, k: sp.Expr) -> sp.Expr:
            return f.xreplace({_A: nw.A_OUT[k], _T: nw.T[k]})

        def written(e: sp.Indexed) -> sp.Expr:
            ix = e.indices
            if e.base == nw.DELTA:
                return at(d1, ix[0])
            if e.base == nw.MM:
                return at(d2, ix[0]) * sp.KroneckerDelta(ix[0], ix[1])
            if e.base == nw.T3:
                return at(d3, ix[0]) * sp.KroneckerDelta(ix[0], ix[1]) * sp.KroneckerDelta(ix[0], ix[2])
            return self.output(nw.A_OUT[ix[0]])

        out = expr
        if expr.has(nw.E_N):  # (most meanings do not hold E_n itself: no fresh index to find)
            out = expr.xreplace({nw.E_N: _error_sum(self, nw.fresh("k", expr))})
        # every δ_k, M_kk', T_kk'k'' and y_k written out at once (an Indexed's own indices
        # hold none of them, so this is what a bottom-up ``replace`` gives, in one walk less)
        found = {e: written(e) for e in out.atoms(sp.Indexed) if e.base in _WRITTEN_OUT}
        return out.xreplace(found) if found else out


_WRITTEN_OUT = frozenset((nw.DELTA, nw.MM, nw.T3, nw.Y))


@functools.lru_cache(maxsize=64)
def _derivatives(model: ErrorModel) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The model's first three derivatives of e(a, t) in a (memoised: every candidate of a
    suggestion search is transformed under the same model)."""
    e = model.per_output(_A, _T)
    return _derivative(e, 1), _derivative(e, 2), _derivative(e, 3)


@functools.lru_cache(maxsize=256)
def _error_sum(model: ErrorModel, kk: sp.Symbol) -> sp.Expr:
    """E_n = Σ_kk e(a_kk, t_kk)."""
    return sp.Sum(model.per_output(nw.A_OUT[kk], nw.T[kk]), (kk, 1, nw.SIZES["k"]))


@functools.lru_cache(maxsize=256)
def _derivative(e: sp.Expr, order: int) -> sp.Expr:
    """∂^order e / ∂a^order, simplified (e a per-output error in the dummies _A, _T).

    The book's two models are looked up in :func:`_simplified` (what ``sp.simplify`` gives,
    checked by the tests): simplifying them costs a quarter of a second per run.

    >>> _derivative((_A - _T) ** 2 / 2, 2)
    1
    """
    known = _simplified().get((e, order))
    if known is not None:
        return known
    for _ in range(order):
        e = sp.diff(e, _A)
    return sp.simplify(e) if order else e


ERROR_MODELS: dict[str, ErrorModel] = {
    "sum_of_squares": ErrorModel(
        "sum_of_squares", r"sum-of-squares error with linear outputs, $\delta_k = y_k - t_k$ (5.104)",
        lambda a, t: (a - t) ** 2 / 2, lambda a: a),
    "cross_entropy": ErrorModel(
        "cross_entropy", r"cross-entropy error with logistic outputs $y_k = \sigma(a_k)$ (5.21)",
        lambda a, t: -(t * sp.log(logistic(a)) + (1 - t) * sp.log(1 - logistic(a))),
        logistic, linear_output=False),
}
"""The book's error models for the network, by key (see :data:`symhess.catalogue.BOOK`)."""

@functools.lru_cache(maxsize=1)
def _simplified() -> dict[tuple[sp.Expr, int], sp.Expr]:
    """``sp.simplify(∂^n e/∂a^n)`` of the book's models, exactly as SymPy writes it
    (tests/test_context.py compares each with ``sp.simplify`` itself); built on first use."""
    ea = sp.exp(_A)
    sos = ERROR_MODELS["sum_of_squares"].per_output(_A, _T)
    ce = ERROR_MODELS["cross_entropy"].per_output(_A, _T)
    return {
        (sos, 1): _A - _T, (sos, 2): sp.S.One, (sos, 3): sp.S.Zero,
        (ce, 1): (-_T + (1 - _T) * ea) / (ea + 1),
        (ce, 2): ea / (sp.exp(2 * _A) + 2 * ea + 1),
        (ce, 3): (1 - ea) * ea / (sp.exp(3 * _A) + 3 * sp.exp(2 * _A) + 3 * ea + 1),
    }


@dataclass(frozen=True)
class UserError:
    """An error function the document defines: E_n in terms of y_k, t_k, with y_k = g(a_k)."""

    e_n: sp.Expr | None = None          # in terms of nw.Y[d], nw.T[d]
    output: sp.Expr | None = None       # g(a) in terms of the dummy _A
    line: int = 0

    def model(self) -> ErrorModel | None:
        """The model, when E_n is a sum over the outputs of a per-output term."""
        if self.e_n is None:
            return None
        per = _per_output(self.e_n)
        if per is None:
            return None
        g = self.output

        def out(a: sp.Expr, g: sp.Expr | None = g) -> sp.Expr:
            return a if g is None else g.xreplace({_A: a})

        return ErrorModel("defined", f"the error function defined at line {self.line}",
                          lambda a, t: per.xreplace({_A: out(a), _T: t}), out,
                          linear_output=g is None)


def _per_output(e_n: sp.Expr) -> sp.Expr | None:
    """e(y, t) with E_n = Σ_k e(y_k, t_k), in the dummies (_A for y, _T for t), or None."""
    coeff, rest = sp.S.One, e_n
    if isinstance(rest, sp.Mul):
        sums = [f for f in rest.args if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            return None
        coeff = sp.Mul(*[f for f in rest.args if f is not sums[0]])
        rest = sums[0]
    if not isinstance(rest, sp.Sum) or len(rest.limits) != 1 or coeff.free_symbols:
        return None
    d, lo, hi = rest.limits[0]
    if lo != 1 or hi != nw.SIZES["k"]:
        return None
    body = rest.function.xreplace({nw.Y[d]: _A, nw.T[d]: _T})
    if body.has(d) or any(isinstance(x, sp.Indexed) for x in body.atoms(sp.Indexed)):
        return None
    return coeff * body


def output_function(rhs: sp.Expr, k: sp.Symbol) -> sp.Expr | None:
    """g with y_k = g(a_k), from the right side of a definition ``y_k = …``, or None.

    >>> output_function(1 / (1 + sp.exp(-nw.A_OUT[nw.k])), nw.k) is not None
    True
    """
    g = rhs.xreplace({nw.A_OUT[k]: _A})
    if g.has(k) or any(isinstance(x, sp.Indexed) for x in g.atoms(sp.Indexed)):
        return None
    return g


@dataclass
class Setting:
    """The context in force at one point of a document (copied for each step's record).

    ``definitions``: name@domain → expression (E, in the data or integral setting);
    ``notes``: the same keys → the text a verdict shows; ``symbols``: a quantity the document
    defines (``\\tilde{E}``, ``\\hat{a}_j``, ``\\mathbf{H}_N``) → (parameters, meaning, line);
    ``error``: the network's error model in force (cited, tagged, defined or inferred) and
    ``error_note``; ``user_error``: what the document itself defined; ``mappings``: written
    name → the factor of a transformation ``w_{ji} → \\frac{1}{a} w_{ji}``; ``named``: a
    display named by a book tag with no relation (``\\tag{5.121}``) → its tree; ``matrices``:
    a weight-space matrix the document defined (``\\mathbf{H}_L``) → (parameters, tree), for
    :mod:`symhess.matrices`; ``bias_line``: the line that first wrote the bias unit (``w_{j0}``,
    ``x_0``, a sum from 0) — from then on every network step is decided with biases on.
    """

    definitions: dict[str, sp.Expr] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    symbols: dict[str, tuple[tuple[sp.Symbol, ...], Meaning, int]] = field(default_factory=dict)
    error: ErrorModel | None = None
    error_note: str | None = None
    user_error: UserError = field(default_factory=UserError)
    mappings: dict[str, tuple[sp.Expr, sp.Expr, int]] = field(default_factory=dict)
    named: dict[str, tuple[ast.Node, int]] = field(default_factory=dict)
    one_pattern: bool = False
    matrices: dict[str, tuple[tuple[str, ...], ast.Node | None]] = field(default_factory=dict)
    bias_line: int | None = None  # the line that first wrote the bias unit: biases in force after it
    bare_reading: bool | None = None  # this chain's bare Σ_i, Σ_j read from 0 (True) or 1 (False)
    lambda_written: bool = False  # a display (not a mapping) writes λ: the document has its own regulariser

    def copy(self) -> Setting:
        """A snapshot (the dictionaries copied, the values shared: they are immutable)."""
        return Setting(
            dict(self.definitions), dict(self.notes), dict(self.symbols), self.error,
            self.error_note, self.user_error, dict(self.mappings), dict(self.named), self.one_pattern,
            dict(self.matrices), self.bias_line, self.bare_reading, self.lambda_written)

    def error_model(self) -> tuple[ErrorModel | None, str | None]:
        """The network's error model in force and the note naming it."""
        if self.error is not None:
            return self.error, self.error_note
        m = self.user_error.model()
        if m is not None:
            return m, m.text
        return None, None


ONE_PATTERN_NOTE = ("E read as one pattern's error E_n (PRML §5.4.6): the document has no data "
                    "index, or its text says so")
__all__ = ["ERROR_MODELS", "ErrorModel", "ONE_PATTERN_NOTE", "Setting", "UserError", "logistic",
           "output_function"]
