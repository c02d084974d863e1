"""Tests for symhess.handout: outline, .tex/.md/.pdf builds, TeX errors, checked notes."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from symhess import catalogue, derive, handout
from symhess.catalogue import Record
from symhess.errors import InputError, SymhessError
from symhess.render.content import Figure
from symhess.results import BookCounterexample, DerivationResult, Erratum, NumericCheck, Step
import sympy as sp

HAVE_TEX = all(shutil.which(p) for p in ("latexmk", "lualatex", "pdftotext"))
needs_tex = pytest.mark.skipif(not HAVE_TEX, reason="latexmk/lualatex/pdftotext not installed "
                               "(apt-get install texlive-latex-base texlive-latex-recommended "
                               "texlive-luatex texlive-lang-japanese latexmk poppler-utils)")

NUM = NumericCheck(({"D": 1, "M": 1, "K": 1}, {"D": 3, "M": 4, "K": 2}), 24, 2.5e-16, "random smooth h")
LONG = (r"x_i x_{i'} h''(a_{j'}) I_{jj'} \sum_k w_{kj'}^{(2)} \delta_k "
        r"+ x_i x_{i'} h'(a_{j'}) h'(a_j) \sum_k \sum_{k'} w_{k'j'}^{(2)} w_{kj}^{(2)} M_{kk'}")


def _r(number: str, verdict: str, steps: tuple[Step, ...], notes: tuple[str, ...] = ()) -> DerivationResult:
    return DerivationResult(number, steps[-1].latex, verdict, steps, NUM, 0.25, notes=notes,
                            title=f"title of {number}")


RESULTS = {
    "5.84": _r("5.84", "approximation", (Step("H", None, ""), Step(r"\sum_n \mathbf{b}_n \mathbf{b}_n^T",
                                                                   r"drop \sum_n (y_n - t_n) \nabla\nabla y_n", "≃"))),
    "5.93": _r("5.93", "proved", (
        Step(r"\frac{\partial^2 E_n}{\partial w_{kj}^{(2)} \partial w_{k'j'}^{(2)}}", None, ""),
        Step(r"z_{j'} \frac{\partial}{\partial a_{k'}} z_j \frac{\partial E_n}{\partial a_k}", "chain rule"),
        Step(r"z_j z_{j'} M_{kk'}", r"\because (5.92)"))),
    "5.94": _r("5.94", "verified", (
        Step(r"\frac{\partial^2 E_n}{\partial w_{ji}^{(1)} \partial w_{j'i'}^{(1)}}", None, ""),
        Step(LONG + " + " + LONG, "product rule; chain rule; sums over Kronecker deltas collapsed; M symmetric"))),
    "5.95": DerivationResult(
        "5.95", "B", "erratum", (Step("A", None, ""), Step("B", "(5.92)")), NUM, 0.25,
        notes=(f"corrected form: ${LONG}$", "x -> 2.0 x + 0.5: |grad J~| = 6e-11",
               "vs numeric.exact_hessian, max_rel_error 1e-16 (lambdified SymPy)"),
        erratum=Erratum(r"A = x_i h'(a_{j'})", r"A = x_i h'(a_j)", "j \\neq j'",
                        BookCounterexample({"D": 2, "M": 2, "K": 2}, {"j": 1, "j'": 2}, -0.46, -0.12)),
        title="title of 5.95"),
    "5.101": _r("5.101", "proved", (Step(r"\mathcal{R}\{a_j\}", None, ""), Step(r"\sum_i v_{ji} x_i", "(5.98)"))),
}


def _boom() -> DerivationResult:
    raise KeyError("no such index")


@pytest.fixture
def fake_catalogue(monkeypatch: pytest.MonkeyPatch) -> dict[str, Record]:
    """The catalogue's records of RESULTS (and 5.122), their recipes replaced by stand-ins."""
    entries = {}
    for n, r in [*RESULTS.items(), ("5.122", None)]:
        monkeypatch.setitem(derive.RECIPES, f"stand-in {n}", _boom if r is None else (lambda r=r: r))
        entries[n] = replace(catalogue.get(n), title="improper prior" if r is None else r.title,
                             recipe=f"stand-in {n}")
    monkeypatch.setattr(catalogue, "entries", lambda: list(entries.values()))
    monkeypatch.setattr(catalogue, "get", lambda n: entries[n])
    original = handout._derive_all
    monkeypatch.setattr(handout, "_derive_all",
                        lambda numbers, say, workers, meanwhile=None: original(numbers, say, 1, meanwhile))

    def quick_figure(key: str, directory: Path, stem: str) -> Figure:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, 1])
        pdf, png = directory / f"{stem}-{key}.pdf", directory / f"{stem}-{key}.png"
        fig.savefig(pdf)
        fig.savefig(png)
        plt.close(fig)
        return Figure(key, pdf, png)

    from symhess import figures
    monkeypatch.setattr(figures, "make_figure", quick_figure)
    return entries


