from __future__ import annotations

import pytest

from symhess.check import DerivationReport, StepResult
from symhess.pytest_plugin import _explain
from symhess.suggest import Suggestion

pytest_plugins = ["pytester"]

GOOD = "$$\n\\frac{\\partial}{\\partial w_{kj}^{(2)}} z_{j'} \\delta_{k'} = z_j z_{j'} M_{kk'}\n$$\n"
BAD = ("# notes\n\n$$\n\\begin{aligned}\nx_i \\frac{\\partial}{\\partial a_j} z_{j'} \\delta_k\n"
       "&= x_i z_{j'} \\frac{\\partial \\delta_k}{\\partial a_j}\n\\end{aligned}\n$$\n")


def test_good_and_bad_derivations(pytester: pytest.Pytester) -> None:
    pytester.makefile(".md", **{"derivations/good": GOOD, "derivations/bad": BAD})
    pytester.makeini("[pytest]\nsymhess_derivations = derivations/*.md\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "derivations")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*bad.md:3: derivation ✗ failed*", "*step 1: ✗ failed*",
                                 "*missing*", "*counterexample*"])


def test_xfail_marker(pytester: pytest.Pytester) -> None:
    marked = BAD.replace("$$\n", "<!-- symhess: xfail drops a term -->\n$$\n", 1)
    pytester.makefile(".md", **{"derivations/att": marked})
    pytester.makeini("[pytest]\nsymhess_derivations = derivations/*.md\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "derivations")
    result.assert_outcomes(xfailed=1)


def test_parse_error_is_a_failure_not_a_crash(pytester: pytest.Pytester) -> None:
    pytester.makefile(".md", **{"derivations/broken": "$$ a = \\frac{1}{2 $$\n"})
    pytester.makeini("[pytest]\nsymhess_derivations = derivations/*.md\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "derivations")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.md:1:*", "*expected*"])


def test_files_outside_patterns_are_ignored(pytester: pytest.Pytester) -> None:
    pytester.makefile(".md", **{"notes/bad": BAD})
    pytester.makeini("[pytest]\nsymhess_derivations = derivations/*.md\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "notes")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_failure_report_shows_the_suggested_fix() -> None:
    fix = Suggestion("x_{i} h'(a_{j'}) \\delta_{k} I_{jj'}", "changes h''(a_{j'}) to h'(a_{j'})",
                     "proved")
    step = StepResult(index=1, line=3, col=1, verdict="failed", message="the sides differ",
                      suggestion=fix)
    text = _explain(DerivationReport("bad.md", 3, "failed", (step,)))
    assert text.startswith("bad.md:3: derivation")
    assert "did you mean:" in text and "proved" in text
    assert text.count("did you mean") == 1


def test_no_fix_no_suggestion_line() -> None:
    step = StepResult(index=1, line=3, col=1, verdict="failed", message="the sides differ")
    assert "did you mean" not in _explain(DerivationReport("bad.md", 3, "failed", (step,)))
