"""Markdown handouts with MathJax, the way the seed writes them: ``$$\\begin{aligned}…\\end{aligned} \\tag{5.95}$$``.

Formats the same :class:`~symhess.render.content.Handout` as :mod:`symhess.render.latex`,
reusing its line breaking and justification rules; figures are the PNG files.

>>> from symhess.results import DerivationResult, Step
>>> r = DerivationResult("5.93", "x", "proved",
...     (Step("a", None, ""), Step("b", "chain rule")), None, 0.1, title="t")
>>> print(equation(r, "en"))
$$\\begin{aligned}
a &= b \\quad (\\because \\text{chain rule})
\\end{aligned} \\tag{5.93}$$
"""
from __future__ import annotations

import re

from ..results import DerivationResult
from . import latex as tex
from .content import Algorithm, CorrespondenceRow, Figure, Handout, Item, Section
from .words import words

_MARKDOWN_SPECIALS = re.compile(r"([*_`<>\[\]|])")


def escape_md(text: str) -> str:
    """Plain text made safe for Markdown (emphasis, code, table and HTML characters).

    >>> escape_md("a*b_c")
    'a\\\\*b\\\\_c'
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _mathjax_text(text: str) -> str:
    """Text inside ``\\text{}`` of a MathJax display: literal, braces balanced."""
    return text.replace("{", "(").replace("}", ")")


def prose(text: str) -> str:
    """The handout's TeX-flavoured prose as Markdown (``\\emph``, ``~``, quotes, dashes).

    >>> prose(r"\\emph{proved} on p.~255, ``similar'' -- ok")
    '*proved* on p. 255, "similar" – ok'
    """
    text = re.sub(r"\\emph\{([^}]*)\}", r"*\1*", text)
    text = text.replace("``", '"').replace("''", '"').replace("---", "—").replace("--", "–")
    text = re.sub(r"(?<!\\)~", " ", text)
    return text.replace("\\ ", " ")


def equation(result: DerivationResult, lang: str = "ja") -> str:
    """The tagged ``$$…$$`` display of a result's step chain."""
    rows = tex.chain_rows(result, lang=lang, escape=_mathjax_text)
    return f"$$\\begin{{aligned}}\n{rows}\n\\end{{aligned}} {tex.equation_tag(result.equation, lang)}$$"


def status(result: DerivationResult, lang: str = "ja") -> str:
    """The verdict and how it was checked, as a Markdown block quote.

    >>> from symhess.results import DerivationResult
    >>> status(DerivationResult("5.93", "x", "verified", (), None, 1.234, title="t"), "en")
    '> **verified numerically**'
    """
    w = words(lang)
    parts = [f"**{w.verdict.get(result.verdict, result.verdict)}**"]
    num = tex.numeric_summary(result.numeric, lang, escape_md)
    if num:
        parts.append(prose(num))
    return "> " + " · ".join(parts)


def erratum(result: DerivationResult, lang: str = "ja") -> str:
    """The erratum as a block quote: PRML prints …; wrong for …; derived: … ✓ (``""`` if none)."""
    if result.erratum is None:
        return ""
    prints, wrong, derived = tex.erratum_lines(result, lang)
    return (f"> ⚠ {tex.text_with_math(prints, escape_md)}  \n> {tex.text_with_math(wrong, escape_md)}  \n"
            f"> ✓ {tex.text_with_math(derived, escape_md)}")


def derivation(item: Item, lang: str = "ja") -> str:
    """One catalogue entry: heading line, assumptions, display, status, notes."""
    w = words(lang)
    head = f"**({tex.tag_text(item.number, lang).replace('~', ' ')})** {tex.text_with_math(item.title, escape_md)}"
    if item.result is None:
        return f"{head}\n\n> **{w.raised}**: {escape_md(item.error or '')}\n"
    r = item.result
    out = [head, ""]
    if r.assumptions:
        out += [f"*{w.assumptions}* " + "; ".join(tex.text_with_math(tex.translate(a, lang) or "", escape_md) for a in r.assumptions), ""]
    out += [equation(r, lang), "", status(r, lang), ""]
    if r.erratum is not None:
        out += [erratum(r, lang), ""]
    out += [f"- {tex.text_with_math(n, escape_md)}" for n in tex.handout_notes(r, lang)]
    return "\n".join(out).rstrip() + "\n"


