"""PRML 5.96–5.111: Pearlmutter's operator R{·} = vᵀ∇ applied to backpropagation, derived.

``R{f}`` is *defined* here as the directional derivative
``d/dε f(w + ε v)|_{ε=0}`` (PRML 5.97). Applying that definition to the forward
equations 5.98–5.100, the backward equations 5.104–5.105 and the gradients
5.108–5.109 gives 5.101–5.103, 5.106–5.107 and 5.110–5.111. SymPy does the work:
each weight is lifted to ``w + ε v``, each layer quantity (``a_j``, ``z_j``, ``δ_k``, …)
becomes a function of ``ε``, the expression is differentiated by ``ε`` (SymPy's chain
and product rules) and ``dq/dε|_{ε=0}`` is written back as ``R{q}``.

Every result is checked three ways:

* symbolically for symbolic sizes D, M, K against the textbook statement
  (verdict ``proved``);
* symbolically at concrete sizes, with an unspecified activation ``h``: the textbook
  formula, expanded down to weights, against ``vᵀ∇q`` computed by differentiating the
  written-out network (for 5.110–5.111 the gradient is SymPy's ``∂E/∂w``, so ``vᵀ∇``
  of it is the Hessian times ``v``);
* numerically, lambdified, with biases on and off, for tanh, logistic sigmoid, softplus
  and a random smooth activation, against the brute-force SymPy Hessian times ``v``
  (and against :mod:`symhess.numeric` when that module is present).

This module also holds the small LaTeX printer in PRML's notation and the
unspecified activation family ``h, h', h''`` that :mod:`symhess.derive.skip` and
:mod:`symhess.derive.priors` reuse.

>>> r = derive_equation("5.102")
>>> r.verdict, r.steps[-1].latex
('proved', "h'\\\\left(a_{j}\\\\right) \\\\mathcal{R}\\\\{a_{j}\\\\}")
"""

from __future__ import annotations

import functools
import time
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy import Indexed, IndexedBase, Sum
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

from ..catalogue import Entry, register
from ..errors import DerivationError
from ..results import DerivationResult, NumericCheck, Step, Verdict

__all__ = [
    "ACTIVATION_FAMILY",
    "Activation",
    "CORRESPONDENCE_NUMBERS",
    "PRMLLatexPrinter",
    "RDerivation",
    "canonical",
    "correspondence",
    "derive_equation",
    "derive_r",
    "h",
    "hp",
    "hpp",
    "numpy_activation",
    "r_operator",
    "vanishes",
]

# ---------------------------------------------------------------------------
# The unspecified activation h and its derivatives
# ---------------------------------------------------------------------------


class Activation(sp.Function):
    """``h^{(n)}``: the n-th derivative of an unspecified smooth activation ``h``.

    Differentiating one member gives the next, so SymPy's chain rule produces
    ``h'``, ``h''`` without any ``Subs`` objects.

    >>> u = sp.Symbol("u")
    >>> h(u**2).diff(u)
    2*u*hp(u**2)
    >>> sp.latex(hpp(u))
    "h''\\\\left(u\\\\right)"
    """

    order = 0
    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if self.order + 1 >= len(ACTIVATION_FAMILY):
            raise DerivationError(f"derivative of h of order {self.order + 1} is not provided")
        return ACTIVATION_FAMILY[self.order + 1](self.args[0])

    def _latex(self, printer: LatexPrinter, exp: str | None = None) -> str:
        name = "h" + "'" * self.order if self.order <= 3 else f"h^{{({self.order})}}"
        tex = f"{name}\\left({printer._print(self.args[0])}\\right)"
        return tex if exp is None else f"{tex}^{{{exp}}}"


ACTIVATION_FAMILY: tuple[type[Activation], ...] = tuple(
    type(name, (Activation,), {"order": n, "__module__": __name__})
    for n, name in enumerate(("h", "hp", "hpp", "hppp", "hpppp", "hppppp"))
)
h, hp, hpp = ACTIVATION_FAMILY[:3]

_U = sp.Symbol("u")

#: Concrete activations as SymPy expressions of ``u`` (their derivatives are taken by SymPy).
CONCRETE_ACTIVATIONS: dict[str, sp.Expr] = {
    "tanh": sp.tanh(_U),
    "logistic": 1 / (1 + sp.exp(-_U)),
    "softplus": sp.log(1 + sp.exp(_U)),
}


def random_activation(rng: np.random.Generator) -> sp.Expr:
    """A random smooth activation ``α sin(βu) + γ u + κ u²`` with seeded coefficients.

    >>> e = random_activation(np.random.default_rng(0))
    >>> sorted(str(s) for s in e.free_symbols)
    ['u']
    """
    al, be, ga, ka = (float(c) for c in rng.uniform(0.3, 1.2, size=4))
    return al * sp.sin(be * _U) + ga * _U + ka * _U**2 / 4


def numpy_activation(expr: sp.Expr, orders: int = 4) -> dict[str, Callable[[object], object]]:
    """NumPy functions for ``h, h', h'', …`` of the activation ``expr`` (a function of ``u``).

    The names are those of :data:`ACTIVATION_FAMILY`, for ``lambdify``'s ``modules``.

    >>> f = numpy_activation(CONCRETE_ACTIVATIONS["tanh"])
    >>> round(float(f["hp"](0.0)), 12)
    1.0
    """
    out: dict[str, Callable[[object], object]] = {}
    for n in range(orders + 1):
        deriv = sp.diff(expr, _U, n)
        fn = sp.lambdify([_U], deriv, modules="numpy")
        out[ACTIVATION_FAMILY[n].__name__] = fn if deriv.has(_U) else _constant(float(deriv))
    return out


