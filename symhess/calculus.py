"""Layered partial derivatives of network expressions, sums and Kronecker deltas.

Differentiation follows NOTATION.md: with respect to a weight, an expression is a
function of all weights; with respect to an activation (``a_j``, ``z_j``, ``a_k``,
``y_k``) quantities upstream of it are constants and downstream ones (``E_n``,
``delta_k``, ...) are functions of it.  Every local derivative comes from the network's
definitions (:mod:`symhess.network`: the table :data:`~symhess.network.TWO_LAYER` of PRML
5.62–5.64, or :data:`~symhess.network.SKIP_LAYER` with the skip-layer weights of exercise
5.23), composed by the chain rule.

>>> from symhess.network import W2, E_N, DELTA, Z, k, j
>>> collapse(derivative(E_N, W2[k, j]))
delta[k]*z[j]
"""
from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import permutations
from math import factorial

import sympy as sp

from . import model as md
from . import network as nw
from .errors import TooLarge

Limit = tuple[sp.Symbol, sp.Expr, sp.Expr]


class PD(sp.Function):
    """An unevaluated partial derivative ``∂f/∂v`` (for displaying chain-rule steps)."""

    nargs = 2


# --------------------------------------------------------------------------- derivatives
@dataclass(frozen=True)
class _Walk:
    """What a derivative walks through: the network's definitions
    (:data:`symhess.network.TWO_LAYER` or :data:`~symhess.network.SKIP_LAYER`) and the
    quantities whose rates stay placeholders (``keep`` of :func:`derivative`)."""

    network: nw.Definitions
    keep: frozenset[sp.Basic]


def derivative(expr: sp.Expr, v: sp.Expr, *, lazy: bool = False,
               keep: AbstractSet[sp.Basic] = frozenset(),
               avoid: frozenset[sp.Symbol] = frozenset(),
               network: nw.Definitions = nw.TWO_LAYER) -> sp.Expr:
    """d expr / d v by the chain rule through the network's definitions.

    >>> from symhess.network import Z, A_HID, A_OUT, W1, W3, E_N, j, jp, i, k
    >>> from symhess.network import X, hp
    >>> provably_equal(derivative(Z[j], W1[jp, i]), X[i] * sp.KroneckerDelta(j, jp) * hp(A_HID[j]))
    True
    >>> collapse(derivative(E_N, W3[k, i], network=nw.SKIP_LAYER))
    delta[k]*x[i]
    >>> derivative(E_N, W3[k, i], keep={A_OUT}, network=nw.SKIP_LAYER)
    Sum(PD(a2[k'], w3[k, i])*delta[k'], (k', 1, K))

    ``v`` is a weight (``w_{ji}^{(1)}``, ``w_{kj}^{(2)}``, ``w_{ki}^{(s)}``), an activation or a
    component ``w_r`` of the generic model; free indices range over their letters' ranges
    (i: 1..D, j: 1..M, k: 1..K), a summation index introduced here is the first of its letter
    (:func:`symhess.network.fresh`) clear of ``expr``, ``v`` and ``avoid``.

    ``network`` is the table of definitions walked: :data:`symhess.network.TWO_LAYER` (PRML
    5.62–5.64) or :data:`symhess.network.SKIP_LAYER` (``a_k`` with the skip-layer term of
    exercise 5.23); ``E_n``, ``δ_k`` (5.54), ``M_kk'`` (5.92) are functions of its ``a_k``.

    With ``lazy=True`` the result keeps local derivatives as :class:`PD` placeholders
    (one chain-rule step, as a reader writes it); :func:`evaluate_pd` fills them in.
    With ``keep`` (layer quantities, by base: ``A_OUT`` for every ``a_k``, ``A_HID``, …, or
    ``E_N``) only the rates ``∂q/∂v`` of those quantities stay placeholders, the rest filled in —
    several chain-rule steps at once, stopped where a reader stops (``Σ_k δ_k ∂a_k/∂w``); a
    kept placeholder is written even where it is zero (``∂a_j/∂w_{ki}^{(s)}``), for
    :func:`evaluate_pd` to fill in.
    """
    if lazy and keep:
        raise ValueError("lazy (every local derivative a placeholder) or keep (those of the "
                         "quantities kept), not both")
    expr = sp.sympify(expr)
    walk = _Walk(network, frozenset(keep))
    return _d(expr, v, lazy, frozenset(avoid) | symbols_of(expr) | symbols_of(v), walk)


def symbols_of(e: sp.Basic) -> frozenset[sp.Symbol]:
    """Free symbols and summation indices of ``e`` (names a fresh index must avoid)."""
    out = set(e.free_symbols)
    for s in e.atoms(sp.Sum):
        out |= {lim[0] for lim in s.limits}
    return frozenset(x for x in out if isinstance(x, sp.Symbol))


