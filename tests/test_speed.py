"""The speed work of issue 11 keeps every verdict: memoised pure functions give what computing
afresh gives, skipped work is work whose answer is known, and `check` imports no more than it uses.

(The wall-time targets themselves are measured by ``symhess bench --check``, not here.)
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from lark import Lark

from symhess import model as md
from symhess import network as nw
from symhess.check import check_text
from symhess.context import ERROR_MODELS, _A, _T, _derivative, _simplified
from symhess.notation import ast
from symhess.notation import interpret as it
from symhess.notation import parser as ps
from symhess.notation.interpret import Context, Meaning, Unsupported, interpret
from symhess.notation.parser import parse_chain
from symhess.notation.unparse import latex
from symhess.suggest import StepJudge, candidates, decided, spliced

ROOT = Path(__file__).resolve().parents[1]


def member(tex: str) -> ast.Node:
    return parse_chain(tex + " = 0").members[0].expr


# --------------------------------------------------------------------------- context
@pytest.mark.parametrize(("key", "order"), [(k, o) for k in ERROR_MODELS for o in (1, 2, 3)])
def test_the_table_of_simplified_derivatives_is_what_simplify_gives(key: str, order: int) -> None:
    e = ERROR_MODELS[key].per_output(_A, _T)
    assert sp.srepr(_simplified()[(e, order)]) == sp.srepr(sp.simplify(sp.diff(e, _A, order)))


def test_a_model_outside_the_table_is_simplified() -> None:
    e = sp.exp(_A) - _T * _A
    assert _derivative(e, 2) == sp.exp(_A)


K, KP, KPP, J = nw.k, nw.kp, nw.index("k", 2), nw.j


@pytest.mark.parametrize("key", sorted(ERROR_MODELS))
def test_transform_writes_each_quantity_by_its_definition(key: str) -> None:
    model = ERROR_MODELS[key]
    e = model.per_output(nw.A_OUT[K], nw.T[K])  # e(a_k, t_k): δ_k, M_kk', T_kk'k'' are its derivatives
    d = [sp.diff(e, nw.A_OUT[K], o) for o in (1, 2, 3)]
    same = lambda x, y: sp.simplify(x - y) == 0  # noqa: E731
    assert same(model.transform(nw.DELTA[K]), d[0])
    assert same(model.transform(nw.MM[K, KP]), d[1] * sp.KroneckerDelta(K, KP))
    assert same(model.transform(nw.T3[K, KP, KPP]),
                d[2] * sp.KroneckerDelta(K, KP) * sp.KroneckerDelta(K, KPP))
    assert model.transform(nw.Y[K]) == model.output(nw.A_OUT[K])
    e_n = model.transform(nw.E_N)  # E_n = Σ_k'' e(a_k'', t_k'')
    (kk, lo, hi), = e_n.limits
    assert (lo, hi) == (1, nw.SIZES["k"]) and same(e_n.function, e.xreplace({K: kk}))
    assert model.transform(nw.Z[J]) == nw.Z[J]  # what does not depend on E_n is left alone
    for parts in ((nw.DELTA[K], nw.MM[K, KP]), (nw.T3[K, KP, KPP], nw.Y[K]), (nw.MM[K, K], nw.Y[KP] ** 2)):
        assert model.transform(parts[0] * parts[1]) == model.transform(parts[0]) * model.transform(parts[1])


# --------------------------------------------------------------------------- interpret
def test_a_member_read_twice_is_the_same_meaning_with_the_same_readings() -> None:
    node = member(r"\delta_j + \mathcal{R}\{z_j\} + x_i h'(a_j) \mathcal{R}\{z_j\}")
    first = it._interpret(node, Context())
    it._SUBTREES.clear()
    assert interpret(node) == first  # memoised whole
    again = it._interpret(node, Context())  # every subtree replayed from the memo
    assert again == first and again.readings == first.readings and len(first.readings) == 2


def test_replayed_subtrees_number_their_components_as_reading_them_does() -> None:
    # the same operand in two places: each place gets its own component (r_2, r_3, ...)
    node = member(r"\nabla y \nabla y^T + \nabla y \nabla y^T")
    it._SUBTREES.clear()
    fresh = it._interpret(node, Context())
    assert it._interpret(node, Context()) == fresh
    assert fresh.row is not None and fresh.col is not None


def test_what_cannot_be_read_is_reported_at_each_place_it_is_written() -> None:
    for line in (3, 7):
        node = parse_chain(r"q_{x} = 0", line=line).members[0].expr
        with pytest.raises(Unsupported) as exc:
            interpret(node)
        assert exc.value.pos is not None and exc.value.pos.line == line


def test_a_context_changes_the_meaning_not_the_memo() -> None:
    node = member("E")
    defined = Context(definitions=(("E", nw.E_N * 2),))
    assert interpret(node).expr == md.E_W
    assert interpret(node, defined).expr == 2 * nw.E_N


# --------------------------------------------------------------------------- parser
def test_the_cached_grammar_reads_as_the_grammar_built_afresh(monkeypatch) -> None:
    from importlib import resources

    grammar = resources.files("symhess.notation").joinpath("grammar.lark").read_text("utf-8")
    fresh = Lark(grammar, parser="lalr", lexer=ps._TokenFeed, start="start")
    texts = [r"\frac{\partial^2 E_n}{\partial w_{ji}^{(1)} \partial w_{kj}^{(2)}} = "
             r"x_i h'(a_j) \delta_k + z_j",
             r"\sum_{k'} w_{k'j} M_{kk'} \quad (j \neq j')", r"a = b \tag{5.93}"]
    for text in texts:
        expected = parse_chain(text)
        monkeypatch.setattr(ps, "_lark", lambda: fresh)
        assert parse_chain(text) == expected
        monkeypatch.undo()


def test_no_grammar_cache_when_turned_off_or_not_private(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SYMHESS_NO_CACHE", "1")
    assert ps._cache_file("start: x") is False
    monkeypatch.delenv("SYMHESS_NO_CACHE")
    shared = tmp_path / "shared"
    (shared / "symhess").mkdir(parents=True)
    (shared / "symhess").chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert ps._cache_file("start: x") is False
    own = tmp_path / "own"
    monkeypatch.setenv("XDG_CACHE_HOME", str(own))
    name = ps._cache_file("start: x")
    assert name and Path(name).parent == own / "symhess" and name != ps._cache_file("start: y")


# --------------------------------------------------------------------------- suggest
@pytest.mark.parametrize("tex", [
    r"z_j z_{j'} M_{kk'}", r"x_i h'(a_j) \sum_{k} w_{kj} (\delta_k + 2 (a_j b_j) c)",
    r"-\frac{1}{2} \int \int (y - t)^2 p(\mathbf{x}, t) d\mathbf{x} dt + y_k"])
def test_candidates_are_spliced_as_the_parser_reads_products(tex: str) -> None:
    node = member(tex)
    memo: dict = {}
    for c in list(candidates(node))[:60]:
        flat = spliced(c.expr)
        assert not any(isinstance(f, ast.Mul) for m in ast.walk(flat) if isinstance(m, ast.Mul)
                       for f in m.factors)
        assert latex(flat) == latex(c.expr) and spliced(flat) is flat and spliced(c.expr, memo) == flat
    nested = ast.Mul((node, ast.Mul((node, node))))
    assert len(spliced(nested).factors) == 3 * len(node.factors) if isinstance(node, ast.Mul) else 3


def test_the_decision_is_memoised() -> None:
    a, b = Meaning(nw.MM[K, KP]), Meaning(nw.MM[KP, K])
    assert decided(a, b) is decided(a, b) and decided(a, b).verdict == "proved"


def test_a_candidate_depending_on_x_outside_the_integral_is_refuted_without_a_decision() -> None:
    fixed = interpret(member(r"\int \int (y - t) p(\mathbf{x}, t) d\mathbf{x} dt"))
    judge = StepJudge(fixed)
    outside = member(r"y \int \int p(\mathbf{x}, t) d\mathbf{x} dt")  # y(x, w) taken out of ∫ dx
    assert judge.screen(outside)  # no cheap answer at the fixed side's points ...
    assert judge.refuted(outside)  # ... but with a value for x it differs
    d = judge(outside)
    assert d is not None and d.verdict not in ("proved", "verified")
    same = member(r"\int \int (y - t) p(\mathbf{x}, t) d\mathbf{x} dt")
    assert judge.screen(same) and not judge.refuted(same)


# --------------------------------------------------------------------------- the whole
def test_check_imports_neither_the_handout_nor_the_recipes() -> None:
    code = ("import sys, symhess.cli; symhess.cli.main(['check', '-q', 'derivations/exact_hessian.md']); "
            "print(sorted(m for m in sys.modules if m.startswith(('symhess.derive', 'symhess.handout', "
            "'matplotlib', 'latexify', 'latex2mathml', 'autograd', 'symhess.figures'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr[-400:]


def test_the_package_names_stay_available_lazily() -> None:
    import symhess

    assert symhess.check_text is check_text
    assert {"check_text", "parse_chain", "decide", "build_handout"} <= set(dir(symhess))
    with pytest.raises(AttributeError, match="^module 'symhess' has no attribute 'nope'$"):
        symhess.nope  # noqa: B018


def test_check_called_in_process_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    import gc

    from symhess.cli import main

    f = tmp_path / "a.md"
    f.write_text("$$ M_{kk'} = M_{k'k} $$\n", encoding="utf-8")
    before = (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())
    env = dict(os.environ)
    assert main(["check", "-q", str(f)]) == 0
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == before
    assert dict(os.environ) == env  # SymPy's cache size is set only by the console command


def test_the_console_command_sizes_sympys_cache() -> None:
    code = ("import os, sys; from symhess.cli import main; sys.argv = ['symhess', 'check', '-q', "
            "'derivations/exact_hessian.md']; main(); from sympy.core.cache import SYMPY_CACHE_SIZE; "
            "print(SYMPY_CACHE_SIZE)")
    env = {k: v for k, v in os.environ.items() if k != "SYMPY_CACHE_SIZE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "10000", done.stderr[-400:]