def _constant(value: float) -> Callable[[object], object]:
    """A vectorised constant function (a derivative that no longer depends on ``u``)."""

    def f(u: object) -> object:
        return np.full_like(np.asarray(u, dtype=float), value)

    return f


# ---------------------------------------------------------------------------
# LaTeX in PRML's notation
# ---------------------------------------------------------------------------

EPS = sp.Symbol("epsilon")


class Rop(sp.Function):
    """``R{expr}`` left unevaluated, for display only.

    >>> sp.latex(Rop(sp.Symbol("a")))
    '\\\\mathcal{R}\\\\left\\\\{a\\\\right\\\\}'
    """

    nargs = 1

    def _latex(self, printer: LatexPrinter, exp: str | None = None) -> str:
        tex = f"\\mathcal{{R}}\\left\\{{{printer._print(self.args[0])}\\right\\}}"
        return tex if exp is None else f"\\left({tex}\\right)^{{{exp}}}"


class PRMLLatexPrinter(LatexPrinter):
    """LaTeX as PRML writes it: ``w_{ji}`` for an indexed weight, ``\\sum_{i}`` without limits,
    ``I_{jj'}`` for Kronecker deltas, ``a_{j}(\\epsilon)`` for a lifted layer quantity.

    ``templates`` maps an :class:`~sympy.IndexedBase` label (or a lifted function name) to a
    ``%``-template that receives the concatenated index string.

    >>> w = IndexedBase("w1"); j, i = sp.symbols("j i")
    >>> PRMLLatexPrinter({"w1": "w_{%s}"}).doprint(Sum(w[j, i], (i, 1, 3)))
    '\\\\sum_{i} w_{ji}'
    """

    def __init__(self, templates: Mapping[str, str], settings: dict[str, object] | None = None):
        super().__init__({"order": "rev-lex", **(settings or {})})
        self._templates = dict(templates)

    def _factor_rank(self, f: sp.Basic) -> tuple[int, str]:
        """PRML's habit inside a product: h-derivatives, weights, plain quantities, R{·}, sums."""
        if f == EPS:
            return (-1, "")
        if isinstance(f, (Activation, sp.Symbol)):
            return (0, "")
        if isinstance(f, Indexed):
            name = f.base.label.name
            if name[:1] in ("w", "v"):
                return (1, name)
            return (3, "") if name.startswith("R") else (2, "")
        if isinstance(f, Sum):
            return (4, "")
        return (2, "")

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, factors = expr.as_coeff_mul()
        if any(f.is_Pow and f.exp.is_negative for f in factors) or not factors:
            return super()._print_Mul(expr)
        ordered = sorted(factors, key=self._factor_rank)  # stable: ties keep SymPy's order
        parts = []
        for f in ordered:
            tex = self._print(f)
            parts.append(f"\\left({tex}\\right)" if isinstance(f, sp.Add) else tex)
        body = " ".join(parts)
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return f"{self._print(coeff)} {body}"

    def _index_string(self, indices: Iterable[sp.Basic]) -> str:
        return "".join(self._print(i) for i in indices)

    def _print_Indexed(self, expr: Indexed) -> str:
        name = expr.base.label.name
        idx = self._index_string(expr.indices)
        tmpl = self._templates.get(name)
        return f"{name}_{{{idx}}}" if tmpl is None else tmpl % idx

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        if isinstance(expr, AppliedUndef) and expr.func.__name__ in self._templates:
            if expr.args and expr.args[-1] == EPS:
                tex = self._templates[expr.func.__name__] % self._index_string(expr.args[:-1])
                tex += r"(\epsilon)"
                return tex if exp is None else f"{tex}^{{{exp}}}"
        return super()._print_Function(expr, exp)

    def _print_Sum(self, expr: Sum) -> str:
        tex = "".join(f"\\sum_{{{self._print(lim[0])}}} " for lim in reversed(expr.limits))
        body = expr.function
        if isinstance(body, sp.Add):
            return tex + f"\\left({self._print(body)}\\right)"
        return tex + self._print(body)

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: str | None = None) -> str:
        tex = f"I_{{{self._index_string(expr.args)}}}"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def _print_Subs(self, expr: sp.Subs) -> str:
        inner, old, new = expr.args
        if isinstance(inner, sp.Derivative) and tuple(old) == (EPS,) and len(inner.variables) == 1:
            return (
                f"\\left.\\frac{{d}}{{d\\epsilon}}\\left[{self._print(inner.expr)}\\right]"
                f"\\right|_{{\\epsilon={self._print(new[0])}}}"
            )
        return super()._print_Subs(expr)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        variables = [v for v, n in expr.variable_count for _ in range(int(n))]
        num = "\\partial" if len(variables) == 1 else f"\\partial^{{{len(variables)}}}"
        den = " ".join(f"\\partial {self._print(v)}" for v in variables)
        inner = expr.expr
        if isinstance(inner, (Indexed, sp.Symbol)):
            return f"\\frac{{{num} {self._print(inner)}}}{{{den}}}"
        return f"\\frac{{{num}}}{{{den}}}\\left({self._print(inner)}\\right)"


# ---------------------------------------------------------------------------
# Canonical forms: sums split, factors pulled out, dummies renamed
# ---------------------------------------------------------------------------