def _d(e: sp.Expr, v: sp.Expr, lazy: bool, taken: frozenset[sp.Symbol], walk: _Walk) -> sp.Expr:
    if e.is_Number or isinstance(e, sp.KroneckerDelta):
        return sp.S.Zero
    if isinstance(e, sp.Add):
        return sp.Add(*(_d(a, v, lazy, taken, walk) for a in e.args))
    if isinstance(e, sp.Mul):
        out = []
        for pos, a in enumerate(e.args):
            da = _d(a, v, lazy, taken, walk)
            if da != 0:
                out.append(sp.Mul(*e.args[:pos], da, *e.args[pos + 1:]))
        return sp.Add(*out)
    if isinstance(e, sp.Pow):
        if e.exp.free_symbols & v.free_symbols:
            raise NotImplementedError(f"derivative of a power with variable exponent: {e}")
        db = _d(e.base, v, lazy, taken, walk)
        return e.exp * e.base ** (e.exp - 1) * db if db != 0 else sp.S.Zero
    if isinstance(e, sp.Sum):
        body, limits = _avoid_clash(e, v, taken)
        db = _d(body, v, lazy, taken, walk)
        return sp.Sum(db, *limits) if db != 0 else sp.S.Zero
    if isinstance(e, sp.Integral):  # differentiation under the integral sign
        db = _d(e.function, v, lazy, taken, walk)
        return sp.Integral(db, *e.limits) if db != 0 else sp.S.Zero
    if isinstance(e, PD):
        raise NotImplementedError("derivative of an unevaluated derivative")
    return _atom(e, v, lazy, taken, walk)


def _atom(e: sp.Expr, v: sp.Expr, lazy: bool, taken: frozenset[sp.Symbol], walk: _Walk) -> sp.Expr:
    if isinstance(e, sp.Indexed) and isinstance(v, sp.Indexed) and e.base == v.base:
        return sp.Mul(*(sp.KroneckerDelta(a, b) for a, b in zip(e.indices, v.indices)))
    if e == v:
        return sp.S.One
    generic_v = isinstance(v, sp.Indexed) and v.base == md.WV
    jet = md.jet_next(e)
    if jet is not None:  # generic model: y_n, its derivatives, E(w)
        if generic_v:
            nxt, lead = jet
            return nxt[(*lead, v.indices[0])]
        _no_mixing(e, v)
        return sp.S.Zero
    fnext = md.fjet_next(e)
    if fnext is not None:  # y(x, w) and its derivatives
        if generic_v:
            return fnext(*e.args, v.indices[0])
        _no_mixing(e, v)
        return sp.S.Zero
    if generic_v and (e == nw.E_N or (isinstance(e, sp.Indexed) and e.base in nw.KIND
                                       and nw.KIND[e.base] != "const")):
        raise NotImplementedError(
            f"{e} belongs to the two-layer network; differentiate it with respect to "
            "w_{kj}^{(2)} or w_{ji}^{(1)}, not a generic component w_r")
    if isinstance(e, (md.Pxt, md.Px, md.Ptx, md.CondMean)):
        return sp.S.Zero
    if walk.keep and (e.base if isinstance(e, sp.Indexed) else e) in walk.keep:
        return PD(e, v)  # a rate kept as the reader writes it
    chain = nw.error_chain(e)
    if chain is not None:  # E_n, delta, M: functions of the a_k
        if isinstance(v, sp.Indexed) and v.base == nw.T3:
            return sp.S.Zero
        d = nw.fresh("k", e, v, *taken)
        inner = _d(nw.A_OUT[d], v, False, taken | {d}, walk)
        if _is_zero(inner):
            return sp.S.Zero
        nxt, lead = chain
        outer = PD(e, nw.A_OUT[d]) if lazy else nxt[(*lead, d)]
        inner = PD(nw.A_OUT[d], v) if lazy else inner
        return sp.Sum(outer * inner, (d, 1, nw.SIZES["k"]))
    if isinstance(e, sp.Indexed):
        dfn = nw.definition(e, taken, walk.network)
        if dfn is None:  # inputs, targets, weights of another layer
            return sp.S.Zero
        val = _d(dfn, v, False, taken | symbols_of(dfn), walk)
        if _is_zero(val):
            return sp.S.Zero
        return PD(e, v) if lazy else val
    if isinstance(e, sp.Function) and type(e) in nw.ACTIVATION_CHAIN[:-1]:
        (u,) = e.args
        du = _d(u, v, False, taken, walk)
        if _is_zero(du):
            return sp.S.Zero
        nxt = nw.ACTIVATION_CHAIN[nw.ACTIVATION_CHAIN.index(type(e)) + 1]
        return nxt(u) * (PD(u, v) if lazy else du)
    if isinstance(e, sp.Symbol):
        return sp.S.Zero
    raise NotImplementedError(f"cannot differentiate {e!r} (type {type(e).__name__})")


