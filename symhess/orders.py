r"""Big-O remainders: ``A = B + O(ε^p)`` checked by the order it claims, from Taylor series.

PRML §5.3.3 and §5.4.4 compare derivatives with finite differences: the central difference
(5.69, 5.90) is accurate to O(ε²), the forward difference only to O(ε).  A reader writes
them with the error function evaluated at a shifted weight, ``E(w_{ji} + \epsilon)``, and a
remainder ``O(\epsilon^p)``.  Here E is an unspecified smooth function of the weights; every
weight that appears is one argument, the others held fixed.  The step holds when the
remainder A − B has a Taylor series in ε that starts at order p or later (its coefficients of
ε⁰ … ε^{p−1} vanish for every smooth E) — a proof, not a sample.  Otherwise it fails, and the
first term that survives is shown.

>>> from symhess.notation.parser import parse_display
>>> ms = parse_display(r"\frac{\partial E}{\partial w_{ji}} = \frac{E(w_{ji} + \epsilon) - "
...                    r"E(w_{ji})}{\epsilon} + O(\epsilon^2)").statements[0].members
>>> r = decide_order(ms[0].expr, ms[1].expr)
>>> from symhess.printing import text_latex
>>> from symhess.render.unicode import readable
>>> r.verdict, readable(text_latex(r.message))
('failed', 'the remainder starts at order ε¹, not ε²: its leading term is − (ε ∂²E/∂w_ji²)/2')
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .notation import ast
from .notation.interpret import Unsupported
from .notation.unparse import latex
from .results import Text


@dataclass(frozen=True)
class OrderDecision:
    """``proved`` or ``failed``, with the remainder's leading term."""

    verdict: str
    message: Text | str  # made a Text: the leading term stays SymPy until rendered
    residual: sp.Expr | None = None  # the remainder's leading term, when it fails

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", Text(self.message))


def has_order(*nodes: ast.Node) -> bool:
    """Whether a big-O remainder appears."""
    return any(isinstance(n, ast.Order) for node in nodes for n in ast.walk(node))


class _Reader:
    """The sides as SymPy: E a smooth function of the weights written, ε a small symbol."""

    def __init__(self) -> None:
        self.weights: dict[str, sp.Symbol] = {}
        self.E = sp.Function("E")
        self.orders: list[sp.Expr] = []

    def weight(self, node: ast.Symbol) -> sp.Symbol:
        return self.weights.setdefault(str(node), sp.Symbol(str(node), real=True))

    def call_args(self, args: tuple[sp.Expr, ...]) -> sp.Expr:
        return self.E(*args)

    def e_at(self, shifted: dict[sp.Symbol, sp.Expr] | None = None) -> sp.Expr:
        ws = sorted(self.weights.values(), key=str)
        return self.E(*[(shifted or {}).get(w, w) for w in ws])

    def value(self, node: ast.Node) -> sp.Expr:
        if isinstance(node, ast.Number):
            return sp.Rational(node.text)
        if isinstance(node, ast.Symbol):
            if node.name == "E" and not node.sub:
                return sp.Symbol("@E")  # E at the unshifted point, placed once weights are known
            if node.name == "w":
                return self.weight(node)
            if not node.sub and not node.bold:
                return sp.Symbol(str(node).replace("\\", ""), positive=True)
            raise Unsupported(f"{node} in a finite-difference statement", node.pos)
        if isinstance(node, ast.Paren):
            return self.value(node.expr)
        if isinstance(node, ast.Add):
            return sp.Add(*(sign * self.value(t) for sign, t in node.terms))
        if isinstance(node, ast.Mul):
            return sp.Mul(*(self.value(f) for f in node.factors))
        if isinstance(node, (ast.Frac, ast.Div)):
            return self.value(node.num) / self.value(node.den)
        if isinstance(node, ast.Pow):
            return self.value(node.base) ** self.value(node.exp)
        if isinstance(node, ast.Order):
            self.orders.append(self.value(node.expr))
            return sp.S.Zero
        if isinstance(node, ast.Call) and node.func.name == "E" and not node.given:
            if len(node.args) != 1:
                raise Unsupported("E with several arguments in a finite-difference statement", node.pos)
            arg = self.value(node.args[0])
            ws = [w for w in arg.free_symbols if str(w) in self.weights]
            if len(ws) != 1:
                raise Unsupported(f"E({latex(node.args[0])}): expected one weight shifted", node.pos)
            return sp.Function("@shift")(ws[0], arg)
        if isinstance(node, ast.EvalAt):  # ∂E/∂w_ji (w_lk + ε): the derivative, then the shift
            d = node.expr
            if not (isinstance(d, ast.Derivative) and isinstance(d.of, ast.Symbol) and d.of.name == "E"
                    and not d.of.sub):
                raise Unsupported("an evaluation of something other than a derivative of E", node.pos)
            ws = [self.weight(v) for v in d.wrt if isinstance(v, ast.Symbol) and v.name == "w"]
            if len(ws) != len(d.wrt):
                raise Unsupported("a derivative by something other than a weight", node.pos)
            shifts: list[sp.Expr] = []
            for a in node.args:
                val = self.value(a)
                hit = [w for w in val.free_symbols if str(w) in self.weights]
                if len(hit) != 1:
                    raise Unsupported(f"({latex(a)}): expected one weight shifted", node.pos)
                shifts.extend([hit[0], val])
            return sp.Function("@dshift")(sp.Tuple(*ws), sp.Tuple(*shifts))
        if isinstance(node, ast.Derivative) and node.of is not None:
            of = node.of
            if not (isinstance(of, ast.Symbol) and of.name == "E" and not of.sub):
                raise Unsupported("a derivative of something other than E in a finite-difference "
                                  "statement", node.pos)
            ws = [self.weight(v) for v in node.wrt if isinstance(v, ast.Symbol) and v.name == "w"]
            if len(ws) != len(node.wrt):
                raise Unsupported("a derivative by something other than a weight", node.pos)
            return sp.Function("@deriv")(*ws)
        raise Unsupported(f"{type(node).__name__} in a finite-difference statement",
                          getattr(node, "pos", None))

    def finish(self, e: sp.Expr, degree: int) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
        """Put E, its shifts and derivatives at the point of all weights written.

        E is a generic polynomial of ``degree`` around that point, with one free coefficient per
        derivative (``c_α = ∂^α E / α!``): an identity in ε up to that degree holds for every
        smooth E exactly when it holds for every such polynomial.  Returns the expression and
        the coefficients' meanings (for messages).
        """
        ws = sorted(self.weights.values(), key=str)
        us = [sp.Dummy(f"u{i}") for i in range(len(ws))]
        poly, meaning = sp.S.Zero, {}
        big_e = sp.Function("E")(*ws)
        for alpha in _multi_indices(len(ws), degree):
            c = sp.Symbol("c_" + "_".join(map(str, alpha)))
            term = c
            for u, w, a in zip(us, ws, alpha):
                term *= (u - w) ** a
            poly += term
            deriv = big_e
            for w, a in zip(ws, alpha):
                if a:
                    deriv = sp.Derivative(deriv, (w, a))
            meaning[c] = deriv / sp.prod(sp.factorial(a) for a in alpha)

        def at(shift: dict[sp.Symbol, sp.Expr], order: tuple[sp.Symbol, ...] = ()) -> sp.Expr:
            f = poly
            for w in order:
                f = sp.diff(f, us[ws.index(w)])
            return f.xreplace({u: shift.get(w, w) for u, w in zip(us, ws)})

        e = e.xreplace({sp.Symbol("@E"): at({})})
        e = e.replace(lambda x: isinstance(x, sp.Function) and x.func.__name__ == "@shift",
                      lambda x: at({x.args[0]: x.args[1]}))
        e = e.replace(lambda x: isinstance(x, sp.Function) and x.func.__name__ == "@deriv",
                      lambda x: at({}, tuple(x.args)))

        def dshift(x: sp.Expr) -> sp.Expr:
            wrt, pairs = x.args
            shift = {pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)}
            return at(shift, tuple(wrt))  # differentiate first, then move the point
        return e.replace(lambda x: isinstance(x, sp.Function) and x.func.__name__ == "@dshift",
                         dshift), meaning


