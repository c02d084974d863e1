r"""LaTeX formulas as readable Unicode for a terminal: ``\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}}``
becomes ``∂²E_n/∂w_kj∂w_k′j′``.

Only for showing: nothing here is parsed for meaning.  Unknown commands lose their
backslash; unbalanced input is shown as far as it goes (never an exception).

>>> to_unicode(r"x_i h'(a_j) \delta_k I_{jj'}")
'x_i h′(a_j) δ_k I_jj′'
>>> to_unicode(r"\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}}")
'∂²E_n/∂w_kj∂w_k′j′'
>>> to_unicode(r"\iint \left(y - t\right)^2 p(\mathbf{x}, t) \, d\mathbf{x} \, dt")
'∬ (y − t)² p(𝐱, t) d𝐱 dt'
>>> to_unicode(r"\sum_{k'} w_{k'j}^{(2)} M_{kk'}")
'Σ_k′ w_k′j⁽²⁾ M_kk′'
"""
from __future__ import annotations

import re

__all__ = ["readable", "to_unicode", "text_with_unicode"]

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "nabla": "∇", "partial": "∂", "cdot": "·", "times": "×", "simeq": "≃",
    "approx": "≈", "neq": "≠", "ne": "≠", "to": "→", "rightarrow": "→", "infty": "∞", "leq": "≤",
    "le": "≤", "geq": "≥", "ge": "≥", "because": "∵", "therefore": "∴", "in": "∈", "mid": "|",
    "propto": "∝", "sum": "Σ", "prod": "Π", "int": "∫", "iint": "∬", "iiint": "∭", "pm": "±",
    "ldots": "…", "cdots": "⋯", "dots": "…", "top": "ᵀ", "star": "⋆", "equiv": "≡",
    "sim": "∼", "circ": "∘", "vert": "|", "lvert": "|", "rvert": "|", "langle": "⟨",
    "rangle": "⟩", "{": "{", "}": "}", "|": "‖", "%": "%", "&": "&", "#": "#", "_": "_",
    "exp": "exp", "ln": "ln", "log": "log", "det": "det", "max": "max", "min": "min",
    "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "sin": "sin", "cos": "cos", "ell": "ℓ",
    "mathcal{W}": "𝒲",
}
_PREFIX = {"partial", "nabla"}
# Commands that take an argument: without one (a message naming '\mathbf' or '\hat') they
# are shown as written.
_TAKES_ARG = {"frac", "dfrac", "tfrac", "sqrt", "mathbf", "mathcal", "mathbb"}
_SPACES = {",": " ", ";": " ", ":": " ", " ": " ", "quad": "  ", "qquad": "   ", "!": "",
           "enspace": " ", "thinspace": " "}
_DROP = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
         "biggr", "limits", "nolimits", "displaystyle", "textstyle", "scriptstyle", "notag",
         "nonumber", "middle", "mathopen", "mathclose"}
_TEXTLIKE = {"text", "mathrm", "textrm", "operatorname", "mathit", "textit", "textbf", "emph",
             "mbox", "texttt", "mathsf", "boldsymbol", "bm"}