def _no_mixing(e: sp.Expr, v: sp.Expr) -> None:
    """A generic-model quantity can only be differentiated by w_r or by y itself."""
    if isinstance(v, sp.Indexed) and v.base in nw.KIND:
        raise NotImplementedError(
            f"{e} is a quantity of the generic model y(x, w) (E is the total error); it cannot be "
            f"differentiated with respect to the network's {v} — write E_n for one data point")


def evaluate_pd(expr: sp.Expr, avoid: frozenset[sp.Symbol] = frozenset(), *,
                network: nw.Definitions = nw.TWO_LAYER) -> sp.Expr:
    """Replace every :class:`PD` placeholder by its value from the definitions of ``network``
    (as :func:`derivative`), Kronecker sums collapsed.

    >>> from symhess.network import A_OUT, A_HID, W3, j, k, kp, i
    >>> evaluate_pd(PD(A_OUT[kp], W3[k, i]), network=nw.SKIP_LAYER)
    KroneckerDelta(k, k')*x[i]
    >>> evaluate_pd(PD(A_HID[j], W3[k, i]), network=nw.SKIP_LAYER)
    0
    """
    taken = frozenset(avoid) | symbols_of(expr)
    return expr.replace(lambda e: isinstance(e, PD),
                        lambda e: collapse(derivative(e.args[0], e.args[1], avoid=taken,
                                                      network=network)))


def _is_zero(e: sp.Expr) -> bool:
    return collapse(e) == 0


def _avoid_clash(s: sp.Sum, v: sp.Expr, taken: frozenset[sp.Symbol]) -> tuple[sp.Expr, list[Limit]]:
    body, limits = s.function, list(s.limits)
    for pos, (d, lo, hi) in enumerate(limits):
        if d in v.free_symbols:
            new = nw.fresh(nw.letter_of(d), s, v, *taken)
            body = body.xreplace({d: new})
            limits[pos] = (new, lo, hi)
    return body, limits


# --------------------------------------------------------------------------- normal form
@dataclass(frozen=True)
class Term:
    """One term of a sum-of-products normal form: ``sum_{limits} factor``."""

    limits: tuple[Limit, ...]
    factor: sp.Expr

    def to_expr(self) -> sp.Expr:
        out = self.factor
        for lim in reversed(self.limits):
            out = sp.Sum(out, lim)
        return out


def terms(expr: sp.Expr) -> list[Term]:
    """``expr`` as a flat list of terms with all sums pulled outwards.

    >>> from symhess.network import DELTA, W2, k, j
    >>> [t.factor for t in terms(sp.Sum(W2[k, j] * DELTA[k], (k, 1, 3)) + 2)]
    [2, delta[k]*w2[k, j]]
    """
    return _terms(sp.sympify(expr), set())


def _terms(e: sp.Expr, taken: set[sp.Symbol]) -> list[Term]:
    if isinstance(e, sp.Add):
        return [t for a in e.args for t in _terms(a, taken)]
    if isinstance(e, sp.Mul):
        acc = [Term((), sp.S.One)]
        for pos, a in enumerate(e.args):
            # a factor's summation indices are renamed apart from what the other factors leave
            # free: (Σ_k δ_k)(Σ_k' M_kk') must not become Σ_k Σ_k' δ_k M_kk' (k is free in M_kk')
            others = set().union(*(b.free_symbols for q, b in enumerate(e.args) if q != pos))
            new = []
            for left in acc:
                used = taken | others | {lim[0] for lim in left.limits} | left.factor.free_symbols
                for right in _terms(a, used):
                    new.append(Term(left.limits + right.limits, left.factor * right.factor))
            acc = new
        return acc
    if isinstance(e, sp.Sum):
        body, limits = e.function, []
        later = list(e.limits)
        for pos, (d, lo, hi) in enumerate(later):
            if d in taken:
                new = nw.fresh(nw.letter_of(d), e, *taken)
                body = body.xreplace({d: new})
                later[pos + 1:] = [(d2, l2.xreplace({d: new}), h2.xreplace({d: new}))
                                   for d2, l2, h2 in later[pos + 1:]]
                d = new
            limits.append((d, lo, hi))
        inner_taken = taken | {lim[0] for lim in limits}
        return [Term(tuple(limits) + t.limits, t.factor) for t in _terms(body, inner_taken)]
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 1 and e.base.has(sp.Sum):
        return _terms(sp.Mul(*([e.base] * int(e.exp)), evaluate=False), taken)
    return [Term((), e)]