def _multi_indices(n: int, degree: int) -> list[tuple[int, ...]]:
    """Every α with n entries and |α| ≤ degree.

    >>> len(_multi_indices(2, 2))
    6
    """
    if n == 0:
        return [()]
    return [(a, *rest) for a in range(degree + 1) for rest in _multi_indices(n - 1, degree - a)]


def decide_order(lhs: ast.Node, rhs: ast.Node) -> OrderDecision:
    """Decide ``lhs = rhs`` where one side carries ``O(ε^p)``."""
    rd = _Reader()
    a, b = rd.value(lhs), rd.value(rhs)
    if len(rd.orders) != 1:
        raise Unsupported("expected one O(·) remainder")
    order = rd.orders[0]
    small = [s for s in order.free_symbols]
    if len(small) != 1:
        raise Unsupported(f"O({order}): expected a power of one small quantity")
    eps = small[0]
    p = sp.degree(order, eps) if order.is_polynomial(eps) else None
    if p is None or not order.is_Pow and order != eps:
        raise Unsupported(f"O({order}): expected a power of {eps}")
    if len(rd.weights) > 3 or int(p) > 6:
        raise Unsupported("a finite-difference statement in more than three weights or beyond ε^6")
    rem, meaning = rd.finish(a - b, int(p) + 3)
    rem = sp.expand(sp.together(sp.expand(rem)))
    num, den = sp.fraction(sp.together(rem))
    if den.has(eps) and sp.Poly(den, eps).monoms()[-1][0] > 0:  # divide out powers of ε
        low = sp.Poly(den, eps).monoms()[-1][0]
        num, den = sp.expand(num), sp.expand(den / eps ** low)
        shift = low
    else:
        shift = 0
    poly = sp.Poly(sp.expand(num), eps)
    terms = {m[0] - shift: c for m, c in zip(poly.monoms(), poly.coeffs())}
    low_terms = {k: v for k, v in terms.items() if k < int(p) and sp.expand(v) != 0}
    den0 = den.xreplace({eps: 0})
    if not low_terms:
        nxt = terms.get(int(p))
        tail = Text()
        if nxt is not None and sp.expand(nxt) != 0:
            tail = Text(" (it starts with ", (nxt / den0).xreplace(meaning) * eps ** int(p), ")")
        return OrderDecision("proved", Text(f"the remainder is O({_eps(eps)}^{p}) by Taylor's theorem", tail))
    first = min(low_terms)
    term = (low_terms[first] / den0).xreplace(meaning) * eps ** first
    return OrderDecision("failed", Text(f"the remainder starts at order {_eps(eps)}^{first}, not "
                         f"{_eps(eps)}^{p}: its leading term is ", sp.simplify(term)), term)


def _eps(e: sp.Symbol) -> str:
    return "ε" if str(e) == "epsilon" else str(e)
