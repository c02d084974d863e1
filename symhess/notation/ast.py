"""The parse tree of a reader's derivation: typed, frozen nodes, each with its file position.

The parser (:mod:`symhess.notation.parser`) builds these; the interpreter turns them into
SymPy.  Every node carries ``pos``, the 1-based line and column in the *original file* where
the node's written text begins.  ``pos`` takes no part in ``==`` or ``hash``, so two nodes
compare equal when they are written the same way anywhere in a file:

>>> Index("k", 1, Pos(3, 7)) == Index("k", 1, Pos(9, 1))
True
>>> str(Symbol("w", (Index("k", 0, Pos(1, 3)), Index("j", 0, Pos(1, 4))), 2, 0, False, Pos(1, 1)))
'w_{kj}^{(2)}'

Conventions (the meaning contract is ``shared/NOTATION.md``):

* operators (:class:`Derivative` with ``of=None``, :class:`Nabla`) and :class:`Sum` take
  *the whole rest of the product they begin* as operand/body, up to the next ``+``/``-`` at
  their level or the closing bracket.  ``\\nabla y_n (\\nabla y_n)^T`` therefore reads
  ``Apply(Nabla, Mul(y_n, Transpose(Paren(Apply(Nabla, y_n)))))``; an interpreter that wants
  a looser reading can take the first factor of the operand ``Mul``.
* :class:`ROp` is applied to its braced argument only: ``\\mathcal{R}\\{X\\}`` is
  ``Apply(ROp, X)`` (no :class:`Paren` around ``X``).
* brackets are kept as :class:`Paren` (kind ``'('``, ``'['`` or ``'{'``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Union

from ..errors import Pos

_NOPOS = Pos(0, 0)


def _pos() -> Pos:
    return field(default=_NOPOS, compare=False, repr=False)


@dataclass(frozen=True)
class Index:
    """An index letter with primes: ``j`` is ``Index('j', 0)``, ``k'`` is ``Index('k', 1)``.

    >>> str(Index("j", 2))
    "j''"
    """

    letter: str
    primes: int = 0
    pos: Pos = _pos()

    def __str__(self) -> str:
        return self.letter + "'" * self.primes


@dataclass(frozen=True)
class Number:
    """A numeral as written (``"2"``, ``"0.5"``); also a numeric subscript digit.

    >>> Number("0.5").text
    '0.5'
    """

    text: str
    pos: Pos = _pos()

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Symbol:
    """A named quantity: ``w_{kj}^{(2)}`` is ``Symbol('w', (k, j), layer=2)``.

    ``name`` is a Latin letter or a Greek letter without its backslash (``'delta'``).
    ``sub`` holds one :class:`Index` or :class:`Number` per subscript letter/digit.
    ``primes`` counts primes on the symbol itself (``h''`` has 2), not on its indices.
    ``bold`` is ``\\mathbf``/``\\boldsymbol``/``\\bm``; ``blackboard`` is ``\\mathbb``;
    ``calligraphic`` is ``\\mathcal`` (``\\mathcal{W}_1``; ``\\mathcal{R}\\{…\\}`` is :class:`ROp`).
    ``accent`` makes a new symbol: ``'hat'``, ``'tilde'`` (also ``\\widetilde``), ``'bar'``
    (also ``\\overline``), ``'check'``, ``'dot'``, ``'ddot'`` or ``'star'`` (``^{\\star}``, ``^*``).
    A subscript item may be an index expression (:class:`Add`) as in ``\\mathbf{H}_{L+1}``.

    >>> str(Symbol("h", (), None, 1, False))
    "h'"
    >>> str(Symbol("b", (Index("n", 0),), None, 0, True))
    '\\\\mathbf{b}_{n}'
    """

    name: str
    sub: tuple[Node, ...]  # Index or Number; an index expression (Add) in H_{L+1}
    layer: int | None
    primes: int
    bold: bool
    pos: Pos = _pos()
    blackboard: bool = False
    accent: str | None = None
    calligraphic: bool = False

    def __str__(self) -> str:
        """The symbol as LaTeX the parser reads back to the same symbol.

        >>> str(Symbol("E", (), None, 0, False, accent="tilde"))
        '\\\\tilde{E}'
        >>> str(Symbol("w", (), None, 0, False, accent="star"))
        'w^{\\\\star}'
        >>> str(Symbol("H", (Add(((1, Index("L")), (1, Number("1")))),), None, 0, True))
        '\\\\mathbf{H}_{L+1}'
        """
        base = self.name if len(self.name) == 1 else "\\" + self.name
        if self.bold:
            base = f"\\mathbf{{{base}}}"
        if self.blackboard:
            base = f"\\mathbb{{{base}}}"
        if self.calligraphic:
            base = f"\\mathcal{{{base}}}"
        if self.accent is not None and self.accent != "star":
            base = f"\\{self.accent}{{{base}}}"
        text = base + "'" * self.primes
        if self.accent == "star" and (self.sub or self.layer is not None):
            text = "{" + text + "^{\\star}}"
        elif self.accent == "star":
            text += "^{\\star}"
        if self.sub:
            plain = all(isinstance(s, (Index, Number)) for s in self.sub)
            text += "_{" + ("" if plain else ",").join(_sub_text(s) for s in self.sub) + "}"
        if self.layer is not None:
            text += f"^{{({self.layer})}}"
        return text


def _sub_text(node: object) -> str:
    """An index or an index expression (``L+1``, ``2n-1``) as written in a subscript."""
    if isinstance(node, Add):
        out = ""
        for i, (sign, term) in enumerate(node.terms):
            out += ("-" if sign < 0 else ("+" if i else "")) + _sub_text(term)
        return out
    if isinstance(node, Mul):
        return "".join(_sub_text(f) for f in node.factors)
    return str(node)


@dataclass(frozen=True)
class Call:
    """A function applied to arguments: ``h'(a_j)``, ``y(\\mathbf{x}, \\mathbf{w})``, ``p(t|\\mathbf{x})``.

    ``given`` holds what follows ``|``; ``bracket`` is ``'('`` or ``'['`` (``E[t|\\mathbf{x}]``).
    """

    func: Symbol
    args: tuple[Node, ...]
    given: tuple[Node, ...]
    bracket: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Add:
    """A sum of signed terms: ``a - b`` is ``Add(((1, a), (-1, b)))``."""

    terms: tuple[tuple[int, Node], ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Mul:
    """A product by juxtaposition, ``\\cdot`` or ``\\times`` (factors in written order)."""

    factors: tuple[Node, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Frac:
    """A non-derivative fraction (``\\frac``, ``\\tfrac``, ``\\dfrac``)."""

    num: Node
    den: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Pow:
    """``base^exp`` (``^2``, ``^{-1}``)."""

    base: Node
    exp: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Transpose:
    """``expr^T`` (also ``^{T}``, ``^\\top``, ``^{\\mathrm{T}}``, ``^\\intercal``)."""

    expr: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Derivative:
    """A partial (or total) derivative written as a fraction.

    ``\\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}}`` has ``order=2``,
    ``wrt=(a_k, a_{k'})`` and ``of=E_n``.  ``of=None`` is the *operator*
    ``\\frac{\\partial}{\\partial v}``, which appears only as ``Apply.op``.
    ``\\partial w^2`` in a denominator repeats ``w`` in ``wrt``.  ``total`` is true for
    ``\\frac{d}{dx}`` / ``\\frac{\\mathrm{d} y}{\\mathrm{d} x}``.
    """

    order: int
    wrt: tuple[Node, ...]
    of: Node | None
    pos: Pos = _pos()
    total: bool = False


@dataclass(frozen=True)
class Nabla:
    """The gradient operator ``\\nabla`` with respect to all weights **w** (appears as ``Apply.op``)."""

    pos: Pos = _pos()


@dataclass(frozen=True)
class ROp:
    """Pearlmutter's operator ``\\mathcal{R}\\{\\cdot\\}`` / ``R\\{\\cdot\\}`` (appears as ``Apply.op``)."""

    pos: Pos = _pos()


@dataclass(frozen=True)
class Apply:
    """An operator applied to an operand.

    For :class:`Derivative` and :class:`Nabla` the operand is the whole rest of the product
    the operator begins; for :class:`ROp` it is the content of its braces.
    """

    op: Derivative | Nabla | ROp
    operand: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Sum:
    """``\\sum_{n=1}^N body``: ``index`` n, ``lower`` 1, ``upper`` N; a bare ``\\sum`` has all three None.

    ``body`` is the rest of the product that the sum begins.
    """

    index: Index | None
    lower: Node | None
    upper: Node | None
    body: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Integral:
    """``\\int\\int body d\\mathbf{x} dt``: ``measures`` in written order (the variables, not ``d``).

    ``signs`` counts the integral signs written (``\\int\\int`` and ``\\iint`` give 2), so a
    mismatch with ``len(measures)`` stays visible to the interpreter.
    """

    body: Node
    measures: tuple[Node, ...]
    pos: Pos = _pos()
    signs: int = 1


@dataclass(frozen=True)
class Paren:
    """A bracketed group, kept so grouping stays visible; ``kind`` is ``'('``, ``'['`` or ``'{'``."""

    expr: Node
    kind: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Div:
    """``num / den`` written with a slash (left-associative: ``a / b / c`` is ``(a/b)/c``).

    >>> Div(Number("1"), Number("2")).den
    Number(text='2')
    """

    num: Node
    den: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Func:
    """A named function: ``\\ln y_k``, ``\\exp\\left(…\\right)``, ``\\operatorname{sech}(a)``.

    ``name`` is the name without backslash (``'ln'``, ``'log'``, ``'exp'``, ``'sech'``);
    ``arg`` is the bracketed argument (a :class:`Paren`) or the single factor that follows.

    >>> Func("ln", Number("2")).name
    'ln'
    """

    name: str
    arg: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Abs:
    """``|expr|`` (also ``\\lvert … \\rvert``, ``\\left| … \\right|``)."""

    expr: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class Order:
    """A big-O remainder ``O(\\epsilon^2)`` (also ``\\mathcal{O}(…)``): ``expr`` is what is inside."""

    expr: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class SumOver:
    """``\\sum_{w \\in \\mathcal{W}_1} body``: a sum whose index runs over a set.

    >>> SumOver(Index("w"), Symbol("W", (Number("1"),), None, 0, False, calligraphic=True),
    ...         Number("1")).index.letter
    'w'
    """

    index: Index
    domain: Node
    body: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class EvalAt:
    """A derivative evaluated at shifted arguments: ``\\frac{\\partial E}{\\partial w_{ji}}(w_{lk}+\\epsilon)``.

    ``expr`` is the :class:`Derivative` (with ``of``); ``args`` the bracket's arguments, each a
    weight plus or minus something (PRML 5.91: the gradient at ``w_{lk} + ε``, the other
    weights held fixed).

    >>> e = EvalAt(Derivative(1, (Symbol("w", (), None, 0, False),), Symbol("E", (), None, 0, False)),
    ...            (Add(((1, Symbol("w", (), None, 0, False)), (1, Symbol("epsilon", (), None, 0, False)))),))
    >>> len(e.args)
    1
    """

    expr: Derivative
    args: tuple[Node, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class EqRef:
    """A whole chain member ``(5.83)``: claims equality with that PRML equation.

    >>> EqRef("5.83").number
    '5.83'
    """

    number: str
    pos: Pos = _pos()


Node = Union[
    Index, Number, Symbol, Call, Add, Mul, Frac, Pow, Transpose, Derivative, Nabla, ROp,
    Apply, Sum, Integral, Paren, EqRef, Div, Func, Abs, Order, SumOver, EvalAt,
]


@dataclass(frozen=True)
class Condition:
    """A relation between two expressions used as a condition: ``j \\neq j'``, ``z_j \\neq 0``,
    ``y = \\mathbb{E}[t|\\mathbf{x}]``.  ``relation`` is normalised like :attr:`Member.relation`.
    ``because`` is true when it was given as a reason (``(\\because y = …)``, ``∵ …``): it may be
    an assumption or a lemma that holds anyway; false for a bare case ``(j = j')``.

    >>> Condition(Index("j"), "=", Index("j", 1)).rhs
    Index(letter='j', primes=1)
    """

    lhs: Node
    relation: str
    rhs: Node
    pos: Pos = _pos()
    because: bool = False


@dataclass(frozen=True)
class Member:
    """One member of a chain: ``relation`` joins it to the previous member.

    ``relation`` is the written relation, normalised: ``''`` for the first member of a chain
    that does not continue another; ``'='``, ``'\\simeq'``, ``'\\approx'``, ``'\\equiv'``,
    ``':='`` (also ``\\coloneqq``, ``\\triangleq``, ``\\stackrel{\\text{def}}{=}``), ``'=:'``,
    ``'\\to'`` (also ``\\rightarrow``, ``\\mapsto``, ``\\longrightarrow``, ``\\longmapsto``),
    ``'\\propto'``, ``'\\ll'``, ``'\\gg'``, ``'\\Rightarrow'`` (also ``\\implies``), ``'\\neq'``,
    ``'\\le'``, ``'\\ge'``, ``'<'``, ``'>'``; Unicode ``≃ ≈ ≡ → ⇒ ∝ ≪ ≫ ≠ ≤ ≥`` likewise.
    ``approximate`` is true for ``\\simeq``/``\\approx``.  ``justification`` is the cleaned
    text of a ``\\quad (\\because …)`` / ``\\because …`` / ``∵ …`` / ``\\quad \\text{…}`` /
    ``\\intertext{…}`` / ``\\quad (j \\neq j')`` next to this member (``"(5.92)"``), or None.
    ``condition`` is that justification read as a relation between expressions, when it is
    one (``(j = j')``, ``(\\because y = \\mathbb{E}[t|\\mathbf{x}])``), else None; ``also`` the
    further conditions of a list (``(j = j', k = k')``, ``(\\text{if } j = j' \\text{ and } k = k')``);
    ``unread_condition`` the text of a stated relation that could not be read as conditions (a
    step that fails without it is not judged wrong).  ``pos`` is the relation's position (for a
    first member without relation, its expression's).
    """

    relation: str
    expr: Node
    justification: str | None
    pos: Pos = _pos()
    approximate: bool = False
    condition: Condition | None = None
    also: tuple[Condition, ...] = ()  # further conditions stated with it: (j = j', k = k')
    unread_condition: str | None = None  # a stated relation symhess could not read as conditions


@dataclass(frozen=True)
class Chain:
    """One statement of a display read as a chain ``A = B = C …``; step s relates member s-1 to s.

    ``tag`` is the text of the first ``\\tag{…}`` in the statement, ``labels`` those of its
    ``\\label{…}``.  ``continues`` is true when the display's text starts with a relation
    (``= z_j z_{j'} M_{kk'}``): ``members[0]`` then carries that relation and continues the
    previous display's chain, so every member is a step.
    """

    members: tuple[Member, ...]
    pos: Pos = _pos()
    tag: str | None = None
    continues: bool = False
    labels: tuple[str, ...] = ()

    @property
    def steps(self) -> int:
        """How many steps (relations) the chain holds.

        >>> Chain((Member("", Number("1"), None), Member("=", Number("1"), None))).steps
        1
        >>> Chain((Member("=", Number("1"), None),), continues=True).steps
        1
        """
        return len(self.members) - (0 if self.continues else 1)


@dataclass(frozen=True)
class Display:
    """One display block: its statements (equations side by side or on separate rows).

    ``a = b, \\quad c = d`` has two statements; ``A &= B \\\\ &= C`` one.
    """

    statements: tuple[Chain, ...]
    pos: Pos = _pos()

    @property
    def steps(self) -> int:
        """Steps of all statements.

        >>> one = Chain((Member("", Number("1"), None), Member("=", Number("1"), None)))
        >>> Display((one, one)).steps
        2
        """
        return sum(c.steps for c in self.statements)


def children(node: Node) -> Iterator[Node]:
    """The direct child nodes of ``node``, in field order.

    >>> [str(c) for c in children(Mul((Number("2"), Number("3"))))]
    ['2', '3']
    """
    names = _CHILD_FIELDS.get(type(node))
    if names is None:
        names = tuple(f.name for f in fields(node) if f.name != "pos")
        _CHILD_FIELDS[type(node)] = names
    for name in names:
        yield from _nodes_in(getattr(node, name))


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def map_children(node: Node, f: Callable[[Node], Node]) -> Node:
    """``node`` with ``f`` applied to each direct child node (Add terms keep their sign);
    ``node`` itself, not a copy, when ``f`` changes no child.

    >>> m = Mul((Number("2"), Number("3")))
    >>> map_children(m, lambda c: Number("5") if c == Number("3") else c) == Mul((Number("2"), Number("5")))
    True
    >>> map_children(m, lambda c: c) is m
    True
    """
    if type(node) not in _CHILD_FIELDS:
        _CHILD_FIELDS[type(node)] = tuple(fl.name for fl in fields(node) if fl.name != "pos")
    changes: dict[str, object] = {}
    for name in _CHILD_FIELDS[type(node)]:
        value = getattr(node, name)
        if isinstance(value, _NODE_TYPES):
            new = f(value)
            if new is not value:
                changes[name] = new
        elif isinstance(value, tuple) and value:
            items = tuple((it[0], f(it[1])) if isinstance(it, tuple) and isinstance(it[1], _NODE_TYPES)
                          else f(it) if isinstance(it, _NODE_TYPES) else it for it in value)
            if any(a is not b and not (isinstance(a, tuple) and a[1] is b[1]) for a, b in zip(items, value)):
                changes[name] = items
    if not changes:
        return node
    out: Node = replace(node, **changes)  # type: ignore[arg-type]  # ** over the union of node types
    return out


def _nodes_in(value: object) -> Iterator[Node]:
    if isinstance(value, _NODE_TYPES):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            if isinstance(item, tuple):  # Add terms: (sign, node)
                yield from _nodes_in(item[1])
            else:
                yield from _nodes_in(item)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree under ``node`` (itself first), depth first.

    >>> sorted({type(n).__name__ for n in walk(Mul((Number("2"), Number("3"))))})
    ['Mul', 'Number']
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


_NODE_TYPES = (
    Index, Number, Symbol, Call, Add, Mul, Frac, Pow, Transpose, Derivative, Nabla, ROp,
    Apply, Sum, Integral, Paren, EqRef, Div, Func, Abs, Order, SumOver, EvalAt,
)

__all__ = [
    "Abs", "Add", "Apply", "Call", "Chain", "Condition", "Derivative", "Display", "Div", "EqRef",
    "EvalAt",
    "Func", "Index", "Integral", "Member", "Mul", "Nabla", "Node", "Number", "Order", "Paren",
    "Pos", "Pow", "ROp", "Sum", "SumOver", "Symbol", "Transpose", "children", "map_children", "walk",
]
