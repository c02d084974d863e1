"""Parse trees of a reader's LaTeX turned into SymPy meanings (NOTATION.md made executable).

A member of a chain means a SymPy expression in the language of :mod:`symhess.network`
(two-layer network) or :mod:`symhess.model` (generic model, integrals), plus its *shape*:
the component indices of a vector or matrix (``∇y_n`` is a column vector with one free
component index, ``∇∇E`` a matrix with two).  Operators apply to the rest of the product
(the parser already grouped them so).  Loose but unambiguous notation is read as the
reader evidently means it, and each such reading is recorded; anything else raises
:class:`Unsupported` with the reason, never a guess.

>>> from symhess.notation.parser import parse_chain
>>> m = interpret(parse_chain(r"z_j z_{j'} M_{kk'} = 0").members[0].expr)
>>> m.expr
M[k, k']*z[j']*z[j]
>>> m.shape
'scalar'
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field, replace

import sympy as sp

from .. import model as md
from .. import network as nw
from ..calculus import collapse, derivative, provably_equal, r_operator, substitute_free
from ..errors import IllFormed, Unsupported
from . import ast
from .unparse import latex

ROW = sp.Symbol("r_1", integer=True)  # canonical component index of a column vector / matrix row
COL = sp.Symbol("s_1", integer=True)  # ... of a row vector / matrix column


@dataclass(frozen=True)
class Meaning:
    """What a member means: an expression, its component indices, and the readings used."""

    expr: sp.Expr
    row: sp.Symbol | None = None
    col: sp.Symbol | None = None
    readings: tuple[str, ...] = field(default=())

    @property
    def shape(self) -> str:
        return {(False, False): "scalar", (True, False): "column vector",
                (False, True): "row vector", (True, True): "matrix"}[
            (self.row is not None, self.col is not None)]


@dataclass(frozen=True)
class Context:
    """What is in force for one step (:mod:`symhess.context` builds it from the document).

    ``definitions``: a defined name (``"E"``) → its expression; ``symbols``: a quantity the
    document defines, keyed by how it is written without subscripts (``\\tilde{E}``,
    ``\\hat{a}``) → (its index parameters, its meaning); ``one_pattern``: E with no data
    index is one pattern's error E_n (PRML §5.4.6); ``output``: y_k = g(a_k) for non-linear
    outputs (g in terms of the symbol ``a``), None for linear outputs; ``generic_weights``: the
    step uses PRML's generic unit notation (w_{ji}, w_{lk} any two weights);
    ``bias_absorbed``: a sum over input units i or hidden units j written without a lower
    bound starts at the bias unit 0 (PRML 5.98 writes ``a_j = \\sum_i w_{ji} x_i`` with
    x_0 = 1) — one of the two readings tried in a document that has biases; ``biases``: the
    document has bias units, so R{·} = vᵀ∇ includes the bias directions v_{j0}, v_{k0}.
    """

    definitions: tuple[tuple[str, sp.Expr], ...] = ()
    symbols: tuple[tuple[str, tuple[sp.Symbol, ...], Meaning], ...] = ()
    one_pattern: bool = False
    output: sp.Expr | None = None
    generic_weights: bool = False
    bias_absorbed: bool = False
    biases: bool = False

    def lookup(self, name: str) -> sp.Expr | None:
        for key, val in self.definitions:
            if key == name:
                return val
        return None

    def defined(self, key: str) -> tuple[tuple[sp.Symbol, ...], Meaning] | None:
        """The parameters and meaning of a quantity the document defined, or None."""
        for k, params, meaning in self.symbols:
            if k == key:
                return params, meaning
        return None


def interpret(node: ast.Node, ctx: Context = Context()) -> Meaning:
    """The meaning of one chain member (canonical component indices ``r_1``, ``s_1``).

    A pure function of ``(node, ctx)`` (both frozen; positions do not take part in a node's
    equality and never in a meaning), so meanings are memoised: a chain's member is read once
    as the right side of one step and again as the left side of the next, and a suggestion
    search reads many candidates that share most of their subtrees.  What cannot be read is
    not memoised (it raises again, with its own position).
    """
    key = (node, ctx)
    try:
        return _MEANINGS[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable part (never built by the parser): read it afresh
        return _interpret(node, ctx)
    m = _interpret(node, ctx)
    if len(_MEANINGS) >= _MEMO_SIZE:
        _MEANINGS.pop(next(iter(_MEANINGS)))
    _MEANINGS[key] = m
    return m


_MEMO_SIZE = 4096
_MEANINGS: dict[tuple[ast.Node, Context], Meaning] = {}


def _interpret(node: ast.Node, ctx: Context) -> Meaning:
    it = _Interpreter(ctx)
    m = it.value(node)
    ren = {}
    if m.row is not None and m.row != ROW:
        ren[m.row] = ROW
    if m.col is not None and m.col != COL:
        ren[m.col] = COL
    expr = m.expr.xreplace(ren) if ren else m.expr
    return Meaning(expr, ROW if m.row is not None else None, COL if m.col is not None else None,
                   tuple(dict.fromkeys(it.readings)))


_SUBTREE_MEMO = 16384
_SUBTREES: dict[tuple[ast.Node, int, int, tuple[str, ...]], tuple[Meaning, tuple[str, ...], int]] = {}
_LEAVES = (ast.Index, ast.Number)
_CONTEXTS: dict[Context, int] = {}


def _context_id(ctx: Context) -> int | None:
    """A small number standing for ``ctx`` in memo keys (hashed once per reading, not per
    node), or None for a context that cannot be hashed (then nothing is memoised)."""
    try:
        found = _CONTEXTS.get(ctx)
    except TypeError:
        return None
    if found is None:
        if len(_CONTEXTS) >= _CONTEXT_MEMO:  # numbers are reused from here: forget both
            _CONTEXTS.clear()
            _SUBTREES.clear()
        found = _CONTEXTS[ctx] = len(_CONTEXTS)
    return found


_CONTEXT_MEMO = 1024

_SIZE_NAMES = {"D": "i", "M": "j", "K": "k", "N": "n", "W": "r"}
# Letters that name network or model quantities: written without their subscripts they are
# a mistake to report, never a constant.
_NETWORK_LETTERS = frozenset("h t w x y z v E H I M T delta nabla".split())


class _Interpreter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ctx_id = _context_id(ctx)
        self.readings: list[str] = []
        self.counter = 0
        self.bound: tuple[str, ...] = ()  # index letters bound by the sums around the node read

    # ---------------------------------------------------------------- helpers
    def fresh_component(self) -> sp.Symbol:
        self.counter += 1
        return sp.Symbol(f"r_{self.counter + 1}", integer=True)

    def idx(self, i: ast.Node, pos: ast.Pos) -> sp.Expr:
        if not isinstance(i, (ast.Index, ast.Number)):  # parser: _{n+1}, _{L+1}
            return self._index_expression(i, pos)
        if isinstance(i, ast.Number):
            return sp.Integer(int(i.text)) if i.text.isdigit() else _bad(f"subscript {i.text}", pos)
        if i.letter not in nw.SIZES:
            raise Unsupported(f"index letter {i.letter!r} has no range in NOTATION.md "
                              f"(i, j, k, n, r, s)", pos)
        return nw.index(i.letter, i.primes)

    def letters(self, s: ast.Symbol) -> str:
        """The subscript's index letters: ``w_{kj}`` → ``"kj"``; the bias unit 0 → ``"0"``
        (``w_{k0}`` → ``"k0"``); any other numeral, a concrete unit (``z_1``), → ``"#"``, which
        no built-in quantity takes (a concrete unit is not the bias unit)."""
        return "".join(i.letter if isinstance(i, ast.Index) else
                       ("0" if i.text == "0" else "#") if isinstance(i, ast.Number) else "+" for i in s.sub)

    # ---------------------------------------------------------------- dispatch
    def value(self, node: ast.Node) -> Meaning:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(f"{type(node).__name__} is not supported here", node.pos)
        if isinstance(node, _LEAVES) or self.ctx_id is None:
            return method(node)
        # A subtree's meaning, its readings and the components it numbers depend on the
        # subtree, the context and the component counter only: replayed from the memo, a
        # subtree read before (in another step, or in another candidate of a suggestion
        # search that edits elsewhere) gives exactly what reading it again would.  The index
        # letters bound around it take part: j alone means another thing inside Σ_j.
        key = (node, self.ctx_id, self.counter, self.bound)
        hit = _SUBTREES.get(key)
        if hit is not None:
            m, readings, counter = hit
            self.readings.extend(readings)
            self.counter = counter
            return m
        first = len(self.readings)
        m = method(node)
        if len(_SUBTREES) >= _SUBTREE_MEMO:
            _SUBTREES.pop(next(iter(_SUBTREES)))
        _SUBTREES[key] = (m, tuple(self.readings[first:]), self.counter)
        return m

    def scalar(self, node: ast.Node, what: str) -> sp.Expr:
        m = self.value(node)
        if m.shape != "scalar":
            raise IllFormed(f"{what} must be a scalar, but it is a {m.shape}", node.pos)
        return m.expr

    # ---------------------------------------------------------------- leaves
    def _Number(self, node: ast.Number) -> Meaning:
        if len(node.text) > 60:
            raise Unsupported(f"a numeral of {len(node.text)} characters", node.pos)
        return Meaning(sp.Rational(node.text))

    def _Symbol(self, node: ast.Symbol) -> Meaning:
        got = self._in_context(node)
        if got is not None:
            return got
        if node.accent is not None or node.calligraphic:  # parser: \tilde{E}, w^*, \mathcal{W}
            return self._decorated(node)
        if node.name == "W" and len(node.sub) == 2 and not node.bold and all(
                isinstance(i, ast.Index) for i in node.sub):  # W_{kj}: some notes capitalise weights
            self.readings.append(f"{node} read as the weight w_{{{''.join(map(str, node.sub))}}}")
            node = replace(node, name="w")
        name, sub, letters = node.name, node.sub, self.letters(node)
        pos = node.pos
        ix = [self.idx(i, pos) for i in sub]
        if node.primes:
            raise Unsupported(f"a primed symbol {node} outside a function call", pos)
        if name == "w":
            if node.bold:
                raise Unsupported(r"the weight vector \mathbf{w} only makes sense as a "
                                  r"derivative variable (∂/∂\mathbf{w}, ∇)", pos)
            if letters in ("r", "s"):
                return Meaning(md.WV[ix[0]])
            layer = {"ji": 1, "j0": 1, "kj": 2, "k0": 2}.get(letters)
            if layer is None or (node.layer is not None and node.layer != layer):
                raise Unsupported(f"{node}: a first-layer weight is w_{{ji}}^{{(1)}}, a second-layer "
                                  f"one w_{{kj}}^{{(2)}}; these index letters do not fit", pos)
            return Meaning((nw.W1 if layer == 1 else nw.W2)[ix[0], ix[1]])
        if name == "v" and letters in ("ji", "kj", "j0", "k0") and not node.bold:
            return Meaning((nw.V1 if letters[0] == "j" else nw.V2)[ix[0], ix[1]])
        table = {("a", "j"): nw.A_HID, ("a", "k"): nw.A_OUT, ("z", "j"): nw.Z, ("x", "i"): nw.X,
                 ("y", "k"): nw.Y, ("t", "k"): nw.T, ("delta", "k"): nw.DELTA,
                 ("M", "kk"): nw.MM, ("y", "n"): md.YN, ("t", "n"): md.TN}
        base = table.get((name, letters))
        if base is not None and not node.bold:
            return Meaning(base[tuple(ix)])
        if name == "z" and letters == "0" or name == "x" and letters == "0":
            return Meaning(sp.S.One)
        if name == "E" and letters == "n":
            if sub[0].primes:  # type: ignore[union-attr]
                raise Unsupported(f"{node}: the error of one data point is written E_n; other "
                                  "data points are not modelled", pos)
            return Meaning(nw.E_N)
        if name == "E" and not sub:
            d = self.ctx.lookup("E")
            if d is md.UNREAD:
                raise Unsupported("E is defined in the document, but that definition could not be read "
                                  "or used, so this step is not checked", pos)
            if d is not None:
                return Meaning(d)
            return Meaning(md.E_W)
        if name == "delta" and letters == "j":
            self.readings.append(r"\delta_j read as \partial E_n/\partial a_j = h'(a_j) \sum_k w_{kj} \delta_k (5.56)")
            return Meaning(collapse(derivative(nw.E_N, nw.A_HID[ix[0]])))
        if name == "I" and len(ix) == 2 and letters[0] == letters[1]:
            return Meaning(sp.KroneckerDelta(ix[0], ix[1]))
        if name == "H" and not sub:  # the Hessian ∇∇E of the error in force
            e = self.ctx.lookup("E")
            if e is md.UNREAD:
                raise Unsupported("H is the Hessian of E, whose definition in the document could not be "
                                  "read or used, so this step is not checked", pos)
            return self._gradient(self._gradient(Meaning(md.E_W if e is None else e), pos), pos)
        if name == "b" and letters == "n":
            if not node.bold:
                self.readings.append(r"b_n read as the vector \mathbf{b}_n = \nabla y_n (5.84)")
            r = self.fresh_component()
            return Meaning(md.YG[ix[0], r], r, None)
        if name == "x" and not sub:
            if not node.bold:
                self.readings.append(r"x read as the input vector \mathbf{x}")
            return Meaning(md.XV)
        if name == "t" and not sub:
            return Meaning(md.TV)
        if name == "y" and not sub and not node.bold:
            self.readings.append(r"y read as y(\mathbf{x}, \mathbf{w})")
            return Meaning(md.Yx(md.XV))
        if name == "v" and not sub:  # the R-operator's vector (5.96)
            if not node.bold:
                self.readings.append(r"v read as the vector \mathbf{v} (5.96)")
            r = self.fresh_component()
            return Meaning(md.VV[r], r, None)
        if not sub and not node.bold and not node.blackboard and not node.primes and name in ("D", "K", "N") \
                and node.layer is None:  # K: the number of outputs, as in Σ_{k=1}^{K} (M and W also name matrices)
            return Meaning(nw.SIZES[_SIZE_NAMES[name]])
        if not sub and not node.bold and not node.primes and name in self.bound:
            raise Unsupported(f"the summation index {node} used as a number inside its own sum", pos)
        if not sub and not node.bold and not node.blackboard and name not in _NETWORK_LETTERS:
            self.readings.append(f"{node} read as a constant")
            return Meaning(md.Parameter(str(node)))
        if "#" in letters:
            raise Unsupported(f"{node} names a concrete unit by number; symhess reads index letters "
                              "(i, j, k, n) and the bias unit 0", pos)
        raise Unsupported(f"unknown quantity {node} (see docs/NOTATION.md for the symbols symhess "
                          "knows; define a new one in a display such as Q = …)", pos)

    # ---------------------------------------------------------------- context (symhess.context)
    def _in_context(self, node: ast.Symbol) -> Meaning | None:
        """A symbol whose meaning the document's context gives, or the book's own names."""
        key = symbol_key(node)
        found = self.ctx.defined(key)
        if found is not None:
            params, meaning = found
            if meaning.readings and meaning.readings[0].startswith("unread:"):
                raise Unsupported(f"{node} is defined in the document, but that definition could not "
                                  f"be used ({meaning.readings[0][7:].strip()})", node.pos)
            if len(params) != len(node.sub):
                raise Unsupported(f"{node} is defined with {len(params)} subscript(s), used "
                                  f"with {len(node.sub)}", node.pos)
            args = [self.subscript_value(i, node.pos) for i in node.sub]
            for p, a in zip(params, args):
                if p.is_Integer and p != a:  # a fixed subscript (\tilde{w}_{j0}) used with another
                    raise Unsupported(f"{node}: defined for the subscript {p} only", node.pos)
            ren = {p: a for p, a in zip(params, args) if not p.is_Integer}
            self.readings.append(f"{key} as defined in the document")
            # the definition's own summation indices are renamed apart from the arguments
            # (F_j := Σ_{j'} z_{j'} I_{jj'} used as F_{j'} is z_{j'}, not Σ_{j'} z_{j'} I_{j'j'})
            return Meaning(substitute_free(meaning.expr, ren) if ren else meaning.expr, meaning.row, meaning.col)
        letters = "".join(i.letter if isinstance(i, ast.Index) else "?" for i in node.sub)
        plain = not node.bold and not getattr(node, "accent", None) and not node.primes
        if not plain:
            return None
        if self.ctx.generic_weights and node.name == "w" and len(node.sub) == 2:
            # PRML's generic notation: w_{ji} and w_{lk} are any two weights of the network
            comp = {"ji": "r", "lk": "s", "kj": "s"}.get(letters)
            if comp is not None:
                self.readings.append(f"{node} read as a generic weight w_{comp} (PRML's unit notation)")
                return Meaning(md.WV[nw.index(comp)])
        if node.name == "H" and len(node.sub) == 2 and letters == "kk":
            self.readings.append(r"H_{kk'} read as M_{kk'} (PRML prints H_{kk'} in 5.95)")
            return Meaning(nw.MM[tuple(self.idx(i, node.pos) for i in node.sub)])
        if node.name == "delta" and len(node.sub) == 2 and letters[0] == letters[1] and letters[0] in "ijkn":
            a, b = (self.idx(i, node.pos) for i in node.sub)
            return Meaning(sp.KroneckerDelta(a, b))
        if node.name == "z" and letters == "i":
            self.readings.append(r"z_i read as x_i (PRML 5.79: z_i = x_i for an input unit)")
            return Meaning(nw.X[self.idx(node.sub[0], node.pos)])
        if node.name == "E" and not node.sub and self.ctx.one_pattern and self.ctx.lookup("E") is None:
            self.readings.append("E read as one pattern's error E_n (PRML §5.4.6)")
            return Meaning(nw.E_N)
        if node.name == "y" and letters == "k" and self.ctx.output is not None:
            a = self.idx(node.sub[0], node.pos)
            return Meaning(self.ctx.output.xreplace({sp.Symbol("a"): nw.A_OUT[a]}))
        return None

    def subscript_value(self, i: ast.Node, pos: ast.Pos) -> sp.Expr:
        if isinstance(i, (ast.Index, ast.Number)):
            return self.idx(i, pos)
        return self.scalar(i, "a subscript")

    def _Index(self, node: ast.Index) -> Meaning:
        raise Unsupported(f"a bare index {node} is not a quantity", node.pos)

    def _Call(self, node: ast.Call) -> Meaning:
        f = node.func
        if f.name == "h" and not f.sub and len(node.args) == 1 and not node.given:
            if f.primes > 3:
                raise Unsupported("derivatives of h beyond the third", node.pos)
            arg = self.scalar(node.args[0], "the argument of h")
            if f.primes == 0 and isinstance(arg, sp.Indexed) and arg.base == nw.A_HID:
                return Meaning(nw.Z[arg.indices[0]])
            return Meaning(nw.ACTIVATION_CHAIN[f.primes](arg))
        if f.name == "sigma" and not f.sub and not f.primes and len(node.args) == 1 and not node.given:
            arg = self.scalar(node.args[0], "the argument of σ")
            return Meaning(1 / (1 + sp.exp(-arg)))  # the logistic sigmoid (PRML 4.59, 5.19)
        if f.name == "y" and not f.primes and not node.given and _is_model_args(node.args):
            return Meaning(md.Yx(md.XV))
        args = [self.value(a).expr for a in node.args]
        given = [self.value(g).expr for g in node.given]
        if f.name == "p" and not given and args in ([md.XV, md.TV],):
            return Meaning(md.Pxt(md.XV, md.TV))
        if f.name == "p" and not given and args == [md.XV]:
            return Meaning(md.Px(md.XV))
        if f.name == "p" and args == [md.TV] and given == [md.XV]:
            return Meaning(md.Ptx(md.TV, md.XV))
        if f.name == "E" and args == [md.TV] and given == [md.XV]:
            return Meaning(md.CondMean(md.XV))
        raise Unsupported(f"unknown function {f}(…) with these arguments", node.pos)

    # ---------------------------------------------------------------- structure
    def _Paren(self, node: ast.Paren) -> Meaning:
        return self.value(node.expr)

    def _Add(self, node: ast.Add) -> Meaning:
        parts = [(sign, self.value(t), t) for sign, t in node.terms]
        first = parts[0][1]
        out = []
        for sign, m, t in parts:
            if m.shape != first.shape:
                raise IllFormed(f"adds a {first.shape} and a {m.shape} "
                                f"(the term at {t.pos} is a {m.shape})", t.pos)
            ren = {}
            if m.row is not None and m.row != first.row:
                ren[m.row] = first.row
            if m.col is not None and m.col != first.col:
                ren[m.col] = first.col
            out.append(sign * (m.expr.xreplace(ren) if ren else m.expr))
        return Meaning(sp.Add(*out), first.row, first.col)

    def _Mul(self, node: ast.Mul) -> Meaning:
        factors = list(node.factors)
        bare = [f for f in factors if isinstance(f, ast.Sum) and f.index is None]
        if bare:
            return self._loose_sum(node, factors, bare[0])
        acc = Meaning(sp.S.One)
        for f in factors:
            acc = self._times(acc, self.value(f), f.pos)
        return acc

    def _loose_sum(self, node: ast.Mul, factors: list[ast.Node], s: ast.Sum) -> Meaning:
        """``f_n \\sum (y_n - t_n)``: a bare sum after factors that carry n sums the whole product."""
        letter = _infer_sum_letter(s.body)
        if letter is None:
            raise Unsupported(r"a bare \sum whose summation index cannot be told from its body",
                              s.pos)
        others = [f for f in factors if f is not s]
        if any(_carries(f, letter) for f in others):
            self.readings.append(rf"a bare \sum after factors carrying {letter} read as "
                                 rf"\sum_{letter} over the whole product")
            inner = ast.Mul(tuple(s.body if f is s else f for f in factors), node.pos)
            body = self.value(inner)
            d = nw.index(letter)
            _check_data_sum(d, body.expr, node.pos)
            return Meaning(sp.Sum(body.expr, (d, 1, nw.SIZES[letter])), body.row, body.col)
        acc = Meaning(sp.S.One)
        for f in factors:
            acc = self._times(acc, self.value(f), f.pos)
        return acc

    def _times(self, a: Meaning, b: Meaning, pos: ast.Pos) -> Meaning:
        sa, sb = a.shape, b.shape
        if sa == "scalar":
            return Meaning(a.expr * b.expr, b.row, b.col)
        if sb == "scalar":
            return Meaning(a.expr * b.expr, a.row, a.col)
        if sa == "column vector" and sb == "row vector":
            return Meaning(a.expr * b.expr, a.row, b.col)
        if sa == "row vector" and sb == "column vector":
            d = self.fresh_component()
            body = a.expr.xreplace({a.col: d}) * b.expr.xreplace({b.row: d})
            return Meaning(sp.Sum(body, (d, 1, md.SIZE_W)))
        if sa in ("row vector", "matrix") and sb in ("column vector", "matrix"):  # contraction
            d = self.fresh_component()
            body = a.expr.xreplace({a.col: d}) * b.expr.xreplace({b.row: d})
            return Meaning(sp.Sum(body, (d, 1, md.SIZE_W)), a.row, b.col)
        raise IllFormed(f"multiplies a {sa} by a {sb}", pos)

    def _Frac(self, node: ast.Frac) -> Meaning:
        num = self.value(node.num)
        den = self.scalar(node.den, "a denominator")
        if den.is_zero:
            raise IllFormed("division by zero", node.pos)
        return Meaning(num.expr / den, num.row, num.col)

    def _Pow(self, node: ast.Pow) -> Meaning:
        base = self.value(node.base)
        exp = self.scalar(node.exp, "an exponent")
        if base.shape != "scalar":
            raise Unsupported(f"a power of a {base.shape}", node.pos)
        small_rational = exp.is_Rational and abs(exp.p) <= 16 and exp.q <= 4  # a^{1/2}, c^{-1/2}
        if not (exp.is_Integer and abs(int(exp)) <= 16) and not small_rational:
            raise Unsupported(f"the exponent {latex(node.exp)} (only small integer and rational "
                              f"powers such as 1/2 are supported)", node.pos)
        if base.expr.is_zero and exp < 0:
            raise IllFormed("division by zero", node.pos)
        return Meaning(base.expr ** exp)

    def _Transpose(self, node: ast.Transpose) -> Meaning:
        m = self.value(node.expr)
        return Meaning(m.expr, m.col, m.row)

    def _Sum(self, node: ast.Sum) -> Meaning:
        if node.index is None:
            letter = _infer_sum_letter(node.body)
            if letter is None:
                raise Unsupported(r"a bare \sum whose summation index cannot be told", node.pos)
            d = nw.index(letter)
        else:
            d = self.idx(node.index, node.pos)
        if node.lower is not None:
            lo = self._bound(node.lower)
        else:  # a bare sum: over the units 1..D (1..M), or from the bias unit 0 when read so
            lo = sp.S.Zero if self.ctx.bias_absorbed and nw.letter_of(d) in ("i", "j") else sp.S.One
        hi = nw.SIZES[nw.letter_of(d)] if node.upper is None else self._bound(node.upper)
        outer = self.bound
        self.bound = outer + (str(d),)
        try:
            body = self.value(node.body)
        finally:
            self.bound = outer
        _check_data_sum(d, body.expr, node.pos)
        return Meaning(sp.Sum(body.expr, (d, lo, hi)), body.row, body.col)

    def _bound(self, node: ast.Node) -> sp.Expr:
        if isinstance(node, ast.Symbol) and not node.sub and node.name in _SIZE_NAMES:
            return nw.SIZES[_SIZE_NAMES[node.name]]
        if isinstance(node, ast.Number) and node.text.isdigit():
            return sp.Integer(int(node.text))
        if isinstance(node, ast.Add) and len(node.terms) <= 3:  # soundness: M - 1, N + 1, D + 1
            parts = [sign * self._bound(t) for sign, t in node.terms]
            if sum(1 for p in parts if not p.is_Integer) <= 1:
                return sp.Add(*parts)
        raise Unsupported(f"summation bound {node} (expected a number, N, K, M, D, or one of "
                          f"them plus or minus a number, e.g. M - 1)", node.pos)

    def _Integral(self, node: ast.Integral) -> Meaning:
        if node.signs != len(node.measures):
            raise Unsupported(f"{node.signs} integral signs but {len(node.measures)} measures", node.pos)
        vars_ = []
        for m in node.measures:
            v = self.value(m).expr
            if v not in (md.XV, md.TV):
                raise Unsupported(f"integration variable {m} (expected d\\mathbf{{x}} or dt)", m.pos)
            vars_.append(v)
        body = self.scalar(node.body, "an integrand")
        return Meaning(sp.Integral(body, *vars_))

    def _EqRef(self, node: ast.EqRef) -> Meaning:
        raise Unsupported(f"({node.number}) is a reference, not an expression", node.pos)

    # ---------------------------------------------------------------- parser-introduced nodes
    # (owner: the parser engineer; Div, Func, Abs, Order, SumOver, decorated symbols, index
    # expressions.  Meanings the package already has; the others say why not, never a guess.)
    def _decorated(self, node: ast.Symbol) -> Meaning:
        """``\\tilde{E}`` (= ``\\widetilde{E}``), ``\\hat{a}_j``, ``w^{\\star}``: new scalar symbols."""
        if node.calligraphic:
            raise Unsupported(f"{node} names a set or a calligraphic quantity, which has no "
                              "meaning here", node.pos)
        if node.primes:
            raise Unsupported(f"a primed symbol {node} outside a function call", node.pos)
        name = str(dataclasses.replace(node, sub=()))
        if not node.sub:
            return Meaning(sp.Symbol(name))
        ix = tuple(self.idx(i, node.pos) for i in node.sub)
        return Meaning(sp.IndexedBase(name)[ix])

    def _index_expression(self, node: ast.Node, pos: ast.Pos) -> sp.Expr:
        """``n+1``, ``2n-1`` in a subscript: integer arithmetic on indices."""
        if isinstance(node, (ast.Index, ast.Number)):
            return self.idx(node, pos)
        if isinstance(node, ast.Add):
            return sp.Add(*(sign * self._index_expression(t, pos) for sign, t in node.terms))
        if isinstance(node, ast.Mul):
            return sp.Mul(*(self._index_expression(f, pos) for f in node.factors))
        raise Unsupported(f"a subscript holding {latex(node)}", pos)

    def _Div(self, node: ast.Div) -> Meaning:
        return self._Frac(node)  # type: ignore[arg-type]  # a / b means \frac{a}{b}

    def _Func(self, node: ast.Func) -> Meaning:
        fn = _FUNCTIONS.get(node.name)
        if fn is None:
            raise Unsupported(f"the function \\{node.name} has no meaning here (known: "
                              f"{', '.join(sorted(_FUNCTIONS))})", node.pos)
        if node.name == "log":
            self.readings.append(r"\log read as the natural logarithm \ln")
        return Meaning(fn(self.scalar(node.arg, f"the argument of \\{node.name}")))

    def _Abs(self, node: ast.Abs) -> Meaning:
        return Meaning(sp.Abs(self.scalar(node.expr, "what |…| encloses")))

    def _Order(self, node: ast.Order) -> Meaning:
        raise Unsupported(f"a remainder O({latex(node.expr)}) claims an order of error; it has "
                          "no meaning as an expression here", node.pos)

    def _EvalAt(self, node: ast.EvalAt) -> Meaning:
        shifted = ", ".join(latex(a) for a in node.args)
        raise Unsupported(f"{latex(node.expr)} evaluated at {shifted}: a derivative at shifted "
                          "weights is read only in a finite-difference statement with O(·)",
                          node.pos)

    def _SumOver(self, node: ast.SumOver) -> Meaning:
        raise Unsupported(f"a sum over the set {latex(node.domain)}: sums over sets have no "
                          "meaning here (write the index range, e.g. \\sum_{j=1}^{M})", node.pos)

    # ---------------------------------------------------------------- derivatives
    def _Derivative(self, node: ast.Derivative) -> Meaning:
        if node.of is None:
            raise Unsupported("a derivative operator with nothing to act on", node.pos)
        return self._differentiate(node, self.value(node.of), node.pos)

    def _Apply(self, node: ast.Apply) -> Meaning:
        op = node.op
        if isinstance(op, ast.ROp):
            w = node.operand.expr if isinstance(node.operand, ast.Paren) else node.operand
            if isinstance(w, ast.Symbol) and w.name == "w" and w.bold and not w.sub:
                self.readings.append(r"R\{\mathbf{w}\} = \mathbf{v}^T \nabla \mathbf{w} = \mathbf{v} (5.97)")
                r = self.fresh_component()
                return Meaning(md.VV[r], r, None)
            m = self.value(node.operand)
            if m.shape != "scalar" or _is_generic_model(m.expr):
                raise Unsupported(r"R\{\cdot\} is supported on scalar quantities of the two-layer "
                                  r"network (a_j, z_j, y_k, \delta_k, \partial E_n/\partial w, ...)",
                                  node.pos)
            self.readings.append(r"R\{\cdot\} = \mathbf{v}^T \nabla (5.97), v laid out like the weights")
            try:
                return Meaning(_collapsed_r_operator(m.expr, self.ctx.biases))
            except NotImplementedError as exc:
                raise Unsupported(str(exc), node.pos) from None
        if isinstance(op, ast.Nabla):
            split = _nabla_split(node)
            if split is not None and split[1]:
                # PRML's ∇y_n ∇y_n^T: ∇ before a named quantity is that quantity's gradient
                acc = self.value(split[0])
                for f in split[1]:
                    acc = self._times(acc, self.value(f), f.pos)
                return acc
            if isinstance(node.operand, ast.Transpose):  # soundness: PRML's ∇y_n^T = (∇y_n)^T
                inner = self.value(node.operand.expr)
                if inner.shape == "scalar":
                    self.readings.append(rf"\nabla {latex(node.operand.expr)}^T read as "
                                         rf"(\nabla {latex(node.operand.expr)})^T (PRML's notation)")
                    g = self._gradient(inner, node.pos)
                    return Meaning(g.expr, g.col, g.row)
            return self._gradient(self.value(node.operand), node.pos)
        if isinstance(op, ast.Derivative):
            rev = self._reverse_chain(op, node.operand)
            if rev is not None:
                return rev
            return self._differentiate(op, self.value(node.operand), node.pos)
        raise Unsupported(f"operator {type(op).__name__}", node.pos)

    def _reverse_chain(self, op: ast.Derivative, operand: ast.Node) -> Meaning | None:
        """``\\frac{\\partial}{\\partial u} \\frac{\\partial u}{\\partial v} F`` read as ``∂F/∂v``.

        Accepted only when the chain rule through ``u`` gives the same as differentiating
        ``F`` directly (``F`` depends on ``v`` only through ``u``).
        """
        if op.order != 1 or not isinstance(operand, ast.Mul) or len(operand.factors) < 2:
            return None
        first = operand.factors[0]
        if not (isinstance(first, ast.Derivative) and first.of is not None and first.order == 1
                and first.of == op.wrt[0]):
            return None
        rest_nodes = operand.factors[1:]
        rest_ast = rest_nodes[0] if len(rest_nodes) == 1 else ast.Mul(tuple(rest_nodes), operand.pos)
        rest = self.value(rest_ast)
        u = self.scalar(op.wrt[0], "a derivative variable")
        if rest.shape != "scalar" or not _is_variable(u):
            return None
        direct = self._differentiate(first, rest, operand.pos)
        via = self._times(self._differentiate(first, Meaning(u), operand.pos),
                          Meaning(_collapsed_derivative(rest.expr, u)), operand.pos)
        via_expr = via.expr.xreplace({via.row: direct.row}) if via.row is not None else via.expr
        for d in sorted(_free_indices(via_expr) - _free_indices(direct.expr), key=str):
            via_expr = sp.Sum(via_expr, (d, 1, nw.size_of(d)))
        if via.shape != direct.shape or not provably_equal(direct.expr, via_expr):
            raise Unsupported(
                f"∂/∂{op.wrt[0]} ∂{first.of}/∂{first.wrt[0]} is written in reverse chain-rule "
                f"order, but what follows depends on {first.wrt[0]} otherwise than through "
                f"{op.wrt[0]}, so the intended reading is unclear", operand.pos)
        self.readings.append(f"∂/∂{op.wrt[0]} ∂{first.of}/∂{first.wrt[0]} (reverse chain-rule "
                             f"order) read as ∂/∂{first.wrt[0]}")
        return direct

    def _differentiate(self, d: ast.Derivative, of: Meaning, pos: ast.Pos) -> Meaning:
        m = of
        for v in reversed(d.wrt):
            if isinstance(v, ast.Symbol) and v.name == "w" and v.bold and not v.sub:
                m = self._gradient(m, pos)
                continue
            var = self.scalar(v, "a derivative variable")
            if not _is_variable(var):
                raise Unsupported(f"differentiation with respect to {v}, which is not a weight "
                                  f"or an activation", v.pos)
            if m.shape not in ("scalar", "column vector"):
                raise Unsupported(f"∂/∂{v} of a {m.shape}", pos)
            m = Meaning(_collapsed_derivative(m.expr, var), m.row, m.col)
        return m

    def _gradient(self, m: Meaning, pos: ast.Pos) -> Meaning:
        r = self.fresh_component()
        if m.shape == "scalar":
            return Meaning(_collapsed_derivative(m.expr, md.WV[r]), r, None)
        if m.shape == "column vector":
            return Meaning(_collapsed_derivative(m.expr, md.WV[r]), r, m.row)
        if m.shape == "row vector":
            return Meaning(_collapsed_derivative(m.expr, md.WV[r]), r, m.col)
        raise Unsupported("the gradient of a matrix (a third-order tensor)", pos)


def _is_generic_model(e: sp.Expr) -> bool:
    return e.has(md.E_W) or any(isinstance(a, sp.Indexed) and a.base in (md.YN, md.TN, md.WV)
                                for a in e.atoms(sp.Indexed)) or e.has(md.Yx)


def _check_data_sum(d: sp.Symbol, body: sp.Expr, pos: ast.Pos) -> None:
    """A sum over data points n of per-point network quantities has no meaning here."""
    if nw.letter_of(d) != "n":
        return
    network = body.has(nw.E_N) or any(isinstance(a, sp.Indexed) and a.base in nw.KIND
                                      for a in body.atoms(sp.Indexed))
    if network:
        raise Unsupported(r"a sum over data points n of two-layer-network quantities: those are "
                          r"per data point here (E_n, a_k, \delta_k, ...); check one point's terms",
                          pos)


def _nabla_split(node: ast.Apply) -> tuple[ast.Node, tuple[ast.Node, ...]] | None:
    """``∇…∇ q rest``: the gradient chain of the named quantity ``q`` and the factors after it."""
    operand = node.operand
    if isinstance(operand, ast.Apply) and isinstance(operand.op, ast.Nabla):
        inner = _nabla_split(operand)
        if inner is None:
            return None
        return ast.Apply(node.op, inner[0], node.pos), inner[1]
    if isinstance(operand, ast.Mul) and isinstance(operand.factors[0], (ast.Symbol, ast.Call)):
        return ast.Apply(node.op, operand.factors[0], node.pos), tuple(operand.factors[1:])
    if isinstance(operand, (ast.Symbol, ast.Call)):
        return node, ()
    return None


def _is_model_args(args: tuple[ast.Node, ...]) -> bool:
    """``(\\mathbf{x}, \\mathbf{w})`` or ``(\\mathbf{x})``."""
    names = [(a.name, a.sub) for a in args if isinstance(a, ast.Symbol) and not a.accent]
    return len(names) == len(args) and names in ([("x", ())], [("x", ()), ("w", ())])


def _free_indices(e: sp.Expr) -> set[sp.Symbol]:
    """Free index symbols of ``e`` (sizes and x, t excluded)."""
    return {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer
            and s.name[0] in nw.SIZES and s not in nw.SIZES.values()}


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _collapsed_derivative(expr: sp.Expr, var: sp.Expr) -> sp.Expr:
    """``collapse(∂expr/∂var)``, memoised (pure; a candidate of a suggestion search differs
    from the member it edits in one place, so most of its derivatives were taken before)."""
    return collapse(_deriv(expr, var))


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _collapsed_r_operator(expr: sp.Expr, biases: bool = False) -> sp.Expr:
    """``collapse(R{expr})`` (5.97), memoised like :func:`_collapsed_derivative`."""
    return collapse(r_operator(expr, biases=biases))


def _deriv(expr: sp.Expr, var: sp.Expr) -> sp.Expr:
    try:
        return derivative(expr, var)
    except NotImplementedError as exc:
        raise Unsupported(str(exc)) from None


def _is_variable(v: sp.Expr) -> bool:
    if isinstance(v, sp.Indexed):
        return v.base in (nw.W1, nw.W2, nw.A_HID, nw.Z, nw.A_OUT, nw.Y, md.WV, md.YN)
    return isinstance(v, md.Yx)


def _carries(node: ast.Node, letter: str) -> bool:
    return any(isinstance(n, ast.Index) and n.letter == letter and n.primes == 0
               for n in ast.walk(node))


def _infer_sum_letter(body: ast.Node) -> str | None:
    """The index a bare ``\\sum`` runs over: ``n`` when the body carries it (NOTATION.md)."""
    if _carries(body, "n"):
        return "n"
    return None


_FUNCTIONS = {  # parser-introduced Func names -> SymPy
    "ln": sp.log, "log": sp.log, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "sech": sp.sech,
}


def _bad(what: str, pos: ast.Pos) -> sp.Expr:
    raise Unsupported(f"cannot read {what}", pos)


def symbol_key(node: ast.Symbol) -> str:
    r"""How a symbol is written without its subscripts: the key of a document's definition.

    >>> print(symbol_key(ast.Symbol("a", (ast.Index("j", 1),), None, 0, False, accent="hat")))
    \hat{a}_{j}
    """
    from dataclasses import replace as _replace
    head = str(_replace(node, sub=()))

    def letter(i: object) -> str:  # the range of a subscript: j and j' alike; N, L, L+1 alike
        if isinstance(i, ast.Index):
            return "#" if i.letter.isupper() else i.letter
        if isinstance(i, ast.Number):
            return i.text
        found = [n.letter for n in ast.walk(i) if isinstance(n, ast.Index)]  # type: ignore[arg-type]
        return ("#" if found[0].isupper() else found[0]) if found else "·"
    return head + ("_{" + "".join(letter(i) for i in node.sub) + "}" if node.sub else "")
