"""Tests of symhess.notation.parser: the reader's LaTeX chains -> ast trees."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symhess.documents import find_blocks
from symhess.errors import InputError
from symhess.notation.ast import (
    Add, Apply, Call, Chain, Derivative, EqRef, Frac, Index, Integral, Mul, Nabla, Node,
    Number, Paren, Pos, Pow, ROp, Sum, Symbol, Transpose, walk,
)
from symhess.notation.parser import parse_chain

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_4d56e9fbf6974c5d.txt"
CORPUS = sorted((ROOT / "derivations").glob("*.md"))


# ----------------------------------------------------------------------------- helpers

def expr(text: str) -> Node:
    """The first member's expression."""
    return parse_chain(text).members[0].expr


def sym(name: str, *sub: str, layer: int | None = None, primes: int = 0,
        bold: bool = False) -> Symbol:
    """A Symbol from index strings like "k'" (positions are ignored by ==)."""
    idx = tuple(Number(s) if s.isdigit() else Index(s.rstrip("'"), s.count("'")) for s in sub)
    return Symbol(name, idx, layer, primes, bold)


def seed_file() -> Path:
    if not SEED.exists():
        pytest.skip("shared seed file not present")
    return SEED


def chains_of(path: Path) -> list[tuple[object, Chain]]:
    return [(b, parse_chain(b.text, path=b.path, line=b.line, col=b.col))
            for b in find_blocks(path)]


# ----------------------------------------------------------------------------- the seed

def test_seed_blocks_parse_with_the_written_member_counts_and_tags() -> None:
    chains = chains_of(seed_file())
    assert [b.line for b, _ in chains] == [17, 27, 35, 46, 78]
    assert [len(c.members) for _, c in chains] == [9, 4, 8, 3, 8]
    assert [c.tag for _, c in chains] == ["1", "2", "3", "4", "5"]


def test_seed_eq1_justification_operator_scope_and_eqref() -> None:
    (_, c), *_ = chains_of(seed_file())
    assert c.members[2].justification == "(5.82)"
    assert c.members[-1].expr == EqRef("5.83")
    # line 3: \nabla \frac{\partial}{\partial y_n} (rest of the product)
    third = c.members[3].expr
    assert isinstance(third, Apply) and isinstance(third.op, Nabla)
    inner = third.operand
    assert isinstance(inner, Apply) and isinstance(inner.op, Derivative)
    assert inner.op.of is None and inner.op.wrt == (sym("y", "n"),)
    assert isinstance(inner.operand, Mul)
    factors = inner.operand.factors
    assert factors[0] == Derivative(1, (sym("w", bold=True),), sym("y", "n"))
    assert factors[1] == Frac(Number("1"), Number("2"))
    assert isinstance(factors[2], Sum) and factors[2].index is None
    # the bare \sum takes the rest of the product: (y_n - t_n)^2
    assert factors[2].body == Pow(Paren(Add(((1, sym("y", "n")), (-1, sym("t", "n")))), "("),
                                  Number("2"))


def test_seed_eq1_last_line_reads_nabla_over_the_rest_of_the_product() -> None:
    (_, c), *_ = chains_of(seed_file())
    last = c.members[7].expr
    assert isinstance(last, Add)
    second = last.terms[1][1]
    assert isinstance(second, Sum)
    body = second.body
    assert isinstance(body, Apply) and isinstance(body.op, Nabla)
    y_n = sym("y", "n")
    assert body.operand == Mul((y_n, Transpose(Paren(Apply(Nabla(), y_n), "("))))


def test_seed_eq2_integral_measures_and_calls() -> None:
    _, (_, c), *_ = chains_of(seed_file())
    first_rhs = c.members[1]
    assert first_rhs.justification == "(5.193)"
    op = first_rhs.expr
    assert isinstance(op, Apply) and op.op == Derivative(1, (sym("w", "s"),), None)
    half, integral = op.operand.factors  # type: ignore[union-attr]
    assert half == Frac(Number("1"), Number("2"))
    assert isinstance(integral, Integral)
    assert integral.signs == 2
    assert integral.measures == (sym("x", bold=True), sym("t"))
    y_call = Call(sym("y"), (sym("x", bold=True), sym("w", bold=True)), (), "(")
    p_call = Call(sym("p"), (sym("x", bold=True), sym("t")), (), "(")
    square = Pow(Paren(Add(((1, y_call), (-1, sym("t")))), "("), Number("2"))
    assert integral.body == Mul((square, p_call))