def _sum_height(expr: sp.Basic) -> int:
    if not expr.args:
        return 0
    inner = max((_sum_height(a) for a in expr.args), default=0)
    return inner + 1 if isinstance(expr, Sum) else inner


def _split_sum(expr: Sum, rename: bool) -> sp.Expr:
    """Split one (possibly multi-limit) sum over ``+`` and pull out the factors that depend
    on none of its summation variables; with ``rename`` give the variables canonical names."""
    body = expr.function
    limits = [tuple(lim) for lim in expr.limits]
    if rename:
        height = _sum_height(body)
        fresh = [
            sp.Symbol(f"_s{height}_{pos}_{lim[2]}", integer=True) for pos, lim in enumerate(limits)
        ]
        body = body.xreplace({lim[0]: new for lim, new in zip(limits, fresh)})
        limits = [(new, lo, hi) for new, (_, lo, hi) in zip(fresh, limits)]
    variables = [lim[0] for lim in limits]
    body = sp.expand(body)
    terms = body.args if isinstance(body, sp.Add) else (body,)
    out = sp.S.Zero
    for term in terms:
        factors = term.args if isinstance(term, sp.Mul) else (term,)
        dep = [f for f in factors if any(f.has(v) for v in variables)]
        indep = [f for f in factors if not any(f.has(v) for v in variables)]
        if not dep:
            count = sp.Mul(*((hi - lo + 1) for _, lo, hi in limits))
            out += sp.Mul(*indep) * count
        else:
            out += sp.Mul(*indep) * Sum(sp.Mul(*dep), *limits)
    return out


def _tidy(expr: sp.Basic, rename: bool) -> sp.Expr:
    if not expr.args or isinstance(expr, (Indexed, sp.Symbol)):
        return expr
    if isinstance(expr, Sum):
        body = _tidy(expr.function, rename)
        return _split_sum(Sum(body, *expr.limits), rename)
    return expr.func(*(_tidy(a, rename) for a in expr.args))


def split_sums(expr: sp.Expr) -> sp.Expr:
    """Sums split over ``+`` and factors that do not depend on the summation index pulled out.

    >>> k, K = sp.symbols("k K"); d, w = IndexedBase("d"), IndexedBase("w")
    >>> vanishes(split_sums(Sum(2 * (w[k] * d[k] + d[k]), (k, 1, K)))
    ...          - 2 * Sum(d[k], (k, 1, K)) - 2 * Sum(d[k] * w[k], (k, 1, K)))
    True
    >>> split_sums(Sum(2 * d[k], (k, 1, K)))
    2*Sum(d[k], (k, 1, K))
    """
    return sp.expand(_tidy(sp.expand(expr), rename=False))


def canonical(expr: sp.Expr) -> sp.Expr:
    """A canonical form for comparing index expressions: :func:`split_sums` with summation
    dummies renamed by range and nesting depth, so ``Σ_k w_k`` and ``Σ_{k'} w_{k'}`` agree.

    >>> k, kp, K = sp.symbols("k k' K"); w = IndexedBase("w")
    >>> canonical(Sum(w[k], (k, 1, K)) - Sum(w[kp], (kp, 1, K)))
    0
    """
    once = sp.expand(_tidy(sp.expand(expr), rename=True))
    return sp.expand(_tidy(once, rename=True))


def vanishes(expr: sp.Expr) -> bool:
    """Whether ``expr`` is identically zero after :func:`canonical` (no structural ``==``).

    >>> k, K = sp.symbols("k K"); w = IndexedBase("w")
    >>> vanishes(Sum(2 * w[k], (k, 1, K)) - 2 * Sum(w[k], (k, 1, K)))
    True
    """
    return canonical(expr).is_zero is True


# ---------------------------------------------------------------------------
# The two-layer network of PRML 5.98–5.109 (no explicit biases; x_0 = z_0 = 1 absorb them)
# ---------------------------------------------------------------------------

D, M, K = sp.symbols("D M K", integer=True, positive=True)
# Lower summation limits: 1 without biases, 0 with the bias units x_0 = z_0 = 1.
LO_I, LO_J = sp.symbols("lo_i lo_j", integer=True, nonnegative=True)
i, j, k = sp.symbols("i j k", integer=True, nonnegative=True)

x, t = IndexedBase("x"), IndexedBase("t")
w1, w2, v1, v2 = (IndexedBase(n) for n in ("w1", "w2", "v1", "v2"))
a, z, y = (IndexedBase(n) for n in ("a", "z", "y"))
dk, dj = IndexedBase("dk"), IndexedBase("dj")
g1, g2 = IndexedBase("g1"), IndexedBase("g2")
Ra, Rz, Ry, Rdk, Rdj, Rg1, Rg2 = (
    IndexedBase("R" + n) for n in ("a", "z", "y", "dk", "dj", "g1", "g2")
)

#: Weight base -> the base of its direction component in v.
WEIGHTS: dict[IndexedBase, IndexedBase] = {w1: v1, w2: v2}
#: Layer quantity -> the base that holds R{quantity}.
LAYERS: dict[IndexedBase, IndexedBase] = {a: Ra, z: Rz, y: Ry, dk: Rdk, dj: Rdj, g1: Rg1, g2: Rg2}

