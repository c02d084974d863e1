"""TeX fragments of derivation results: step chains with ∵, PRML tags, verdict lines.

Everything here formats what a :class:`~symhess.results.DerivationResult` already holds;
nothing is derived or checked again.  Long lines are broken at top-level ``+``/``-``
so that displays stay inside the text block.

>>> from symhess.results import DerivationResult, Step
>>> r = DerivationResult("5.93", "x", "proved",
...     (Step(r"\\frac{\\partial^2 E_n}{\\partial w_{kj} \\partial w_{k'j'}}", None, ""),
...      Step(r"z_j z_{j'} M_{kk'}", r"\\because (5.92)")), None, 0.1, title="both weights in layer 2")
>>> print(chain_rows(r))
\\frac{\\partial^2 E_n}{\\partial w_{kj} \\partial w_{k'j'}} &= z_j z_{j'} M_{kk'} \\quad (\\because (5.92))
>>> equation_tag("5.95"), equation_tag("ex5.23", "en")
('\\\\tag{5.95}', '\\\\tag{Ex.~5.23}')
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..results import DerivationResult, NumericCheck, Step
from .content import Algorithm, CorrespondenceRow, Figure, Handout, Section
from .words import words

# Width of a display line in the units of :func:`width` (about one "x" each).
DISPLAY_WIDTH = 64.0
# Formulas in notes wider than this go on a line of their own (inline math cannot break
# inside \left…\right).
NOTE_MATH_WIDTH = 22.0

_RELATIONS = {"=": "=", "≃": r"\simeq", "≈": r"\approx", "~": r"\sim", "<=": r"\le", ">=": r"\ge"}
_TEXT_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "~": r"\~{}", "$": r"\$",
}


# --------------------------------------------------------------------------- text
def escape_text(text: str) -> str:
    """Plain text made safe for TeX.

    >>> escape_text("50% of a_k & more")
    '50\\\\% of a\\\\_k \\\\& more'
    """
    return "".join(_TEXT_SPECIALS.get(c, c) for c in text)


Segment = tuple[str, str]  # (kind, text): kind is "text", "math" or "code"

_OPS = {"=", "+", "-", "/", "<", ">", "*", "|", "≤", "≥", "≃", "≈", "→"}
_STRONG_OPS = {"->", "!=", ">=", "<=", "=>"}
_CODE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*(?:_[A-Za-z0-9]+)+(?:\.[A-Za-z0-9_]+)*")
_COMMAND_WORDS = ("sum", "prod", "nabla", "partial", "sqrt", "grad")
_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
          "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
          "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega")
_GREEK_WORD = re.compile(rf"(?<![\\A-Za-z])({'|'.join(_GREEK)})(?![A-Za-z])")
_COMMAND_WORD = re.compile(rf"(?<![\\A-Za-z])({'|'.join(_COMMAND_WORDS)})(?![A-Za-z])")


def _kind(tok: str) -> str:
    """What a word of prose is: space, code, math (starts a formula), op, weak or text."""
    if tok.isspace():
        return "space"
    core = re.sub(r"(?<!\\)[.,;:]+$", "", tok)
    if re.fullmatch(r"\\[,;:! ]|\\q?quad", core):
        return "op"  # spacing inside a formula
    if "\\" not in core and re.search(r"(?<![A-Za-z])[A-Za-z]{2,}_[A-Za-z]{3,}", core):
        return "code"  # sum_of_squares, max_rel_error, tanh/softplus_x
    if _CODE_WORD.fullmatch(core) and "\\" not in core and not _GREEK_WORD.match(core) \
            and not _COMMAND_WORD.match(core) and len(core.split("_")[0].split(".")[-1]) >= 3:
        return "code"
    if re.search(r"\\[A-Za-z]|[_^]|[A-Za-z]~|\*\*", tok) or _GREEK_WORD.search(core) \
            or core in _STRONG_OPS or core == "oo":
        return "math"
    if re.fullmatch(rf"(?:{'|'.join(_COMMAND_WORDS)})_\w+'*", core):
        return "math"
    if re.fullmatch(r"\(\d+\.\d+(?:[–-]\d+(?:\.\d+)?)?\)", core):
        return "text"  # an equation number such as (5.64)
    if core in _OPS or re.fullmatch(rf"[|(]?(?:{'|'.join(_COMMAND_WORDS)})", core):
        return "op"
    if re.fullmatch(r"(?:sqrt|exp|log)?[(\[|]?(?:[A-Za-z]|d[a-z]|-?\d+(?:\.\d+)?(?:/\d+)?)[)\]|]?|[()\[\]|]", core):
        return "weak"
    return "text"


def segments(text: str) -> list[Segment]:
    """Prose that may carry LaTeX, cut into text, math and code segments.

    ``$…$`` is math; outside it, a run of words from one with a backslash command,
    ``_`` or ``^`` through operators and single letters/numbers is math
    (``y_{nk} - t_{nk}``, ``\\sum_k t_{nk} = 1``); ``snake_case`` names are code.

    >>> segments(r"drop \\sum_n (y_n - t_n) here")
    [('text', 'drop '), ('math', '\\\\sum_n (y_n - t_n)'), ('text', ' here')]
    >>> segments("vs symhess.numeric.exact_hessian @ v")
    [('text', 'vs '), ('code', 'symhess.numeric.exact_hessian'), ('text', ' @ v')]
    """
    out: list[Segment] = []

    def add(kind: str, piece: str) -> None:
        if not piece:
            return
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + piece)
        else:
            out.append((kind, piece))

    for i, part in enumerate(re.split(r"(\$[^$]*\$)", text)):
        if i % 2 == 1:
            add("math" if _safe_math(part[1:-1]) else "text", part[1:-1])
            continue
        toks = _words(part)
        kinds = [_kind(t) for t in toks]
        j = 0
        while j < len(toks):
            k = kinds[j]
            if k == "code":
                core = re.sub(r"(?<!\\)[.,;:]+$", "", toks[j])
                add("code", core)
                add("text", toks[j][len(core):])
                j += 1
                continue
            if k != "math":
                add("text", toks[j])
                j += 1
                continue
            # a math run: take in the weak words and operators just before it ("x -> y"),
            # extend through math/op/weak/space, then trim its tail
            start = j
            while start > 0:
                prev = start - 1
                while prev >= 0 and kinds[prev] == "space":
                    prev -= 1
                if prev >= 0 and kinds[prev] in ("weak", "op") and out and out[-1][0] == "text" \
                        and out[-1][1].rstrip().endswith("".join(toks[prev:j]).rstrip()):
                    start = prev
                else:
                    break
            if start < j:
                taken = "".join(toks[start:j])
                head = out[-1][1]
                cut = head.rstrip()
                cut = cut[: len(cut) - len(taken.rstrip())]
                out[-1] = ("text", cut)
                if not cut:
                    out.pop()
            end = j
            last = j
            while end < len(toks) and kinds[end] in ("math", "op", "weak", "space"):
                if kinds[end] in ("math", "weak"):
                    last = end
                if re.search(r"(?<!\\)[,;:]$", toks[end].rstrip()) and kinds[end] != "math":
                    break  # "…, K" ends a formula at the comma
                end += 1
            run = "".join(toks[start:last + 1])
            core = re.sub(r"(?<!\\)[.,;:]+$", "", run)
            tail, run = run[len(core):], core
            lead = ""
            while run.startswith("(") and run.count("(") > run.count(")"):
                lead, run = lead + "(", run[1:]
            while run.endswith(")") and run.count(")") > run.count("("):
                tail, run = ")" + tail, run[:-1]
            add("text", lead)
            math = _plain_math(run)
            add("math" if _safe_math(math) else "text", math if _safe_math(math) else run)
            add("text", tail)
            j = last + 1
    return out


def _plain_math(run: str) -> str:
    """Math written in plain words made TeX (``w_kj``, ``a**2*lambda_1``, ``x -> y``, ``!=``, ``w~``).

    >>> _plain_math("lambda_1 -> a**2*lambda_1 != sqrt(pi) w~")
    '\\\\lambda_1 \\\\to  a^{2} \\\\lambda_1 \\\\ne  \\\\sqrt{\\\\pi} \\\\tilde{w}'
    """
    if "\\" not in run or re.search(r"\*\*|->|!=|sqrt\(", run):
        run = _GREEK_WORD.sub(r"\\\1", run)
        run = re.sub(r"(?<![\\A-Za-z])sqrt\(([^()]*)\)", r"\\sqrt{\1}", run)
        run = re.sub(r"(?<![\\A-Za-z])grad(?![A-Za-z])", r"\\nabla", run)
        run = re.sub(r"(?<![\\A-Za-z])(sum|prod|nabla|partial)(?![A-Za-z])", r"\\\1", run)
        run = re.sub(r"(?<![A-Za-z\\])oo(?![A-Za-z])", r"\\infty", run)
    run = run.replace("**", "^")
    run = re.sub(r"(?<=[\w})])\*(?=[\w\\(])", " ", run)
    run = re.sub(r"\^(\([^()]*\)|-?\d+(?:/\d+)?)", r"^{\1}", run)
    run = re.sub(r"_([A-Za-z0-9]{2,}'*|[A-Za-z0-9]'+)", r"_{\1}", run)
    run = re.sub(r"(\\[A-Za-z]+|(?<![\\A-Za-z])[A-Za-z])~", r"\\tilde{\1}", run)
    for a, b in (("->", r"\to "), ("=>", r"\Rightarrow "), ("!=", r"\ne "), (">=", r"\ge "), ("<=", r"\le ")):
        run = run.replace(a, b)
    return re.sub(r"(?<!\\)([%&#$])", r"\\\1", run)


def _safe_math(run: str) -> bool:
    """Whether ``run`` can go between ``$`` without breaking TeX (balanced, no dangling ^ or _)."""
    depth = 0
    for m in re.finditer(r"\\[{}]|[{}]", run):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
            if depth < 0:
                return False
    if depth != 0 or re.search(r"[\^_]\s*$", run) or re.search(r"(?<!\\)(\\\\)*\\$", run):
        return False
    if re.search(r"(?<!\\)[$%#&]", run):
        return False
    if re.search(r"([_^])\s*(\{[^{}]*\}|\\[A-Za-z]+|[^\s{}\\])\s*\1", run):
        return False  # a double subscript or superscript
    return len(re.findall(r"\\left(?![A-Za-z])", run)) == len(re.findall(r"\\right(?![A-Za-z])", run))


def text_with_math(text: str, escape: Callable[[str], str] | None = None,
                   *, display_over: float | None = None) -> str:
    """Prose that may carry LaTeX as TeX text: math in ``$…$``, code in ``\\texttt``.

    A math segment wider than ``display_over`` (see :func:`width`) becomes a display.

    >>> text_with_math("definition of a_k (5.64)")
    'definition of $a_k$ (5.64)'
    >>> text_with_math("drops $\\\\sum_n e_n$ & more")
    'drops $\\\\sum_n e_n$ \\\\& more'
    """
    esc = escape or escape_text
    out = []
    for kind, piece in segments(text):
        if kind == "math":
            if display_over is not None and width(piece) > display_over:
                out.append(display_math(piece, 0.85 * DISPLAY_WIDTH))
            else:
                # a trailing backslash would escape the closing $; a line break has no place
                # in inline maths
                piece = piece.replace("\\\\", r"\backslash\backslash ").rstrip("\\")
                out.append(f"${piece}$")
        elif kind == "code":
            out.append(rf"\texttt{{{esc(piece)}}}" if escape is None else f"`{piece}`")
        else:
            out.append(esc(piece))
    return "".join(out)


def display_math(latex: str, room: float) -> str:
    """An unnumbered display for a long formula, broken at top-level ``+``/``-`` and ``=``.

    >>> display_math("a = b", 40.0)
    '\\\\[\\\\begin{aligned}a &= b\\\\end{aligned}\\\\]'
    """
    lhs, rel, rhs = _split_relation(latex)
    if rel:
        lines = _pack(split_terms(rhs), room - min(width(lhs), room / 2))
        body = f"{lhs} &= " + r" \\ &\phantom{=}\quad ".join(lines)
    else:
        lines = _pack(split_terms(latex), room)
        body = "&" + r" \\ &\quad ".join(lines)
    return rf"\[\begin{{aligned}}{body}\end{{aligned}}\]"


def _words(text: str) -> list[str]:
    """Split at spaces that are outside braces (so ``\\frac{a}{b c}`` stays whole)."""
    toks: list[str] = []
    depth, cur = 0, ""
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        if c.isspace() and depth == 0:
            if cur:
                toks.append(cur)
            toks.append(c)
            cur = ""
        else:
            cur += c
    if cur:
        toks.append(cur)
    return toks


def justification(just: str | None, escape: Callable[[str], str] | None = None) -> str:
    """A step's justification in math mode: ``(\\because …)``, or ``""`` when there is none.

    Text goes in ``\\text{}``, formulas stay math (in text style, so sums keep their
    limits at the side).

    >>> justification(r"\\because (5.92)")
    '(\\\\because (5.92))'
    >>> justification("chain rule")
    '(\\\\because \\\\text{chain rule})'
    >>> justification(r"drop \\sum_n e_n")
    '{\\\\textstyle (\\\\because \\\\text{drop }\\\\sum_n e_n)}'
    >>> justification(None)
    ''
    """
    lines = justification_lines(just, None, escape)
    return lines[0] if lines else ""


def justification_lines(just: str | None, room: float | None,
                        escape: Callable[[str], str] | None = None) -> list[str]:
    """A justification on as many lines as it needs to stay within ``room``.

    Lines break after ``;`` (the way derivations list several reasons).

    >>> justification_lines("chain rule; product rule", 12.0)
    ['(\\\\because \\\\text{chain rule;}', '\\\\phantom{(\\\\because{}} \\\\text{product rule})']
    """
    if not just or not just.strip():
        return []
    body = re.sub(r"^\s*(\\because|∵|because)\s*", "", just.strip()).strip()
    if not body:
        return []
    if re.fullmatch(r"[\s(),.\d–-]+", body):
        return [rf"(\because {body})"]
    pieces = [p.strip() for p in _split_top(body, ";")]
    groups = [[pieces[0]]]
    for p in pieces[1:]:
        cand = "; ".join(groups[-1] + [p])
        if room is not None and width(_math_of(cand, escape)) + 3.0 > room:
            groups.append([p])
        else:
            groups[-1].append(p)
    out = []
    for i, g in enumerate(groups):
        text = "; ".join(g) + (";" if i < len(groups) - 1 else "")
        inner = _math_of(text, escape)
        opening = r"(\because " if i == 0 else r"\phantom{(\because{}} "
        closing = ")" if i == len(groups) - 1 else ""
        line = opening + inner + closing
        out.append(rf"{{\textstyle {line}}}" if _has_math(text) else line)
    return out


def _split_top(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside brackets and ``$…$``."""
    parts, depth, cur, in_math = [], 0, "", False
    for c in text:
        if c == "$":
            in_math = not in_math
        elif c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        if c == sep and depth == 0 and not in_math:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return [p for p in parts if p.strip()]


