"""The author's LaTeX macros: reading their definitions and expanding their uses, with positions.

Definitions read (in a ``.tex`` preamble, anywhere earlier in a file, or inside a math block the
way MathJax users write them)::

    \\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}     (also \\newcommand\\pd, \\newcommand*)
    \\renewcommand{\\vec}[1]{\\mathbf{#1}}                     (replaces an earlier one)
    \\providecommand{\\half}{\\frac12}                         (only when not yet defined)
    \\newcommand{\\x}[2][a]{#1_{#2}}                          (first argument optional, default a)
    \\def\\wt#1#2{w_{#1}^{(#2)}}                              (undelimited #1..#9 only)
    \\DeclareMathOperator{\\sech}{sech}                       (expands to \\operatorname{sech})
    \\DeclareMathOperator*{\\argmin}{arg\\,min}                (expands to \\operatorname*{arg\\,min})
    \\let\\eps\\epsilon                                        (also \\let\\eps=\\epsilon)

Expansion follows TeX: a use is replaced by the body with ``#n`` filled in (``##`` is ``#``), and
the result is read again, so a macro may use another.  It is bounded: more than
:data:`MAX_EXPANSIONS` replacements, or a text grown past :data:`MAX_LENGTH` characters, is a
:class:`MacroError` (a macro that uses itself never ends).  A command that is not defined is left
as it is (the parser names it).

Every character of the expanded text keeps an *origin*: the offset of the character it came from.
A character of an argument keeps its own origin; a character of a body gets the offset of the
macro's use (the backslash), so a position in the expanded text maps back to the file.

>>> table = definitions(r"\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}")
>>> e = expand(r"\\pd{E}{a} = 0", table)
>>> e.text
'\\\\frac{\\\\partial E}{\\\\partial a} = 0'
>>> e.origin[e.text.index("E")], e.origin[0], e.origin[e.text.index("=")]
(4, 0, 10)
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import MacroError

__all__ = ["DEFINER", "DEFINERS", "MAX_EXPANSIONS", "MAX_LENGTH", "Definition", "Expansion", "Macro",
           "MacroError", "blank_definitions", "brace_group", "brace_pairs", "definition_at", "definitions", "expand", "find_definitions"]

MAX_EXPANSIONS = 1000
MAX_LENGTH = 200_000
MAX_DEFINITION = 20_000  # characters a definition may span (a body never closed ends there)
DEFINERS = ("newcommand", "renewcommand", "providecommand", "def", "gdef", "edef", "xdef",
            "DeclareMathOperator", "let")

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|.", re.S)
DEFINER = re.compile(r"\\(" + "|".join(DEFINERS) + r")(?![A-Za-z])")


@dataclass(frozen=True)
class Macro:
    """One defined macro: ``name`` with its backslash, ``params`` 0..9, optional first default.

    >>> Macro("\\\\half", 0, None, r"\\frac{1}{2}", "newcommand").params
    0
    """

    name: str
    params: int
    default: str | None
    body: str
    how: str  # the defining command, without backslash: newcommand, def, DeclareMathOperator, ...
    problem: str = ""  # why its definition cannot be read: a use is then an error saying so


@dataclass(frozen=True)
class Definition:
    """A definition found at ``start:end`` of a text; ``macro`` is None when it cannot be read."""

    start: int
    end: int
    macro: Macro | None
    problem: str = ""
    name: str = ""  # the name it meant to define, when that much could be read


@dataclass(frozen=True)
class Expansion:
    """An expanded text and, for each character and one past the end, its origin offset."""

    text: str
    origin: tuple[int, ...]


# ----------------------------------------------------------------------------- reading definitions

def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def brace_pairs(text: str) -> dict[int, int]:
    """For each ``{`` of ``text`` that is closed, the index of its ``}`` (one pass).

    >>> brace_pairs(r"{a{b}\\}c")
    {2: 4}
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE.finditer(text):
        ch = m.group()
        if ch == "{":
            stack.append(m.start())
        elif ch == "}" and stack:
            pairs[stack.pop()] = m.start()
    return pairs


