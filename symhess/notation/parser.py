"""Reading a reader's LaTeX derivation chain into the tree of :mod:`symhess.notation.ast`.

Two stages: a hand-written lexer (LaTeX commands, spacing, ``\\left``/``\\right``, rows,
justifications, function calls) and an LALR grammar (``grammar.lark``, package data) whose
tree a transformer turns into typed nodes.  Nothing from the text is ever evaluated.

>>> chain = parse_chain(r"z_j z_{j'} \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} "
...                     r"&= z_j z_{j'} M_{kk'} \\quad (\\because (5.92))")
>>> [m.relation for m in chain.members], chain.members[1].justification
(['', '='], '(5.92)')
>>> parse_chain(r"\\frac{\\partial}{\\partial w} a b + c").members[0].expr.terms[0][1].operand
Mul(factors=(Symbol(name='a', sub=(), layer=None, primes=0, bold=False, blackboard=False), \
Symbol(name='b', sub=(), layer=None, primes=0, bold=False, blackboard=False)))

Reading rules (see also ``shared/NOTATION.md``):

* An operator (``\\frac{\\partial}{\\partial v}``, ``\\nabla``) and a ``\\sum`` take the whole
  rest of the product they begin, up to the next ``+``/``-`` at their level or the closing
  bracket.  ``\\mathcal{R}\\{X\\}`` / ``R\\{X\\}`` take their braces only.
* One display block is one chain: ``A &= B \\\\ &= C``.  Every row after the first must
  start with a relation (``=``, ``\\simeq``, ``\\approx``, ``≃``, ``≈``) or with ``+``/``-``
  (continuing an expression); otherwise the block is refused (align-style lists of separate
  equations are not chains).
* Justifications attach to the member they follow.  A justification starts at ``\\because``
  or ``∵``, at ``(\\because …`` / ``(∵ …``, at ``\\text{…}`` (also ``\\textrm``, ``\\mbox``)
  outside brackets, or after ``\\quad``/``\\qquad`` when what follows is one of those or an
  equation number ``(5.92)``.  It runs to the matching ``)`` when parenthesised, else to the
  end of the row (``\\\\``, ``&``, ``\\tag``, ``\\end``, the end of the block) or to the next
  relation outside brackets — put a reason that itself contains ``=`` in parentheses.
  The stored text drops ``\\because``/``∵``, the parentheses around ``(\\because …)`` and
  ``\\text{}`` wrappers: ``\\quad (\\because (5.92))`` gives ``"(5.92)"``.  Any other text after
  ``\\quad`` is read as mathematics (``\\quad`` is then only spacing), so prose there is a
  parse error naming the unexpected character or command.
* ``\\tag{…}`` is recorded on :attr:`Chain.tag`; ``\\label``, ``\\nonumber``, ``\\left``,
  ``\\right``, ``\\big…``, spacing, ``&``, ``\\displaystyle`` and the markers of ``aligned``,
  ``align``, ``equation``, ``split``, ``gather`` carry no meaning.
* ``h``, ``\\sigma`` and ``\\mathbb{E}`` followed by ``(``/``[`` are function calls;
  ``y``, ``p``, ``E``, ``f``, ``g``, ``q`` are calls when the bracket follows without a space
  (``y(\\mathbf{x}, \\mathbf{w})``) or holds ``|`` (``E (t|\\mathbf{x})``); any other
  bracket after a symbol is a product (``y_n (\\nabla y_n)^T``).
* The letter ``d`` is the differential of an integral (``d\\mathbf{x}``, ``\\mathrm{d}t``) or
  of a total derivative; it may be an index, never a stand-alone symbol.
* ``z_j'`` is refused as ambiguous (write ``z_{j'}`` or ``z'_j``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer
from lark.visitors import Transformer_NonRecursive

from ..errors import InputError, SourceLocation
from .ast import (
    children, Add, Apply, Call, Chain, Derivative, EqRef, Frac, Index, Integral, Member, Mul, Nabla,
    Node, Number, Paren, Pos, Pow, ROp, Sum, Symbol, Transpose,
)

__all__ = ["parse_chain"]

# ----------------------------------------------------------------------------- vocabulary

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
    "Sigma Upsilon Phi Psi Omega".split()
)
_UNICODE_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta",
    "θ": "theta", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
# Commands that become one token: name -> (type, value)
_SIMPLE: dict[str, tuple[str, str]] = {
    "frac": ("FRAC", "\\frac"), "tfrac": ("FRAC", "\\tfrac"), "dfrac": ("FRAC", "\\dfrac"),
    "partial": ("PARTIAL", "\\partial"), "nabla": ("NABLA", "\\nabla"),
    "sum": ("SUM", "\\sum"), "int": ("INT", "\\int"),
    "cdot": ("MULOP", "\\cdot"), "times": ("MULOP", "\\times"),
    "top": ("TOP", "T"), "intercal": ("TOP", "T"),
    "simeq": ("REL", "\\simeq"), "approx": ("REL", "\\approx"),
    "mid": ("BAR", "|"), "lbrace": ("LCURLY", "\\{"), "rbrace": ("RCURLY", "\\}"),
}
# Commands that mean nothing here (spacing, sizing, numbering).
_IGNORED = frozenset(
    "quad qquad enspace thinspace medspace thickspace negthinspace displaystyle textstyle limits "
    "nolimits nonumber notag".split()
) | {",", ";", ":", "!", " ", "\n", "\t"}
_SIZERS = frozenset(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr".split()
)
_ENVIRONMENTS = frozenset(
    "aligned align align* equation equation* split gathered gather gather* multline "
    "multline* alignat alignat* alignedat eqnarray eqnarray* displaymath".split()
)
_TEXT_COMMANDS = frozenset({"text", "textrm", "mbox", "textit", "textsf", "textnormal"})
_CALL_ALWAYS = frozenset({"h", "sigma"})
_CALL_ADJACENT = frozenset({"y", "p", "E", "f", "g", "q"})
_MAX_DEPTH = 60          # brackets
_MAX_TREE_DEPTH = 250    # nodes (operators nest without brackets)
_MAX_CHARS = 200_000

_OPENERS = {"LBRACE": "{", "LPAREN": "(", "LBRACK": "[", "LCURLY": "\\{"}
_CLOSER_OF = {"LBRACE": "RBRACE", "LPAREN": "RPAREN", "LBRACK": "RBRACK", "LCURLY": "RCURLY"}
_CLOSERS = {"RBRACE": "}", "RPAREN": ")", "RBRACK": "]", "RCURLY": "\\}"}

# Human names of terminals, for "expected …" messages (ordered by how helpful they are).
_TERMINAL_NAMES = {
    "RBRACE": "'}'", "RPAREN": "')'", "RBRACK": "']'", "RCURLY": "'\\}'",
    "REL": "a relation ('=', '\\simeq', '\\approx')", "LETTER": "a letter",
    "NUMBER": "a number", "D": "'d'", "LPAREN": "'('", "ADDOP": "'+' or '-'",
    "FRAC": "'\\frac'", "NABLA": "'\\nabla'", "SUM": "'\\sum'", "INT": "'\\int'",
    "PARTIAL": "'\\partial'", "LBRACE": "'{'", "MULOP": "'\\cdot'", "LBRACK": "'['",
    "LCURLY": "'\\{'", "BOLD": "'\\mathbf{…}'", "BB": "'\\mathbb{…}'", "SUB": "'_'",
    "SUP": "'^'", "PRIME": "a prime", "COMMA": "','", "BAR": "'|'", "TOP": "'T'",
    "ROP": "'\\mathcal{R}'", "JUST": "a justification", "CALLPAREN": "'('",
    "CALLBRACK": "'['", "$END": "the end of the block", "ROWSEP": "a new row",
}


@dataclass(frozen=True)
class _Tok:
    """A lexer token: type, value, and its character span in the block text."""

    type: str
    value: str
    start: int
    end: int


class _Source:
    """A block's text and the mapping from offsets to file line:col."""

    def __init__(self, text: str, path: str, line: int, col: int) -> None:
        self.text = text
        self.path = path
        self.line = line
        self.col = col
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(self, offset: int) -> Pos:
        # bisect by hand: line starts are sorted
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            return Pos(self.line, self.col + offset)
        return Pos(self.line + lo, offset - self._starts[lo] + 1)

    def error(self, message: str, offset: int) -> InputError:
        p = self.pos(offset)
        return InputError(message, SourceLocation(self.path, p.line, p.col))


