"""Tests of symhess.suggest: hand edits read backwards, the count budget, and that every
suggestion is right by a route independent of the decider (the brute-force Hessian)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from symhess import network as nw
from symhess.documents import find_blocks
from symhess.equivalence import Decision, decide, free_indices
from symhess.evaluate import evaluate
from symhess.instance import make_instance
from symhess.mutate import _settings, mutants, suggest_step
from symhess.notation import ast
from symhess.notation.interpret import interpret
from symhess.notation.parser import parse_chain
from symhess.suggest import LIMIT, Search, StepJudge, Suggestion, candidates, search, suggest
from symhess.printing import text_latex

ROOT = Path(__file__).resolve().parents[1]


def step(text: str) -> tuple[ast.Node, ast.Node]:
    a, b = (m.expr for m in parse_chain(text).members)
    return a, b


def fix(text: str, side: str = "right", limit: int = LIMIT) -> Search:
    a, b = step(text)
    fixed = interpret(a if side == "right" else b)
    d = decide(interpret(a), interpret(b))
    return search(a, b, StepJudge(fixed, side=side), residual=d.residual, limit=limit, side=side)


# ----------------------------------------------------------------------------- the hand edits
@pytest.mark.parametrize(("text", "edit", "corrected", "kind"), [
    (r"x_i z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'} = x_i z_{j'} \sum_{k'} w_{k'j'}^{(2)} M_{kk'}",
     "changes w_{k'j'}^{(2)} to w_{k'j}^{(2)}", r"x_{i} z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'}", "index"),
    (r"x_i h'(a_{j'}) \delta_k I_{jj'} = x_i h''(a_{j'}) \delta_k I_{jj'}",
     "changes h''(a_{j'}) to h'(a_{j'})", r"x_{i} h'(a_{j'}) \delta_{k} I_{jj'}", "h"),
    (r"z_j \delta_k - x_i \delta_j = z_j \delta_k + x_i \delta_j",
     r"flips the sign of x_{i} \delta_{j}", r"z_{j} \delta_{k} - x_{i} \delta_{j}", "sign"),
    (r"x_i \delta_j = x_i \delta_k", r"changes \delta_{k} to \delta_{j}", r"x_{i} \delta_{j}", "layer"),
    (r"z_j \delta_k + x_i \delta_j = z_j \delta_k + x_i \delta_j + x_i \delta_j",
     r"removes the term x_{i} \delta_{j}", r"z_{j} \delta_{k} + x_{i} \delta_{j}", "remove"),
    (r"z_j z_{j'} M_{kk'} = 2 z_j z_{j'} M_{kk'}", "removes the factor 2",
     r"z_{j} z_{j'} M_{kk'}", "remove"),
    (r"x_i z_j \delta_k = x_i \delta_k", "inserts the factor z_{j}", r"x_{i} \delta_{k} z_{j}",
     "restore"),
    (r"x_i z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'} = x_i z_{j'} w_{k'j}^{(2)} M_{kk'}",
     r"inserts \sum_{k'} before w_{k'j}^{(2)} M_{kk'}",
     r"x_{i} z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'}", "restore"),
    (r"\frac{\partial}{\partial a_j} z_{j'} \delta_k = z_{j'} \frac{\partial \delta_k}{\partial a_j}",
     r"adds h'(a_{j}) I_{jj'} \delta_{k}",
     r"z_{j'} \frac{\partial \delta_{k}}{\partial a_{j}} + h'(a_{j}) I_{jj'} \delta_{k}", "residual"),
])
def test_a_failed_step_gets_the_hand_edit_that_repairs_it(text: str, edit: str, corrected: str,
                                                          kind: str) -> None:
    found = fix(text)
    assert found.best == Suggestion(corrected, edit, "proved")
    assert found.kinds[0] == kind
    assert text_latex(found.message).startswith(f"did you mean: {corrected} ({edit})")


def test_two_places_are_edited_when_one_is_not_enough() -> None:
    found = fix(r"z_j z_{j'} M_{kk'} = z_{j'} z_{j'} M_{k'k'}")
    assert found.kinds == ("index+index",)
    assert found.best is not None and found.best.edit.count(";") == 1


def test_the_left_side_is_edited_when_asked() -> None:
    found = fix(r"x_i h''(a_j) = x_i h'(a_j)", side="left")
    assert found.best == Suggestion("x_{i} h'(a_{j})", "changes h''(a_{j}) to h'(a_{j})", "proved")


def test_a_reference_member_is_never_edited() -> None:
    a = parse_chain("z_j = 0").members[0].expr
    assert search(a, ast.EqRef("5.93"), StepJudge(interpret(a))).found == ()


# ----------------------------------------------------------------------------- the budget
class Counting:
    """A plain judge (no screen) that counts its calls and answers ``verdict`` for ``good``."""

    def __init__(self, good: str | None, verdict: str = "proved") -> None:
        self.good, self.verdict, self.calls = good, verdict, 0

    def __call__(self, node: ast.Node) -> Decision | None:
        self.calls += 1
        from symhess.mutate import latex
        ok = latex(node) == self.good
        return Decision(self.verdict if ok else "failed", "")


def test_the_work_is_bounded_by_a_count_of_candidates_and_says_so() -> None:
    a, b = step(r"z_j z_{j'} M_{kk'} = x_i x_{i'} \delta_k \delta_{k'}")
    judge = Counting(None)
    found = search(a, b, judge, limit=7)
    assert found.found == () and found.tried == 7 and judge.calls == 7
    assert text_latex(found.message) == "no suggestion within 7 candidates"
    assert suggest(a, b, Counting(None), limit=7) is None


def test_an_approximation_is_never_accepted_and_verified_is() -> None:
    a, b = step(r"z_j = z_{j'}")
    assert suggest(a, b, Counting("z_{j}", "approximation")) is None
    s = suggest(a, b, Counting("z_{j}", "verified"))
    assert s is not None and s.verdict == "verified" and s.edit == "changes z_{j'} to z_{j}"


def test_candidates_come_smallest_first_and_are_distinct() -> None:
    a, b = step(r"z_j z_{j'} M_{kk'} = z_j z_j M_{kk}")
    cs = list(candidates(b, a))
    sizes = [c.size for c in cs]
    assert sizes == sorted(sizes) and sizes[0] == 1 and 2 in sizes
    assert len({c.expr for c in cs}) == len(cs) and b not in {c.expr for c in cs}


def test_the_screen_never_rejects_what_the_decider_accepts() -> None:
    a, b = step(r"z_j z_{j'} M_{kk'} = z_j z_j M_{kk'}")
    judge = StepJudge(interpret(a))
    accepted = 0
    for c in itertools.islice(candidates(b, a), 80):
        d = judge(c.expr)
        if d is not None and d.verdict in ("proved", "verified"):
            accepted += 1
            assert judge.screen(c.expr), c.edit
    assert accepted >= 2  # either z_j -> z_{j'}


# ----------------------------------------------------------------------------- independently right
def _hessian_chain() -> ast.Chain:
    block = next(b for b in find_blocks(ROOT / "derivations" / "exact_hessian.md")
                 if b.has_chain and "(5.93)" in b.text)
    return parse_chain(block.text, path=block.path, line=block.line, col=block.col)


def test_every_suggestion_for_a_sample_of_mutants_equals_the_brute_force_hessian() -> None:
    """Route independent of the decider: every member of the (5.93) chain is the Hessian
    element ∂²E_n/∂w_{kj}^{(2)}∂w_{k'j'}^{(2)}; each suggested line is evaluated on a fresh
    instance (sizes and seed the decider never uses) at every coincidence pattern of k, k',
    j, j' and compared with the lambdified brute-force Hessian of :mod:`symhess.instance`."""
    chain = _hessian_chain()
    at = _settings(chain, None, None)
    inst = make_instance(nw.NetworkConfig(1, 2, 2, bias=False), seed=17, point=3)
    hess = inst.hessian()
    sampled = restored = 0
    for m, member in enumerate(chain.members):
        if isinstance(member.expr, ast.EqRef):
            continue
        for mut in mutants(member.expr)[m % 5::9]:
            edited = ast.Chain(chain.members[:m] + (ast.Member(member.relation, mut.expr,
                                                               member.justification),)
                               + chain.members[m + 1:])
            s, side = (m, "right") if m else (1, "left")
            found, _ = suggest_step(edited, s, at, side)
            sampled += 1
            if found.best is None:
                continue
            node = parse_chain(found.best.latex + " = 0").members[0].expr
            meaning = interpret(node)
            assert free_indices(meaning.expr) == {nw.k, nw.kp, nw.j, nw.jp}
            restored += 1
            for k, kp, j, jp in itertools.product((1, 2), repeat=4):
                want = hess[inst.position(nw.W2, k, j), inst.position(nw.W2, kp, jp)]
                got = evaluate(meaning.expr, inst, {nw.k: k, nw.kp: kp, nw.j: j, nw.jp: jp})
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (m, mut.description,
                                                                         found.best)
    assert sampled >= 10 and restored >= 0.9 * sampled


