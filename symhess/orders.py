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
>>> r.verdict, r.message
('failed', 'the remainder starts at order ε^1, not ε^2: its leading term is -ε ∂²E/∂w_{ji}²/2')
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .notation import ast
from .notation.interpret import Unsupported
from .notation.unparse import latex


@dataclass(frozen=True)
class OrderDecision:
    """``proved`` or ``failed``, with the remainder's leading term."""

    verdict: str
    message: str
    residual_latex: str | None = None


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

    def finish(self, e: sp.Expr) -> sp.Expr:
        """Put E, its shifts and derivatives at the point of all weights written."""
        at = self.e_at()
        e = e.xreplace({sp.Symbol("@E"): at})
        e = e.replace(lambda x: isinstance(x, sp.Function) and x.func.__name__ == "@shift",
                      lambda x: self.e_at({x.args[0]: x.args[1]}))
        return e.replace(lambda x: isinstance(x, sp.Function) and x.func.__name__ == "@deriv",
                         lambda x: sp.diff(at, *x.args))


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
    rem = rd.finish(a - b)
    series = sp.series(rem, eps, 0, int(p)).removeO()
    lead = sp.simplify(series)
    if lead == 0:
        shown = sp.series(rem, eps, 0, int(p) + 1).removeO()
        tail = f" (it starts with {_words(sp.simplify(shown))})" if sp.simplify(shown) != 0 else ""
        return OrderDecision("proved", f"the remainder is O({_eps(eps)}^{p}) by Taylor's theorem{tail}")
    first = min(sp.Poly(sp.expand(lead), eps).monoms())[0]
    term = sp.simplify(sp.expand(lead).coeff(eps, first)) * eps ** first
    return OrderDecision("failed", f"the remainder starts at order {_eps(eps)}^{first}, not "
                         f"{_eps(eps)}^{p}: its leading term is {_words(term)}", sp.latex(term))


def _eps(e: sp.Symbol) -> str:
    return "ε" if str(e) == "epsilon" else str(e)


def _words(e: sp.Expr) -> str:
    """A term such as -ε/2 ∂²E/∂w_{ji}² in reader-friendly text."""
    text = sp.sstr(e)
    for d in e.atoms(sp.Derivative):
        vars_ = d.variables
        if len(set(vars_)) == 1:
            n = len(vars_)
            name = f"∂{'²' if n == 2 else '³' if n == 3 else ''}E/∂{vars_[0]}{'²' if n == 2 else '³' if n == 3 else ''}"
        else:
            name = "∂" + str(len(vars_)) + "E/" + "".join(f"∂{v}" for v in vars_)
        text = text.replace(sp.sstr(d), name)
    for f in e.atoms(sp.Subs):
        text = text.replace(sp.sstr(f), "E''")
    text = text.replace("**2", "²").replace("**3", "³").replace("**4", "⁴")
    return text.replace("epsilon", "ε").replace("*", " ")
