"""SymPy expressions of the network printed in PRML's LaTeX notation.

>>> from symhess.network import W2, MM, Z, k, kp, j, jp
>>> prml_latex(Z[j] * Z[jp] * MM[k, kp])
"z_{j} z_{j'} M_{kk'}"
>>> prml_latex(W2[kp, j])
"w_{k'j}^{(2)}"
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import model as md
from . import network as nw
from .calculus import PD

_COMPONENT = {"r_1": "r", "s_1": "s"}
_MODEL_FUNCS = {"Yx": r"y(\mathbf{x}, \mathbf{w})", "Pxt": r"p(\mathbf{x}, t)",
                "Px": r"p(\mathbf{x})", "Ptx": r"p(t|\mathbf{x})", "CondMean": r"E[t|\mathbf{x}]"}


def _dfrac(of: str, wrt: list[str]) -> str:
    top = r"\partial" if len(wrt) == 1 else rf"\partial^{{{len(wrt)}}}"
    den = " ".join(rf"\partial w_{{{i}}}" for i in wrt)
    return rf"\frac{{{top} {of}}}{{{den}}}"

_ORDER = {"x": 1, "t": 1, "z": 2, "h": 3, "I": 4, "w": 6, "delta": 7, "M": 8, "T3": 9}


class PRMLPrinter(LatexPrinter):
    """LaTeX in PRML's notation: ``w_{kj}^{(2)}``, ``I_{jj'}``, ``h'(a_j)``, bare ``\\sum_k``."""

    printmethod = "_prml_latex"

    def __init__(self, layers: bool = True) -> None:
        super().__init__()
        self.layers = layers

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        b, ix = expr.base, [self._print(i) for i in expr.indices]
        simple = {md.YN: "y", md.TN: "t", md.WV: "w"}
        if b in simple:
            return f"{simple[b]}_{{{ix[0]}}}"
        if b in (md.YG, md.YH, md.Y3):
            return _dfrac(f"y_{{{ix[0]}}}", ix[1:])
        if b in (md.EG, md.EH, md.E3):
            return _dfrac("E", ix)
        name = nw.latex_name(expr) if expr.base in nw.KIND else self._print(expr.base.label)
        sub = "".join(self._print(i) for i in expr.indices)
        layer = nw.layer_of(expr) if expr.base in nw.KIND else None
        sup = f"^{{({layer})}}" if (layer and self.layers) else ""
        return f"{name}_{{{sub}}}{sup}"

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr == nw.E_N:
            return "E_n"
        if expr == md.XV:
            return r"\mathbf{x}"
        if expr == md.TV:
            return "t"
        return _COMPONENT.get(expr.name, expr.name)

    def _print_Integral(self, expr: sp.Integral) -> str:
        ints = r"\int" * len(expr.limits)
        ds = r"\, ".join("d" + self._print(lim[0]) for lim in expr.limits)
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = rf"\left({body}\right)"
        return rf"{ints} {body} \, {ds}"

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: str | None = None) -> str:
        a, b = expr.args
        return f"I_{{{self._print(a)}{self._print(b)}}}"

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        name = type(expr).__name__
        if name in ("h", "h'", "h''", "h'''"):
            out = f"{name}({self._print(expr.args[0])})"
            return f"{out}^{{{exp}}}" if exp else out
        if name in _MODEL_FUNCS:
            return _MODEL_FUNCS[name]
        if name in ("YxG", "YxH", "YxT"):
            return _dfrac("y", [self._print(x) for x in expr.args[1:]])
        return super()._print_Function(expr, exp)

    def _print_PD(self, expr: PD) -> str:
        f, v = expr.args
        return rf"\frac{{\partial {self._print(f)}}}{{\partial {self._print(v)}}}"

    def _print_Sum(self, expr: sp.Sum) -> str:
        idx = "".join(self._print(lim[0]) for lim in expr.limits)
        prefix = "".join(rf"\sum_{{{self._print(lim[0])}}} " for lim in reversed(expr.limits))
        body = expr.function
        inner = self._print(body)
        if isinstance(body, sp.Add):
            inner = rf"\left({inner}\right)"
        del idx
        return prefix + inner

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.base, expr.exp
        if e.is_Number and e < 0:
            return rf"\frac{{1}}{{{self._print(base ** (-e))}}}"
        b = self._print(base)
        plain = isinstance(base, sp.Symbol) or (isinstance(base, sp.Indexed) and "^" not in b) or (
            isinstance(base, sp.Function) and type(base).__name__.startswith("h"))
        if not plain:
            b = rf"\left({b}\right)"
        return f"{b}^{{{self._print(e)}}}"

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff = expr.as_coeff_Mul()[0]
        if coeff.is_negative:
            return "- " + self._print(-expr)
        num, den = [], []
        for f in sp.Mul.make_args(expr):
            if isinstance(f, sp.Pow) and f.exp.is_Number and f.exp < 0:
                den.append(f.base ** (-f.exp))
            elif f.is_Rational and f.q != 1:
                if f.p != 1:
                    num.append(sp.Integer(f.p))
                den.append(sp.Integer(f.q))
            else:
                num.append(f)
        if den:
            top = self._print_product(num) if num else "1"
            return rf"\frac{{{top}}}{{{self._print_product(den)}}}"
        return self._print_product(list(sp.Mul.make_args(expr)))

    def _print_product(self, factors: list) -> str:
        expr = sp.Mul(*factors)
        if not isinstance(expr, sp.Mul):
            return self._print(expr)
        coeff, rest = expr.as_coeff_Mul()
        factors = sorted(sp.Mul.make_args(rest), key=_factor_key)
        parts = []
        for f in factors:
            s = self._print(f)
            if isinstance(f, sp.Add):
                s = rf"\left({s}\right)"
            parts.append(s)
        body = " ".join(parts)
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return self._print(coeff) + " " + body


def _factor_key(f: sp.Expr) -> tuple[int, str]:
    if isinstance(f, sp.Sum):
        return (20, str(f))
    if isinstance(f, sp.Integral):  # last, so that no factor reads as part of the integrand
        return (30, str(f))
    if isinstance(f, sp.Indexed):
        base = f.base.label.name if f.base not in nw.KIND else {
            nw.X: "x", nw.T: "t", nw.Z: "z", nw.W1: "w", nw.W2: "w", nw.DELTA: "delta",
            nw.MM: "M", nw.T3: "T3"}.get(f.base, "a")
        return (_ORDER.get(base, 5), str(f).replace("'", "~"))
    if isinstance(f, sp.KroneckerDelta):
        return (_ORDER["I"], str(f).replace("'", "~"))
    if isinstance(f, sp.Function) and type(f).__name__.startswith("h"):
        return (_ORDER["h"], str(-len(type(f).__name__)) + str(f).replace("'", "~"))
    return (0 if f.is_number else 10, str(f))


def prml_latex(expr: sp.Expr, *, layers: bool = True) -> str:
    """``expr`` in PRML notation (weights with their ``^{(1)}``/``^{(2)}`` unless ``layers=False``)."""
    return PRMLPrinter(layers=layers).doprint(expr)
