"""Typed, immutable results shared by derivation, checking and rendering."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """The verdict on an equation or a step; a ``str``, so ``verdict == "proved"`` keeps working.

    ``erratum``: the result is derived and proved (or verified) from the definitions, and the
    book's printed statement is refuted (see :class:`Erratum`).

    >>> Verdict.PROVED == "proved", Verdict("approximation").name, f"{Verdict.FAILED}"
    (True, 'APPROXIMATION', 'failed')
    """

    def __repr__(self) -> str:  # reads as the string it is (doctests, reports)
        return repr(self.value)

    PROVED = "proved"
    VERIFIED = "verified"
    APPROXIMATION = "approximation"
    FAILED = "failed"
    UNSUPPORTED = "unsupported"
    ERRATUM = "erratum"
    DEFINITION = "definition"  # a checked step that puts a definition in force (nothing to prove)


class ChainVerdict(StrEnum):
    """The verdict on a whole display block (a chain of steps) in ``symhess check``.

    ``ok``: every step holds; ``xfail``: a block marked as a known wrong attempt fails, as
    expected; ``display``: a display with no relation to check (reported, never skipped).

    >>> ChainVerdict.OK == "ok", ChainVerdict("xfail").name
    (True, 'XFAIL')
    """

    def __repr__(self) -> str:
        return repr(self.value)

    OK = "ok"
    FAILED = "failed"
    UNSUPPORTED = "unsupported"
    XFAIL = "xfail"
    DISPLAY = "display"


@dataclass(frozen=True, init=False)
class Text:
    """Prose whose maths is left as SymPy: what the checker says, for a renderer to print.

    The checker decides and never formats (docs/ARCHITECTURE.md): an expression it computed
    (a residual, a missing term, a dropped remainder) travels inside the message as SymPy,
    and a renderer prints it with the one printer (:func:`symhess.printing.text_latex`).
    String parts are prose; LaTeX in them is quoted from the reader's own notation.

    >>> t = Text("the right side is missing ", 2) + "; see (5.95)"
    >>> t.parts, t.prose
    (('the right side is missing ', 2, '; see (5.95)'), 'the right side is missing …; see (5.95)')
    >>> "(" + Text("x") + ")", bool(Text()), Text("a", Text("b")) == Text("ab")
    (Text(parts=('(x)',)), False, True)
    >>> f"{t}"
    Traceback (most recent call last):
    ...
    TypeError: a Text is printed by a renderer (symhess.printing.text_latex), not by format() or str()
    """

    parts: tuple[Any, ...]  # str (prose) or a SymPy expression

    def __init__(self, *parts: Any) -> None:
        flat: list[Any] = []
        for p in parts:
            for q in (p.parts if isinstance(p, Text) else (p,)):
                if isinstance(q, str) and flat and isinstance(flat[-1], str):
                    flat[-1] += q
                elif not (isinstance(q, str) and not q):
                    flat.append(q)
        object.__setattr__(self, "parts", tuple(flat))

    def __add__(self, other: Text | str) -> Text:
        return Text(self, other)

    def __radd__(self, other: str) -> Text:
        return Text(other, self)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def __format__(self, spec: str) -> str:
        raise TypeError("a Text is printed by a renderer (symhess.printing.text_latex), not by "
                        "format() or str()")

    def __str__(self) -> str:
        return self.__format__("")

    @property
    def prose(self) -> str:
        """The words alone, each expression shown as ``…`` (for logs and tests of wording)."""
        return "".join(p if isinstance(p, str) else "…" for p in self.parts)


@dataclass(frozen=True)
class Counterexample:
    """Where two sides differ: sizes, index values as written, and the values there.

    The one counterexample type of the package: the decider's (``values`` ``left``/``right``,
    with ``x``/``t`` when a continuous variable was drawn) and a derivation's check against
    the brute-force Hessian (``left`` the formula, ``right`` the brute-force value).

    >>> c = Counterexample({"D": 1, "M": 2}, {"j": 1}, {"left": 0.5, "right": -0.25})
    >>> c.left, c.right, c.text()
    (0.5, -0.25, 'D = 1, M = 2; j = 1: left 0.5, right -0.25')
    """

    sizes: dict[str, int]
    indices: dict[str, int]
    values: dict[str, float]

    @property
    def left(self) -> float:
        return float(self.values["left"])

    @property
    def right(self) -> float:
        return float(self.values["right"])

    def text(self) -> str:
        """In words, with no Python reprs."""
        where = "; ".join(x for x in (_pairs(self.sizes), _pairs(self.indices)) if x)
        vals = ", ".join(f"{k} {v:.6g}" for k, v in self.values.items())
        return f"{where}: {vals}"


@dataclass(frozen=True)
class Step:
    """One line of a derivation chain as a reader would write it.

    ``latex`` is the expression on this line; ``relation`` joins it to the previous
    line (the first line of a chain has relation ``""``).

    >>> Step(r"z_j z_{j'} M_{kk'}", r"\\because (5.92)", "=").relation
    '='
    """

    latex: str
    justification: str | None = None
    relation: str = "="


@dataclass(frozen=True)
class NumericCheck:
    """How a formula was checked numerically: at which sizes, how many points, worst error."""

    sizes: tuple[dict[str, int], ...]
    points: int
    max_rel_error: float
    note: str = ""


@dataclass(frozen=True)
class Derived:
    """A recipe's derivation of one quantity: its step chain, what it arrives at, and whether
    that holds (proved equal to the form it is compared with).

    ``result`` is a SymPy expression, or a tuple of them when the chain solves for several
    unknowns at once (a weight and its bias; ``λ̃1`` and ``λ̃2``).  A recipe wraps it into a
    :class:`DerivationResult` for its catalogue entry.

    >>> d = Derived((Step("a", None, ""), Step("b")), "b", True)
    >>> d.holds, d.steps[-1].latex
    (True, 'b')
    """

    steps: tuple[Step, ...]
    result: Any
    holds: bool = True


def _pairs(values: dict[str, Any]) -> str:
    """``{"D": 2, "a": 2.0}`` as ``D = 2, a = 2``.

    >>> _pairs({"D": 2, "a": 2.0, "bias": 1})
    'D = 2, a = 2, bias = 1'
    """
    return ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}" for k, v in values.items())


@dataclass(frozen=True)
class BookCounterexample:
    """Where the book's printed statement and the truth (the brute-force value) disagree.

    ``parameters`` holds values other than sizes and indices the comparison used
    (``{"a": 2.0}`` for a rescaling); ``indices`` may be empty.

    >>> c = BookCounterexample({"D": 2, "M": 2, "K": 2}, {"j": 1, "j'": 2}, 0.25, -0.5)
    >>> c.to_json()["indices"]
    {'j': 1, "j'": 2}
    """

    sizes: dict[str, int]
    indices: dict[str, int]
    printed: float
    true: float
    parameters: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        """In words, with no Python reprs.

        >>> BookCounterexample({"D": 2, "M": 2}, {"j": 1, "j'": 2}, 0.25, -0.5).text()
        "D = 2, M = 2; j = 1, j' = 2: printed 0.25, true -0.5"
        """
        where = "; ".join(x for x in (_pairs(self.sizes), _pairs(self.indices), _pairs(self.parameters)) if x)
        return f"{where}: printed {self.printed:.6g}, true {self.true:.6g}"

    def to_json(self) -> dict[str, Any]:
        return {"sizes": dict(self.sizes), "indices": dict(self.indices), "printed": self.printed,
                "true": self.true, "parameters": dict(self.parameters)}


@dataclass(frozen=True)
class Erratum:
    """A misprint in the book: what it prints, what the derivation gives, and when they differ.

    ``wrong_when`` is a LaTeX condition (``j \\neq j'``) or ``""`` when the printed statement
    is wrong in general.

    >>> Erratum("a^{1/2}", "a^{2}", "a \\neq 1", None).wrong_when
    'a \\neq 1'
    """

    printed_latex: str
    corrected_latex: str
    wrong_when: str
    counterexample: BookCounterexample | None


@dataclass(frozen=True)
class DerivationResult:
    """What deriving one catalogue equation produced.

    ``title`` is keyword-only and empty from a recipe: titles live in the catalogue, and
    :func:`symhess.derive.derive_entry` is the one place that sets it.

    >>> r = DerivationResult("5.93", "x", "proved", (), None, 0.0)
    >>> r.title, DerivationResult("5.93", "x", "proved", (), None, 0.0, title="t").title
    ('', 't')
    """

    equation: str
    title: str = field(default="", kw_only=True)
    statement_latex: str
    verdict: Verdict | str  # a plain string is turned into its Verdict on construction
    steps: tuple[Step, ...]
    numeric: NumericCheck | None
    seconds: float
    notes: tuple[str, ...] = field(default=())
    assumptions: tuple[str, ...] = field(default=())
    erratum: Erratum | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))  # a plain string accepted

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``symhess derive --format json`` for one equation."""
        data = asdict(self)
        data["verdict"] = Verdict(self.verdict).value
        data["steps"] = [
            {"latex": s.latex, "justification": s.justification, "relation": s.relation}
            for s in self.steps
        ]
        if self.numeric is not None:
            data["numeric"] = {
                "sizes": [dict(s) for s in self.numeric.sizes],
                "points": self.numeric.points,
                "max_rel_error": self.numeric.max_rel_error,
                "note": self.numeric.note,
            }
        data["notes"] = list(self.notes)
        data["assumptions"] = list(self.assumptions)
        e = self.erratum
        del data["erratum"]
        data["printed_latex"] = e.printed_latex if e else None
        data["corrected_latex"] = e.corrected_latex if e else None
        data["wrong_when_latex"] = (e.wrong_when or None) if e else None
        data["counterexample"] = e.counterexample.to_json() if e and e.counterexample else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DerivationResult":
        """A result back from :meth:`to_json` (plain data, nothing evaluated).

        >>> r = DerivationResult("x", "a=b", "erratum", (Step("a", None, ""),), None, 0.0,
        ...     erratum=Erratum("p", "c", "", BookCounterexample({"D": 1}, {}, 1.0, 2.0)), title="t")
        >>> DerivationResult.from_json(r.to_json()) == r
        True
        """
        num = data.get("numeric")
        numeric = None
        if isinstance(num, dict):
            numeric = NumericCheck(tuple(dict(s) for s in num["sizes"]), int(num["points"]),
                                   float(num["max_rel_error"]), str(num.get("note", "")))
        steps = tuple(Step(str(s["latex"]), s.get("justification"), str(s.get("relation", "=")))
                      for s in data["steps"])
        erratum = None
        if data.get("printed_latex") is not None:
            c = data.get("counterexample")
            cex = None if not isinstance(c, dict) else BookCounterexample(
                {str(k): int(v) for k, v in c["sizes"].items()},
                {str(k): int(v) for k, v in c["indices"].items()}, float(c["printed"]),
                float(c["true"]), {str(k): float(v) for k, v in c.get("parameters", {}).items()})
            erratum = Erratum(str(data["printed_latex"]), str(data["corrected_latex"]),
                              str(data.get("wrong_when_latex") or ""), cex)
        return cls(str(data["equation"]), str(data["statement_latex"]),
                   data["verdict"], steps, numeric, float(data["seconds"]),
                   tuple(data.get("notes", ())), tuple(data.get("assumptions", ())), erratum,
                   title=str(data["title"]))

    def chain_latex(self) -> str:
        """The step chain as an ``aligned`` block body (a step with relation ``""`` starts a
        new chain).  Justifications are text with inline math in ``$…$``.

        >>> r = DerivationResult("x", "a=b", "proved",
        ...     (Step("a", None, ""), Step("b", "def")), None, 0.0, title="t")
        >>> print(r.chain_latex())
        a &= b && \\because \\text{def}
        """
        lines: list[str] = []
        lhs = ""
        for s in self.steps:
            if s.relation == "":
                lhs = s.latex
                continue
            just = f" && \\because \\text{{{s.justification}}}" if s.justification else ""
            lines.append(f"{lhs} &{s.relation} {s.latex}{just}")
            lhs = ""
        return " \\\\\n".join(lines)