_ACCENTS = {"tilde": "\u0303", "widetilde": "\u0303", "hat": "\u0302", "widehat": "\u0302",
            "bar": "\u0304", "overline": "\u0305", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7"}
_SUP = str.maketrans("0123456789+-=()niTt", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵗ")
_SUP_OK = set("0123456789+-=()niTt−")
_BOLD = {c: chr(0x1D400 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_BOLD.update({c: chr(0x1D41A + i) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")})
_CAL = {"A": "𝒜", "B": "ℬ", "C": "𝒞", "D": "𝒟", "E": "ℰ", "F": "ℱ", "G": "𝒢", "H": "ℋ", "I": "ℐ",
        "L": "ℒ", "M": "ℳ", "N": "𝒩", "O": "𝒪", "P": "𝒫", "R": "ℛ", "S": "𝒮", "W": "𝒲", "X": "𝒳"}
_BB = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ", "P": "ℙ"}
_DELIMS = {"(": "(", ")": ")", "[": "[", "]": "]", "\\{": "{", "\\}": "}", ".": "", "|": "|",
           "\\|": "‖", "\\langle": "⟨", "\\rangle": "⟩", "\\lvert": "|", "\\rvert": "|", "\\vert": "|"}

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_&'])|(\s+)|(.)", re.S)


def _tokens(latex: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(latex):
        if m.group(1) is not None:
            out.append(("cmd", m.group(1)))
        elif m.group(2) is not None:
            out.append(("op", m.group(2)))
        elif m.group(3) is not None:
            out.append(("space", " "))
        else:
            out.append(("char", m.group(4)))
    return out


class _Reader:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks, self.i = toks, 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str] | None:
        t = self.peek()
        self.i += 1
        return t

    def skip_spaces(self) -> None:
        while (t := self.peek()) is not None and t[0] == "space":
            self.i += 1

    def group(self) -> str:
        """One argument: ``{…}`` or a single token, converted."""
        self.skip_spaces()
        t = self.peek()
        if t is None:
            return ""
        if t == ("op", "{"):
            self.i += 1
            return self.seq(until="}")
        self.i += 1
        return self.one(t)

    def raw_group(self) -> str:
        """One argument as raw text (for ``\\mathbf{x}``, delimiters)."""
        self.skip_spaces()
        t = self.take()
        if t is None:
            return ""
        if t != ("op", "{"):
            return t[1] if t[0] != "cmd" else "\\" + t[1]
        depth, out = 1, []
        while (t := self.take()) is not None:
            if t == ("op", "{"):
                depth += 1
            elif t == ("op", "}"):
                depth -= 1
                if depth == 0:
                    break
            out.append(t[1] if t[0] != "cmd" else "\\" + t[1])
        return "".join(out)

    def seq(self, until: str | None = None) -> str:
        out: list[str] = []
        while (t := self.peek()) is not None:
            if until is not None and t == ("op", until):
                self.i += 1
                break
            self.i += 1
            if t == ("op", "^"):
                out.append(_sup(self.group()))
            elif t == ("op", "_"):
                out.append(_sub(self.group()))
            else:
                shown = self.one(t)
                out.append(shown)
                if t[0] == "cmd" and (t[1] in _PREFIX or (t[1] in _TEXTLIKE and shown == "d")):
                    # ∂w, ∇∇E, \mathrm{d}x: no space after the operator
                    j = self.i
                    while j < len(self.toks) and self.toks[j][0] == "space":
                        j += 1
                    if j < len(self.toks) and self.toks[j] != ("char", "("):
                        self.i = j
        return "".join(out)

    def one(self, t: tuple[str, str]) -> str:  # noqa: C901 - a plain dispatch table
        kind, v = t
        if kind == "space":
            return " "
        if kind == "char":
            return {"-": "\x01", "*": "·"}.get(v, v)
        if kind == "op":
            return {"'": "′", "&": "", "{": "", "}": ""}.get(v, v)
        if v in _SPACES:
            return _SPACES[v]
        if v == "\\":
            return " "
        if (v in _TAKES_ARG or v in _TEXTLIKE or v in _ACCENTS) and not self.has_arg():
            return "\\" + v
        if v in _DROP:
            if v in ("left", "right", "middle") or v.startswith(("big", "Big")):
                return self.delim()
            return ""
        if v == "frac" or v == "dfrac" or v == "tfrac":
            return _frac(self.group(), self.group())
        if v == "sqrt":
            self.skip_spaces()
            body = self.group()
            return "√" + (body if len(body) <= 1 else f"({body})")
        if v in _TEXTLIKE:
            return self.group()
        if v == "mathbf":
            return "".join(_BOLD.get(c, c) for c in self.group())
        if v == "mathcal":
            return "".join(_CAL.get(c, c) for c in self.group())
        if v == "mathbb":
            return "".join(_BB.get(c, c) for c in self.group())
        if v in _ACCENTS:
            body = self.group()
            return body + _ACCENTS[v] if len(body) == 1 else f"({body}){_ACCENTS[v]}"
        if v in ("phantom", "hphantom", "vphantom", "label", "tag"):
            body = self.raw_group()
            return f" ({body})" if v == "tag" else ""
        if v in ("begin", "end"):
            self.raw_group()
            return " "
        if v in _SYMBOLS:
            return _SYMBOLS[v]
        return v

    def has_arg(self) -> bool:
        """Does an argument follow (not the end, nor punctuation such as ``,`` ``)``)?"""
        j = self.i
        while j < len(self.toks) and self.toks[j][0] == "space":
            j += 1
        if j >= len(self.toks):
            return False
        kind, v = self.toks[j]
        return not (kind == "char" and v in ",.;:)]…") and self.toks[j] != ("op", "}")

    def delim(self) -> str:
        self.skip_spaces()
        t = self.take()
        if t is None:
            return ""
        key = t[1] if t[0] != "cmd" else "\\" + t[1]
        return _DELIMS.get(key, t[1])


def _sup(s: str) -> str:
    s = s.strip()
    if s and all(c in _SUP_OK for c in s):
        return s.replace("−", "-").translate(_SUP)
    if s in ("′", "′′", "*", "⋆", "ᵀ"):
        return s
    return f"^({s})" if len(s) > 1 else f"^{s}"


def _sub(s: str) -> str:
    s = s.strip()
    if re.fullmatch(r"[\w′]+", s):
        return "_" + s
    return f"_({s})" if s else ""


def _frac(num: str, den: str) -> str:
    num, den = num.strip(), den.strip()
    if den.startswith("∂"):  # derivatives: ∂²E_n/∂w_kj∂w_k′j′
        den = re.sub(r"\s+(?=∂)", "", den)
        num = re.sub(r"(?<=∂)\s+|(?<=[²³⁴])\s+", "", num)
    return f"{_wrap(num)}/{_wrap(den)}"


def _wrap(s: str) -> str:
    if re.search(r"[\s+−=,]", s) and not (s.startswith("(") and s.endswith(")")):
        return f"({s})"
    return s


def to_unicode(latex: str) -> str:
    """``latex`` as one line of Unicode text (spaces collapsed).

    >>> to_unicode(r"\\lambda_1 \\to a^{1/2} \\lambda_1,\\ \\lambda_2 \\to c^{-1/2} \\lambda_2")
    'λ_1 → a^(1/2) λ_1, λ_2 → c^(−1/2) λ_2'
    >>> to_unicode(r"\\frac{1}{2} \\sum_{n=1}^{N} (y_n - t_n)^2")
    '1/2 Σ_(n=1)^N (y_n − t_n)²'
    """
    text = _Reader(_tokens(latex)).seq()
    text = re.sub(r"(?<=[A-Za-z])\x01(?=[A-Za-z])", "-", text).replace("\x01", "−")
    text = re.sub(r"[ \t\n]+", " ", text).strip()
    text = re.sub(r"\( ", "(", text)
    return re.sub(r" \)", ")", text)


_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)", re.S)


def text_with_unicode(text: str) -> str:
    """Prose with ``$…$`` math: the math converted, the prose kept.

    >>> text_with_unicode(r"read: $\\delta_k = \\partial E_n / \\partial a_k$ (5.51)")
    'read: δ_k = ∂E_n / ∂a_k (5.51)'
    """
    return _MATH.sub(lambda m: to_unicode(next(g for g in m.groups() if g is not None)), text)


_POSSESSIVE = re.compile(r"(?<=[A-Za-z]{2})'s\b")


def readable(text: str) -> str:
    """A checker message, justification or note (prose with LaTeX, ``$…$`` or bare) for a terminal.

    >>> readable(r"the right side is missing x_{i} h'(a_{j}) I_{jj'} \\delta_{k}")
    'the right side is missing x_i h′(a_j) I_jj′ δ_k'
    >>> readable("expected '}' to close '{' opened at 3:13; w_{k'j'}")
    "expected '}' to close '{' opened at 3:13; w_k′j′"
    >>> readable(r"PRML's sum-of-squares error, $\\delta_k = y_k - t_k$ (5.104)")
    "PRML's sum-of-squares error, δ_k = y_k − t_k (5.104)"
    """
    if "$" in text:
        return text_with_unicode(text)
    quoted: list[str] = []

    def hold(m: re.Match[str]) -> str:  # quoted characters ('}', '\\left') stay as written
        quoted.append(m.group(0))
        return f"\x02{len(quoted) - 1}\x03"

    keep = _QUOTED.sub(hold, text)
    keep = _POSSESSIVE.sub("\x00s", keep)
    out = to_unicode(keep).replace("\x00s", "'s")
    return re.sub("\x02(\\d+)\x03", lambda m: quoted[int(m.group(1))], out)


# A quoted token ('}', '\\left', '\\mathbf{v v}', 'O(…)'): a quote that no letter or prime
# touches on the outside, up to 40 characters without quotes (without spaces unless a command).
_QUOTED = re.compile(r"(?<![\w'′])'(?:\\[^'\n]{1,40}|[^\s']{1,40})'(?![\w'])")