def value_range(c: sp.Expr, ranges: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]) -> tuple[sp.Expr, sp.Expr] | None:
    """The values an index expression ``c`` can take: ``(lo, hi)``, or None when unknown.

    A number is itself; a summation index its limits (``ranges``); a free index of letter
    ``j`` ranges over the units 1..M (NOTATION.md: 0 is the bias unit, written explicitly).

    >>> value_range(nw.j, {})
    (1, M)
    >>> value_range(sp.Integer(0), {})
    (0, 0)
    """
    if c.is_Integer:
        return c, c
    if c in ranges:
        return ranges[c]
    if isinstance(c, sp.Symbol) and c.is_integer and c.name[:1] in nw.SIZES and c not in nw.SIZES.values():
        return sp.S.One, nw.SIZES[nw.letter_of(c)]
    return None


def established_le(a: sp.Expr, b: sp.Expr) -> bool:
    """``a <= b`` for every value of the (positive integer) sizes — established, not hoped.

    >>> M = nw.SIZES["j"]
    >>> established_le(M - 1, M), established_le(M, M - 1), established_le(nw.SIZES["i"], M)
    (True, False, False)
    """
    return bool((sp.sympify(b) - sp.sympify(a)).is_nonnegative)


def _delta_fate(dummy_range: tuple[sp.Expr, sp.Expr], other: tuple[sp.Expr, sp.Expr] | None) -> str:
    """``"collapse"`` when every value of ``other`` lies in the dummy's range, ``"zero"`` when
    none does, else ``"keep"`` (the rule cannot establish its condition and does not fire)."""
    if other is None:
        return "keep"
    lo, hi = dummy_range
    olo, ohi = other
    if established_le(lo, olo) and established_le(ohi, hi):
        return "collapse"
    if (established_le(ohi + 1, lo) or established_le(hi + 1, olo)) and established_le(olo, ohi):
        return "zero"
    return "keep"


BIAS_UNITS = {nw.X[0]: sp.S.One, nw.Z[0]: sp.S.One}  # x_0 = z_0 = 1 (PRML 5.8-5.9)


def collapse_term(t: Term) -> Term | None:
    """Collapse Kronecker deltas against sums in one term; None when the term is zero.

    ``sum_{k''} M_{k'k''} I_{k''k} = M_{k'k}`` — only when every value the other index can take
    lies in the summation range (``sum_{j'=2}^{M} I_{jj'} z_{j'}`` is left alone: j = 1 is a
    value of j).  A delta whose two sides can never be equal (``I_{j0}`` for a hidden unit j,
    a dummy summed over 1..M against the bias index 0) makes the term zero.  A sum whose
    summand does not depend on its index becomes a factor of the range's size, when that
    size is established to be non-negative.
    """
    limits, factor = list(t.limits), sp.expand(t.factor)
    if factor == 0 or any(established_le(hi + 1, lo) for _, lo, hi in limits):
        return None  # an empty range: the sum is zero
    changed = True
    while changed:
        changed = False
        ranges = {d: (lo, hi) for d, lo, hi in limits}
        for kd in sorted(factor.atoms(sp.KroneckerDelta), key=sp.default_sort_key):
            a, b = kd.args
            ra, rb = value_range(a, ranges), value_range(b, ranges)
            if ra is not None and rb is not None and a not in ranges and b not in ranges \
                    and _delta_fate(ra, rb) == "zero":
                return None  # two free indices / numbers whose ranges never meet
            for dummy, other in ((a, b), (b, a)):
                if dummy not in ranges or dummy == other:
                    continue
                fate = _delta_fate(ranges[dummy], value_range(other, ranges))
                if fate == "zero":
                    return None
                if fate != "collapse":
                    continue
                pos = [lim[0] for lim in limits].index(dummy)
                limits.pop(pos)
                factor = factor.xreplace({kd: sp.S.One}).xreplace({dummy: other}).xreplace(BIAS_UNITS)
                limits = [(d, lo.xreplace({dummy: other}), hi.xreplace({dummy: other}))
                          for d, lo, hi in limits]
                changed = True
                break
            if changed:
                break
    kept = []
    for d, lo, hi in limits:
        if d in factor.free_symbols or not established_le(lo, hi + 1) \
                or any(d in (l2.free_symbols | h2.free_symbols) for _, l2, h2 in limits):
            kept.append((d, lo, hi))
        else:
            factor = factor * (hi - lo + 1)
    factor = factor.xreplace(BIAS_UNITS)
    if factor == 0:
        return None
    return Term(tuple(kept), factor)


