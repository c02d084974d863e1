"""The generic model of PRML §5.4.2 and exercise 5.17: y(x, w), targets, densities, jets.

Quantities of a model that is left unspecified are represented by their *jets*: the
value, gradient and Hessian with respect to the weight vector **w**, as independent
symbols (``y_n``, ``∂y_n/∂w_r``, ``∂²y_n/∂w_r∂w_s`` …).  Any identity that holds for every
smooth model holds for arbitrary values of these, which is what numeric checks draw.

Two flavours:

* data-point form (5.82–5.84): ``y_n`` is ``YN[n]``, ``t_n`` is ``TN[n]``; ``E`` (no subscript)
  is an unspecified function of **w** unless a justification cites its definition;
* integral form (5.193–5.194): ``y(x, w)`` is ``Yx(x)`` with ``x`` and ``t`` integration
  variables, densities ``p(x, t)``, ``p(x)``, ``p(t|x)`` and the conditional mean ``E[t|x]``.

>>> jet_next(YN[1])
(yg, (1,))
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from .network import index

class Parameter(sp.Symbol):
    """A constant the reader names (λ, α, β, ε …): any real value; numeric checks draw it.

    >>> Parameter("lambda").is_real
    True
    """

    def __new__(cls, name: str) -> Parameter:
        return super().__new__(cls, name, real=True)  # type: ignore[no-any-return]


UNREAD = sp.Symbol("E (its definition in the document could not be read)")
"""What E stands for when the document defined it in a way symhess could not read."""

# weight vector components w_r, w_s (letters r, s range over all W weights)
WV = sp.IndexedBase("wv")
VV = sp.IndexedBase("vv")   # components v_r of a weight-space vector v (the R-operator's, 5.96)
SIZE_W = sp.Symbol("W", integer=True, positive=True)

YN = sp.IndexedBase("yn")       # y_n
YG = sp.IndexedBase("yg")       # dy_n/dw_r
YH = sp.IndexedBase("yh")       # d2y_n/dw_r dw_s (symmetric in r, s)
Y3 = sp.IndexedBase("y3")
TN = sp.IndexedBase("tn")       # t_n
E_W = sp.Symbol("E")            # E(w), unspecified
EG = sp.IndexedBase("eg")
EH = sp.IndexedBase("eh")
E3 = sp.IndexedBase("e3")

# integral form: x, t are integration variables
XV = sp.Symbol("x_vec")
TV = sp.Symbol("t_var")  # not "t": IndexedBase("t") has the label t


class Yx(sp.Function):
    """y(x, w) at the point x: ``Yx(x)`` with the weights implicit (reader notation, jets
    ``YxG``, ``YxH``), or ``Yx(x, w_r, w_s)`` when a derivation differentiates it with SymPy
    in two named weights (derive/outer.py, exercise 5.17).  Both print ``y(x, w)``."""
    nargs = (1, 3)


class YxG(sp.Function):
    """∂y(x, w)/∂w_r: arguments (x, r)."""
    nargs = 2


class YxH(sp.Function):
    """∂²y(x, w)/∂w_r∂w_s: arguments (x, r, s)."""
    nargs = 3


class YxT(sp.Function):
    """Third derivative of y(x, w): arguments (x, r, s, u)."""
    nargs = 4


class Pxt(sp.Function):
    """The joint density p(x, t)."""
    nargs = 2


class Px(sp.Function):
    """The marginal density p(x)."""
    nargs = 1


class Ptx(sp.Function):
    """The conditional density p(t|x): arguments (t, x)."""
    nargs = 2


class CondMean(sp.Function):
    """E[t|x] = ∫ t p(t|x) dt (PRML 1.89)."""
    nargs = 1


# ------------------------------------------------------------------------------------------
# Derivations by SymPy differentiation (derive/outer.py, finite.py): the model's quantities as
# undefined functions of two named weights w_r, w_s, e.g. y_n = Output(n, w_r, w_s).  The same
# quantities as the jets above (YN, YG, YH …) are what the checker reads and evaluates; here
# SymPy's own Derivative is the jet, so that a derivation is the chain and product rule.
W_R, W_S = sp.symbols("w_r w_s", real=True)


class GenericFunction(sp.Function):
    r"""An undefined smooth function of the weights printed in PRML's notation (base class):
    ``symbol`` with the arguments other than ``w_r``, ``w_s`` as subscripts; ``short`` is the
    name a derivative prints (``y_n`` in ``∂y_n/∂w_r``).

    >>> from symhess.printing import generic_latex
    >>> class Out(GenericFunction):
    ...     symbol = "y"
    >>> n = sp.Symbol("n")
    >>> generic_latex(Out(n, W_R, W_S)), generic_latex(sp.Derivative(Out(n, W_R, W_S), W_R))
    ('y_{n}', '\\frac{\\partial y_{n}}{\\partial w_r}')
    """

    symbol = "f"

    def _prml_latex(self, printer: Any, exp: str | None = None) -> str:
        s = self._body(printer)
        return f"{s}^{{{exp}}}" if exp else s

    def _body(self, printer: Any) -> str:
        idx = [a for a in self.args if a not in (W_R, W_S)]
        return f"{self.symbol}_{{{''.join(printer._print(i) for i in idx)}}}"

    def short(self, printer: Any) -> str:
        """The name used as the numerator of a derivative (``y_n`` in ``∂y_n/∂w_r``)."""
        return self._body(printer)


SYMMETRIC = (YH, Y3, EH, E3)
_JET = {YN: YG, YG: YH, YH: Y3, EG: EH, EH: E3}
_FJET = {Yx: YxG, YxG: YxH, YxH: YxT}


def jet_next(q: sp.Expr) -> tuple[sp.IndexedBase, tuple[sp.Expr, ...]] | None:
    """For a jet quantity, the base of its derivative w.r.t. w_r and the leading indices."""
    if isinstance(q, sp.Indexed) and q.base in _JET:
        return _JET[q.base], tuple(q.indices)
    if q == E_W:
        return EG, ()
    return None


def fjet_next(q: sp.Expr) -> type | None:
    """For y(x, w) and its derivatives, the function class of the next derivative."""
    return _FJET.get(type(q))


def weight_component(letter: str = "r", primes: int = 0) -> sp.Indexed:
    """``w_r`` as an Indexed component of **w**.

    >>> weight_component("s")
    wv[s]
    """
    return WV[index(letter, primes)]
