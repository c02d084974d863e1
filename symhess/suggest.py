"""Suggested corrections for a failed step: the smallest verified edit of the wrong member.

A failed step ``A = B`` is repaired the way a person repairs it by hand: the mutation
operators of :mod:`symhess.mutate` read backwards (prime or unprime an index of one factor,
exchange two indices, ``h' ↔ h''``, change a layer, flip a sign, remove an extra term or
factor, restore a dropped one from the other member, fix a coefficient), single edits first,
then two edits at once, and as the last resort the missing residual term itself.  Every
candidate is decided by the same decider as any step (:func:`symhess.equivalence.decide`,
through a *judge*) and accepted only when it is ``proved`` or ``verified`` — a suggestion is
never a guess.  The work is bounded by a *count* of candidates (not by time, so the answer
does not depend on the machine); when none holds within it, there is no suggestion.

>>> from symhess.notation.parser import parse_chain
>>> from symhess.notation.interpret import interpret
>>> a, b = (m.expr for m in parse_chain(r"z_j z_{j'} M_{kk'} = z_j z_{j'} M_{kk}").members)
>>> s = suggest(a, b, StepJudge(interpret(a)))
>>> s.latex, s.edit, s.verdict
("z_{j} z_{j'} M_{k'k}", "changes M_{kk} to M_{k'k}", 'proved')
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

import numpy as np
import sympy as sp

from .calculus import substitute_free
from .equivalence import Decision, decide, free_indices, free_variables
from .errors import InputError
from .evaluate import NotEvaluable, evaluate
from .notation import ast
from .notation.interpret import Context, IllFormed, Meaning, Unsupported, interpret
from .notation.unparse import latex

__all__ = ["Candidate", "Judge", "LIMIT", "Search", "StepJudge", "Suggestion", "candidates",
           "decided", "restricted", "search", "suggest"]

LIMIT = 150  # candidate edits per failed step: a count, never a clock (verdicts must not depend on speed)
RESIDUAL_TERMS = 2  # the most terms a missing residual may have to be offered back as the correction
JUDGED = 12  # of them, at most this many decided in full (those the cheap numeric screen lets through)
_REFUTE_TOL = 1e-6  # relative: far above the decider's own tolerance (1e-7 with integrals, else 1e-9)
ACCEPT = ("proved", "verified")
Judge = Callable[[ast.Node], "Decision | None"]


@dataclass(frozen=True)
class Suggestion:
    """A corrected line for a failed step, verified by the same decider as any step.

    ``latex`` is the corrected member, ``edit`` says in words what changed
    (``"changes w_{k'j'} to w_{k'j}"``), ``verdict`` is how the corrected step holds
    (``"proved"`` or ``"verified"``).

    >>> Suggestion(r"z_j z_{j'} M_{kk'}", "changes z_{j} to z_{j'}", "proved").verdict
    'proved'
    """

    latex: str
    edit: str
    verdict: str


# --------------------------------------------------------------------------- candidates
Path = tuple[tuple[str, "int | None"], ...]  # (field, position in a tuple field or None)


@dataclass(frozen=True)
class Candidate:
    """One edited member: ``edit`` in words, ``size`` the number of places edited
    (3 for the residual term added as a whole), ``kind`` the family of the edit."""

    edit: str
    expr: ast.Node
    size: int
    kind: str


@dataclass(frozen=True)
class _Edit:
    path: Path
    new: ast.Node
    words: str
    kind: str


def _sites(node: ast.Node, path: Path = ()) -> Iterator[tuple[Path, ast.Node]]:
    """Every node under ``node`` with its path (pre-order; indices inside symbols excluded)."""
    yield path, node
    if isinstance(node, (ast.Index, ast.Number, ast.Symbol)):
        return
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if isinstance(value, ast._NODE_TYPES):
            yield from _sites(value, path + ((f.name, None),))
        elif isinstance(value, tuple):
            for pos, item in enumerate(value):
                sub = item[1] if isinstance(item, tuple) else item
                if isinstance(sub, ast._NODE_TYPES):
                    yield from _sites(sub, path + ((f.name, pos),))


def _put(node: ast.Node, path: Path, new: ast.Node) -> ast.Node:
    """``node`` with the subtree at ``path`` replaced by ``new``."""
    if not path:
        return new
    (name, pos), rest = path[0], path[1:]
    value = getattr(node, name)
    if pos is None:
        return _with(node, **{name: _put(value, rest, new)})
    item = value[pos]
    item = (item[0], _put(item[1], rest, new)) if isinstance(item, tuple) else _put(item, rest, new)
    return _with(node, **{name: value[:pos] + (item,) + value[pos + 1:]})


def _with(node: Any, **changes: Any) -> ast.Node:
    """``dataclasses.replace`` over the tree's union of node types (which mypy cannot follow)."""
    out: ast.Node = replace(node, **changes)
    return out