def brace_group(text: str, i: int, pairs: Mapping[int, int] | None = None) -> tuple[int, int, int] | None:
    """At ``text[i] == '{'``: (content start, content end, index after '}'), or None if unclosed."""
    if pairs is not None:
        j = pairs.get(i)
        return None if j is None else (i + 1, j, j + 1)
    depth = 0
    for m in _BRACE.finditer(text, i):
        ch = m.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1, m.start(), m.end()
    return None


_BRACE = re.compile(r"\\.|[{}]", re.S)


def _bracket(text: str, i: int) -> tuple[int, int, int] | None:
    """At ``text[i] == '['``: the optional argument up to the matching ']' outside braces."""
    depth, j, n = 0, i + 1, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "]" and depth <= 0:
            return i + 1, j, j + 1
        j += 1
    return None


def _argument(text: str, i: int, pairs: Mapping[int, int] | None = None
              ) -> tuple[int, int, int] | None:
    """One TeX argument at or after ``i``: a braced group or a single token (spaces skipped)."""
    i = _skip_space(text, i)
    if i >= len(text) or text[i] == "}":
        return None
    if text[i] == "{":
        return brace_group(text, i, pairs)
    m = _TOKEN.match(text, i)
    assert m is not None  # i < len(text): some token always matches
    return i, m.end(), m.end()


def _name(text: str, i: int) -> tuple[str, int] | None:
    """A macro name to define: ``\\name`` or ``{\\name}``; (name, index after)."""
    i = _skip_space(text, i)
    braced = i < len(text) and text[i] == "{"
    j = _skip_space(text, i + 1) if braced else i
    m = _TOKEN.match(text, j)
    if not m or not m.group(1):
        return None
    end = m.end()
    if braced:
        end = _skip_space(text, end)
        if end >= len(text) or text[end] != "}":
            return None
        end += 1
    return m.group(0), end


def _read_one(text: str, start: int, how: str, after: int,
              pairs: Mapping[int, int] | None = None) -> Definition:
    name = ""

    def fail(problem: str, end: int) -> Definition:
        return Definition(start, max(end, after), None, problem, name)

    i = after
    if how in ("newcommand", "renewcommand", "providecommand", "DeclareMathOperator"):
        star = _skip_space(text, i)
        if star < len(text) and text[star] == "*":
            i = star + 1
    starred = i > after
    named = _name(text, i)
    if named is None:
        return fail(f"\\{how} must be followed by the name of a macro, like {{\\name}}", i)
    name, i = named
    if how == "let":
        j = _skip_space(text, i)
        if j < len(text) and text[j] == "=":
            j += 1
        j = _skip_space(text, j)
        m = _TOKEN.match(text, j)
        if not m:
            return fail("\\let needs a command to copy: \\let\\new\\old", j)
        return Definition(start, m.end(), Macro(name, 0, None, m.group(0), how))
    if how == "DeclareMathOperator":
        arg = _argument(text, i, pairs)
        if arg is None:
            return fail(f"\\DeclareMathOperator{{{name}}} needs the operator's text", i)
        op = "\\operatorname*" if starred else "\\operatorname"
        return Definition(start, arg[2], Macro(name, 0, None, f"{op}{{{text[arg[0]:arg[1]]}}}", how))
    params, default = 0, None
    if how in ("def", "gdef", "edef", "xdef"):
        j = i
        while True:
            j = _skip_space(text, j)
            m = re.compile(r"#([1-9])").match(text, j)
            if not m:
                break
            if int(m.group(1)) != params + 1:
                return fail(f"\\{how}{name}: parameters must be #1, #2, ... in order", j)
            params += 1
            j = m.end()
        if j >= len(text) or text[j] != "{":
            return fail(f"\\{how}{name} with delimited parameters is not read: "
                        "use #1#2... before the body {...}", j)
        i = j
    else:
        j = _skip_space(text, i)
        if j < len(text) and text[j] == "[":
            b = _bracket(text, j)
            if b is None or not text[b[0]:b[1]].strip().isdigit():
                return fail(f"\\{how}{{{name}}}[n]: n must be a number of arguments 0..9", j)
            params = int(text[b[0]:b[1]])
            if params > 9:
                return fail(f"\\{how}{{{name}}}[n]: n must be a number of arguments 0..9", j)
            j = _skip_space(text, b[2])
            if j < len(text) and text[j] == "[":
                d = _bracket(text, j)
                if d is None:
                    return fail(f"\\{how}{{{name}}}: the default value '[' is never closed", j)
                if params == 0:
                    return fail(f"\\{how}{{{name}}}: a default needs at least one argument", j)
                default = text[d[0]:d[1]]
                j = d[2]
        i = j
    body = _argument(text, i, pairs)
    if body is None:
        return fail(f"\\{how}{{{name}}} needs a body in braces", i)
    return Definition(start, body[2], Macro(name, params, default, text[body[0]:body[1]], how))