# ----------------------------------------------------------------------------- lexer

_CMD = re.compile(r"\\([A-Za-z]+\*?|.)", re.S)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_EQNUM = re.compile(r"\(\s*\d+(?:\.\d+)+[a-z]?\s*\)")
_ROWSKIP = re.compile(r"\[\s*-?[\d.]+\s*(?:pt|em|ex|mm|cm|in)\s*\]")


class _Lexer:
    """Turns a block's text into tokens, removing what carries no meaning."""

    def __init__(self, src: _Source) -> None:
        self.src = src
        self.text = src.text
        self.toks: list[_Tok] = []
        self.stack: list[tuple[str, int]] = []  # open brackets: (type, offset)
        self.tag: str | None = None

    # -- helpers
    def _err(self, message: str, offset: int) -> InputError:
        return self.src.error(message, offset)

    def _skip_ws(self, p: int) -> int:
        while p < len(self.text) and self.text[p] in " \t\r\n":
            p += 1
        return p

    def _group(self, p: int, what: str) -> tuple[str, int]:
        """The content of a ``{…}`` group starting at or after ``p`` and the offset past it."""
        q = self._skip_ws(p)
        if q >= len(self.text) or self.text[q] != "{":
            raise self._err(f"expected '{{' after {what}", q)
        depth, r = 0, q
        while r < len(self.text):
            ch = self.text[r]
            if ch == "\\":
                r += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return self.text[q + 1:r], r + 1
            r += 1
        o = self.src.pos(q)
        raise self._err(f"expected '}}' to close '{{' opened at {o.line}:{o.col}", len(self.text))

    def _font_arg(self, p: int, command: str) -> tuple[str, int]:
        """The single letter (or Greek command) that ``\\mathbf`` etc. apply to."""
        q = self._skip_ws(p)
        if q < len(self.text) and self.text[q] != "{":
            m = _CMD.match(self.text, q)
            if m and m.group(1) in GREEK:
                return m.group(1), m.end()
            if self.text[q].isalpha() and self.text[q].isascii():
                return self.text[q], q + 1
            raise self._err(f"expected a letter after \\{command}", q)
        content, end = self._group(q, f"\\{command}")
        name = content.strip()
        if name.startswith("\\") and name[1:] in GREEK:
            return name[1:], end
        if len(name) == 1 and name.isascii() and name.isalpha():
            return name, end
        raise self._err(f"\\{command}{{{content}}} is not one letter: write one symbol per "
                        f"\\{command}", p)

    def _emit(self, type_: str, value: str, start: int, end: int) -> None:
        self.toks.append(_Tok(type_, value, start, end))

    def _open(self, type_: str, value: str, start: int, end: int) -> None:
        if len(self.stack) >= _MAX_DEPTH:
            raise self._err(f"brackets nested more than {_MAX_DEPTH} deep", start)
        self.stack.append((type_, start))
        self._emit(type_, value, start, end)

    def _close(self, type_: str, value: str, start: int, end: int) -> None:
        if not self.stack:
            raise self._err(f"unmatched '{value}': no bracket is open", start)
        open_type, open_at = self.stack[-1]
        if _CLOSER_OF[open_type] != type_:
            o = self.src.pos(open_at)
            want = _CLOSERS[_CLOSER_OF[open_type]]
            raise self._err(
                f"expected '{want}' to close '{_OPENERS[open_type]}' opened at {o.line}:{o.col}, "
                f"found '{value}'", start)
        self.stack.pop()
        self._emit(type_, value, start, end)

    # -- justifications
    def _starts_reason(self, p: int) -> bool:
        """Does a justification begin at ``p`` (after any ``\\quad``)?"""
        t = self.text
        if t.startswith("∵", p):
            return True
        m = _CMD.match(t, p)
        if m and (m.group(1) == "because" or m.group(1) in _TEXT_COMMANDS):
            return True
        if p < len(t) and t[p] == "(":
            q = self._skip_ws(p + 1)
            if t.startswith("∵", q):
                return True
            m = _CMD.match(t, q)
            if m and (m.group(1) == "because" or m.group(1) in _TEXT_COMMANDS):
                return True
        return False

    def _after_spacing(self, p: int) -> int:
        """Skip whitespace and spacing commands."""
        while True:
            p = self._skip_ws(p)
            m = _CMD.match(self.text, p)
            if m and m.group(1) in ("quad", "qquad", ",", ";", ":", "!", " ", "enspace"):
                p = m.end()
                continue
            if p < len(self.text) and self.text[p] == "~":
                p += 1
                continue
            return p

    def _justification(self, start: int) -> int:
        """Lex a justification beginning at ``start``; returns the offset past it."""
        t = self.text
        depth, p = 0, start
        parenthesised = t[start] == "("
        opened: list[int] = []
        while p < len(t):
            ch = t[p]
            if depth == 0 and p > start:
                if ch in "&=≃≈" or t.startswith("\\\\", p):
                    break
                m = _CMD.match(t, p)
                if m and m.group(1) in ("tag", "tag*", "label", "end", "simeq", "approx",
                                        "quad", "qquad"):
                    break
                if parenthesised:
                    break
            if ch == "\\":
                m = _CMD.match(t, p)
                name = m.group(1) if m else ""
                if name in ("{", "lbrace"):
                    depth += 1
                    opened.append(p)
                elif name in ("}", "rbrace"):
                    depth -= 1
                    if opened:
                        opened.pop()
                p = m.end() if m else p + 1
                if depth < 0:
                    break
                continue
            if ch in "({[":
                depth += 1
                opened.append(p)
            elif ch in ")}]":
                depth -= 1
                if depth < 0:
                    break
                opened.pop()
            p += 1
        if depth > 0:
            o = self.src.pos(opened[-1])
            raise self._err(f"expected a closing bracket for the justification's "
                            f"'{t[opened[-1]]}' opened at {o.line}:{o.col}", len(t))
        end = p
        raw = t[start:end]
        reason = _clean_reason(raw)
        if not reason:
            raise self._err("empty justification: write the reason after \\because", start)
        self._emit("JUST", reason, start, end)
        return end

    # -- rows
    def _row_break(self, p: int) -> int:
        """Handle ``\\\\`` at ``p``; emit ROWSEP unless the next row continues the chain."""
        end = p + 2
        m = _ROWSKIP.match(self.text, end)
        if m:
            end = m.end()
        q = end
        while True:
            q = self._after_spacing(q)
            if q < len(self.text) and self.text[q] == "&":
                q += 1
                continue
            if q < len(self.text) and self.text[q] == "%":
                nl = self.text.find("\n", q)
                q = len(self.text) if nl < 0 else nl
                continue
            break
        t = self.text
        continues = (
            q >= len(t)
            or self._starts_reason(q)
            or t[q] in "=+-−≃≈*"
            or t.startswith("\\\\", q)
            or bool(re.match(r"\\(simeq|approx|cdot|times|end\b|tag|label|nonumber|notag)", t[q:q + 9]))
        )
        if not continues:
            self._emit("ROWSEP", "\\\\", p, end)
        return end

    # -- main loop
    def run(self) -> list[_Tok]:
        t = self.text
        if len(t) > _MAX_CHARS:
            raise self._err(f"math block longer than {_MAX_CHARS} characters", 0)
        p = 0
        while p < len(t):
            ch = t[p]
            if ch in " \t\r\n~&":
                p += 1
            elif ch == "%":
                nl = t.find("\n", p)
                p = len(t) if nl < 0 else nl
            elif ch == "\\":
                p = self._command(p)
            elif ch.isascii() and ch.isalpha():
                self._emit("D" if ch == "d" else "LETTER", ch, p, p + 1)
                p += 1
            elif ch.isdigit() and ch.isascii():
                if self.toks and self.toks[-1].type in ("SUB", "SUP"):
                    self._emit("NUMBER", ch, p, p + 1)
                    p += 1
                else:
                    m = _NUMBER.match(t, p)
                    assert m is not None  # a digit always matches
                    self._emit("NUMBER", m.group(), p, m.end())
                    p = m.end()
            elif ch == "^":
                p = self._superscript(p)
            else:
                p = self._char(p, ch)
        if self.stack:
            open_type, open_at = self.stack[-1]
            o = self.src.pos(open_at)
            raise self._err(
                f"expected '{_CLOSERS[_CLOSER_OF[open_type]]}' to close '{_OPENERS[open_type]}' "
                f"opened at {o.line}:{o.col}, found the end of the block", len(t))
        return self.toks

    def _superscript(self, p: int) -> int:
        """``^`` — folding ``^\\prime`` and ``^{\\prime\\prime}`` into primes."""
        t = self.text
        q = self._skip_ws(p + 1)
        if t.startswith("\\prime", q) and not t[q + 6:q + 7].isalpha():
            self._emit("PRIME", "'", p, q + 6)
            return q + 6
        m = re.compile(r"\{\s*((?:\\prime\s*)+)\}").match(t, q)
        if m:
            for _ in range(m.group(1).count("\\prime")):
                self._emit("PRIME", "'", p, m.end())
            return m.end()
        self._emit("SUP", "^", p, p + 1)
        return p + 1

    def _char(self, p: int, ch: str) -> int:
        simple = {
            "_": ("SUB", "_"), "'": ("PRIME", "'"), "′": ("PRIME", "'"), "+": ("ADDOP", "+"),
            "-": ("ADDOP", "-"), "−": ("ADDOP", "-"), "*": ("MULOP", "*"), "·": ("MULOP", "\\cdot"),
            "×": ("MULOP", "\\times"), "=": ("REL", "="), "≃": ("REL", "\\simeq"),
            "≈": ("REL", "\\approx"), ",": ("COMMA", ","), "|": ("BAR", "|"),
            "∇": ("NABLA", "\\nabla"), "∂": ("PARTIAL", "\\partial"), "∑": ("SUM", "\\sum"),
            "∫": ("INT", "\\int"),
        }
        if ch in simple:
            type_, value = simple[ch]
            self._emit(type_, value, p, p + 1)
            return p + 1
        if ch == "″":
            self._emit("PRIME", "'", p, p + 1)
            self._emit("PRIME", "'", p, p + 1)
            return p + 1
        if ch in _UNICODE_GREEK:
            self._emit("LETTER", _UNICODE_GREEK[ch], p, p + 1)
            return p + 1
        if ch == "∵":
            return self._reason_here(p)
        if ch == "(" and not self.stack and self._starts_reason(p):
            return self._justification(p)
        brackets = {"{": ("LBRACE", True), "(": ("LPAREN", True), "[": ("LBRACK", True),
                    "}": ("RBRACE", False), ")": ("RPAREN", False), "]": ("RBRACK", False)}
        if ch in brackets:
            type_, opens = brackets[ch]
            (self._open if opens else self._close)(type_, ch, p, p + 1)
            return p + 1
        if ch == "$":
            raise self._err("unexpected '$' inside display math", p)
        raise self._err(f"unexpected character {ch!r}", p)

    def _reason_here(self, p: int) -> int:
        if self.stack:
            raise self._err("a justification (\\because, ∵, \\text) cannot stand inside brackets; "
                            "put it after the member it justifies", p)
        return self._justification(p)

    def _command(self, p: int) -> int:
        t = self.text
        m = _CMD.match(t, p)
        if m is None:  # a lone backslash at the end
            raise self._err("a lone '\\' at the end of the block", p)
        name, end = m.group(1), m.end()
        if name == "\\":
            if self.stack:
                raise self._err("line break '\\\\' inside brackets", p)
            return self._row_break(p)
        if name in ("{", "lbrace"):
            self._open("LCURLY", "\\{", p, end)
            return end
        if name in ("}", "rbrace"):
            self._close("RCURLY", "\\}", p, end)
            return end
        if name in _SIZERS:  # \left. and \right. are invisible: drop the dot too
            q = self._skip_ws(end)
            return q + 1 if q < len(t) and t[q] == "." else end
        if name in ("quad", "qquad"):
            q = self._after_spacing(end)
            if not self.stack and (self._starts_reason(q) or _EQNUM.match(t, q)):
                return self._justification(q)
            return end
        if name in _IGNORED:
            return end
        if name == "because":
            return self._reason_here(p)
        if name in _TEXT_COMMANDS:
            return self._reason_here(p)
        if name in GREEK:
            self._emit("LETTER", name, p, end)
            return end
        if name in _SIMPLE:
            type_, value = _SIMPLE[name]
            self._emit(type_, value, p, end)
            return end
        if name in ("iint", "iiint"):
            for _ in range(2 if name == "iint" else 3):
                self._emit("INT", "\\int", p, end)
            return end
        if name in ("mathbf", "boldsymbol", "bm", "mathbfit", "vec"):
            letter, q = self._font_arg(end, name)
            self._emit("BOLD", letter, p, q)
            return q
        if name == "mathbb":
            letter, q = self._font_arg(end, name)
            self._emit("BB", letter, p, q)
            return q
        if name == "mathcal":
            letter, q = self._font_arg(end, name)
            if letter != "R":
                raise self._err(f"unknown command \\mathcal{{{letter}}}: only \\mathcal{{R}} "
                                "(the R-operator) is understood", p)
            self._emit("ROP", "R", p, q)
            return q
        if name in ("mathrm", "mathsf", "operatorname"):
            content, q = self._group(end, f"\\{name}")
            if content.strip() == "d":
                self._emit("D", "d", p, q)
                return q
            if content.strip() == "T":
                self._emit("TOP", "T", p, q)
                return q
            raise self._err(f"unknown command \\{name}{{{content}}}: only \\mathrm{{d}} and "
                            "\\mathrm{T} are understood", p)
        if name in ("label", "hspace", "vspace", "hspace*"):
            _, q = self._group(end, f"\\{name}")
            return q
        if name in ("tag", "tag*"):
            content, q = self._group(end, f"\\{name}")
            self.tag = content.strip()
            return q
        if name in ("begin", "end"):
            content, q = self._group(end, f"\\{name}")
            env = content.strip()
            if env not in _ENVIRONMENTS:
                raise self._err(f"environment '{env}' is not supported in a derivation "
                                f"(known: aligned, align, equation, split, gather)", p)
            if name == "begin" and env.startswith("alignat"):
                _, q = self._group(q, f"\\begin{{{env}}}")
            return q
        if name == "prime":
            self._emit("PRIME", "'", p, end)
            return end
        if name in ("ldots", "cdots", "dots", "vdots"):
            raise self._err(f"\\{name}: symhess cannot read an elided expression; write the sum "
                            "with \\sum", p)
        shown = "\\" + name
        raise self._err(f"unknown command {shown}", p)