_PLAIN = {
    "x": "x_{%s}",
    "t": "t_{%s}",
    "w1": "w_{%s}",
    "w2": "w_{%s}",
    "v1": "v_{%s}",
    "v2": "v_{%s}",
    "a": "a_{%s}",
    "z": "z_{%s}",
    "y": "y_{%s}",
    "dk": "\\delta_{%s}",
    "dj": "\\delta_{%s}",
    "g1": "\\frac{\\partial E_n}{\\partial w_{%s}}",
    "g2": "\\frac{\\partial E_n}{\\partial w_{%s}}",
}
TEMPLATES: dict[str, str] = dict(_PLAIN)
TEMPLATES.update(
    {"R" + n: f"\\mathcal{{R}}\\{{{_PLAIN[n]}\\}}" for n in ("a", "z", "y", "dk", "dj")}
)
TEMPLATES.update(
    {
        "Rg1": "\\mathcal{R}\\left\\{\\frac{\\partial E_n}{\\partial w_{%s}}\\right\\}",
        "Rg2": "\\mathcal{R}\\left\\{\\frac{\\partial E_n}{\\partial w_{%s}}\\right\\}",
    }
)

_PRINTER = PRMLLatexPrinter(TEMPLATES)


def latex(expr: sp.Basic) -> str:
    """``expr`` in PRML's notation.

    >>> latex(Ra[j])
    '\\\\mathcal{R}\\\\{a_{j}\\\\}'
    """
    return _PRINTER.doprint(expr)


@dataclass(frozen=True)
class Definition:
    """``lhs = rhs``, one numbered equation of the network (a premise or a statement)."""

    number: str
    lhs: Indexed
    rhs: sp.Expr

    def latex(self) -> str:
        """``lhs = rhs`` in PRML's notation."""
        return f"{latex(self.lhs)} = {latex(self.rhs)}"


#: The forward (5.98–5.100), backward (5.104–5.105) and gradient (5.108–5.109) equations.
PREMISES: dict[str, Definition] = {
    d.number: d
    for d in (
        Definition("5.98", a[j], Sum(w1[j, i] * x[i], (i, LO_I, D))),
        Definition("5.99", z[j], h(a[j])),
        Definition("5.100", y[k], Sum(w2[k, j] * z[j], (j, LO_J, M))),
        Definition("5.104", dk[k], y[k] - t[k]),
        Definition("5.105", dj[j], hp(a[j]) * Sum(w2[k, j] * dk[k], (k, 1, K))),
        Definition("5.108", g2[k, j], dk[k] * z[j]),
        Definition("5.109", g1[j, i], dj[j] * x[i]),
    )
}

#: PRML's statements 5.101–5.111: only what the derivations are compared against.
TEXTBOOK: dict[str, Definition] = {
    d.number: d
    for d in (
        Definition("5.101", Ra[j], Sum(v1[j, i] * x[i], (i, LO_I, D))),
        Definition("5.102", Rz[j], hp(a[j]) * Ra[j]),
        Definition(
            "5.103",
            Ry[k],
            Sum(w2[k, j] * Rz[j], (j, LO_J, M)) + Sum(v2[k, j] * z[j], (j, LO_J, M)),
        ),
        Definition("5.106", Rdk[k], Ry[k]),
        Definition(
            "5.107",
            Rdj[j],
            hpp(a[j]) * Ra[j] * Sum(w2[k, j] * dk[k], (k, 1, K))
            + hp(a[j]) * Sum(v2[k, j] * dk[k], (k, 1, K))
            + hp(a[j]) * Sum(w2[k, j] * Rdk[k], (k, 1, K)),
        ),
        Definition("5.110", Rg2[k, j], Rdk[k] * z[j] + dk[k] * Rz[j]),
        Definition("5.111", Rg1[j, i], x[i] * Rdj[j]),
    )
}

#: Which premise each R-equation is derived from (the handout's side-by-side pairs use some).
SOURCE: dict[str, str] = {
    "5.101": "5.98",
    "5.102": "5.99",
    "5.103": "5.100",
    "5.106": "5.104",
    "5.107": "5.105",
    "5.110": "5.108",
    "5.111": "5.109",
}
#: The correspondences the seed handout (§1.5) and PRML point out.
CORRESPONDENCE_NUMBERS: tuple[tuple[str, str], ...] = (
    ("5.98", "5.101"),
    ("5.99", "5.102"),
    ("5.100", "5.103"),
    ("5.108", "5.110"),
    ("5.109", "5.111"),
)

_TITLES = {
    "5.101": "R-forward: hidden pre-activations",
    "5.102": "R-forward: hidden unit outputs",
    "5.103": "R-forward: network outputs",
    "5.106": "R-backward: output errors",
    "5.107": "R-backward: hidden errors",
    "5.110": "R of the gradient, second-layer weights",
    "5.111": "R of the gradient, first-layer weights",
}

# ---------------------------------------------------------------------------
# The R operator
# ---------------------------------------------------------------------------


def _lifted_function(base: IndexedBase) -> type[sp.Function]:
    return sp.Function(base.label.name)


def lift(expr: sp.Expr) -> sp.Expr:
    """``expr`` along the line ``w + εv``: weights become ``w + ε v``, layer quantities
    become functions of ``ε``; inputs and targets stay fixed.

    >>> lift(a[j] * w2[k, j])
    (epsilon*v2[k, j] + w2[k, j])*a(j, epsilon)
    """

    def is_moving(e: sp.Basic) -> bool:
        return isinstance(e, Indexed) and (e.base in WEIGHTS or e.base in LAYERS)

    def move(e: Indexed) -> sp.Expr:
        if e.base in WEIGHTS:
            return e + EPS * WEIGHTS[e.base][e.indices]
        return _lifted_function(e.base)(*e.indices, EPS)

    return expr.replace(is_moving, move)


