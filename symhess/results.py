"""Typed, immutable results shared by derivation, checking and rendering."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["proved", "verified", "approximation", "failed", "unsupported"]


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
class DerivationResult:
    """What deriving one catalogue equation produced."""

    equation: str
    title: str
    statement_latex: str
    verdict: Verdict
    steps: tuple[Step, ...]
    numeric: NumericCheck | None
    seconds: float
    notes: tuple[str, ...] = field(default=())
    assumptions: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``symhess derive --format json`` for one equation."""
        data = asdict(self)
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
        return data

    def chain_latex(self) -> str:
        """The step chain as an ``aligned`` block body (a step with relation ``""`` starts a
        new chain).  Justifications are text with inline math in ``$…$``.

        >>> r = DerivationResult("x", "t", "a=b", "proved",
        ...     (Step("a", None, ""), Step("b", "def")), None, 0.0)
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

    def _repr_latex_(self) -> str:
        return "$$\\begin{aligned}" + self.chain_latex() + "\\end{aligned}$$"