# --------------------------------------------------------------------------- outline
@pytest.mark.parametrize(("number", "section", "part"), [
    ("5.83", "", "1.1"), ("5.194", "", "1.1"), ("ex5.16", "", "1.1"), ("5.88", "", "1.2"),
    ("5.91", "", "1.3"), ("5.95", "", "1.4"), ("ex5.23", "", "1.4"), ("5.107", "", "1.5"),
    ("5.116", "", "2.1"), ("5.118-5.120", "", "2.1"), ("5.82", "", "1.1"), ("1.89", "", "A"),
    ("5.113", "5.5.1", "2.1"), ("5.1", "", "A"),
])
def test_section_of(number: str, section: str, part: str) -> None:
    assert handout.section_of(number, section) == part


def test_sections_filter_and_reading_order(fake_catalogue: dict[str, Record]) -> None:
    plan = handout._plan(["1.4", "5.5.1"])
    assert list(plan) == ["1.4", "2.1"]
    assert [e.number for e in plan["1.4"]] == ["5.93", "5.94", "5.95"]
    with pytest.raises(InputError, match="unknown section '9.9'"):
        handout._plan(["9.9"])


@pytest.mark.parametrize(("name", "message"), [("h.txt", "cannot write a handout as '.txt'"),
                                               ("h", "cannot write a handout as 'h'")])