def find_definitions(text: str) -> list[Definition]:
    """Every macro definition in ``text``, in order (readable or not).

    >>> [(d.macro.name, d.macro.params) for d in find_definitions(r"\\def\\h{\\frac12} x \\let\\e\\epsilon")]
    [('\\\\h', 0), ('\\\\e', 0)]
    >>> find_definitions(r"\\def\\f#1.{#1}")[0].problem
    '\\\\def\\\\f with delimited parameters is not read: use #1#2... before the body {...}'
    """
    out: list[Definition] = []
    i = 0
    while True:
        m = DEFINER.search(text, i)
        if not m:
            return out
        if m.start() > 0 and _escaped(text, m.start()):
            i = m.end()
            continue
        d = _read_one(text, m.start(), m.group(1), m.end())
        out.append(d)
        i = max(d.end, m.end())


def definition_at(text: str, i: int, pairs: Mapping[int, int] | None = None
                  ) -> Definition | None:
    """The definition that starts at ``text[i]`` (a ``\\newcommand`` ...), or None.

    >>> d = definition_at(r"x \\newcommand{\\e}{\\epsilon} y", 2)
    >>> d.macro.name, d.macro.body, d.end
    ('\\\\e', '\\\\epsilon', 27)

    To read many in one long text, pass ``pairs=brace_pairs(text)`` (found once).
    """
    m = DEFINER.match(text, i)
    if not m:
        return None
    if pairs is None:
        return _read_one(text[:i + MAX_DEFINITION], i, m.group(1), m.end())
    return _read_one(text, i, m.group(1), m.end(), pairs)


def _escaped(text: str, i: int) -> bool:
    """Whether the backslash at ``i`` is itself escaped (preceded by an odd run of backslashes)."""
    k = i
    while k > 0 and text[k - 1] == "\\":
        k -= 1
    return (i - k) % 2 == 1


def add(table: dict[str, Macro], found: Sequence[Definition]) -> None:
    """Put readable definitions into ``table`` (``\\providecommand`` keeps an earlier one)."""
    for d in found:
        if d.macro is None:
            if d.name:
                table[d.name] = Macro(d.name, 0, None, "", "", d.problem)
            continue
        if d.macro.how == "providecommand" and d.macro.name in table:
            continue
        table[d.macro.name] = d.macro


def definitions(text: str) -> dict[str, Macro]:
    """The macros ``text`` defines, later definitions replacing earlier ones.

    >>> sorted(definitions(r"\\newcommand{\\a}{1}\\providecommand{\\a}{2}\\renewcommand\\b[1]{#1}"))
    ['\\\\a', '\\\\b']
    >>> definitions(r"\\newcommand{\\a}{1}\\providecommand{\\a}{2}")["\\\\a"].body
    '1'
    """
    table: dict[str, Macro] = {}
    add(table, find_definitions(text))
    return table


def blank_definitions(text: str) -> tuple[str, list[Definition]]:
    """``text`` with every definition replaced by spaces (newlines kept), and the definitions.

    >>> blanked, found = blank_definitions("\\\\def\\\\h{2}\\nh = 1")
    >>> blanked, [(d.start, d.end, d.macro.name) for d in found]
    ('         \\nh = 1', [(0, 9, '\\\\h')])
    """
    found = find_definitions(text)
    if not found:
        return text, found
    parts, pos = [], 0
    for d in found:
        parts.append(text[pos:d.start])
        parts.append(re.sub(r"[^\n]", " ", text[d.start:d.end]))
        pos = d.end
    parts.append(text[pos:])
    return "".join(parts), found


