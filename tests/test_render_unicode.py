"""Tests for symhess.render.unicode and the terminal report (symhess.render.report)."""
from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from symhess.check import Report
from symhess.render.report import derivation_text, report_text, summary_text
from symhess.render.unicode import readable, to_unicode
import sympy as sp
from symhess.network import Z, jp


@pytest.mark.parametrize("latex, text", [
    (r"x_i h'(a_j) \delta_k I_{jj'}", "x_i h′(a_j) δ_k I_jj′"),
    (r"\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}}", "∂²E_n/∂w_kj∂w_k′j′"),
    (r"\iint \left(y - t\right)^2 \, d\mathbf{x} \, dt", "∬ (y − t)² d𝐱 dt"),
    (r"\frac{\partial}{\partial w_{ji}^{(1)}} \left\{ z_{j'} \delta_k \right\}", "∂/∂w_ji⁽¹⁾ { z_j′ δ_k }"),
    (r"\sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^T", "Σ_(n=1)^N 𝐛_n 𝐛_nᵀ"),
    (r"\lambda_1 \to a^{1/2} \lambda_1", "λ_1 → a^(1/2) λ_1"),
    (r"\mathcal{R}\{a_j\} = \sum_i v_{ji} x_i", "ℛ{a_j} = Σ_i v_ji x_i"),
    (r"j \neq j'", "j ≠ j′"),
    (r"\frac{1}{2", "1/2"),  # unbalanced: shown as far as it goes, no exception
])
def test_to_unicode(latex: str, text: str) -> None:
    assert to_unicode(latex) == text


@pytest.mark.parametrize("prose, text", [
    (r"the right side is missing x_{i} h'(a_{j}) (left − right = x_{i})", "the right side is missing x_i h′(a_j) (left − right = x_i)"),
    (r"sum-of-squares error, $\delta_k = y_k - t_k$ (5.104)", "sum-of-squares error, δ_k = y_k − t_k (5.104)"),
    ("PRML's second-layer weights", "PRML's second-layer weights"),
    ("expected '}' to close '{'", "expected '}' to close '{'"),
])
def test_readable_keeps_prose(prose: str, text: str) -> None:
    assert readable(prose) == text


def _step(verdict: str, **kw) -> NS:
    base = dict(index=1, line=3, col=1, verdict=verdict, message="m", justification=None, assumptions=(),
                readings=(), residual=None, counterexample=None, lhs_expr=None, rhs_expr=None, suggestion=None)
    base.update(kw)
    return NS(**base)


def _der(steps, verdict="ok", xfail=None, message="") -> NS:
    steps = tuple(steps)
    first = next((s for s in steps if s.verdict in ("failed", "unsupported")), None)
    return NS(path="n.md", line=2, verdict=verdict, steps=steps, xfail=xfail, message=message, first_failure=first)


def test_zero_step_derivation_and_definition_verdict() -> None:
    empty = _der((), message="no checkable relation in this display")
    assert derivation_text(empty) == "n.md:2: derivation ✓ ok\n  no checkable relation in this display"
    d = _der([_step("definition", justification="E := ½ Σ (y − t)²")])
    assert "step 1: ≔ definition" in derivation_text(d)


def test_reading_shared_by_steps_shown_once_and_summary_counts() -> None:
    r = r"R\{\cdot\} = \mathbf{v}^T \nabla (5.97)"
    d = _der([_step("proved", readings=(r,), index=i) for i in (1, 2, 3)])
    text = derivation_text(d)
    assert text.count("read: ℛ") == 0 and text.count("read: R{·} = 𝐯ᵀ ∇ (5.97)") == 1
    x = _der([_step("failed")], verdict="xfail", xfail="on purpose")
    assert summary_text([d, x]) == ("2 derivations (1 ok, 1 xfail (expected failures)), 4 steps: "
                                    "3 proved, 0 verified, 0 approximation, 1 failed, 0 unsupported")


def test_suggestion_and_counterexample_under_a_failed_step() -> None:
    cex = NS(sizes={"D": 2}, indices={"j'": 2}, values={"left": 1.0, "right": 2.0})
    s = _step("failed", residual=Z[jp], counterexample=cex, lhs_expr=sp.Symbol("a"), rhs_expr=sp.Symbol("b"),
              suggestion=NS(latex=r"z_j z_{j'}", edit="changes z_{j} to z_{j'}", verdict="proved"))
    text = derivation_text(_der([s], verdict="failed"))
    assert "residual (left − right): z_j′" in text and "indices j′ = 2" in text
    assert "did you mean: z_j z_j′ (changes z_j to z_j′) ✓ proved" in text


def test_quiet_shows_only_failures() -> None:
    good = _der([_step("proved")])
    bad = _der([_step("proved"), _step("failed", index=2)], verdict="failed")
    rep = NS(derivations=[good, bad], ok=False)
    text = report_text(rep, verbosity=-1)  # type: ignore[arg-type]
    assert text.count("derivation ") == 1 and "step 1:" not in text and "step 2: ✗ failed" in text
    assert Report  # the real report type is what the CLI passes
