"""The checker's report as one self-contained HTML page: the reader's document as a Markdown
viewer shows it, every display typeset (MathML, no network), each step marked ✓ ✗ ≈ ? beside it.

Prose is rendered by markdown-it-py (CommonMark + tables, inline ``$…$`` by
mdit-py-plugins' dollarmath); every formula goes through latex2mathml, which browsers
typeset natively.  Under a wrong step: the checker's message, the residual and the
counterexample; beside a block: the context the checker used.  At the top: the summary and
links to each failure.  Nothing is checked here.

>>> "<math" in mathml(r"\\frac{a}{b}")
True
>>> mathml(r"x \\tag{1}", display=True).count("display=\\"block\\"")
1
"""
from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..printing import text_latex
from .report import HOLDS, residual_latex, shared_notes, sides_latex, summary_text

from .unicode import readable, to_unicode

__all__ = ["derivation_html", "document_html", "mathml", "report_html"]

SIGN = {"proved": "✓", "verified": "✓", "definition": "≔", "approximation": "≈", "failed": "✗",
        "unsupported": "?", "erratum": "⚠", "ok": "✓", "xfail": "✓"}

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --approx: #9a6700; --unsup: #8250df; --muted: #57606a; }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP", sans-serif;
       color: #1f2328; max-width: 60rem; margin: 2rem auto; padding: 0 1.2rem; }
