"""Tests for symhess.render.markdown: MathJax handouts in the seed's $$…$$ \\tag style."""
from __future__ import annotations

import re

from symhess.render import markdown as md
from symhess.render.content import CorrespondenceRow, Handout, Item, Section
from symhess.results import DerivationResult, NumericCheck, Step

R = DerivationResult(
    "5.93", "both weights in the second layer", "s", "proved",
    (Step(r"\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}}", None, ""),
     Step(r"z_j z_{j'} M_{kk'}", r"\because (5.92)")),
    NumericCheck(({"D": 1, "M": 1, "K": 1},), 6, 1e-16), 0.2, notes=("PRML prints H_{kk'}",))


def test_equation_is_a_tagged_aligned_display_like_the_seed() -> None:
    eq = md.equation(R, "ja")
    assert eq.startswith("$$\\begin{aligned}") and eq.endswith("\\tag{5.93}$$")
    assert r"(\because (5.92))" in eq


def test_justification_text_has_no_tex_escapes_for_mathjax() -> None:
    r = DerivationResult("5.1", "t", "s", "proved", (Step("a", None, ""), Step("b", "R{f} at 50%")), None, 0.1)
    eq = md.equation(r, "en")
    assert r"\text{R(f) at 50%}" in eq


def test_status_names_verdict_and_checks() -> None:
    s = md.status(R, "en")
    assert s.startswith("> **proved symbolically**") and "$(D, M, K) = (1, 1, 1)$" in s


def test_document_outline_and_tables() -> None:
    rows = (CorrespondenceRow("5.98", "a_j = x", "5.101", r"\left. f \right|_0"),)
    h = Handout("ja", (Section("1.4", (Item("5.93", "両方の重みが第二層にある", R),)),
                       Section("1.5", (), correspondence=rows)))
    doc = md.document(h)
    assert "## 1 ヘッセ行列" in doc and "### 1.4 ヘッセ行列の厳密な評価" in doc
    assert "### 1.5 ヘッセ行列の積の高速な計算" in doc
    assert "| (5.93) | 両方の重みが第二層にある | 記号的に証明 (proved) |" in doc
    table_line = next(line for line in doc.splitlines() if "(5.101)" in line)
    assert table_line.count("|") == 3  # no stray | from \right| inside a cell
    assert not re.search(r"\\emph|``", doc)


def test_prose_conversion() -> None:
    assert md.prose(r"\emph{a} p.~3 ``b''") == '*a* p. 3 "b"'
