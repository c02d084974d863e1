"""The handout's content as data: sections of derivation results, figures, algorithms, tables.

:mod:`symhess.handout` fills these in (deriving, drawing); the renderers only format them.

>>> s = Section("1.4", (Item("5.93", "both weights in layer 2"),))
>>> s.key, s.items[0].number
('1.4', '5.93')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..results import DerivationResult


@dataclass(frozen=True)
class Item:
    """One catalogue entry in the handout: its result, or the error its derivation raised."""

    number: str
    title: str
    result: DerivationResult | None = None
    error: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure drawn next to the output: the same picture as PDF (for TeX) and PNG (for Markdown)."""

    key: str
    pdf: Path
    png: Path


@dataclass(frozen=True)
class Algorithm:
    """An algorithm typeset by latexify: TeX ``algorithmic`` body and a MathJax ``array`` body."""

    key: str
    title: str
    equations: str
    latex: str
    mathjax: str


@dataclass(frozen=True)
class CorrespondenceRow:
    """A forward/backward equation of the gradient beside its R-operator counterpart."""

    left_number: str
    left_latex: str
    right_number: str
    right_latex: str


@dataclass(frozen=True)
class Section:
    """One numbered part of the seed's outline (``"1.4"``) and what goes in it."""

    key: str
    items: tuple[Item, ...]
    figures: tuple[Figure, ...] = ()
    algorithms: tuple[Algorithm, ...] = ()
    correspondence: tuple[CorrespondenceRow, ...] = ()
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Handout:
    """A whole handout in one language, ready to render."""

    lang: str
    sections: tuple[Section, ...]