def _disjoint(p: Path, q: Path) -> bool:
    n = min(len(p), len(q))
    return p[:n] != q[:n]


def _tidy(node: ast.Node, memo: dict[int, tuple[ast.Node, ast.Node]] | None = None) -> ast.Node:
    """As the parser would read the edited text: products spliced, ``+x`` alone is ``x``.

    ``memo`` (by identity) spares the subtrees a candidate shares with the member it edits.
    """
    node = spliced(node, memo)
    if isinstance(node, ast.Add) and len(node.terms) == 1 and node.terms[0][0] > 0:
        return node.terms[0][1]
    return node


def spliced(node: ast.Node, memo: dict[int, tuple[ast.Node, ast.Node]] | None = None) -> ast.Node:
    """Products inside products spliced, as the parser would read the edited text, rebuilding
    only the nodes above a change (found by identity, not by comparing subtrees, which made
    tidying every candidate quadratic in its size); ``memo`` shares the work across candidates.

    >>> m = ast.Mul((ast.Number("2"), ast.Mul((ast.Number("3"), ast.Number("4")))))
    >>> latex(spliced(m)), len(spliced(m).factors), spliced(ast.Number("2")) == ast.Number("2")
    ('2 3 4', 3, True)
    """
    if memo is not None:
        hit = memo.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
    out = ast.map_children(node, lambda child: spliced(child, memo))
    if isinstance(out, ast.Mul) and any(isinstance(f, ast.Mul) for f in out.factors):
        out = replace(out, factors=tuple(g for f in out.factors
                                         for g in (f.factors if isinstance(f, ast.Mul) else (f,))))
    if memo is not None:
        memo[id(node)] = (node, out)  # the node is kept: its id is not reused while in the memo
    return out


def _product(items: Sequence[ast.Node]) -> ast.Node:
    return items[0] if len(items) == 1 else ast.Mul(tuple(items))


def _words(node: ast.Node) -> str:
    return latex(node)


def _signed(sign: int, node: ast.Node) -> str:
    return ("- " if sign < 0 else "") + latex(node)


# ---- the hand edits (mutate's operators read backwards), one node at a time
def _prime_options(primes: int) -> list[int]:
    return [p for p in (primes - 1, primes + 1) if 0 <= p <= 2]


def _index_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Symbol):
        for p, i in enumerate(node.sub):
            if isinstance(i, ast.Index):
                for primes in _prime_options(i.primes):
                    new = replace(node, sub=node.sub[:p] + (replace(i, primes=primes),) + node.sub[p + 1:])
                    yield f"changes {node} to {new}", new
    if isinstance(node, ast.Sum) and node.index is not None:
        for primes in _prime_options(node.index.primes):
            index = replace(node.index, primes=primes)
            yield f"changes \\sum_{{{node.index}}} to \\sum_{{{index}}}", replace(node, index=index)
        low = node.lower
        if isinstance(low, ast.Number) and low.text in ("0", "1"):  # the bias unit in or out
            other = "1" if low.text == "0" else "0"
            yield (f"starts \\sum_{{{node.index}}} at {other}, not {low.text}",
                   replace(node, lower=replace(low, text=other)))


def _h_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Call) and node.func.name == "h" and not node.func.sub:
        for primes in sorted({0, 1, 2, 3} - {node.func.primes}, key=lambda p: abs(p - node.func.primes)):
            new = replace(node, func=replace(node.func, primes=primes))
            yield f"changes {latex(node)} to {latex(new)}", new


_LAYER_LETTERS = {"kj": ("j", "i", 1), "ji": ("k", "j", 2)}
_OTHER_LETTER = {"j": "k", "k": "j"}