def _has_math(text: str) -> bool:
    return any(kind == "math" for kind, _ in segments(text))


def _math_of(text: str, escape: Callable[[str], str] | None) -> str:
    """Prose as a math-mode fragment: text in ``\\text{}``, math as is."""
    esc = escape or escape_text
    parts = []
    for kind, piece in segments(text):
        if kind == "math":
            parts.append(piece)
        elif kind == "code":
            parts.append(rf"\texttt{{{esc(piece)}}}" if escape is None else rf"\text{{{esc(piece)}}}")
        else:
            parts.append(rf"\text{{{esc(piece)}}}")
    return "".join(parts)


def translate(just: str | None, lang: str) -> str | None:
    """A justification with the phrases the phrase book of ``lang`` knows translated.

    >>> translate("chain rule, product rule (5.50), (5.92)", "ja")
    '連鎖律, 積の微分 (5.50), (5.92)'
    """
    if not just:
        return just
    book = words(lang).phrases
    for phrase in sorted(book, key=len, reverse=True):
        just = re.sub(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", book[phrase].replace("\\", "\\\\"), just)
    return just


def relation(rel: str) -> str:
    """The TeX for a step's relation (``=``, ``\\simeq``, …).

    >>> relation("≃"), relation("")
    ('\\\\simeq', '=')
    """
    rel = rel.strip()
    return _RELATIONS.get(rel, rel) if rel else "="


def equation_tag(number: str, lang: str = "ja") -> str:
    """PRML's equation number as ``\\tag{…}``; exercises as ``演習 5.23`` / ``Ex. 5.23``.

    >>> equation_tag("ex5.17")
    '\\\\tag{演習 5.17}'
    """
    return rf"\tag{{{tag_text(number, lang)}}}"


def tag_text(number: str, lang: str = "ja") -> str:
    """The visible text of an equation number.

    >>> tag_text("5.95"), tag_text("ex5.23", "en"), tag_text("5.115-5.117")
    ('5.95', 'Ex.~5.23', '5.115–5.117')
    """
    number = re.sub(r"(?<=\d)\s*-\s*(?=\d)", "–", number)
    m = re.fullmatch(r"\s*ex\.?\s*(.+)", number, flags=re.I)
    if m:
        return ("演習 " if lang == "ja" else "Ex.~") + m.group(1)
    return number


# --------------------------------------------------------------------------- widths
_ZERO = {"left", "right", "mathopen", "mathclose", "big", "Big", "bigg", "Bigg", "bigl", "bigr",
         "Bigl", "Bigr", "displaystyle", "textstyle", "limits", "nolimits", "mathrm", "mathbf",
         "boldsymbol", "mathcal", "mathbb", "operatorname", "mathit", "mathsf", "bm", "tag", "label"}
_SPACES = {",": 0.3, ";": 0.5, ":": 0.4, "!": -0.2, " ": 0.4, "quad": 2.0, "qquad": 4.0}


def width(latex: str) -> float:
    """A rough width of a math expression, in units of about one italic letter.

    Fractions count their wider part, sub/superscripts 60%, spacing commands what they
    add.  Good enough to decide where to break a display.

    >>> width("a + b") < width(r"\\frac{\\partial^2 E_n}{\\partial w_{kj} \\partial w_{k'j'}}")
    True
    """
    return _width(_tokens(latex))


def _tokens(latex: str) -> list[str]:
    return re.findall(r"\\[A-Za-z]+|\\.|[{}]|\S", latex)


def _group(toks: list[str], i: int) -> tuple[list[str], int]:
    """The tokens of the group starting at ``toks[i]`` (braced or a single token)."""
    if i >= len(toks):
        return [], i
    if toks[i] != "{":
        return [toks[i]], i + 1
    depth, j = 0, i
    while j < len(toks):
        if toks[j] == "{":
            depth += 1
        elif toks[j] == "}":
            depth -= 1
            if depth == 0:
                return toks[i + 1:j], j + 1
        j += 1
    return toks[i + 1:], len(toks)


def _width(toks: list[str]) -> float:
    w, i = 0.0, 0
    while i < len(toks):
        t = toks[i]
        if t in ("{", "}"):
            i += 1
        elif t in ("_", "^"):
            g, i = _group(toks, i + 1)
            w += 0.6 * _width(g)
        elif t in ("\\frac", "\\dfrac", "\\tfrac"):
            a, i = _group(toks, i + 1)
            b, i = _group(toks, i)
            w += max(_width(a), _width(b)) + 0.4
        elif t in ("\\text", "\\mathrm", "\\textrm", "\\operatorname") and i + 1 < len(toks):
            g, i = _group(toks, i + 1)
            if t == "\\text":
                w += sum(1.8 if ord(c) > 0x2E7F else 0.9 for c in "".join(g))
            else:
                w += _width(g)
        elif t.startswith("\\") and t[1:] in _ZERO:
            i += 1
        elif t.startswith("\\") and t[1:] in _SPACES:
            w += _SPACES[t[1:]]
            i += 1
        elif t in ("=", "+", "-", "<", ">") or t in ("\\simeq", "\\approx", "\\le", "\\ge", "\\cdot", "\\times", "\\gets"):
            w += 2.2
            i += 1
        elif t in ("\\sum", "\\int", "\\prod", "\\iint"):
            w += 2.0
            i += 1
        elif t in ("(", ")", "[", "]", "|", ",", "'", "."):
            w += 0.5
            i += 1
        else:
            w += 1.2 if ord(t[0]) > 0x2E7F else 1.0
            i += 1
    return w


# --------------------------------------------------------------------------- breaking
def split_terms(latex: str) -> list[str]:
    """``latex`` cut before each top-level ``+`` or ``-`` (not inside any bracket).

    >>> split_terms(r"a + \\left(b - c\\right) - \\frac{d+e}{f}")
    ['a', '+ \\\\left(b - c\\\\right)', '- \\\\frac{d+e}{f}']
    """
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    prev = ""
    n = len(latex)
    while i < n:
        c = latex[i]
        if latex.startswith("\\left", i) and not latex[i + 5:i + 6].isalpha():
            depth += 1
            i += 5
            i = _skip_delim(latex, i)
            prev = "("
            continue
        if latex.startswith("\\right", i) and not latex[i + 6:i + 7].isalpha():
            depth -= 1
            i += 6
            i = _skip_delim(latex, i)
            prev = ")"
            continue
        if c == "\\" and i + 1 < n:
            if latex[i + 1] in "{[(":
                depth += 1
            elif latex[i + 1] in "}])":
                depth -= 1
            m = re.match(r"\\([A-Za-z]+|.)", latex[i:])
            step = len(m.group(0)) if m else 2
            prev = latex[i:i + step]
            i += step
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c in "+-" and depth == 0 and latex[start:i].strip() and prev not in ("=", "+", "-", "^", "_", "(", "&"):
            parts.append(latex[start:i].strip())
            start = i
        if not c.isspace():
            prev = c
        i += 1
    parts.append(latex[start:].strip())
    return [p for p in parts if p]


def _skip_delim(latex: str, i: int) -> int:
    while i < len(latex) and latex[i] == " ":
        i += 1
    m = re.match(r"\\[A-Za-z]+|\\.|.", latex[i:])
    return i + (len(m.group(0)) if m else 0)


def _pack(terms: Sequence[str], room: float) -> list[str]:
    """Greedily join ``terms`` into lines no wider than ``room`` (a long term stays alone)."""
    lines: list[str] = []
    cur = ""
    for t in terms:
        cand = f"{cur} {t}".strip()
        if cur and width(cand) > room:
            lines.append(cur)
            cur = t
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def chain_rows(result: DerivationResult, max_width: float = DISPLAY_WIDTH, *, lang: str = "en",
               escape: Callable[[str], str] | None = None) -> str:
    """The body of an ``aligned`` block for ``result``'s step chain (rows joined by ``\\\\``)."""
    return " \\\\\n".join(chain_row_list(result, max_width, lang=lang, escape=escape))


def chain_row_list(result: DerivationResult, max_width: float = DISPLAY_WIDTH, *, lang: str = "en",
                   escape: Callable[[str], str] | None = None) -> list[str]:
    """The rows of ``result``'s step chain, each with one ``&`` before its relation.

    A step whose line would be too wide is broken at top-level ``+``/``-``; a
    justification that does not fit beside its step moves to lines of its own.  A wide
    left-hand side goes on a line by itself.
    """
    return [row for rows, _ in chain_step_rows(result, max_width, lang=lang, escape=escape) for row in rows]


def chain_step_rows(result: DerivationResult, max_width: float = DISPLAY_WIDTH, *, lang: str = "en",
                    escape: Callable[[str], str] | None = None) -> list[tuple[list[str], int]]:
    """The rows of the chain grouped by step: ``(rows, i)`` with ``rows[i]`` ending the formula.

    Group 0 is the left-hand side on a line of its own (empty when it shares the first
    step's line), so group ``s`` belongs to step ``s``.

    >>> from symhess.results import DerivationResult, Step
    >>> r = DerivationResult("x", "a", "proved", (Step("a", None, ""), Step("b", "def")), None, 0, title="t")
    >>> chain_step_rows(r)
    [([], 0), (['a &= b \\\\quad (\\\\because \\\\text{def})'], 0)]
    """
    steps = _chain_steps(result)
    first, rest = steps[0], steps[1:]
    if not rest:
        return [(["&" + first.latex], 0)]
    lhs = first.latex
    lw = width(lhs)
    own_line = lw > 0.4 * max_width
    groups: list[tuple[list[str], int]] = [(["&" + lhs], 0) if own_line else ([], 0)]
    indent = r"\quad " if own_line else ""
    room = max_width - (4.0 if own_line else lw) - 3.0
    for n, s in enumerate(rest):
        rel = relation(s.relation)
        just_text = translate(s.justification, lang)
        lead = lhs if (n == 0 and not own_line) else ""
        amp = "&" + indent
        lines = _pack(split_terms(s.latex), room)
        body = [f"{lead} {amp}{rel} {lines[0]}".strip()]
        body += [rf"{amp}\phantom{{{rel}}}\quad {ln}" for ln in lines[1:]]
        main = len(body) - 1
        one = justification_lines(just_text, None, escape)
        if one:
            if width(lines[-1]) + width(one[0]) + 2.0 <= room:
                body[-1] += rf" \quad {one[0]}"
            else:
                for jl in justification_lines(just_text, room - 4.0, escape):
                    body.append(rf"{amp}\phantom{{{rel}}}\qquad {jl}")
        groups.append((body, main))
    return groups


def _chain_steps(result: DerivationResult) -> tuple[Step, ...]:
    if result.steps:
        return result.steps
    return (Step(result.statement_latex, None, ""),)


def widest_row(rows: str) -> float:
    """Width of the widest row of an ``aligned`` body (for choosing a smaller font).

    >>> widest_row("a &= b \\\\\\n&= c + d") > widest_row("a &= b")
    True
    """
    return max(width(r.replace("&", "")) for r in rows.split("\\\\\n"))


# --------------------------------------------------------------------------- blocks
def verdict_label(verdict: str, lang: str = "ja") -> str:
    """The coloured verdict label macro for ``verdict`` (defined in the preamble).

    >>> verdict_label("proved", "en")
    '\\\\verdict{proved}{proved symbolically}'
    """
    w = words(lang)
    return rf"\verdict{{{verdict}}}{{{w.verdict.get(verdict, verdict)}}}"


def numeric_summary(num: NumericCheck | None, lang: str = "ja",
                    escape: Callable[[str], str] | None = None) -> str:
    """One sentence on a numeric check: sizes, number of points, worst relative error.

    >>> from symhess.results import NumericCheck
    >>> numeric_summary(NumericCheck(({"D": 1, "M": 1, "K": 1}, {"D": 3, "M": 4, "K": 2}), 20, 3.2e-15), "en")
    'Also checked numerically at $(D, M, K) = (1, 1, 1), (3, 4, 2)$, 20 points: relative error at most $3.2 \\\\times 10^{-15}$.'
    """
    if num is None:
        return ""
    w = words(lang)
    sizes = sizes_latex(reader_sizes(num.sizes))
    err = sci_latex(num.max_rel_error)
    return w.numeric.format(sizes=sizes, points=num.points, err=f"${err}$")


def reader_sizes(sizes: Sequence[dict[str, int]]) -> list[dict[str, int]]:
    """The sizes a reader knows (D, M, K, N, W: one capital letter), repeats dropped.

    >>> reader_sizes(({"D": 1, "bias": 0}, {"D": 1, "bias": 1}, {"W": 3, "nodes_x": 80}))
    [{'D': 1}, {'W': 3}]
    """
    out: list[dict[str, int]] = []
    for s in sizes:
        kept = {k: v for k, v in s.items() if re.fullmatch(r"[A-Z]", k)}
        if kept and kept not in out:
            out.append(kept)
    return out


def sizes_latex(sizes: Sequence[dict[str, int]]) -> str:
    """``({"D":1,"M":2}, {"D":3,"M":4})`` as ``$(D, M) = (1, 2), (3, 4)$``.

    >>> sizes_latex(({"N": 10}, {"N": 20}))
    '$N = 10, 20$'
    >>> sizes_latex(({"D": 1}, {"M": 2}))
    '$D = 1$, $M = 2$'
    """
    sizes = [s for s in sizes if s]
    if not sizes:
        return ""
    keys = list(sizes[0])
    if all(list(s) == keys for s in sizes):
        vals = [", ".join(str(s[k]) for k in keys) for s in sizes]
        if len(keys) == 1:
            return f"${keys[0]} = {', '.join(vals)}$"
        return f"$({', '.join(keys)}) = " + ", ".join(f"({v})" for v in vals) + "$"
    return ", ".join(sizes_latex([s]) for s in sizes)


def sci_latex(x: float) -> str:
    """A float in TeX scientific notation with two significant figures.

    >>> sci_latex(3.21e-15), sci_latex(0.0), sci_latex(0.5)
    ('3.2 \\\\times 10^{-15}', '0', '0.5')
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else escape_text(str(x))
    e = math.floor(math.log10(abs(x)))
    if -2 <= e <= 2:
        return f"{x:.2g}"
    m = x / 10**e
    return rf"{m:.1f} \times 10^{{{e}}}"


def status_line(result: DerivationResult, lang: str = "ja") -> str:
    """The verdict of ``result`` and how it was checked, as a short paragraph.

    >>> from symhess.results import DerivationResult
    >>> r = DerivationResult("5.93", "x", "proved", (), None, 0.25, title="t")
    >>> status_line(r, "en")
    '\\\\status{\\\\verdict{proved}{proved symbolically}}'
    """
    parts = [verdict_label(result.verdict, lang)]
    num = numeric_summary(result.numeric, lang)
    if num:
        parts.append(num)
    body = r"\quad{}".join(parts)
    return rf"\status{{{body}}}"


def derivation_block(result: DerivationResult, lang: str = "ja", *, title: str | None = None) -> str:
    """A complete TeX block: heading, the tagged step chain, verdict, notes and assumptions."""
    w = words(lang)
    rows = chain_row_list(result, lang=lang)
    size = r"\small" if widest_row(" \\\n".join(rows)) > DISPLAY_WIDTH * 0.95 else ""
    out = [rf"\derivhead{{{tag_text(result.equation, lang)}}}{{{text_with_math(title or result.title)}}}"]
    if result.assumptions:
        out.append(r"\noindent{\small " + w.assumptions + " "
                   + "; ".join(text_with_math(translate(a, lang) or "") for a in result.assumptions) + r"\par}")
    # align (not aligned): long chains may break across pages; the tag sits on the last row
    body = " \\notag \\\\\n".join(rows) + " " + equation_tag(result.equation, lang)
    out.append("{" + size + "\n\\begin{align}\n" + body + "\n\\end{align}}")
    out.append(status_line(result, lang))
    if result.erratum is not None:
        out.append(erratum_block(result, lang))
    notes = handout_notes(result, lang)
    if notes:
        items = "\n".join(r"  \item " + text_with_math(n, display_over=NOTE_MATH_WIDTH) for n in notes)
        out.append("\\begin{notes}\n" + items + "\n\\end{notes}")
    return "\n".join(out) + "\n"


# Words that belong to the program, not to a seminar handout.
_INTERNAL = re.compile(r"\b\d+(\.\d+)? ?(us|µs|ms)\b|\b[a-z]+\.[a-z]*_[a-z_]*\b|\b[a-z]+\.[a-z]+\.[a-z]+\b|\b[a-z]+_[a-z]+_[a-z_]+\b|\bmax_rel_error\b|lambdif|SymPy|sympy|"
                       r"\bsymhess\b|\bin [\d.]+ ?s\b|\bseconds?\b|a bug in|\bcorrected form\b|"
                       r"^counterexample:|disagrees with the derivation", re.I)


def handout_notes(result: DerivationResult, lang: str = "ja") -> list[str]:
    """The notes a handout shows: none in Japanese (the derivations' notes are English), and
    in English those that speak to a reader (no module names, timings or the erratum text
    already shown as an erratum).

    >>> from symhess.results import DerivationResult
    >>> r = DerivationResult("x", "s", "proved", (), None, 0.0,
    ...     notes=("PRML prints H for M", "vs numeric.exact_hessian: 1e-16"), title="t")
    >>> handout_notes(r, "en"), handout_notes(r, "ja")
    (['PRML prints H for M'], [])
    """
    if lang != "en":
        return []
    return [n for n in result.notes if not _INTERNAL.search(n)]


def erratum_lines(result: DerivationResult, lang: str = "ja") -> tuple[str, str, str]:
    """"PRML prints …", "this is wrong for … (counterexample …)", "derived: … ✓" (TeX, math in ``$``)."""
    e = result.erratum
    assert e is not None
    w = words(lang).erratum
    wrong = w["wrong_when"].format(when=f"${e.wrong_when}$") if e.wrong_when else w["wrong"]
    c = e.counterexample
    if c is not None:
        groups = [[f"${_var(k)} = {v}$" for k, v in c.sizes.items()],
                  [f"${_var(k)} = {v}$" for k, v in c.indices.items()],
                  [f"${_var(k)} = {v:g}$" for k, v in c.parameters.items()]]
        where = "; ".join(", ".join(g) for g in groups if g)
        wrong += (f" ({w['counterexample']}: {where}: {w['printed']} ${c.printed:.4g}$, "
                  f"{w['true']} ${c.true:.4g}$)")
    return (f"{w['prints']}: ${e.printed_latex}$", wrong, f"{w['derived']}: ${e.corrected_latex}$")


def _var(name: str) -> str:
    """A size, index or parameter name as TeX (``lambda_1`` → ``\\lambda_1``)."""
    return re.sub(r"^(lambda|alpha|beta)", r"\\\1", name)


def erratum_block(result: DerivationResult, lang: str = "ja") -> str:
    """The erratum under a derivation: what PRML prints, where it is wrong, what is derived ✓."""
    prints, wrong, derived = erratum_lines(result, lang)
    return ("\\begin{notes}\n"
            + rf"  \item[\textcolor{{v-erratum}}{{\textbf{{!}}}}] " + text_with_math(prints, display_over=NOTE_MATH_WIDTH) + "\n"
            + rf"  \item[] " + text_with_math(wrong, display_over=NOTE_MATH_WIDTH) + "\n"
            + rf"  \item[\cmark] " + text_with_math(derived, display_over=NOTE_MATH_WIDTH) + "\n"
            + "\\end{notes}")


def error_block(number: str, message: str, lang: str = "ja") -> str:
    """A visible box for an entry whose derivation raised instead of returning.

    >>> "5.95" in error_block("5.95", "boom")
    True
    """
    w = words(lang)
    return (rf"\derivhead{{{tag_text(number, lang)}}}{{}}" + "\n"
            + rf"\status{{\verdict{{failed}}{{{w.raised}}}\quad {escape_text(message)}}}" + "\n")


# --------------------------------------------------------------------------- document
_CLASSES = {
    "ja": r"\documentclass[a4paper,11pt]{ltjsarticle}",
    # luatexja in English too: readers' notes and titles may hold Japanese text
    "en": "\\documentclass[a4paper,11pt]{article}\n\\usepackage{luatexja}",
}
_MARKS = {"✓": r"\cmark{}", "✗": r"\xmark{}", "≈": r"\amark{}"}


def prose(text: str) -> str:
    """A paragraph of the handout's fixed prose (TeX-ready apart from a few symbols).

    >>> prose("✓ holds")
    '\\\\cmark{} holds'
    """
    for k, v in _MARKS.items():
        text = text.replace(k, v)
    return text


def preamble() -> str:
    """The shared preamble, read from the package's ``templates/preamble.tex``.

    >>> r"\\newcommand{\\verdict}" in preamble()
    True
    """
    path = Path(__file__).resolve().parent.parent / "templates" / "preamble.tex"
    return path.read_text(encoding="utf-8")


TODAY = r"\today"
#: Colours of verdicts the shared preamble does not define.
EXTRA_COLOURS = (r"\providecolor{v-erratum}{rgb}{0.70,0.40,0.00}" + "\n"
                 + r"\providecolor{v-definition}{rgb}{0.05,0.30,0.60}")


def document(handout: Handout, *, date: str = r"\today", title: str | None = None,
             author: str | None = None) -> str:
    """A complete TeX document for ``handout`` (figures referenced by file name).

    >>> from symhess.render.content import Handout
    >>> tex = document(Handout("en", ()))
    >>> tex.startswith(r"\\documentclass") and tex.rstrip().endswith(r"\\end{document}")
    True
    """
    w = words(handout.lang)
    out = [
        _CLASSES[handout.lang],
        rf"\newcommand{{\SymhessRunningHead}}{{{w.headings['1']} / {w.headings['2.1']}}}",
        preamble(),
        EXTRA_COLOURS,
        rf"\title{{{escape_text(title) if title else w.title}\\[0.5ex]\large {w.subtitle}}}",
        rf"\author{{{escape_text(author) if author else ''}}}",
        rf"\date{{{date if date == TODAY else escape_text(date)}}}",
        r"\begin{document}",
        r"\maketitle",
        r"\thispagestyle{fancy}",
    ]
    out += [prose(p) + "\n" for p in w.intro]
    done_top: set[str] = set()
    for sec in handout.sections:
        top, _, sub = sec.key.partition(".")
        if top not in done_top and top in w.headings and top != "A":
            done_top.add(top)
            out.append(rf"\setcounter{{section}}{{{int(top) - 1}}}")
            out.append(rf"\section{{{w.headings[top]}}}")
            out += [prose(p) + "\n" for p in w.prose.get(top, ())]
        if top == "A":
            out.append(r"\appendix")
            out.append(rf"\section{{{w.headings['A']}}}")
        else:
            out.append(rf"\setcounter{{subsection}}{{{int(sub) - 1}}}")
            out.append(rf"\subsection{{{w.headings[sec.key]}}}")
        out += [prose(p) + "\n" for p in w.prose.get(sec.key, ())]
        out.append(section_body(sec, handout.lang))
    summary = summary_table(handout)
    if summary:
        out.append(summary)
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def section_body(sec: Section, lang: str = "ja") -> str:
    """The derivations, correspondence table, algorithms and figures of one section."""
    out: list[str] = []
    for item in sec.items:
        if item.result is not None:
            out.append(derivation_block(item.result, lang, title=item.title))
        else:
            out.append(error_block(item.number, item.error or "", lang))
    if sec.correspondence:
        out.append(correspondence_table(sec.correspondence, lang))
    for alg in sec.algorithms:
        out.append(algorithm_block(alg, lang))
    for fig in sec.figures:
        out.append(figure_block(fig, lang))
    return "\n".join(out)


def correspondence_table(rows: Sequence[CorrespondenceRow], lang: str = "ja") -> str:
    """The forward/R-operator equations side by side, each with its PRML number."""
    w = words(lang)
    half = DISPLAY_WIDTH * 0.42
    lines = [
        r"\begin{center}\small",
        r"\begin{longtable}{@{}>{\raggedright\arraybackslash}p{0.47\linewidth}>{\raggedright\arraybackslash}p{0.47\linewidth}@{}}",
        rf"\caption{{{w.correspondence_caption}}}\\",
        r"\toprule",
        rf"{w.correspondence_head[0]} & {w.correspondence_head[1]} \\",
        r"\midrule\endhead",
    ]
    for r in rows:
        left = _cell(r.left_latex, r.left_number, half, lang)
        right = _cell(r.right_latex, r.right_number, half, lang)
        lines.append(rf"{left} & {right} \\[1ex]")
    lines += [r"\bottomrule", r"\end{longtable}", r"\end{center}"]
    return "\n".join(lines)


def _cell(latex: str, number: str, room: float, lang: str) -> str:
    if not latex:
        return ""
    lhs, eq, rhs = _split_relation(latex)
    if eq:
        lines = _pack(split_terms(rhs), room - min(width(lhs), room / 2))
        body = rf"{lhs} &{eq} " + (r" \\ &\phantom{{{eq}}}\quad ".replace("{{", "{").replace("}}", "}")).join(lines)
    else:
        body = "&" + latex
    tag = rf"\hfill({tag_text(number, lang)})" if number else ""
    return rf"$\displaystyle\begin{{aligned}}{body}\end{{aligned}}${tag}"


def _split_relation(latex: str) -> tuple[str, str, str]:
    """``"a = b + c"`` -> ``("a", "=", "b + c")`` at the first top-level ``=``."""
    depth = 0
    for i, c in enumerate(latex):
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif c == "=" and depth == 0 and latex[i - 1:i] not in ("\\", "<", ">", "!"):
            return latex[:i].strip(), "=", latex[i + 1:].strip()
    return latex, "", ""


def algorithm_block(alg: Algorithm, lang: str = "ja") -> str:
    """An algorithm typeset by latexify, framed with its title and equation numbers."""
    w = words(lang)
    eqs = f" ({alg.equations})" if alg.equations else ""
    return (rf"\begin{{algobox}}{{{w.algorithm}: {alg.title}{eqs}}}" + "\n"
            + rf"{{\footnotesize {w.algorithm_intro}\par}}" + "\n"
            + alg.latex + "\n" + r"\end{algobox}" + "\n")


def figure_block(fig: Figure, lang: str = "ja") -> str:
    """A figure (PDF file next to the document) with its caption."""
    w = words(lang)
    cap = w.figure_captions.get(fig.key, "")
    return (r"\begin{figure}[htbp]" + "\n" + r"\centering" + "\n"
            + rf"\includegraphics[width=0.92\linewidth]{{{fig.pdf.name}}}" + "\n"
            + rf"\caption{{{cap}}}\label{{fig:{fig.key}}}" + "\n" + r"\end{figure}" + "\n")


def summary_table(handout: Handout) -> str:
    """A table of every equation in the handout with its verdict and time (or ``""``)."""
    w = words(handout.lang)
    rows = []
    for sec in handout.sections:
        for it in sec.items:
            verdict = it.result.verdict if it.result else "failed"
            label = verdict_label(verdict, handout.lang)
            rows.append(rf"({tag_text(it.number, handout.lang)}) & {text_with_math(it.title)} & {label} \\")
    if not rows:
        return ""
    head = " & ".join(w.summary_head)
    return "\n".join([
        rf"\section*{{{w.summary_heading}}}",
        rf"\addcontentsline{{toc}}{{section}}{{{w.summary_heading}}}",
        w.summary_intro,
        r"\begin{center}\small",
        r"\begin{longtable}{@{}l>{\raggedright\arraybackslash}p{0.5\linewidth}l@{}}",
        r"\toprule",
        head + r" \\",
        r"\midrule\endhead",
        *rows,
        r"\bottomrule",
        r"\end{longtable}",
        r"\end{center}",
    ]) + "\n"