def collapse(expr: sp.Expr) -> sp.Expr:
    """Expand, pull sums out, collapse Kronecker deltas, and rebuild.

    >>> from symhess.network import MM, kp, k
    >>> d = nw.index("k", 2)
    >>> collapse(sp.Sum(MM[kp, d] * sp.KroneckerDelta(d, k), (d, 1, nw.SIZES["k"])))
    M[k', k]
    """
    out = []
    for t in terms(sp.expand(expr)):
        for sub in _split(t):
            c = collapse_term(sub)
            if c is not None:
                out.append(c)
    return sp.Add(*(t.to_expr() for t in out))


def _split(t: Term) -> list[Term]:
    f = sp.expand(t.factor)
    if isinstance(f, sp.Add):
        return [Term(t.limits, a) for a in f.args]
    return [Term(t.limits, f)]


# --------------------------------------------------------------------------- canonical form
def canonical_terms(expr: sp.Expr,
                    symmetric: tuple[sp.IndexedBase, ...] = (nw.MM, nw.T3, *md.SYMMETRIC)) -> dict[str, sp.Expr]:
    """A canonical map ``term key -> coefficient`` for proving two expressions equal.

    Each rewrite is an identity: renaming summation indices, the symmetry of ``M_kk'``,
    and replacing ``q`` by ``p`` next to a Kronecker delta ``I_pq`` of free indices.

    >>> from symhess.network import MM, DELTA, k, kp
    >>> canonical_terms(MM[k, kp]) == canonical_terms(MM[kp, k])
    True
    """
    return {key: coeff for key, (coeff, _) in canonical_groups(expr, symmetric).items()}


def canonical_groups(expr: sp.Expr, symmetric: tuple[sp.IndexedBase, ...] = (
        nw.MM, nw.T3, *md.SYMMETRIC)) -> dict[str, tuple[sp.Expr, Term]]:
    """Like :func:`canonical_terms`, keeping one representative term per key."""
    out: dict[str, tuple[sp.Expr, Term]] = {}
    work = 0
    for t in terms(sp.expand(expr)):
        for sub in _split(t):
            c = collapse_term(sub)
            if c is None:
                continue
            work += factorial(len(c.limits))
            if work > MAX_RENAMINGS:
                raise TooLarge(f"more than {MAX_RENAMINGS} renamings of summation indices")
            coeff, rest = c.factor.as_coeff_Mul()
            rest = _kronecker_identify(rest, {lim[0] for lim in c.limits})
            key = _canonical_key(c.limits, rest, symmetric)
            old = out.get(key, (sp.S.Zero, Term(c.limits, rest)))
            out[key] = (old[0] + coeff, old[1])
    return {key: val for key, val in out.items() if val[0] != 0}


def cancel_terms(expr: sp.Expr) -> sp.Expr:
    """``expr`` with terms that are equal up to renaming and symmetry combined (or cancelled).

    >>> from symhess.network import MM, k, kp
    >>> cancel_terms(MM[k, kp] - MM[kp, k])
    0
    """
    try:
        groups = canonical_groups(expr)
    except TooLarge:
        return expr
    return sp.Add(*(coeff * rep.to_expr() for coeff, rep in groups.values()))


def _kronecker_identify(f: sp.Expr, dummies: set[sp.Symbol]) -> sp.Expr:
    """Next to ``I_pq`` (p, q free) write ``p`` for ``q`` in the other factors."""
    kds = sorted(f.atoms(sp.KroneckerDelta), key=sp.default_sort_key)
    holders = {kd: sp.Symbol(f"__kd{pos}") for pos, kd in enumerate(kds)}
    g = f.xreplace(holders)
    for kd in kds:
        a, b = sorted(kd.args, key=str)
        if a in dummies or b in dummies:
            continue
        g = g.xreplace({b: a})
    return g.xreplace({v: kd for kd, v in holders.items()})


MAX_DUMMIES = 6
MAX_RENAMINGS = 20000  # summation-index permutations tried for one canonical form