def change_layer(node: ast.Node) -> Iterator[tuple[str, ast.Node]]:
    """The same quantity one layer over: ``w_{kj}^{(2)} ↔ w_{ji}^{(1)}``, ``a_j ↔ a_k``,
    ``δ_j ↔ δ_k``, ``I_{jj'} ↔ I_{kk'}`` — an edit of the suggestion search and an operator of
    mutation testing (:mod:`symhess.mutate`).

    >>> from symhess.notation.parser import parse_chain
    >>> [str(n) for _, n in change_layer(parse_chain("w_{kj}^{(2)} = 0").members[0].expr)]
    ['w_{ji}^{(1)}']
    """
    if not isinstance(node, ast.Symbol) or not node.sub or node.bold:
        return
    idx = [i for i in node.sub if isinstance(i, ast.Index)]
    if len(idx) != len(node.sub):
        return
    letters = "".join(i.letter for i in idx)
    new: ast.Symbol | None = None
    if node.name == "w" and letters in _LAYER_LETTERS:
        first, second, layer = _LAYER_LETTERS[letters]
        sub = tuple(replace(i, letter=c) for i, c in zip(idx, (first, second)))
        new = replace(node, sub=sub, layer=None if node.layer is None else layer)
    elif (node.name in ("a", "delta") and len(letters) == 1 and letters in _OTHER_LETTER
          or node.name == "I" and letters in ("jj", "kk")):
        new = replace(node, sub=tuple(replace(i, letter=_OTHER_LETTER[i.letter]) for i in idx))
    if new is not None:
        yield f"{node} → {new}", new


def _layer_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    for _, new in change_layer(node):
        yield f"changes {node} to {new}", new


def _sign_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Add):
        for pos, (sign, term) in enumerate(node.terms):
            terms = node.terms[:pos] + ((-sign, term),) + node.terms[pos + 1:]
            yield f"flips the sign of {latex(term)}", replace(node, terms=terms)


def _exchange_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Symbol):
        idx = node.sub
        for p in range(len(idx)):
            for q in range(p + 1, len(idx)):
                if isinstance(idx[p], ast.Index) and isinstance(idx[q], ast.Index) and idx[p] != idx[q]:
                    sub = list(idx)
                    sub[p], sub[q] = idx[q], idx[p]
                    new = replace(node, sub=tuple(sub))
                    yield f"changes {node} to {new}", new
    if isinstance(node, ast.Add):
        for pos, (sign, term) in enumerate(node.terms):
            for a, b in _index_pairs(term):
                terms = node.terms[:pos] + ((sign, _swap(term, a, b)),) + node.terms[pos + 1:]
                yield f"exchanges {a} and {b} in {latex(term)}", replace(node, terms=terms)


def _index_pairs(node: ast.Node) -> list[tuple[ast.Index, ast.Index]]:
    """Pairs of indices of one letter written in ``node`` (``j`` and ``j'``)."""
    seen: list[ast.Index] = []
    for n in ast.walk(node):
        if isinstance(n, ast.Symbol):
            for i in n.sub:
                if isinstance(i, ast.Index) and i not in seen:
                    seen.append(i)
    return [(a, b) for pos, a in enumerate(seen) for b in seen[pos + 1:] if a.letter == b.letter]


def _written_indices(node: ast.Node) -> set[ast.Index]:
    return {i for n in ast.walk(node) if isinstance(n, ast.Symbol) for i in n.sub
            if isinstance(i, ast.Index)}


def _swap(node: ast.Node, a: ast.Index, b: ast.Index) -> ast.Node:
    """``node`` with the indices ``a`` and ``b`` exchanged everywhere."""
    if isinstance(node, ast.Index):
        return replace(node, primes=b.primes) if node == a else (
            replace(node, primes=a.primes) if node == b else node)
    return ast.map_children(node, lambda child: _swap(child, a, b))