def _clean_reason(raw: str) -> str:
    """``(\\because (5.92))`` -> ``(5.92)``; ``\\text{chain rule}`` -> ``chain rule``."""
    s = raw.strip()
    s = re.sub(r"^(\\q?quad\s*)+", "", s).strip()
    if s.startswith("(") and s.endswith(")"):
        inner = s[1:-1].strip()
        if inner.startswith("\\because") or inner.startswith("∵"):
            s = inner
    s = re.sub(r"^(\\because(?![A-Za-z])|∵)\s*", "", s)
    s = re.sub(r"\\(?:text|textrm|mbox|textit|textsf|textnormal)\s*\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\[,;: !]|\\q?quad(?![A-Za-z])|~", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _mark_calls(toks: list[_Tok]) -> None:
    """Retype the bracket after a function symbol as CALLPAREN/CALLBRACK; ``R\\{`` as ROP."""
    n = len(toks)
    for i, tok in enumerate(toks):
        if tok.type == "LETTER" and tok.value == "R" and i + 1 < n and toks[i + 1].type == "LCURLY":
            toks[i] = _Tok("ROP", "R", tok.start, tok.end)
            continue
        if tok.type not in ("LETTER", "BB"):
            continue
        name = tok.value
        always = tok.type == "BB" or name in _CALL_ALWAYS
        if not always and name not in _CALL_ADJACENT:
            continue
        j = _skip_scripts(toks, i + 1)
        if j >= n or toks[j].type not in ("LPAREN", "LBRACK"):
            continue
        if toks[j].type == "LBRACK" and name != "E":
            continue
        adjacent = toks[j].start == toks[j - 1].end
        if always or adjacent or _has_top_bar(toks, j):
            toks[j] = _Tok("CALLPAREN" if toks[j].type == "LPAREN" else "CALLBRACK",
                           toks[j].value, toks[j].start, toks[j].end)


def _merge_integrals(toks: list[_Tok]) -> list[_Tok]:
    """``\\int \\int`` (and ``\\iint``) become one INT token whose value repeats ``\\int``."""
    out: list[_Tok] = []
    for tok in toks:
        if tok.type == "INT" and out and out[-1].type == "INT":
            out[-1] = _Tok("INT", out[-1].value + tok.value, out[-1].start, tok.end)
        else:
            out.append(tok)
    return out


def _skip_scripts(toks: list[_Tok], j: int) -> int:
    n = len(toks)
    while j < n:
        if toks[j].type == "PRIME":
            j += 1
        elif toks[j].type in ("SUB", "SUP") and j + 1 < n:
            j += 1
            if toks[j].type == "LBRACE":
                depth = 0
                while j < n:
                    if toks[j].type == "LBRACE":
                        depth += 1
                    elif toks[j].type == "RBRACE":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
            j += 1
        else:
            break
    return j


def _has_top_bar(toks: list[_Tok], j: int) -> bool:
    depth = 0
    for tok in toks[j:]:
        if tok.type in _CLOSER_OF:
            depth += 1
        elif tok.type in _CLOSERS:
            depth -= 1
            if depth == 0:
                return False
        elif tok.type == "BAR" and depth == 1:
            return True
    return False


# ----------------------------------------------------------------------------- tree building


@dataclass(frozen=True)
class _Prod:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class _SumHead:
    index: Index | None
    lower: Node | None
    upper: Node | None
    pos: Pos


@dataclass(frozen=True)
class _Wrt:
    mark: Token
    variables: tuple[Node, ...]


@dataclass(frozen=True)
class _Script:
    kind: str  # 'sub' | 'sup' | 'prime'
    pos: Pos
    sub: tuple[Index | Number, ...] = ()
    single: bool = False
    sup: Any = None  # a Node, or the string 'T'


def _tp(tok: Token) -> Pos:
    return Pos(tok.line, tok.column)  # type: ignore[arg-type]


def _node(x: Node | _Prod) -> Node:
    if isinstance(x, _Prod):
        return x.items[0] if len(x.items) == 1 else Mul(x.items, x.items[0].pos)
    return x


def _pos_of(x: Any) -> Pos:
    if isinstance(x, Token):
        return _tp(x)
    if isinstance(x, _Prod):
        return x.items[0].pos
    return x.pos  # type: ignore[no-any-return]


class _Build(Transformer_NonRecursive):  # type: ignore[type-arg]
    """lark tree -> ast nodes (positions taken from the tokens)."""

    def __init__(self, src: _Source) -> None:
        super().__init__()
        self.src = src

    def _err(self, message: str, pos: Pos) -> InputError:
        return InputError(message, SourceLocation(self.src.path, pos.line, pos.col))

    # -- chain
    def start(self, c: list[Any]) -> list[Member]:
        members: list[Member] = []
        first_expr, first_just = c[0]
        members.append(Member("", first_expr, first_just, first_expr.pos, False))
        for rel, (expr, just) in zip(c[1::2], c[2::2]):
            members.append(Member(str(rel), expr, just, _tp(rel), str(rel) != "="))
        return members

    def member(self, c: list[Any]) -> tuple[Node, str | None]:
        expr = c[0]
        reasons = [str(t) for t in c[1:]]
        if isinstance(expr, Paren) and expr.kind == "(" and isinstance(expr.expr, Number) \
                and re.fullmatch(r"\d+(?:\.\d+)+[a-z]?", expr.expr.text):
            expr = EqRef(expr.expr.text, expr.pos)
        return expr, ("; ".join(reasons) if reasons else None)

    # -- expressions
    def sum_expr(self, c: list[Any]) -> Node:
        terms: list[tuple[int, Node]] = []
        sign, leading, first_pos = 1, False, _pos_of(c[0])
        for item in c:
            if isinstance(item, Token) and item.type == "ADDOP":
                sign = -1 if str(item) == "-" else 1
                leading = leading or not terms
            else:
                terms.append((sign, _node(item)))
                sign = 1
        if len(terms) == 1 and not leading:
            return terms[0][1]
        return Add(tuple(terms), first_pos)

    def product(self, c: list[Any]) -> _Prod:
        c = [x for x in c if not (isinstance(x, Token) and x.type == "MULOP")]
        if len(c) == 1:
            return _Prod((c[0],))
        head, rest = c[0], c[1]
        if isinstance(head, _SumHead):
            return _Prod((Sum(head.index, head.lower, head.upper, _node(rest), head.pos),))
        if isinstance(head, Nabla) or (isinstance(head, Derivative) and head.of is None):
            return _Prod((Apply(head, _node(rest), head.pos),))
        return _Prod((head,) + rest.items)

    def nabla(self, c: list[Any]) -> Nabla:
        return Nabla(_tp(c[0]))

    def deriv_op(self, c: list[Any]) -> Derivative:
        frac, mark, order, wrts = self._deriv_parts(c)
        return self._derivative(frac, mark, order, wrts, None)

    def deriv(self, c: list[Any]) -> Derivative:
        frac, mark, order, wrts = self._deriv_parts(c)
        of = next(x for x in c if not isinstance(x, (Token, int, _Wrt)))
        return self._derivative(frac, mark, order, wrts, of)

    @staticmethod
    def _deriv_parts(c: list[Any]) -> tuple[Token, Token, int | None, list[Any]]:
        frac = c[0]
        mark = c[2]
        order = next((x for x in c if isinstance(x, int) and not isinstance(x, bool)), None)
        wrts = [x for x in c if isinstance(x, _Wrt)]
        return frac, mark, order, wrts

    def _derivative(self, frac: Token, mark: Token, order: int | None, wrts: list[Any],
                    of: Node | None) -> Derivative:
        pos = _tp(frac)
        variables: list[Node] = []
        for w in wrts:
            if w.mark.type != mark.type:
                raise self._err("a derivative mixes '\\partial' and 'd'", _tp(w.mark))
            variables.extend(w.variables)
        want = 1 if order is None else order
        if want < 1:
            raise self._err(f"derivative of order {want}", pos)
        if len(variables) != want:
            raise self._err(
                f"the numerator says order {want} but the denominator has {len(variables)} "
                f"variable{'s' if len(variables) != 1 else ''}", pos)
        return Derivative(want, tuple(variables), of, pos, mark.type == "D")

    def dmark(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def dorder(self, c: list[Any]) -> int:
        tok = next(x for x in c if isinstance(x, Token) and x.type == "NUMBER")
        if not str(tok).isdigit():
            raise self._err(f"derivative order must be a whole number, not {tok}", _tp(tok))
        return int(str(tok))

    def wrt(self, c: list[Any]) -> _Wrt:
        mark, var = c
        if isinstance(var, Pow) and isinstance(var.exp, Number) and var.exp.text.isdigit() \
                and isinstance(var.base, Symbol) and 1 <= int(var.exp.text) <= 9:
            return _Wrt(mark, (var.base,) * int(var.exp.text))
        if not isinstance(var, Symbol):
            raise self._err(f"expected a variable after '{mark}'", _pos_of(var))
        return _Wrt(mark, (var,))

    def sum_head(self, c: list[Any]) -> _SumHead:
        index, lower, upper = c[1]
        return _SumHead(index, lower, upper, _tp(c[0]))

    def sum_scripts(self, c: list[Any]) -> tuple[Any, Any, Any]:
        index = lower = upper = None
        i = 0
        while i < len(c):
            tok = c[i]
            if tok.type == "SUB":
                index, lower = c[i + 1]
            else:
                if c[i + 1] == "T":
                    raise self._err("'^T' on \\sum is not understood", _tp(tok))
                upper = c[i + 1]
            i += 2
        return index, lower, upper

    sum_scripts_swapped = sum_scripts

    def sum_lower(self, c: list[Any]) -> tuple[Index, Node | None]:
        index = next(x for x in c if isinstance(x, Index))
        rel = next((x for x in c if isinstance(x, Token) and x.type == "REL"), None)
        if rel is not None and str(rel) != "=":
            raise self._err(f"expected '=' in the lower limit of a sum, found '{rel}'", _tp(rel))
        lower = _node(c[-2]) if rel is not None else None
        return index, lower

    def index_tok(self, c: list[Any]) -> Index:
        letter = c[0]
        return Index(str(letter), len(c) - 1, _tp(letter))

    # -- factors
    def factor(self, c: list[Any]) -> Node:
        head = c[0]
        scripts = c[1:]
        if isinstance(head, Token):
            if head.type == "NUMBER":
                head = Number(str(head), _tp(head))
            elif head.type == "LBRACE":  # bare {…}: grouping for scripts only
                head, scripts = _node(c[1]), c[3:]
        return self._apply_scripts(head, scripts)

    def symbol(self, c: list[Any]) -> Node:
        tok = c[0]
        name = str(tok)
        sym = Symbol(name, (), None, 0, tok.type == "BOLD", _tp(tok), tok.type == "BB")
        return self._apply_scripts(sym, c[1:])

    def base(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def _apply_scripts(self, node: Node, scripts: list[_Script]) -> Node:
        prev: _Script | None = None
        for s in scripts:
            if s.kind == "sub":
                if not isinstance(node, Symbol):
                    raise self._err("a subscript here is not understood: subscripts belong "
                                    "to symbols (w_{kj}, a_k)", s.pos)
                if node.sub:
                    raise self._err(f"second subscript on {node.name}", s.pos)
                node = Symbol(node.name, s.sub, node.layer, node.primes, node.bold, node.pos,
                              node.blackboard)
            elif s.kind == "prime":
                if not isinstance(node, Symbol):
                    raise self._err("a prime here is not understood: primes belong to symbols "
                                    "(h') and indices (k')", s.pos)
                if prev is not None and prev.kind == "sub" and prev.single:
                    raise self._err(
                        f"ambiguous prime after _{''.join(map(str, prev.sub))}: write "
                        f"{node.name}_{{{''.join(map(str, prev.sub))}'}} for a primed index or "
                        f"{node.name}'_{''.join(map(str, prev.sub))} for a primed symbol", s.pos)
                node = Symbol(node.name, node.sub, node.layer, node.primes + 1, node.bold,
                              node.pos, node.blackboard)
            else:
                arg = s.sup
                if arg == "T" or (isinstance(arg, Symbol) and arg.name == "T" and not arg.sub
                                  and not arg.bold and not arg.primes and arg.layer is None):
                    node = Transpose(node, node.pos)
                elif isinstance(node, Symbol) and node.layer is None \
                        and isinstance(arg, Paren) and arg.kind == "(" \
                        and isinstance(arg.expr, Number) and arg.expr.text.isdigit():
                    node = Symbol(node.name, node.sub, int(arg.expr.text), node.primes,
                                  node.bold, node.pos, node.blackboard)
                else:
                    node = Pow(node, arg, node.pos)
            prev = s
        return node

    def sub_script(self, c: list[Any]) -> _Script:
        items, single = c[1]
        return _Script("sub", _tp(c[0]), sub=items, single=single)

    def sup_script(self, c: list[Any]) -> _Script:
        return _Script("sup", _tp(c[0]), sup=c[1])

    def prime_script(self, c: list[Any]) -> _Script:
        return _Script("prime", _tp(c[0]))

    def sub_arg(self, c: list[Any]) -> tuple[tuple[Index | Number, ...], bool]:
        single = not (isinstance(c[0], Token) and c[0].type == "LBRACE")
        items: list[Index | Number] = []
        for x in c:
            if isinstance(x, Index):
                items.append(x)
            elif isinstance(x, list):
                items.extend(x)
            elif isinstance(x, Token) and x.type == "NUMBER":
                items.extend(self._digits(x))
            elif isinstance(x, Token) and x.type in ("LETTER", "D"):
                items.append(Index(str(x), 0, _tp(x)))
        if not items:
            raise self._err("empty subscript", _tp(c[0]))
        return tuple(items), single

    def sub_item(self, c: list[Any]) -> list[Index | Number]:
        x = c[0]
        if isinstance(x, Index):
            return [x]
        if x.type == "NUMBER":
            return self._digits(x)
        return []  # a comma separates indices

    def _digits(self, tok: Token) -> list[Index | Number]:
        text = str(tok)
        if not text.isdigit():
            raise self._err(f"a subscript holds index letters and digits, not {text}", _tp(tok))
        p = _tp(tok)
        return [Number(d, Pos(p.line, p.col + i)) for i, d in enumerate(text)]

    def sup_letter(self, c: list[Any]) -> Any:
        tok = c[0]
        if str(tok) == "T":
            return "T"
        return Symbol(str(tok), (), None, 0, False, _tp(tok))

    def sup_number(self, c: list[Any]) -> Number:
        return Number(str(c[0]), _tp(c[0]))

    def sup_top(self, c: list[Any]) -> str:
        return "T"

    def sup_bold(self, c: list[Any]) -> Symbol:
        return Symbol(str(c[0]), (), None, 0, True, _tp(c[0]))

    def sup_group(self, c: list[Any]) -> Node:
        return _node(c[1])

    def call(self, c: list[Any]) -> Call:
        func = c[0]
        if not isinstance(func, Symbol):
            raise self._err("only a plain symbol can be applied to arguments", _pos_of(func))
        bar = next((i for i, x in enumerate(c) if isinstance(x, Token) and x.type == "BAR"), None)
        arglists = [x for x in c if isinstance(x, list)]
        args = tuple(arglists[0])
        given = tuple(arglists[1]) if bar is not None else ()
        bracket = "[" if c[1].type == "CALLBRACK" else "("
        return Call(func, args, given, bracket, func.pos)

    def args(self, c: list[Any]) -> list[Node]:
        return [_node(x) for x in c if not isinstance(x, Token)]

    def group(self, c: list[Any]) -> Paren:
        kind = {"LPAREN": "(", "LBRACK": "[", "LCURLY": "{"}[c[0].type]
        return Paren(_node(c[1]), kind, _tp(c[0]))

    def frac(self, c: list[Any]) -> Frac:
        nodes = [x for x in c if not isinstance(x, Token)]
        return Frac(_node(nodes[0]), _node(nodes[1]), _tp(c[0]))

    def rop(self, c: list[Any]) -> Apply:
        group = c[1]
        return Apply(ROp(_tp(c[0])), group.expr, _tp(c[0]))

    def integral(self, c: list[Any]) -> Integral:
        sign = c[0]
        measures = tuple(x[0] for x in c[2:])
        return Integral(_node(c[1]), measures, _tp(sign), str(sign).count("\\int"))

    def measure(self, c: list[Any]) -> tuple[Node]:
        return (c[1],)


# ----------------------------------------------------------------------------- lark glue


class _TokenFeed(Lexer):
    """Hands lark the token list our lexer already made."""

    __future_interface__ = 2

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, lexer_state: Any, parser_state: Any) -> Any:
        return iter(lexer_state.text)


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files("symhess.notation").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer=_TokenFeed, start="start")


def _describe(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the block"
    return f"'{tok}'"


def _expected(names: set[str]) -> str:
    order = list(_TERMINAL_NAMES)
    shown = sorted({n for n in names if n in _TERMINAL_NAMES},
                   key=lambda n: order.index(n))
    words: list[str] = []
    for n in shown:
        w = _TERMINAL_NAMES[n]
        if w not in words:
            words.append(w)
    if len(words) > 6:
        words = words[:6] + ["…"]
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(exc: UnexpectedToken, src: _Source) -> InputError:
    tok = exc.token
    loc = (SourceLocation(src.path, tok.line, tok.column) if tok.type != "$END"
           else SourceLocation(src.path, *_end_pos(src)))
    found = _describe(tok)
    if tok.type == "ROWSEP":
        msg = ("this row does not continue the chain: every row after the first must start with "
               "'=', '\\simeq' or '\\approx' (or '+'/'-' continuing an expression); symhess reads "
               "one display block as one chain")
    elif tok.type == "D":
        msg = ("'d' is read as a differential (d\\mathbf{x}, \\mathrm{d}t) and cannot stand here; "
               "only integrals and \\frac{d}{dx} use it")
    elif tok.type == "PARTIAL":
        msg = "'\\partial' is understood only in \\frac{\\partial …}{\\partial …}"
    elif tok.type == "JUST":
        msg = (f"justification {tok!s:.40} is not where one is understood: put it at the end of "
               "the member it justifies")
    elif tok.type == "TOP":
        msg = "'\\top' / '\\mathrm{T}' is understood only as a transpose superscript '^T'"
    else:
        msg = f"expected {_expected(set(exc.expected))}, found {found}"
    return InputError(msg, loc)


def _end_pos(src: _Source) -> tuple[int, int]:
    p = src.pos(len(src.text))
    return p.line, p.col


def parse_chain(text: str, *, path: str = "<string>", line: int = 1, col: int = 1) -> Chain:
    """Parse one display block into a :class:`Chain`.

    ``line``/``col`` say where ``text`` starts in the file ``path`` (1-based), so every node's
    ``pos`` and every error's location point into the original file.

    >>> c = parse_chain(r"H \\simeq \\sum \\mathbf{b}_n \\mathbf{b}_n^T \\tag{4}", line=46, col=3)
    >>> c.tag, c.members[1].relation, c.members[1].approximate, str(c.members[1].pos)
    ('4', '\\\\simeq', True, '46:5')
    >>> parse_chain(r"a = \\frac{1}{2", path="x.md", line=3, col=3)
    Traceback (most recent call last):
    ...
    symhess.errors.InputError: x.md:3:17: expected '}' to close '{' opened at 3:15, found the end of the block
    """
    src = _Source(text, path, line, col)
    lexer = _Lexer(src)
    toks = lexer.run()
    if not toks:
        raise InputError("empty math block: expected an expression",
                         SourceLocation(path, line, col))
    _mark_calls(toks)
    toks = _merge_integrals(toks)
    lark_toks = []
    for t in toks:
        p = src.pos(t.start)
        lark_toks.append(Token(t.type, t.value, t.start, p.line, p.col))
    try:
        tree = _lark().parse(lark_toks)
    except UnexpectedToken as exc:
        raise _syntax_error(exc, src) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        raise InputError(f"cannot read this block: {exc}", SourceLocation(path, line, col)) from None
    try:
        members = _Build(src).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, InputError):
            raise exc.orig_exc from None
        raise
    except InputError:
        raise
    _check_depth(members, src)
    first = members[0]
    return Chain(tuple(members), first.pos, lexer.tag)


def _check_depth(members: list[Member], src: _Source) -> None:
    """Refuse trees deeper than ``_MAX_TREE_DEPTH`` so recursive consumers stay safe."""
    for member in members:
        stack: list[tuple[Node, int]] = [(member.expr, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > _MAX_TREE_DEPTH:
                raise InputError(f"expression nested more than {_MAX_TREE_DEPTH} levels deep",
                                 SourceLocation(src.path, node.pos.line, node.pos.col))
            stack.extend((child, depth + 1) for child in children(node))