# ----------------------------------------------------------------------------- expansion

def expand(text: str, table: Mapping[str, Macro], origin: Sequence[int] | None = None, *,
           max_expansions: int = MAX_EXPANSIONS, max_length: int = MAX_LENGTH) -> Expansion:
    """``text`` with every use of a macro of ``table`` replaced, read again until none is left.

    ``origin`` gives each character's origin (and one past the end); by default its offset.

    >>> t = definitions(r"\\newcommand{\\x}[2][a]{#1_{#2}} \\def\\y{\\x{n}}")
    >>> expand(r"\\y + \\x[b]{m} + \\xi", t).text
    'a_{n} + b_{m} + \\\\xi'
    >>> expand(r"\\r", definitions(r"\\def\\r{\\r}")).text
    Traceback (most recent call last):
    ...
    symhess.errors.MacroError: macro \\r is expanded more than 1000 times: does it use itself?
    """
    orig = list(range(len(text) + 1)) if origin is None else list(origin)
    if len(orig) != len(text) + 1:
        raise ValueError("origin must give one offset per character and one past the end")
    if not table:
        return Expansion(text, tuple(orig))
    count, i, done_len = 0, 0, 0
    done_text: list[str] = []
    done_orig: list[int] = []
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            j = text.find("\\", i)
            i = len(text) if j < 0 else j
            continue
        m = _TOKEN.match(text, i)
        assert m is not None
        macro = table.get(m.group(0))
        if macro is None:
            i = m.end()
            continue
        if macro.problem:
            raise MacroError(f"macro {macro.name} is defined in a way symhess cannot read: "
                             f"{macro.problem}", orig[i])
        count += 1
        if count > max_expansions:
            raise MacroError(f"macro {macro.name} is expanded more than {max_expansions} times: "
                             "does it use itself?", orig[i])
        args, end = _arguments(text, m.end(), macro, orig[i])
        use = orig[i]
        new_text: list[str] = []
        new_orig: list[int] = []
        body = macro.body
        k = 0
        while k < len(body):
            c = body[k]
            if c == "#" and k + 1 < len(body):
                nxt = body[k + 1]
                if nxt == "#":
                    new_text.append("#")
                    new_orig.append(use)
                    k += 2
                    continue
                if nxt.isdigit() and 1 <= int(nxt) <= len(args):
                    a, b = args[int(nxt) - 1]
                    if a < 0:  # the default of an optional argument: from the body's side
                        assert macro.default is not None
                        new_text.append(macro.default)
                        new_orig.extend([use] * len(macro.default))
                    else:
                        new_text.append(text[a:b])
                        new_orig.extend(orig[a:b])
                    k += 2
                    continue
            new_text.append(c)
            new_orig.append(use)
            k += 1
        # What stands before the use is final (the replacement is read again from its start).
        done_text.append(text[:i])
        done_orig.extend(orig[:i])
        done_len += i
        text = "".join(new_text) + text[end:]
        orig = new_orig + orig[end:]
        i = 0
        if done_len + len(text) > max_length:
            raise MacroError(f"macro {macro.name} makes the block longer than {max_length} "
                             "characters: does it use itself?", use)
    done_text.append(text)
    done_orig.extend(orig)
    return Expansion("".join(done_text), tuple(done_orig))


def _arguments(text: str, i: int, macro: Macro, use: int) -> tuple[list[tuple[int, int]], int]:
    """The spans of a use's arguments ((-1, -1) for a default) and where the use ends."""
    args: list[tuple[int, int]] = []
    need = macro.params
    if macro.default is not None:
        j = _skip_space(text, i)
        b = _bracket(text, j) if j < len(text) and text[j] == "[" else None
        if b is not None:
            args.append((b[0], b[1]))
            i = b[2]
        else:
            args.append((-1, -1))
        need -= 1
    for n in range(need):
        a = _argument(text, i)
        if a is None:
            raise MacroError(f"macro {macro.name} needs {need} argument{'s' if need != 1 else ''}"
                             f" in braces, found {n}", use)
        args.append((a[0], a[1]))
        i = a[2]
    return args, i