def _remove_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Add) and len(node.terms) >= 2:
        for pos, (sign, term) in enumerate(node.terms):
            rest = node.terms[:pos] + node.terms[pos + 1:]
            new = rest[0][1] if len(rest) == 1 and rest[0][0] > 0 else replace(node, terms=rest)
            yield f"removes the term {_signed(sign, term)}", new
    if isinstance(node, ast.Mul) and len(node.factors) >= 2:
        for pos, factor in enumerate(node.factors):
            others = node.factors[:pos] + node.factors[pos + 1:]
            yield f"removes the factor {latex(factor)}", _product(others)
    if isinstance(node, ast.Apply) and not isinstance(node.op, ast.ROp):
        yield f"removes the operator {latex(node.op)}", node.operand
    if isinstance(node, ast.Sum) and node.index is not None:
        yield f"removes \\sum_{{{node.index}}}", node.body


def _coefficient_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Number) and node.text.isdigit() and node.text != "0":
        n = int(node.text)
        for m in (2 * n, n // 2 if n % 2 == 0 else 0):
            if m > 1:
                yield f"changes the coefficient {n} to {m}", ast.Number(str(m))


def _restore_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    """Put back a factor, an operator or a sum (from the other member, or this one)."""
    factors = node.factors if isinstance(node, ast.Mul) else (
        (node,) if not isinstance(node, (ast.Index, ast.Number, ast.Add, ast.Nabla, ast.ROp,
                                         ast.EqRef))
        and not (isinstance(node, ast.Derivative) and node.of is None) else ())
    if not factors:
        return
    ops = [p for p, f in enumerate(factors) if isinstance(f, (ast.Apply, ast.Sum))]
    at = ops[0] if ops else len(factors)
    for f in pools.factors:
        yield f"inserts the factor {latex(f)}", _product(factors[:at] + (f,) + factors[at:])
    for op in pools.operators:
        for p in range(len(factors)):
            yield (f"inserts {latex(op)} before {latex(_product(factors[p:]))}",
                   _product(factors[:p] + (ast.Apply(op, _product(factors[p:])),)))
    for index, lower, upper in pools.sums:  # the body begins at the first factor carrying it
        start = next((p for p, f in enumerate(factors) if index in _written_indices(f)), None)
        if start is not None:
            s = ast.Sum(index, lower, upper, _product(factors[start:]))
            yield (f"inserts \\sum_{{{index}}} before {latex(_product(factors[start:]))}",
                   _product(factors[:start] + (s,)))


def _term_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Add):
        for sign, term in pools.terms:
            yield f"adds {_signed(sign, term)}", replace(node, terms=node.terms + ((sign, term),))


def _scale_edits(node: ast.Node, pools: "_Pools") -> Iterator[tuple[str, ast.Node]]:
    if isinstance(node, ast.Add):
        for pos, (sign, term) in enumerate(node.terms):
            for k, text in ((ast.Number("2"), "2"), (ast.Frac(ast.Number("1"), ast.Number("2")), "\\frac{1}{2}")):
                new = ast.Mul((k, *term.factors)) if isinstance(term, ast.Mul) else (
                    ast.Mul((k, term)) if not isinstance(term, ast.Add) else None)
                if new is not None:
                    terms = node.terms[:pos] + ((sign, new),) + node.terms[pos + 1:]
                    yield f"multiplies {latex(term)} by {text}", replace(node, terms=terms)


@dataclass(frozen=True)
class _Pools:
    factors: tuple[ast.Node, ...]
    operators: tuple[ast.Derivative | ast.Nabla, ...]
    sums: tuple[tuple[ast.Index, ast.Node | None, ast.Node | None], ...]
    terms: tuple[tuple[int, ast.Node], ...]


_ATOMS = (ast.Symbol, ast.Call, ast.Derivative, ast.Pow, ast.Transpose, ast.Paren, ast.Frac)
_T = TypeVar("_T")
POOL = 10  # at most this many factors / operators / sums / terms to restore from


