"""Reading a reader's LaTeX display into the tree of :mod:`symhess.notation.ast`.

Two stages: a hand-written lexer (LaTeX commands, spacing, ``\\left``/``\\right``, rows,
justifications, function calls) and an LALR grammar (``grammar.lark``, package data) whose
tree a transformer turns into typed nodes.  Nothing from the text is ever evaluated.

>>> chain = parse_chain(r"z_j z_{j'} \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} "
...                     r"&= z_j z_{j'} M_{kk'} \\quad (\\because (5.92))")
>>> [m.relation for m in chain.members], chain.members[1].justification
(['', '='], '(5.92)')
>>> [str(f) for f in parse_chain(r"\\frac{\\partial}{\\partial w} a b + c").members[0].expr.terms[0][1].operand.factors]
['a', 'b']
>>> [len(c.members) for c in parse_display(r"a = b, \\quad c = e.").statements]
[2, 2]

Reading rules (see also ``shared/NOTATION.md``):

* An operator (``\\frac{\\partial}{\\partial v}``, ``\\nabla``) and a ``\\sum`` take the whole
  rest of the product they begin, up to the next ``+``/``-`` at their level or the closing
  bracket.  ``\\mathcal{R}\\{X\\}`` / ``R\\{X\\}`` take their braces only.
* A display holds one or more statements (:func:`parse_display`).  Equations side by side,
  separated at the top level by ``,`` ``;`` ``\\quad`` ``\\qquad``, and rows (``\\\\``) that
  state a relation of their own are separate statements; trailing ``.`` ``,`` are
  punctuation.  A row or piece that starts with a relation continues the chain above; a row
  that starts with ``+``/``-``/``\\cdot`` continues the expression; ``\\quad`` next to a lone
  expression is spacing.  A display whose text starts with a relation continues the previous
  display (:attr:`Chain.continues`).  A ``\\\\`` inside brackets (``\\left\\{ … \\right. \\\\
  \\left. … \\right\\}``) continues one expression.
* Relations are stored normalised (:attr:`Member.relation`): ``\\coloneqq``, ``\\triangleq``,
  ``\\stackrel{\\text{def}}{=}`` are ``:=``; ``\\rightarrow``, ``\\mapsto`` … are ``\\to``;
  ``\\implies`` is ``\\Rightarrow``; ``\\ne`` is ``\\neq``; ``\\leq`` is ``\\le``; and so on.
* Justifications attach to the member they follow.  A justification starts at ``\\because``
  or ``∵``, at ``(\\because …`` / ``(∵ …``, at ``\\text{…}`` / ``\\intertext{…}`` outside
  brackets, or after ``\\quad``/``\\qquad`` when what follows is one of those, an equation
  number ``(5.92)`` or a parenthesised relation ``(j \\neq j')``.  It runs to the matching ``)``
  when parenthesised, else to the end of the row (``\\\\``, ``&``, ``\\tag``, ``\\end``, the
  end of the block) or to the next relation outside brackets — put a reason that itself
  contains ``=`` in parentheses.  The stored text drops ``\\because``/``∵``, the parentheses
  around ``(\\because …)`` and ``(j = j')`` and ``\\text{}`` wrappers.  When the reason is one
  relation between expressions it is also read as :attr:`Member.condition`.  ``\\overset{note}{=}``
  gives ``=`` with the note as the next member's justification.  Full-width ``（ ）：，`` read
  like ASCII.
* ``\\tag{…}`` is recorded on :attr:`Chain.tag`, ``\\label{…}`` on :attr:`Chain.labels`;
  ``\\nonumber``, ``\\notag``, ``\\left``, ``\\right``, ``\\big…``, spacing, ``&``,
  ``\\displaystyle`` and the environment markers carry no meaning.  ``\\underbrace{X}_{…}``
  and ``\\overbrace{X}^{…}`` read as ``X``.
* ``\\hat``, ``\\tilde`` (= ``\\widetilde``), ``\\bar`` (= ``\\overline``), ``^*`` (=
  ``^{\\star}``) make new symbols (:attr:`Symbol.accent`); a subscript may hold index
  arithmetic (``\\mathbf{H}_{L+1}``); ``/`` divides (left-associative); ``\\ln``, ``\\log``,
  ``\\exp``, ``\\operatorname{…}`` are functions of the bracket or single factor that
  follows; ``|…|`` is an absolute value outside a call's ``(t|\\mathbf{x})``; ``O(…)`` is a
  remainder; ``\\sum_{k,k'}`` is two nested sums, ``\\sum_{w \\in S}`` a sum over a set.
* An unknown command is refused with a hint to define it with ``\\newcommand`` or to read
  ``docs/NOTATION.md``.
* ``h``, ``\\sigma`` and ``\\mathbb{E}`` followed by ``(``/``[`` are function calls;
  ``y``, ``p``, ``E``, ``f``, ``g``, ``q`` (also accented, ``\\tilde{E}(\\mathbf{w})``) are calls
  when the bracket follows without a space (or after ``\\left``: ``E\\left(w+\\epsilon\\right)``)
  or holds ``|`` (``E (t|\\mathbf{x})``).  With a subscript they are calls only when the
  bracket holds arguments — several, separated by commas (``y_k(x_n, w)``), or only bold
  vectors (``E_n(\\mathbf{w})``); else a product (``y_n(1 - y_n)``, ``E_n(w_{ji}+\\epsilon)``).
  Any other bracket after a symbol is a product (``y_n (\\nabla y_n)^T``).
* A derivative of E followed by a bracket whose arguments are all a weight plus or minus
  something is that derivative evaluated there (:class:`~.ast.EvalAt`, PRML 5.91:
  ``\\frac{\\partial E}{\\partial w_{ji}}(w_{lk}+\\epsilon)``); an operator
  ``\\frac{\\partial}{\\partial w}(…)`` still applies to the bracket.
* Spellings of real text: ``\\partial{E_n}``, ``\\partial{w_{ji}^{2}}``, ``\\partial_{w_{lk}}`` (in a
  denominator) and ``\\part`` are ``\\partial``; ``\\partial^2 E_n / \\partial a_k \\partial a_{k'}``
  is the fraction; ``^{\\text{T}}``, ``^{\\rm T}``, ``^{\\top}``, ``^\\intercal`` are transposes;
  ``w^2_{ji}`` is ``w_{ji}^2``; ``\\mathbf{v v}`` / ``\\mathbf{vv}`` is ``\\mathbf{v}\\mathbf{v}``
  and ``\\boldsymbol{v^{T} M}`` a group of bold letters; ``\\nabla_{\\mathbf{w}}`` is ``\\nabla``
  (another subscript is refused); a one-column ``\\begin{array}{l}`` outside brackets reads
  like ``gathered`` (any other array is refused).
* The letter ``d`` is the differential of an integral (``d\\mathbf{x}``, ``\\mathrm{d}t``; each
  integral sign takes its own measure, innermost first) or of a total derivative
  (``\\frac{d}{dx}``); anywhere else a plain ``d`` is a letter (``c y_k + d``).
* ``z_j'`` is refused as ambiguous (write ``z_{j'}`` or ``z'_j``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer
from lark.visitors import Transformer_NonRecursive

from ..errors import InputError, SourceLocation
from .macros import brace_group
from .ast import (
    children, Abs, Add, Apply, Call, Chain, Condition, Derivative, Display, Div, EqRef, EvalAt,
    Frac, Func, Index, Integral, Member, Mul, Nabla, Node, Number, Order, Paren, Pos, Pow, ROp,
    Sum, SumOver, Symbol, Transpose,
)

__all__ = ["parse_chain", "parse_condition", "parse_display"]

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
    "partial": ("PARTIAL", "\\partial"), "part": ("PARTIAL", "\\partial"),
    "nabla": ("NABLA", "\\nabla"),
    "sum": ("SUM", "\\sum"), "int": ("INT", "\\int"),
    "cdot": ("MULOP", "\\cdot"), "times": ("MULOP", "\\times"), "ast": ("MULOP", "*"),
    "top": ("TOP", "T"), "intercal": ("TOP", "T"),
    "mid": ("BAR", "|"), "vert": ("BAR", "|"), "lvert": ("BAR", "|"), "rvert": ("BAR", "|"),
    "lbrace": ("LCURLY", "\\{"), "rbrace": ("RCURLY", "\\}"), "in": ("IN", "\\in"),
}
# Relations, normalised (Member.relation).
_RELATIONS: dict[str, str] = {
    "simeq": "\\simeq", "approx": "\\approx", "equiv": "\\equiv",
    "coloneqq": ":=", "triangleq": ":=", "eqqcolon": "=:", "doteq": ":=",
    "to": "\\to", "rightarrow": "\\to", "mapsto": "\\to", "longrightarrow": "\\to",
    "longmapsto": "\\to", "propto": "\\propto", "ll": "\\ll", "gg": "\\gg",
    "Rightarrow": "\\Rightarrow", "implies": "\\Rightarrow", "Longrightarrow": "\\Rightarrow",
    "neq": "\\neq", "ne": "\\neq", "le": "\\le", "leq": "\\le", "leqslant": "\\le",
    "ge": "\\ge", "geq": "\\ge", "geqslant": "\\ge", "lt": "<", "gt": ">",
}
_UNICODE_RELATIONS = {
    "=": "=", "≃": "\\simeq", "≈": "\\approx", "≡": "\\equiv", "→": "\\to", "↦": "\\to",
    "⇒": "\\Rightarrow", "∝": "\\propto", "≪": "\\ll", "≫": "\\gg", "≠": "\\neq",
    "≤": "\\le", "≥": "\\ge", "<": "<", ">": ">", "≔": ":=",
}
APPROXIMATE = frozenset({"\\simeq", "\\approx"})
# Decorations that make a new symbol (Symbol.accent).
_ACCENTS = {
    "hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "bar",
    "overline": "bar", "check": "check", "dot": "dot", "ddot": "ddot", "breve": "breve",
}
# Named functions (Func): \ln y_k, \exp(…); \operatorname{name} and \mathrm{name} likewise.
_FUNCTIONS = frozenset("ln log exp sin cos tan sinh cosh tanh sech det tr".split())
# Full-width punctuation read like ASCII (one code point each, so columns stay right).
_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "．": ".",
                            "＝": "=", "［": "[", "］": "]", "｛": "{", "｝": "}", "＋": "+",
                            "－": "-", "　": " ", "｜": "|"})
# Commands that mean nothing here (spacing, sizing, numbering).
_IGNORED = frozenset(
    "quad qquad enspace thinspace medspace thickspace negthinspace negmedspace negthickspace "
    "displaystyle textstyle limits nolimits nonumber notag rm".split()
) | {",", ";", ":", "!", " ", "\n", "\t", ">"}
_SIZERS = frozenset(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr".split()
)
_ENVIRONMENTS = frozenset(
    "aligned align align* equation equation* split gathered gather gather* multline "
    "multline* alignat alignat* alignedat eqnarray eqnarray* displaymath flalign flalign*".split()
)
_TEXT_COMMANDS = frozenset({"text", "textrm", "mbox", "textit", "textsf", "textnormal",
                            "intertext", "shortintertext", "textbf"})
_UNKNOWN_HINT = "define it with '\\newcommand' in the file, or see docs/NOTATION.md for what is read"
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
    "REL": "a relation ('=', '\\simeq', '\\to', …)", "LETTER": "a letter",
    "NUMBER": "a number", "D": "'d'", "LPAREN": "'('", "ADDOP": "'+' or '-'",
    "FRAC": "'\\frac'", "NABLA": "'\\nabla'", "SUM": "'\\sum'", "INT": "'\\int'",
    "PARTIAL": "'\\partial'", "LBRACE": "'{'", "MULOP": "'\\cdot'", "LBRACK": "'['",
    "LCURLY": "'\\{'", "BOLD": "'\\mathbf{…}'", "BB": "'\\mathbb{…}'", "SUB": "'_'",
    "SUP": "'^'", "PRIME": "a prime", "COMMA": "','", "BAR": "'|'", "TOP": "'T'",
    "ROP": "'\\mathcal{R}'", "JUST": "a justification", "CALLPAREN": "'('",
    "CALLBRACK": "'['", "$END": "the end of the block", "ROWSEP": "a new row",
    "DIVOP": "'/'", "FUNC": "a function (\\ln, \\exp, …)", "LABS": "'|'", "RABS": "'|'",
    "ORDER": "'O(…)'", "STAR": "'^*'", "ACCENT": "an accent ('\\hat', '\\tilde', …)",
    "CAL": "'\\mathcal{…}'", "IN": "'\\in'", "INTEND": "the end of an integral",
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
_RM_GROUP = re.compile(r"\{\s*\\(?:rm|mathrm)\s*([dT])\s*\}")
# A relation written in a justification's text: (j = j'), (z_j \neq 0), (y = \mathbb{E}[t|x]).
# An English connective typed in maths mode between spacings (``\quad and \quad``): a
# separator between statements, never the product a·n·d.
_CONNECTIVE = re.compile(r"(?:and|or|where|with|if|then)\s*(?=\\q?quad(?![A-Za-z])|\s*$)")
_REL_TEXT = re.compile(r"(?<![\\A-Za-z])=|[<>≠≤≥]|\\(?:neq?|leq?|geq?|in|notin)(?![A-Za-z])")
_STAR_SUP = re.compile(r"\{\s*(?:\*|\\star|\\ast)\s*\}|\*|\\star(?![A-Za-z])|\\ast(?![A-Za-z])")
# A transpose written with a text or roman T, or \top / \intercal: ^{\text{T}}, ^\mathrm{T},
# ^{\rm T}, ^{\top}, ^\intercal (a bare ^T and ^{T} are read by the grammar).
_T_WORD = r"(?:\\(?:text|textrm|textnormal|mbox|mathrm|mathsf|textsf|operatorname)\s*\{\s*T\s*\}" \
          r"|\\(?:top|intercal)(?![A-Za-z]))"
_TOP_SUP = re.compile(r"\{\s*(?:" + _T_WORD + r"|\\(?:rm|mathrm)\s*T(?![A-Za-z]))\s*\}|" + _T_WORD)
# \nabla_{\mathbf{w}}, \nabla_\mathbf{w}, \nabla_w: the gradient with respect to the weights.
_NABLA_SUB = re.compile(r"\s*_\s*(\{\s*)?(?:\\(?:mathbf|boldsymbol|bm)\s*(?:\{\s*w\s*\}|w)|w)"
                        r"(?(1)\s*\})")


class _Lexer:
    """Turns a display's text into tokens, removing what carries no meaning.

    Besides grammar tokens it emits markers that :func:`_statements` consumes: ``SEP`` (a
    top-level ``,`` ``;`` ``.`` ``\\quad`` ``\\qquad``), ``ROWSEP`` (``\\\\``), ``TAG`` and
    ``LABEL``.  ``conditions`` maps a JUST token's start offset to the offset and text of the
    relation it states, if it states one.
    """

    def __init__(self, src: _Source) -> None:
        self.src = src
        self.text = src.text.translate(_FULLWIDTH)
        self.toks: list[_Tok] = []
        self.stack: list[tuple[str, int]] = []  # open brackets: (type, offset)
        self.hidden = 0  # open \hat{…} groups: not brackets, but not the top level either
        self.accent_close: dict[int, int] = {}  # offset of an accent's '}' -> index of ACCENT
        self.after_close: dict[int, int] = {}  # offset of \underbrace{…}'s '}' -> end of _{…}
        self.conditions: dict[int, tuple[int, str, bool]] = {}
        self.bold_ranges: list[tuple[int, int]] = []  # \boldsymbol{…} groups: letters bold

    # -- helpers
    def _err(self, message: str, offset: int) -> InputError:
        return self.src.error(message, offset)

    def _top(self) -> bool:
        return not self.stack and not self.hidden

    def _skip_ws(self, p: int) -> int:
        while p < len(self.text) and self.text[p] in " \t\r\n":
            p += 1
        return p

    def _group(self, p: int, what: str) -> tuple[str, int]:
        """The content of a ``{…}`` group starting at or after ``p`` and the offset past it."""
        q = self._skip_ws(p)
        if q >= len(self.text) or self.text[q] != "{":
            raise self._err(f"expected '{{' after {what}", q)
        found = brace_group(self.text, q)
        if found is not None:
            start, end, after = found
            return self.text[start:end], after
        o = self.src.pos(q)
        raise self._err(f"expected '}}' to close '{{' opened at {o.line}:{o.col}", len(self.text))

    def _arg(self, p: int, what: str) -> tuple[str, int]:
        """A macro argument: a ``{…}`` group, one command, or one character."""
        q = self._skip_ws(p)
        if q < len(self.text) and self.text[q] == "{":
            return self._group(q, what)
        m = _CMD.match(self.text, q)
        if m:
            return m.group(), m.end()
        if q >= len(self.text):
            raise self._err(f"expected an argument after {what}", q)
        return self.text[q], q + 1

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
        raise self._err(f"'\\{command}{{{content}}}' is not one letter: write one symbol per "
                        f"'\\{command}{{…}}'", p)

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

    def _paren_condition(self, p: int) -> bool:
        """Does a parenthesised relation ``(j = j')`` / ``(z_j \\neq 0)`` begin at ``p``?"""
        t = self.text
        if p >= len(t) or t[p] != "(":
            return False
        depth, q = 0, p
        while q < len(t):
            ch = t[q]
            if ch == "\\":
                if t.startswith("\\\\", q):
                    return False
                q += 2
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    return bool(_REL_TEXT.search(t[p + 1:q]))
            q += 1
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
                if ch in "&=≃≈<>→≡" or t.startswith("\\\\", p):
                    break
                m = _CMD.match(t, p)
                if m and (m.group(1) in ("tag", "tag*", "label", "end", "quad", "qquad")
                          or m.group(1) in _RELATIONS):
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
        cond = _condition_span(raw)
        if cond is not None:
            because = bool(re.match(r"\s*(?:\(\s*)?(?:\\because(?![A-Za-z])|∵)", raw))
            self.conditions[start] = (start + cond[0], cond[1], because)
        return end

    # -- rows
    def _row_break(self, p: int) -> int:
        """``\\\\`` at ``p``: inside brackets the expression goes on; else a new row."""
        end = p + 2
        m = _ROWSKIP.match(self.text, end)
        if m:
            end = m.end()
        if not self._top():
            return end  # \left\{ … \right. \\ \left. … \right\}: one expression
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
                if self.bold_ranges and self._bold_at(p):
                    self._emit("BOLD", ch, p, p + 1)
                else:
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
        """``^`` — folding ``^\\prime`` / ``^{\\prime\\prime}`` / ``^{''}`` into primes, ``^*`` / ``^{\\star}`` into STAR."""
        t = self.text
        q = self._skip_ws(p + 1)
        if t.startswith("\\prime", q) and not t[q + 6:q + 7].isalpha():
            self._emit("PRIME", "'", p, q + 6)
            return q + 6
        m = re.compile(r"\{\s*((?:(?:\\prime|')\s*)+)\}").match(t, q)  # ^{\prime}, ^{''}
        if m:
            for _ in range(m.group(1).count("\\prime") + m.group(1).count("'")):
                self._emit("PRIME", "'", p, m.end())
            return m.end()
        m = _STAR_SUP.match(t, q)
        if m:
            self._emit("STAR", "*", p, m.end())
            return m.end()
        m = _TOP_SUP.match(t, q)
        if m:
            self._emit("SUP", "^", p, p + 1)
            self._emit("TOP", "T", q, m.end())
            return m.end()
        self._emit("SUP", "^", p, p + 1)
        return p + 1

    def _char(self, p: int, ch: str) -> int:
        t = self.text
        simple = {
            "_": ("SUB", "_"), "'": ("PRIME", "'"), "′": ("PRIME", "'"), "+": ("ADDOP", "+"),
            "-": ("ADDOP", "-"), "−": ("ADDOP", "-"), "*": ("MULOP", "*"), "·": ("MULOP", "\\cdot"),
            "×": ("MULOP", "\\times"), "|": ("BAR", "|"), "/": ("DIVOP", "/"),
            "∇": ("NABLA", "\\nabla"), "∂": ("PARTIAL", "\\partial"), "∑": ("SUM", "\\sum"),
            "∫": ("INT", "\\int"), "∈": ("IN", "\\in"),
        }
        if ch == ":" and t.startswith(":=", p):
            self._emit("REL", ":=", p, p + 2)
            return p + 2
        if ch == "=" and t.startswith("=:", p) and not t.startswith("=:=", p):
            self._emit("REL", "=:", p, p + 2)
            return p + 2
        if ch in _UNICODE_RELATIONS:
            self._emit("REL", _UNICODE_RELATIONS[ch], p, p + 1)
            return p + 1
        if ch in simple:
            type_, value = simple[ch]
            self._emit(type_, value, p, p + 1)
            return p + 1
        if ch in ",;." and self._top():  # punctuation between statements, or at the end
            self._emit("SEP", ch, p, p + 1)
            return p + 1
        if ch == "," and not self.hidden:
            self._emit("COMMA", ",", p, p + 1)
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
        if ch == "(" and self._top() and self._starts_reason(p):
            return self._justification(p)
        if ch == "{":
            m = _RM_GROUP.match(t, p)
            if m:  # {\rm d}, {\rm T}
                self._emit("D" if m.group(1) == "d" else "TOP", m.group(1), p, m.end())
                return m.end()
        if ch == "}" and p in self.accent_close:
            self._end_accent(p)
            return p + 1
        brackets = {"{": ("LBRACE", True), "(": ("LPAREN", True), "[": ("LBRACK", True),
                    "}": ("RBRACE", False), ")": ("RPAREN", False), "]": ("RBRACK", False)}
        if ch in brackets:
            type_, opens = brackets[ch]
            (self._open if opens else self._close)(type_, ch, p, p + 1)
            return self.after_close.get(p, p + 1)
        if ch == "$":
            raise self._err("unexpected '$' inside display math", p)
        raise self._err(f"unexpected character {ch!r}", p)

    def _array(self, p: int, q: int, name: str) -> int:
        """``\\begin{array}{l} … \\end{array}`` around equations: rows, like ``gathered``.

        Only a one-column array standing outside brackets is read; a matrix or a table of
        several columns is refused.
        """
        if name == "end":
            return q
        spec, after = self._group(q, "\\begin{array}")
        columns = len(re.findall(r"[lcr]|p\{[^}]*\}", re.sub(r"@\{[^}]*\}", "", spec)))
        if not self._top() or columns != 1:
            where = "inside brackets (a matrix)" if not self._top() else f"with {columns} columns"
            raise self._err(f"environment 'array' {where} is not supported: symhess reads only a "
                            "one-column array of equations (\\begin{array}{l} … \\end{array}); "
                            "write the rows in aligned", p)
        return after

    def _bold(self, p: int, end: int, name: str) -> int:
        """``\\mathbf{w}``; ``\\mathbf{v v}`` / ``\\mathbf{vv}`` is a product of bold letters;
        ``\\boldsymbol{v^{T} M^{-1}}`` a bracket whose letters are bold."""
        q = self._skip_ws(end)
        if q >= len(self.text) or self.text[q] != "{":
            letter, q = self._font_arg(end, name)
            self._emit("BOLD", letter, p, q)
            return q
        content, after = self._group(q, f"\\{name}")
        name_ = content.strip()
        if (len(name_) == 1 and name_.isascii() and name_.isalpha()) \
                or (name_.startswith("\\") and name_[1:] in GREEK):
            self._emit("BOLD", name_.lstrip("\\"), p, after)
            return after
        if name_ and re.fullmatch(r"[A-Za-z\s]+", name_):  # a run of letters: one bold symbol each
            spots = [q + 1 + k for k, ch in enumerate(content) if ch.isalpha()]
            for k, at in enumerate(spots):
                self._emit("BOLD", self.text[at], p if k == 0 else at,
                           after if k == len(spots) - 1 else at + 1)
            return after
        if self.hidden + len(self.stack) >= _MAX_DEPTH:
            raise self._err(f"brackets nested more than {_MAX_DEPTH} deep", q)
        self.bold_ranges.append((q, after))
        return q  # the '{' is lexed next, as a grouping brace; its letters are bold

    def _bold_at(self, p: int) -> bool:
        """Inside ``\\boldsymbol{…}`` and not in a sub/superscript there (``v^{T}``, ``x_n``)."""
        while self.bold_ranges and self.bold_ranges[-1][1] <= p:
            self.bold_ranges.pop()
        if not any(lo < p < hi for lo, hi in self.bold_ranges):
            return False
        if self.toks and self.toks[-1].type in ("SUB", "SUP"):
            return False
        lo = max(lo for lo, hi in self.bold_ranges if lo < p < hi)
        return not any(at > lo and self.toks_before(at) in ("SUB", "SUP") for _, at in self.stack)

    def toks_before(self, offset: int) -> str:  # noqa: D401
        """The type of the token just before the bracket opened at ``offset``."""
        for i in range(len(self.toks) - 1, 0, -1):
            if self.toks[i].start == offset:
                return self.toks[i - 1].type
        return ""

    def _nabla(self, p: int, end: int) -> int:
        """``\\nabla``, also ``\\nabla_{\\mathbf{w}}`` / ``\\nabla_\\mathbf{w}`` (the same gradient)."""
        m = _NABLA_SUB.match(self.text, end)
        if m:
            self._emit("NABLA", "\\nabla", p, m.end())
            return m.end()
        q = self._skip_ws(end)
        if q < len(self.text) and self.text[q] == "_":
            raise self._err("\\nabla_{…}: only the gradient with respect to the weights is read "
                            "(\\nabla, \\nabla_{\\mathbf{w}})", p)
        self._emit("NABLA", "\\nabla", p, end)
        return end

    def _reason_here(self, p: int) -> int:
        if not self._top():
            raise self._err("a justification (\\because, ∵, \\text) cannot stand inside brackets; "
                            "put it after the member it justifies", p)
        return self._justification(p)

    # -- decorations
    def _accent(self, p: int, end: int, name: str) -> int:
        """``\\hat{a}``, ``\\tilde E``, ``\\hat{a_j}``: an ACCENT token before the symbol's tokens."""
        q = self._skip_ws(end)
        self._emit("ACCENT", _ACCENTS[name], p, end)
        if q < len(self.text) and self.text[q] == "{":
            if self.hidden + len(self.stack) >= _MAX_DEPTH:
                raise self._err(f"brackets nested more than {_MAX_DEPTH} deep", q)
            _, after = self._group(q, f"\\{name}")
            self.accent_close[after - 1] = len(self.toks) - 1
            self.hidden += 1
            return q + 1
        return q

    def _end_accent(self, p: int) -> None:
        """At the ``}`` of ``\\hat{…}``: what it decorates must be one symbol (with scripts)."""
        i = self.accent_close.pop(p)
        self.hidden -= 1
        inner = self.toks[i + 1:]
        ok = bool(inner) and inner[0].type in ("LETTER", "BOLD", "BB", "CAL", "D") \
            and _skip_scripts(inner, 1) == len(inner)
        if not ok:
            acc = self.toks[i]
            raise self._err(f"\\{self.text[acc.start + 1:acc.end]}{{…}} decorates one symbol "
                            "here (\\hat{a}_j, \\tilde{E}, \\bar{x})", acc.start)
        if inner[0].type == "D":
            self.toks[i + 1] = _Tok("LETTER", "d", inner[0].start, inner[0].end)

    def _brace_annotation(self, p: int, end: int, name: str) -> int:
        """``\\underbrace{X}_{…}`` reads as ``{X}``: the note under the brace is dropped."""
        q = self._skip_ws(end)
        _, after = self._group(q, f"\\{name}")
        r = self._skip_ws(after)
        stop = after
        if r < len(self.text) and self.text[r] in "_^":
            _, stop = self._arg(r + 1, f"\\{name}{{…}}{self.text[r]}")
        self.after_close[after - 1] = stop
        return q  # the '{' is lexed next, as a grouping brace

    def _stacked(self, p: int, end: int, name: str) -> int:
        """``\\stackrel{\\text{def}}{=}`` is ``:=``; ``\\overset{(5.92)}{=}`` is ``=`` with that reason."""
        above, q = self._arg(end, f"\\{name}")
        below, q = self._arg(q, f"\\{name}{{…}}")
        written = below.strip()
        rel = _UNICODE_RELATIONS.get(written) or (
            _RELATIONS.get(written[1:]) if written.startswith("\\") else None)
        if rel is None:
            raise self._err(f"\\{name}{{…}}{{{below}}}: only a relation with a note above it "
                            "is understood", p)
        note = _clean_reason(above)
        if rel == "=" and re.fullmatch(r"(?:\\(?:mathrm|text|rm)\s*\{?\s*)?def\.?\s*\}?|\\triangle|△|:",
                                       above.strip()):
            self._emit("REL", ":=", p, q)
            return q
        self._emit("REL", rel, p, q)
        if note:
            self._emit("JUST", note, p, q)
        return q

    def _command(self, p: int) -> int:
        t = self.text
        m = _CMD.match(t, p)
        if m is None:  # a lone backslash at the end
            raise self._err("a lone '\\' at the end of the block", p)
        name, end = m.group(1), m.end()
        if name == "\\":
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
            connective = _CONNECTIVE.match(t, q)
            if connective is not None and self._top():  # \quad and \quad: a word typed in maths mode
                self._emit("SEP", "\\" + name, p, end)
                return connective.end()
            if self._top() and (self._starts_reason(q) or _EQNUM.match(t, q)
                                or self._paren_condition(q)):
                return self._justification(q)
            if self._top():
                self._emit("SEP", "\\" + name, p, end)
            return end
        if name in _IGNORED:
            return end
        if name == "because":
            return self._reason_here(p)
        if name in _TEXT_COMMANDS:
            return self._reason_here(p)
        if name in GREEK:
            self._emit("BOLD" if self.bold_ranges and self._bold_at(p) else "LETTER", name, p, end)
            return end
        if name in _RELATIONS:
            self._emit("REL", _RELATIONS[name], p, end)
            return end
        if name == "nabla":
            return self._nabla(p, end)
        if name in _SIMPLE:
            type_, value = _SIMPLE[name]
            self._emit(type_, value, p, end)
            return end
        if name in _ACCENTS:
            return self._accent(p, end, name)
        if name in ("underbrace", "overbrace", "underbracket", "overbracket"):
            return self._brace_annotation(p, end, name)
        if name in ("stackrel", "overset"):
            return self._stacked(p, end, name)
        if name in _FUNCTIONS:
            self._emit("FUNC", name, p, end)
            return end
        if name in ("iint", "iiint"):
            for _ in range(2 if name == "iint" else 3):
                self._emit("INT", "\\int", p, end)
            return end
        if name in ("mathbf", "boldsymbol", "bm", "mathbfit", "bf"):
            return self._bold(p, end, name)
        if name == "vec":
            letter, q = self._font_arg(end, name)
            self._emit("BOLD", letter, p, q)
            return q
        if name == "mathbb":
            letter, q = self._font_arg(end, name)
            self._emit("BB", letter, p, q)
            return q
        if name in ("mathcal", "mathscr"):
            letter, q = self._font_arg(end, name)
            self._emit("CAL", letter, p, q)
            return q
        if name in ("mathrm", "mathsf", "operatorname", "operatorname*", "mathit"):
            content, q = self._group(end, f"\\{name}")
            word = content.strip()
            if word == "d":
                self._emit("D", "d", p, q)
                return q
            if word == "T":
                self._emit("TOP", "T", p, q)
                return q
            if len(word) > 1 and word.isascii() and word.isalpha():
                self._emit("FUNC", word, p, q)
                return q
            if name == "mathit" and len(word) == 1 and word.isascii() and word.isalpha():
                self._emit("D" if word == "d" else "LETTER", word, p, q)
                return q
            raise self._err(f"unknown command \\{name}{{{content}}}: \\mathrm{{d}}, \\mathrm{{T}} "
                            f"and function names (\\operatorname{{sech}}) are read — "
                            f"{_UNKNOWN_HINT}", p)
        if name in ("label", "hspace", "vspace", "hspace*", "vspace*"):
            content, q = self._group(end, f"\\{name}")
            if name == "label":
                self._emit("LABEL", content.strip(), p, q)
            return q
        if name in ("tag", "tag*"):
            content, q = self._group(end, f"\\{name}")
            self._emit("TAG", content.strip(), p, q)
            return q
        if name in ("begin", "end"):
            content, q = self._group(end, f"\\{name}")
            env = content.strip()
            if env == "array":
                return self._array(p, q, name)
            if env not in _ENVIRONMENTS:
                raise self._err(f"environment '{env}' is not supported in a derivation "
                                f"(known: aligned, align, equation, split, gather, multline, "
                                f"eqnarray, alignat, flalign)", p)
            if name == "begin" and env.startswith(("alignat", "alignedat")):
                _, q = self._group(q, f"\\begin{{{env}}}")
            return q
        if name == "prime":
            self._emit("PRIME", "'", p, end)
            return end
        if name in ("ldots", "cdots", "dots", "vdots", "dotsb", "dotsc"):
            raise self._err(f"\\{name}: symhess cannot read an elided expression; write the sum "
                            "with \\sum", p)
        shown = "\\" + name
        raise self._err(f"unknown command '{shown}' — {_UNKNOWN_HINT}", p)


def _clean_reason(raw: str) -> str:
    """``(\\because (5.92))`` -> ``(5.92)``; ``\\text{chain rule}`` -> ``chain rule``; ``(j = j')`` -> ``j = j'``."""
    s = raw.strip()
    s = re.sub(r"^(\\q?quad\s*)+", "", s).strip()
    if s.startswith("(") and s.endswith(")"):
        inner = s[1:-1].strip()
        if inner.startswith("\\because") or inner.startswith("∵") or (
                _REL_TEXT.search(inner) and not inner.startswith("\\text")):
            s = inner
    s = re.sub(r"^(\\because(?![A-Za-z])|∵)\s*", "", s)
    s = _unwrap_text(s)
    s = re.sub(r"\\[,;: !]|\\q?quad(?![A-Za-z])|~", " ", s)
    return re.sub(r"\s+", " ", s).strip()


_TEXT_CMD = re.compile(r"\\(?:text|textrm|mbox|textit|textsf|textnormal|textbf|intertext|"
                       r"shortintertext)\s*\{")


def _unwrap_text(s: str) -> str:
    """``\\text{by (5.56)}`` -> ``by (5.56)``, braces inside kept balanced; ``$`` dropped.

    >>> _unwrap_text(r"\\intertext{since $a_k = w_{kj} z_j$,}")
    'since a_k = w_{kj} z_j,'
    """
    out, p = [], 0
    while True:
        m = _TEXT_CMD.search(s, p)
        if m is None:
            out.append(s[p:])
            break
        out.append(s[p:m.start()])
        depth, q = 1, m.end()
        while q < len(s) and depth:
            if s[q] == "\\":
                q += 2
                continue
            depth += {"{": 1, "}": -1}.get(s[q], 0)
            q += 1
        out.append(s[m.end():q - 1 if depth == 0 else q])
        p = q
    return "".join(out).replace("$", "")


_Conditions = tuple[Condition | None, tuple[Condition, ...], str | None]  # first, the rest, unread text
_COND_LEAD = re.compile(r"\s*(?:\\text\{\s*(?:if|when|for)\s*\}|\b(?:if|when|for)\b)\s*")
_COND_SEP = re.compile(r"\s*(?:,|;|\\text\{\s*(?:and|,)\s*\}|\band\b|\\q?quad(?![A-Za-z])|\\[,;])\s*")


def _condition_pieces(text: str) -> list[tuple[int, str]]:
    """A stated condition split into relations, with their offsets in ``text``: a leading
    "if"/"when"/"for" dropped, pieces separated at the top level by ``,`` ``;`` "and" ``\\quad``.

    >>> _condition_pieces(r"j = j', k = k'")
    [(0, "j = j'"), (8, "k = k'")]
    >>> _condition_pieces(r"\\text{if } j = j' \\text{ and } k = k'")
    [(11, "j = j'"), (31, "k = k'")]
    """
    m = _COND_LEAD.match(text)
    out: list[tuple[int, str]] = []
    depth = 0
    last = q = m.end() if m else 0
    while q < len(text):
        ch = text[q]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            sep = _COND_SEP.match(text, q)
            if sep is not None and sep.end() > q and (ch in ",;\\" or text[q:sep.end()].strip() == "and"):
                out.append((last, text[last:q]))
                q = last = sep.end()
                continue
        q += 1
    out.append((last, text[last:]))
    pieces = []
    for off, piece in out:
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            pieces.append((off + lead, piece.strip()))
    return pieces


def _condition_span(raw: str) -> tuple[int, str] | None:
    """Where in a justification's raw text a stated relation begins, and its text.

    >>> _condition_span(r"(\\because y = \\mathbb{E}[t|\\mathbf{x}])")
    (10, 'y = \\\\mathbb{E}[t|\\\\mathbf{x}]')
    >>> _condition_span("(j \\\\neq j')"), _condition_span("(\\\\because (5.51))") is None
    ((1, "j \\\\neq j'"), True)
    """
    start, end = 0, len(raw)
    while start < end and raw[start] in " \t\r\n":
        start += 1
    if raw.startswith("(", start) and raw.rstrip().endswith(")"):
        start, end = start + 1, len(raw.rstrip()) - 1
    m = re.compile(r"\s*(?:\\because(?![A-Za-z])|∵)?\s*").match(raw, start)
    start = m.end() if m else start
    text = raw[start:end].rstrip()
    if text.startswith("(") and text.endswith(")") and start > 0:  # ∵ (y = c)
        start, text = start + 1, text[1:-1]
    # a relation with words around it (\text{unless}, \text{if}) is a span too: read as a
    # condition only when the words are connectives, else kept as an unread condition
    if not text or "\\intertext" in text or _EQNUM.fullmatch(text) or not _REL_TEXT.search(text):
        return None
    return start, text


def _mark_calls(toks: list[_Tok], text: str = "") -> None:
    """Retype the bracket after a function symbol as CALLPAREN/CALLBRACK; ``R\\{`` as ROP; ``O(`` as ORDER."""
    n = len(toks)
    for i, tok in enumerate(toks):
        if tok.type in ("LETTER", "CAL") and tok.value == "R" and i + 1 < n \
                and not (i and toks[i - 1].type == "ACCENT") and (toks[i + 1].type == "LCURLY" or (
                    toks[i + 1].type == "LPAREN" and (_adjacent(text, tok.end, toks[i + 1].start)
                                                      or not text[tok.end:toks[i + 1].start].strip()))):
            toks[i] = _Tok("ROP", "R", tok.start, tok.end)  # R{·}, and R(·) as some write it
            continue
        if tok.type in ("LETTER", "CAL") and tok.value == "O" and i + 1 < n \
                and toks[i + 1].type == "LPAREN" and not (i and toks[i - 1].type == "ACCENT"):
            toks[i] = _Tok("ORDER", "O", tok.start, tok.end)
            nxt = toks[i + 1]
            toks[i + 1] = _Tok("CALLPAREN", nxt.value, nxt.start, nxt.end)
            continue
        if tok.type == "FRAC":
            j = _evaluated_derivative(toks, i)
            if j is not None:
                toks[j] = _Tok("CALLPAREN", toks[j].value, toks[j].start, toks[j].end)
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
        if not always and any(t.type == "SUB" for t in toks[i + 1:j]) \
                and not _argument_list(toks, j):
            continue  # y_n(1 - y_n), E_n(w_{ji}+ε): a subscripted symbol times a bracket
        adjacent = _adjacent(text, toks[j - 1].end, toks[j].start)
        if always or adjacent or _has_top_bar(toks, j):
            toks[j] = _Tok("CALLPAREN" if toks[j].type == "LPAREN" else "CALLBRACK",
                           toks[j].value, toks[j].start, toks[j].end)


_BETWEEN_CALL = re.compile(r"\}*(?:\\(?:left|bigl|Bigl|biggl|Biggl|big|Big|bigg|Bigg)(?![A-Za-z]))?")


def _adjacent(text: str, end: int, start: int) -> bool:
    """Nothing but an accent's ``}`` or a ``\\left`` between a function letter and its bracket."""
    if not text:
        return end == start
    return _BETWEEN_CALL.fullmatch(text, end, start) is not None


def _argument_list(toks: list[_Tok], j: int) -> bool:
    """Does the bracket at ``j`` hold arguments: several separated by commas (``(x_n, w)``),
    or only bold symbols (``(\\mathbf{w})``, ``(\\mathbf{x}_n, \\mathbf{w})``)?"""
    k, n = j + 1, len(toks)
    if _holds_at_top(toks, j, "COMMA"):
        return True
    while k < n:
        if toks[k].type != "BOLD":
            return False
        k = _skip_scripts(toks, k + 1)
        if k < n and toks[k].type == "COMMA":
            k += 1
            continue
        return k < n and toks[k].type in ("RPAREN", "RBRACK")
    return False


def _symbol_end(toks: list[_Tok], k: int) -> int | None:
    """Past a symbol (``\\hat{a}_j``, ``E_n``, ``{E_n}``, ``{w_{ji}}^2``) starting at ``k``, or None."""
    n = len(toks)
    if k < n and toks[k].type == "LBRACE":
        end = _brace_end(toks, k)
        return None if end is None or end == k + 1 else _skip_scripts(toks, end + 1)
    if k < n and toks[k].type == "ACCENT":
        k += 1
    if k >= n or toks[k].type not in ("LETTER", "BOLD", "BB", "CAL"):
        return None
    return _skip_scripts(toks, k + 1)


def _slash_derivatives(toks: list[_Tok]) -> list[_Tok]:
    """``\\partial^2 E_n / \\partial a_k \\partial a_{k'}`` becomes the tokens of
    ``\\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}}`` (the slash form of a derivative)."""
    if not any(t.type == "DIVOP" for t in toks):
        return toks
    out: list[_Tok] = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        if tok.type != "PARTIAL":
            out.append(tok)
            i += 1
            continue
        k = i + 1
        if k + 1 < n and toks[k].type == "SUP" and toks[k + 1].type == "NUMBER":
            k += 2
        elif k + 3 < n and toks[k].type == "SUP" and toks[k + 1].type == "LBRACE" \
                and toks[k + 2].type == "NUMBER" and toks[k + 3].type == "RBRACE":
            k += 4
        end = _symbol_end(toks, k)
        if end is None or end >= n or toks[end].type != "DIVOP":
            out.append(tok)
            i += 1
            continue
        den: list[_Tok] = []
        m = end + 1
        while m < n and toks[m].type == "PARTIAL":
            stop = _symbol_end(toks, m + 1)
            if stop is None:
                break
            den.extend(toks[m:stop])
            m = stop
        if not den:
            out.append(tok)
            i += 1
            continue
        at, mid, last = tok.start, toks[end].start, den[-1].end
        out.append(_Tok("FRAC", "\\frac", at, at))
        out.append(_Tok("LBRACE", "{", at, at))
        out.extend(toks[i:end])
        out.append(_Tok("RBRACE", "}", mid, mid))
        out.append(_Tok("LBRACE", "{", toks[end].end, toks[end].end))
        out.extend(den)
        out.append(_Tok("RBRACE", "}", last, last))
        i = m
    return out


def _brace_end(toks: list[_Tok], i: int) -> int | None:
    """The index of the ``}`` matching the ``{`` at ``i``."""
    depth = 0
    for k in range(i, len(toks)):
        if toks[k].type == "LBRACE":
            depth += 1
        elif toks[k].type == "RBRACE":
            depth -= 1
            if depth == 0:
                return k
    return None


def _evaluated_derivative(toks: list[_Tok], i: int) -> int | None:
    """``\\frac{\\partial E}{\\partial w_{ji}}(w_{lk}+\\epsilon)``: the index of the ``(`` when a
    derivative of E is followed by a bracket whose arguments are all shifted weights (PRML 5.91)."""
    n = len(toks)
    if i + 2 >= n or toks[i + 1].type != "LBRACE" or toks[i + 2].type not in ("PARTIAL", "D"):
        return None
    num_end = _brace_end(toks, i + 1)
    if num_end is None or num_end + 1 >= n or toks[num_end + 1].type != "LBRACE":
        return None
    inner = [t for t in toks[i + 3:num_end] if t.type not in ("LBRACE", "RBRACE")]
    k = 0
    if inner and inner[0].type == "SUP":
        k = 2
    if k >= len(inner) or inner[k].type != "LETTER" or inner[k].value != "E":
        return None
    if _skip_scripts(inner, k + 1) != len(inner):
        return None
    den_end = _brace_end(toks, num_end + 1)
    if den_end is None or den_end + 1 >= n or toks[den_end + 1].type != "LPAREN":
        return None  # (a space before the bracket is allowed: PRML 5.91 as OCR writes it)
    j = den_end + 1
    k = j + 1
    while True:  # each argument: a weight, then + or -
        if k >= n or toks[k].type not in ("LETTER", "BOLD") or toks[k].value != "w":
            return None
        k = _skip_scripts(toks, k + 1)
        if k < n and toks[k].type == "RPAREN":  # (w_{lk}): the unshifted point (forward differences)
            return j
        if k < n and toks[k].type == "COMMA":
            k += 1
            continue
        if k >= n or toks[k].type != "ADDOP":
            return None
        depth = 0
        while k < n:
            t = toks[k].type
            if t in _OPEN_TYPES:
                depth += 1
            elif t in _CLOSE_TYPES:
                if depth == 0:
                    return j if t == "RPAREN" else None
                depth -= 1
            elif t == "COMMA" and depth == 0:
                break
            k += 1
        k += 1


_OPEN_TYPES = frozenset({"LBRACE", "LPAREN", "LBRACK", "LCURLY", "CALLPAREN", "CALLBRACK"})
_CLOSE_TYPES = frozenset({"RBRACE", "RPAREN", "RBRACK", "RCURLY"})


def _mark_abs(toks: list[_Tok]) -> None:
    """``|…|`` outside a call's ``(t|\\mathbf{x})`` becomes LABS … RABS (absolute value)."""
    stack: list[str] = []
    for i, tok in enumerate(toks):
        if tok.type in _OPEN_TYPES:
            stack.append(tok.type)
        elif tok.type in _CLOSE_TYPES:
            if stack:
                stack.pop()
        elif tok.type == "BAR":
            if stack and stack[-1] == "ABS":
                toks[i] = _Tok("RABS", "|", tok.start, tok.end)
                stack.pop()
            elif stack and stack[-1] in ("CALLPAREN", "CALLBRACK") \
                    and toks[i - 1].type not in ("CALLPAREN", "CALLBRACK", "COMMA"):
                continue  # p(t|x): what follows is given
            else:
                toks[i] = _Tok("LABS", "|", tok.start, tok.end)
                stack.append("ABS")


def _merge_integrals(toks: list[_Tok]) -> list[_Tok]:
    """``\\int \\int`` (and ``\\iint``) become one INT token whose value repeats ``\\int``."""
    out: list[_Tok] = []
    for tok in toks:
        if tok.type == "INT" and out and out[-1].type == "INT":
            out[-1] = _Tok("INT", out[-1].value + tok.value, out[-1].start, tok.end)
        else:
            out.append(tok)
    return out


def _measure_end(toks: list[_Tok], i: int) -> int | None:
    """If ``toks[i]`` (a D) begins a measure ``d\\mathbf{x}``, the index past it."""
    j = i + 1
    if j < len(toks) and toks[j].type == "ACCENT":
        j += 1
    if j >= len(toks) or toks[j].type not in ("LETTER", "BOLD", "BB", "CAL"):
        return None
    return _skip_scripts(toks, j + 1)


def _close_integrals(toks: list[_Tok]) -> list[_Tok]:
    """Give each integral its measures and close it with INTEND after the last one.

    The innermost integral still missing a measure at the measure's bracket depth takes it
    (``\\int a \\int b\\,dt\\,dx``: dt inner, dx outer); a measure beyond an integral's signs
    stays with the integral just closed (the interpreter reports the mismatch).  An integral
    without any measure gets no INTEND, so the grammar reports the missing ``d``.
    """
    entries: list[list[int]] = []  # [depth, signs, measures, end index]
    stack: list[list[int]] = []
    closed: list[int] | None = None
    depth, i = 0, 0
    while i < len(toks):
        tok = toks[i]
        if tok.type == "INT":
            entry = [depth, tok.value.count("\\int"), 0, -1]
            entries.append(entry)
            stack.append(entry)
            closed = None
            i += 1
            continue
        if tok.type == "D":
            j = _measure_end(toks, i)
            target = None
            if j is not None and stack and stack[-1][0] == depth and stack[-1][2] < stack[-1][1]:
                target = stack[-1]
            elif j is not None and closed is not None and closed[3] == i:
                target = closed
            if target is not None and j is not None:
                target[2] += 1
                target[3] = j
                if stack and target is stack[-1] and target[2] == target[1]:
                    closed = stack.pop()
                i = j
                continue
            if tok.end - tok.start == 1 and not (i and toks[i - 1].type == "LBRACE"):
                # a plain 'd' that is no measure and no derivative's mark is a letter (c y_k + d)
                toks[i] = _Tok("LETTER", "d", tok.start, tok.end)
        if tok.type in _OPEN_TYPES or tok.type == "LABS":
            depth += 1
        elif tok.type in _CLOSE_TYPES or tok.type == "RABS":
            while stack and stack[-1][0] == depth:
                stack.pop()
            depth -= 1
        closed = None
        i += 1
    ends: dict[int, int] = {}
    for entry in entries:
        if entry[2]:
            ends[entry[3]] = ends.get(entry[3], 0) + 1
    if not ends:
        return toks
    out: list[_Tok] = []
    padded: list[_Tok | None] = [*toks, None]
    for k, next_tok in enumerate(padded):
        for _ in range(ends.get(k, 0)):
            at = toks[k - 1].end
            out.append(_Tok("INTEND", "", at, at))
        if next_tok is not None:
            out.append(next_tok)
    return out


def _frac_arguments(toks: list[_Tok]) -> list[_Tok]:
    """``\\frac ty``, ``\\frac{w}a``, ``\\frac12``: TeX takes one token as an argument without
    braces; the braces are put in (a numeral gives its first digit, as TeX does)."""
    out: list[_Tok] = []
    i, n = 0, len(toks)
    pending = 0  # arguments still expected by the last \frac
    while i < n:
        t = toks[i]
        if pending and t.type != "LBRACE" and t.type in ("LETTER", "NUMBER", "BOLD"):
            first = t
            rest = None
            if t.type == "NUMBER" and len(t.value) > 1:  # \frac12: the digits 1 and 2
                first = _Tok("NUMBER", t.value[0], t.start, t.start + 1)
                rest = _Tok("NUMBER", t.value[1:], t.start + 1, t.end)
            out += [_Tok("LBRACE", "{", first.start, first.start), first, _Tok("RBRACE", "}", first.end, first.end)]
            pending -= 1
            if rest is not None:
                toks = toks[:i] + [rest] + toks[i + 1:]
                n = len(toks)
                continue
            i += 1
            continue
        if pending and t.type == "LBRACE":  # a braced argument: copy it whole
            end = _brace_end(toks, i)
            j = n - 1 if end is None else end
            out += toks[i:j + 1]
            i = j + 1
            pending -= 1
            continue
        pending = 2 if t.type == "FRAC" else 0
        out.append(t)
        i += 1
    return out


def _sum_body_braces(toks: list[_Tok]) -> list[_Tok]:
    """``\\sum_i{w_{ji} x_i + w_{j0}}``: TeX braces after a sum group invisibly, so the reader
    sees Σ_i w_ji x_i + w_j0 (PRML 5.113); the braces are dropped and the sum's body ends at
    the ``+`` as it does on the page.  Visible brackets ``( … )``, ``\\{ … \\}`` are kept."""
    out = list(toks)
    i = 0
    while i < len(out):
        if out[i].type == "SUM":
            j = _skip_scripts(out, i + 1)
            if j < len(out) and out[j].type == "LBRACE":
                k = _brace_end(out, j)
                if k is not None:
                    del out[k]
                    del out[j]
        i += 1
    return out


def _skip_scripts(toks: list[_Tok], j: int) -> int:
    n = len(toks)
    while j < n:
        if toks[j].type in ("PRIME", "STAR"):
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
    return _holds_at_top(toks, j, "BAR")


def _holds_at_top(toks: list[_Tok], j: int, kind: str) -> bool:
    """Does the bracket opened at ``j`` hold a token of type ``kind`` outside inner brackets?"""
    depth = 0
    for tok in toks[j:]:
        if tok.type in _OPEN_TYPES:
            depth += 1
        elif tok.type in _CLOSE_TYPES:
            depth -= 1
            if depth == 0:
                return False
        elif tok.type == kind and depth == 1:
            return True
    return False


# ----------------------------------------------------------------------------- statements


@dataclass
class _Stmt:
    """The tokens of one statement of a display, with its tags and labels."""

    toks: list[_Tok]
    tags: list[str]
    labels: list[str]
    start: _Tok | None  # the separator that began it (None for the first)
    has_rel: bool = False  # a relation at its top level


def _has_top_relation(toks: list[_Tok]) -> bool:
    depth = 0
    for tok in toks:
        if tok.type in _OPEN_TYPES:
            depth += 1
        elif tok.type in _CLOSE_TYPES:
            depth -= 1
        elif tok.type == "REL" and depth == 0:
            return True
    return False


def _statements(toks: list[_Tok], src: _Source) -> list[_Stmt]:
    """Split a display's tokens at SEP / ROWSEP into statements.

    A piece joins the statement before it when it starts with a relation (the chain goes on),
    holds only a justification, or, after a row break or ``\\quad``, starts with
    ``+``/``-``/``\\cdot``/``/`` (the expression goes on); after ``\\quad`` also when one of the
    two holds no relation (``\\quad`` was only spacing).  A piece with a relation of its own
    starts a new statement; any other piece is an error.
    """
    pieces: list[tuple[list[_Tok], list[_Tok]]] = [([], [])]  # (separators before, tokens)
    for tok in toks:
        if tok.type in ("SEP", "ROWSEP"):
            if pieces[-1][1] and any(t.type not in ("TAG", "LABEL") for t in pieces[-1][1]):
                pieces.append(([tok], []))
            else:
                pieces[-1][0].append(tok)
        else:
            pieces[-1][1].append(tok)
    out: list[_Stmt] = []
    pending_tags: list[str] = []
    pending_labels: list[str] = []
    for seps, piece in pieces:
        real = [t for t in piece if t.type not in ("TAG", "LABEL")]
        tags = [t.value for t in piece if t.type == "TAG"]
        labels = [t.value for t in piece if t.type == "LABEL"]
        if not real:
            if out:
                out[-1].tags.extend(tags)
                out[-1].labels.extend(labels)
            else:
                pending_tags.extend(tags)
                pending_labels.extend(labels)
            continue
        if not out:
            out.append(_Stmt(real, pending_tags + tags, pending_labels + labels, None,
                             _has_top_relation(real)))
            continue
        prev = out[-1]
        first = next((t for t in real if t.type != "JUST"), real[0])
        punct = [t for t in seps if t.type == "SEP" and t.value in ",;."]
        spacing = all(t.type == "SEP" and t.value in ("\\quad", "\\qquad") for t in seps)
        has_rel = _has_top_relation(real)
        join = (
            first.type == "REL"
            or all(t.type == "JUST" for t in real)
            or (not punct and first.type in ("ADDOP", "MULOP", "DIVOP"))
            or (spacing and (not has_rel or not prev.has_rel))
        )
        sep = (punct or seps)[-1]
        if join:
            prev.toks.extend(real)
            prev.has_rel = prev.has_rel or has_rel
            prev.tags.extend(tags)
            prev.labels.extend(labels)
        elif has_rel:
            out.append(_Stmt(real, tags, labels, sep, True))
        elif sep.type == "ROWSEP":
            raise src.error("this row neither continues the row above (it does not start with a "
                            "relation, '+', '-' or '\\cdot') nor states a relation of its own",
                            first.start)
        else:
            raise src.error(f"expected a statement with a relation after '{sep.value}' "
                            "(several equations in one display are separated by ',', ';' or "
                            "\\quad)", first.start)
    return out


# ----------------------------------------------------------------------------- tree building


@dataclass(frozen=True)
class _Prod:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class _Lower:
    """A sum's lower script: indices (two for ``\\sum_{k,k'}``), a start, or a set."""

    indices: tuple[Index, ...]
    start: Node | None = None
    domain: Node | None = None


@dataclass(frozen=True)
class _SumHead:
    lower: _Lower | None
    upper: Node | None
    pos: Pos


@dataclass(frozen=True)
class _Wrt:
    mark: Token
    variables: tuple[Node, ...]


@dataclass(frozen=True)
class _Script:
    kind: str  # 'sub' | 'sup' | 'prime' | 'star'
    pos: Pos
    sub: tuple[Node, ...] = ()
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

    def __init__(self, src: _Source, lead: Token | None = None,
                 conditions: dict[int, tuple[int, str, bool]] | None = None) -> None:
        super().__init__()
        self.src = src
        self.lead = lead
        self.conditions = conditions or {}

    def _err(self, message: str, pos: Pos) -> InputError:
        return InputError(message, SourceLocation(self.src.path, pos.line, pos.col))

    # -- chain
    def start(self, c: list[Any]) -> list[Member]:
        members: list[Member] = []
        first_expr, first_just, first_cond = c[0]
        if self.lead is None:
            members.append(Member("", first_expr, first_just, first_expr.pos, False, *first_cond))
        else:
            rel = str(self.lead)
            members.append(Member(rel, first_expr, first_just, _tp(self.lead), rel in APPROXIMATE,
                                  *first_cond))
        for rel, (expr, just, cond) in zip(c[1::2], c[2::2]):
            members.append(Member(str(rel), expr, just, _tp(rel), str(rel) in APPROXIMATE, *cond))
        return members

    def member(self, c: list[Any]) -> tuple[Node, str | None, _Conditions]:
        expr = next(x for x in c if not (isinstance(x, Token) and x.type == "JUST"))
        justs = [t for t in c if isinstance(t, Token) and t.type == "JUST"]
        reasons = [str(t) for t in justs]
        if isinstance(expr, Paren) and expr.kind == "(" and isinstance(expr.expr, Number) \
                and re.fullmatch(r"\d+(?:\.\d+)+[a-z]?", expr.expr.text):
            expr = EqRef(expr.expr.text, expr.pos)
        conds: _Conditions = (None, (), None)
        for t in justs:
            span = self.conditions.get(t.start_pos)  # type: ignore[arg-type]
            if span is not None and conds == (None, (), None) and "\\because" not in span[1] \
                    and "∵" not in span[1]:  # one level: a reason inside a reason stays text
                conds = self._conditions(span)
        return expr, ("; ".join(reasons) if reasons else None), conds

    def _conditions(self, span: tuple[int, str, bool]) -> _Conditions:
        """The conditions a justification states: one relation (``j = j'``), or a list of them
        (``j = j', k = k'``, ``\\text{if } j = j' \\text{ and } k = k'``); the text itself when it
        cannot be read as such (prose that merely contains '=')."""
        start, text, because = span
        pieces = _condition_pieces(text)
        found: list[Condition] = []
        for off, piece in pieces:
            if "\\text" in piece or "$" in piece:  # words the connectives do not cover: unless, is false
                return None, (), text
            at = self.src.pos(start + off)
            try:
                found.append(replace(parse_condition(piece, path=self.src.path, line=at.line, col=at.col),
                                     because=because))
            except InputError:
                return None, (), text
        return (found[0], tuple(found[1:]), None) if found else (None, (), text)

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
            return _Prod((self._sum(head, _node(rest)),))
        if isinstance(head, Nabla) or (isinstance(head, Derivative) and head.of is None):
            return _Prod((Apply(head, _node(rest), head.pos),))
        return _Prod((head,) + rest.items)

    def div_product(self, c: list[Any]) -> _Prod:
        """``a / b c`` is ``(a/b) c``; ``a / b / c`` is ``(a/b)/c``."""
        head, rest = c[0], c[2]
        spine, den = [], rest.items[0]
        while isinstance(den, Div):  # rest began with b / c: rebuild as (head / b) / c
            spine.append(den)
            den = den.num
            if len(spine) > _MAX_TREE_DEPTH:
                raise self._err(f"expression nested more than {_MAX_TREE_DEPTH} levels deep",
                                head.pos)
        node = Div(head, den, head.pos)
        for outer in reversed(spine):
            node = Div(node, outer.den, head.pos)
        return _Prod((node,) + rest.items[1:])

    def _sum(self, head: _SumHead, body: Node) -> Node:
        low = head.lower
        if low is None:
            return Sum(None, None, head.upper, body, head.pos)
        if low.domain is not None:
            if head.upper is not None:
                raise self._err("a sum over a set has no upper limit", _pos_of(head.upper))
            return SumOver(low.indices[0], low.domain, body, head.pos)
        for index in reversed(low.indices[1:]):
            body = Sum(index, None, head.upper, body, index.pos)
        return Sum(low.indices[0], low.start, head.upper, body, head.pos)

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

    def wrt_braced(self, c: list[Any]) -> _Wrt:
        """``\\partial{w_{ji}^{2}}``, ``\\partial{w}^2``: braces around the variable."""
        mark, var = c[0], c[2]
        return self.wrt([mark, self._apply_scripts(var, list(c[4:]))])

    def wrt_subscript(self, c: list[Any]) -> _Wrt:
        """``\\partial_{w_{lk}}`` in a denominator: the variable written as a subscript."""
        return self.wrt([c[0], c[3]])

    def eval_at(self, c: list[Any]) -> EvalAt:
        deriv = c[0]
        return EvalAt(deriv, tuple(c[2]), deriv.pos)

    def sum_head(self, c: list[Any]) -> _SumHead:
        lower, upper = c[1]
        return _SumHead(lower, upper, _tp(c[0]))

    def sum_scripts(self, c: list[Any]) -> tuple[Any, Any]:
        lower = upper = None
        i = 0
        while i < len(c):
            tok = c[i]
            if tok.type == "SUB":
                lower = c[i + 1]
            else:
                if c[i + 1] == "T":
                    raise self._err("'^T' on \\sum is not understood", _tp(tok))
                upper = c[i + 1]
            i += 2
        return lower, upper

    sum_scripts_swapped = sum_scripts

    def sum_lower(self, c: list[Any]) -> _Lower:
        index = next(x for x in c if isinstance(x, Index))
        rel = next((x for x in c if isinstance(x, Token) and x.type == "REL"), None)
        if rel is not None and str(rel) != "=":
            raise self._err(f"expected '=' in the lower limit of a sum, found '{rel}'", _tp(rel))
        lower = _node(c[-2]) if rel is not None else None
        return _Lower((index,), lower)

    def sum_lower_multi(self, c: list[Any]) -> _Lower:
        return _Lower(tuple(x for x in c if isinstance(x, Index)))

    def sum_lower_set(self, c: list[Any]) -> _Lower:
        index = next(x for x in c if isinstance(x, Index))
        return _Lower((index,), domain=_node(c[-2]))

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
        accent = None
        pos = _tp(c[0])
        if isinstance(c[0], Token) and c[0].type == "ACCENT":
            accent, c = str(c[0]), c[1:]
        tok = c[0]
        name = str(tok)
        sym = Symbol(name, (), None, 0, tok.type == "BOLD", pos, tok.type == "BB", accent,
                     tok.type == "CAL")
        return self._apply_scripts(sym, c[1:])

    def func(self, c: list[Any]) -> Func:
        return Func(str(c[0]), _node(c[1]), _tp(c[0]))

    def order(self, c: list[Any]) -> Order:
        return Order(_node(c[2]), _tp(c[0]))

    def abs(self, c: list[Any]) -> Node:
        return self._apply_scripts(Abs(_node(c[1]), _tp(c[0])), c[3:])

    def base(self, c: list[Any]) -> Token:
        return c[0]  # type: ignore[no-any-return]

    def _apply_scripts(self, node: Node, scripts: list[_Script]) -> Node:
        prev: _Script | None = None
        for s in scripts:
            if s.kind == "sub" and prev is not None and prev.kind == "sup" \
                    and isinstance(node, (Pow, Transpose)):
                # w^2_{ji}, \mathbf{b}^T_n: the superscript written first
                inner = node.base if isinstance(node, Pow) else node.expr
                if isinstance(inner, Symbol) and not inner.sub:
                    inner = replace(inner, sub=s.sub)
                    node = replace(node, base=inner) if isinstance(node, Pow) \
                        else replace(node, expr=inner)
                    prev = s
                    continue
            if s.kind == "sub":
                if not isinstance(node, Symbol):
                    raise self._err("a subscript here is not understood: subscripts belong "
                                    "to symbols (w_{kj}, a_k)", s.pos)
                if node.sub:
                    raise self._err(f"second subscript on {node.name}", s.pos)
                node = replace(node, sub=s.sub)
            elif s.kind == "star":
                if not isinstance(node, Symbol):
                    raise self._err("'^*' here is not understood: a star marks a symbol (w^*)",
                                    s.pos)
                if node.accent is not None:
                    raise self._err(f"a second decoration on {node}", s.pos)
                node = replace(node, accent="star")
            elif s.kind == "prime":
                if not isinstance(node, Symbol):
                    raise self._err("a prime here is not understood: primes belong to symbols "
                                    "(h') and indices (k')", s.pos)
                if prev is not None and prev.kind == "sub" and prev.single:
                    raise self._err(
                        f"ambiguous prime after _{''.join(map(str, prev.sub))}: write "
                        f"{node.name}_{{{''.join(map(str, prev.sub))}'}} for a primed index or "
                        f"{node.name}'_{''.join(map(str, prev.sub))} for a primed symbol", s.pos)
                node = replace(node, primes=node.primes + 1)
            else:
                arg = s.sup
                if arg == "T" or (isinstance(arg, Symbol) and arg.name == "T" and not arg.sub
                                  and not arg.bold and not arg.primes and arg.layer is None):
                    node = Transpose(node, node.pos)
                elif isinstance(node, Symbol) and node.layer is None \
                        and isinstance(arg, Paren) and arg.kind == "(" \
                        and isinstance(arg.expr, Number) and arg.expr.text.isdigit():
                    node = replace(node, layer=int(arg.expr.text))
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

    def star_script(self, c: list[Any]) -> _Script:
        return _Script("star", _tp(c[0]))

    def sub_arg(self, c: list[Any]) -> tuple[tuple[Node, ...], bool]:
        single = not (isinstance(c[0], Token) and c[0].type == "LBRACE")
        items: list[Node] = []
        for x in c:
            if isinstance(x, list):
                items.extend(x)
            elif isinstance(x, Token) and x.type == "NUMBER":
                items.extend(self._digits(x))
            elif isinstance(x, Token) and x.type in ("LETTER", "D"):
                items.append(Index(str(x), 0, _tp(x)))
        if not items:
            raise self._err("empty subscript", _tp(c[0]))
        return tuple(items), single

    def sub_part(self, c: list[Any]) -> list[Node]:
        """``kk'`` -> two indices; ``L+1``, ``n-1``, ``2n`` -> one index expression."""
        if not any(isinstance(x, Token) and x.type == "ADDOP" for x in c):
            return [j for x in c for i in x
                    for j in (self._digits(i) if isinstance(i, Token) else [i])]
        terms: list[tuple[int, Node]] = []
        sign, run = 1, []  # type: ignore[var-annotated]
        for x in c + [None]:
            if x is None or (isinstance(x, Token) and x.type == "ADDOP"):
                if run:
                    term = run[0] if len(run) == 1 else Mul(tuple(run), run[0].pos)
                    terms.append((sign, term))
                    run = []
                if x is not None:
                    sign = -1 if str(x) == "-" else 1
            else:
                run.extend(Number(str(i), _tp(i)) if isinstance(i, Token) else i for i in x)
        return [Add(tuple(terms), terms[0][1].pos)]

    def sub_item(self, c: list[Any]) -> list[Any]:
        return [c[0]]  # an Index, or a NUMBER token (split into digits unless in arithmetic)

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
        measures = tuple(x[0] for x in c[2:] if isinstance(x, tuple))
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
    """The LALR parser, its tables cached on disk by lark (``cache=``): building them takes
    about a tenth of a second, loading them a few milliseconds.  The cache file's name holds a
    hash of the grammar, the options and the versions of lark and Python, so a changed grammar
    never loads stale tables; it lives in the user's own cache directory (never a shared
    temporary directory: lark unpickles it).  Without a writable one, nothing is cached."""
    grammar = resources.files("symhess.notation").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer=_TokenFeed, start="start", cache=_cache_file(grammar))