def test_a_sum_that_leaves_out_the_bias_unit_gets_its_lower_bound_changed() -> None:
    from symhess.check import check_text
    text = "$$ a_k = \\sum_{j=0}^{M} w_{kj} z_j $$\n\n$$ a_k = \\sum_{j=1}^{M} w_{kj} z_j $$\n"
    (step,) = check_text(text, "b.md").derivations[1].steps
    assert step.verdict == "failed" and step.suggestion is not None
    assert step.suggestion.edit == "starts \\sum_{j} at 0, not 1" and "j=0" in step.suggestion.latex


def test_no_suggestion_merely_replaces_the_wrong_side_by_the_other() -> None:
    """left − right with both sides whole in it (no term in common): adding it to the right
    side only writes the left side again, which is no correction."""
    from symhess.check import check_text
    (step,) = check_text("$$ \\sum_k w_{k0}^{(2)} = 0 $$", "n.md").derivations[0].steps
    assert step.verdict == "failed" and step.suggestion is None  # not "replaces 0 with Σ_k w_k0"
    (step,) = check_text("$$ x_i h'(a_j) = x_i h''(a_j) $$", "n.md").derivations[0].steps
    assert step.suggestion is not None and step.suggestion.edit == "changes h''(a_{j}) to h'(a_{j})"
