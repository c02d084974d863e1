"""Tests of symhess.documents: finding display-math blocks and xfail markers in files."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symhess.documents import Block, blocks_from_text, find_blocks, has_relation
from symhess.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "seed_handout.txt"
CORPUS = ROOT / "derivations"


def seed_file() -> Path:
    if not SEED.exists():
        pytest.skip("shared seed file not present")
    return SEED


def lines_cols(blocks: list[Block]) -> list[tuple[int, int]]:
    return [(b.line, b.col) for b in blocks]


# ----------------------------------------------------------------------------- the seed

def test_seed_derivation_blocks_and_nothing_inline() -> None:
    blocks = find_blocks(seed_file())
    assert [b.line for b in blocks] == [17, 27, 35, 46, 78]
    assert all(b.has_chain and b.env == "$$" and b.xfail is None for b in blocks)
    assert blocks[3].text.startswith(r"H \simeq")
    assert blocks[1].text.startswith("\\begin{aligned}\n\\frac{\\partial E}{\\partial w_s}")


def test_block_text_sits_at_line_col_in_the_file() -> None:
    for path in [seed_file(), *sorted(CORPUS.glob("*.md"))]:
        lines = path.read_text(encoding="utf-8").split("\n")
        for b in find_blocks(path):
            first = b.text.split("\n")[0]
            assert lines[b.line - 1][b.col - 1:].startswith(first), (path, b.line)
            assert lines[b.line - 1][: b.col - 1].rstrip().endswith(("$$", "\\[", "}"))


# ----------------------------------------------------------------------------- delimiters

def test_dollar_blocks_single_multi_line_and_mid_line() -> None:
    text = ("Intro $a = b$ inline.\n"
            "$$x = y$$\n"
            "プローズ $$\n"
            "  u = v\n"
            "$$ after\n"
            "and $$ \\sum_{n=1}^N y_n $$\n")
    blocks = blocks_from_text(text, "a.md")
    assert lines_cols(blocks) == [(2, 3), (3, 8), (6, 7)]
    assert [b.text for b in blocks] == ["x = y", "\n  u = v\n", " \\sum_{n=1}^N y_n "]
    assert [b.has_chain for b in blocks] == [True, True, False]


def test_bracket_and_environment_blocks() -> None:
    text = ("\\[ a = b \\]\n"
            "\\begin{equation} c = d \\end{equation}\n"
            "\\begin{equation*}\ne = f\n\\end{equation*}\n"
            "\\begin{align} g &= h \\\\ &= i \\end{align}\n"
            "\\begin{align*} j &= k \\end{align*}\n"
            "inline \\( p = q \\) skipped\n")
    blocks = blocks_from_text(text, "a.md")
    assert [b.env for b in blocks] == ["\\[", "equation", "equation*", "align", "align*"]
    assert [b.line for b in blocks] == [1, 2, 3, 6, 7]
    assert blocks[0].col == 3 and blocks[1].col == len("\\begin{equation}") + 1


def test_inner_aligned_stays_in_the_block_text() -> None:
    (block,) = blocks_from_text("$$\\begin{aligned} a &= b \\end{aligned}\\tag{1}$$", "a.md")
    assert block.text == "\\begin{aligned} a &= b \\end{aligned}\\tag{1}"


def test_markdown_code_and_comments_are_skipped() -> None:
    text = ("```latex\n$$a = b$$\n```\n"
            "~~~\n\\[ c = d \\]\n~~~\n"
            "Use `$$e = f$$` in code.\n"
            "<!-- $$g = h$$ -->\n"
            "Cost: $5 and $6.\n"
            "Escaped \\$\\$ dollars.\n"
            "$$real = 1$$\n")
    blocks = blocks_from_text(text, "a.md")
    assert [b.text for b in blocks] == ["real = 1"]
    assert blocks[0].line == 11


def test_tex_comments_are_skipped_and_blanked_inside_blocks() -> None:
    text = ("% $$ a = b $$ in a comment\n"
            "\\begin{align}\n"
            "x &= y % why\n"
            "  &= z\n"
            "\\end{align}\n"
            "50\\% of $m = n$\n")
    (block,) = blocks_from_text(text, "a.tex")
    assert block.text == "\nx &= y      \n  &= z\n"
    assert block.line == 2 and block.env == "align"


@pytest.mark.parametrize(("math", "relation"), [
    ("a = b", True), (r"\sum_{n=1}^N y_n", False), (r"H \simeq b", True), (r"a \approx b", True),
    ("p(x = 1)", False), (r"\frac{a}{b}", False), ("a ≃ b", True), (r"\{ a = b \}", False),
])
def test_has_relation_only_at_top_level(math: str, relation: bool) -> None:
    assert has_relation(math) is relation


# ----------------------------------------------------------------------------- xfail markers

def test_markdown_xfail_marker_single_and_multi_line() -> None:
    text = ("<!-- symhess: xfail step 4 drops a term -->\n"
            "$$a = b$$\n"
            "\n"
            "<!--\n  symhess: xfail step 2\n  is wrong\n-->\n"
            "\n"
            "$$c = d$$\n"
            "$$e = f$$\n")
    blocks = blocks_from_text(text, "a.md")
    assert [b.xfail for b in blocks] == ["step 4 drops a term", "step 2 is wrong", None]


def test_tex_xfail_marker() -> None:
    text = "% symhess: xfail sign error\n\\[ a = -a \\]\n\\[ b = b \\]\n"
    assert [b.xfail for b in blocks_from_text(text, "a.tex")] == ["sign error", None]


def test_ordinary_comments_are_not_markers() -> None:
    text = "<!-- a note -->\n$$a = b$$\n"
    assert blocks_from_text(text, "a.md")[0].xfail is None


@pytest.mark.parametrize(("text", "path", "where", "message"), [
    ("<!-- symhess: xfail -->\n$$a=b$$\n", "a.md", "a.md:1:1", r"xfail marker needs a reason"),
    ("<!-- symhess: xfial oops -->\n$$a=b$$\n", "a.md", "a.md:1:1",
     r"unknown symhess directive 'xfial': expected 'symhess: xfail <reason>'$"),
    ("<!-- symhess: xfail late -->\n", "a.md", "a.md:1:1",
     r"xfail marker is not followed by a display-math block$"),
    ("<!-- symhess: xfail gap -->\nprose\n$$a=b$$\n", "a.md", "a.md:1:1",
     r"xfail marker must stand just before a display-math block"),
    ("text\n\n  <!-- symhess: xfail one -->\n<!-- symhess: xfail two -->\n$$a=b$$", "a.md", "a.md:3:3",
     r"xfail marker is not followed by a display-math block$"),
    ("% symhess: xfail\n\\[a=b\\]\n", "a.tex", "a.tex:1:1", r"xfail marker needs a reason"),
    ("ok\n$$ a = b\n", "a.md", "a.md:2:1", r"display math '\$\$' opened here is never closed"),
    ("\\[ a = b", "a.md", "a.md:1:1", r"display math '\\\[' opened here is never closed"),
    ("x\n \\begin{align} a", "a.md", "a.md:2:2", r"'\\begin\{align\}' is never closed"),
    ("<!-- open", "a.md", "a.md:1:1", r"HTML comment '<!--' is never closed$"),
])
def test_document_errors(text: str, path: str, where: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        blocks_from_text(text, path)
    assert str(info.value.location) == where


# ----------------------------------------------------------------------------- files

def test_binary_file_is_refused_with_its_path(tmp_path: Path) -> None:
    p = tmp_path / "image.md"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(InputError, match=r"binary file \(it holds NUL bytes\)") as info:
        find_blocks(p)
    assert info.value.location is not None and info.value.location.path == str(p)


def test_non_utf8_file_is_refused_at_the_bad_byte(tmp_path: Path) -> None:
    p = tmp_path / "latin1.md"
    p.write_bytes("ok\ncaf\xe9 $$a=b$$".encode("latin-1"))
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 0xe9\)") as info:
        find_blocks(p)
    assert str(info.value.location) == f"{p}:2:4"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read file"):
        find_blocks(tmp_path / "nope.md")


def test_utf8_bom_and_str_paths(tmp_path: Path) -> None:
    p = tmp_path / "bom.md"
    p.write_bytes("\ufeff$$a = b$$\n".encode("utf-8"))
    (block,) = find_blocks(str(p))
    assert (block.line, block.col, block.path) == (1, 3, str(p))


# ----------------------------------------------------------------------------- the corpus

def test_corpus_seed_copies_the_seed_blocks_verbatim() -> None:
    mine = find_blocks(CORPUS / "seed.md")
    theirs = find_blocks(seed_file())
    assert [b.text for b in mine] == [b.text for b in theirs]
    assert [b.xfail is not None for b in mine] == [True, True, True, False, False]
    steps = [re.match(r"step (\d+) is wrong", b.xfail).group(1) for b in mine[:3]]  # type: ignore
    assert steps == ["6", "2", "1"]


def test_corpus_exact_hessian_has_three_expected_passes() -> None:
    blocks = find_blocks(CORPUS / "exact_hessian.md")
    assert len(blocks) == 3 and all(b.has_chain and b.xfail is None for b in blocks)


def test_corpus_mixed_layer_attempts_all_xfail_with_a_step() -> None:
    blocks = find_blocks(CORPUS / "mixed_layer_attempts.md")
    assert 3 <= len(blocks) <= 4
    steps = [int(re.match(r"step (\d+) is wrong", b.xfail).group(1)) for b in blocks]  # type: ignore
    assert steps == [4, 6, 7, 7]


# ----------------------------------------------------------------------------- fuzz

_PIECES = ["$", "$$", "\\[", "\\]", "`", "```\n", "<!--", "-->", "\n", "a = b", "prose ",
           "\\begin{align}", "\\end{align}", "symhess: xfail r", "\\", "%", "日本語"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join),
       st.sampled_from(["f.md", "f.tex"]))
def test_fuzz_scanner_finds_blocks_or_raises_input_error(text: str, path: str) -> None:
    try:
        blocks = blocks_from_text(text, path)
    except InputError as exc:
        assert exc.location is not None and exc.location.path == path
    else:
        for b in blocks:
            assert b.line >= 1 and b.col >= 1


# ----------------------------------------------------------------------------- every environment

_ENVS = ["equation", "align", "alignat", "flalign", "gather", "multline", "eqnarray",
         "displaymath"]


@pytest.mark.parametrize("path", ["a.md", "a.tex"])
@pytest.mark.parametrize("star", ["", "*"])
@pytest.mark.parametrize("env", _ENVS)
def test_every_display_environment_is_a_block(env: str, star: str, path: str) -> None:
    name = env + star
    arg = "{2}" if env == "alignat" else ""
    body = "\na &= b \\\\\n&= c\n" if env != "eqnarray" else "\na &=& b \\\\\n&=& c\n"
    text = f"Prose.\n\n\\begin{{{name}}}{arg}{body}\\end{{{name}}}\n\nMore.\n"
    (b,) = blocks_from_text(text, path)
    assert (b.env, b.line, b.end_line, b.text, b.has_chain) == (name, 3, 6, body, True)
    assert b.col == len(f"\\begin{{{name}}}{arg}") + 1


@pytest.mark.parametrize("path", ["a.md", "a.tex"])
def test_inner_split_and_aligned_stay_in_their_block(path: str) -> None:
    text = ("\\begin{equation}\n\\begin{split}\na &= b \\\\\n&= c\n\\end{split}\n\\end{equation}\n"
            "\\[\n\\begin{aligned} d &= e \\end{aligned}\n\\]\n")
    blocks = blocks_from_text(text, path)
    assert [(b.env, b.line, b.end_line) for b in blocks] == [("equation", 1, 6), ("\\[", 7, 9)]
    assert blocks[0].text.startswith("\n\\begin{split}") and "\\end{split}" in blocks[0].text


def test_tex_comment_holding_an_end_does_not_close_the_block() -> None:
    text = "\\begin{align}\na &= b % not \\end{align} here\n\\end{align}\n"
    (b,) = blocks_from_text(text, "a.tex")
    assert b.end_line == 3 and "\\end" not in b.text


def test_tex_verbatim_and_verb_are_not_scanned() -> None:
    text = ("\\begin{verbatim}\n$$a = b$$\n\\end{verbatim}\n\\verb|\\[c = d\\]|\n"
            "% \\begin{align} e \\end{align}\n\\[ f = g \\]\n")
    assert [b.text for b in blocks_from_text(text, "a.tex")] == [" f = g "]


@pytest.mark.parametrize(("math", "relation"), [
    ("a := b", True), ("a =: b", True), (r"a \coloneqq b", True), (r"a \triangleq b", True),
    (r"a \equiv b", True), ("a ≈ b", True), (r"w \to c w", True), (r"w \rightarrow c", True),
    (r"w \mapsto c", True), (r"w \longrightarrow c", True), (r"p \propto q", True),
    (r"a \ll 1", True), (r"a \Rightarrow b", True), (r"a \implies b", True),
    (r"a \neq b", True), (r"a \ne b", True), (r"a \le b", True), (r"a \leq b", True),
    (r"a \ge b", True), (r"a \geq b", True), ("a < b", True), ("a > b", True),
    ("a ≤ b", True), (r"\lim_{x \to 0} f", False), (r"\left\{ a = b \right.", False),
    (r"\left. a = b \right\}", False), (r"\left( a \right) = b", True),
    (r"\text{where } a", False), (r"\mathbf{b}_n", False), (r"\langle a, b \rangle", False),
    (r"\left\langle a = b \right\rangle", False), (r"\toto", False),
])
def test_has_relation_knows_the_relations_people_use(math: str, relation: bool) -> None:
    assert has_relation(math) is relation


def test_a_display_without_a_relation_is_still_a_block() -> None:
    (b,) = blocks_from_text("$$ \\sum_n \\mathbf{b}_n \\tag{5.84} $$", "a.md")
    assert not b.has_chain and b.env == "$$"


# ----------------------------------------------------------------------------- Markdown structure

def test_indented_code_and_fences_with_info_hide_displays() -> None:
    text = ("Text.\n\n    $$a = b$$\n\n````markdown\n```\n$$c = d$$\n```\n````\n\n$$e = f$$\n")
    assert [b.text for b in blocks_from_text(text, "a.md")] == ["e = f"]


def test_code_span_across_lines_hides_a_display() -> None:
    text = "See `code $$a\n= b$$` here, and $$c = d$$.\n"
    assert [b.text for b in blocks_from_text(text, "a.md")] == ["c = d"]


def test_blocks_in_lists_and_quotes_map_back_to_the_file() -> None:
    text = ("- item $$c = d$$\n"
            "- $$\n  e = f\n  $$\n\n"
            "> $$\n> a\n> = b\n> $$\n")
    blocks = blocks_from_text(text, "a.md")
    assert [(b.line, b.col, b.text) for b in blocks] == [
        (1, 10, "c = d"), (2, 5, "\n  e = f\n  "), (6, 5, "\na\n= b\n")]
    quote = blocks[2]
    assert quote.source_position(7, 1) == (7, 3)  # 'a' stands after '> '
    assert quote.source_position(8, 3) == (8, 5)  # 'b'
    assert quote.source_position(6, 5) == (6, 5)


def test_display_table_cell_and_heading() -> None:
    text = "# The Hessian $$H = \\nabla\\nabla E$$\n\n| a | $$k = l$$ |\n|---|---|\n| 1 | $$m = n$$ |\n"
    blocks = blocks_from_text(text, "a.md")
    assert [(b.line, b.col, b.text) for b in blocks] == [
        (1, 17, "H = \\nabla\\nabla E"), (3, 9, "k = l"), (5, 9, "m = n")]


def test_crlf_line_breaks_keep_line_numbers() -> None:
    text = "x\r\n\r\n$$\r\na = b\r\n$$\r\n\r\n$$c = d$$\r\n"
    blocks = blocks_from_text(text, "a.md")
    assert [(b.line, b.end_line, b.text) for b in blocks] == [(3, 5, "\na = b\n"), (7, 7, "c = d")]


def test_inline_html_comment_marker_before_a_display_in_the_same_paragraph() -> None:
    text = "Next <!-- symhess: xfail sign -->\n$$a = -a$$\n"
    (b,) = blocks_from_text(text, "a.md")
    assert b.xfail == "sign"


def test_tex_marker_before_an_environment_and_a_comment_that_is_not_one() -> None:
    text = ("% a note\n\\begin{gather} a = b \\end{gather}\n"
            "% symhess: xfail drops a term\n\n\\begin{multline*} c = d \\end{multline*}\n")
    assert [b.xfail for b in blocks_from_text(text, "a.tex")] == [None, "drops a term"]


# ----------------------------------------------------------------------------- macros

def test_mathjax_macro_block_is_no_block_and_defines_for_later_blocks() -> None:
    text = ("$$\n\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}\n\\def\\half{\\frac12}\n$$\n\n"
            "$$ \\pd{E}{a} = \\half $$\n")
    (b,) = blocks_from_text(text, "a.md")
    assert b.line == 6 and b.text == " \\frac{\\partial E}{\\partial a} = \\frac12 "
    assert b.raw == " \\pd{E}{a} = \\half " and b.error is None and b.has_chain


def test_macros_apply_only_after_their_definition() -> None:
    text = "$$\\x = 1$$\n\n$$\\def\\x{y}$$\n\n$$\\x = 2$$\n"
    assert [b.text for b in blocks_from_text(text, "a.md")] == ["\\x = 1", "y = 2"]


def test_definition_in_inline_math_and_inside_a_block() -> None:
    text = ("Let $\\def\\e{\\epsilon}$ be small.\n\n"
            "$$\\newcommand{\\o}[1]{O(#1)} f = \\o{\\e^2}$$\n")
    (b,) = blocks_from_text(text, "a.md")
    assert b.text.strip() == "f = O(\\epsilon^2)"


def test_markdown_prose_definitions_are_not_read() -> None:
    # MathJax reads definitions only inside math; prose is prose.
    (b,) = blocks_from_text("\\def\\x{y}\n\n$$\\x = 1$$\n", "a.md")
    assert b.text == "\\x = 1"


def test_tex_preamble_macros_with_options_nesting_and_operators() -> None:
    text = ("\\documentclass{article}\n"
            "\\newcommand{\\wt}[2][2]{w_{#2}^{(#1)}}\n"
            "\\newcommand{\\dd}[2]{\\frac{\\partial #1}{\\partial #2}}\n"
            "% \\newcommand{\\dd}[2]{WRONG}\n"
            "\\DeclareMathOperator{\\sech}{sech}\n"
            "\\begin{document}\n"
            "\\begin{equation}\n\\dd{E}{\\wt{kj}} = \\dd{E}{\\wt[1]{ji}} \\sech(a)\n\\end{equation}\n"
            "\\end{document}\n")
    (b,) = blocks_from_text(text, "a.tex")
    assert b.text == ("\n\\frac{\\partial E}{\\partial w_{kj}^{(2)}} = "
                      "\\frac{\\partial E}{\\partial w_{ji}^{(1)}} \\operatorname{sech}(a)\n")


def test_source_position_maps_expansions_to_the_use_and_arguments_home() -> None:
    text = "$$\\def\\pd#1#2{\\frac{\\partial #1}{\\partial #2}}$$\n$$\nx = \\pd{E}{a}\n$$\n"
    (b,) = blocks_from_text(text, "a.md")
    assert (b.line, b.col) == (2, 3)
    lines = b.text.split("\n")
    assert lines[1] == "x = \\frac{\\partial E}{\\partial a}"
    # parser-style positions: line 3 of the file holds the text's second line, from column 1
    assert b.source_position(3, 1) == (3, 1)                                    # x
    assert b.source_position(3, lines[1].index("\\frac") + 1) == (3, 5)         # the use \pd
    assert b.source_position(3, lines[1].index("E") + 1) == (3, 9)              # E itself
    assert b.source_position(3, lines[1].index("a}") + 1) == (3, 12)            # a itself
    assert b.source_position(4, 1) == (4, 1)                                    # the closer


def test_block_without_macros_maps_positions_as_they_are() -> None:
    (b,) = blocks_from_text("$$ a = b $$", "a.md")
    assert b.origin == () and b.source_position(1, 4) == (1, 4)


@pytest.mark.parametrize("path", ["a.md", "a.tex"])
def test_recursive_macro_is_an_error_of_its_block_only(path: str) -> None:
    text = "$$\\def\\r{\\r}$$\n\n$$a = \\r$$\n\n$$c = d$$\n"
    blocks = blocks_from_text(text, path)
    assert [b.text for b in blocks] == ["a = \\r", "c = d"]
    err = blocks[0].error
    assert err is not None and str(err.location) == f"{path}:3:7"
    assert re.search(r"macro \\r is expanded more than \d+ times: does it use itself\?$", err.message)
    assert blocks[1].error is None


def test_missing_macro_argument_is_an_error_at_the_use() -> None:
    (b,) = blocks_from_text("$$\\newcommand{\\p}[2]{#1#2} x = \\p{a}$$", "a.md")
    assert b.error is not None and str(b.error.location) == "a.md:1:32"
    assert b.error.message == "macro \\p needs 2 arguments in braces, found 1"


# ----------------------------------------------------------------------------- the reading cases

CASES = ROOT / "tests" / "cases"


def _runner_blocks(text: str) -> list[tuple[int, int]]:
    """The block spans the shared case runner counts (its own regexes), for comparison."""
    envs = r"(?:equation|align|alignat|flalign|gather|multline|eqnarray|split|aligned|displaymath)\*?"
    out: list[tuple[int, int]] = []
    pat = re.compile(r"\$\$(.*?)\$\$|\\\[(.*?)\\\]|\\begin\{(" + envs + r")\}(.*?)\\end\{\3\}", re.S)
    for m in pat.finditer(text):
        body = next(g for g in (m.group(1), m.group(2), m.group(4)) if g is not None)
        if m.group(3) and m.group(3).startswith("split"):
            continue
        if not re.sub(r"\\(newcommand|renewcommand|def|DeclareMathOperator)\b.*", "", body,
                      flags=re.S).strip():
            continue
        first, last = text.count("\n", 0, m.start()) + 1, text.count("\n", 0, m.end()) + 1
        if out and first <= out[-1][1]:
            continue
        out.append((first, last))
    return out


@pytest.mark.parametrize(("name", "spans"), [
    ("reading/r02_environments.md", [(3, 7), (9, 11), (13, 16), (18, 23), (25, 28)]),
    ("reading/r03_macros.md", [(9, 9), (11, 11)]),
    ("reading/r03_macros.tex", [(6, 10)]),
])
def test_reading_cases_give_the_right_blocks(name: str, spans: list[tuple[int, int]]) -> None:
    path = CASES / name
    if not path.exists():
        pytest.skip("shared cases not present")
    blocks = find_blocks(path)
    assert [(b.line, b.end_line) for b in blocks] == spans
    assert all(b.has_chain and b.error is None for b in blocks)
    assert not any(re.search(r"\\(pd|wt|half|dd|sech)\b", b.text) for b in blocks)


def test_every_shared_case_gives_the_runners_blocks() -> None:
    paths = sorted(p for p in CASES.glob("*/*") if p.suffix in (".md", ".tex"))
    if not paths:
        pytest.skip("shared cases not present")
    for path in paths:
        got = [(b.line, b.end_line) for b in find_blocks(path)]
        assert got == _runner_blocks(path.read_text(encoding="utf-8")), path.name


def test_r03_tex_operator_and_macros_expand() -> None:
    path = CASES / "reading" / "r03_macros.tex"
    if not path.exists():
        pytest.skip("shared cases not present")
    (b,) = find_blocks(path)
    assert b.text.count("\\frac{\\partial") == 3 and b.env == "align"
    first = b.text.split("\n")[1]
    assert b.source_position(7, first.index("\\frac") + 1) == (7, 1)


# ----------------------------------------------------------------------------- hostile inputs

_HOSTILE = [
    "\\begin{align}" * 3000, "\\[" * 5000, "\\[\n\n" * 3000, "$$\n" * 3001, "$" * 20000,
    "`" * 5000, "<!--" * 3000, " ".join(["$a$"] * 10000), "> \\[\n" * 3000,
    "\\def\\a{b" * 3000 + "$$\\a = 1$$", "\\def\\a{b}" * 3000 + "$$\\a = 1$$",
    "$$\\def\\a{\\a\\a}$$\n\n" + "$$\\a = 1$$\n\n" * 20,
    "$$\\def\\a#1{\\a{#1#1}}$$\n\n" + "$$\\a{x} = 1$$\n\n" * 5,
]


@pytest.mark.parametrize("path", ["f.md", "f.tex"])
@pytest.mark.parametrize("text", _HOSTILE, ids=range(len(_HOSTILE)))
def test_hostile_texts_end_quickly(text: str, path: str) -> None:
    start = time.perf_counter()
    try:
        blocks = blocks_from_text(text, path)
    except InputError as exc:
        assert exc.location is not None and exc.location.path == path
    else:
        assert all(b.line >= 1 and b.col >= 1 for b in blocks)
    assert time.perf_counter() - start < 3.0


_MORE_PIECES = _PIECES + ["\\begin{eqnarray*}", "\\end{eqnarray*}", "\\begin{split}", "&=&",
                          "\\newcommand{\\x}[1]{#1}", "\\def\\y{\\y}", "\\x", "\\y", "{", "}",
                          "> ", "    ", "- ", "\\begin{alignat}{2}", "\\end{alignat}"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_MORE_PIECES), max_size=25).map("".join),
       st.sampled_from(["f.md", "f.tex"]))
def test_fuzz_blocks_map_back_inside_the_file(text: str, path: str) -> None:
    try:
        blocks = blocks_from_text(text, path)
    except InputError as exc:
        assert exc.location is not None and exc.location.path == path
        return
    n_lines = text.count("\n") + 1
    for b in blocks:
        assert 1 <= b.line <= b.end_line <= n_lines
        assert b.error is None or b.error.location is not None
        for k, line in enumerate(b.text.split("\n")):
            for col in (1, len(line) + 1):
                fl, fc = b.source_position(b.line + k, col + (b.col - 1 if k == 0 else 0))
                assert 1 <= fl <= n_lines and fc >= 1


def test_use_of_an_unreadable_tex_definition_is_an_error_at_the_use() -> None:
    text = "\\def\\f#1.{#1}\n\\begin{equation}\na = \\f b.\n\\end{equation}\n"
    (b,) = blocks_from_text(text, "a.tex")
    assert b.error is not None and str(b.error.location) == "a.tex:3:5"
    assert "delimited parameters" in b.error.message


# ----------------------------------------------------------------------------- inline-only files

_INLINE_ONLY = (  # /work/realtext/min/15: a derivation written only in $…$ lines
    "**Answer**:\n"
    "\n"
    "$\\frac{\\partial^2 E_n}{\\partial w_{kj} \\partial w_{k'j'}} = 2 z_j z_{j'} M_{kk'}$\n"
    "\n"
    "$= z_j z_{j'} M_{kk'}$.\n"
    "\n"
    "where $a = b$ is used and $c$ is a letter.\n"
)


def test_whole_line_inline_formulas_are_blocks_when_a_file_has_no_display() -> None:
    blocks = blocks_from_text(_INLINE_ONLY, "hw.md")
    assert [(b.line, b.col, b.env, b.has_chain) for b in blocks] == [(3, 2, "$", True),
                                                                    (5, 2, "$", True)]
    assert blocks[1].text == "= z_j z_{j'} M_{kk'}"
    assert blocks[0].text.endswith("M_{kk'}")


@pytest.mark.parametrize(("text", "count"), [
    ("$$a = b$$\n\n$c = d$\n", 0),           # a display exists: inline formulas stay inline
    ("Let\n$c = d$\n", 1),                    # its own line inside a paragraph
    ("Let $c = d$ here.\n", 0),               # prose around it
    ("$c$\n", 0),                             # no relation
    ("```\n$c = d$\n```\n", 0),               # code
    ("> $c = d$\n", 0),                       # a quote marker before it
])
def test_only_lines_that_are_one_formula_with_a_relation_become_blocks(text: str, count: int) -> None:
    blocks = [b for b in blocks_from_text(text, "x.md") if b.env == "$"]
    assert len(blocks) == count


def test_inline_relations_report_every_inline_formula_with_a_relation(tmp_path: Path) -> None:
    from symhess.documents import InlineFormula, inline_relations
    p = tmp_path / "hw.md"
    p.write_text(_INLINE_ONLY, encoding="utf-8")
    found = inline_relations(p)
    assert [(f.line, f.col) for f in found] == [(3, 2), (5, 2), (7, 8)]
    assert found[2] == InlineFormula(7, 8, "a = b")
    tex = tmp_path / "hw.tex"
    tex.write_text("$a = b$\n", encoding="utf-8")
    assert inline_relations(tex) == []
