"""Tests for symhess.render.latex: TeX fragments of results (chains, ∵, tags, verdicts, breaking)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symhess.render import latex as tex
from symhess.render.content import CorrespondenceRow, Handout, Item, Section
from symhess.results import DerivationResult, NumericCheck, Step

LONG_RHS = (r"x_i x_{i'} h''(a_{j'}) I_{jj'} \sum_k w_{kj'}^{(2)} \delta_k "
            r"+ x_i x_{i'} h'(a_{j'}) h'(a_j) \sum_k \sum_{k'} w_{k'j'}^{(2)} w_{kj}^{(2)} M_{kk'} "
            r"+ x_i x_{i'} h'(a_{j'}) h'(a_j) \sum_k \sum_{k'} w_{k'j'}^{(2)} w_{kj}^{(2)} M_{kk'}")


def result(steps: tuple[Step, ...], *, number: str = "5.94", verdict: str = "proved",
           numeric: NumericCheck | None = None, notes: tuple[str, ...] = ()) -> DerivationResult:
    return DerivationResult(number, "s", verdict, steps, numeric, 0.5, notes=notes,
                            title="both weights in the first layer")


SEED_EQ5 = result((
    Step(r"\frac{\partial^2 E_n}{\partial w_{kj}^{(2)} \partial w_{k'j'}^{(2)}}", None, ""),
    Step(r"\frac{\partial}{\partial w_{kj}^{(2)}} z_{j'} \frac{\partial E_n}{\partial a_{k'}}", "chain rule"),
    Step(r"z_j z_{j'} \frac{\partial^2 E_n}{\partial a_k \partial a_{k'}}", None),
    Step(r"z_j z_{j'} M_{kk'}", r"\because (5.92)"),
), number="5.93")


# --------------------------------------------------------------------------- text
@pytest.mark.parametrize(("text", "expected"), [
    ("definition of a_k (5.64)", "definition of $a_k$ (5.64)"),
    ("50% & more", r"50\% \& more"),
    (r"drop \sum_n (y_n - t_n) here", r"drop $\sum_n (y_n - t_n)$ here"),
    ("alpha_1 -> a**2*alpha_1", r"$\alpha_1 \to  a^{2} \alpha_1$"),
    ("vs numeric.exact_hessian @ v", r"vs \texttt{numeric.exact\_hessian} @ v"),
    ("grows like L^2, no limit", "grows like $L^{2}$, no limit"),
])
def test_text_with_math(text: str, expected: str) -> None:
    assert tex.text_with_math(text) == expected


def test_wide_formula_in_prose_becomes_a_display() -> None:
    out = tex.text_with_math(f"corrected form: ${LONG_RHS}$", display_over=tex.NOTE_MATH_WIDTH)
    assert out.startswith("corrected form: \\[\\begin{aligned}")
    assert out.count("\\\\") >= 1  # broken over lines


@pytest.mark.parametrize(("just", "expected"), [
    (None, ""),
    ("", ""),
    (r"\because (5.92)", r"(\because (5.92))"),
    ("(5.98)", r"(\because (5.98))"),
    ("chain rule", r"(\because \text{chain rule})"),
    ("drop \\sum_n e_n", r"{\textstyle (\because \text{drop }\sum_n e_n)}"),
])
def test_justification(just: str | None, expected: str) -> None:
    assert tex.justification(just) == expected


def test_long_justification_breaks_after_semicolons() -> None:
    just = "coefficients of z_j matched; the hidden units are unchanged; solved for the new weights"
    lines = tex.justification_lines(just, 30.0)
    assert len(lines) >= 2
    assert lines[0].startswith(r"{\textstyle (\because") and lines[-1].endswith("weights})")


def test_translate_uses_the_phrase_book_for_japanese_only() -> None:
    assert tex.translate("chain rule, product rule (5.50)", "ja") == "連鎖律, 積の微分 (5.50)"
    assert tex.translate("chain rule", "en") == "chain rule"


@pytest.mark.parametrize(("latex", "terms"), [
    ("a + b - c", ["a", "+ b", "- c"]),
    (r"\left(a + b\right) c", [r"\left(a + b\right) c"]),
    (r"\frac{a+b}{c} + d", [r"\frac{a+b}{c}", "+ d"]),
    (r"\left.\frac{d}{d\epsilon}[f + g]\right|_{\epsilon=0} + h", [r"\left.\frac{d}{d\epsilon}[f + g]\right|_{\epsilon=0}", "+ h"]),
    ("-a + b", ["-a", "+ b"]),
    ("a = -b", ["a = -b"]),
])
def test_split_terms(latex: str, terms: list[str]) -> None:
    assert tex.split_terms(latex) == terms


@pytest.mark.parametrize(("number", "lang", "tag"), [
    ("5.95", "ja", r"\tag{5.95}"),
    ("ex5.23", "ja", r"\tag{演習 5.23}"),
    ("ex5.23", "en", r"\tag{Ex.~5.23}"),
    ("5.115-5.117", "en", r"\tag{5.115–5.117}"),
])
def test_equation_tag(number: str, lang: str, tag: str) -> None:
    assert tex.equation_tag(number, lang) == tag


# --------------------------------------------------------------------------- chains
def test_seed_chain_rows_carry_justifications_and_relations() -> None:
    rows = tex.chain_row_list(SEED_EQ5)
    assert len(rows) == 3
    assert rows[0].startswith(r"\frac{\partial^2 E_n}") and "&=" in rows[0]
    assert r"(\because \text{chain rule})" in rows[0]
    assert rows[-1].endswith(r"\quad (\because (5.92))")


def test_long_step_is_broken_into_rows_that_fit() -> None:
    r = result((Step(r"\frac{\partial^2 E_n}{\partial w_{ji} \partial w_{j'i'}}", None, ""),
                Step(LONG_RHS, "product rule; chain rule; (5.92)")))
    rows = tex.chain_row_list(r)
    assert len(rows) >= 3
    assert all(tex.width(row.replace("&", "")) <= tex.DISPLAY_WIDTH + 1 for row in rows)
    # the terms are all there, in order
    joined = " ".join(rows)
    assert joined.count(r"\sum_k") == 3


def test_approximation_relation_is_typeset() -> None:
    r = result((Step("H", None, ""), Step(r"\sum_n b_n b_n^T", "drop", "≃")), verdict="approximation")
    assert r"&\simeq \sum_n b_n b_n^T" in tex.chain_rows(r)


def test_chain_step_rows_groups_by_step() -> None:
    groups = tex.chain_step_rows(SEED_EQ5)
    assert len(groups) == len(SEED_EQ5.steps)
    assert groups[0] == ([], 0)


def test_derivation_block_has_tag_verdict_numeric_and_notes() -> None:
    num = NumericCheck(({"D": 1, "M": 1, "K": 1}, {"D": 3, "M": 4, "K": 2}), 20, 3.2e-15, "every coincidence pattern")
    r = result(SEED_EQ5.steps, number="5.93", numeric=num, notes=("PRML prints H_{kk'} for M_{kk'}",))
    block = tex.derivation_block(r, "en")
    assert r"\tag{5.93}" in block and r"\begin{align}" in block
    assert block.count(r"\notag") == 2  # three rows, the tag on the last
    assert r"\verdict{proved}{proved symbolically}" in block
    assert "$(D, M, K) = (1, 1, 1), (3, 4, 2)$" in block and "20 points" in block
    assert r"3.2 \times 10^{-15}" in block
    assert r"\item PRML prints $H_{kk'}$ for $M_{kk'}$" in block


def test_status_line_in_japanese_is_japanese_without_timings() -> None:
    line = tex.status_line(result(SEED_EQ5.steps, verdict="verified"), "ja")
    assert "数値的に検証" in line and "verified}{" not in line.replace(r"\verdict{verified}", "")
    assert not re.search(r"\d\s*\\,s|\bs\)", line)


def test_correspondence_table_pairs_numbers() -> None:
    rows = (CorrespondenceRow("5.98", r"a_j = \sum_i w_{ji} x_i", "5.101", r"\mathcal{R}\{a_j\} = \sum_i v_{ji} x_i"),)
    t = tex.correspondence_table(rows, "en")
    assert r"\begin{longtable}" in t and "(5.98)" in t and "(5.101)" in t


def test_document_keeps_the_seed_numbering_when_parts_are_missing() -> None:
    h = Handout("ja", (Section("1.4", (Item("5.93", "t", SEED_EQ5),)), Section("2.1", ())))
    doc = tex.document(h)
    assert r"\setcounter{subsection}{3}" in doc and r"\subsection{ヘッセ行列の厳密な評価}" in doc
    assert r"\section{ニューラルネットワークの正則化}" in doc
    assert doc.index(r"\section{ヘッセ行列}") < doc.index(r"\section{ニューラルネットワークの正則化}")
    assert r"\section*{検証一覧}" in doc


def test_error_block_is_visible() -> None:
    h = Handout("en", (Section("1.4", (Item("5.95", "t", None, "KeyError: 'x'"),)),))
    doc = tex.document(h)
    assert r"\verdict{failed}{derivation raised an error}" in doc and "KeyError" in doc


# --------------------------------------------------------------------------- safety
def _balanced(s: str) -> bool:
    depth = 0
    for m in re.finditer(r"\\[{}$%&#_^\\]|[{}]", s):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
        if depth < 0:
            return False
    return depth == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab_^{}()\\$%&#~ -=*,.;:") + ["alpha", "sum", "\\frac", "\\left(",
                                  "\\right)", " x_1", "**2", "->", "\\,", "sqrt(", "oo", " "]),
                max_size=25).map("".join))
def test_prose_never_breaks_tex(text: str) -> None:
    """Whatever a derivation writes in a note, the TeX stays balanced: even count of
    unescaped ``$`` and balanced braces."""
    out = tex.text_with_math(text)
    dollars = len(re.findall(r"(?<!\\)\$", out))
    assert dollars % 2 == 0
    assert _balanced(out)
    for m in re.finditer(r"(?<!\\)\$(.*?)(?<!\\)\$", out):
        assert tex._safe_math(m.group(1))


def test_a_power_of_a_symbol_with_a_superscript_is_bracketed() -> None:
    """``(w^{(1)})^2``, never the double superscript ``w^{(1)}^{2}`` (a TeX error)."""
    import sympy as sp

    from symhess.printing import prml_latex, text_latex
    from symhess.results import Text
    w1 = sp.Symbol("w^{(1)}")
    assert prml_latex(w1 ** 2) == r"\left(w^{(1)}\right)^{2}" and prml_latex(sp.Symbol("a") ** 2) == "a^{2}"
    assert text_latex(Text("changes by ", w1 ** 2 / 2)) == r"changes by \frac{\left(w^{(1)}\right)^{2}}{2}"
