"""Annotated copies of a reader's notes: each derivation step marked ✓ / ✗ / ≈ / ?, residuals beside wrong steps.

The checker's report supplies the verdicts; the reader's own LaTeX supplies what is
shown (each display block is cut into the members of its chain).  Nothing is checked
here.  The report only has to look like :class:`FileReportLike` (the checker's
``FileReport`` does).

>>> members, rels = chain_members(r"\\begin{aligned} H &= \\nabla\\nabla E \\quad (\\because (5.82)) \\\\ &\\simeq B \\end{aligned} \\tag{1}")
>>> members, rels
(['H', '\\\\nabla\\\\nabla E', 'B'], ['=', '\\\\simeq'])
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..printing import prml_latex, text_latex
from ..results import DerivationResult, Step, Text
from . import latex as tex
from .markdown import escape_md
from .words import words


# --------------------------------------------------------------------------- the report we read
class StepLike(Protocol):
    """What a step verdict must offer (the checker's ``StepResult`` does)."""

    @property
    def index(self) -> int: ...
    @property
    def line(self) -> int: ...
    @property
    def verdict(self) -> str: ...
    @property
    def message(self) -> Text | str: ...
    @property
    def justification(self) -> str | None: ...
    @property
    def residual(self) -> Any: ...  # SymPy, left − right of a failed step


class DerivationLike(Protocol):
    """What a checked derivation must offer (the checker's ``DerivationReport`` does)."""

    @property
    def line(self) -> int: ...
    @property
    def verdict(self) -> str: ...
    @property
    def steps(self) -> Sequence[StepLike]: ...
    @property
    def xfail(self) -> str | None: ...
    @property
    def message(self) -> str: ...


class FileReportLike(Protocol):
    """What the report of one notes file must offer (the checker's ``FileReport`` does)."""

    @property
    def path(self) -> str: ...
    @property
    def derivations(self) -> Sequence[DerivationLike]: ...


class BlockLike(Protocol):
    """A display block of the notes (``symhess.documents.Block``)."""

    @property
    def line(self) -> int: ...
    @property
    def col(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def env(self) -> str: ...


# --------------------------------------------------------------------------- pieces of the file
@dataclass(frozen=True)
class Piece:
    """A stretch of the notes: prose, or a display block with its derivation's report."""

    kind: str  # "prose" | "block"
    text: str
    line: int = 0
    derivation: DerivationLike | None = None


def split_notes(text: str, blocks: Sequence[BlockLike], report: FileReportLike) -> list[Piece]:
    """The notes cut into prose and blocks, each block paired with its report (by line).

    >>> from types import SimpleNamespace as NS
    >>> b = NS(line=1, col=3, text="a = b", env="$$")
    >>> [p.kind for p in split_notes("x\\n$$a = b$$\\ny", [], NS(path="n.md", derivations=()))]
    ['prose']
    >>> [(p.kind, p.text) for p in split_notes("$$a = b$$ y", [b], NS(path="n.md", derivations=()))]
    [('block', 'a = b'), ('prose', ' y')]
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    by_line = {d.line: d for d in report.derivations}
    pieces: list[Piece] = []
    pos = 0
    for b in blocks:
        if b.line - 1 >= len(starts):
            continue
        start = starts[b.line - 1] + b.col - 1
        opening = _opening(b.env)
        closing = _closing(b.env)
        begin = text.rfind(opening, 0, start + 1) if opening else start
        end = text.find(closing, start + len(b.text) - 1) if closing else -1
        if begin < pos or end < 0:
            continue
        if begin > pos:
            pieces.append(Piece("prose", text[pos:begin]))
        pieces.append(Piece("block", text[start:end], b.line, by_line.get(b.line)))
        pos = end + len(closing)
    if pos < len(text):
        pieces.append(Piece("prose", text[pos:]))
    return pieces


def _opening(env: str) -> str:
    return {"$$": "$$", "\\[": "\\["}.get(env, f"\\begin{{{env}}}")


def _closing(env: str) -> str:
    return {"$$": "$$", "\\[": "\\]"}.get(env, f"\\end{{{env}}}")


# --------------------------------------------------------------------------- chains
_RELATION = re.compile(r"=|\\simeq(?![A-Za-z])|\\approx(?![A-Za-z])")


def chain_members(block: str) -> tuple[list[str], list[str]]:
    """The members of a display's chain and the relations between them, justifications cut off."""
    t = re.sub(r"\\(begin|end)\{(aligned|split|gathered|align\*?|equation\*?)\}", " ", block)
    t = re.sub(r"\\(tag|label)\*?\{[^{}]*\}|\\notag|\\nonumber", " ", t)
    t = t.replace("\\\\", " ").replace("&", " ")
    members, rels = [], []
    depth, start, i = 0, 0, 0
    while i < len(t):
        if t.startswith("\\left", i) and not t[i + 5:i + 6].isalpha():
            depth += 1
            i = tex._skip_delim(t, i + 5)
            continue
        if t.startswith("\\right", i) and not t[i + 6:i + 7].isalpha():
            depth -= 1
            i = tex._skip_delim(t, i + 6)
            continue
        c = t[i]
        if c == "\\" and i + 1 < len(t):
            if t[i + 1] in "{":
                depth += 1
            elif t[i + 1] in "}":
                depth -= 1
            m = _RELATION.match(t, i)
            if m and depth == 0:
                members.append(t[start:i])
                rels.append(m.group(0))
                start = i = m.end()
                continue
            m2 = re.match(r"\\([A-Za-z]+|.)", t[i:])
            i += len(m2.group(0)) if m2 else 2
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == "=" and depth == 0:
            members.append(t[start:i])
            rels.append("=")
            start = i + 1
        i += 1
    members.append(t[start:])
    return [_strip_justification(m) for m in members], rels


def _strip_justification(member: str) -> str:
    m = re.sub(r"(\\q?quad|\\,|\\;|\s)*\(\s*\\because.*$", "", member, flags=re.S)
    m = re.sub(r"(\\q?quad|\s)*\\because.*$", "", m, flags=re.S)
    return re.sub(r"(\\q?quad|\\,|\\;|\\ |\s)+$", "", m).strip()


def plain_justification(just: str | None) -> str | None:
    r"""A reader's justification as prose with math: ``\text{…}`` unwrapped (the renderers wrap
    text themselves; wrapping twice printed ``\text{\text{…}}``), ``\because`` and outer
    parentheses dropped.

    >>> plain_justification(r"(\because \text{chain rule: only } a_{k'} \text{ depends on } w_{kj})")
    "chain rule: only $a_{k'}$ depends on $w_{kj}$"
    >>> plain_justification(r"\because (5.92)")
    '(5.92)'
    """
    if not just:
        return just
    t = just.strip()
    if t.startswith("(") and t.endswith(")") and "\\because" in t[:12]:
        t = t[1:-1].strip()
    t = re.sub(r"^\\because\s*", "", t)
    if "\\text" not in t:
        return t
    parts = re.split(r"\\text\{([^{}]*)\}", t)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
        elif part.strip():
            out.append(f" ${part.strip()}$ ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _chain(der: DerivationLike, block: str) -> DerivationResult | None:
    """The reader's chain as a result to lay out (None when the block does not split into it)."""
    members, rels = chain_members(block)
    steps = list(der.steps)
    if len(members) != len(steps) + 1 or not all(members):
        return None
    chain = [Step(members[0], None, "")]
    chain += [Step(members[s.index], plain_justification(s.justification), rels[s.index - 1]) for s in steps]
    return DerivationResult("", "", "proved", tuple(chain), None, 0.0)


_MARK_TEX = {"proved": r"\cmark", "verified": r"\cmark", "failed": r"\xmark",
             "approximation": r"\amark", "unsupported": r"\umark"}
_MARK_TEXT = {"proved": "✓", "verified": "✓", "failed": "✗", "approximation": "≈", "unsupported": "?"}


def _rows(der: DerivationLike, block: str, lang: str, *, markdown: bool) -> list[str] | None:
    result = _chain(der, block)
    if result is None:
        return None
    w = words(lang)
    esc = (lambda s: s.replace("{", "(").replace("}", ")")) if markdown else None
    groups = tex.chain_step_rows(result, lang=lang, escape=esc)
    out: list[str] = [row + r" \notag" for row in groups[0][0]]
    by_index = {s.index: s for s in der.steps}
    for n, (rows, main) in enumerate(groups[1:], start=1):
        step = by_index.get(n)
        verdict = step.verdict if step else "unsupported"
        mark = _MARK_TEXT.get(verdict, "?") if markdown else _MARK_TEX.get(verdict, r"\umark")
        for i, row in enumerate(rows):
            out.append(row + (rf" \tag*{{{mark}}}" if i == main else r" \notag"))
        if step is not None and verdict == "failed" and step.residual is not None:
            label = rf"\text{{{w.residual}:}}"
            colour = (lambda x: x) if markdown else (lambda x: rf"\textcolor{{v-failed}}{{{x}}}")
            room = tex.DISPLAY_WIDTH - 10.0 - tex.width(label)
            for i, part in enumerate(tex._pack(tex.split_terms(prml_latex(step.residual)), room)):
                shown = colour(label + "\\ " + part) if i == 0 else colour(part)
                out.append((r"&\qquad " if i == 0 else r"&\qquad\qquad ") + shown + r" \notag")
    return out


# --------------------------------------------------------------------------- TeX
def step_notes(der: DerivationLike, lang: str, *, markdown: bool = False) -> list[str]:
    """One line per step that did not simply hold: its mark, line number and the checker's message."""
    out = []
    for s in der.steps:
        if s.verdict in ("proved", "verified"):
            continue
        mark = _MARK_TEXT.get(s.verdict, "?") if markdown else _MARK_TEX.get(s.verdict, r"\umark")
        where = f"step {s.index}, line {s.line}" if lang == "en" else f"ステップ {s.index} (行 {s.line})"
        msg = tex.text_with_math(text_latex(s.message), escape_md) if markdown else tex.text_with_math(
            text_latex(s.message), display_over=tex.NOTE_MATH_WIDTH)
        sug = getattr(s, "suggestion", None)
        if sug is not None:
            fix = words(lang).checked.get("suggest", "did you mean")
            edit = f" ({sug.edit})" if sug.edit else ""
            vmark = _MARK_TEXT.get(sug.verdict, "?") if markdown else _MARK_TEX.get(sug.verdict, r"\umark")
            text = f"{fix}: ${sug.latex}${edit}"
            msg += " — " + (tex.text_with_math(text, escape_md) if markdown else tex.text_with_math(
                text, display_over=tex.NOTE_MATH_WIDTH)) + f" {vmark}"
        out.append(f"{mark} {where}: {msg}")
    return out


def derivation_tex(piece: Piece, lang: str) -> str:
    """A display block of the notes, annotated (or shown as written when it holds no chain)."""
    der = piece.derivation
    w = words(lang)
    if der is None:
        return rf"\[{piece.text}\]" if piece.text.strip() else ""
    rows = _rows(der, piece.text, lang, markdown=False)
    head = rf"\checkhead{{{piece.line}}}{{{_overall(der, lang)}}}"
    if rows is None:
        body = r"\[" + _plain_block(piece.text) + r"\]" + "\n" + rf"{{\small {w.no_steps}}}"
    else:
        size = r"\small" if tex.widest_row(" \\\\\n".join(rows)) > tex.DISPLAY_WIDTH * 0.95 else ""
        body = "{" + size + "\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}}"
    notes = step_notes(der, lang)
    listing = ("\\begin{notes}\n" + "\n".join(r"  \item " + n for n in notes) + "\n\\end{notes}") if notes else ""
    return "\n".join(x for x in (head, body, listing) if x) + "\n"


def _plain_block(text: str) -> str:
    t = re.sub(r"\\tag\*?\{[^{}]*\}", "", text)
    return t if "\\begin{" in t else r"\begin{aligned}" + t + r"\end{aligned}"


def _overall(der: DerivationLike, lang: str) -> str:
    counts: dict[str, int] = {}
    for s in der.steps:
        counts[s.verdict] = counts.get(s.verdict, 0) + 1
    w = words(lang)
    parts = [rf"\verdict{{{v}}}{{{w.verdict.get(v, v)}}}: {n}" for v, n in counts.items()]
    if der.xfail:
        parts.append(("expected to fail: " if lang == "en" else "想定どおりの誤り: ") + tex.text_with_math(der.xfail))
    return "; ".join(parts)


def prose_tex(text: str) -> str:
    r"""The reader's Markdown prose, roughly as TeX: headings, paragraphs, code, emphasis, inline math.

    >>> print(prose_tex("## Eq. (1)\nsee `a_b.txt` and *s* with $x_i$ <!-- c -->"))
    \subsection*{Eq. (1)}
    see \texttt{a\_b.txt} and \emph{s} with $x_i$
    """
    codes: list[str] = []

    def keep(m: re.Match[str]) -> str:
        codes.append(m.group(1))
        return f"\x00{len(codes) - 1}\x00"

    text = re.sub(r"`([^`\n]+)`", keep, text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    out = []
    for raw in text.splitlines():
        line = raw.rstrip()
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            cmd = {1: "section*", 2: "subsection*"}.get(len(m.group(1)), "subsubsection*")
            out.append(rf"\{cmd}{{{_inline(m.group(2), codes)}}}")
        elif not line.strip():
            out.append("")
        else:
            out.append(_inline(line.strip(), codes))
    return "\n".join(out)


def _inline(line: str, codes: list[str]) -> str:
    parts = re.split(r"(\x00\d+\x00)", line)
    out = []
    for part in parts:
        m = re.fullmatch(r"\x00(\d+)\x00", part)
        if m:
            out.append(rf"\texttt{{{tex.escape_text(codes[int(m.group(1))])}}}")
            continue
        bold = re.split(r"\*\*([^*]+)\*\*", part)
        for i, chunk in enumerate(bold):
            emph = re.split(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", chunk)
            for k, c in enumerate(emph):
                body = tex.text_with_math(c, display_over=tex.NOTE_MATH_WIDTH)
                out.append((rf"\emph{{{body}}}" if k % 2 else body) if i % 2 == 0 else rf"\textbf{{{body}}}")
    return "".join(out).rstrip()


def document_tex(pieces: Sequence[Piece], source: str, lang: str, *, tex_source: bool,
                 meta: object | None = None) -> str:
    """The annotated notes as a complete TeX document (``meta``: title, author, date, each optional)."""
    w = words(lang)
    cls = tex._CLASSES[lang]
    title = getattr(meta, "title", None)
    heading = tex.escape_text(title) if title else rf"{w.checked_title}: \texttt{{{tex.escape_text(Path(source).name)}}}"
    byline = " \\quad ".join(tex.escape_text(x) for x in (getattr(meta, "author", None), getattr(meta, "date", None)) if x)
    out = [cls, rf"\newcommand{{\SymhessRunningHead}}{{{w.checked_title}: {tex.escape_text(Path(source).name)}}}",
           tex.preamble(), tex.EXTRA_COLOURS,
           r"\newcommand{\checkhead}[2]{\keepspace{6\baselineskip}\medskip\noindent\textbf{"
           + ("line" if lang == "en" else "行") + r" #1}\enspace{\small #2}\par\nopagebreak}",
           r"\begin{document}",
           rf"\section*{{{heading}}}",
           (rf"\noindent{{\small {byline}}}\par" + "\n") if byline else "",
           tex.prose(w.checked_intro) + "\n"]
    for p in pieces:
        if p.kind == "block":
            out.append(derivation_tex(p, lang))
        elif tex_source:
            out.append(_tex_prose(p.text))
        else:
            out.append(prose_tex(p.text))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _tex_prose(text: str) -> str:
    """Prose of a .tex notes file: kept, minus anything outside the document body."""
    text = re.sub(r"(?s)^.*\\begin\{document\}", "", text)
    text = re.sub(r"(?s)\\end\{document\}.*$", "", text)
    return re.sub(r"\\(documentclass|usepackage)(\[[^]]*\])?\{[^}]*\}", "", text)


# --------------------------------------------------------------------------- Markdown
def derivation_md(piece: Piece, lang: str) -> str:
    """A display block of the notes, annotated for MathJax (``align*`` with ``\\tag*``)."""
    der = piece.derivation
    if der is None:
        return f"$${piece.text}$$"
    rows = _rows(der, piece.text, lang, markdown=True)
    w = words(lang)
    head = f"**{'line' if lang == 'en' else '行'} {piece.line}** — " + _overall_md(der, lang)
    if rows is None:
        body = f"$${piece.text}$$\n\n*{w.no_steps}*"
    else:
        body = "$$\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}$$"
    notes = [f"- {n}" for n in step_notes(der, lang, markdown=True)]
    return "\n\n".join([head, body] + (["\n".join(notes)] if notes else []))


def _overall_md(der: DerivationLike, lang: str) -> str:
    counts: dict[str, int] = {}
    for s in der.steps:
        counts[s.verdict] = counts.get(s.verdict, 0) + 1
    w = words(lang)
    text = "; ".join(f"{_MARK_TEXT.get(v, '?')} {w.verdict.get(v, v)}: {n}" for v, n in counts.items())
    if der.xfail:
        text += "; " + ("expected to fail: " if lang == "en" else "想定どおりの誤り: ") + escape_md(der.xfail)
    return text


def document_md(pieces: Sequence[Piece], source: str, lang: str, *, title: str | None = None) -> str:
    """The annotated notes in Markdown: the reader's prose as written, blocks annotated."""
    w = words(lang)
    head = escape_md(title) if title else f"{w.checked_title}: `{Path(source).name}`"
    out = [f"# {head}\n\n{w.checked_intro}\n\n"]
    for p in pieces:
        out.append("\n" + derivation_md(p, lang) + "\n" if p.kind == "block" else p.text)
    return "".join(out).rstrip() + "\n"
