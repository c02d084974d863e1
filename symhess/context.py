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

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from . import network as nw
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
        e = self.per_output(_A, _T)
        for _ in range(order):
            e = sp.diff(e, _A)
        return sp.simplify(e) if order else e

    def delta(self, a: sp.Expr, t: sp.Expr) -> sp.Expr:
        """δ_k = ∂E_n/∂a_k at a_k = a, t_k = t."""
        return self._derivative(1).xreplace({_A: a, _T: t})

    def transform(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with E_n, δ_k, M_kk', its third derivatives and y_k written out in a_k, t_k.

        M_kk' is diagonal because E_n is a sum of per-output terms.
        """
        d1, d2, d3 = (self._derivative(o) for o in (1, 2, 3))
        kk = nw.fresh("k", expr)
        e_n = sp.Sum(self.per_output(nw.A_OUT[kk], nw.T[kk]), (kk, 1, nw.SIZES["k"]))

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

        out = expr.xreplace({nw.E_N: e_n})
        return out.replace(lambda e: isinstance(e, sp.Indexed) and e.base in (nw.DELTA, nw.MM, nw.T3, nw.Y),
                           written)


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
        out = (lambda a: a) if g is None else (lambda a, g=g: g.xreplace({_A: a}))
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
    :mod:`symhess.matrices`.
    """

    definitions: dict[str, sp.Expr] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    symbols: dict[str, tuple[tuple[sp.Symbol, ...], Meaning, int]] = field(default_factory=dict)
    error: ErrorModel | None = None
    error_note: str | None = None
    user_error: UserError = field(default_factory=UserError)
    mappings: dict[str, tuple[sp.Expr, sp.Expr, int]] = field(default_factory=dict)
    named: dict[str, tuple[object, int]] = field(default_factory=dict)
    one_pattern: bool = False
    matrices: dict[str, tuple[tuple[str, ...], object]] = field(default_factory=dict)

    def copy(self) -> Setting:
        """A snapshot (the dictionaries copied, the values shared: they are immutable)."""
        return Setting(
            dict(self.definitions), dict(self.notes), dict(self.symbols), self.error,
            self.error_note, self.user_error, dict(self.mappings), dict(self.named), self.one_pattern,
            dict(self.matrices))

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
