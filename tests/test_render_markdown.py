"""Tests for symhess.render.markdown: MathJax handouts in the seed's $$…$$ \\tag style."""
from __future__ import annotations

import re

import pytest

from symhess.render import markdown as md
from symhess.render.content import CorrespondenceRow, Handout, Item, Section
from symhess.results import BookCounterexample, DerivationResult, Erratum, NumericCheck, Step

R = DerivationResult(
    "5.93", "s", "proved",
    (Step(r"\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}}", None, ""),
     Step(r"z_j z_{j'} M_{kk'}", r"\because (5.92)")),
    NumericCheck(({"D": 1, "M": 1, "K": 1},), 6, 1e-16), 0.2, notes=("PRML prints H_{kk'}",),
    title="both weights in the second layer")


def test_equation_is_a_tagged_aligned_display_like_the_seed() -> None:
    eq = md.equation(R, "ja")
    assert eq.startswith("$$\\begin{aligned}") and eq.endswith("\\tag{5.93}$$")
    assert r"(\because (5.92))" in eq


def test_justification_text_has_no_tex_escapes_for_mathjax() -> None:
    r = DerivationResult("5.1", "s", "proved", (Step("a", None, ""), Step("b", "R{f} at 50%")), None, 0.1, title="t")
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
    assert "| (5.93) | 両方の重みが第二層にある | 記号的に証明 |" in doc
    table_line = next(line for line in doc.splitlines() if "(5.101)" in line)
    assert table_line.count("|") == 3  # no stray | from \right| inside a cell
    assert not re.search(r"\\emph|``", doc)


def test_prose_conversion() -> None:
    assert md.prose(r"\emph{a} p.~3 ``b''") == '*a* p. 3 "b"'


ERRATUM = DerivationResult(
    "5.95", "s", "erratum",
    (Step(r"\frac{\partial^2 E_n}{\partial w_{ji} \partial w_{kj'}}", None, ""), Step(r"x_i h'(a_j) \delta_k I_{jj'}")),
    NumericCheck(({"D": 2, "M": 2, "K": 2},), 6, 2.5e-16, "vs numeric.exact_hessian (lambdified SymPy)"), 2.5,
    notes=("PRML prints H_{kk'} for M_{kk'}", "counterexample: D = 2; printed 1, true 2"),
    erratum=Erratum(r"E = x_i h'(a_{j'})", r"E = x_i h'(a_j)", "j \\neq j'",
                    BookCounterexample({"D": 2, "M": 2, "K": 2}, {"j": 1, "j'": 2}, -0.4646, -0.1185)),
    title="one weight in each layer")


@pytest.mark.parametrize("lang, prints, wrong, derived", [
    ("en", "PRML prints: $E = x_i h'(a_{j'})$", "this is wrong for $j \\neq j'$ (counterexample: $D = 2",
     "✓ derived: $E = x_i h'(a_j)$"),
    ("ja", "PRML の印刷: $E = x_i h'(a_{j'})$", "これは $j \\neq j'$ のとき誤り (反例: $D = 2", "✓ 導出結果: $E = x_i h'(a_j)$"),
])
def test_erratum_shown_as_erratum_not_failed(lang: str, prints: str, wrong: str, derived: str) -> None:
    block = md.derivation(Item("5.95", "t", ERRATUM), lang)
    assert prints in block and wrong in block and derived in block
    assert "不成立" not in block and "failed" not in block


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_internal_names_or_timings(lang: str) -> None:
    block = md.derivation(Item("5.95", "t", ERRATUM), lang)
    for bad in ("numeric.exact_hessian", "max_rel_error", "SymPy", "lambdif", "2.5 s", "(2.5"):
        assert bad not in block
    if lang == "ja":
        assert "PRML prints H" not in block  # the derivation's English notes stay out


def test_title_author_date() -> None:
    doc = md.document(Handout("en", ()), title="Week 7", author="A. Reader", date="2024-05-01")
    assert doc.startswith("# Week 7\n") and "A. Reader · 2024-05-01" in doc
    assert "Last time" not in doc and "handwritten" not in doc
