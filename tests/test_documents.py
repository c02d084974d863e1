"""Tests of symhess.documents: finding display-math blocks and xfail markers in files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symhess.documents import Block, blocks_from_text, find_blocks, has_relation
from symhess.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_4d56e9fbf6974c5d.txt"
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
