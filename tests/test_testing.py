from __future__ import annotations

import pytest

from symhess.testing import (NotEquivalent, assert_derivation_holds, assert_equivalent,
                             assert_not_equivalent)


def test_assert_equivalent_passes_and_returns_decision() -> None:
    assert assert_equivalent(r"z_j z_{j'} M_{kk'}", r"z_{j'} z_j M_{k'k}").verdict == "proved"


def test_assert_equivalent_failure_shows_both_sides() -> None:
    with pytest.raises(NotEquivalent, match=r"^x_i h'\(a_j\) I_\{jj'\}  ≠  0: "):
        assert_equivalent(r"x_i h'(a_j) I_{jj'}", "0")


def test_assert_not_equivalent() -> None:
    d = assert_not_equivalent(r"x_i h'(a_j) \delta_k I_{jj'}", r"x_i h''(a_j) \delta_k I_{jj'}")
    assert d.counterexample is not None
    with pytest.raises(AssertionError, match="expected to fail, got proved"):
        assert_not_equivalent(r"M_{kk'}", r"M_{k'k}")


def test_assert_derivation_holds() -> None:
    assert_derivation_holds(r"$$ \frac{\partial E_n}{\partial a_k} = \delta_k $$")
    with pytest.raises(NotEquivalent, match=r"step 1: ✗ failed"):
        assert_derivation_holds(r"$$ \frac{\partial E_n}{\partial a_k} = M_{kk} $$")
