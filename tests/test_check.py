from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from symhess.check import check_paths, check_text, cited
from symhess.render.report import report_json, report_text
from symhess.printing import text_latex

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "seed_handout.txt"  # the reading group's handout, as handed in
CORPUS = ROOT / "derivations"


@pytest.fixture(scope="module")
def seed_report():
    return check_paths([SEED])


@pytest.fixture(scope="module")
def corpus_report():
    return check_paths([CORPUS])


def by_line(rep, line):
    return next(d for d in rep.derivations if d.line == line)


def test_seed_blocks_found(seed_report) -> None:
    assert [d.line for d in seed_report.derivations] == [17, 27, 35, 46, 78]


def test_seed_eq5_holds_in_all_seven_steps(seed_report) -> None:
    d = by_line(seed_report, 78)
    assert len(d.steps) == 7 and d.verdict == "ok"
    assert all(s.verdict == "proved" for s in d.steps)


def test_seed_eq1_first_wrong_step_is_6(seed_report) -> None:
    d = by_line(seed_report, 17)
    assert d.verdict == "failed"
    assert d.first_failure.index == 6
    assert "matrix" in text_latex(d.first_failure.message) and "vector" in text_latex(d.first_failure.message)
    assert [s.verdict for s in d.steps[:5]] == ["proved"] * 5


def test_seed_eq2_eq3_take_x_dependence_out_of_the_integral(seed_report) -> None:
    d2, d3 = by_line(seed_report, 27), by_line(seed_report, 35)
    assert d2.first_failure.index == 2 and "outside" in text_latex(d2.first_failure.message)
    assert d3.first_failure.index == 1
    last = d3.steps[-1]
    assert last.verdict == "failed" and "outside any integral" in text_latex(last.message)  # not (5.194)


def test_condition_189_is_reported(seed_report) -> None:
    step = next(s for s in by_line(seed_report, 35).steps if s.justification == "(1.89)")
    assert step.verdict in ("proved", "verified")
    assert any("1.89" in a for a in step.assumptions) and "condition" in text_latex(step.message)


def test_seed_eq4_is_an_approximation_naming_the_dropped_term(seed_report) -> None:
    s = by_line(seed_report, 46).steps[0]
    assert s.verdict == "approximation"
    assert "y_{n}" in text_latex(s.message) and "t_{n}" in text_latex(s.message)


def test_corpus_has_no_unexpected_result(corpus_report) -> None:
    assert corpus_report.ok
    for d in corpus_report.derivations:
        assert d.verdict in ("ok", "xfail"), (d.path, d.line, text_latex(d.message))


def test_no_false_alarm_on_correct_derivations(corpus_report) -> None:
    for d in corpus_report.derivations:
        if d.xfail is None:
            assert all(s.verdict in ("proved", "verified", "approximation") for s in d.steps), d.line


def test_wrong_attempts_fail_at_the_marked_step(corpus_report) -> None:
    """Each xfail marker names its wrong step ("step N is wrong"); the checker must agree."""
    marked = [d for d in corpus_report.derivations if d.xfail and re.match(r"step \d+", d.xfail)]
    assert len(marked) >= 6
    for d in marked:
        want = int(re.match(r"step (\d+)", d.xfail).group(1))
        assert d.first_failure is not None and d.first_failure.index == want, (d.path, d.line)
        assert d.first_failure.verdict == "failed"


def test_missing_term_is_shown_with_counterexample(corpus_report) -> None:
    d = next(d for d in corpus_report.derivations if d.xfail and "step 4" in d.xfail)
    s = d.first_failure
    assert "missing" in text_latex(s.message) and "I_{jj'}" in text_latex(s.message) and r"\delta_{k}" in text_latex(s.message)
    assert s.counterexample is not None and s.counterexample.indices["j"] == s.counterexample.indices["j'"]
    assert s.residual is not None


def test_unexpected_pass_of_xfail_fails() -> None:
    text = "<!-- symhess: xfail wrongly marked -->\n$$ z_j z_{j'} = z_{j'} z_j $$\n"
    d = check_text(text, "x.md").derivations[0]
    assert d.verdict == "failed" and "unexpected pass" in text_latex(d.message)


def test_unsupported_is_never_a_pass() -> None:
    d = check_text(r"$$ \mathcal{R}\{y_n\} = \sum_r v_r \frac{\partial y_n}{\partial w_r} $$", "r.md").derivations[0]
    assert d.verdict == "unsupported" and d.steps[0].verdict == "unsupported"
    assert "R" in text_latex(d.steps[0].message)


def test_json_contract(seed_report) -> None:
    data = json.loads(json.dumps(report_json(seed_report)))
    step = data["files"][0]["derivations"][0]["steps"][0]
    assert set(step) >= {"index", "line", "verdict", "justification", "assumptions",
                         "residual_latex", "counterexample", "message"}
    assert set(data["summary"]) == {"displays", "derivations", "steps", "proved", "verified", "definition",
                                    "failed", "unsupported", "approximation", "xfail", "xpass"}
    cex = next(s["counterexample"] for f in data["files"] for d in f["derivations"]
               for s in d["steps"] if s["counterexample"])
    assert set(cex) == {"sizes", "indices", "values"}


def test_text_report_names_file_line_and_step(seed_report) -> None:
    text = report_text(seed_report)
    assert re.search(r"seed_handout\.txt:17:\d+ step 6: ✗ failed", text)


@pytest.mark.parametrize("just, nums", [(r"(\because (5.92))", ["5.92"]), (None, []),
                                        ("(1.89) and (5.193)", ["1.89", "5.193"])])
def test_cited(just, nums) -> None:
    assert cited(just) == nums


def test_deterministic(corpus_report) -> None:
    again = check_paths([CORPUS])
    assert report_json(again) == report_json(corpus_report)


def test_r_operator_steps() -> None:
    text = ("$$ \\mathcal{R}\\{z_j\\} = h'(a_j) \\mathcal{R}\\{a_j\\} $$\n\n"
            "$$ \\mathcal{R}\\{a_k\\} = \\sum_j w_{kj} \\mathcal{R}\\{z_j\\} $$\n")
    d1, d2 = check_text(text, "r.md").derivations
    assert d1.steps[0].verdict == "proved"
    assert d2.steps[0].verdict == "failed" and "missing \\sum_{j} z_{j} v_{kj}" in text_latex(d2.steps[0].message)


def test_sum_of_squares_citation_puts_error_model_in_force() -> None:
    general = check_text("$$ \\mathcal{R}\\{\\delta_k\\} = \\mathcal{R}\\{y_k\\} $$", "g.md", strict=True)
    assert general.derivations[0].steps[0].verdict == "failed"  # needs the sum-of-squares error
    inferred = check_text("$$ \\mathcal{R}\\{\\delta_k\\} = \\mathcal{R}\\{y_k\\} $$", "g.md")
    assert inferred.derivations[0].steps[0].verdict == "proved" and inferred.notes  # read under 5.104
    text = ("$$ \\delta_k = y_k - t_k \\quad (\\because (5.104)) $$\n\n"
            "$$ \\mathcal{R}\\{\\delta_k\\} = \\mathcal{R}\\{y_k\\} $$\n")
    d1, d2 = check_text(text, "s.md").derivations
    assert d1.steps[0].verdict == "proved" and d2.steps[0].verdict == "proved"
    assert any("5.104" in a for a in d2.steps[0].assumptions)