def test_seed_eq3_conditional_expectation_and_justification() -> None:
    chains = chains_of(seed_file())
    c = chains[2][1]
    assert c.members[4].justification == "(1.89)"
    calls = [n for n in walk(c.members[4].expr) if isinstance(n, Call) and n.func.name == "E"]
    assert calls and calls[0].args == (sym("t"),) and calls[0].given == (sym("x", bold=True),)
    assert c.members[7].expr == EqRef("5.194")


def test_seed_eq4_is_an_approximation() -> None:
    c = chains_of(seed_file())[3][1]
    assert [m.relation for m in c.members] == ["", "\\simeq", "="]
    assert [m.approximate for m in c.members] == [False, True, False]
    b_n = sym("b", "n", bold=True)
    assert c.members[2].expr == Sum(None, None, None, Mul((b_n, Transpose(b_n))))


def test_seed_eq5_layers_primes_and_second_derivative() -> None:
    c = chains_of(seed_file())[4][1]
    lhs = c.members[0].expr
    assert lhs == Derivative(2, (sym("w", "k", "j", layer=2), sym("w", "k'", "j'", layer=2)),
                             sym("E", "n"))
    d_k, d_kp = (Derivative(1, (sym("w", "k", "j", layer=2),), None),
                 Derivative(1, (sym("w", "k'", "j'", layer=2),), None))
    assert c.members[1].expr == Apply(d_k, Apply(d_kp, sym("E", "n")))
    # z_{j'} \frac{\partial}{\partial a_{k'}} z_j \frac{\partial E_n}{\partial a_k}
    fifth = c.members[5].expr
    assert fifth == Mul((
        sym("z", "j'"),
        Apply(Derivative(1, (sym("a", "k'"),), None),
              Mul((sym("z", "j"), Derivative(1, (sym("a", "k"),), sym("E", "n"))))),
    ))
    assert c.members[7].expr == Mul((sym("z", "j"), sym("z", "j'"), sym("M", "k", "k'")))
    assert c.members[7].justification == "(5.92)"


# ----------------------------------------------------------------------------- positions

_FIRST_TEXT = {
    Sum: ("\\sum", "∑"), Integral: ("\\int", "\\iint", "∫"), Frac: ("\\frac", "\\tfrac", "\\dfrac"),
    Derivative: ("\\frac", "\\tfrac", "\\dfrac"), Nabla: ("\\nabla", "∇"),
}


