"""Soundness of the weight-space matrix decider (symhess.matrices).

1. A generic bold capital (``\\mathbf{A}``, ``\\mathbf{M}``) is a general matrix: it must not be
   drawn symmetric, or ``\\mathbf{A}^T = \\mathbf{A}`` is "verified" (false for [[0, 1], [0, 0]]).
   Only the Hessian and its approximations (``\\mathbf{H}_N``, ``\\mathbf{H}_L``, PRML 5.86–5.89)
   are symmetric by definition.
2. The counterexample of a failed identity shows two values that differ (the entry with the
   largest difference, with its row and column), not the first entry of each side.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from symhess.check import check_text
from symhess.matrices import decide_matrices
from symhess.notation.parser import parse_display
from symhess.printing import text_latex

HOLDS = {"proved", "verified"}


def decide(display: str, defs: dict | None = None):  # type: ignore[no-untyped-def]
    members = parse_display(display).statements[0].members
    return decide_matrices(members[0].expr, members[1].expr, defs or {})


def steps(text: str):  # type: ignore[no-untyped-def]
    return [s for d in check_text(text, "case.md").derivations for s in d.steps]


def verdicts(text: str) -> list[str]:
    return [s.verdict for s in steps(text)]


MINV_V = r"(\mathbf{M}^{-1}\mathbf{v})"
WOODBURY = (r"(\mathbf{M} + \mathbf{v}\mathbf{v}^{\mathrm{T}})^{-1} = \mathbf{M}^{-1} - "
            r"\frac{(\mathbf{M}^{-1}\mathbf{v})(\mathbf{v}^{\mathrm{T}}\mathbf{M}^{-1})}"
            r"{1 + \mathbf{v}^{\mathrm{T}}\mathbf{M}^{-1}\mathbf{v}}")
H_L = r"\mathbf{H}_L = \alpha \mathbf{I} + \sum_{n=1}^{L} \mathbf{b}_n \mathbf{b}_n^{\mathrm{T}}"
H_L_UPDATE = r"\mathbf{H}_{L+1} = \mathbf{H}_L + \mathbf{b}_{L+1} \mathbf{b}_{L+1}^{\mathrm{T}}"
INVERSE_UPDATE = (r"\mathbf{H}_{L+1}^{-1} = \mathbf{H}_L^{-1} - \frac{\mathbf{H}_L^{-1} \mathbf{b}_{L+1} "
                  r"\mathbf{b}_{L+1}^{\mathrm{T}} \mathbf{H}_L^{-1}}{1 + \mathbf{b}_{L+1}^{\mathrm{T}} "
                  r"\mathbf{H}_L^{-1} \mathbf{b}_{L+1}}")


# ------------------------------------------------------------------ 1. generic matrices are general
@pytest.mark.parametrize("display", [
    r"\mathbf{A}^{\mathrm{T}} = \mathbf{A}",
    r"\mathbf{M}^{\mathrm{T}} = \mathbf{M}",
    r"\mathbf{M}^{-1} = (\mathbf{M}^{-1})^{\mathrm{T}}",
    r"\mathbf{v}^{\mathrm{T}} \mathbf{M}^{-1} \mathbf{u} = \mathbf{u}^{\mathrm{T}} \mathbf{M}^{-1} \mathbf{v}",
    r"\mathbf{v}^{\mathrm{T}} \mathbf{M} \mathbf{u} = \mathbf{u}^{\mathrm{T}} \mathbf{M} \mathbf{v}",
    r"\mathbf{A}\mathbf{B} = \mathbf{B}\mathbf{A}",
    r"(\mathbf{A}\mathbf{B})^{-1} = \mathbf{A}^{-1}\mathbf{B}^{-1}",
    r"(\mathbf{A}\mathbf{B})^{\mathrm{T}} = \mathbf{A}^{\mathrm{T}}\mathbf{B}^{\mathrm{T}}",
    r"\mathbf{M}\mathbf{v}\mathbf{v}^{\mathrm{T}} = \mathbf{v}\mathbf{v}^{\mathrm{T}}\mathbf{M}",
    r"\boldsymbol{\Sigma}^{\mathrm{T}} = \boldsymbol{\Sigma}",
    # (M^{-1} v)^T = v^T M^{-T}, which is v^T M^{-1} only for a symmetric M
    r"(\mathbf{M} + \mathbf{v}\mathbf{v}^{\mathrm{T}})^{-1} = \mathbf{M}^{-1} - \frac{" + MINV_V + MINV_V
    + r"^{\mathrm{T}}}{1 + \mathbf{v}^{\mathrm{T}}\mathbf{M}^{-1}\mathbf{v}}",
])
def test_false_identities_of_generic_matrices_fail(display: str) -> None:
    assert decide(display).verdict == "failed"


@pytest.mark.parametrize("display", [
    WOODBURY,                                                                     # 5.88 for every M
    r"(\mathbf{A}\mathbf{B})^{-1} = \mathbf{B}^{-1}\mathbf{A}^{-1}",
    r"(\mathbf{A}\mathbf{B})^{\mathrm{T}} = \mathbf{B}^{\mathrm{T}}\mathbf{A}^{\mathrm{T}}",
    r"(\mathbf{M}^{-1})^{\mathrm{T}} = (\mathbf{M}^{\mathrm{T}})^{-1}",
    r"\mathbf{v}^{\mathrm{T}} \mathbf{M} \mathbf{u} = \mathbf{u}^{\mathrm{T}} \mathbf{M}^{\mathrm{T}} \mathbf{v}",
    r"\mathbf{M}\mathbf{M}^{-1} = \mathbf{I}",
    r"(\mathbf{A} + \mathbf{A}^{\mathrm{T}})^{\mathrm{T}} = \mathbf{A} + \mathbf{A}^{\mathrm{T}}",
])
def test_true_identities_of_generic_matrices_hold(display: str) -> None:
    assert decide(display).verdict == "verified"


def test_generic_matrices_are_drawn_non_symmetric() -> None:
    d = decide(r"\mathbf{A}^{\mathrm{T}} = \mathbf{A}")
    assert d.verdict == "failed"
    assert d.counterexample is not None and d.counterexample["sizes"]["W"] == 2  # W = 1 cannot tell


def test_minimal_attack_document_is_no_longer_verified() -> None:
    text = ("$$ \\mathbf{A}^{\\mathrm{T}} = \\mathbf{A} $$\n\n$$ \\mathbf{M}^{\\mathrm{T}} = \\mathbf{M} $$\n\n"
            "$$ \\mathbf{v}^{\\mathrm{T}}\\mathbf{M}^{-1}\\mathbf{u} = "
            "\\mathbf{u}^{\\mathrm{T}}\\mathbf{M}^{-1}\\mathbf{v} $$\n")
    assert verdicts(text) == ["failed", "failed", "failed"]


# ------------------------------------------------------------------ symmetric by definition: H_N, H_L
@pytest.mark.parametrize("display", [
    r"\mathbf{H}_L^{\mathrm{T}} = \mathbf{H}_L",
    r"\mathbf{H}_{N}^{\mathrm{T}} = \mathbf{H}_{N}",
    r"(\mathbf{H}_L^{-1})^{\mathrm{T}} = \mathbf{H}_L^{-1}",
    r"(\mathbf{H}_L + \mathbf{b}\mathbf{b}^{\mathrm{T}})^{-1} = \mathbf{H}_L^{-1} - \frac{(\mathbf{H}_L^{-1}"
    r"\mathbf{b})(\mathbf{H}_L^{-1}\mathbf{b})^{\mathrm{T}}}{1 + \mathbf{b}^{\mathrm{T}}\mathbf{H}_L^{-1}\mathbf{b}}",
])
def test_hessian_approximations_are_symmetric(display: str) -> None:
    assert decide(display).verdict == "verified"


@pytest.mark.parametrize(("text", "expected"), [
    (f"$$ {WOODBURY} $$", ["verified"]),
    (f"$$ {H_L} $$\n\n$$ {H_L_UPDATE} $$\n\n$$ {INVERSE_UPDATE} $$\n\n$$ \\mathbf{{H}}_L^{{\\mathrm{{T}}}} = "
     "\\mathbf{H}_L $$", ["definition", "verified", "verified", "verified"]),
    (f"$$ {H_L} $$\n\n$$ \\mathbf{{H}}_{{L+1}} = \\mathbf{{H}}_L + 2 \\mathbf{{b}}_{{L+1}} "
     "\\mathbf{b}_{L+1}^{\\mathrm{T}} $$", ["definition", "failed"]),
])
def test_woodbury_and_the_inverse_update_still_hold(text: str, expected: list[str]) -> None:
    assert verdicts(text) == expected


# ------------------------------------------------------------------ 2. the counterexample shows a difference
@pytest.mark.parametrize("display", [
    r"\mathbf{A}\mathbf{B} = \mathbf{B}\mathbf{A}",
    r"(\mathbf{A}\mathbf{B})^{-1} = \mathbf{A}^{-1}\mathbf{B}^{-1}",
    r"(\mathbf{A}\mathbf{B})^{\mathrm{T}} = \mathbf{A}^{\mathrm{T}}\mathbf{B}^{\mathrm{T}}",
    r"\mathbf{A}^{\mathrm{T}} = \mathbf{A}",
    r"\mathbf{v}^{\mathrm{T}} \mathbf{M}^{-1} \mathbf{u} = \mathbf{u}^{\mathrm{T}} \mathbf{M}^{-1} \mathbf{v}",
])
def test_counterexample_values_differ(display: str) -> None:
    d = decide(display)
    assert d.verdict == "failed" and d.counterexample is not None
    left, right = d.counterexample["left"], d.counterexample["right"]
    assert abs(left - right) > 1e-6 * max(1.0, abs(left), abs(right))
    # as printed, too: the message names the entry and its two values, and they read differently
    m = re.search(r"left (\S+), right (\S+?)[;,)]", d.message)
    assert m is not None, d.message
    assert m.group(1) != m.group(2)
    assert float(m.group(1)) == pytest.approx(left, rel=1e-5, abs=1e-12)
    assert float(m.group(2)) == pytest.approx(right, rel=1e-5, abs=1e-12)


def test_counterexample_names_the_entry_with_the_largest_difference() -> None:
    d = decide(r"\mathbf{A}\mathbf{B} = \mathbf{B}\mathbf{A}")
    assert d.counterexample is not None
    m = re.search(r"row (\d+), column (\d+)", d.message)
    assert m is not None, d.message
    row, col = int(m.group(1)), int(m.group(2))
    W = d.counterexample["sizes"]["W"]
    assert 1 <= row <= W and 1 <= col <= W
    # the drawn matrices are printed: recompute AB − BA from them and find the reported entry
    mats = {name: np.array(json.loads(value))
            for name, value in re.findall(r"\\mathbf\{(\w)\} = (\[\[.*?\]\])", d.message)}
    assert set(mats) >= {"A", "B"}, d.message
    diff = np.abs(mats["A"] @ mats["B"] - mats["B"] @ mats["A"])
    assert diff[row - 1, col - 1] >= (1 - 1e-4) * diff.max()  # AB − BA is traceless: ties are possible
    assert (mats["A"] @ mats["B"])[row - 1, col - 1] == pytest.approx(d.counterexample["left"], rel=1e-3, abs=1e-3)
    assert (mats["B"] @ mats["A"])[row - 1, col - 1] == pytest.approx(d.counterexample["right"], rel=1e-3, abs=1e-3)


def test_counterexample_in_the_check_report_differs() -> None:
    got = steps("$$ \\mathbf{A}\\mathbf{B} = \\mathbf{B}\\mathbf{A} $$\n")
    assert [s.verdict for s in got] == ["failed"]
    c = got[0].counterexample
    assert c is not None and f"{c.left:.6g}" != f"{c.right:.6g}"


# ------------------------------------------------------------------ related holes of the same decider
@pytest.mark.parametrize("display", [
    r"\mathbf{M}\mathbf{v} = M \mathbf{v}",          # the bold matrix M is not the scalar M
    r"\mathbf{v}^{\mathrm{T}}\mathbf{v} = v",          # nor the bold vector v the scalar v
    r"\mathbf{v}^{\mathrm{T}}\tilde{\mathbf{M}}\mathbf{v} = \mathbf{v}^{\mathrm{T}}\mathbf{M}\mathbf{v}",  # M~ is not M
    r"\mathbf{M}'\mathbf{v} = \mathbf{M}\mathbf{v}",   # nor M' M
    # a bold Greek capital is a matrix, not a vector (for a vector both sides are v v^T v)
    r"\boldsymbol{\Phi}\boldsymbol{\Phi}^{\mathrm{T}}\boldsymbol{\Phi} = "
    r"\boldsymbol{\Phi}^{\mathrm{T}}\boldsymbol{\Phi}\boldsymbol{\Phi}",
])
def test_bold_and_plain_letters_and_greek_capitals(display: str) -> None:
    assert decide(display).verdict == "failed"


def test_inverse_of_a_singular_matrix_is_not_defined() -> None:
    """H_N = sum of L < W outer products is singular: 5.89 is unsupported there, never failed on
    the rounding noise of an inverse that does not exist."""
    text = (r"$$ \mathbf{H}_N = \sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^{\mathrm{T}} $$" "\n\n"
            f"$$ {INVERSE_UPDATE} $$\n")
    got = steps(text)
    assert [s.verdict for s in got] == ["definition", "unsupported"]
    assert "Singular" in text_latex(got[1].message)