def _pools(wrong: ast.Node, other: ast.Node | None) -> _Pools:
    factors: list[ast.Node] = []
    operators: list[ast.Derivative | ast.Nabla] = []
    sums: list[tuple[ast.Index, ast.Node | None, ast.Node | None]] = []
    terms: list[tuple[int, ast.Node]] = []
    for member in (other, wrong):
        if member is None or isinstance(member, ast.EqRef):
            continue
        for n in ast.walk(member):
            if isinstance(n, ast.Derivative):  # ∂/∂v for each v a derivative is taken by
                operators += [ast.Derivative(1, (v,), None, total=n.total) for v in n.wrt]
            if isinstance(n, ast.Mul):
                factors += [f for f in n.factors if isinstance(f, _ATOMS)
                            and not (isinstance(f, ast.Derivative) and f.of is None)]
            elif isinstance(n, ast.Apply) and not isinstance(n.op, ast.ROp):
                operators.append(n.op)
            elif isinstance(n, ast.Sum) and n.index is not None:
                sums.append((n.index, n.lower, n.upper))
            elif isinstance(n, ast.Add) and member is other:
                terms += list(n.terms)
    if other is not None and not isinstance(other, ast.EqRef):  # a sum over an index left free
        sums += [(i, None, None) for i in _written_indices(wrong) - _written_indices(other)]
    return _Pools(_first(factors), _first(operators), _first(sums), _first(terms))


def _first(items: list[_T]) -> tuple[_T, ...]:
    """The first :data:`POOL` distinct items, in order."""
    return tuple(dict.fromkeys(items))[:POOL]


# (kind, rule, small): small edits are combined in pairs when one edit is not enough
RULES: tuple[tuple[str, Callable[[ast.Node, _Pools], Iterator[tuple[str, ast.Node]]], bool], ...] = (
    ("index", _index_edits, True),
    ("h", _h_edits, True),
    ("layer", _layer_edits, True),
    ("sign", _sign_edits, True),
    ("exchange", _exchange_edits, True),
    ("remove", _remove_edits, False),
    ("coefficient", _coefficient_edits, False),
    ("restore", _restore_edits, False),
    ("term", _term_edits, False),
    ("coefficient", _scale_edits, False),
)


_NAMES = ("func", "wrt", "op", "lower", "upper", "measures", "index")  # fields that name, not value
_RENAMES = ("index", "layer", "exchange")  # the edits allowed there


def _single_edits(wrong: ast.Node, other: ast.Node | None) -> list[_Edit]:
    pools = _pools(wrong, other)
    sites = list(_sites(wrong))
    out: list[_Edit] = []
    for kind, rule, _ in RULES:
        for path, node in sites:
            if path and path[-1][0] in _NAMES and kind not in _RENAMES:
                continue
            for words, new in rule(node, pools):
                out.append(_Edit(path, new, words, kind))
    if not isinstance(wrong, ast.Add):  # a member that is one term: negate it, add a term
        out.append(_Edit((), ast.Add(((-1, wrong),)), "negates the member", "sign"))
        out += [_Edit((), _swap(wrong, a, b), f"exchanges {a} and {b}", "exchange")
                for a, b in _index_pairs(wrong)]
        out += [_Edit((), ast.Add(((1, wrong), (sign, t))), f"adds {_signed(sign, t)}", "term")
                for sign, t in _pools(wrong, other).terms]
    elif len(wrong.terms) == 1 and wrong.terms[0][0] < 0:
        out.append(_Edit((), wrong.terms[0][1], "removes the minus sign", "sign"))
    return out


def _residual_term(wrong: ast.Node, residual: sp.Expr | str | None, side: str) -> Candidate | None:
    """``wrong`` plus the missing residual (printed by us, read back by the parser)."""
    from .notation.parser import parse_chain
    from .printing import prml_latex

    if residual is None:
        return None
    if not isinstance(residual, str) and len(sp.Add.make_args(sp.expand(residual))) > RESIDUAL_TERMS:
        return None  # a long difference added back is a rewrite of the side, not a correction
    text = residual if isinstance(residual, str) else prml_latex(residual)
    try:
        node = parse_chain(text + " = 0", path="<residual>").members[0].expr
    except InputError:
        return None
    terms = node.terms if isinstance(node, ast.Add) else ((1, node),)
    if side == "left":  # A - B = r, so A - r = B
        terms = tuple((-s, t) for s, t in terms)
    own = wrong.terms if isinstance(wrong, ast.Add) else ((1, wrong),)
    nonzero = tuple((sg, t) for sg, t in own if not (isinstance(t, ast.Number) and t.text == "0"))
    words = f"adds {latex(ast.Add(terms))}" if nonzero else f"replaces 0 with {latex(ast.Add(terms))}"
    return Candidate(words, _tidy(ast.Add(nonzero + terms)), 3, "residual")