def _check_positions(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    checked = 0
    for _, chain in chains_of(path):
        for member in chain.members:
            at = lines[member.pos.line - 1][member.pos.col - 1:]
            if member.relation:
                assert at.startswith(member.relation), (path, member.pos, at[:20])
            for node in walk(member.expr):
                at = lines[node.pos.line - 1][node.pos.col - 1:]
                if isinstance(node, (Symbol, Index)):
                    name = node.name if isinstance(node, Symbol) else node.letter
                    assert at.startswith(name if len(name) == 1 else "\\" + name) \
                        or at.startswith("\\math"), (path, node, node.pos, at[:20])
                elif isinstance(node, Number):
                    assert at.startswith(node.text), (path, node.pos, at[:20])
                elif isinstance(node, Paren):
                    assert at.startswith({"(": "(", "[": "[", "{": "\\{"}[node.kind]) \
                        or at.startswith("\\left"), (path, node.pos, at[:20])
                elif type(node) in _FIRST_TEXT:
                    assert at.startswith(_FIRST_TEXT[type(node)]), (path, node.pos, at[:20])
                elif isinstance(node, EqRef):
                    assert at.startswith("(" + node.number), (path, node.pos, at[:20])
                checked += 1
    return checked


def test_every_node_position_points_at_its_text_in_the_seed_file() -> None:
    assert _check_positions(seed_file()) > 500


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_node_position_points_at_its_text_in_the_corpus(path: Path) -> None:
    assert _check_positions(path) > 100


def test_positions_are_multi_line_aware() -> None:
    c = parse_chain("a\n  &= b_{k'}\n\t= c", path="f.md", line=10, col=5)
    assert c.members[0].pos == Pos(10, 5)
    assert (c.members[1].pos.line, c.members[1].pos.col) == (11, 4)
    b = c.members[1].expr
    assert isinstance(b, Symbol)
    assert (b.pos.line, b.pos.col) == (11, 6)
    assert (b.sub[0].pos.line, b.sub[0].pos.col) == (11, 9)
    assert (c.members[2].pos.line, c.members[2].pos.col) == (12, 2)


# ----------------------------------------------------------------------------- the corpus

@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_block_parses_as_a_chain(path: Path) -> None:
    chains = chains_of(path)
    assert chains
    for block, chain in chains:
        assert block.has_chain  # type: ignore[attr-defined]
        assert len(chain.members) >= 2
        assert all(m.relation in ("=", "\\simeq", "\\approx") for m in chain.members[1:])


def test_corpus_seed_copy_parses_like_the_seed() -> None:
    mine = [c for _, c in chains_of(ROOT / "derivations" / "seed.md")]
    theirs = [c for _, c in chains_of(seed_file())]
    assert mine == theirs  # == ignores positions


def test_mixed_layer_attempts_fail_at_the_step_their_marker_names() -> None:
    for block, chain in chains_of(ROOT / "derivations" / "mixed_layer_attempts.md"):
        step = int(re.match(r"step (\d+) is wrong", block.xfail).group(1))  # type: ignore
        assert 1 <= step < len(chain.members)


# ----------------------------------------------------------------------------- tree shapes

def test_operator_takes_the_rest_of_the_product_up_to_plus() -> None:
    d = Derivative(1, (sym("w"),), None)
    assert expr(r"\frac{\partial}{\partial w} a b + c") == Add((
        (1, Apply(d, Mul((sym("a"), sym("b"))))), (1, sym("c"))))


def test_operator_scope_ends_at_the_closing_bracket() -> None:
    d = Derivative(1, (sym("w"),), None)
    assert expr(r"(\frac{\partial}{\partial w} a b) c") == Mul((
        Paren(Apply(d, Mul((sym("a"), sym("b")))), "("), sym("c")))


def test_factors_before_an_operator_stay_outside_it() -> None:
    assert expr(r"x_i \cdot \nabla \nabla E_n") == Mul((
        sym("x", "i"), Apply(Nabla(), Apply(Nabla(), sym("E", "n")))))


def test_sum_body_is_the_rest_of_the_product() -> None:
    assert expr(r"\sum_k \sum_{k'} w_{k'j'}^{(2)} w_{kj}^{(2)} M_{kk'} + 1") == Add((
        (1, Sum(Index("k", 0), None, None,
                Sum(Index("k", 1), None, None,
                    Mul((sym("w", "k'", "j'", layer=2), sym("w", "k", "j", layer=2),
                         sym("M", "k", "k'")))))),
        (1, Number("1"))))


@pytest.mark.parametrize("text", [r"\sum_{n=1}^N y_n", r"\sum_{n=1}^{N} y_n", r"\sum^N_{n=1} y_n"])
def test_sum_bounds(text: str) -> None:
    assert expr(text) == Sum(Index("n", 0), Number("1"), sym("N"), sym("y", "n"))


@pytest.mark.parametrize(("text", "subs"), [
    ("M_{kk'}", ("k", "k'")), ("w_{k'j'}", ("k'", "j'")), ("w_{ji}", ("j", "i")),
    ("I_{j j''}", ("j", "j''")), ("E_n", ("n",)), ("x_{10}", ("1", "0")), ("w_{j,i}", ("j", "i")),
    ("z_{j'}", ("j'",)), ("a_{k^{\\prime}}", ("k'",)),
])
def test_subscripts_split_per_letter_with_primes(text: str, subs: tuple[str, ...]) -> None:
    assert expr(text) == sym(text[0], *subs)


def test_layers_bold_and_greek() -> None:
    assert expr(r"w_{kj}^{(2)}") == sym("w", "k", "j", layer=2)
    assert expr(r"w^{(1)}_{ji}") == sym("w", "j", "i", layer=1)
    assert expr(r"\mathbf{b}_n") == sym("b", "n", bold=True)
    assert expr(r"\boldsymbol{\delta}") == sym("delta", bold=True)
    assert expr(r"\delta_{k'}") == sym("delta", "k'")
    assert expr(r"δ_k") == sym("delta", "k")


@pytest.mark.parametrize("text", [r"A^T", r"A^{T}", r"A^\top", r"A^{\mathrm{T}}", r"A^{\top}"])
def test_transpose_spellings(text: str) -> None:
    assert expr(text) == Transpose(sym("A"))


def test_powers() -> None:
    assert expr("a_k^2") == Pow(sym("a", "k"), Number("2"))
    assert expr(r"\mathbf{H}^{-1}") == Pow(sym("H", bold=True), Add(((-1, Number("1")),)))


@pytest.mark.parametrize(("text", "primes"), [("h(a_j)", 0), ("h'(a_j)", 1), ("h''(a_j)", 2),
                                              (r"h^{\prime\prime}(a_j)", 2), ("h′(a_j)", 1)])
def test_activation_calls_and_primes(text: str, primes: int) -> None:
    assert expr(text) == Call(sym("h", primes=primes), (sym("a", "j"),), (), "(")


def test_calls_with_given_and_brackets() -> None:
    x = sym("x", bold=True)
    assert expr(r"p(t|\mathbf{x})") == Call(sym("p"), (sym("t"),), (x,), "(")
    assert expr(r"E[t|\mathbf{x}]") == Call(sym("E"), (sym("t"),), (x,), "[")
    bb = expr(r"\mathbb{E}[t|\mathbf{x}]")
    assert isinstance(bb, Call) and bb.func.blackboard and bb.bracket == "["
    assert expr(r"E (t \mid \mathbf{x})") == Call(sym("E"), (sym("t"),), (x,), "(")


def test_bracket_after_a_symbol_with_space_is_a_product() -> None:
    y_n = sym("y", "n")
    assert expr(r"y_n (\nabla y_n)^T") == Mul((y_n, Transpose(Paren(Apply(Nabla(), y_n), "("))))
    assert expr(r"z_j (1 - z_j)") == Mul((sym("z", "j"), Paren(Add(((1, Number("1")), (-1, sym("z", "j")))), "(")))


def test_derivatives() -> None:
    assert expr(r"\frac{\partial^2 E_n}{\partial a_k \partial a_{k'}}") == Derivative(
        2, (sym("a", "k"), sym("a", "k'")), sym("E", "n"))
    assert expr(r"\frac{\partial^{2} E}{\partial \mathbf{w}^2}") == Derivative(
        2, (sym("w", bold=True),) * 2, sym("E"))
    total = expr(r"\frac{\mathrm{d} y}{\mathrm{d} x}")
    assert isinstance(total, Derivative) and total.total and total.of == sym("y")


def test_r_operator_takes_its_braces() -> None:
    assert expr(r"\mathcal{R}\{ z_j \} a") == Mul((Apply(ROp(), sym("z", "j")), sym("a")))
    assert expr(r"R\left\{ a_j \right\}") == Apply(ROp(), sym("a", "j"))


def test_brackets_kept_and_sizers_ignored() -> None:
    assert expr(r"\left( a \right)") == Paren(sym("a"), "(")
    assert expr(r"\left[ a \right]") == Paren(sym("a"), "[")
    assert expr(r"\bigl\{ a \bigr\}") == Paren(sym("a"), "{")


def test_integral_spellings() -> None:
    one = expr(r"\int p(\mathbf{x}) \, \mathrm{d}\mathbf{x}")
    assert isinstance(one, Integral) and one.signs == 1 and one.measures == (sym("x", bold=True),)
    two = expr(r"\iint f \, dx \, dt + 1")
    assert isinstance(two, Add)
    integral = two.terms[0][1]
    assert isinstance(integral, Integral) and integral.signs == 2
    assert integral.measures == (sym("x"), sym("t"))


@pytest.mark.parametrize(("text", "reason"), [
    (r"a = b \quad (\because (5.92))", "(5.92)"),
    (r"a = b \because (1.89)", "(1.89)"),
    (r"a = b ∵ (5.56)", "(5.56)"),
    (r"a = b \quad \text{chain rule}", "chain rule"),
    (r"a = b \qquad (5.92)", "(5.92)"),
    (r"a = b \quad (\because h'(a_{j'}) I_{jj'} = h'(a_j) I_{jj'})", "h'(a_{j'}) I_{jj'} = h'(a_j) I_{jj'}"),
    (r"a = b \quad (\because \text{product rule})", "product rule"),
])
def test_justification_attaches_to_the_member_it_follows(text: str, reason: str) -> None:
    c = parse_chain(text + r" \\ &= c")
    assert [m.justification for m in c.members] == [None, reason, None]
    assert c.members[2].expr == sym("c")


def test_justification_on_its_own_row_attaches_to_the_row_above() -> None:
    c = parse_chain("a &= b \\\\\n & \\qquad (\\because (5.92)) \\\\\n &= c")
    assert [m.justification for m in c.members] == [None, "(5.92)", None]


def test_quad_before_mathematics_is_only_spacing() -> None:
    assert expr(r"a \quad b") == Mul((sym("a"), sym("b")))
    c = parse_chain(r"a &= b \\ & \quad + c")
    assert c.members[1].expr == Add(((1, sym("b")), (1, sym("c"))))


def test_tag_label_and_environment_markers_carry_no_meaning() -> None:
    c = parse_chain(r"\begin{aligned} a &= b \label{eq:x} \nonumber \\ &\approx c \end{aligned} \tag{7}")
    assert c.tag == "7"
    assert [m.relation for m in c.members] == ["", "=", "\\approx"]
    assert c.members[2].approximate and not c.members[1].approximate
    assert expr(r"\displaystyle \, a \; \! \:") == sym("a")


def test_eqref_only_as_a_whole_member() -> None:
    c = parse_chain(r"a = (5.83)")
    assert c.members[1].expr == EqRef("5.83")
    assert parse_chain(r"a = 2 (5.83)").members[1].expr == Mul((Number("2"), Paren(Number("5.83"), "(")))


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("text", "where", "message"), [
    (r"a = \frac{1}{2", "f.md:3:19", r"expected '\}' to close '\{' opened at 3:17, found the end of the block$"),
    ("a = (b]", "f.md:3:11", r"expected '\)' to close '\(' opened at 3:9, found '\]'$"),
    ("a = b)", "f.md:3:10", r"unmatched '\)': no bracket is open$"),
    (r"a = \foo b", "f.md:3:9", r"unknown command \\foo$"),
    (r"a = \mathcal{L}", "f.md:3:9", r"unknown command \\mathcal\{L\}"),
    ("   ", "f.md:3:5", r"empty math block: expected an expression$"),
    (r"\tag{3}", "f.md:3:5", r"empty math block"),
    (r"a &= b \\ c &= d", "f.md:3:12", r"this row does not continue the chain"),
    ("z_j'", "f.md:3:8", r"ambiguous prime after _j: write z_\{j'\} for a primed index"),
    (r"\frac{\partial^2 E}{\partial w}", "f.md:3:5", r"the numerator says order 2 but the denominator has 1 variable$"),
    ("d + a", "f.md:3:5", r"'d' is read as a differential"),
    (r"\partial E", "f.md:3:5", r"'\\partial' is understood only in"),
    ("a = b =", "f.md:3:12", r"expected .*, found the end of the block$"),
    (r"\int a", "f.md:3:11", r"expected 'd', found the end of the block$"),
    (r"a = \ldots", "f.md:3:9", r"\\ldots: symhess cannot read an elided expression"),
    (r"\begin{cases} a \end{cases}", "f.md:3:5", r"environment 'cases' is not supported"),
    ("a = b $", "f.md:3:11", r"unexpected '\$' inside display math$"),
    ("a = b ;", "f.md:3:11", r"unexpected character ';'$"),
    ("(" * 70 + "a" + ")" * 70, "f.md:3:65", r"brackets nested more than 60 deep$"),
    (r"\nabla " * 300 + "E", "f.md:3:1755", r"expression nested more than 250 levels deep$"),
    (r"a = b \because", "f.md:3:11", r"empty justification"),
])
def test_errors_name_what_was_expected_and_where(text: str, where: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_chain(text, path="f.md", line=3, col=5)
    assert str(info.value.location) == where


def test_error_location_on_a_later_line() -> None:
    with pytest.raises(InputError, match=r"^f\.md:5:5: expected '\}' to close '\{' opened at 4:12, "
                                         r"found the end of the block$"):
        parse_chain("a\n&= \\frac{1}{2 + b\n + c", path="f.md", line=3, col=1)


# ----------------------------------------------------------------------------- fuzz

_FRAGMENTS = [
    "a", "x_i", "w_{kj}^{(2)}", "z_{j'}", "h'(a_j)", r"\frac{\partial}{\partial w}",
    r"\frac{\partial E_n}{\partial a_k}", r"\frac{1}{2}", r"\sum_k", r"\sum_{n=1}^N", r"\int",
    r"d\mathbf{x}", "dt", r"\nabla", "(", ")", "{", "}", r"\{", r"\}", "[", "]", "+", "-", "=",
    r"\simeq", "&", r"\\", "^", "_", "'", "^T", "^2", r"\quad", r"(\because (5.92))", r"\because",
    r"\text{x}", r"\tag{1}", r"\left(", r"\right)", r"\cdot", "|", ",", r"\mathcal{R}", "2",
    "0.5", r"\mathbf{b}", r"\mathbb{E}", r"\foo", "$", "%", "∵", "≃", r"\begin{aligned}",
    r"\end{aligned}", "\n", " ", r"\prime", "__import__('os')", "eval(1)",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25).map(" ".join))
def test_fuzz_fragments_parse_or_raise_input_error(text: str) -> None:
    try:
        chain = parse_chain(text, path="fuzz.md", line=2, col=3)
    except InputError as exc:
        assert exc.location is not None and exc.location.path == "fuzz.md"
        assert exc.location.line >= 2
    else:
        assert chain.members


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_fuzz_any_text_parses_or_raises_input_error(text: str) -> None:
    try:
        parse_chain(text)
    except InputError:
        pass