def lower(expr: sp.Expr) -> sp.Expr:
    """Back from the line at ``ε = 0``: ``dq(ε)/dε`` becomes ``R{q}`` and ``q(ε)`` becomes ``q``."""
    by_name = {b.label.name: b for b in LAYERS}

    def is_rate(e: sp.Basic) -> bool:
        return (
            isinstance(e, sp.Derivative)
            and isinstance(e.expr, AppliedUndef)
            and e.expr.func.__name__ in by_name
            and e.variables == (EPS,)
        )

    out = expr.replace(is_rate, lambda e: LAYERS[by_name[e.expr.func.__name__]][e.expr.args[:-1]])
    if out.has(sp.Derivative):
        raise DerivationError(f"higher derivative along the line left over in {out}")
    out = out.replace(
        lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in by_name,
        lambda e: by_name[e.func.__name__][e.args[:-1]],
    )
    return out.xreplace({EPS: sp.S.Zero})


def r_operator(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``R{expr}`` by its definition ``d/dε expr(w + εv)|_{ε=0}``.

    Returns the unevaluated definition (for display) and the evaluated result, in which
    ``R{q}`` of every layer quantity ``q`` stands as such.

    >>> shown, value = r_operator(w2[k, j] * z[j])
    >>> value
    Rz[j]*w2[k, j] + v2[k, j]*z[j]
    """
    lifted = lift(expr)
    shown = sp.Subs(sp.Derivative(lifted, EPS), EPS, 0)
    return shown, lower(sp.diff(lifted, EPS))


def _rules_used(lifted: sp.Expr) -> str:
    """Which rules differentiating ``lifted`` along ε uses, read off its structure."""
    rules = []
    if any(f.args[0].has(EPS) for f in lifted.atoms(Activation)):
        rules.append("chain rule")
    moving = [m for m in lifted.atoms(sp.Mul) if sum(1 for f in m.args if f.has(EPS)) >= 2]
    if moving:
        rules.append("product rule")
    if lifted.has(Sum):
        rules.append("derivative of a sum")
    rules.append("w + epsilon v at epsilon = 0")
    return ", ".join(rules)


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RDerivation:
    """The step chain of one R-equation and the expression it arrives at."""

    number: str
    steps: tuple[Step, ...]
    derived: sp.Expr
    proved: bool


@functools.cache
def derive_r(number: str) -> RDerivation:
    """Derive R-equation ``number`` (``"5.101"`` …) from its premise, symbolic sizes.

    >>> d = derive_r("5.106")
    >>> d.derived, d.proved
    (Ry[k], True)
    """
    if number not in SOURCE:
        raise DerivationError(f"no R-equation {number}; known: {', '.join(SOURCE)}")
    premise = PREMISES[SOURCE[number]]
    target = TEXTBOOK[number]
    shown, value = r_operator(premise.rhs)
    steps = [
        Step(latex(target.lhs), None, ""),
        Step(latex(Rop(premise.rhs)), f"({premise.number})"),
        Step(latex(shown), "definition of R (5.97)"),
        Step(latex(value), _rules_used(lift(premise.rhs))),
    ]
    tidy = split_sums(value)
    if latex(tidy) != steps[-1].latex:
        steps.append(Step(latex(tidy), "linearity of the sum"))
    proved = vanishes(tidy - target.rhs)
    return RDerivation(number, tuple(steps), tidy, proved)


def correspondence() -> tuple[tuple[str, str], ...]:
    """The side-by-side pairs (forward LaTeX, derived R LaTeX) of :data:`CORRESPONDENCE_NUMBERS`.

    >>> fwd, rr = correspondence()[0]
    >>> fwd
    'a_{j} = \\\\sum_{i} w_{ji} x_{i}'
    >>> rr
    '\\\\mathcal{R}\\\\{a_{j}\\\\} = \\\\sum_{i} v_{ji} x_{i}'
    """
    pairs = []
    for fwd, rnum in CORRESPONDENCE_NUMBERS:
        d = derive_r(rnum)
        pairs.append((PREMISES[fwd].latex(), f"{latex(TEXTBOOK[rnum].lhs)} = {latex(d.derived)}"))
    return tuple(pairs)


# ---------------------------------------------------------------------------
# Concrete sizes: the textbook chain written out, against v^T grad by brute force
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Concrete:
    """Concrete sizes and whether the bias units x_0 = z_0 = 1 are present."""

    D: int
    M: int
    K: int
    bias: bool

    @property
    def lo(self) -> int:
        return 0 if self.bias else 1

    def as_dict(self) -> dict[str, int]:
        return {"D": self.D, "M": self.M, "K": self.K, "bias": int(self.bias)}

    def weights(self) -> list[Indexed]:
        """Every weight, first layer then second, in the order of the flat vector."""
        first = [w1[jj, ii] for jj in range(1, self.M + 1) for ii in range(self.lo, self.D + 1)]
        second = [w2[kk, jj] for kk in range(1, self.K + 1) for jj in range(self.lo, self.M + 1)]
        return first + second

    def direction(self, weight: Indexed) -> Indexed:
        return WEIGHTS[weight.base][weight.indices]


def _substitute(expr: sp.Expr, defs: Mapping[IndexedBase, Definition], c: Concrete) -> sp.Expr:
    """Write ``expr`` out at sizes ``c`` by substituting the definitions until only weights,
    directions, inputs and targets remain."""
    limits = {D: c.D, M: c.M, K: c.K, LO_I: c.lo, LO_J: c.lo}
    out = expr.xreplace(limits)
    for _ in range(12):
        if c.bias:
            out = out.replace(
                lambda e: isinstance(e, Indexed) and e.base in (x, z, Rz) and e.indices == (0,),
                lambda e: sp.S.One if e.base in (x, z) else sp.S.Zero,
            )
        layered = [q for q in out.atoms(Indexed) if q.base in defs]
        if not layered:
            return out
        repl = {}
        for q in layered:
            d = defs[q.base]
            repl[q] = d.rhs.xreplace(dict(zip(d.lhs.indices, q.indices))).xreplace(limits)
        out = out.xreplace(repl).doit()
    raise DerivationError(f"definitions did not bottom out for {expr}")


_FORWARD_DEFS = {d.lhs.base: d for d in PREMISES.values()}
_UNR = {r: b for b, r in LAYERS.items()}


def _textbook_defs(replace: Definition | None = None) -> dict[IndexedBase, Definition]:
    """Premises and PRML's R-statements by defined base; ``replace`` swaps one statement."""
    stmts = {d.number: d for d in TEXTBOOK.values()}
    if replace is not None:
        stmts[replace.number] = replace
    return {**_FORWARD_DEFS, **{d.lhs.base: d for d in stmts.values()}}


@functools.cache
def _error(c: Concrete) -> sp.Expr:
    """E_n = ½ Σ_k (y_k − t_k)² written out (sum-of-squares with linear outputs, PRML 5.104)."""
    return sp.Rational(1, 2) * sum(
        (_substitute(y[kk], _FORWARD_DEFS, c) - t[kk]) ** 2 for kk in range(1, c.K + 1)
    )


@functools.cache
def _gradient(c: Concrete) -> dict[Indexed, sp.Expr]:
    """∂E_n/∂w for every weight, by SymPy from the written-out error (not from 5.108–5.109)."""
    err = _error(c)
    return {wr: sp.diff(err, wr) for wr in c.weights()}


def _jvp(expr: sp.Expr, c: Concrete) -> sp.Expr:
    """``vᵀ∇ expr``: the gradient by SymPy, dotted with the direction."""
    return sp.Add(*(sp.diff(expr, wr) * c.direction(wr) for wr in c.weights()))


def _index_sets(number: str, c: Concrete) -> list[tuple[int, ...]]:
    """Every index value of R-equation ``number`` at sizes ``c`` (coincident ones included)."""
    hidden, outputs = range(1, c.M + 1), range(1, c.K + 1)
    if number in ("5.101", "5.102", "5.107"):
        return [(jj,) for jj in hidden]
    if number in ("5.103", "5.106"):
        return [(kk,) for kk in outputs]
    if number == "5.110":
        return [(kk, jj) for kk in outputs for jj in range(c.lo, c.M + 1)]
    return [(jj, ii) for jj in hidden for ii in range(c.lo, c.D + 1)]


def _instances(
    number: str, c: Concrete, replace: Definition | None = None
) -> list[tuple[sp.Expr, sp.Expr]]:
    """Pairs (textbook formula written out, vᵀ∇ of the quantity by brute force) for every
    index value of R-equation ``number`` at sizes ``c``.

    The textbook side substitutes PRML's own statements (5.101–5.111) down to weights; the
    brute-force side differentiates the written-out quantity (for 5.110–5.111: SymPy's
    ``∂E_n/∂w``, so that ``vᵀ∇`` of it is a row of ``Hv``). ``replace`` substitutes a
    statement of one's own for PRML's (to see a wrong one fail)."""
    stmt = TEXTBOOK[number]
    defs = _textbook_defs(replace)
    pairs = []
    for idx in _index_sets(number, c):
        ours = _substitute(stmt.lhs.base[idx], defs, c)
        if number == "5.110":
            quantity = _gradient(c)[w2[idx]]
        elif number == "5.111":
            quantity = _gradient(c)[w1[idx]]
        else:
            quantity = _substitute(_UNR[stmt.lhs.base][idx], _FORWARD_DEFS, c)
        pairs.append((ours, _jvp(quantity, c)))
    return pairs


def statement_residual(number: str, rhs: sp.Expr, c: Concrete, seed: int = 0) -> float:
    """Largest |written-out ``rhs`` − vᵀ∇q| at one random point (tanh), with ``rhs`` standing
    in for PRML's statement ``number``; about 1e-16 for a true statement.

    >>> c = Concrete(2, 2, 2, False)
    >>> statement_residual("5.102", TEXTBOOK["5.102"].rhs, c) < 1e-12
    True
    >>> statement_residual("5.102", Ra[j], c) > 1e-3        # h'(a_j) dropped
    True
    """
    stmt = TEXTBOOK[number]
    pairs = _instances(number, c, Definition(number, stmt.lhs, rhs))
    fn = sp.lambdify(_ARGS, [p[0] - p[1] for p in pairs], modules=[_ACT_PLACEHOLDER, "numpy"])
    act = numpy_activation(CONCRETE_ACTIVATIONS["tanh"])
    pt = _random_point(c, np.random.default_rng(seed))
    return float(np.max(np.abs(np.asarray(bind_activation(fn, act)(*pt), float))))


SYMBOLIC_SIZES = (Concrete(1, 1, 1, False), Concrete(2, 2, 2, True))
NUMERIC_SIZES = (
    Concrete(1, 1, 1, False),
    Concrete(1, 1, 1, True),
    Concrete(2, 2, 2, True),
    Concrete(2, 3, 2, False),
)
#: A larger instance for the tests (all sizes >= 2, one of them 3, biases on).
EXTRA_SIZES = (Concrete(3, 2, 3, True),)
_ARGS = [w1, w2, v1, v2, x, t]


@functools.cache
def _symbolic_concrete(number: str, c: Concrete) -> bool:
    """Whether the written-out textbook formula equals vᵀ∇q for an unspecified h."""
    return all(sp.expand(ours - brute).is_zero is True for ours, brute in _instances(number, c))


@functools.cache
def _lambdified(number: str, c: Concrete) -> tuple[Callable[..., object], Callable[..., object]]:
    pairs = _instances(number, c)
    ours = sp.lambdify(_ARGS, [p[0] for p in pairs], modules=[_ACT_PLACEHOLDER, "numpy"], cse=True)
    brute = sp.lambdify(_ARGS, [p[1] for p in pairs], modules=[_ACT_PLACEHOLDER, "numpy"], cse=True)
    return ours, brute


@functools.cache
def _hessian_lambdified(c: Concrete) -> tuple[Callable[..., object], Callable[..., object]]:
    """(R{∇E_n} from 5.110–5.111 written out, the full SymPy Hessian of E_n), lambdified.

    The R-vector is laid out like the weight vector: first layer ``w_ji`` row-major, then the
    second layer ``w_kj`` (the layout of :mod:`symhess.numeric`)."""
    rvec = []
    for wr in c.weights():
        base = Rg1 if wr.base == w1 else Rg2
        rvec.append(_substitute(base[wr.indices], _textbook_defs(), c))
    hess = sp.hessian(_error(c), c.weights())
    mods = [_ACT_PLACEHOLDER, "numpy"]
    return (
        sp.lambdify(_ARGS, rvec, modules=mods, cse=True),
        sp.lambdify(_ARGS, hess, modules=mods, cse=True),
    )


# The lambdified code calls h, hp, hpp by name; :func:`bind_activation` supplies a concrete activation.
_ACT_PLACEHOLDER: dict[str, Callable[[object], object]] = {}


def bind_activation(
    fn: Callable[..., object], act: Mapping[str, Callable[[object], object]]
) -> Callable[..., object]:
    """A copy of the lambdified ``fn`` whose ``h, hp, hpp, …`` are those of ``act``."""
    code = fn.__code__  # type: ignore[attr-defined]
    return types.FunctionType(code, {**fn.__globals__, **act}, fn.__name__)  # type: ignore[attr-defined]


def _random_point(c: Concrete, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Arrays for (w1, w2, v1, v2, x, t), indexed like PRML's symbols (row/column 0 = bias)."""
    shape1 = (c.M + 1, c.D + 1)
    shape2 = (c.K + 1, c.M + 1)
    return (
        rng.normal(size=shape1),
        rng.normal(size=shape2),
        rng.normal(size=shape1),
        rng.normal(size=shape2),
        rng.normal(size=c.D + 1),
        rng.normal(size=c.K + 1),
    )


def _rel(ours: np.ndarray, ref: np.ndarray) -> float:
    """Largest absolute difference relative to the reference's scale (at least 1)."""
    scale = max(1.0, float(np.max(np.abs(ref))))
    return float(np.max(np.abs(np.asarray(ours) - np.asarray(ref)))) / scale


def activations(seed: int = 5) -> dict[str, sp.Expr]:
    """The activations the numeric checks range over: tanh, logistic, softplus, random.

    >>> sorted(activations())
    ['logistic', 'random', 'softplus', 'tanh']
    """
    out = dict(CONCRETE_ACTIVATIONS)
    out["random"] = random_activation(np.random.default_rng(seed))
    return out


def hessian_vector_check(
    points: int = 2, n_data: int = 3, seed: int = 0, sizes: tuple[Concrete, ...] | None = None
) -> tuple[float, float | None, int]:
    """``vᵀH`` from 5.110–5.111 (summed over ``n_data`` points) against the full Hessian
    times ``v``.

    Returns (worst relative error against the brute-force SymPy Hessian, worst against
    ``symhess.numeric.exact_hessian @ v`` and ``hessian_vector_product`` — ``None`` when
    that module is absent —, number of comparisons).

    >>> sympy_err, numeric_err, n = hessian_vector_check(points=1)
    >>> sympy_err < 1e-12
    True
    """
    rng = np.random.default_rng(seed)
    acts = {name: numpy_activation(e) for name, e in activations(seed + 5).items()}
    worst, worst_num, count = 0.0, None, 0
    for c in NUMERIC_SIZES if sizes is None else sizes:
        rfun, hfun = _hessian_lambdified(c)
        for name, act in acts.items():
            f_r, f_h = bind_activation(rfun, act), bind_activation(hfun, act)
            for _ in range(points):
                w1_, w2_, v1_, v2_, _, _ = _random_point(c, rng)
                data = [_random_point(c, rng)[4:] for _ in range(n_data)]
                ours = np.sum(
                    [np.asarray(f_r(w1_, w2_, v1_, v2_, xn, tn), float) for xn, tn in data], axis=0
                )
                hess = np.sum(
                    [np.asarray(f_h(w1_, w2_, v1_, v2_, xn, tn), float) for xn, tn in data], axis=0
                )
                vec = _flat(c, v1_, v2_)
                worst = max(worst, _rel(ours, hess @ vec))
                count += 1
                other = _against_numeric_module(c, name, (w1_, w2_, v1_, v2_), data, ours)
                if other is not None:
                    worst_num = other if worst_num is None else max(worst_num, other)
    return worst, worst_num, count


def _flat(c: Concrete, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The weight-vector layout of :meth:`Concrete.weights` from PRML-indexed arrays."""
    return np.concatenate([first[1:, c.lo :].ravel(), second[1:, c.lo :].ravel()])


def _against_numeric_module(
    c: Concrete,
    act_name: str,
    weights: tuple[np.ndarray, ...],
    data: list[tuple[np.ndarray, ...]],
    ours: np.ndarray,
) -> float | None:
    """``ours`` against ``symhess.numeric``'s exact Hessian times v and its own R-pass.

    ``None`` when that module is absent or does not know the activation."""
    try:
        from .. import numeric
    except ImportError:
        return None
    if act_name not in getattr(numeric, "ACTIVATIONS", {}):
        return None
    shape = numeric.Shape(D=c.D, M=c.M, K=c.K, bias=c.bias)
    w1_, w2_, v1_, v2_ = weights
    w = _flat(c, w1_, w2_)
    v = _flat(c, v1_, v2_)
    X = np.array([xn[1:] for xn, _ in data])
    T = np.array([tn[1:] for _, tn in data])
    H = numeric.exact_hessian(w, X, T, shape, act_name, "sum_of_squares")
    hv = numeric.hessian_vector_product(w, v, X, T, shape, act_name, "sum_of_squares")
    return max(_rel(ours, H @ v), _rel(ours, hv))


def numeric_check(number: str, points: int = 3, seed: int = 0) -> NumericCheck:
    """Textbook formula against brute-force ``vᵀ∇q`` at :data:`NUMERIC_SIZES`, every activation;
    for 5.110–5.111 also the assembled ``vᵀH`` against the full Hessian times ``v``.

    >>> chk = numeric_check("5.102", points=1)
    >>> chk.max_rel_error < 1e-12, chk.points
    (True, 16)
    """
    if number in ("5.110", "5.111"):
        h_err, num_err, count = _cached_hessian_vector_check()
        note = (
            "5.110-5.111 assembled into v^T H (R of every gradient component, 3 data points summed,"
            " every index value) vs the full brute-force SymPy Hessian times v:"
            f" {h_err:.2g}; activations tanh, logistic, softplus, random"
        )
        worst = h_err
        if num_err is not None:
            worst = max(worst, num_err)
            note += f"; vs symhess.numeric exact_hessian @ v and its R-pass: {num_err:.2g}"
        return NumericCheck(tuple(c.as_dict() for c in NUMERIC_SIZES), count, worst, note)
    rng = np.random.default_rng(seed)
    worst = 0.0
    n = 0
    acts = {name: numpy_activation(e) for name, e in activations(seed + 5).items()}
    for c in NUMERIC_SIZES:
        ours, brute = _lambdified(number, c)
        for act in acts.values():
            f_ours, f_brute = bind_activation(ours, act), bind_activation(brute, act)
            for _ in range(points):
                pt = _random_point(c, rng)
                worst = max(worst, _rel(np.array(f_ours(*pt)), np.array(f_brute(*pt))))
                n += 1
    note = (
        "textbook formula (PRML's statements substituted down to weights) vs v^T grad of the"
        " quantity by SymPy, every index value; activations tanh, logistic, softplus, random"
    )
    return NumericCheck(tuple(c.as_dict() for c in NUMERIC_SIZES), n, worst, note)


@functools.cache
def _cached_hessian_vector_check() -> tuple[float, float | None, int]:
    return hessian_vector_check()


# ---------------------------------------------------------------------------
# Catalogue entries
# ---------------------------------------------------------------------------


def derive_equation(number: str) -> DerivationResult:
    """Derive, prove and check one of 5.101–5.103, 5.106–5.107, 5.110–5.111."""
    start = time.perf_counter()
    d = derive_r(number)
    concrete_ok = all(_symbolic_concrete(number, c) for c in SYMBOLIC_SIZES)
    numeric = numeric_check(number)
    notes = [
        f"derived from ({SOURCE[number]}) with R{{f}} = d/d epsilon f(w + epsilon v) at epsilon = 0, "
        "symbolic sizes D, M, K",
        "written out at sizes "
        + ", ".join(
            f"(D,M,K)=({c.D},{c.M},{c.K}) bias={'on' if c.bias else 'off'}" for c in SYMBOLIC_SIZES
        )
        + f" with an unspecified h: {'equal' if concrete_ok else 'NOT equal'} to v^T grad by SymPy",
    ]
    if numeric.max_rel_error > 1e-10:
        concrete_ok = False
        notes.append(f"numeric disagreement {numeric.max_rel_error:.3g}")
    verdict: Verdict = "proved" if (d.proved and concrete_ok) else "failed"
    if not d.proved:
        notes.append(f"derived form: {latex(TEXTBOOK[number].lhs)} = {latex(d.derived)}")
    return DerivationResult(
        equation=number,
        title=_TITLES[number],
        statement_latex=TEXTBOOK[number].latex(),
        verdict=verdict,
        steps=d.steps,
        numeric=numeric,
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
        assumptions=(
            "sum-of-squares error with linear outputs (PRML 5.104)",
            "biases absorbed as x_0 = z_0 = 1 (R{z_0} = 0)",
        ),
    )


for _number in SOURCE:
    register(
        Entry(
            _number,
            _TITLES[_number],
            "5.4.6",
            TEXTBOOK[_number].latex(),
            functools.partial(derive_equation, _number),
        )
    )