def _cache_file(grammar: str) -> str | bool:
    """``$XDG_CACHE_HOME/symhess/grammar-<hash>.lark`` (default ``~/.cache``), or False when
    that directory cannot be made private to the user; ``SYMHESS_NO_CACHE=1`` turns it off.

    >>> name = _cache_file("start: x")
    >>> name is False or name.endswith(".lark")
    True
    """
    import hashlib
    import os
    import sys

    import lark

    if os.environ.get("SYMHESS_NO_CACHE"):
        return False
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "symhess")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            return False  # not ours alone: do not load pickles from it
        if not os.access(folder, os.W_OK):
            return False
    except OSError:
        return False
    key = hashlib.sha256(f"{grammar}{lark.__version__}{sys.version_info[:2]}".encode()).hexdigest()
    return os.path.join(folder, f"grammar-{key[:32]}.lark")


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


def parse_display(text: str, *, path: str = "<string>", line: int = 1,
                  col: int = 1) -> Display:
    """Parse one display block into its statements (each a :class:`Chain`).

    ``line``/``col`` say where ``text`` starts in the file ``path`` (1-based), so every node's
    ``pos`` and every error's location point into the original file.  Equations side by side
    (``a = b, \\quad c = d``) and rows that state a relation of their own are separate
    statements; a row that starts with a relation continues the chain above.

    >>> d = parse_display(r"x_i \\rightarrow a x_i + b, \\quad w_{ji} \\rightarrow \\frac{1}{a} w_{ji}.")
    >>> [[m.relation for m in c.members] for c in d.statements]
    [['', '\\\\to'], ['', '\\\\to']]
    >>> c = parse_display(r"= z_j z_{j'} M_{kk'} \\tag{5.93}").statements[0]
    >>> c.continues, c.members[0].relation, c.tag, c.steps
    (True, '=', '5.93', 1)
    """
    src = _Source(text, path, line, col)
    lexer = _Lexer(src)
    toks = lexer.run()
    stmts = _statements(toks, src)
    if not stmts:
        raise InputError("empty math block: expected an expression",
                         SourceLocation(path, line, col))
    chains = []
    for k, stmt in enumerate(stmts):
        chains.append(_parse_statement(stmt, src, lexer, k == 0))
    return Display(tuple(chains), chains[0].pos)


