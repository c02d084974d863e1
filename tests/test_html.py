"""Tests for symhess.render.html: the HTML report, checked in a real (headless) browser."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from symhess.cli import main
from symhess.render import html as rh
from symhess.printing import text_latex
import sympy as sp
from symhess.network import MM, Z, j, jp, k, kp

NOTES = r"""# My notes on (5.93)

Some *prose* with $x_i$ and a table:

| a | b |
|---|---|
| 1 | 2 |

$$\begin{aligned}
\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}} &= z_j z_{j'} M_{kk'} \quad (\because (5.92)) \\
&= z_j M_{kk'}
\end{aligned} \tag{5}$$

A display with no relation:

$$ \sum_k w_{kj} \delta_k $$

Closing words.
"""

TEX = r"""\documentclass{article}
\begin{document}
\section{Intro}
Let $x_i$ be an input.
\begin{align}
z_j z_{j'} M_{kk'} &= z_{j'} z_j M_{k'k}
\end{align}
\end{document}
"""


def fake_report(path: Path, text: str) -> NS:
    line = text.splitlines().index(r"$$\begin{aligned}") + 1
    cex = NS(sizes={"D": 2, "M": 2, "K": 2}, indices={"j": 1, "j'": 2}, values={"left": 0.5, "right": 0.25})
    steps = (
        NS(index=1, line=line + 1, col=1, verdict="proved", message="equal", justification=r"\because (5.92)",
           residual=None, counterexample=None, assumptions=("E_n smooth",), readings=(),
           lhs_expr=sp.Symbol("a"), rhs_expr=sp.Symbol("a"), suggestion=None),
        NS(index=2, line=line + 2, col=1, verdict="failed", message="the right side is missing z_{j'}",
           justification=None, residual=Z[j] * Z[jp] * MM[k, kp] - Z[j] * MM[k, kp], counterexample=cex,
           assumptions=("E_n smooth",), readings=(), lhs_expr=Z[j] * Z[jp] * MM[k, kp], rhs_expr=Z[j] * MM[k, kp],
           suggestion=NS(latex=r"z_j z_{j'} M_{kk'}", edit="adds z_{j'}", verdict="proved")),
    )
    der = NS(path=str(path), line=line, verdict="failed", steps=steps, xfail=None, message="",
             first_failure=steps[1])
    f = NS(path=str(path), derivations=(der,))
    return NS(files=(f,), derivations=[der], ok=False)


@pytest.fixture()
def notes(tmp_path: Path) -> Path:
    p = tmp_path / "notes.md"
    p.write_text(NOTES, encoding="utf-8")
    return p


def displays(text: str) -> int:
    return len(re.findall(r"\$\$.*?\$\$", text, flags=re.S))


def typeset_displays(body: str) -> int:
    """How many display blocks of the page hold MathML (each starts at a data-display)."""
    chunks = re.split(r"<(?:div|section)[^>]*data-display=", body)[1:]
    return sum("<math" in c.split("data-display=")[0] for c in chunks)


def test_report_typesets_every_display_and_marks_steps(notes: Path) -> None:
    page = rh.report_html(fake_report(notes, NOTES))
    assert page.startswith("<!DOCTYPE html>") and "$$" not in page
    body = page.split("<body>", 1)[1]
    assert typeset_displays(body) == displays(NOTES)  # every display typeset
    assert "<table>" in body and "<em>prose</em>" in body      # Markdown as a viewer shows it
    assert 'class="v-failed"' in body and 'class="v-proved"' in body
    assert "residual (left − right)" in body and "counterexample" in body and "j′ = 2" in body
    assert "did you mean" in body and "adds z_j′" in body
    assert "context used" in body and "E_n smooth" in body     # the side note
    anchor = re.search(r'<a href="#(d0-\d+)">', body).group(1)  # summary links to the failure
    assert f'id="{anchor}"' in body


@pytest.mark.parametrize("latex", [r"\frac{a}{b}", r"\mathcal{R}\{y\}", r"\iint f \, d\mathbf{x} dt",
                                   r"\because (5.92)", r"\frac{1}{2"])
def test_mathml_never_raw(latex: str) -> None:
    out = rh.mathml(latex, display=True)
    assert out.startswith("<math") and "$" not in out


def test_tex_input_plain_rendering(tmp_path: Path) -> None:
    p = tmp_path / "notes.tex"
    p.write_text(TEX, encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["check", str(p), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<h2>Intro</h2>" in page and "documentclass" not in page and "✓ proved" in page


def test_cli_html_to_stdout_and_needs_output(capsys, tmp_path: Path) -> None:
    p = tmp_path / "good.md"
    p.write_text("# T\n\n$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} $$\n", encoding="utf-8")
    assert main(["check", str(p), "--format", "html", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["check", str(p), "--format", "html"]) == 2
    assert "-o report.html" in capsys.readouterr().err


# --------------------------------------------------------------------------- a real browser
def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def browser() -> str:
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium): CI must run the browser test")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return exe


def _run(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=120, check=False)


def test_report_in_headless_chromium(browser: str, notes: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(rh.report_html(fake_report(notes, NOTES)), encoding="utf-8")
    dom = _run(browser, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    body = html.split("<body>", 1)[1]
    assert "$$" not in body
    assert typeset_displays(body) == displays(NOTES)
    assert len(re.findall(r"<math\b[^>]*>", body)) >= displays(NOTES) + 4  # members, x_i, residual
    assert "<mfrac>" in body and "✗ failed" in body
    shot = tmp_path / "report.png"
    r = _run(browser, "--window-size=1100,1400", f"--screenshot={shot}", page.as_uri())
    assert r.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_real_checker_report_in_chromium(browser: str, tmp_path: Path) -> None:
    p = tmp_path / "n.md"
    p.write_text("# Check\n\nText $a_k$.\n\n$$ x_i h'(a_j) = x_i h''(a_j) $$\n\n"
                 "$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} $$\n", encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["check", str(p), "--format", "html", "-o", str(out)]) == 1
    dom = _run(browser, "--dump-dom", out.as_uri()).stdout
    assert "$$" not in dom.split("<body>", 1)[1]
    assert typeset_displays(dom) == 2 and "✗ failed" in dom and "✓ proved" in dom


def test_jupyter_reprs_show_the_verdict() -> None:
    from symhess.results import BookCounterexample, DerivationResult, Erratum, Step

    r = DerivationResult("5.95", "s", "erratum", (Step("A", None, ""), Step("B", "chain rule")),
                         None, 0.1, erratum=Erratum("A = x", "A = y", "j \\neq j'",
                                                     BookCounterexample({"D": 2}, {"j": 1, "j'": 2}, 1.0, 2.0)), title="one in each layer")
    from symhess.render.jupyter import derivation_html, derivation_latex

    page = derivation_html(r)
    assert "⚠ erratum" in page and "PRML prints" in page and "wrong for" in page and "<math" in page
    assert "⚠ erratum" in derivation_latex(r)


def test_import_in_a_running_ipython_registers_the_display_formatters() -> None:
    import subprocess
    import sys

    pytest.importorskip("IPython")
    code = ("from IPython.testing.globalipapp import start_ipython; ip = start_ipython(); "
            "ip.display_formatter.active_types = ['text/plain', 'text/html', 'text/latex']; "
            "import symhess, symhess.derive; r = symhess.derive.derive_entry('5.94'); "
            "data, _ = ip.display_formatter.format(r); "
            "print('text/html' in data and '<math' in data['text/html'], "
            "data.get('text/latex', '').startswith('$$'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.split()[-2:] == ["True", "True"], out.stdout + out.stderr


def test_report_fragment_for_jupyter(notes: Path) -> None:
    frag = rh.report_html(fake_report(notes, NOTES), standalone=False)
    assert frag.startswith('<div class="symhess-report"><style>') and "<html" not in frag


def test_the_summary_shortens_a_long_message_at_a_word(tmp_path: Path) -> None:
    from symhess.check import check_paths

    f = tmp_path / "notes.md"
    f.write_text("$$ h(a) = \\tanh(a) $$\n\n$$ h'(a_j) = 1 - z_j^2 $$\n", encoding="utf-8")
    report = check_paths([f])
    long = text_latex(report.derivations[1].steps[0].message)
    assert len(long) > 160
    item = rh.report_html(report).split("<li>")[1].split("</li>")[0]
    assert item.endswith(" …") and long.split()[0] in item


@pytest.mark.parametrize("payload", ['<img/src="x"/onerror=alert(1)>', "<script>alert(1)</script>",
                                     '</mtext><a href="javascript:alert(1)">x</a><mtext>'])
def test_text_in_a_formula_never_becomes_markup(payload: str, tmp_path: Path) -> None:
    """A reader's \\text{…} reaches the MathML converter verbatim; the report escapes it."""
    notes = tmp_path / "n.md"
    notes.write_text(f"$$ \\frac{{\\partial E_n}}{{\\partial w_{{kj}}^{{(2)}}}} = \\delta_k z_j \\quad "
                     f"\\text{{{payload}}} $$\n", encoding="utf-8")
    out = tmp_path / "r.html"
    main(["check", str(notes), "--format", "html", "-o", str(out)])
    page = out.read_text(encoding="utf-8")
    assert "<img" not in page and "<script>alert" not in page and 'href="javascript' not in page
