"""SymPy expressions of the network printed in PRML's LaTeX notation.

>>> from symhess.network import W2, MM, Z, k, kp, j, jp
>>> prml_latex(Z[j] * Z[jp] * MM[k, kp])
"z_{j} z_{j'} M_{kk'}"
>>> prml_latex(W2[kp, j])
"w_{k'j}^{(2)}"
"""
from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter, greek_letters_set

from . import model as md
from . import network as nw
from .calculus import PD
from .results import Text

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

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        """SymPy's term order, but a sum does not open with a minus sign when a term is
        positive: ``y_k - t_k`` (PRML 5.104), not ``- t_k + y_k``."""
        terms = self._as_ordered_terms(expr, order=order)
        lead = next((i for i, t in enumerate(terms) if not _negative(t)), 0)
        if lead:
            expr = sp.Add(*terms[lead:], *terms[:lead], evaluate=False)
            return str(super()._print_Add(expr, order="none"))
        return str(super()._print_Add(expr, order=order))

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        b, ix = expr.base, [self._print(i) for i in expr.indices]
        simple = {md.YN: "y", md.TN: "t", md.WV: "w"}
        if b in simple:
            return f"{simple[b]}_{{{ix[0]}}}"
        if b in (md.YG, md.YH, md.Y3):
            return _dfrac(f"y_{{{ix[0]}}}", ix[1:])
        if b in (md.EG, md.EH, md.E3):
            return _dfrac("E", ix)
        if b in nw.GRADIENT_OF:  # dE_n/dw of one weight (5.108-5.109)
            w = self._print(nw.GRADIENT_OF[b][expr.indices])
            return rf"\frac{{\partial E_n}}{{\partial {w}}}"
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
        if "\\" in expr.name or expr.name.split("_")[0] in greek_letters_set:
            return super()._print_Symbol(expr)  # lambda_1, epsilon, \tilde{\lambda}_1
        return _COMPONENT.get(expr.name, expr.name)

    def _print_Integral(self, expr: sp.Integral) -> str:
        ints = "".join(rf"\int\limits_{{{self._print(lim[1])}}}^{{{self._print(lim[2])}}}"
                       if len(lim) == 3 else r"\int" for lim in expr.limits)
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
        if isinstance(expr, nw.Activation):  # h, h', h'', h''', h^{(4)}, ...
            order = expr.order
            name = "h" + "'" * order if order <= 3 else f"h^{{({order})}}"
            out = f"{name}({self._print(expr.args[0])})"
            return f"{out}^{{{exp}}}" if exp else out
        if name in _MODEL_FUNCS:
            return _MODEL_FUNCS[name]
        if name in ("YxG", "YxH", "YxT"):
            return _dfrac("y", [self._print(x) for x in expr.args[1:]])
        return super()._print_Function(expr, exp)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        r"""A derivative of an unspecified function of weights, as the book writes it:
        ``\frac{\partial^{2} E}{\partial w_{ji}^{2}}`` (PRML 5.69, 5.90)."""
        f = expr.expr
        if not isinstance(f, AppliedUndef):
            return str(super()._print_Derivative(expr))
        order = sum(int(c) for _, c in expr.variable_count)
        top = r"\partial" + (f"^{{{order}}}" if order > 1 else "") + " " + self._print(f.func)
        den = " ".join(rf"\partial {self._print(v)}" + (f"^{{{c}}}" if c != 1 else "")
                       for v, c in expr.variable_count)
        return rf"\frac{{{top}}}{{{den}}}"

    def _print_PD(self, expr: PD, exp: str | None = None) -> str:
        f, v = expr.args
        den = rf"\partial {self._print(v)}"
        if isinstance(f, PD) and isinstance(f.args[0], (sp.Indexed, sp.Symbol)):
            tex = (rf"\frac{{\partial^2 {self._print(f.args[0])}}}"
                   rf"{{{den}\, \partial {self._print(f.args[1])}}}")
        elif isinstance(f, (sp.Indexed, sp.Symbol)):
            tex = rf"\frac{{\partial {self._print(f)}}}{{{den}}}"
        else:
            tex = rf"\frac{{\partial}}{{{den}}}\left({self._print(f)}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Infinity(self, expr: sp.Expr) -> str:
        return r"\infty"

    def _print_NegativeInfinity(self, expr: sp.Expr) -> str:
        return r"- \infty"

    def _print_NumberSymbol(self, expr: sp.Expr) -> str:
        return str(expr._latex(self))  # \pi, e

    def _print_R(self, expr: sp.Function, exp: str | None = None) -> str:
        (q,) = expr.args
        inner = self._print(q)
        if isinstance(q, sp.Indexed) and q.base not in nw.GRADIENT_OF:
            tex = rf"\mathcal{{R}}\{{{inner}\}}"
        else:
            tex = rf"\mathcal{{R}}\left\{{{inner}\right\}}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_OnLine(self, expr: sp.Function, exp: str | None = None) -> str:
        q, eps = expr.args
        tex = rf"{self._print(q)}({self._print(eps)})"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def _print_Subs(self, expr: sp.Subs) -> str:
        inner, old, new = expr.args
        if isinstance(inner, sp.Derivative) and tuple(old) == (nw.EPS,) and len(inner.variables) == 1:
            return (rf"\left.\frac{{d}}{{d\epsilon}}\left[{self._print(inner.expr)}\right]"
                    rf"\right|_{{\epsilon={self._print(new[0])}}}")
        return super()._print_Subs(expr)

    def _print_Sum(self, expr: sp.Sum) -> str:
        r"""A sum over an index's whole range bare, as PRML writes it (``\sum_{j}``); any other
        range with its bounds (``\sum_{j=0}^{M}``: the bias unit included).

        >>> from symhess.network import W2, Z, k, j, SIZES
        >>> prml_latex(sp.Sum(W2[k, j] * Z[j], (j, 1, SIZES["j"])))
        '\\sum_{j} z_{j} w_{kj}^{(2)}'
        >>> prml_latex(sp.Sum(W2[k, j] * Z[j], (j, 0, SIZES["j"])))
        '\\sum_{j=0}^{M} z_{j} w_{kj}^{(2)}'
        """
        prefix = "".join(self._sum_sign(*lim) for lim in reversed(expr.limits))
        body = expr.function
        inner = self._print(body)
        if isinstance(body, sp.Add):
            inner = rf"\left({inner}\right)"
        return prefix + inner

    def _sum_sign(self, d: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> str:
        # from 1, or from lo_i/lo_j (the biases left open, as the book leaves them), to the size
        whole = lo in (1, nw.LO_I, nw.LO_J) and isinstance(d, sp.Symbol) and hi == nw.SIZES.get(d.name[:1])
        if whole:
            return rf"\sum_{{{self._print(d)}}} "
        return rf"\sum_{{{self._print(d)}={self._print(lo)}}}^{{{self._print(hi)}}} "

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, e = expr.base, expr.exp
        if e.is_Rational and not e.is_Integer and abs(e.q) == 2 and e > 0:
            return super()._print_Pow(expr)  # \sqrt{...}
        if e.is_Number and e < 0:
            return rf"\frac{{1}}{{{self._print(base ** (-e))}}}"
        b = self._print(base)
        plain = (isinstance(base, (sp.Symbol, sp.NumberSymbol)) and "^" not in b) or base.is_Number or base is sp.oo or (isinstance(base, sp.Indexed) and "^" not in b) or (
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

    def _print_product(self, factors: list[sp.Expr]) -> str:
        expr = sp.Mul(*factors, evaluate=False)  # as given: an unevaluated ∞^{M+K} stays
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


def _negative(term: sp.Expr) -> bool:
    """A term printed with a leading minus sign."""
    return bool(term.as_coeff_Mul()[0].is_negative)


def _factor_key(f: sp.Expr) -> tuple[int, str]:
    if f == nw.EPS:  # the step along w + εv first: ε v_{kj}
        return (0, "")
    base = f.base if isinstance(f, sp.Pow) else f
    if isinstance(base, sp.Symbol) and not base.is_integer and base not in (nw.E_N, md.XV, md.TV):
        return (0, str(f))  # a constant before the quantities: c y_k, λ w, a^2 w, b Σ_i

    if isinstance(f, sp.Sum):
        return (20, str(f))
    if isinstance(f, sp.Integral):  # last, so that no factor reads as part of the integrand
        return (30, str(f))
    if isinstance(f, sp.Indexed):
        base = f.base.label.name if f.base not in nw.KIND else {
            nw.X: "x", nw.T: "t", nw.Z: "z", nw.W1: "w", nw.W2: "w", nw.W3: "w",
            nw.DELTA: "delta", nw.DELTA_HID: "delta", nw.MM: "M", nw.T3: "T3", nw.X_T: "x",
            nw.W1_T: "w", nw.W2_T: "w"}.get(f.base, "a")
        return (_ORDER.get(base, 5), str(f).replace("'", "~"))
    if isinstance(f, sp.KroneckerDelta):
        return (_ORDER["I"], str(f).replace("'", "~"))
    if isinstance(f, sp.Function) and type(f).__name__.startswith("h"):
        return (_ORDER["h"], str(-len(type(f).__name__)) + str(f).replace("'", "~"))
    return (0 if f.is_number else 10, str(f))


def prml_latex(expr: sp.Expr, *, layers: bool = True) -> str:
    """``expr`` in PRML notation (weights with their ``^{(1)}``/``^{(2)}`` unless ``layers=False``)."""
    return PRMLPrinter(layers=layers).doprint(expr)


def text_latex(message: Text | str) -> str:
    r"""A checker's message (:class:`~symhess.results.Text`) as prose with LaTeX maths: each
    expression it carries printed by :func:`prml_latex`.  The renderers' one way to print a
    message; the checker itself never prints.

    >>> from symhess.network import Z, j
    >>> text_latex(Text("the right side is missing ", 2 * Z[j]))
    'the right side is missing 2 z_{j}'
    >>> text_latex("plain prose")
    'plain prose'
    """
    if isinstance(message, str):
        return message
    return "".join(p if isinstance(p, str) else prml_latex(p) for p in message.parts)


# ============================================================================================
# Generic-model printing (derive/outer.py, inverse.py, finite.py): derivatives taken by SymPy
# of undefined functions of the weights w_r, w_s, integrals over x and t, non-commutative
# matrix symbols.  Appended section, owned with derive/outer.py; it only adds what those
# expressions need on top of PRMLPrinter (the network's and the model's symbols print as there).
# ============================================================================================

_GENERIC_SHORT = {"Yx": "y"}  # the numerator of ∂y/∂w_r for y(x, w)


class GenericModelPrinter(PRMLPrinter):
    r"""PRML notation for the generic model: ``∂y_n/∂w_r``, ``∫∫ {…} d\mathbf{x}\, dt``, and
    terms ordered as PRML writes 5.83 (``Σ ∇y∇yᵀ`` before ``Σ (y − t)∇∇y``).

    A function that should print under a derivative by a short name (``y_n`` in ``∂y_n/∂w_r``)
    defines ``short(printer)``; a symbol standing for a vector expression sets ``is_vector``.
    ``E[t|x]`` prints as PRML's ``\mathbb{E}[t|\mathbf{x}]``.

    >>> generic_latex(sp.Derivative(md.Yx(md.XV, md.W_R, md.W_S), md.W_R))
    '\\frac{\\partial y}{\\partial w_r}'
    >>> generic_latex(md.Yx(md.XV) - md.CondMean(md.XV))
    'y(\\mathbf{x}, \\mathbf{w}) - \\mathbb{E}[t|\\mathbf{x}]'
    """

    def __init__(self) -> None:
        super().__init__()
        self._settings["ln_notation"] = True

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        if isinstance(expr, md.CondMean):
            out = r"\mathbb{E}[t|\mathbf{x}]"
            return f"{out}^{{{exp}}}" if exp else out
        return super()._print_Function(expr, exp)

    def _short(self, f: sp.Expr) -> str | None:
        if hasattr(f, "short"):
            return str(f.short(self))
        return _GENERIC_SHORT.get(type(f).__name__)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        order = derivative_order(expr)
        den = " ".join(
            rf"\partial {self._print(v)}" + (f"^{{{c}}}" if c != 1 else "")
            for v, c in expr.variable_count
        )
        top = r"\partial" + (f"^{{{order}}}" if order > 1 else "")
        f = expr.expr
        short = self._short(f)
        if short is not None:
            return rf"\frac{{{top} {short}}}{{{den}}}"
        body = self._print(f)
        if isinstance(f, sp.Add) or f.as_coeff_Mul()[0].is_negative:
            body = rf"\left({body}\right)"
        return rf"\frac{{{top}}}{{{den}}} {body}"

    def _print_Integral(self, expr: sp.Integral) -> str:
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = rf"\left\{{{body}\right\}}"
        ints = " ".join(r"\int" for _ in expr.limits)
        ds = r"\, ".join("d" + self._print(lim[0]) for lim in expr.limits)
        return rf"{ints} {body}\, {ds}"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        out = ""
        for pos, term in enumerate(sorted(expr.args, key=_generic_term_key)):
            coeff, _ = term.as_coeff_Mul()
            if coeff.is_negative:
                s = self._print(-term)
                out += f" - {s}" if pos else f"- {s}"
            else:
                s = self._print(term)
                out += f" + {s}" if pos else s
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, rest = expr.as_coeff_Mul()
        num, den = [], []
        commuting, ordered = rest.args_cnc()  # matrix factors keep their order, after scalars
        for f in commuting:
            if isinstance(f, sp.Pow) and f.exp.is_negative:
                den.append(f.base ** (-f.exp))
            else:
                num.append(f)
        num.sort(key=_generic_factor_key)
        num += ordered
        parts = []
        for f in num:
            s = self._print(f)
            if isinstance(f, sp.Add):
                s = rf"\left({s}\right)"
            elif isinstance(f, sp.Integral | sp.Sum) and len(num) > 1:
                s = rf"\left({s}\right)"
            parts.append(s)
        body = " ".join(parts) if parts else "1"
        if den:
            body = rf"\frac{{{body}}}{{{self._print(sp.Mul(*den))}}}"
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        return self._print(coeff) + " " + body


def derivative_order(d: sp.Derivative) -> int:
    """The total order of a derivative (``∂²y/∂w_r∂w_s`` has order 2)."""
    return sum(int(c) for _, c in d.variable_count)


def _generic_term_key(term: sp.Expr) -> tuple[int, int, int, str]:
    # Residual terms (a factor like y_n − t_n) last, lower derivative order first, then
    # positive terms: Σ ∇y∇yᵀ before Σ (y − t)∇∇y, as PRML writes 5.83.
    coeff, _ = term.as_coeff_Mul()
    residual = any(isinstance(a, sp.Add) and a.has(nw.T, md.TV, md.CondMean)
                   for a in term.atoms(sp.Add) | {term} if a is not term)
    top = max((derivative_order(d) for d in term.atoms(sp.Derivative)), default=0)
    return (int(residual), top, 1 if coeff.is_negative else 0, str(term))


def _generic_factor_key(f: sp.Expr) -> tuple[int, str]:
    if f.is_number:
        return (0, "")
    if isinstance(f, sp.Integral | sp.Sum):
        return (30, str(f))
    if isinstance(f, sp.Derivative):
        return (20, str(f))
    if getattr(f, "is_vector", False):
        return (22, str(f))
    if isinstance(f, sp.Add):
        return (11, str(f))
    if isinstance(f, sp.Indexed | sp.Symbol):
        return (8, str(f))
    if isinstance(f, sp.log):
        return (15, str(f))
    if isinstance(f, md.Px | md.Ptx | md.Pxt):
        return (25, str(f))
    return (10, str(f))


def generic_latex(expr: sp.Expr) -> str:
    r"""``expr`` in PRML's notation for the generic model (:class:`GenericModelPrinter`).

    >>> generic_latex(md.Yx(md.XV) * md.Px(md.XV))
    'y(\\mathbf{x}, \\mathbf{w}) p(\\mathbf{x})'
    """
    return GenericModelPrinter().doprint(expr)