def _parse_statement(stmt: _Stmt, src: _Source, lexer: _Lexer, first: bool) -> Chain:
    toks = stmt.toks
    lead = None
    if first and toks[0].type == "REL":
        lead, toks = toks[0], toks[1:]
        if not toks:
            raise src.error(f"expected an expression after '{lead.value}'", lead.end)
    toks = _sum_body_braces(_slash_derivatives(_frac_arguments(list(toks))))
    _mark_calls(toks, lexer.text)
    _mark_abs(toks)
    toks = _close_integrals(_merge_integrals(toks))
    lark_toks = []
    for t in toks:
        p = src.pos(t.start)
        lark_toks.append(Token(t.type, t.value, t.start, p.line, p.col))
    lead_tok = None
    if lead is not None:
        p = src.pos(lead.start)
        lead_tok = Token("REL", lead.value, lead.start, p.line, p.col)
    try:
        tree = _lark().parse(lark_toks)
    except UnexpectedToken as exc:
        raise _syntax_error(exc, src) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        raise InputError(f"cannot read this block: {exc}",
                         SourceLocation(src.path, src.line, src.col)) from None
    try:
        members = _Build(src, lead_tok, lexer.conditions).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, InputError):
            raise exc.orig_exc from None
        raise
    _check_depth(members, src)
    return Chain(tuple(members), members[0].pos, stmt.tags[0] if stmt.tags else None,
                 lead is not None, tuple(stmt.labels))


