"""Tests of symhess.mutate: the operators, the printer, and the verdicts on mutants."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from symhess.documents import find_blocks
from symhess.mutate import (
    OPERATORS, OUTCOMES, MutantRecord, MutationReport, Operator, format_report, latex,
    mutants, mutate_chain, mutate_corpus,
)
from symhess.notation import ast
from symhess.notation.parser import parse_chain
from symhess.suggest import Suggestion

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "derivations"

# The product rule and chain rule for ∂/∂a_j of z_{j'} δ_k: two steps, every operator applies.
SMALL = (r"\frac{\partial}{\partial a_j} z_{j'} \delta_k "
         r"= \delta_k \frac{\partial z_{j'}}{\partial a_j} + z_{j'} \frac{\partial \delta_k}{\partial a_j} "
         r"= h'(a_{j'}) \delta_k I_{jj'} + z_{j'} \sum_{k'} w_{k'j}^{(2)} h'(a_j) M_{kk'}")


def first(text: str) -> ast.Node:
    return parse_chain(text + " = 0").members[0].expr


def edits(text: str, operator: str) -> set[str]:
    """The LaTeX of every mutant of ``text`` made by ``operator``."""
    return {latex(m.expr) for m in mutants(first(text)) if m.operator == operator}


# ----------------------------------------------------------------------------- operators
@pytest.mark.parametrize(("text", "operator", "expected"), [
    ("a_j + z_j - x_i", "drop term", {"z_{j} - x_{i}", "a_{j} - x_{i}", "a_{j} + z_{j}"}),
    ("- a_j + z_j", "drop term", {"z_{j}", "- a_{j}"}),
    ("x_i z_j \\delta_k", "drop factor", {"z_{j} \\delta_{k}", "x_{i} \\delta_{k}", "x_{i} z_{j}"}),
    ("x_i \\frac{\\partial}{\\partial a_j} z_j", "drop factor",
     {"\\frac{\\partial}{\\partial a_{j}} z_{j}", "x_{i}", "x_{i} z_{j}"}),
    ("x_i \\sum_k w_{kj} \\delta_k", "drop sum", {"x_{i} w_{kj} \\delta_{k}"}),
    ("a_j - z_j", "flip sign", {"- a_{j} - z_{j}", "a_{j} + z_{j}"}),
    ("z_j M_{kk'}", "flip sign", {"- z_{j} M_{kk'}"}),
    ("z_{j'} M_{kk'}", "prime/unprime index", {"z_{j} M_{kk'}", "z_{j'} M_{k'k'}",
                                                "z_{j'} M_{kk}"}),
    ("h'(a_j) + h''(a_j) + h(a_j)", "h' <-> h''",
     {"h''(a_{j}) + h''(a_{j}) + h(a_{j})", "h'(a_{j}) + h'(a_{j}) + h(a_{j})"}),
    ("w_{kj'}^{(2)} w_{ji} a_k \\delta_j I_{jj'}", "change layer",
     {"w_{ji'}^{(1)} w_{ji} a_{k} \\delta_{j} I_{jj'}", "w_{kj'}^{(2)} w_{kj} a_{k} \\delta_{j} I_{jj'}",
      "w_{kj'}^{(2)} w_{ji} a_{j} \\delta_{j} I_{jj'}", "w_{kj'}^{(2)} w_{ji} a_{k} \\delta_{k} I_{jj'}",
      "w_{kj'}^{(2)} w_{ji} a_{k} \\delta_{j} I_{kk'}"}),
    ("a_j - z_j", "double term", {"a_{j} + a_{j} - z_{j}", "a_{j} - z_{j} - z_{j}"}),
    ("x_i z_j", "double term", {"2 x_{i} z_{j}"}),
])
def test_operator_makes_exactly_these_mutants(text: str, operator: str, expected: set[str]) -> None:
    assert edits(text, operator) == expected


def test_every_operator_has_a_case_above_and_mutants_are_new_and_distinct() -> None:
    names = {op.name for op in OPERATORS}
    assert names == {"drop term", "drop factor", "drop sum", "flip sign", "prime/unprime index",
                     "h' <-> h''", "change layer", "double term"}
    e = first(SMALL.split("=")[2])
    found = [m.expr for m in mutants(e)]
    assert e not in found
    assert len(found) == len(set(found))


def test_a_reference_member_is_never_negated_or_doubled() -> None:
    assert mutants(ast.EqRef("5.93")) == []


def corpus_members() -> Iterator[ast.Member]:
    for path in sorted(CORPUS.glob("*.md")):
        for b in find_blocks(path):
            if b.has_chain:
                yield from parse_chain(b.text).members


def test_latex_reads_back_to_the_same_tree_for_the_corpus_and_its_mutants() -> None:
    members = [m for m in corpus_members() if not isinstance(m.expr, ast.EqRef)]
    assert len(members) > 50
    for member in members[::4]:
        assert first(latex(member.expr)) == member.expr
        for mut in mutants(member.expr)[::7]:
            assert first(latex(mut.expr)) == mut.expr, mut.description


# ----------------------------------------------------------------------------- verdicts
def test_every_non_equivalent_mutant_of_a_small_chain_is_caught_next_to_its_member() -> None:
    chain = parse_chain(SMALL)
    recs = mutate_chain(chain)
    assert {r.operator for r in recs} == {op.name for op in OPERATORS}
    scored = [r for r in recs if r.outcome not in ("equivalent", "invalid")]
    assert len(scored) > 50
    missed = [(r.member, r.description, r.outcome, r.detail) for r in scored if r.outcome != "caught"]
    assert missed == []
    for r in scored:
        assert set(r.steps) <= {r.member, r.member + 1} and r.steps


def test_h_prime_at_coincident_index_is_recognised_as_equivalent_with_the_reason() -> None:
    recs = mutate_chain(parse_chain(SMALL))
    eq = [r for r in recs if r.outcome == "equivalent"]
    assert [(r.member, r.mutant_latex.split(" + ")[0]) for r in eq] == \
        [(2, "h'(a_{j}) \\delta_{k} I_{jj'}")]
    assert eq[0].detail.startswith("equal to the original member (proved")


@pytest.mark.slow
def test_every_non_equivalent_mutant_of_the_seeds_eq5_is_caught() -> None:
    block = next(b for b in find_blocks(CORPUS / "seed.md") if b.has_chain and b.xfail is None
                 and "M_{kk'}" in b.text)
    recs = mutate_chain(parse_chain(block.text, path=block.path, line=block.line, col=block.col),
                        block.path, block.line)
    assert len(recs) > 80
    assert [r for r in recs if r.outcome not in ("caught", "equivalent", "invalid")] == []
    # E_n -> E_{n'} leaves the notation (another data point's error is not modelled)
    assert all("E_{n'}" in r.detail for r in recs if r.outcome == "invalid")


def test_an_approximation_that_drops_what_is_not_small_is_caught() -> None:
    # ≃ holds only when what it drops is small for a stated reason (NOTATION.md): negating or
    # doubling a member drops a term that is not small
    recs = mutate_chain(parse_chain(r"z_j \simeq z_j"))
    outcome = {r.description: r.outcome for r in recs if r.member == 0}
    assert outcome == {"negate the member": "caught", "double the member": "caught",
                       "j → j'": "caught"}


def test_a_mutant_that_is_no_longer_notation_is_invalid() -> None:
    def to_q(node: ast.Node) -> Iterator[tuple[str, ast.Node]]:
        if isinstance(node, ast.Symbol) and node.name == "z":
            yield "z → q", ast.Symbol("q", node.sub, None, 0, False)

    recs = mutate_chain(parse_chain("z_j z_{j'} = z_{j'} z_j"), operators=(Operator("rename", to_q),))
    assert [r.outcome for r in recs] == ["invalid"] * 4
    assert "unknown quantity" in recs[0].detail


def test_report_figures() -> None:
    def rec(outcome: str) -> MutantRecord:
        return MutantRecord("f.md", 1, 2, 0, "flip sign", "d", outcome, "x")

    rep = MutationReport(tuple(rec(o) for o in ["caught"] * 98 + ["survived", "unsupported",
                                                                  "equivalent", "invalid"]),
                         ("f.md:1",), ())
    assert rep.counts() == {"caught": 98, "unsupported": 1, "survived": 1, "equivalent": 1,
                            "invalid": 1}
    assert rep.scored == 100 and rep.caught_rate == pytest.approx(0.98)
    assert not rep.ok
    assert rep.by_operator() == {"flip sign": {**rep.counts(), "restored": 0}}
    assert set(rep.to_json()["counts"]) == set(OUTCOMES)


def test_suggestion_figures_and_the_restored_column() -> None:
    fix = Suggestion("z_{j}", "changes z_{j'} to z_{j}", "proved")

    def rec(restored: bool | None, seconds: float) -> MutantRecord:
        return MutantRecord("f.md", 1, 2, 0, "prime/unprime index", "d", "caught", "x",
                            suggestion=fix if restored else None, restored=restored,
                            suggest_seconds=seconds, suggest_kind="index" if restored else "")

    rep = MutationReport(tuple([rec(True, 0.1)] * 9 + [rec(False, 0.3)]), ("f.md:1",), ())
    assert rep.restored_rate == pytest.approx(0.9) and rep.suggest_median == pytest.approx(0.1)
    assert rep.ok and rep.by_operator()["prime/unprime index"]["restored"] == 9
    text = format_report(rep)
    assert "restore an equivalent of the original member: 9/10 caught = 90.0 %" in text
    assert "none within the limit: 1" in text and "median 0.100 s" in text
    data = rep.to_json()["suggestions"]
    assert data["restored"] == 9 and data["by_kind"] == {"index": 9, "none": 1}
    assert MutationReport((rec(False, 0.1),), ("f.md:1",), ()).ok is False


def test_caught_mutants_of_a_small_chain_get_a_fix_that_restores_the_member() -> None:
    recs = mutate_chain(parse_chain(r"z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k}"), suggest=True)
    caught = [r for r in recs if r.outcome == "caught"]
    assert caught and all(r.restored is not None for r in caught)
    assert all(r.restored for r in caught), [(r.description, r.suggestion) for r in caught]
    assert {r.suggest_kind for r in caught} <= {"index", "sign", "remove", "restore", "residual"}
    assert all(r.restored is None for r in recs if r.outcome != "caught")


# ----------------------------------------------------------------------------- corpus & main
def test_a_wrong_chain_without_xfail_is_a_false_alarm_and_is_not_mutated(tmp_path: Path) -> None:
    f = tmp_path / "notes.md"
    f.write_text("$$ z_j M_{kk'} = z_j M_{k'k} $$\n\n$$ z_j M_{kk'} = z_{j'} M_{kk'} $$\n"
                 "<!-- symhess: xfail on purpose -->\n$$ z_j = z_{j'} $$\n", encoding="utf-8")
    rep = mutate_corpus([f], suggest=False)
    assert rep.chains == (f"{f}:1",)
    assert len(rep.false_alarms) == 1 and rep.false_alarms[0].startswith(f"{f}:3: step 1 failed")
    assert {r.block_line for r in rep.records} == {1}
    assert not rep.ok


def test_the_command_prints_the_table_and_figures_and_exits_by_the_targets(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from symhess.cli import main

    def mutate(*args: str) -> int:
        return main(["mutate", *args])

    f = tmp_path / "ok.md"
    f.write_text("$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} $$\n", encoding="utf-8")
    assert mutate(str(f)) == 0
    out = capsys.readouterr().out
    assert "caught as failed at the right step:" in out and "100.0 %" in out
    assert "false alarms on correct derivations: 0" in out
    assert mutate(str(f), "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["caught_rate"] == 1.0 and data["false_alarms"] == []
    assert mutate(str(tmp_path / "missing.md")) == 2
    assert "no such file" in capsys.readouterr().err
    assert mutate(str(f), "--show", "lost") == 2
    assert "--show 'lost': expected one of caught" in capsys.readouterr().err