h1, h2, h3 { line-height: 1.25; } h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
code { background: #f6f8fa; padding: .1em .3em; border-radius: 4px; font-size: 90%; }
math { font-size: 1.08em; }
.summary { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem 1rem; background: #f6f8fa; }
.summary.bad { border-color: var(--bad); } .summary ul { margin: .3rem 0; }
.block { display: grid; grid-template-columns: minmax(0, 1fr) 12rem; gap: 1rem; margin: 1rem 0;
         align-items: start; }
.block > .math-col { overflow-x: auto; border-left: 4px solid #d0d7de; padding-left: .8rem; }
.block.failed > .math-col { border-left-color: var(--bad); }
.block.xfail > .math-col { border-left-color: #0969da; }
.block.unsupported > .math-col { border-left-color: var(--unsup); }
aside { font-size: .85rem; color: var(--muted); border-left: 2px solid #d0d7de; padding-left: .6rem; }
aside h4 { margin: 0 0 .2rem; font-size: .85rem; }
table.chain { border-collapse: collapse; }
table.chain td { padding: .15rem .4rem; vertical-align: middle; }
td.lhs { text-align: left; } td.rel { text-align: right; } td.mark { font-weight: 700; white-space: nowrap; }
td.why { font-size: .85rem; color: var(--muted); }
.v-proved, .v-verified, .v-ok, .v-definition { color: var(--ok); }
.v-failed, .v-xpass { color: var(--bad); } .v-approximation, .v-erratum { color: var(--approx); }
.v-unsupported { color: var(--unsup); } .v-xfail { color: #0969da; }
tr.detail td { padding: .2rem .4rem .6rem 2rem; font-size: .9rem; }
.detail .msg { margin: .1rem 0; } .detail table { border-collapse: collapse; margin-top: .2rem; }
.detail table td { border: 1px solid #d0d7de; padding: .1rem .4rem; }
.head { font-size: .85rem; color: var(--muted); margin-bottom: .2rem; }
.tag { float: right; color: var(--muted); }
.tex-error { color: var(--bad); }
@media (max-width: 50rem) { .block { grid-template-columns: 1fr; } }
"""


# --------------------------------------------------------------------------- math
_STRIP = re.compile(r"\\(tag|label)\*?\{[^{}]*\}|\\notag\b|\\nonumber\b")
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")


def mathml(latex: str, display: bool = False) -> str:
    """``latex`` as MathML (``<math>``); a formula latex2mathml cannot read is shown as
    Unicode text, marked, never as raw ``$$``.

    >>> mathml("x_i").startswith("<math")
    True
    """
    import latex2mathml.converter as l2m

    body = _STRIP.sub(" ", latex).strip().replace("'", "′")  # a prime at full size, not a tiny ^′
    try:
        out = l2m.convert(body, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any failure of the converter: show it readably
        out = None
    if out is None or not _safe_mathml(out):  # \text{<img onerror=…>} must never reach the page
        return (f'<math display="{"block" if display else "inline"}"><mtext class="tex-error" '
                f'title="{html.escape(latex)}">{html.escape(to_unicode(latex))}</mtext></math>')
    return out


_MATHML_TAGS = frozenset(
    "math mi mn mo ms mtext mrow mfrac msqrt mroot msub msup msubsup munder mover munderover mtable "
    "mtr mtd mlabeledtr mspace mstyle mpadded mphantom menclose mfenced merror mmultiscripts "
    "mprescripts none semantics annotation".split())


def _safe_mathml(markup: str) -> bool:
    """``markup`` is well-formed MathML and nothing else: MathML elements only, no event
    handlers or links (the reader's ``\\text{…}`` reaches the converter verbatim).

    >>> _safe_mathml('<math><mi>x</mi></math>'), _safe_mathml('<math><mtext><img src="x" onerror="f()"/></mtext></math>')
    (True, False)
    """
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return False
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag not in _MATHML_TAGS:
            return False
        if any(k.lower().startswith(("on", "href", "src", "xlink")) or "href" in k.lower() for k in el.attrib):
            return False
    return True


def _display(latex: str) -> str:
    """A chain member in display style, laid out inline (left-aligned in its cell)."""
    return mathml("\\displaystyle " + latex)


def _inline_renderer(content: str, _opts: dict[str, Any]) -> str:
    return mathml(content)


def _block_renderer(content: str, _opts: dict[str, Any]) -> str:
    return mathml(content, display=True)


def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    dollarmath_plugin(md, allow_space=True, allow_digits=True, double_inline=True,
                      renderer=_inline_renderer)
    md.add_render_rule("math_block", lambda self, tokens, idx, options, env:
                       mathml(tokens[idx].content, display=True))
    md.add_render_rule("math_block_label", lambda self, tokens, idx, options, env:
                       mathml(tokens[idx].content, display=True))
    return md


def prose_html(text: str) -> str:
    """Markdown prose as HTML (HTML comments such as ``symhess:`` markers dropped).

    >>> prose_html("## Eq. (1)\\nsee $x_i$ and **b**")
    '<h2>Eq. (1)</h2>\\n<p>see <span class="math inline"><math ...</math></span> and <strong>b</strong></p>\\n'
    """
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return _markdown().render(text)


def tex_prose_html(text: str) -> str:
    r"""Prose of a ``.tex`` file, plainly: sectioning commands as headings, paragraphs, inline math.

    >>> tex_prose_html(r"\section{Intro} Let $x$ be.  % note")
    '<h2>Intro</h2>\n<p>Let <math ...</math> be.</p>'
    """
    text = re.sub(r"(?s)^.*\\begin\{document\}", "", text)
    text = re.sub(r"(?s)\\end\{document\}.*$", "", text)
    text = re.sub(r"(?<!\\)%.*", "", text)
    text = re.sub(r"\\(documentclass|usepackage)(\[[^]]*\])?\{[^}]*\}|\\maketitle", "", text)
    out = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        heads = []

        def head(m: re.Match[str]) -> str:
            level = {"section": 2, "subsection": 3}.get(m.group(1), 4)
            heads.append(f"<h{level}>{_inline_tex(m.group(3))}</h{level}>")
            return ""
        para = re.sub(r"\\(section|subsection|subsubsection|paragraph)(\*?)\{([^{}]*)\}", head, para).strip()
        out += heads
        if para:
            out.append(f"<p>{_inline_tex(para)}</p>")
    return "\n".join(out)


def _inline_tex(text: str) -> str:
    parts = re.split(r"(\$[^$]+\$|\\\(.+?\\\))", text)
    out = []
    for p in parts:
        if p.startswith("$") or p.startswith("\\("):
            out.append(mathml(p.strip("$") if p.startswith("$") else p[2:-2]))
        else:
            p = re.sub(r"\\(emph|textit|textbf|texttt)\{([^{}]*)\}", r"\2", p)
            out.append(html.escape(p.replace("~", " ").replace("``", "“").replace("''", "”")))
    return "".join(out)


# --------------------------------------------------------------------------- blocks
def _mark(verdict: str, title: str = "") -> str:
    t = f' title="{html.escape(title)}"' if title else ""
    return (f'<span class="v-{verdict}"{t}>{SIGN.get(verdict, "?")} '
            f'{html.escape(verdict)}</span>')


def _anchor(file_index: int, line: int) -> str:
    return f"d{file_index}-{line}"


def _step_detail(s: Any) -> str:
    """Message, residual, counterexample and suggestion under a step that did not hold."""
    parts = [f'<p class="msg">{html.escape(readable(text_latex(s.message)))}</p>'] if s.message else []
    residual = residual_latex(s)
    if s.verdict == "failed" and residual:
        parts.append(f'<p class="msg">residual (left − right): {mathml(residual)}</p>')
    sides = sides_latex(s) if s.verdict in ("failed", "approximation") else None
    if sides is not None:
        parts.append(f'<p class="msg">left: {mathml(sides[0])}<br>right: {mathml(sides[1])}</p>')
    c = s.counterexample
    if c is not None:
        cells = [("sizes", ", ".join(f"{k} = {v}" for k, v in c.sizes.items())),
                 ("indices", ", ".join(f"{readable(k)} = {v}" for k, v in c.indices.items()) or "none")]
        cells += [(k, f"{v:.6g}") for k, v in c.values.items()]
        rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in cells)
        parts.append(f'<p class="msg">counterexample:</p><table class="cex">{rows}</table>')
    sug = getattr(s, "suggestion", None)
    if sug is not None:
        edit = f" ({html.escape(readable(sug.edit))})" if sug.edit else ""
        parts.append(f'<p class="msg">did you mean: {mathml(sug.latex)}{edit} {_mark(sug.verdict)}</p>')
    return "".join(parts)


def _chain_table(der: Any, block: str) -> str | None:
    from .checked import chain_members

    members, rels = chain_members(block)
    steps = list(der.steps)
    if not steps or any(s.index == 0 for s in steps) or len(members) != len(steps) + 1 \
            or not all(members):
        return None  # a block that could not be read, or whose steps are not its members
    rows = [f'<tr><td></td><td class="lhs" colspan="2">{_display(members[0])}</td><td></td></tr>']
    for s in steps:
        rel = rels[s.index - 1] if 0 < s.index <= len(rels) else "="
        why = f"∵ {html.escape(readable(s.justification))}" if s.justification else ""
        rows.append(f'<tr class="step" data-verdict="{html.escape(s.verdict)}">'
                    f'<td class="mark">{_mark(s.verdict, readable(text_latex(s.message)))}</td>'
                    f'<td class="rel">{mathml(rel)}</td><td>{_display(members[s.index])}</td>'
                    f'<td class="why">{why}</td></tr>')
        if s.verdict not in HOLDS:
            rows.append(f'<tr class="detail"><td></td><td></td><td colspan="2">{_step_detail(s)}</td></tr>')
    return '<table class="chain">' + "".join(rows) + "</table>"


def _aside(der: Any) -> str:
    readings, context = shared_notes(der)
    parts = []
    if context:
        parts.append("<h4>context used</h4><ul>" + "".join(
            f"<li>{html.escape(readable(a))}</li>" for a in context) + "</ul>")
    if readings:
        parts.append("<h4>read as</h4><ul>" + "".join(
            f"<li>{html.escape(readable(r))}</li>" for r in readings) + "</ul>")
    if der.xfail:
        parts.append(f"<h4>marked xfail</h4><p>{html.escape(readable(der.xfail))}</p>")
    return f"<aside>{''.join(parts)}</aside>" if parts else "<aside></aside>"


def block_html(text: str, der: Any, anchor: str, line: int) -> str:
    """One display block: typeset, its steps marked (or as written when it holds no chain)."""
    tag = _TAG.search(text)
    tag_html = f'<span class="tag">({html.escape(tag.group(1))})</span>' if tag else ""
    if der is None:
        return f'<div class="display" data-display="{line}">{tag_html}{mathml(text, display=True)}</div>'
    counts: dict[str, int] = {}
    for s in der.steps:
        counts[s.verdict] = counts.get(s.verdict, 0) + 1
    summary = ", ".join(f"{SIGN.get(v, '?')} {n} {v}" for v, n in counts.items()) or "no steps"
    head = (f'<div class="head">line {line} · derivation {_mark(der.verdict)} · {html.escape(summary)}'
            f"{tag_html}</div>")
    table = _chain_table(der, text)
    if table is None:
        items = "".join(f'<li>step {s.index} (line {s.line}): {_mark(s.verdict)} {_step_detail(s)}</li>'
                        for s in der.steps)
        body = mathml(text, display=True) + (f"<ol class='steps'>{items}</ol>" if items else "")
    else:
        body = table
    msg = f'<p class="msg">{html.escape(readable(der.message))}</p>' if der.message else ""
    return (f'<section class="block {html.escape(der.verdict)}" data-display="{line}" id="{anchor}">'
            f'<div class="math-col">{head}{body}{msg}</div>{_aside(der)}</section>')


# --------------------------------------------------------------------------- documents
def document_html(text: str, path: str, blocks: Sequence[Any], file_report: Any, file_index: int = 0) -> str:
    """One notes file as HTML: prose rendered, blocks typeset and marked."""
    from .checked import split_notes

    tex_source = path.lower().endswith(".tex")
    out = []
    for p in split_notes(text, blocks, file_report):
        if p.kind == "prose":
            out.append(tex_prose_html(p.text) if tex_source else prose_html(p.text))
        else:
            out.append(block_html(p.text, p.derivation, _anchor(file_index, p.line), p.line))
    return "\n".join(out)


def _summary(rep: Any) -> str:
    bad, expected = [], []
    for fi, f in enumerate(rep.files):
        for d in f.derivations:
            first = d.first_failure
            where = f"{html.escape(f.path)}:{d.line}"
            what = (f"step {first.index}: "  # shortened at a word, before escaping (no cut &amp;)
                    f"{html.escape(textwrap.shorten(readable(text_latex(first.message)), 160, placeholder=' …'))}"
                    if first is not None else html.escape(readable(d.message)))
            link = f'<li><a href="#{_anchor(fi, d.line)}">{where}</a> {_mark(d.verdict)} — {what}</li>'
            if d.verdict in ("failed", "unsupported"):
                bad.append(link)
            elif d.verdict == "xfail":
                expected.append(link)
    parts = [f"<p><strong>{html.escape(summary_text(rep.derivations))}</strong></p>"]
    if bad:
        parts.append(f"<p>Failures:</p><ul class='failures'>{''.join(bad)}</ul>")
    else:
        parts.append("<p>Every derivation holds" + (" (the expected failures fail, as marked)." if expected else ".") + "</p>")
    if expected:
        parts.append(f"<details><summary>expected failures (xfail): {len(expected)}</summary>"
                     f"<ul>{''.join(expected)}</ul></details>")
    cls = "summary bad" if bad else "summary"
    return f'<div class="{cls}" id="summary">{"".join(parts)}</div>'


def report_html(rep: Any, *, title: str | None = None, standalone: bool = True) -> str:
    """The whole report (every file of ``rep``) as an HTML page (``standalone=False``: a
    fragment with its style, for Jupyter)."""
    from ..documents import find_blocks

    names = ", ".join(Path(f.path).name for f in rep.files) or "no files"
    title = title or f"symhess check: {names}"
    body = [f"<h1>{html.escape(title)}</h1>", _summary(rep)]
    for fi, f in enumerate(rep.files):
        p = Path(f.path)
        try:
            text = p.read_text(encoding="utf-8")
            blocks = find_blocks(p)
        except (OSError, ValueError) as exc:
            body.append(f"<h2>{html.escape(f.path)}</h2><p class='tex-error'>{html.escape(str(exc))}</p>")
            continue
        if len(rep.files) > 1:
            body.append(f'<h2 class="file">{html.escape(f.path)}</h2>')
        for note in getattr(f, "notes", ()):  # how the whole file was read, said once
            label, _, rest = note.partition(": ") if note.startswith("read under: ") else ("read as", "", note)
            body.append(f'<p class="file-note"><strong>{html.escape(label)}:</strong> '
                        f'{html.escape(readable(rest))}</p>')
        body.append(f'<article class="notes">{document_html(text, f.path, blocks, f, fi)}</article>')
    style = f"<style>{CSS}</style>"
    if not standalone:
        return f'<div class="symhess-report">{style}{"".join(body)}</div>'
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title>{style}</head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


# --------------------------------------------------------------------------- derive results
def derivation_html(r: Any) -> str:
    """A derivation result for Jupyter: title, verdict, erratum, the chain typeset, numeric check.

    >>> from symhess.results import DerivationResult, Step
    >>> h = derivation_html(DerivationResult("5.93", "s", "proved", (Step("a", None, ""), Step("b")), None, 0.1, title="t"))
    >>> "✓ proved" in h and "<math" in h
    True
    """
    parts = [f"<style>{CSS}</style><div class='symhess-derivation'>",
             f"<p><strong>({html.escape(r.equation)}) {html.escape(readable(r.title))}</strong>: "
             f"{_mark(r.verdict)}</p>"]
    e = r.erratum
    if e is not None:
        when = f"wrong for {mathml(e.wrong_when)}" if e.wrong_when else "wrong in general"
        cex = f" (counterexample: {html.escape(readable(e.counterexample.text()))})" if e.counterexample else ""
        parts.append(f"<p>PRML prints {mathml(e.printed_latex)}; this is {when}{cex}.</p>"
                     f"<p>derived: {mathml(e.corrected_latex)} <span class='v-proved'>✓</span></p>")
    if r.steps:
        rows = [f"<tr><td class='lhs' colspan='2'>{_display(r.steps[0].latex)}</td><td></td></tr>"]
        for s in r.steps[1:]:
            why = f"∵ {html.escape(readable(s.justification))}" if s.justification else ""
            rows.append(f"<tr><td class='rel'>{mathml(s.relation or '=')}</td>"
                        f"<td>{_display(s.latex)}</td><td class='why'>{why}</td></tr>")
        parts.append("<table class='chain'>" + "".join(rows) + "</table>")
    if r.numeric is not None:
        parts.append(f"<p class='why'>checked numerically at {len(r.numeric.sizes)} sizes, "
                     f"{r.numeric.points} points; relative error ≤ {r.numeric.max_rel_error:.1e}</p>")
    parts.append("</div>")
    return "".join(parts)



