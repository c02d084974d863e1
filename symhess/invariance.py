r"""Mappings ``u → f(u)``: transformations put in force, and rescalings checked for invariance.

PRML §5.5.1 transforms the inputs and outputs (5.115, 5.118) and the weights with them
(5.116, 5.117, 5.119, 5.120), and asks that the regulariser (5.121)
``λ1/2 Σ_{w∈W1} w² + λ2/2 Σ_{w∈W2} w²`` be unchanged once λ1 and λ2 are rescaled.  A reader
writes these as mappings (``w_{ji} \to \frac{1}{a} w_{ji}``, ``\lambda_1 \to a^{2} \lambda_1``).
A mapping of a weight is a transformation in force for the rest of the document; a mapping
of a parameter of an expression the document has named (by a book tag) is a claim that the
expression is invariant, checked here term by term: a sum over a set of weights is
invariant for every set exactly when its summand is, for one generic weight of that set.

>>> from symhess.notation.parser import parse_display
>>> def chain(t): return parse_display(t).statements[0].members
>>> m = chain(r"w_{ji} \to \frac{1}{a} w_{ji}")
>>> t = transformation(m[0].expr, m[1].expr)
>>> t.key, t.factor
('w_{ji}', 1/a)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from .notation import ast
from .notation.interpret import Unsupported
from .notation.unparse import latex
from .results import Text

_PARAMETERS = frozenset("abcd")


@dataclass(frozen=True)
class Transformation:
    """``old → new`` for one written quantity ``key``; ``factor`` = new/old when it is a scaling."""

    key: str
    symbol: str
    old: sp.Expr
    new: sp.Expr
    factor: sp.Expr | None
    layer: int | None


@dataclass(frozen=True)
class Invariance:
    """Whether a named expression is unchanged, with the reason and the change if not."""

    holds: bool
    message: Text | str  # made a Text: the change stays SymPy until rendered
    residual: sp.Expr | None = None  # the change of the named terms, when not invariant

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", Text(self.message))


def plain(node: ast.Node) -> sp.Expr:
    r"""A mapping's side as a SymPy expression of plain symbols (a, c, λ_1, w_{ji} …).

    >>> from symhess.notation.parser import parse_display
    >>> plain(parse_display(r"a^{1/2} \lambda_1 = 0").statements[0].members[0].expr)
    \lambda_{1}*sqrt(a)
    """
    if isinstance(node, ast.Number):
        return sp.Rational(node.text)
    if isinstance(node, ast.Symbol):
        return sp.Symbol(str(node), positive=True)
    if isinstance(node, ast.Paren):
        return plain(node.expr)
    if isinstance(node, ast.Add):
        return sp.Add(*(sign * plain(t) for sign, t in node.terms))
    if isinstance(node, ast.Mul):
        return sp.Mul(*(plain(f) for f in node.factors))
    if isinstance(node, ast.Frac):
        return plain(node.num) / plain(node.den)
    if isinstance(node, ast.Div):
        return plain(node.num) / plain(node.den)
    if isinstance(node, ast.Pow):
        exp = plain(node.exp)
        if not exp.is_Rational or abs(exp) > 16:
            raise Unsupported(f"the exponent {latex(node.exp)} in a mapping", node.pos)
        return plain(node.base) ** exp
    raise Unsupported(f"{type(node).__name__} in a mapping (symhess reads mappings built from "
                      "symbols, numbers, +, −, products, fractions and rational powers)", node.pos)


def transformation(old: ast.Node, new: ast.Node) -> Transformation:
    """The mapping ``old → new``; ``old`` must be one written quantity."""
    if not isinstance(old, ast.Symbol):
        raise Unsupported(f"the left side of a mapping must be one quantity, not {latex(old)}", old.pos)
    o, n = plain(old), plain(new)
    factor = sp.simplify(n / o)
    if o in factor.free_symbols:
        factor = None
    layer = old.layer
    letters = "".join(i.letter for i in old.sub if isinstance(i, ast.Index))
    if old.name == "w" and layer is None:
        layer = {"ji": 1, "kj": 2}.get(letters)
    return Transformation(str(old), str(old), o, n, factor, layer if old.name == "w" else None)


def check_rescaling(named: ast.Node, t: Transformation,
                    mappings: dict[str, tuple[sp.Expr, sp.Expr, int]]) -> Invariance:
    """Whether ``named`` is unchanged when ``t`` rescales its parameter and the weights are
    transformed by ``mappings`` (written key → (old, new, line)).

    Only the terms of ``named`` that contain ``t``'s symbol are compared.
    """
    if t.factor is None:
        raise Unsupported(f"{t.key} → … is not a rescaling of {t.key}")
    layers: dict[int, sp.Expr] = {}
    for key, (o, n, _) in mappings.items():
        if key.startswith("w_"):
            f = sp.simplify(n / o)
            letters = key.split("_", 1)[1].strip("{}").split("}")[0]
            layer = 1 if "(1)" in key or letters.startswith("ji") else 2 if "(2)" in key or \
                letters.startswith("kj") else None
            if layer is not None and o not in f.free_symbols:
                layers[layer] = f
    terms = named.terms if isinstance(named, ast.Add) else ((1, named),)
    relevant = [(sign, term) for sign, term in terms if t.symbol in {str(n) for n in ast.walk(term)
                                                                      if isinstance(n, ast.Symbol)}]
    if not relevant:
        raise Unsupported(f"{t.key} does not appear in the named expression")
    before = sp.Add(*(sign * _generic(term, {}) for sign, term in relevant))
    after_w = sp.Add(*(sign * _generic(term, layers) for sign, term in relevant))
    after = after_w.xreplace({t.old: t.new})
    change = sp.simplify(after - before)
    scale = sp.simplify(before / after_w) if after_w != 0 else None
    used: list[Any] = []
    for n, (k, v) in enumerate(sorted(layers.items())):
        used += [", " if n else "", f"layer-{k} weights × ", v]
    with_used = Text("with ", *(used or ["none"]))
    if change == 0:
        return Invariance(True, Text(with_used, f", the terms in {t.key} are unchanged"))
    need = Text(f"; invariance needs {t.key} \\to ", sp.simplify(scale * t.old)) if scale is not None \
        and t.old not in sp.simplify(scale).free_symbols else Text()
    return Invariance(False, Text(with_used, f", the terms in {t.key} change by ", change, need), change)


def _generic(node: ast.Node, layers: dict[int, sp.Expr]) -> sp.Expr:
    """A term with each set sum Σ_{w∈W_l} g(w) replaced by g at one generic weight u_l of W_l
    (scaled by the layer's transformation factor, if any)."""
    if isinstance(node, ast.SumOver):
        dom = node.domain
        layer = None
        if isinstance(dom, ast.Symbol) and len(dom.sub) == 1 and isinstance(dom.sub[0], ast.Number):
            layer = int(dom.sub[0].text)
        if layer is None:
            raise Unsupported(f"a sum over {latex(dom)} (expected \\mathcal{{W}}_1 or \\mathcal{{W}}_2)", node.pos)
        u = sp.Symbol(f"w^{{({layer})}}", positive=True)
        w = sp.Symbol(str(node.index), positive=True)
        return _generic(node.body, layers).xreplace({w: layers.get(layer, sp.S.One) * u})
    if isinstance(node, ast.Paren):
        return _generic(node.expr, layers)
    if isinstance(node, ast.Add):
        return sp.Add(*(sign * _generic(x, layers) for sign, x in node.terms))
    if isinstance(node, ast.Mul):
        return sp.Mul(*(_generic(f, layers) for f in node.factors))
    if isinstance(node, ast.Frac):
        return _generic(node.num, layers) / _generic(node.den, layers)
    if isinstance(node, ast.Pow):
        return _generic(node.base, layers) ** plain(node.exp)
    if isinstance(node, ast.Index):
        return sp.Symbol(str(node), positive=True)
    return plain(node)
