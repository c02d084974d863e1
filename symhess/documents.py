"""Finding display-math blocks in Markdown and LaTeX derivation files, with their file positions.

This is the only module that reads derivation files.  It finds ``$$…$$`` (on one line or
several, also opened mid-line after prose), ``\\[…\\]`` and ``\\begin{equation}``,
``equation*``, ``align``, ``align*`` (an inner ``aligned`` stays part of the block's text).
Inline math (``$…$``, ``\\(…\\)``) is skipped, and so are, in Markdown, fenced code blocks
(```` ``` ```` / ``~~~``), inline code spans and HTML comments; in LaTeX, ``%`` comments
(blanked inside a block so that positions still map to the file).

A block is a *derivation* (``has_chain``) when it holds a relation (``=``, ``\\simeq``,
``\\approx``, ``≃``, ``≈``) outside every bracket and brace.

Expected failures ("xfail") are marked just before the block — only blank lines may stand
between the marker and the line where the block opens:

* Markdown (and any non-``.tex`` file): an HTML comment, on one line or several::

      <!-- symhess: xfail step 6 drops the outer product of the gradients -->
      $$ … $$

* LaTeX (``.tex``): a comment line::

      % symhess: xfail step 6 drops the outer product of the gradients
      \\begin{align} … \\end{align}

The reason is required.  A marker that no block follows, or any other ``symhess:``
directive, is an :class:`~symhess.errors.InputError`.

>>> text = "Prose $a = b$ here.\\n\\n<!-- symhess: xfail wrong sign -->\\n$$\\nx = -x\\n$$\\n"
>>> [(b.line, b.col, b.env, b.xfail, b.has_chain) for b in blocks_from_text(text, "n.md")]
[(4, 3, '$$', 'wrong sign', True)]
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, SourceLocation

__all__ = ["Block", "blocks_from_text", "derivation_files", "find_blocks", "has_relation"]

_ENVS = ("equation*", "equation", "align*", "align")
_DIRECTIVE = re.compile(r"^\s*symhess\s*:\s*(\S+)\s*(.*?)\s*$", re.S)


@dataclass(frozen=True)
class Block:
    """One display-math block.

    ``line``/``col`` (1-based) are where the math content starts in the file: ``line`` is the
    line of the opening ``$$`` / ``\\[`` / ``\\begin{…}``, ``col`` the column just after it.
    ``text`` is the content between the delimiters (LaTeX comments blanked), so
    ``parse_chain(b.text, path=b.path, line=b.line, col=b.col)`` maps positions to the file.
    ``env`` is ``'$$'``, ``'\\\\['`` or the environment name (``'align*'``).
    """

    path: str
    line: int
    col: int
    text: str
    env: str
    xfail: str | None
    has_chain: bool


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
    return blocks_from_text(text, str(path))


def blocks_from_text(text: str, path: str = "<string>") -> list[Block]:
    """The display-math blocks of ``text``; LaTeX rules when ``path`` ends in ``.tex``.

    >>> [b.text for b in blocks_from_text("see $$a$$ and \\\\[b = c\\\\]", "x.md")]
    ['a', 'b = c']
    """
    return _Scanner(text, path, path.lower().endswith(".tex")).scan()


def has_relation(math: str) -> bool:
    """Whether ``math`` holds ``=``, ``\\simeq`` or ``\\approx`` outside all brackets.

    >>> has_relation(r"\\sum_{n=1}^N y_n"), has_relation(r"H &\\simeq \\sum b_n")
    (False, True)
    """
    depth, i, n = 0, 0, len(math)
    while i < n:
        ch = math[i]
        if ch == "\\":
            m = re.compile(r"\\([A-Za-z]+|.)").match(math, i)
            name = m.group(1) if m else ""
            if depth == 0 and name in ("simeq", "approx"):
                return True
            if name in ("{", "lbrace"):
                depth += 1
            elif name in ("}", "rbrace"):
                depth = max(0, depth - 1)
            i = m.end() if m else i + 1
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "=≃≈":
            return True
        i += 1
    return False


@dataclass(frozen=True)
class _Marker:
    reason: str
    line: int  # the line the marker ends on
    start_line: int
    col: int


class _Scanner:
    """A single pass over the text that tracks code, comments and math delimiters."""

    def __init__(self, text: str, path: str, tex: bool) -> None:
        self.text = text
        self.path = path
        self.tex = tex
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def _lc(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1

    def _err(self, message: str, offset: int) -> InputError:
        line, col = self._lc(offset)
        return InputError(message, SourceLocation(self.path, line, col))

    # ------------------------------------------------------------------ scanning
    def scan(self) -> list[Block]:
        t = self.text
        blocks: list[Block] = []
        markers: list[_Marker] = []
        i, n = 0, len(t)
        at_line_start = True
        while i < n:
            if at_line_start and not self.tex:
                fence = re.compile(r"[ ]{0,3}(`{3,}|~{3,})").match(t, i)
                if fence:
                    i = self._skip_fence(i, fence.group(1))
                    continue
            at_line_start = False
            ch = t[i]
            if ch == "\n":
                at_line_start = True
                i += 1
            elif not self.tex and t.startswith("<!--", i):
                end = t.find("-->", i + 4)
                if end < 0:
                    raise self._err("HTML comment '<!--' is never closed", i)
                self._directive(t[i + 4:end], i, end + 3, markers)
                i = end + 3
            elif not self.tex and ch == "`":
                i = self._skip_code_span(i)
            elif self.tex and ch == "%":
                end = t.find("\n", i)
                end = n if end < 0 else end
                self._directive(t[i + 1:end], i, end, markers)
                i = end
            elif ch == "\\":
                i = self._backslash(i, blocks, markers)
            elif t.startswith("$$", i):
                close = self._find_dollars(i + 2)
                if close < 0:
                    raise self._err("display math '$$' opened here is never closed "
                                    "(expected '$$')", i)
                blocks.append(self._block(i, i + 2, close, "$$", markers))
                i = close + 2
            elif ch == "$":
                i = self._skip_inline_dollar(i)
            else:
                i += 1
        if markers:
            m = markers[0]
            raise InputError("xfail marker is not followed by a display-math block",
                             SourceLocation(self.path, m.start_line, m.col))
        return blocks

    def _backslash(self, i: int, blocks: list[Block], markers: list[_Marker]) -> int:
        t = self.text
        if t.startswith("\\[", i):
            close = t.find("\\]", i + 2)
            if close < 0:
                raise self._err("display math '\\[' opened here is never closed "
                                "(expected '\\]')", i)
            blocks.append(self._block(i, i + 2, close, "\\[", markers))
            return close + 2
        if t.startswith("\\(", i):
            close = t.find("\\)", i + 2)
            return i + 2 if close < 0 else close + 2
        for env in _ENVS:
            opener = f"\\begin{{{env}}}"
            if t.startswith(opener, i):
                closer = f"\\end{{{env}}}"
                close = t.find(closer, i + len(opener))
                if close < 0:
                    raise self._err(f"'{opener}' is never closed (expected '{closer}')", i)
                blocks.append(self._block(i, i + len(opener), close, env, markers))
                return close + len(closer)
        return i + 2  # an escaped character such as \$ or a command

    def _skip_fence(self, i: int, fence: str) -> int:
        t = self.text
        nl = t.find("\n", i)
        if nl < 0:
            return len(t)
        pattern = re.compile(r"^[ ]{0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) +
                             r",}[ \t]*$", re.M)
        m = pattern.search(t, nl + 1)
        if not m:
            return len(t)  # an unclosed fence runs to the end (CommonMark)
        return m.end()

    def _skip_code_span(self, i: int) -> int:
        t = self.text
        run = re.compile(r"`+").match(t, i)
        assert run is not None
        ticks = run.group()
        close = t.find(ticks, run.end())
        para_end = t.find("\n\n", run.end())
        if close < 0 or (0 <= para_end < close):
            return run.end()
        return close + len(ticks)

    def _skip_inline_dollar(self, i: int) -> int:
        t = self.text
        j = i + 1
        while j < len(t):
            if t[j] == "\\":
                j += 2
                continue
            if t[j] == "$":
                return j + 1
            if t.startswith("\n\n", j) or t.startswith("\n\r\n", j):
                break
            j += 1
        return i + 1  # a lone dollar sign in prose

    def _find_dollars(self, j: int) -> int:
        t = self.text
        while j < len(t):
            if t[j] == "\\":
                j += 2
                continue
            if t.startswith("$$", j):
                return j
            j += 1
        return -1

    # ------------------------------------------------------------------ blocks
    def _block(self, start: int, content: int, close: int, env: str,
               markers: list[_Marker]) -> Block:
        line, _ = self._lc(start)
        _, col = self._lc(content)
        text = self.text[content:close]
        if self.tex:
            text = _blank_tex_comments(text)
        xfail = None
        if markers:
            marker = markers.pop()
            between = self.text[self.line_starts[marker.line]:self.line_starts[line - 1]] \
                if marker.line < line else ""
            if marker.line >= line or between.strip():
                raise InputError("xfail marker must stand just before a display-math block "
                                 "(only blank lines between)",
                                 SourceLocation(self.path, marker.start_line, marker.col))
            xfail = marker.reason
        return Block(self.path, line, col, text, env, xfail, has_relation(text))

    def _directive(self, body: str, start: int, end: int, markers: list[_Marker]) -> None:
        m = _DIRECTIVE.match(body)
        if not m:
            return
        word, reason = m.group(1).lower(), " ".join(m.group(2).split())
        if word != "xfail":
            raise self._err(f"unknown symhess directive '{m.group(1)}': expected "
                            "'symhess: xfail <reason>'", start)
        if not reason:
            raise self._err("xfail marker needs a reason: 'symhess: xfail <which step is wrong "
                            "and why>'", start)
        if markers:
            prev = markers[0]
            raise InputError("xfail marker is not followed by a display-math block",
                             SourceLocation(self.path, prev.start_line, prev.col))
        start_line, col = self._lc(start)
        end_line, _ = self._lc(max(start, end - 1))
        markers.append(_Marker(reason, end_line, start_line, col))


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