def expansion_size(e: sp.Expr) -> int:
    """An upper bound on the number of terms of ``sp.expand(e)``, counted without expanding.

    >>> from symhess.network import Z, j, jp
    >>> expansion_size((Z[j] + Z[jp] + 1) ** 2 * (Z[j] - 1))
    18
    """
    if isinstance(e, sp.Add):
        return sum(expansion_size(a) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1
        for a in e.args:
            out *= expansion_size(a)
        return out
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 1:
        return expansion_size(e.base) ** int(e.exp)
    if isinstance(e, sp.Sum):
        return expansion_size(e.function)
    return 1


def _canonical_key(limits: tuple[Limit, ...], f: sp.Expr, symmetric: tuple[sp.IndexedBase, ...]) -> str:
    dummies = [lim[0] for lim in limits]
    if len(dummies) > MAX_DUMMIES:
        raise TooLarge(f"{len(dummies)} summation indices in one term")
    best: str | None = None
    for perm in permutations(range(len(dummies))):
        names = {d: sp.Symbol(f"_{nw.letter_of(d)}{p}", integer=True) for d, p in zip(dummies, perm)}
        g = f.xreplace(names)
        g = g.replace(lambda e: isinstance(e, sp.Indexed) and e.base in symmetric,
                      lambda e: _sym_sorted(e))
        lims = sorted(f"{names[d]}:{lo}:{hi}" for d, lo, hi in limits)
        key = f"{lims}|{sp.srepr(g)}"
        if best is None or key < best:
            best = key
    if best is None:
        g = f.replace(lambda e: isinstance(e, sp.Indexed) and e.base in symmetric,
                      lambda e: _sym_sorted(e))
        best = f"[]|{sp.srepr(g)}"
    return best


def tidy(expr: sp.Expr) -> sp.Expr:
    """A reader's form: deltas collapsed, ``I_{jj'} f(j')`` written ``I_{jj'} f(j)``,
    summation indices renamed to the fewest primes, constants moved out of sums, common
    factors pulled out.

    >>> from symhess.network import MM, W2, k, kp
    >>> d = nw.index("k", 2)
    >>> tidy(sp.Sum(W2[d, 1] * MM[k, d], (d, 1, nw.SIZES["k"])))
    Sum(M[k, k']*w2[k', 1], (k', 1, K))
    """
    groups: dict[tuple[Limit, ...], list[sp.Expr]] = {}
    for t in terms(sp.expand(expr)):
        for sub in _split(t):
            c = collapse_term(sub)
            if c is None:
                continue
            dummies = [lim[0] for lim in c.limits]
            f = _kronecker_identify(c.factor, set(dummies))
            free = {s for s in f.free_symbols if isinstance(s, sp.Symbol)} - set(dummies)
            renames: dict[sp.Symbol, sp.Symbol] = {}
            for d in dummies:
                renames[d] = nw.fresh(nw.letter_of(d), *free, *renames.values())
            tmp = {d: sp.Dummy(d.name) for d in dummies}
            f = f.xreplace(tmp).xreplace({tmp[d]: renames[d] for d in dummies})
            key = tuple((renames[d], lo, hi) for d, lo, hi in c.limits)
            groups.setdefault(key, []).append(f)
    out = []
    for limits, factors in groups.items():
        bound = {lim[0] for lim in limits}
        body = sp.factor_terms(sp.Add(*factors))
        inside: list[sp.Expr] = []
        outside: list[sp.Expr] = []
        for fac in sp.Mul.make_args(body):
            (inside if fac.free_symbols & bound else outside).append(fac)
        inner = sp.Mul(*inside)
        for lim in reversed(limits):
            inner = sp.Sum(inner, lim)
        out.append(sp.Mul(*outside) * inner)
    return sp.factor_terms(sp.Add(*out))


_LEADING = {md.YH: 1, md.Y3: 1}  # y_n's jets are symmetric only in their weight indices


def _sym_sorted(e: sp.Indexed) -> sp.Indexed:
    lead = _LEADING.get(e.base, 0)
    idx = tuple(e.indices)
    return e.base[idx[:lead] + tuple(sorted(idx[lead:], key=str))]


def provably_equal(a: sp.Expr, b: sp.Expr) -> bool:  # noqa: D401 - see docstring
    """True when ``a - b`` reduces to zero in canonical form (a proof); False means unknown.

    >>> from symhess.network import MM, k, kp
    >>> provably_equal(MM[k, kp], MM[kp, k])
    True
    """
    try:
        return not canonical_terms(sp.expand(a - b))
    except TooLarge:
        return False


# --------------------------------------------------------------------------- R{·}
def r_operator(expr: sp.Expr, avoid: frozenset[sp.Symbol] = frozenset(), *,
               through_definitions: bool = True, biases: bool = False) -> sp.Expr:
    """Pearlmutter's ``R{·} = vᵀ∇`` (PRML 5.97).

    ``through_definitions=True`` (how the checker reads a reader's ``R{f}``):
    ``Σ_ji v_ji ∂f/∂w_ji + Σ_kj v_kj ∂f/∂w_kj`` with fresh summation indices, every derivative
    taken through the network's definitions (before collapsing); with ``biases`` the sums over
    i and j start at the bias unit 0 (the bias weights are weights: R{w_{j0}} = v_{j0}).

    ``through_definitions=False`` (one layer at a time, as PRML writes 5.101–5.111): ``R{w} = v``,
    inputs and targets are constants, ``R{q}`` of a layer quantity ``q`` stays :class:`R`,
    ``R{h^(n)(u)} = h^(n+1)(u) R{u}``, with the product rule; ``R`` of a sum is the sum of ``R``.

    >>> from symhess.network import W2, Z, DELTA, k, j
    >>> r_operator(DELTA[k] * Z[j], through_definitions=False)
    R(delta[k])*z[j] + R(z[j])*delta[k]
    >>> r_operator(W2[k, j] * nw.h(nw.A_HID[j]), through_definitions=False)
    h(a1[j])*v2[k, j] + h'(a1[j])*R(a1[j])*w2[k, j]
    """
    expr = sp.sympify(expr)
    if not through_definitions:
        return _r_local(expr)
    taken = set(avoid) | {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    j1 = nw.fresh("j", expr, *taken)
    i1 = nw.fresh("i", expr, *taken)
    k2 = nw.fresh("k", expr, *taken)
    j2 = nw.fresh("j", expr, j1, *taken)
    lo = 0 if biases else 1
    first = sp.Sum(sp.Sum(nw.V1[j1, i1] * derivative(expr, nw.W1[j1, i1], avoid=frozenset(taken)),
                          (i1, lo, nw.SIZES["i"])), (j1, 1, nw.SIZES["j"]))
    second = sp.Sum(sp.Sum(nw.V2[k2, j2] * derivative(expr, nw.W2[k2, j2], avoid=frozenset(taken)),
                           (j2, lo, nw.SIZES["j"])), (k2, 1, nw.SIZES["k"]))
    return first + second


def _r_local(e: sp.Expr) -> sp.Expr:
    if e.is_Number or isinstance(e, (sp.KroneckerDelta, sp.Symbol)):
        return sp.S.Zero
    if isinstance(e, sp.Add):
        return sp.Add(*(_r_local(a) for a in e.args))
    if isinstance(e, sp.Mul):
        out = []
        for pos, a in enumerate(e.args):
            da = _r_local(a)
            if da != 0:
                out.append(sp.Mul(*e.args[:pos], da, *e.args[pos + 1:]))
        return sp.Add(*out)
    if isinstance(e, sp.Pow):
        if e.exp.has(*nw.DIRECTION) or any(isinstance(x, sp.Indexed) for x in e.exp.atoms(sp.Indexed)):
            raise NotImplementedError(f"R of a power with variable exponent: {e}")
        db = _r_local(e.base)
        return e.exp * e.base ** (e.exp - 1) * db if db != 0 else sp.S.Zero
    if isinstance(e, sp.Sum):
        db = _r_local(e.function)
        return sp.Sum(db, *e.limits) if db != 0 else sp.S.Zero
    if isinstance(e, sp.Indexed):
        if e.base in nw.DIRECTION:
            return nw.DIRECTION[e.base][e.indices]
        if nw.KIND.get(e.base) in ("activation", "error"):
            return nw.R(e)
        return sp.S.Zero
    if isinstance(e, nw.Activation):
        du = _r_local(e.args[0])
        if du == 0:
            return sp.S.Zero
        return nw.ACTIVATION_FAMILY[e.order + 1](e.args[0]) * du
    raise NotImplementedError(f"cannot apply R to {e!r} (type {type(e).__name__})")


def on_line(expr: sp.Expr) -> sp.Expr:
    """``expr`` along the line ``w + εv`` of R's definition (5.97), for showing it: weights
    become ``w + εv``, layer quantities ``q(ε)``; inputs and targets stay fixed.

    >>> from symhess.network import W2, Z, k, j
    >>> on_line(W2[k, j] * Z[j])
    (epsilon*v2[k, j] + w2[k, j])*OnLine(z[j], epsilon)
    """
    def moves(e: sp.Basic) -> bool:
        return isinstance(e, sp.Indexed) and (e.base in nw.DIRECTION
                                              or nw.KIND.get(e.base) in ("activation", "error"))

    def move(e: sp.Indexed) -> sp.Expr:
        if e.base in nw.DIRECTION:
            return e + nw.EPS * nw.DIRECTION[e.base][e.indices]
        return nw.OnLine(e, nw.EPS)

    return expr.replace(moves, move)


def split_sums(expr: sp.Expr) -> sp.Expr:
    """Sums split over ``+``, and factors that do not depend on a sum's index pulled out of it
    (the linearity of the sum, as a reader writes it; a summand free of its index becomes a
    factor of the range's size).

    >>> from symhess.network import W2, DELTA, k, j
    >>> K = nw.SIZES["k"]
    >>> split_sums(sp.Sum(2 * (W2[k, j] * DELTA[k] + DELTA[k]), (k, 1, K)))
    2*Sum(delta[k]*w2[k, j], (k, 1, K)) + 2*Sum(delta[k], (k, 1, K))
    """
    return sp.expand(_split_all(sp.expand(expr)))


def _split_all(e: sp.Basic) -> sp.Expr:
    if not e.args or isinstance(e, (sp.Indexed, sp.Symbol)):
        return e
    if isinstance(e, sp.Sum):
        return _split_one(_split_all(e.function), list(e.limits))
    return e.func(*(_split_all(a) for a in e.args))


def _split_one(body: sp.Expr, limits: list[Limit]) -> sp.Expr:
    variables = [lim[0] for lim in limits]
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(body)):
        factors = sp.Mul.make_args(term)
        dep = [f for f in factors if any(f.has(v) for v in variables)]
        indep = [f for f in factors if not any(f.has(v) for v in variables)]
        if not dep:
            out += sp.Mul(*indep) * sp.Mul(*((hi - lo + 1) for _, lo, hi in limits))
        else:
            out += sp.Mul(*indep) * sp.Sum(sp.Mul(*dep), *limits)
    return out


def unroll_sums(expr: sp.Expr) -> sp.Expr:
    """Every sum over a range with integer limits written out term by term (far cheaper than
    SymPy's ``doit``, which looks for closed forms first).

    >>> from symhess.network import W2, Z, j
    >>> unroll_sums(sp.Sum(W2[1, j] * Z[j], (j, 0, 2)))
    w2[1, 0]*z[0] + w2[1, 1]*z[1] + w2[1, 2]*z[2]
    """
    def concrete(e: sp.Basic) -> bool:  # the outermost (last) range has integer limits
        return isinstance(e, sp.Sum) and e.limits[-1][1].is_Integer and e.limits[-1][2].is_Integer

    def unroll(s: sp.Sum) -> sp.Expr:
        *inner, (v, lo, hi) = s.limits
        out = []
        for val in range(int(lo), int(hi) + 1):
            at = {v: sp.Integer(val)}
            lims = [(d, a.xreplace(at), b.xreplace(at)) for d, a, b in inner]
            body = s.function.xreplace(at)
            out.append(sp.Sum(body, *lims) if lims else body)
        return sp.Add(*out)

    for _ in range(32):  # one range per pass; inner limits set by an outer index follow
        new = expr.replace(concrete, unroll)
        if new == expr:
            break
        expr = new
    return expr


def substitute_free(expr: sp.Expr, subs: dict[sp.Expr, sp.Expr]) -> sp.Expr:
    """``expr.xreplace(subs)`` on free occurrences only: a summation (or product) index that a
    substitution mentions is first renamed apart.  A condition on a step — ``j \\neq j'``
    (``δ_{jj'} → 0``), ``k = k'`` (``k' → k``) — restricts the step's free indices; the same
    letters bound by a sum are other indices.

    >>> j, jp, M = nw.j, nw.jp, nw.SIZES["j"]
    >>> substitute_free(sp.Sum(sp.KroneckerDelta(j, jp) * nw.Z[jp], (jp, 1, M)), {sp.KroneckerDelta(j, jp): 0})
    Sum(KroneckerDelta(j, j'')*z[j''], (j'', 1, M))
    >>> substitute_free(sp.KroneckerDelta(j, jp) * nw.Z[jp], {sp.KroneckerDelta(j, jp): 0})
    0
    """
    if not subs:
        return expr
    mentioned: set[sp.Basic] = set()
    for key, value in subs.items():
        mentioned |= sp.sympify(key).free_symbols | sp.sympify(value).free_symbols

    def clashes(e: sp.Basic) -> bool:
        return isinstance(e, (sp.Sum, sp.Product)) and any(lim[0] in mentioned for lim in e.limits)

    def apart(e: sp.Basic) -> sp.Basic:
        for lim in e.limits:
            v = lim[0]
            if v in mentioned and nw.letter_of(v) in nw.SIZES:
                e = e.xreplace({v: nw.fresh(nw.letter_of(v), expr, e, *map(sp.sympify, [*subs, *subs.values()]))})
        return e

    return expr.replace(clashes, apart).xreplace(subs)  # type: ignore[no-any-return]