def candidates(wrong: ast.Node, other: ast.Node | None = None, *,
               residual: sp.Expr | str | None = None, side: str = "right") -> Iterator[Candidate]:
    """Edited versions of ``wrong``, smallest edits first: one place, then two, then the residual.

    ``other`` is the member the step compares ``wrong`` with (factors and terms are restored
    from it); ``side`` says whether ``wrong`` is the step's right (``B``) or left side.

    >>> from symhess.notation.parser import parse_chain
    >>> w = parse_chain(r"h''(a_j) = 0").members[0].expr
    >>> [c.edit for c in candidates(w)][:3]
    ["changes a_{j} to a_{j'}", "changes h''(a_{j}) to h'(a_{j})", "changes h''(a_{j}) to h'''(a_{j})"]
    """
    singles = _single_edits(wrong, other)
    seen = {wrong}
    memo: dict[int, tuple[ast.Node, ast.Node]] = {}  # spliced subtrees, shared by the candidates
    for e in singles:
        new = _tidy(_put(wrong, e.path, e.new), memo)
        if new not in seen:
            seen.add(new)
            yield Candidate(e.words, new, 1, e.kind)
    small = [e for e in singles if any(e.kind == k and s for k, _, s in RULES)]
    n = len(small)
    for total in range(1, 2 * n - 2):
        for i in range(max(0, total - n + 1), (total + 1) // 2):
            a, b = small[i], small[total - i]
            if not _disjoint(a.path, b.path):
                continue
            new = _tidy(_put(_put(wrong, a.path, a.new), b.path, b.new), memo)
            if new not in seen:
                seen.add(new)
                yield Candidate(f"{a.words}; {b.words}", new, 2, f"{a.kind}+{b.kind}")


# --------------------------------------------------------------------------- judging
@functools.lru_cache(maxsize=2048)
def decided(lhs: Meaning, rhs: Meaning, approximate: bool = False, biases: bool = False,
            output: sp.Expr | None = None) -> Decision:
    """:func:`symhess.equivalence.decide`, memoised: it is a pure function of the two meanings
    (numeric instances are seeded), and a file asks it the same question more than once (a
    step re-decided when a setting is inferred, a candidate that is the written side itself).

    >>> from symhess.network import MM, k, kp
    >>> decided(Meaning(MM[k, kp]), Meaning(MM[kp, k])).verdict
    'proved'
    """
    return decide(lhs, rhs, approximate=approximate, biases=biases, output=output)


def restricted(e: sp.Expr, subs: dict[sp.Expr, sp.Expr],
               transform: Callable[[sp.Expr], sp.Expr] | None = None) -> sp.Expr:
    """A side as a step decides it: a condition's substitutions on its free indices (never a
    summation index), the error model's transform, and the substitutions again for the deltas
    the model brings (M_kk' = I_kk' for the sum-of-squares error).

    >>> from symhess.network import j, jp, Z
    >>> restricted(sp.KroneckerDelta(j, jp) * Z[j], {sp.KroneckerDelta(j, jp): 0})
    0
    """
    e = substitute_free(e, subs) if subs else e
    if transform is not None:
        e = transform(e)
        e = substitute_free(e, subs) if subs else e
    return e


class StepJudge:
    """Decides ``fixed = candidate`` (``side="right"``) or ``candidate = fixed`` (``"left"``)
    in the step's setting: definitions ``ctx``, a cited condition's ``subs``, an error
    model's ``transform`` — exactly as :func:`symhess.check.check_chain` decides the step.

    :meth:`screen` rejects a candidate cheaply (three numeric points) before the full
    decision; it never rejects one that the decider would accept, because any candidate
    the decider accepts is equal at every point.

    >>> from symhess.notation.parser import parse_chain
    >>> a, b = (m.expr for m in parse_chain(r"M_{kk'} = M_{k'k}").members)
    >>> StepJudge(interpret(a))(b).verdict
    'proved'
    """

    def __init__(self, fixed: Meaning, ctx: Context = Context(), side: str = "right", *,
                 subs: dict[sp.Expr, sp.Expr] | None = None,
                 transform: Callable[[sp.Expr], sp.Expr] | None = None, biases: bool = False) -> None:
        self.fixed, self.ctx, self.side, self.biases = fixed, ctx, side, biases
        self.subs, self.transform = subs or {}, transform
        self._meanings: dict[ast.Node, Meaning | None] = {}
        self._points: list[tuple[Any, dict[sp.Symbol, Any], float]] | None = None
        self._no_cheap_answer: set[ast.Node] = set()  # let through by the screen unevaluated
        self._fixed_indices: set[sp.Symbol] | None = None

    def meaning(self, node: ast.Node) -> Meaning | None:
        """The candidate's meaning in the step's setting, or None when it has none."""
        if node not in self._meanings:
            try:
                m = interpret(node, self.ctx)
            except (Unsupported, IllFormed):
                self._meanings[node] = None
            except Exception:  # noqa: BLE001 - an edited tree the parser would never build
                self._meanings[node] = None
            else:
                self._meanings[node] = Meaning(restricted(m.expr, self.subs, self.transform), m.row,
                                               m.col, m.readings)
        return self._meanings[node]

    def __call__(self, node: ast.Node) -> Decision | None:
        m = self.meaning(node)
        if m is None:
            return None
        if self.side == "right":
            return decided(self.fixed, m, biases=self.biases)
        return decided(m, self.fixed, biases=self.biases)

    def screen(self, node: ast.Node) -> bool:
        """False when the candidate surely does not hold (no meaning, shape, free indices,
        or a value differing at one of three fixed points)."""
        m = self.meaning(node)
        if m is None:
            return False
        if self._fixed_indices is None:
            self._fixed_indices = free_indices(self.fixed.expr)
        if m.shape != self.fixed.shape or free_indices(m.expr) != self._fixed_indices:
            return False
        try:
            for inst, env, value in self._reference():
                v = evaluate(m.expr, inst, env)
                if not np.isfinite(v) or abs(v - value) > 1e-7 * max(1.0, abs(v), abs(value)):
                    return False
        except (NotEvaluable, TypeError, ValueError, ZeroDivisionError, IndexError):
            self._no_cheap_answer.add(node)
            return True  # no cheap answer: let the decider judge it
        return True

    def refuted(self, node: ast.Node) -> bool:
        """True when a candidate that :meth:`screen` let through unevaluated surely does not
        hold, so that its full decision can be skipped (it still counts as judged).

        The screen evaluates at the fixed side's points; a candidate that also depends on x
        or t (outside any integral, say) has no value there.  Given values for x and t too,
        a candidate whose value differs from the fixed side's (which does not depend on
        them) is not equal to it, so the decider accepts it neither.  Any other failure to
        evaluate: no answer, the decider judges it.
        """
        if node not in self._no_cheap_answer:
            return False
        from . import model as md
        from .equivalence import T_POINTS, X_POINTS

        m = self.meaning(node)
        if m is None:
            return False
        try:
            for inst, env, value in self._reference():
                v = evaluate(m.expr, inst, {md.XV: X_POINTS[0], md.TV: T_POINTS[0], **env})
                if np.isfinite(v) and np.isfinite(value) and \
                        abs(v - value) > _REFUTE_TOL * max(1.0, abs(v), abs(value)):
                    return True
        except (NotEvaluable, TypeError, ValueError, ZeroDivisionError, IndexError):
            return False
        return False

    def _reference(self) -> list[tuple[Any, dict[sp.Symbol, Any], float]]:
        """Three points (instance, index values, value of the fixed side), computed once."""
        if self._points is None:
            from .equivalence import X_POINTS, T_POINTS, _instance
            from . import model as md

            pts = []
            e = self.fixed.expr
            indices = sorted(free_indices(e), key=str)
            fv = free_variables(e)
            try:
                for size, seed, distinct in (((3, 3, 3), 0, True), ((3, 3, 3), 0, False),
                                             ((2, 2, 2), 1, True)):
                    inst = _instance(size, seed, seed)
                    env: dict[sp.Symbol, Any] = {}
                    for s in indices:
                        same = [t for t in indices if t.name[0] == s.name[0]]
                        env[s] = (size[0] - same.index(s) if distinct else size[0])
                        env[s] = max(1, env[s])
                    if md.XV in fv:
                        env[md.XV] = X_POINTS[0]
                    if md.TV in fv:
                        env[md.TV] = T_POINTS[0]
                    pts.append((inst, env, evaluate(e, inst, env)))
            except (NotEvaluable, TypeError, ValueError, ZeroDivisionError, IndexError):
                pts = []
            self._points = pts
        return self._points


# --------------------------------------------------------------------------- search
@dataclass(frozen=True)
class Search:
    """What the search found within ``limit`` candidates (``tried`` of them were considered,
    ``judged`` decided in full)."""

    found: tuple[Suggestion, ...]
    tried: int
    judged: int
    limit: int
    kinds: tuple[str, ...] = ()  # the family of each edit found ("index", "residual", ...)

    @property
    def best(self) -> Suggestion | None:
        return self.found[0] if self.found else None

    @property
    def message(self) -> str:
        """``"no suggestion within 300 candidates"`` when nothing was found.

        >>> Search((), 300, 4, 300).message
        'no suggestion within 300 candidates'
        """
        if self.found:
            return f"did you mean: {self.found[0].latex} ({self.found[0].edit}) {self.found[0].verdict}"
        return f"no suggestion within {self.limit} candidates"


def search(prev: ast.Node, cur: ast.Node, judge: Judge, *, residual: sp.Expr | str | None = None,
           limit: int = LIMIT, side: str = "right", want: int = 1) -> Search:
    """Up to ``want`` verified corrections of the wrong side of the failed step ``prev = cur``.

    ``side="right"`` edits ``cur`` (``judge(c)`` decides ``prev = c``); ``side="left"`` edits
    ``prev`` (``judge(c)`` decides ``c = cur``).  ``residual`` is the failed step's
    ``left − right`` (a SymPy expression, or its printed LaTeX): adding it is the last resort.
    At most ``limit`` candidates are considered; the last of them is kept for the residual.
    """
    wrong, other = (cur, prev) if side == "right" else (prev, cur)
    screen = getattr(judge, "screen", None)
    refuted = getattr(judge, "refuted", None)
    found: list[Suggestion] = []
    kinds: list[str] = []
    tried = judged = 0
    if isinstance(wrong, ast.EqRef):
        return Search((), 0, 0, limit)

    def consider(c: Candidate) -> None:
        nonlocal judged
        if screen is not None and not screen(c.expr):
            return
        judged += 1
        if refuted is not None and refuted(c.expr):
            return  # surely does not hold: the full decision would reject it
        d = judge(c.expr)
        if d is None or d.verdict not in ACCEPT:
            return
        verdict = _as_written(c.expr, judge, d.verdict)
        if verdict is not None:
            found.append(Suggestion(latex(c.expr), c.edit, verdict))
            kinds.append(c.kind)

    budget = max(0, limit - 1) if residual is not None else limit
    for c in candidates(wrong, other, side=side):
        if judged >= JUDGED:  # full decisions are the expensive part: bounded by a count too
            break
        if tried >= budget or len(found) >= want:
            break
        tried += 1
        consider(c)
    if len(found) < want and tried < limit:
        last = _residual_term(wrong, residual, side)
        if last is not None:
            tried += 1
            consider(last)
    return Search(tuple(found), tried, judged, limit, tuple(kinds))


def _as_written(node: ast.Node, judge: Judge, verdict: str) -> str | None:
    """The verdict for the suggestion's LaTeX as the parser reads it back (re-judged if the
    text reads as another tree), or None when it does not hold as written."""
    from .notation.parser import parse_chain

    try:
        back = parse_chain(latex(node) + " = 0", path="<suggestion>").members[0].expr
    except InputError:
        return None
    if back == node:
        return verdict
    d = judge(back)
    return d.verdict if d is not None and d.verdict in ACCEPT else None


def suggest(prev: ast.Node, cur: ast.Node, judge: Judge, *, residual: sp.Expr | str | None = None,
            limit: int = LIMIT, side: str = "right") -> Suggestion | None:
    """The best verified correction of the failed step ``prev = cur``, or None when none holds
    within ``limit`` candidates (see :func:`search`, which also says how many were tried)."""
    return search(prev, cur, judge, residual=residual, limit=limit, side=side).best