def test_bad_output_name(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        handout.build_handout(tmp_path / name)


def test_bad_language(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown language 'fr'"):
        handout.build_handout(tmp_path / "h.md", lang="fr")


# --------------------------------------------------------------------------- builds
def test_markdown_handout(tmp_path: Path, fake_catalogue: dict[str, Record]) -> None:
    messages: list[str] = []
    out = handout.build_handout(tmp_path / "h.md", lang="ja", progress=messages.append)
    text = out.read_text(encoding="utf-8")
    assert "### 1.4 ヘッセ行列の厳密な評価" in text and "### 1.1 外積による近似" in text
    assert "### 1.2" not in text  # no entries there yet: left out
    assert r"\tag{5.93}$$" in text and r"\tag{5.95}$$" in text
    assert "(h-outer_gap.png)" in text and (tmp_path / "h-outer_gap.png").exists()
    assert "KeyError" in text and any("raised KeyError" in m for m in messages)
    assert "| (5.101) |" in text and "(5.98)" in text  # correspondence table from rop
    assert any(m.startswith("wrote ") for m in messages)


def test_tex_handout_is_a_complete_document(tmp_path: Path, fake_catalogue: dict[str, Record]) -> None:
    out = handout.build_handout(tmp_path / "h.tex", lang="en", sections=["1"])
    tex = out.read_text(encoding="utf-8")
    assert tex.startswith(r"\documentclass[a4paper,11pt]{article}") and tex.rstrip().endswith(r"\end{document}")
    assert r"\includegraphics[width=0.92\linewidth]{h-outer_gap.pdf}" in tex
    assert r"\begin{algorithmic}" in tex and "2.1" not in re.findall(r"\\subsection\{([^}]*)\}", tex)
    assert r"\section{Regularization" not in tex


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@needs_tex
@pytest.mark.parametrize(("lang", "headings"), [
    ("ja", ["1 ヘッセ行列", "1.4 ヘッセ行列の厳密な評価", "1.5 ヘッセ行列の積の高速な計算", "2.1 無矛盾なガウス事前分布",
            "記号的に証明", "近似", "検証一覧"]),
    ("en", ["1 The Hessian matrix", "1.4 Exact evaluation of the Hessian", "2.1 Consistent Gaussian priors",
            "proved symbolically", "verified numerically", "Verification summary"]),
])
def test_pdf_handout(tmp_path: Path, fake_catalogue: dict[str, Record], lang: str, headings: list[str]) -> None:
    messages: list[str] = []
    out = handout.build_handout(tmp_path / f"h-{lang}.pdf", lang=lang, progress=messages.append)
    text = re.sub(r"[ \t]+", " ", _pdf_text(out))
    for h in headings:
        assert h in text, h
    for tag in ("(5.84)", "(5.93)", "(5.94)", "(5.95)", "(5.101)", "(5.98)"):
        assert tag in text, tag
    assert "??" not in text
    assert [m for m in messages if m.startswith("TeX:")] == []  # no overfull boxes, no undefined refs


@needs_tex
def test_tex_error_shows_the_relevant_log_lines(tmp_path: Path) -> None:
    src = tmp_path / "bad.tex"
    src.write_text("\\documentclass{article}\n\\begin{document}\nfine\n\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(handout.TexBuildError, match="Undefined control sequence") as info:
        handout.compile_pdf(src)
    message = str(info.value)
    assert "bad.tex:4" in message and len(message.splitlines()) < 20


def test_missing_tex_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SymhessError, match="texlive-luatex texlive-lang-japanese latexmk"):
        handout.build_handout(tmp_path / "h.pdf")


def test_log_helpers() -> None:
    log = "a\n! Missing $ inserted.\n<inserted text>\nl.7 x_1\n\nb\nOverfull \\hbox (20.0pt too wide) in paragraph"
    assert handout.tex_log_errors(log).splitlines()[0] == "! Missing $ inserted."
    assert handout.tex_log_warnings(log) == ["Overfull \\hbox (20.0pt too wide) in paragraph"]


# --------------------------------------------------------------------------- checked notes
def test_checked_notes_markdown(tmp_path: Path) -> None:
    notes = tmp_path / "n.md"
    notes.write_text("Notes.\n\n$$\\begin{aligned} a &= b \\\\ &= c \\end{aligned}$$\n", encoding="utf-8")
    steps = (NS(index=1, line=3, verdict="proved", message="", justification=None, residual=None),
             NS(index=2, line=3, verdict="failed", message="b is not c", justification=None, residual=sp.Symbol("b") - sp.Symbol("c")))
    report = NS(path=str(notes), derivations=(NS(line=3, verdict="failed", steps=steps, xfail=None, message=""),))
    out = handout.build_checked_notes(notes, tmp_path / "checked.md", report, lang="en")
    text = out.read_text(encoding="utf-8")
    assert r"a &= b \tag*{✓}" in text and r"&= c \tag*{✗}" in text and r"\text{residual:}\ b - c" in text
    assert text.index("Notes.") < text.index("a &= b")


@needs_tex
def test_checked_notes_pdf_with_the_real_checker(tmp_path: Path) -> None:
    check = pytest.importorskip("symhess.check")
    notes = tmp_path / "n.md"
    notes.write_text("# Case 1\n\n$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} = 2 z_j z_{j'} M_{kk'} $$\n",
                     encoding="utf-8")
    report = check.check_paths([notes]).files[0]
    out = handout.build_checked_notes(notes, tmp_path / "checked.pdf", report, lang="en")
    text = _pdf_text(out)
    assert "Checked notes" in text and "Case 1" in text and "residual" in text


# --------------------------------------------------------------------------- derivation cache
def test_cache_round_trip_and_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SYMHESS_NO_CACHE", raising=False)
    first: list[str] = []
    a = handout._derive_cached(["5.101"], first.append)["5.101"][0]
    second: list[str] = []
    b = handout._derive_cached(["5.101"], second.append)["5.101"][0]
    assert any("derived (5.101)" in m for m in first)
    assert any("from the cache" in m for m in second) and not any("derived (5.101)" in m for m in second)
    assert a is not None and b is not None
    assert (b.steps, b.verdict, b.numeric, b.notes, b.assumptions) == (a.steps, a.verdict, a.numeric, a.notes,
                                                                         a.assumptions)


def test_stand_in_entries_are_never_cached(fake_catalogue: dict[str, Record]) -> None:
    assert not handout._cacheable("5.93")


# --------------------------------------------------------------------------- for a seminar
INTERNAL = ("numeric.exact_hessian", "max_rel_error", "lambdif", "SymPy", "sympy", "symhess", "0.25 s",
            "0.25\\,s", "Last time", "last time", "handwritten", "前回", "手書き", "redo")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("suffix", [".md", ".tex"])
def test_handout_has_no_internals_timings_or_history(tmp_path: Path, fake_catalogue: dict[str, Record],
                                                     lang: str, suffix: str) -> None:
    text = handout.build_handout(tmp_path / f"h{suffix}", lang=lang).read_text(encoding="utf-8")
    body = text.split(r"\begin{document}")[-1]
    for bad in INTERNAL:
        assert bad not in body, bad
    if lang == "ja":
        assert re.search(r"\(5\.95\)\s*[&|][^&|\n]*[&|]\s*(\\verdict\{erratum\}\{)?誤植", body)
        assert "PRML の印刷" in body and "反例" in body
        assert "(proved)" not in body and "corrected form" not in body
    else:
        assert "PRML prints" in body and "this is wrong for $j \\neq j'$" in body and "counterexample" in body


@pytest.mark.parametrize("suffix", [".md", ".tex"])
def test_title_author_date(tmp_path: Path, fake_catalogue: dict[str, Record], suffix: str) -> None:
    meta = handout.Meta(title="Week 7: the Hessian", author="A. Reader", date="1 May 2024")
    text = handout.build_handout(tmp_path / f"h{suffix}", lang="en", meta=meta).read_text(encoding="utf-8")
    assert "Week 7: the Hessian" in text and "A. Reader" in text and "1 May 2024" in text
    default = handout.build_handout(tmp_path / f"d{suffix}", lang="en").read_text(encoding="utf-8")
    assert "A. Reader" not in default and r"\author{symhess}" not in default


def test_cli_title_author_date(tmp_path: Path, fake_catalogue: dict[str, Record]) -> None:
    from symhess.cli import main

    out = tmp_path / "h.md"
    assert main(["handout", "-o", str(out), "--lang", "en", "--title", "My notes", "--author", "Me",
                 "--date", "today-ish", "-q"]) == 0
    assert out.read_text(encoding="utf-8").startswith("# My notes\n")


@pytest.mark.parametrize("lang, first, second", [
    ("ja", "第 1 項は出力の勾配", "第 2 項を落としてよい理由"),
    ("en", "the first is a sum of outer products", "Why may the second term go?"),
])
def test_prose_names_the_terms_of_583_the_right_way_round(lang: str, first: str, second: str) -> None:
    from symhess.render.words import words

    text = " ".join(words(lang).prose["1.1"])
    assert first in text and second in text


JUSTIFICATIONS = [
    "chain rule (5.50)", "definition of the second derivative", "product rule and chain rule",
    "sums over Kronecker deltas collapsed", r"rearranged; $M_{kk'} = M_{k'k}$, dummy indices renamed",
    r"drop $\sum_n (y_n - t_n) \nabla\nabla y_n$", r"$(r, s)$ element, $\mathbf{b}_n = \nabla a_n$",
    r"coefficients of $x_i$ and the constant matched with $a_j$, solved for the new weights",
    "Gaussian integrals; the bias integrals diverge", "(5.121) with the new parameters; biases excluded",
    r"integrate over $t$ first; $y$ and its derivatives do not depend on $t$",
]


@pytest.mark.parametrize("just", JUSTIFICATIONS)
def test_japanese_justifications_are_japanese(just: str) -> None:
    from symhess.render.latex import translate
    from symhess.render.words import words

    out = translate(just, "ja")
    prose = re.sub(r"\$[^$]*\$|\\[A-Za-z]+|\([^)]*\d\)", "", out)
    assert not re.search(r"[A-Za-z]{3,}", prose), out
    assert all(re.fullmatch(r"[^A-Za-z]*", v.split(" (")[0]) for v in words("ja").verdict.values())


def test_checked_notes_markdown_no_double_text(tmp_path: Path) -> None:
    notes = tmp_path / "n.md"
    notes.write_text("$$\\begin{aligned} a &= b \\quad (\\because \\text{chain rule: } a_{k'} \\text{ only}) "
                     "\\\\ &= c \\nonumber \\end{aligned}$$\n", encoding="utf-8")
    steps = (NS(index=1, line=1, verdict="proved", message="", residual=None,
                justification=r"\because \text{chain rule: } a_{k'} \text{ only}"),
             NS(index=2, line=1, verdict="failed", message="b is not c", justification=None, residual=sp.Symbol("b") - sp.Symbol("c")))
    report = NS(path=str(notes), derivations=(NS(line=1, verdict="failed", steps=steps, xfail=None, message=""),))
    text = handout.build_checked_notes(notes, tmp_path / "c.md", report, lang="en").read_text(encoding="utf-8")
    assert r"\text{\text" not in text and r"\text((" not in text and "nonumber" not in text
    assert text.count("chain rule") == 1
