from __future__ import annotations

from pathlib import Path

import pytest

from symhess.testing import (NotEquivalent, NothingChecked, Unreadable, assert_derivation_holds,
                             assert_equivalent, assert_file_derivations_hold,
                             assert_not_equivalent)

GOOD = r"$$ \frac{\partial E_n}{\partial a_k} = \delta_k $$"
BAD = r"$$ \frac{\partial E_n}{\partial a_k} = M_{kk} $$"


def test_assert_equivalent_passes_and_returns_decision() -> None:
    assert assert_equivalent(r"z_j z_{j'} M_{kk'}", r"z_{j'} z_j M_{k'k}").verdict == "proved"


def test_assert_equivalent_failure_shows_both_sides() -> None:
    with pytest.raises(NotEquivalent, match=r"^x_i h'\(a_j\) I_\{jj'\}  ≠  0: "):
        assert_equivalent(r"x_i h'(a_j) I_{jj'}", "0")


@pytest.mark.parametrize("left, right, match", [
    (r"x_{i", "0", r"^cannot read the left side 'x_\{i': "),
    ("0", r"\frac{1}{", r"^cannot read the right side .*: <right side>:1:14: expected '\}' to close"),
    (r"q_j", "0", r"^cannot read the left side 'q_j': .*unknown quantity"),
    (3.5, "0", r"^the left side is a float, expected LaTeX text"),
])
def test_unreadable_input_is_a_test_failure_that_says_why(left, right, match: str) -> None:
    with pytest.raises(Unreadable, match=match) as info:
        assert_equivalent(left, right)
    assert isinstance(info.value, AssertionError)
    with pytest.raises(Unreadable, match=match):
        assert_not_equivalent(left, right)


def test_assert_not_equivalent() -> None:
    d = assert_not_equivalent(r"x_i h'(a_j) \delta_k I_{jj'}", r"x_i h''(a_j) \delta_k I_{jj'}")
    assert d.counterexample is not None
    with pytest.raises(AssertionError, match="expected to fail, got proved"):
        assert_not_equivalent(r"M_{kk'}", r"M_{k'k}")


def test_assert_derivation_holds_on_text() -> None:
    assert_derivation_holds(GOOD)
    with pytest.raises(NotEquivalent, match=r"step 1: ✗ failed"):
        assert_derivation_holds(BAD)


@pytest.mark.parametrize("text, match", [
    ("notes.md", r"^the text 'notes.md' holds no derivation .*assert_file_derivations_hold\('notes.md'\)"),
    ("", r"^the text '' holds no derivation"),
    ("just prose, $x$ inline", r"^the text 'just prose, \$x\$ inline' holds no derivation"),
])
def test_text_without_a_derivation_raises(text: str, match: str) -> None:
    with pytest.raises(NothingChecked, match=match):
        assert_derivation_holds(text)


def test_a_file_name_string_is_not_a_silent_pass(tmp_path: Path) -> None:
    """The bug of issue 9: a str naming a file with a failed step used to pass."""
    f = tmp_path / "notes.md"
    f.write_text(BAD, encoding="utf-8")
    with pytest.raises(NothingChecked):
        assert_derivation_holds(str(f))
    with pytest.raises(NotEquivalent, match=r"step 1: ✗ failed"):
        assert_file_derivations_hold(str(f))
    with pytest.raises(NotEquivalent, match=r"step 1: ✗ failed"):
        assert_derivation_holds(f)  # a Path is unambiguous: read as before


def test_assert_file_derivations_hold(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    assert_file_derivations_hold(good)
    empty = tmp_path / "empty.md"
    empty.write_text("no math here\n", encoding="utf-8")
    with pytest.raises(NothingChecked, match=r"empty.md: no derivation found"):
        assert_file_derivations_hold(empty)
    with pytest.raises(NothingChecked, match=r"^no such file: .*missing.md"):
        assert_file_derivations_hold(tmp_path / "missing.md")
    with pytest.raises(NothingChecked, match=r"^no file given"):
        assert_file_derivations_hold()