def correspondence(rows: tuple[CorrespondenceRow, ...], lang: str = "ja") -> str:
    """The forward/R-operator pairs as a two-column Markdown table."""
    w = words(lang)
    head = [f"*{prose(w.correspondence_caption)}*", "",
            f"| {w.correspondence_head[0]} | {w.correspondence_head[1]} |", "| --- | --- |"]
    def cell(latex: str, number: str) -> str:
        return f"${latex.replace('|', chr(92) + 'vert ')}$ ({number})"

    body = [f"| {cell(r.left_latex, r.left_number)} | {cell(r.right_latex, r.right_number)} |" for r in rows]
    return "\n".join(head + body) + "\n"


def algorithm(alg: Algorithm, lang: str = "ja") -> str:
    """A latexify algorithm in its MathJax (``array``) form."""
    w = words(lang)
    eqs = f" ({alg.equations})" if alg.equations else ""
    return (f"**{w.algorithm}: {alg.title}{eqs}**\n\n*{prose(w.algorithm_intro)}*\n\n"
            f"$$\n{alg.mathjax}\n$$\n")


def figure(fig: Figure, lang: str = "ja") -> str:
    """An image link to the figure's PNG (relative to the Markdown file) with its caption."""
    cap = prose(words(lang).figure_captions.get(fig.key, ""))
    return f"![{fig.key}]({fig.png.name})\n\n*{cap}*\n"


def section_body(sec: Section, lang: str = "ja") -> str:
    """Everything in one part of the outline."""
    out = [derivation(it, lang) for it in sec.items]
    if sec.correspondence:
        out.append(correspondence(sec.correspondence, lang))
    out += [algorithm(a, lang) for a in sec.algorithms]
    out += [figure(f, lang) for f in sec.figures]
    return "\n".join(out)


def summary(handout: Handout) -> str:
    """The verification summary table (or ``""`` when there is nothing in the handout)."""
    w = words(handout.lang)
    rows = []
    for sec in handout.sections:
        for it in sec.items:
            verdict = it.result.verdict if it.result else "failed"
            label = w.verdict.get(verdict, verdict)
            title = tex.text_with_math(it.title, escape_md)
            rows.append(f"| ({tex.tag_text(it.number, handout.lang).replace('~', ' ')}) | {title} | {label} |")
    if not rows:
        return ""
    head = "| " + " | ".join(w.summary_head) + " |"
    return "\n".join([f"## {w.summary_heading}", "", w.summary_intro, "", head,
                      "| --- | --- | --- |", *rows]) + "\n"


def document(handout: Handout, *, title: str | None = None, author: str | None = None,
             date: str | None = None) -> str:
    """A whole handout in Markdown + MathJax.

    >>> from symhess.render.content import Handout
    >>> document(Handout("ja", ())).startswith("# PRML")
    True
    """
    w = words(handout.lang)
    out = [f"# {escape_md(title) if title else w.title}", "", f"*{w.subtitle}*", ""]
    byline = " · ".join(escape_md(x) for x in (author, date) if x)
    if byline:
        out += [byline, ""]
    out += [prose(p) + "\n" for p in w.intro]
    done_top: set[str] = set()
    for sec in handout.sections:
        top = sec.key.partition(".")[0]
        if top not in done_top and top != "A":
            done_top.add(top)
            out += [f"## {top} {w.headings[top]}", ""]
            out += [prose(p) + "\n" for p in w.prose.get(top, ())]
        label = "" if sec.key == "A" else f"{sec.key} "
        level = "##" if sec.key == "A" else "###"
        out += [f"{level} {label}{w.headings[sec.key]}", ""]
        out += [prose(p) + "\n" for p in w.prose.get(sec.key, ())]
        out.append(section_body(sec, handout.lang))
    s = summary(handout)
    if s:
        out.append(s)
    return "\n".join(out).rstrip() + "\n"
