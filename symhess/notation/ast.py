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

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Union


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in the original file.

    >>> str(Pos(17, 4))
    '17:4'
    """

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


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
    primes: int
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
    ``bold`` is ``\\mathbf``/``\\boldsymbol``/``\\bm``; ``blackboard`` is ``\\mathbb``.

    >>> str(Symbol("h", (), None, 1, False))
    "h'"
    >>> str(Symbol("b", (Index("n", 0),), None, 0, True))
    '\\\\mathbf{b}_{n}'
    """

    name: str
    sub: tuple[Index | Number, ...]
    layer: int | None
    primes: int
    bold: bool
    pos: Pos = _pos()
    blackboard: bool = False

    def __str__(self) -> str:
        base = self.name if len(self.name) == 1 else "\\" + self.name
        if self.bold:
            base = f"\\mathbf{{{base}}}"
        if self.blackboard:
            base = f"\\mathbb{{{base}}}"
        text = base + "'" * self.primes
        if self.sub:
            text += "_{" + "".join(str(s) for s in self.sub) + "}"
        if self.layer is not None:
            text += f"^{{({self.layer})}}"
        return text


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
class EqRef:
    """A whole chain member ``(5.83)``: claims equality with that PRML equation.

    >>> EqRef("5.83").number
    '5.83'
    """

    number: str
    pos: Pos = _pos()


Node = Union[
    Index, Number, Symbol, Call, Add, Mul, Frac, Pow, Transpose, Derivative, Nabla, ROp,
    Apply, Sum, Integral, Paren, EqRef,
]


@dataclass(frozen=True)
class Member:
    """One member of a chain: ``relation`` joins it to the previous member.

    ``relation`` is the written relation (``''`` for the first member, ``'='``, ``'\\simeq'``
    or ``'\\approx'``; Unicode ``≃``/``≈`` are stored as ``'\\simeq'``/``'\\approx'``).
    ``approximate`` is true for ``\\simeq``/``\\approx``.  ``justification`` is the cleaned
    text of a ``\\quad (\\because …)`` / ``\\because …`` / ``∵ …`` / ``\\quad \\text{…}`` that
    follows this member (``"(5.92)"``), or None.  ``pos`` is the relation's position (for the
    first member, the position of its expression).
    """

    relation: str
    expr: Node
    justification: str | None
    pos: Pos = _pos()
    approximate: bool = False


@dataclass(frozen=True)
class Chain:
    """A display block read as one chain ``A = B = C …``; step s relates member s-1 to member s.

    ``tag`` is the text of ``\\tag{…}`` if the block has one.
    """

    members: tuple[Member, ...]
    pos: Pos = _pos()
    tag: str | None = None

    @property
    def steps(self) -> int:
        """How many steps (relations) the chain holds.

        >>> Chain((Member("", Number("1"), None), Member("=", Number("1"), None))).steps
        1
        """
        return len(self.members) - 1


def children(node: Node) -> Iterator[Node]:
    """The direct child nodes of ``node``, in field order.

    >>> [str(c) for c in children(Mul((Number("2"), Number("3"))))]
    ['2', '3']
    """
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        yield from _nodes_in(value)


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
    Apply, Sum, Integral, Paren, EqRef,
)

__all__ = [
    "Add", "Apply", "Call", "Chain", "Derivative", "EqRef", "Index", "Integral", "Member",
    "Mul", "Nabla", "Node", "Number", "Paren", "Pos", "Pow", "ROp", "Sum", "Symbol",
    "Transpose", "children", "walk",
]
