"""Finding display-math blocks in Markdown and LaTeX derivation files, with their file positions.

This is the only module that reads derivation files.  A display block is ``$$…$$`` (on one line
or several, also opened mid-line after prose), ``\\[…\\]``, or one of the environments
``equation``, ``align``, ``alignat`` (its ``{n}`` is part of the opening), ``flalign``,
``gather``, ``multline``, ``eqnarray``, ``displaymath`` — starred or not — and, as MathJax
renders them on their own, ``aligned``, ``gathered``, ``alignedat``.  An inner ``split`` /
``aligned`` stays part of its block's text.  Inline math (``$…$``, ``\\(…\\)``) is not a block.

* Markdown (any file not ending in ``.tex``) is read with markdown-it-py (CommonMark), so fenced
  and indented code blocks, code spans, backslash escapes (``\\$``) and HTML comments hide what
  they hold; blocks in lists and block quotes are found (their ``>`` markers are not block text).
* LaTeX (``.tex``) is read by a scanner that knows ``%`` comments (blanked inside a block, so that
  positions still map to the file), ``\\verb`` and the verbatim environments.

A block is a *derivation* (``has_chain``) when it holds a relation (see :data:`RELATIONS`) outside
every bracket and brace.  A display without one is still a :class:`Block` (``has_chain`` False),
so that it is reported, never skipped in silence.

The author's macros (:mod:`symhess.notation.macros`: ``\\newcommand``, ``\\renewcommand``,
``\\providecommand``, ``\\def``, ``\\DeclareMathOperator``, ``\\let``) are read wherever they
stand before a block — a ``.tex`` preamble, inline math, or a display of their own, the way
MathJax users write them — and expanded in ``Block.text``.  A display that holds only
definitions is not a block.  Positions in the expanded text map back to the file with
:meth:`Block.source_position`.

Expected failures ("xfail") are marked just before the block — only blank lines may stand
between the marker and the line where the block opens:

* Markdown (and any non-``.tex`` file): an HTML comment, on one line or several::

      <!-- symhess: xfail step 6 drops the outer product of the gradients -->
      $$ … $$

* LaTeX (``.tex``): a comment line::

      % symhess: xfail step 6 drops the outer product of the gradients
      \\begin{align} … \\end{align}

The reason is required.  A marker that no block follows, or any other ``symhess:``
directive, is an :class:`~symhess.errors.InputError`; so is a display that is never closed.

>>> text = "Prose $a = b$ here.\\n\\n<!-- symhess: xfail wrong sign -->\\n$$\\nx = -x\\n$$\\n"
>>> [(b.line, b.col, b.env, b.xfail, b.has_chain) for b in blocks_from_text(text, "n.md")]
[(4, 3, '$$', 'wrong sign', True)]
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, SourceLocation
from .notation import macros as _macros

__all__ = ["DISPLAY_ENVS", "RELATIONS", "Block", "InlineFormula", "blocks_from_text",
           "derivation_files", "find_blocks", "has_relation", "inline_relations",
           "inline_relations_from_text", "relations"]

_BASE_ENVS = ("equation", "align", "alignat", "flalign", "gather", "multline", "eqnarray",
              "displaymath", "aligned", "gathered", "alignedat")
#: The environments that are display blocks (each also starred).
DISPLAY_ENVS = tuple(e + s for e in _BASE_ENVS for s in ("", "*"))
_ENV_OPEN = re.compile(r"\\begin\{(" + "|".join(_BASE_ENVS) + r")(\*?)\}")
_ENV_ARG = re.compile(r"[ \t]*\{\s*\d+\s*\}")  # alignat{2}, alignedat{3}
_VERBATIM = re.compile(r"\\begin\{(verbatim|Verbatim|lstlisting|minted|comment)(\*?)\}")
_DIRECTIVE = re.compile(r"^\s*symhess\s*:\s*(\S+)\s*(.*?)\s*$", re.S)

#: Relations that make a display a chain: commands, and the characters that stand alone.
RELATIONS = ("=", "<", ">", "≃", "≈", "≡", "≔", "≕", "≠", "≤", "≥", "≦", "≧", "≪", "≫", "∝", "∼",
             "≅", "→", "↦", "⇒", "⟶", "⟹", "⇔", "⟺",
             r"\simeq", r"\approx", r"\equiv", r"\coloneqq", r"\eqqcolon", r"\coloneq",
             r"\eqcolon", r"\triangleq", r"\doteq", r"\cong", r"\sim", r"\to", r"\rightarrow",
             r"\longrightarrow", r"\mapsto", r"\longmapsto", r"\Rightarrow", r"\Longrightarrow",
             r"\implies", r"\iff", r"\Leftrightarrow", r"\Longleftrightarrow", r"\propto",
             r"\ll", r"\gg", r"\neq", r"\ne", r"\le", r"\leq", r"\leqq", r"\leqslant", r"\ge",
             r"\geq", r"\geqq", r"\geqslant", r"\lt", r"\gt", r"\lesssim", r"\gtrsim")
_REL_CMDS = frozenset(r[1:] for r in RELATIONS if r.startswith("\\"))
_REL_CHARS = frozenset(r for r in RELATIONS if not r.startswith("\\"))
_CMD = re.compile(r"\\([A-Za-z]+|.)", re.S)
_OPEN_CMDS = frozenset({"{", "lbrace", "left", "langle", "lvert", "lVert", "lfloor", "lceil",
                        "bigl", "Bigl", "biggl", "Biggl", "big", "Big", "bigg", "Bigg"})
_CLOSE_CMDS = frozenset({"}", "rbrace", "right", "rangle", "rvert", "rVert", "rfloor", "rceil",
                         "bigr", "Bigr", "biggr", "Biggr"})


@dataclass(frozen=True)
class Block:
    """One display-math block.

    ``line``/``col`` (1-based) are where the math content starts in the file: ``line`` is the
    line of the opening ``$$`` / ``\\[`` / ``\\begin{…}``, ``col`` the column just after it.
    ``text`` is the math to read: the content between the delimiters, LaTeX comments and macro
    definitions blanked, the author's macros expanded.  ``raw`` is the content as written.
    ``parse_chain(b.text, path=b.path, line=b.line, col=b.col)`` reports positions as if
    ``text`` stood at ``line``/``col``; :meth:`source_position` turns such a position into the
    file's (they differ after a macro expansion or in a Markdown block quote).
    ``env`` is ``'$$'``, ``'\\\\['`` or the environment name (``'align*'``).  ``end_line`` is
    the line of the closing delimiter.  ``error`` is set when the block cannot be prepared for
    reading (a macro that does not end, a missing macro argument): then ``text`` is the content
    unexpanded, and the block should be reported as unreadable with that error.
    """

    path: str
    line: int
    col: int
    text: str
    env: str
    xfail: str | None
    has_chain: bool
    raw: str = ""
    end_line: int = 0
    error: InputError | None = field(default=None, compare=False)
    origin: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)
    before: str = field(default="", compare=False)
    section: str = field(default="", compare=False)  # the last heading above the display

    def source_position(self, line: int, col: int) -> tuple[int, int]:
        """The file's (line, col) of a position that the parser reports in ``text``.

        The position is read the parser's way: line ``self.line`` counts columns from
        ``self.col``, later lines from 1.  A character that a macro produced maps to the
        macro's use (its backslash); an argument's characters map to themselves.

        >>> b = blocks_from_text("$$\\\\newcommand{\\\\h}{\\\\frac12}$$\\n$$ \\\\h x = y $$", "a.md")[0]
        >>> b.text, b.line, b.col
        (' \\\\frac12 x = y ', 2, 3)
        >>> b.source_position(2, 12), b.source_position(2, 6)
        ((2, 7), (2, 4))
        """
        if not self.origin:
            return line, col
        starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        k = line - self.line
        if k < 0:
            return line, col
        if k >= len(starts):
            return self.origin[-1]
        off = starts[k] + col - (self.col if k == 0 else 1)
        return self.origin[max(0, min(off, len(self.origin) - 1))]


def find_blocks(path: str | Path) -> list[Block]:
    """The display-math blocks of the file at ``path``, in file order.

    Raises :class:`InputError` (with the path) for a missing, binary or non-UTF-8 file.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "a.tex")
    ...     _ = open(p, "w").write("% symhess: xfail typo\\n\\\\begin{align}a &= b\\\\end{align}\\n")
    ...     [(b.line, b.env, b.xfail) for b in find_blocks(p)]
    [(2, 'align', 'typo')]
    """
    return blocks_from_text(_read_text(path), str(path))


def _read_text(path: str | Path) -> str:
    """The text of a derivation file (UTF-8, BOM dropped), or an :class:`InputError`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}",
                         SourceLocation(str(path), 1, 1)) from None
    if b"\x00" in data:
        raise InputError("binary file (it holds NUL bytes), not a derivation text",
                         SourceLocation(str(path), 1, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                         SourceLocation(str(path), line, col)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def blocks_from_text(text: str, path: str = "<string>") -> list[Block]:
    """The display-math blocks of ``text``; LaTeX rules when ``path`` ends in ``.tex``.

    >>> [b.text for b in blocks_from_text("see $$a$$ and \\\\[b = c\\\\]", "x.md")]
    ['a', 'b = c']
    """
    # Line breaks the way markdown-it reads them (\\r\\n and \\r are one break), NUL made U+FFFD:
    # every offset below is then an offset of this text, and line numbers are the file's.
    text = re.sub(r"\r\n?", "\n", text).replace("\x00", "\ufffd")
    doc = _Doc(text, path)
    if path.lower().endswith(".tex"):
        events = _TexScanner(doc).scan()
    else:
        inline: list[_Inline] = []
        events = _markdown_events(doc, inline)
        if not any(isinstance(e, _Raw) for e in events):
            # no display at all: a line that is one formula holding a relation is read as one
            events += [_Raw(f.start, "$", f.text, f.origin, f.end) for f in inline
                       if f.whole_line and has_relation(f.text)]
    return _assemble(doc, events)


@dataclass(frozen=True)
class InlineFormula:
    """An inline formula (``$…$``, ``\\(…\\)``) of a Markdown file: where its math starts, and the math."""

    line: int
    col: int
    text: str


def inline_relations(path: str | Path) -> list[InlineFormula]:
    """The inline formulas of the Markdown file at ``path`` that hold a relation (``$a = b$``).

    symhess checks display math; a file whose mathematics is only inline is reported with
    these (a file whose whole lines are single formulas is read by :func:`find_blocks`).
    A ``.tex`` file gives ``[]``.
    """
    return inline_relations_from_text(_read_text(path), str(path))


def inline_relations_from_text(text: str, path: str = "<string>") -> list[InlineFormula]:
    """The inline formulas of Markdown ``text`` that hold a relation, in file order.

    >>> inline_relations_from_text("Let $a = b$ and $c$.\\n\\n`$x = y$` $p < q$\\n", "n.md")
    [InlineFormula(line=1, col=6, text='a = b'), InlineFormula(line=3, col=12, text='p < q')]
    """
    if path.lower().endswith(".tex"):
        return []
    text = re.sub(r"\r\n?", "\n", text).replace("\x00", "\ufffd")
    doc = _Doc(text, path)
    inline: list[_Inline] = []
    _markdown_events(doc, inline)
    out = []
    for f in inline:
        if has_relation(f.text):
            line, col = doc.lc(f.origin[0])
            out.append(InlineFormula(line, col, f.text))
    return out


def relations(math: str) -> list[str]:
    """The relations of ``math`` that stand outside every bracket and brace, in order.

    >>> relations(r"E := \\frac{1}{2}\\sum_{n=1}^N (y_n - t_n)^2 \\simeq 0, \\quad a \\to b")
    ['=', '\\\\simeq', '\\\\to']
    >>> relations(r"p(x = 1) \\propto \\left\\{ a = b \\right.")
    ['\\\\propto']
    """
    out: list[str] = []
    depth, i, n = 0, 0, len(math)
    while i < n:
        ch = math[i]
        if ch == "\\":
            m = _CMD.match(math, i)
            assert m is not None
            name = m.group(1)
            i = m.end()
            if name in _OPEN_CMDS:
                depth += 1
                if name in ("left", "bigl", "Bigl", "biggl", "Biggl", "big", "Big", "bigg",
                            "Bigg"):
                    i = _skip_delimiter(math, i)
            elif name in _CLOSE_CMDS:
                depth = max(0, depth - 1)
                if name != "}" and name != "rbrace":
                    i = _skip_delimiter(math, i)
            elif depth == 0 and name in _REL_CMDS:
                out.append("\\" + name)
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _REL_CHARS:
            out.append(ch)
        i += 1
    return out


def has_relation(math: str) -> bool:
    """Whether ``math`` holds a relation (:data:`RELATIONS`) outside all brackets and braces.

    >>> has_relation(r"\\sum_{n=1}^N y_n"), has_relation(r"H &\\simeq \\sum b_n")
    (False, True)
    """
    return bool(relations(math))


def _skip_delimiter(math: str, i: int) -> int:
    """After ``\\left`` / ``\\right``: skip the delimiter (``(``, ``.``, ``\\{``, ``<``, ...)."""
    while i < len(math) and math[i] in " \t\n":
        i += 1
    if i >= len(math):
        return i
    if math[i] == "\\":
        m = _CMD.match(math, i)
        assert m is not None
        return m.end()
    return i + 1


# ----------------------------------------------------------------------------- shared pieces

class _Doc:
    """The text of one file and the mapping from offsets to line:col."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def lc(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1

    def err(self, message: str, offset: int) -> InputError:
        line, col = self.lc(offset)
        return InputError(message, SourceLocation(self.path, line, col))


@dataclass(frozen=True)
class _Raw:
    """A display found in the file: where it opens, its content and each character's offset."""

    start: int  # the opening delimiter
    env: str
    text: str
    origin: tuple[int, ...]  # one per character of text, and one past the end
    end: int  # just after the closing delimiter


@dataclass(frozen=True)
class _Marker:
    reason: str
    start: int
    end: int


@dataclass(frozen=True)
class _Defs:
    """Math outside the display blocks (inline math, a .tex preamble) that defines macros."""

    start: int
    found: tuple[_macros.Definition, ...]


_Event = _Raw | _Marker | _Defs


def _closer(text: str, lo: int, hi: int, closer: str, tex: bool = False) -> int:
    """The first ``closer`` in ``text[lo:hi]`` that is not escaped (nor in a ``%`` comment)."""
    pat = _CLOSERS.get((closer, tex))
    if pat is None:
        pat = re.compile(re.escape(closer) + r"|\\." + (r"|%[^\n]*" if tex else ""), re.S)
        _CLOSERS[(closer, tex)] = pat
    j = lo
    while True:
        m = pat.search(text, j, hi)
        if not m:
            return -1
        if m.group() == closer:
            return m.start()
        j = m.end()


_CLOSERS: dict[tuple[str, bool], re.Pattern[str]] = {}


def _opening(text: str, i: int) -> tuple[str, str, int] | None:
    """At ``i``: (env, closer, index after the opening) of a display opening there, or None."""
    if text.startswith("$$", i):
        return "$$", "$$", i + 2
    if text.startswith("\\[", i):
        return "\\[", "\\]", i + 2
    m = _ENV_OPEN.match(text, i)
    if not m:
        return None
    env = m.group(1) + m.group(2)
    after = m.end()
    if m.group(1) in ("alignat", "alignedat"):
        arg = _ENV_ARG.match(text, after)
        if arg:
            after = arg.end()
    return env, f"\\end{{{env}}}", after


def _never_closed(env: str) -> str:
    if env == "$$":
        return "display math '$$' opened here is never closed (expected '$$')"
    if env == "\\[":
        return "display math '\\[' opened here is never closed (expected '\\]')"
    return f"'\\begin{{{env}}}' is never closed (expected '\\end{{{env}}}')"


def _directive(doc: _Doc, body: str, start: int, end: int) -> _Marker | None:
    m = _DIRECTIVE.match(body)
    if not m:
        return None
    word, reason = m.group(1).lower(), " ".join(m.group(2).split())
    if word != "xfail":
        raise doc.err(f"unknown symhess directive '{m.group(1)}': expected "
                      "'symhess: xfail <reason>'", start)
    if not reason:
        raise doc.err("xfail marker needs a reason: 'symhess: xfail <which step is wrong "
                      "and why>'", start)
    return _Marker(reason, start, end)


def _assemble(doc: _Doc, events: Sequence[_Event]) -> list[Block]:
    """Blocks from the events in file order: markers attached, macros read and expanded."""
    table: dict[str, _macros.Macro] = {}
    blocks: list[Block] = []
    pending: _Marker | None = None
    for ev in sorted(events, key=lambda e: e.start):
        if isinstance(ev, _Marker):
            if pending is not None:
                raise doc.err("xfail marker is not followed by a display-math block",
                              pending.start)
            pending = ev
        elif isinstance(ev, _Defs):
            _macros.add(table, ev.found)
        else:
            block = _block(doc, ev, table)
            if block is None:
                continue
            if pending is not None:
                mline, _ = doc.lc(max(pending.start, pending.end - 1))
                between = doc.text[doc.line_starts[mline]:doc.line_starts[block.line - 1]] \
                    if mline < block.line else ""
                if mline >= block.line or between.strip():
                    raise doc.err("xfail marker must stand just before a display-math block "
                                  "(only blank lines between)", pending.start)
                block = _with_xfail(block, pending.reason)
                pending = None
            blocks.append(block)
    if pending is not None:
        raise doc.err("xfail marker is not followed by a display-math block", pending.start)
    return blocks


def _with_xfail(b: Block, reason: str) -> Block:
    return Block(b.path, b.line, b.col, b.text, b.env, reason, b.has_chain, b.raw, b.end_line,
                 b.error, b.origin, b.before, b.section)


def _block(doc: _Doc, raw: _Raw, table: dict[str, _macros.Macro]) -> Block | None:
    line, _ = doc.lc(raw.start)
    _, col = doc.lc(raw.origin[0])
    end_line, _ = doc.lc(max(raw.start, raw.end - 1))
    blanked, found = _macros.blank_definitions(raw.text)
    _macros.add(table, found)
    if found and not blanked.strip():
        return None  # only macro definitions: not a block
    error: InputError | None = None
    try:
        expanded = _macros.expand(blanked, table, raw.origin)
        text, origin = expanded.text, expanded.origin
    except _macros.MacroError as exc:
        text, origin = blanked, raw.origin
        error = doc.err(exc.message, exc.origin)
    identity = len(text) == len(raw.text) and all(
        origin[k] == raw.origin[0] + k for k in range(len(origin)))
    where = () if identity else tuple(doc.lc(o) for o in origin)
    return Block(doc.path, line, col, text, raw.env, None, has_relation(text), raw.text,
                 end_line, error, where, _before(doc, raw.start), _section(doc, raw.start))


_DISPLAY_END = re.compile(r"\$\$|\\\]|\\end\{|-->")


_HEADING = re.compile(r"^(?:#{1,6}[ \t]+(.+)|\\(?:sub)*section\*?\{(.+?)\})[ \t]*$", re.M)


def _section(doc: _Doc, start: int) -> str:
    """The text of the last heading (Markdown ``#``, LaTeX ``\\section``) before ``start``."""
    heads = getattr(doc, "_headings", None)
    if heads is None:  # found once per file
        heads = [(m.start(), (m.group(1) or m.group(2) or "").strip()) for m in _HEADING.finditer(doc.text)]
        doc._headings = heads  # type: ignore[attr-defined]
    k = bisect.bisect_right([h[0] for h in heads], start) if heads else 0
    return heads[k - 1][1] if k else ""


def _before(doc: _Doc, start: int) -> str:
    """The line of prose right before a display (blank lines skipped), or "" if it is none.

    Text on the display's own line before its delimiter counts as that line.
    """
    head = doc.text[:start]
    own = head[head.rfind("\n") + 1:]
    if own.strip():
        line = own
    else:
        lines = head.rstrip().split("\n")
        line = lines[-1] if lines else ""
    line = line.strip()
    if not line or _DISPLAY_END.search(line) or line.startswith(("#", "<!--", "%")):
        return ""
    return line



def _span(start: int, text: str) -> tuple[int, ...]:
    return tuple(range(start, start + len(text) + 1))


# ----------------------------------------------------------------------------- Markdown

@dataclass(frozen=True)
class _Inline:
    """An inline formula found in a paragraph (offsets as in :class:`_Raw`)."""

    start: int
    text: str
    origin: tuple[int, ...]
    end: int
    whole_line: bool  # the formula is all its line holds (a trailing '.' or ',' aside)


def _markdown_events(doc: _Doc, inline: list[_Inline] | None = None) -> list[_Event]:
    tokens = _markdown().parse(doc.text)
    events: list[_Event] = []
    for tok in tokens:
        if tok.type == "symhess_display":
            segs: list[tuple[int, int]] = tok.meta["segments"]
            text = "\n".join(doc.text[a:b] for a, b in segs)
            origin: list[int] = []
            for a, b in segs:
                origin.extend(range(a, b + 1))  # the last one: the newline (or the closer)
            events.append(_Raw(tok.meta["start"], tok.meta["env"], text, tuple(origin),
                               tok.meta["end"]))
        elif tok.type == "html_block" and tok.map:
            lo = doc.line_starts[tok.map[0]]
            hi = doc.line_starts[tok.map[1]] if tok.map[1] < len(doc.line_starts) else len(doc.text)
            _html_comments(doc, lo, hi, events)
        elif tok.type == "inline" and tok.map and tok.children:
            _inline_events(doc, tok, events, inline)
    return events


def _html_comments(doc: _Doc, lo: int, hi: int, events: list[_Event]) -> None:
    t = doc.text
    i = t.find("<!--", lo, hi)
    while i >= 0:
        end = t.find("-->", i + 4)
        if end < 0:
            raise doc.err("HTML comment '<!--' is never closed", i)
        marker = _directive(doc, t[i + 4:end], i, end + 3)
        if marker:
            events.append(marker)
        i = t.find("<!--", end + 3, max(hi, end + 3))


def _inline_events(doc: _Doc, tok: Any, events: list[_Event],
                   inline: list[_Inline] | None = None) -> None:
    """Displays, inline definitions and comments inside a paragraph, mapped to the file."""
    content: str = tok.content
    base = _content_offsets(doc, content, tok.map[0])

    def at(k: int) -> int:
        return base[max(0, min(k, len(base) - 1))]

    for child in tok.children:
        meta = child.meta
        if child.type == "symhess_display":
            a, b = meta["content"]
            text = content[a:b]
            origin = tuple(at(k) for k in range(a, b + 1))
            events.append(_Raw(at(meta["start"]), meta["env"], text, origin, at(meta["end"])))
        elif child.type == "symhess_unclosed":
            raise doc.err(_never_closed(meta["env"]), at(meta["start"]))
        elif child.type == "symhess_inline_math":
            found = _macros.find_definitions(child.content)
            if found:
                events.append(_Defs(at(meta["start"]), tuple(found)))
            elif inline is not None:
                a, b = meta["content"]
                start, end = at(meta["start"]), at(meta["end"] - 1) + 1
                ls = doc.line_starts[doc.lc(start)[0] - 1]
                le = doc.text.find("\n", start)
                le = len(doc.text) if le < 0 else le
                whole = not doc.text[ls:start].strip() and doc.text[end:le].strip() in ("", ".", ",")
                inline.append(_Inline(start, content[a:b],
                                      tuple(at(k) for k in range(a, b + 1)), end, whole))
        elif child.type == "html_inline" and "symhess_start" in meta:
            s = meta["symhess_start"]
            c = child.content
            if c.startswith("<!--"):
                marker = _directive(doc, c[4:-3], at(s), at(s + len(c) - 1) + 1)
                if marker:
                    events.append(marker)


def _content_offsets(doc: _Doc, content: str, first_line: int) -> list[int]:
    """The file offset of each character of a paragraph's content (and one past the end).

    markdown-it cuts a paragraph's lines from the file, dropping container markers and
    indentation at their start (and white space at the end of the last); each content line is
    therefore the end of its file line.
    """
    out: list[int] = []
    lines = content.split("\n")
    for k, cl in enumerate(lines):
        ln = min(first_line + k, len(doc.line_starts) - 1)
        ls = doc.line_starts[ln]
        le = doc.line_starts[ln + 1] - 1 if ln + 1 < len(doc.line_starts) else len(doc.text)
        src = doc.text[ls:le]
        trimmed = src.rstrip() if k == len(lines) - 1 else src
        if trimmed.endswith(cl):
            p = len(trimmed) - len(cl)
        else:
            f = src.find(cl.strip()) if cl.strip() else -1
            p = max(f - (len(cl) - len(cl.lstrip())), 0) if f >= 0 else 0
        out.extend(ls + p + j for j in range(len(cl)))
        out.append(ls + p + len(cl))  # the newline, or one past the end
    return out


_MD: Any = None


def _markdown() -> Any:
    """A CommonMark parser (tables on) with rules that find display math and keep offsets."""
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark").enable("table")
        md.block.ruler.before("blockquote", "symhess_display", _md_block_display,
                              {"alt": []})
        md.inline.ruler.before("escape", "symhess_math", _md_inline_math)
        md.inline.ruler.before("html_inline", "symhess_comment", _md_inline_comment)
        _MD = md
    return _MD


def _md_block_display(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
    """A display that opens a block (at its line's start) and may hold blank lines."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    src = state.src
    pos = state.bMarks[start_line] + state.tShift[start_line]
    opened = _opening(src, pos)
    if opened is None:
        return False
    env, closer, after = opened
    failed = state.env.setdefault("symhess_unclosed", {})
    if closer in failed and failed[closer][0] <= after and end_line <= failed[closer][1]:
        return False  # an earlier search from before here to beyond the end found no closer
    segments: list[tuple[int, int]] = []
    line, lo = start_line, after
    while line < end_line:
        hi = state.eMarks[line]
        j = _closer(src, lo, hi, closer)
        if j >= 0:
            if src[j + len(closer):hi].strip():
                return False  # prose after the closing delimiter: a paragraph reads it
            segments.append((lo, j))
            break
        segments.append((lo, hi))
        line += 1
        lo = state.bMarks[line] if line < end_line else hi
    else:
        failed[closer] = (after, end_line)
        return False  # never closed here: a paragraph reads it and reports it
    if silent:
        return True
    token = state.push("symhess_display", "", 0)
    token.map = [start_line, line + 1]
    token.meta = {"env": env, "start": pos, "segments": segments, "end": j + len(closer)}
    state.line = line + 1
    return True


def _md_inline_math(state: Any, silent: bool) -> bool:
    """Display math opened inside a paragraph; inline math skipped (and kept for definitions)."""
    src, pos, mx = state.src, state.pos, state.posMax
    ch = src[pos]
    if ch not in "$\\":
        return False
    opened = _opening(src, pos)
    if opened is not None:
        env, closer, after = opened
        j = _closer(src, after, mx, closer)
        if j < 0:  # an error for the file: the rest of the paragraph need not be read
            if not silent:
                state.push("symhess_unclosed", "", 0).meta = {"env": env, "start": pos}
            state.pos = mx
            return True
        if not silent:
            token = state.push("symhess_display", "", 0)
            token.meta = {"env": env, "start": pos, "content": (after, j), "end": j + len(closer)}
        state.pos = j + len(closer)
        return True
    if ch == "$":
        j = _closer(src, pos + 1, mx, "$")
        closer_len = 1
    elif src.startswith("\\(", pos):
        j = _closer(src, pos + 2, mx, "\\)")
        closer_len = 2
    else:
        return False
    if j < 0:
        return False
    if not silent:
        token = state.push("symhess_inline_math", "", 0)
        token.content = src[pos + (1 if ch == "$" else 2):j]
        token.meta = {"start": pos, "content": (pos + (1 if ch == "$" else 2), j),
                      "end": j + closer_len}
    state.pos = j + closer_len
    return True


def _md_inline_comment(state: Any, silent: bool) -> bool:
    """An inline HTML comment, read by markdown-it's own rule, with its offset kept."""
    from markdown_it.rules_inline.html_inline import html_inline

    start = state.pos
    if not state.src.startswith("<!--", start):
        return False
    n = len(state.tokens)
    if not html_inline(state, silent):
        return False
    if not silent and len(state.tokens) > n:
        state.tokens[-1].meta["symhess_start"] = start
    return True


# ----------------------------------------------------------------------------- LaTeX

class _TexScanner:
    """A single pass over a .tex text that tracks comments, verbatim and math delimiters."""

    def __init__(self, doc: _Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.blanked = _blank_tex_comments(self.text)  # for reading definitions
        self.pairs = _macros.brace_pairs(self.blanked)
        self._para = -1  # where the paragraph of the last inline math ends (a blank line)

    def scan(self) -> list[_Event]:
        t = self.text
        events: list[_Event] = []
        i, n = 0, len(t)
        while i < n:
            ch = t[i]
            if ch == "%":
                end = t.find("\n", i)
                end = n if end < 0 else end
                marker = _directive(self.doc, t[i + 1:end], i, end)
                if marker:
                    events.append(marker)
                i = end
            elif ch == "\\" or t.startswith("$$", i):
                i = self._command(i, events)
            elif ch == "$":
                i = self._inline(i, i + 1, "$", events)
            else:
                j = _TEX_NEXT.search(t, i + 1)
                i = j.start() if j else n
        return events

    def _command(self, i: int, events: list[_Event]) -> int:
        t = self.text
        opened = _opening(t, i)
        if opened is not None:
            env, closer, after = opened
            close = _closer(t, after, len(t), closer, tex=True)
            if close < 0:
                raise self.doc.err(_never_closed(env), i)
            text = _blank_tex_comments(t[after:close])
            events.append(_Raw(i, env, text, _span(after, text), close + len(closer)))
            return close + len(closer)
        if t.startswith("\\(", i):
            return self._inline(i, i + 2, "\\)", events)
        m = _VERBATIM.match(t, i)
        if m:
            end = t.find(f"\\end{{{m.group(1)}{m.group(2)}}}", m.end())
            return len(t) if end < 0 else end
        verb = re.compile(r"\\verb\*?([^A-Za-z\s*])").match(t, i)
        if verb:
            end = t.find(verb.group(1), verb.end())
            return verb.end() if end < 0 else end + 1
        d = _macros.definition_at(self.blanked, i, self.pairs)
        if d is not None:
            events.append(_Defs(i, (d,)))
            return max(d.end, i + 1)
        m2 = _CMD.match(t, i)
        return m2.end() if m2 else i + 1

    def _inline(self, start: int, after: int, closer: str, events: list[_Event]) -> int:
        t = self.text
        if self._para < after:
            para = t.find("\n\n", after)
            self._para = len(t) if para < 0 else para
        hi = self._para
        close = _closer(t, after, hi, closer, tex=True)
        if close < 0:
            return after  # a lone '$' (or '\\(') in prose
        found = _macros.find_definitions(self.blanked[after:close])
        if found:
            events.append(_Defs(start, tuple(found)))
        return close + len(closer)


_TEX_NEXT = re.compile(r"[%\\$]")


def _blank_tex_comments(text: str) -> str:
    """Replace ``% …`` comments by spaces (keeping ``\\%`` and every newline)."""
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)


def derivation_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and ``.md``/``.tex`` files below directories named, in a stable order.

    >>> derivation_files([Path("no/such.md")])
    Traceback (most recent call last):
    ...
    symhess.errors.InputError: no/such.md:1:1: no such file or directory: no/such.md
    """
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix in (".md", ".tex")))
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"no such file or directory: {p}", SourceLocation(str(p), 1, 1))
    return out