def parse_chain(text: str, *, path: str = "<string>", line: int = 1, col: int = 1) -> Chain:
    """Parse a display block that holds one statement into its :class:`Chain`.

    A display with several statements is refused (read it with :func:`parse_display`).

    >>> c = parse_chain(r"H \\simeq \\sum \\mathbf{b}_n \\mathbf{b}_n^T \\tag{4}", line=46, col=3)
    >>> c.tag, c.members[1].relation, c.members[1].approximate, str(c.members[1].pos)
    ('4', '\\\\simeq', True, '46:5')
    >>> parse_chain(r"a = \\frac{1}{2", path="x.md", line=3, col=3)
    Traceback (most recent call last):
    ...
    symhess.errors.InputError: x.md:3:17: expected '}' to close '{' opened at 3:15, found the end of the block
    """
    display = parse_display(text, path=path, line=line, col=col)
    if len(display.statements) > 1:
        second = display.statements[1].pos
        raise InputError(f"this display holds {len(display.statements)} statements (the second "
                         f"begins at {second}); parse_display reads them one by one",
                         SourceLocation(path, second.line, second.col))
    return display.statements[0]


def parse_condition(text: str, *, path: str = "<string>", line: int = 1,
                    col: int = 1) -> Condition:
    """Read a condition: one relation between two expressions (``j \\neq j'``, ``z_j \\neq 0``).

    ``text`` is mathematics (the inside of ``$…$`` in a line of prose); a surrounding ``$…$``
    is also accepted.

    >>> c = parse_condition(r"j \\neq j'", path="n.md", line=7, col=7)
    >>> c.lhs, c.relation, str(c.pos)
    (Symbol(name='j', sub=(), layer=None, primes=0, bold=False, blackboard=False, \
accent=None, calligraphic=False), '\\\\neq', '7:9')
    >>> parse_condition("a = b = c", path="n.md")
    Traceback (most recent call last):
    ...
    symhess.errors.InputError: n.md:1:7: expected a condition: one relation between two expressions (j \\neq j'), found 2 relations
    """
    m = re.fullmatch(r"(\s*\$)(.*?)\$\s*", text, re.S)
    if m:
        text, col = m.group(2), col + len(m.group(1))
    display = parse_display(text, path=path, line=line, col=col)
    if len(display.statements) != 1:
        at = display.statements[1].pos
        raise InputError("expected a condition: one relation between two expressions, found "
                         "several statements", SourceLocation(path, at.line, at.col))
    chain = display.statements[0]
    rels = [m for m in chain.members if m.relation]
    if chain.continues or len(chain.members) != 2:
        at = rels[-1].pos if len(rels) > 1 else chain.pos
        found = f"{len(rels)} relations" if rels else "no relation"
        raise InputError("expected a condition: one relation between two expressions "
                         f"(j \\neq j'), found {found}", SourceLocation(path, at.line, at.col))
    lhs, rhs = chain.members
    return Condition(lhs.expr, rhs.relation, rhs.expr, rhs.pos)


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
