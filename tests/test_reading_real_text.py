"""Constructs met in published notes that nobody here wrote (the realtext corpora): each test
is a small input of one kind, with the verdict a careful reader gives it."""
from __future__ import annotations

import pytest

from symhess.check import check_text


def verdicts(text: str) -> list[list[str]]:
    return [[str(s.verdict) for s in d.steps] for d in check_text(text, "notes.md").derivations]


def test_a_connective_typed_in_maths_mode_separates_statements() -> None:
    """``\\quad and \\quad`` is a word, not the product a·n·d."""
    assert verdicts(r"$$ z_j = z_j \quad and \quad M_{kk'} = M_{k'k} $$") == [["proved", "proved"]]


@pytest.mark.parametrize("prime", ["h^{'}(a_j)", r"h^{\prime}(a_j)", "h'(a_j)"])
def test_primes_as_a_braced_superscript(prime: str) -> None:
    assert verdicts(f"$$ \\frac{{\\partial z_j}}{{\\partial a_j}} = {prime} $$") == [["proved"]]


def test_e_of_w_defines_e() -> None:
    text = ("$$ E(\\mathbf{w}) = \\frac{1}{2} \\sum_{n=1}^{N} (y_n - t_n)^2 $$\n\n"
            "$$ \\frac{\\partial E}{\\partial w_r} = \\sum_{n=1}^{N} (y_n - t_n) \\frac{\\partial y_n}{\\partial w_r} $$")
    assert verdicts(text) == [["definition"], ["proved"]]


@pytest.mark.parametrize("prose", [
    "如果我们忽略二阶导数中非对角线元素，那么我们有",
    "Si ahora descartamos los elementos fuera de la diagonal, obtenemos:",
    "假设非对角元素都是0:",
    "Ignoring the off-diagonal elements, we obtain",
])
def test_prose_that_neglects_terms_makes_the_display_an_approximation(prose: str) -> None:
    text = (f"{prose}\n\n$$ \\frac{{\\partial^2 E_n}}{{\\partial a_j^2}} = h'(a_j)^2 \\sum_k w_{{kj}}^2 "
            "\\frac{\\partial^2 E_n}{\\partial a_k^2} + h''(a_j) \\sum_k w_{kj} \\frac{\\partial E_n}{\\partial a_k} $$")
    assert verdicts(text) == [["approximation"]]


def test_plain_b_n_is_the_outer_product_vector() -> None:
    text = ("$$ E = \\frac{1}{2} \\sum_{n=1}^{N} (y_n - t_n)^2 $$\n\n"
            "$$ H \\simeq \\sum_{n=1}^{N} b_n b_n^T $$")
    assert verdicts(text) == [["definition"], ["approximation"]]


@pytest.mark.parametrize("text", [r"\frac12 z_j = \frac{1}{2} z_j", r"\frac ty = \frac{t}{y}",
                                  r"\frac{1}2 z_j = \frac{z_j}{2}"])
def test_frac_arguments_without_braces(text: str) -> None:
    assert verdicts(f"$$ {text} $$") == [["proved"]]


def test_capital_w_with_two_indices_is_a_weight() -> None:
    (d,) = check_text("$$ \\frac{\\partial a_k}{\\partial W_{kj}} = z_j $$", "notes.md").derivations
    assert [str(s.verdict) for s in d.steps] == ["proved"]
    assert any("read as the weight" in r for s in d.steps for r in s.readings)
