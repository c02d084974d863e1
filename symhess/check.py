r"""A derivation file turned into per-step verdicts (pure: it decides and never formats; no exit codes).

Data flows one way: :mod:`symhess.documents` finds the display blocks, the parser reads each
into its statements (chains), :mod:`symhess.context` keeps what the document has put in force
so far, :mod:`symhess.notation.interpret` gives each member a meaning under it, and
:mod:`symhess.equivalence` decides each step.  Step ``s`` relates member ``s-1`` to member
``s``; a member ``(5.83)`` claims equality with that PRML equation.

A block that cannot be read gets its own result (``unsupported``, "cannot read: …" with
file:line:col) and checking goes on with the next block.  Context, in the way the book and
its readers give it (``docs/NOTATION.md``):

* a display whose left side is a quantity the setting leaves open (E, E_n, Ẽ, \hat a_j,
  \mathbf{H}_N, y_k = σ(a_k)) or that uses ``\equiv``/``:=`` is a **definition** for the rest
  of the document (a definition that contradicts a built-in meaning is failed, not taken);
* a citation in a justification, a ``\tag{5.xx}``, or a citation in the line of prose before
  a display puts that book equation's setting in force (:data:`symhess.catalogue.BOOK`);
* a condition in the justification (``(j \neq j')``) or in the line before ("When $j = j'$:")
  restricts that step;
* with no error function named, one setting is inferred from the steps themselves
  (``strict=False``) and reported;
* with no data index anywhere, E differentiated by a network weight is one pattern's E_n.

>>> rep = check_text("$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} $$", "n.md")
>>> [s.verdict for s in rep.derivations[0].steps]
['proved']
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from . import catalogue as cat
from . import model as md
from . import network as nw
from .context import ERROR_MODELS, ONE_PATTERN_NOTE, ErrorModel, Setting, UserError, output_function
from .documents import Block, blocks_from_text, derivation_files, find_blocks
from .equivalence import Counterexample, Decision, written
from .errors import InputError, SymhessError
from .orders import decide_order, has_order
from .matrices import NotMatrix, decide_matrices, is_matrix_statement
from .notation import ast
from .notation.interpret import Context, IllFormed, Meaning, Unsupported, interpret, symbol_key
from .notation.parser import parse_chain, parse_condition, parse_display
from .notation.unparse import latex
from .results import ChainVerdict, Text, Verdict
from .suggest import LIMIT as SUGGEST_CANDIDATES, StepJudge, Suggestion, decided, restricted, search


_CITE = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,3})(?![\d.])")
_INLINE = re.compile(r"\$([^$]+)\$|\\\((.+?)\\\)")
_CHECKED = ("proved", "verified")
SUGGEST_LIMIT = SUGGEST_CANDIDATES  # candidate edits tried for a failed step (a count, never a clock)


def cited(justification: str | None) -> list[str]:
    """Equation numbers a justification cites.

    >>> cited(r"\\because (5.92), (1.89)")
    ['5.92', '1.89']
    """
    return _CITE.findall(justification or "")


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class StepResult:
    """The verdict on one step of a chain.

    ``verdict`` (a :class:`~symhess.results.Verdict`; a plain string is converted) is
    ``proved``, ``verified``, ``approximation``, ``definition``, ``failed`` or
    ``unsupported``; ``assumptions`` names every piece of context the verdict used
    (definitions in force, the error model and where it came from, conditions).  The step
    carries what it computed unprinted: ``message`` is a :class:`~symhess.results.Text` (a
    plain string is converted) whose maths is SymPy, ``residual`` is left − right of a failed
    step (or what an approximation drops), ``lhs_expr``/``rhs_expr`` the two sides as decided;
    a renderer prints them (:func:`symhess.printing.text_latex`, ``prml_latex``).

    >>> StepResult(1, 3, 1, "proved", "").verdict is Verdict.PROVED
    True
    """

    index: int
    line: int
    col: int
    verdict: Verdict | str  # made a Verdict
    message: Text | str  # made a Text: expressions the checker computed stay SymPy until rendered
    justification: str | None = None
    assumptions: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    residual: Any = None  # left − right (SymPy) of a failed step or an approximation
    counterexample: Counterexample | None = None
    suggestion: Suggestion | None = None
    # the two sides as decided (SymPy), for renderers to show
    lhs_expr: Any = field(default=None, compare=False, repr=False)
    rhs_expr: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))
        object.__setattr__(self, "message", Text(self.message))


@dataclass(frozen=True)
class DerivationReport:
    """All steps of one display block, and the block's overall verdict.

    ``verdict`` (a :class:`~symhess.results.ChainVerdict`; a plain string is converted) is
    ``ok``, ``failed``, ``unsupported``, ``xfail`` or ``display`` (a display with no relation
    to check: reported, never skipped in silence).
    """

    path: str
    line: int
    verdict: ChainVerdict | str  # made a ChainVerdict
    steps: tuple[StepResult, ...]
    xfail: str | None = None
    message: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", ChainVerdict(self.verdict))

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.verdict in ("failed", "unsupported")), None)


@dataclass(frozen=True)
class FileReport:
    """The derivations of one file, and the setting read for it (``notes``: shown once)."""

    path: str
    derivations: tuple[DerivationReport, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    files: tuple[FileReport, ...]

    @property
    def derivations(self) -> list[DerivationReport]:
        return [d for f in self.files for d in f.derivations]

    @property
    def ok(self) -> bool:
        return all(d.verdict in ("ok", "xfail", "display") for d in self.derivations)

    def summary(self) -> dict[str, int]:
        ders = self.derivations
        steps = [s for d in ders for s in d.steps]
        out = {"displays": len(ders), "derivations": sum(d.verdict != "display" for d in ders),
               "steps": len(steps)}
        for v in ("proved", "verified", "definition", "approximation", "failed", "unsupported"):
            out[v] = sum(s.verdict == v for s in steps)
        out["xfail"] = sum(d.verdict == "xfail" for d in ders)
        out["xpass"] = sum(d.verdict == "failed" and d.xfail is not None and not any(
            s.verdict == "failed" for s in d.steps) for d in ders)
        return out


# --------------------------------------------------------------------------- entry points
def check_paths(paths: Iterable[Path], progress: Callable[[str], None] | None = None, *,
                strict: bool = False, suggest: bool = True) -> Report:
    """Check every derivation in ``paths`` (files, or directories searched for .md/.tex).

    Raises :class:`~symhess.errors.InputError` only for a path that cannot be opened or
    decoded; anything inside a file that cannot be read is that block's result.
    """
    files = []
    for p in derivation_files(paths):
        if progress:
            progress(f"checking {p}")
        blocks = find_blocks(p)
        files.append(check_blocks(blocks, str(p), progress, strict=strict, suggest=suggest))
    return Report(tuple(files))


def check_text(text: str, path: str = "<string>", *, strict: bool = False,
               suggest: bool = True) -> FileReport:
    """Check the derivations in ``text`` as if it were the file ``path``."""
    return check_blocks(blocks_from_text(text, path), path, strict=strict, suggest=suggest)


@dataclass
class _Job:
    """One step to decide, with the setting in force at it (kept for inference)."""

    block: int
    chain: ast.Chain
    s: int                  # index of the member the step ends at
    setting: Setting
    conditions: tuple[ast.Condition, ...]
    prose: tuple[str, ...]  # cited numbers and notes from the line before the display
    number: int             # the step's number within its display
    domain: str = "network"
    approximate: bool = False  # the prose before the display says what it neglects
    suggest: bool = True       # search for a correction if this step fails
    after_failure: bool = False  # an earlier step of its display failed (so no search, and it says so)
    section_pattern: bool = False  # under a heading of the book's §5.4.6 (one pattern's error)
    generic: bool = False      # the chain uses PRML's generic unit notation (w_{ji}, w_{lk})
    unread_condition: str | None = None  # the prose before states a condition symhess cannot apply
    result: StepResult | None = None


def check_blocks(blocks: list[Block], path: str,
                 progress: Callable[[str], None] | None = None, *, strict: bool = False,
                 suggest: bool = True) -> FileReport:
    """Verdicts for every display of one file, read top to bottom (see the module docstring).

    ``strict``: no inferred error function; ``suggest``: search a verified correction for the
    first failed step of each display (bounded by candidate counts).
    """
    read: list[tuple[Block, ast.Display | InputError]] = []
    for b in blocks:
        if b.error is not None:
            read.append((b, b.error))
            continue
        try:
            read.append((b, _read(b)))
        except InputError as exc:
            read.append((b, exc))
    setting = Setting(one_pattern=_one_pattern([d for _, d in read if isinstance(d, ast.Display)]))
    jobs: list[_Job] = []
    per_block: list[list[_Job | StepResult]] = []
    last: ast.Member | None = None
    for n, (b, disp) in enumerate(read):
        if progress:
            progress(f"checking {path}:{b.line}")
        items: list[_Job | StepResult] = []
        per_block.append(items)
        if isinstance(disp, InputError):
            loc = disp.location
            line, col = (loc.line, loc.col) if loc else (b.line, b.col)
            if loc is not None and b.error is None:
                line, col = b.source_position(line, col)
            hint = "" if "NOTATION" in disp.message else "; see docs/NOTATION.md for what is read"
            items.append(StepResult(0, line, col, "unsupported", f"cannot read: {disp.message} "
                                    f"(at {b.path}:{line}:{col}{hint})"))
            if _DEFINES_H.match(b.text) and ACTIVATION_KEY not in setting.symbols:
                why = f"line {b.line} defines h in a way symhess cannot read ({disp.message})"
                setting.symbols[ACTIVATION_KEY] = ((), Meaning(sp.S.Zero, readings=("unread: " + why,)), b.line)
            last = None
            continue
        prose = _prose_context(b)
        if _WRITES_LAMBDA.search(b.text) and not _MAPS.search(b.text):
            setting.lambda_written = True  # its own regulariser: (5.121) is not the one meant
        prose_cond, prose_unread = _prose_condition(b)
        conds = (prose_cond,) if prose_cond is not None else ()
        _prose_definitions(b, setting)
        before = (b.before or "").lower()
        if _ONE_PATTERN.search(before):
            setting.one_pattern = True  # "we consider one pattern", said once, holds from here on
        in_546 = bool(_SECTION_ONE_PATTERN.search(getattr(b, "section", "") or ""))
        approx = _neglects(before)
        number = 0
        for chain in disp.statements:
            if chain.continues:
                if last is not None and number == 0 and (b.before or "").strip():
                    items.append(StepResult(number + 1, chain.pos.line or b.line, chain.pos.col or b.col,
                                            "unsupported", "the display starts with a relation, but prose "
                                            "stands between it and the display before, so what it "
                                            "continues is unclear; write the left side"))
                    number += 1
                    last = None
                    continue
                if last is None:
                    items.append(StepResult(number + 1, chain.pos.line or b.line, chain.pos.col or b.col,
                                            "unsupported", "the display starts with a relation but "
                                            "no chain before it to continue"))
                    continue
                chain = replace(chain, members=(last, *chain.members), continues=False)
                continued = True
            else:
                continued = False
            if len(chain.members) == 1:
                items.extend(_single(chain, setting, b, number))
                number += 1
                last = chain.members[-1]
                continue
            domain, generic = chain_domain(chain), _generic_units(chain)
            if not continued:
                setting.bare_reading = None  # each chain fixes its own reading of bare sums
            for s in range(1, len(chain.members)):
                number += 1
                job = _Job(n, chain, s, setting.copy(), conds, prose, number,
                           _step_domain(chain, s, domain), approx)
                # a correction is searched for the first wrong step of a display only: later
                # failures of the same display usually follow from it
                job.section_pattern, job.generic, job.unread_condition = in_546, generic, prose_unread
                job.after_failure = any(isinstance(it, _Job) and it.result is not None
                                        and it.result.verdict == "failed" for it in items)
                job.suggest = suggest and not job.after_failure
                job.result = _guarded(job, setting)
                jobs.append(job)
                items.append(job)
            last = chain.members[-1]
    notes: list[str] = []
    if setting.one_pattern:
        notes.append(ONE_PATTERN_NOTE)
    if not strict:
        inferred = _infer(jobs, setting)
        if inferred is not None:
            notes.append(inferred)
    out = []
    for (b, disp), items in zip(read, per_block):
        steps = [it.result if isinstance(it, _Job) else it for it in items]
        mapped = []
        for st_ in steps:
            if st_ is None:
                continue
            if b.origin and st_.index:
                line, col = b.source_position(st_.line, st_.col)
                st_ = replace(st_, line=line, col=col)
            mapped.append(st_)
        out.append(_derivation(b, mapped))
    return FileReport(path, tuple(out), tuple(notes))


def _read(b: Block) -> ast.Display:
    return parse_display(b.text, path=b.path, line=b.line, col=b.col)


def _derivation(b: Block, steps: list[StepResult]) -> DerivationReport:
    if not steps:
        return DerivationReport(b.path, b.line, "display", (), b.xfail,
                                "a display with no relation to check", b.text)
    if any(s.verdict == "failed" for s in steps):
        verdict = "failed"
    elif any(s.verdict == "unsupported" for s in steps):
        verdict = "unsupported"
    else:
        verdict = "ok"
    message = ""
    if b.xfail is not None:
        if verdict == "failed":
            verdict = "xfail"
        elif verdict == "ok":
            verdict = "failed"
            message = f"marked xfail ({b.xfail}) but every step holds: unexpected pass"
    return DerivationReport(b.path, b.line, verdict, tuple(steps), b.xfail, message, b.text)


# --------------------------------------------------------------------------- one display
def _one_pattern(displays: list[ast.Display]) -> bool:
    """No data index anywhere, and E differentiated by a network weight (PRML §5.4.6)."""
    nodes = [n for d in displays for c in d.statements for m in c.members for n in ast.walk(m.expr)]
    if any(isinstance(n, (ast.Index,)) and n.letter == "n" for n in nodes):
        return False
    if any(isinstance(n, ast.Symbol) and n.name in ("y", "t", "b", "E") and n.sub
           and any(isinstance(i, ast.Index) and i.letter == "n" for i in n.sub) for n in nodes):
        return False
    for n in nodes:
        if isinstance(n, ast.Derivative) and isinstance(n.of, ast.Symbol) and n.of.name == "E" \
                and not n.of.sub and not n.of.bold and any(
                    isinstance(v, ast.Symbol) and v.name == "w" and len(v.sub) == 2 for v in n.wrt):
            return True
    return False


def _single(chain: ast.Chain, setting: Setting, b: Block, number: int) -> list[StepResult]:
    """A display with no relation: a book tag names it (a definition); otherwise reported."""
    m = chain.members[0]
    pos = m.pos if m.pos.line else chain.pos
    line, col = (pos.line or b.line), (pos.col or b.col)
    tag = (chain.tag or "").strip()
    if tag and _CITE.fullmatch(tag):
        setting.named[tag] = (m.expr, line)
        rec = cat.BOOK.get(tag)
        what = f" ({rec.title})" if rec is not None else ""
        return [StepResult(number + 1, line, col, "definition",
                           f"names this expression ({tag}){what} for the rest of the document")]
    return []


_NAMED_SETTINGS = (  # a setting named in words in the line before a display, as the book does
    (re.compile(r"cross[- ]?entropy|交叉熵|交差エントロピー", re.I), "5.21"),
    (re.compile(r"sum[- ]of[- ]squares?|二乗和|平方和", re.I), "5.14"),
)


_WRITES_LAMBDA = re.compile(r"\\lambda")
_MAPS = re.compile(r"\\(?:to|rightarrow|mapsto|longrightarrow|longmapsto)(?![A-Za-z])|→")
_NOT_AN_EQUATION = re.compile(r"(?:Figures?|Figs?\.|Sections?|Sec\.|§|Exercises?|Ex\.|Tables?|Chapters?|"
                              r"Algorithms?|図|節|章|演習|表|图|节|习题)\s*~?\s*\d{1,2}\.\d{1,3}", re.I)


def _prose_context(b: Block) -> tuple[str, ...]:
    """Book equations cited in the line of prose right before the display, or named in words
    (a figure, section or exercise number is not an equation: "Figure 5.14")."""
    text = _NOT_AN_EQUATION.sub(" ", getattr(b, "before", "") or "")
    named = [num for pat, num in _NAMED_SETTINGS if pat.search(text)]
    return tuple(dict.fromkeys(cited(text) + named[:1]))


_ONE_PATTERN = re.compile(r"one (?:training )?pattern|single (?:training )?pattern|one data point|"
                          r"一つのパターン|1つのパターン|1 つのパターン")
_SECTION_ONE_PATTERN = re.compile(r"5\.4\.6|fast multiplication|R-operator|ヘッセ行列との高速|高速な乗算", re.I)
# the prose says what the display neglects: English, Japanese, Chinese, Spanish, French, German, Korean
_NOT_NEGLECTED = re.compile(r"\b(?:without|not|never|must not|cannot|exact(?:ly)?|keep|kept|retain(?:ed)?)\b|n't|"
                            r"せず|しない|しないで|なし|厳密|不忽略|没有忽略|不近似|精确|sin despreciar|sans négliger|"
                            r"ohne|않", re.I)
_NEGLECT = re.compile(r"neglect|ignor|drop (?:the )?off|off-diagonal|無視|近似|忽略|非对角|非對角|"
                      r"descart|despreci|fuera de la diagonal|négligeant|hors diagonale|vernachlässig|"
                      r"무시|비대각", re.I)


def _neglects(prose: str) -> bool:
    """The line before a display says what it neglects ("neglecting the off-diagonal terms",
    「非対角成分を無視すると」), and nothing in it says that nothing is neglected ("computed
    exactly, without neglecting anything")."""
    return bool(_NEGLECT.search(prose)) and not _NOT_NEGLECTED.search(prose)


def _inline_math(b: Block, longest: int) -> Iterable[str]:
    """The inline formulas of the line of prose before a display (none if that line is long)."""
    text = (b.before or "").strip()
    if text and len(text) <= longest:
        for m in _INLINE.finditer(text):
            yield m.group(1) or m.group(2)


def _prose_definitions(b: Block, setting: Setting) -> None:
    """Definitions written inline in the line before a display ("For $E = \\frac12 …$, …")."""
    for math in _inline_math(b, 400):
        try:
            disp = parse_display(math, path=b.path, line=max(b.line - 1, 1), col=1)
        except InputError:
            continue
        for chain in disp.statements:
            if len(chain.members) < 2 or chain.members[1].relation not in ("=", ":=", "\\equiv"):
                continue
            domain = chain_domain(chain)
            model, _ = setting.error_model()
            try:
                ctx = _context(setting, domain, _generic_units(chain), model)
                _definition(chain.members[0].expr, chain.members[1], setting, ctx, domain,
                            dict(index=0, line=max(b.line - 1, 1), col=1, justification=None),
                            forced=chain.members[1].relation != "=")
            except (SymhessError, ValueError, TypeError, ArithmeticError):
                continue


# Words that turn a stated condition around or make it one of several ("Unless $j = j'$",
# "$j = j'$ 以外のとき", "When $j = j'$ or $k = k'$"): such a line is not read as its condition.
_NOT_A_PLAIN_CASE = re.compile(
    r"\b(?:unless|except|excluding|not|other than|otherwise|fails?|false|never|neither|nor|"
    r"instead|besides|or|was|were|above|previous|earlier|sauf|sinon|excepto|salvo|au(?:ss|ß)er|nicht|"
    r"oder|ou|o)\b|n't|ではな|でない|以外|除く|除いて|ない場合|ないとき|または|あるいは|除了|否则|或|不|아닌|제외|또는",
    re.I)


def _prose_condition(b: Block) -> tuple[ast.Condition | None, str | None]:
    """A condition in a short line of prose right before the display ("When $j \\neq j'$:"),
    and the text of one that cannot be taken as it stands (negated, one of several, more than
    one formula): a step that fails without it is then unsupported, never failed."""
    found: list[tuple[ast.Condition, str]] = []
    for math in _inline_math(b, 160):
        try:
            c = parse_condition(math, path=b.path, line=max(b.line - 1, 1), col=1)
        except InputError:
            continue
        if c is not None and (c.relation != "=" or (_as_index(c.lhs) is not None and _as_index(c.rhs)
                                                    is not None) or _is_model_output(c.lhs)):
            found.append((c, math))
    if not found:
        return None, None
    words = _INLINE.sub(" ", b.before or "")
    if len(found) > 1 or _NOT_A_PLAIN_CASE.search(words):
        return None, (b.before or "").strip()
    return found[0][0], None


def _is_model_output(node: ast.Node) -> bool:
    """``y`` or ``y(\\mathbf{x}, \\mathbf{w})`` (the condition of 1.89)."""
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Symbol) and node.name == "y" and not node.sub


# --------------------------------------------------------------------------- one step
def _guarded(job: _Job, setting: Setting) -> StepResult:
    """:func:`_decide_job`, with a bug in symhess reported as this step's result, not a crash."""
    try:
        return _decide_job(job, setting)
    except (Unsupported, IllFormed) as exc:
        cur = job.chain.members[job.s]
        pos = cur.pos if cur.pos.line else cur.expr.pos
        return StepResult(job.number, pos.line, pos.col, "unsupported", exc.reason + _at(exc.pos),
                          cur.justification)
    except (RecursionError, MemoryError, ArithmeticError, ValueError, TypeError, KeyError,
            IndexError, AttributeError, NotImplementedError) as exc:
        cur = job.chain.members[job.s]
        pos = cur.pos if cur.pos.line else cur.expr.pos
        return StepResult(job.number, pos.line, pos.col, "unsupported",
                          f"internal error while checking this step ({type(exc).__name__}: {exc}); "
                          "this is a bug in symhess, please report it", cur.justification)


def _decide_job(job: _Job, setting: Setting, model: ErrorModel | None = None,
                model_note: str | None = None, in_place: bool = True) -> StepResult:
    """Decide one step under ``setting`` (updated in place by definitions and citations).

    A display meant to define a quantity that cannot be used (unsupported) leaves that
    quantity marked: later steps that use it are unsupported, never judged without it.
    """
    r = _decide(job, setting, model, model_note, in_place)
    chain, s = job.chain, job.s
    first_eq = all(m.relation in ("", "\\to") for m in chain.members[:s])
    if r.verdict == "unsupported" and in_place and first_eq and chain.members[s].relation in (
            "=", ":=", "\\equiv"):
        lhs = chain.members[s - 1].expr
        if isinstance(lhs, ast.Symbol) and lhs.name == "E" and not lhs.sub and not lhs.bold \
                and lhs.accent is None:
            # E (re)defined by what cannot be read: an earlier E is no longer the one meant
            setting.definitions["E@" + job.domain] = md.UNREAD
            setting.notes["E@" + job.domain] = f"E as meant at line {r.line} (not read: {Text(r.message).prose})"
        elif isinstance(lhs, ast.Symbol) and (lhs.accent is not None or lhs.bold) and \
                symbol_key(lhs) not in setting.symbols:
            _unread(lhs, None, setting, f"line {r.line}: {Text(r.message).prose}", r.line)
    return r


def _decide(job: _Job, setting: Setting, model: ErrorModel | None = None,
            model_note: str | None = None, in_place: bool = True) -> StepResult:
    chain, s = job.chain, job.s
    prev, cur = chain.members[s - 1], chain.members[s]
    if isinstance(prev.expr, ast.EqRef) and s >= 2:
        prev = chain.members[s - 2]
    st = setting if in_place else setting.copy()
    assumptions: list[str] = []
    cites = cited(cur.justification) + list(job.prose) + ([chain.tag] if chain.tag and _CITE.fullmatch(
        chain.tag.strip()) else [])
    subs: dict[sp.Expr, sp.Expr] = {}
    domain = job.domain
    single = job.section_pattern
    cited_models: dict[str, str] = {}  # error model key → the equation the step cites for it
    for num in dict.fromkeys(x.strip() for x in cites):
        _bring(num, st, domain, subs, assumptions)
        rec = cat.BOOK.get(num)
        single = single or (rec is not None and rec.single_pattern)
        if rec is not None and rec.error_model is not None:
            cited_models.setdefault(rec.error_model, num)
        if rec is not None and rec.error_model not in (None, "sum_of_squares") and domain != "network":
            pos0 = cur.pos if cur.pos.line else cur.expr.pos
            return StepResult(job.number, pos0.line, pos0.col, "unsupported",
                              f"({num}) puts the {ERROR_MODELS[rec.error_model].text} in force; symhess "
                              "models it for one pattern's error E_n of the network, not for sums over "
                              "data points or integrals", cur.justification, tuple(assumptions))
    conds = list(job.conditions)
    if cur.condition is not None:
        conds.append(cur.condition)
    conds.extend(cur.also)
    pos = cur.pos if cur.pos.line else cur.expr.pos
    base: dict[str, Any] = dict(index=job.number, line=pos.line, col=pos.col,
                                justification=cur.justification)
    if model is None:
        model, model_note = st.error_model()
    if len(cited_models) > 1:
        return StepResult(verdict=Verdict.UNSUPPORTED, message="the step cites two error models: "
                          + " and ".join(f"({n}) {ERROR_MODELS[k].text}" for k, n in cited_models.items()),
                          assumptions=tuple(assumptions), **base)
    if cited_models and domain == "network":  # the step's own citation decides its error model
        (key, num), = cited_models.items()
        if model is not ERROR_MODELS[key]:
            was = f" (instead of the {model.text} in force)" if model is not None else ""
            model, model_note = ERROR_MODELS[key], f"{ERROR_MODELS[key].text}, cited by the step ({num}){was}"
    try:
        ctx = _context(st, domain, job.generic, model)
        if single and not ctx.one_pattern and domain == "network":
            ctx = replace(ctx, one_pattern=True)  # the cited equation is about one pattern (§5.4.6)
            assumptions.append("E read as one pattern's error E_n, as in PRML §5.4.6 (cited, or the "
                               "section's heading)")
        for c in conds:
            _condition(c, ctx, subs, assumptions)
    except (Unsupported, IllFormed) as exc:
        return StepResult(verdict=Verdict.UNSUPPORTED, message=f"{exc.reason}{_at(exc.pos)}",
                          assumptions=tuple(assumptions), **base)
    for key in st.definitions:
        if key.endswith("@" + domain):
            assumptions.append(st.notes[key])
    if model is not None and domain == "network" and model_note:
        assumptions.append(model_note)
    if ctx.one_pattern and not single:
        assumptions.append(ONE_PATTERN_NOTE)
    base["assumptions"] = tuple(dict.fromkeys(assumptions))
    biases = st.bias_line if domain == "network" else None
    if in_place and st.bias_line is None and (_writes_bias(prev.expr) or _writes_bias(cur.expr)):
        st.bias_line = base["line"]  # biases are in force from here on, whatever this step's verdict
    if domain == "network" and (biases is not None or _writes_bias(prev.expr) or _writes_bias(cur.expr)):
        ctx = replace(ctx, biases=True)
    rel = cur.relation
    if job.approximate and rel == "=":  # "neglecting the off-diagonal terms, we obtain … = …"
        cur = replace(cur, approximate=True)
        base["assumptions"] = base["assumptions"] + ("read as an approximation: the line before says what "
                                                     "is neglected",)
    if rel in ("\\to",):
        nxt = chain.members[s + 1] if s + 1 < len(chain.members) else None
        following = nxt.expr if nxt is not None and nxt.relation in ("=", ":=", "\\equiv") else None
        return _mapping(prev, cur, st, ctx, base, following)
    if rel not in ("=", ":=", "=:", "\\equiv", "\\simeq", "\\approx"):
        return StepResult(verdict=Verdict.UNSUPPORTED, message=_unchecked_relation(rel), **base)
    defining = rel in (":=", "\\equiv") or (rel == "=" and all(
        m.relation in ("", "\\to") for m in chain.members[:s]))
    if rel == "=:":
        prev, cur = cur, prev
        defining = True
    if defining:
        d = _definition(prev.expr, cur, st, ctx, domain, base, forced=rel != "=")
        if d is not None:
            return d
    if has_order(prev.expr, cur.expr):
        try:
            od = decide_order(prev.expr, cur.expr)
        except Unsupported as exc:
            return StepResult(verdict=Verdict.UNSUPPORTED, message=exc.reason + _at(exc.pos), **base)
        return StepResult(verdict=od.verdict, message=od.message, residual=od.residual,
                          readings=("E an unspecified smooth function of the weights written; "
                                    "the others held fixed",), **base)
    try:
        lhs = interpret(prev.expr, ctx)
        rhs = _reference(cur.expr, ctx) if isinstance(cur.expr, ast.EqRef) else interpret(cur.expr, ctx)
    except Unsupported as exc:
        if not cur.approximate and is_matrix_statement(prev.expr, cur.expr):
            return _matrix_step(prev.expr, cur.expr, st, base)
        return StepResult(verdict=Verdict.UNSUPPORTED, message=exc.reason + _at(exc.pos), **base)
    except IllFormed as exc:
        return StepResult(verdict=Verdict.FAILED, message="not a well-formed expression: " + exc.reason
                          + _at(exc.pos), **base)
    unread_y = st.symbols.get("y_{k}")
    if unread_y is not None and domain == "network" and unread_y[1].readings[:1] \
            and unread_y[1].readings[0].startswith("unread:") and (_uses_outputs(lhs.expr) or _uses_outputs(rhs.expr)):
        return StepResult(verdict=Verdict.UNSUPPORTED, message="the step uses E_n or what depends on the outputs, "
                          f"and {unread_y[1].readings[0][7:].strip()}", **base)
    unread_h = st.symbols.get(ACTIVATION_KEY)
    uses_h = unread_h is not None and (_uses_activation(lhs.expr) or _uses_activation(rhs.expr))
    if biases is not None:
        base["assumptions"] = base["assumptions"] + (
            f"the network has biases: line {biases} writes the bias unit (x_0 = z_0 = 1, w_{{j0}}, "
            "w_{k0})",)
    unread_condition = cur.unread_condition or job.unread_condition
    result = _judge(lhs, rhs, prev, cur, subs, model if domain == "network" else None, base, ctx,
                    want_suggestion=in_place and job.suggest and not uses_h and not unread_condition,
                    after_failure=job.after_failure and not uses_h, biases=biases is not None,
                    st=st if in_place else None)
    if result.verdict == Verdict.FAILED and unread_condition:
        return replace(result, verdict=Verdict.UNSUPPORTED, suggestion=None, message=Text(
            f"the step states a condition symhess cannot read ({unread_condition}); without it "
            "the step does not hold: ", result.message))
    if uses_h and unread_h is not None and result.verdict == Verdict.FAILED:
        # what holds for every smooth h holds for the document's h; what fails for some h may not
        return StepResult(verdict=Verdict.UNSUPPORTED, message="the step uses the activation h (h, h′, "
                          f"z_j, δ_j), and {unread_h[1].readings[0][7:].strip()}; for an unspecified "
                          "h it does not hold: " + result.message, **base)
    if job.approximate and rel == "=" and result.verdict == Verdict.APPROXIMATION and result.residual == 0:
        # the prose spoke of neglecting something, but this '=' holds exactly: say so, as written
        numeric = "numerically" in Text(result.message).prose
        return replace(result, verdict=Verdict.VERIFIED if numeric else Verdict.PROVED, residual=None,
                       message=Text("holds exactly (the line before speaks of an approximation; this step "
                                    "drops nothing)" + (": " if numeric else ""),
                                    *( [result.message] if numeric else [])))
    return result


def _judge(lhs: Meaning, rhs: Meaning, prev: ast.Member, cur: ast.Member, subs: dict[sp.Expr, sp.Expr],
           model: ErrorModel | None, base: dict[str, Any], ctx: Context, *,
           want_suggestion: bool = True, after_failure: bool = False, biases: bool = False,
           st: Setting | None = None) -> StepResult:
    """Decide one step whose sides are read.  ``biases``: the document has bias units; a
    bare sum over i or j is then read from 1 or, failing that, from the bias unit 0, and the
    reading the chain's first such step holds under is kept for the rest of the chain
    (``st.bare_reading``: a member shared by two steps has one meaning)."""
    def prepared(m: Meaning) -> Meaning:
        e = restricted(m.expr, subs, model.transform if model is not None else None)
        return Meaning(e, m.row, m.col, m.readings)

    bare = biases and _bare_unit_sums(prev.expr, cur.expr)
    fixed = st.bare_reading if st is not None and bare else None
    lhs, rhs = prepared(lhs), prepared(rhs)
    d: Decision | None = None
    if fixed is not True:
        d = decided(lhs, rhs, approximate=cur.approximate, biases=biases, output=ctx.output)
    if bare and fixed is not False and (d is None or d.verdict == "failed"):
        # PRML reads a bare Σ_i two ways: with the bias absorbed (5.98) or written apart (5.113)
        absorbed = replace(ctx, bias_absorbed=True)
        lhs0: Meaning | None
        rhs0: Meaning | None
        try:
            lhs0 = prepared(interpret(prev.expr, absorbed))
            rhs0 = rhs if isinstance(cur.expr, ast.EqRef) else prepared(interpret(cur.expr, absorbed))
        except (Unsupported, IllFormed) as exc:
            lhs0 = rhs0 = None
            if d is None:
                return StepResult(verdict=Verdict.UNSUPPORTED, message="the chain's bare sums are read "
                                  "from the bias unit 0, and this step cannot be read so: " + exc.reason, **base)
        if lhs0 is not None and rhs0 is not None:
            d0 = decided(lhs0, rhs0, approximate=cur.approximate, biases=True, output=ctx.output)
            if d is None or d0.verdict in _CHECKED or d0.verdict == "approximation":
                d, lhs, rhs, ctx = d0, lhs0, rhs0, absorbed
                lhs = Meaning(lhs.expr, lhs.row, lhs.col, lhs.readings + (BIAS_ABSORBED,))
    assert d is not None
    if bare and st is not None and fixed is None and d.verdict != "failed":
        st.bare_reading = ctx.bias_absorbed  # this chain's bare sums keep the reading that held
    readings = tuple(dict.fromkeys(lhs.readings + rhs.readings))
    if d.verdict == "failed" and d.counterexample is not None and _breaks_condition(d.counterexample, subs):
        return StepResult(verdict=Verdict.UNSUPPORTED, readings=readings, message=Text(
            "the only failure found breaks the stated condition (the numeric search does not keep to "
            "it): ", d.message), counterexample=d.counterexample, **base)
    msg = Text(d.message)
    if subs and d.verdict in _CHECKED:
        msg += " (under the stated condition)"
    if d.verdict == "failed" and model is None and _mixes_error_and_targets(lhs.expr, rhs.expr):
        msg += (" — note: E_n is an unspecified smooth error here; name its form (a display "
                r"defining E_n, \tag{5.104} or (\because (5.104)) for the sum-of-squares error)")
    if d.verdict == "failed" and model is None and ctx.lookup("E") is None \
            and _unspecified_error_vs_outputs(lhs.expr, rhs.expr):
        return StepResult(verdict=Verdict.UNSUPPORTED, message=Text(
            "the step relates the error E to the outputs y_n, but no error function is defined or "
            "cited, and for an unspecified E it does not hold: ", d.message, r" — define E (e.g. "
            r"E = \frac{1}{2}\sum_n (y_n - t_n)^2, PRML 5.82) or cite (5.82)"), readings=readings, **base)
    if d.verdict == "failed" and isinstance(cur.expr, ast.EqRef):
        rec = cat.BOOK.get(cur.expr.number)
        if rec is not None and rec.printed_latex:
            msg += f" — compared with the corrected ({rec.number}); PRML prints a misprint: {rec.erratum_note}"
    suggestion = None
    if d.verdict == "failed" and want_suggestion and not cur.approximate:
        suggestion, note = _suggestion(lhs, rhs, prev, cur, subs, model, ctx, d, biases)
        if suggestion is None:
            msg += f" ({note})"
    elif d.verdict == "failed" and not cur.approximate and after_failure:
        msg += " (no correction searched: an earlier step of this display failed)"
    return StepResult(verdict=d.verdict, message=msg, readings=readings, suggestion=suggestion,
                      residual=d.residual if d.verdict in ("failed", "approximation") else None,
                      counterexample=d.counterexample, lhs_expr=lhs.expr, rhs_expr=rhs.expr, **base)


def _suggestion(lhs: Meaning, rhs: Meaning, prev: ast.Member, cur: ast.Member, subs: dict[sp.Expr, sp.Expr],
                model: ErrorModel | None, ctx: Context, d: Decision,
                biases: bool = False) -> tuple[Suggestion | None, str]:
    """The smallest verified edit of the wrong side (the right one; the left one when the
    right is a book equation), within a bounded number of candidates."""
    transform = model.transform if model is not None else None
    if _heavy(lhs.expr) or _heavy(rhs.expr):
        return None, "no suggestion: the step is too large to search for one"
    residual = d.residual
    if residual is not None and {lhs.expr, -rhs.expr} & set(sp.Add.make_args(sp.expand(residual))):
        residual = None  # left − right kept a side whole (a_k unexpanded): adding it is no correction
    if isinstance(cur.expr, ast.EqRef):
        judge = StepJudge(rhs, ctx, "left", subs=subs, transform=transform, biases=biases)
        found = search(prev.expr, cur.expr, judge, residual=residual, side="left", limit=SUGGEST_LIMIT)
    else:
        judge = StepJudge(lhs, ctx, "right", subs=subs, transform=transform, biases=biases)
        found = search(prev.expr, cur.expr, judge, residual=residual, limit=SUGGEST_LIMIT)
    return found.best, found.message


BIAS_ABSORBED = (r"a sum over i or j written without a lower bound read as starting at the bias "
                 r"unit 0 (x_0 = z_0 = 1), the bias absorbed as PRML 5.98 writes a_j = \sum_i w_{ji} x_i")


_BIAS_LETTERS = ("w", "x", "z", "v")  # quantities with a bias unit: w_{j0}, w_{k0}, x_0, z_0, v_{j0}


def _writes_bias(node: ast.Node) -> bool:
    r"""The reader wrote the bias unit: ``w_{j0}``, ``x_0``, ``z_0``, ``v_{k0}`` or a sum from 0
    (read on what is written, so ``\partial a_k/\partial w_{k0} = 1`` counts even though the
    bias weight is gone from its meaning)."""
    for n in ast.walk(node):
        if isinstance(n, ast.Symbol) and n.name in _BIAS_LETTERS and any(
                isinstance(i, ast.Number) and i.text == "0" for i in n.sub):
            return True
        if isinstance(n, ast.Sum) and isinstance(n.lower, ast.Number) and n.lower.text == "0":
            return True
    return False


def _bare_unit_sums(*nodes: ast.Node) -> bool:
    """A sum over input units i or hidden units j written without a lower bound (whose
    range a document with biases leaves open: 0.. or 1..)."""
    return any(isinstance(n, ast.Sum) and n.lower is None and (n.index is None or (
        isinstance(n.index, ast.Index) and n.index.letter in ("i", "j"))) for node in nodes for n in ast.walk(node))


def _heavy(e: sp.Expr) -> bool:
    """Too large for a suggestion search (bounded by size, not by time)."""
    nested = max((len(x.limits) + sum(len(y.limits) for y in x.function.atoms(sp.Sum))
                  for x in e.atoms(sp.Sum)), default=0)
    return nested > 4 or sp.count_ops(e) > 400


def _context(st: Setting, domain: str, generic: bool, model: ErrorModel | None) -> Context:
    in_force = {k.split("@")[0]: v for k, v in st.definitions.items() if k.endswith("@" + domain)}
    symbols = tuple((k, params, meaning) for k, (params, meaning, _) in st.symbols.items())
    output = None
    if model is not None and not model.linear_output:
        a = sp.Symbol("a")
        output = model.output(a)
    return Context(tuple(in_force.items()), symbols, st.one_pattern and "E" not in in_force,
                   output, generic)


def _generic_units(chain: ast.Chain) -> bool:
    """The chain uses PRML's generic unit notation (a weight w_{lk})."""
    return any(isinstance(n, ast.Symbol) and n.name == "w" and len(n.sub) == 2
               and isinstance(n.sub[0], ast.Index) and n.sub[0].letter == "l"
               for m in chain.members for n in ast.walk(m.expr))


def _bring(num: str, st: Setting, domain: str, subs: dict[sp.Expr, sp.Expr], assumptions: list[str]) -> None:
    """Put book equation ``num``'s setting in force (definitions, error model, condition)."""
    rec = cat.BOOK.get(num)
    if rec is None:
        return
    if rec.defines is not None:
        name, latex = rec.defines
        key = f"{name}@{rec.domain or domain}"
        if key not in st.definitions:
            st.definitions[key] = interpret(parse_chain(latex + " = 0", path=f"<PRML {num}>")
                                            .members[0].expr).expr
            st.notes[key] = f"{name} = {latex} ({num})"
    if rec.error_model is not None and st.error is None:
        st.error = ERROR_MODELS[rec.error_model]
        st.error_note = ERROR_MODELS[rec.error_model].text + f", in force from ({num})"
    if rec.condition is not None:
        lhs_t, rhs_t = rec.condition
        lhs = interpret(parse_chain(lhs_t + " = 0").members[0].expr).expr
        rhs = interpret(parse_chain(rhs_t + " = 0").members[0].expr).expr
        subs[lhs] = rhs
        assumptions.append(f"{lhs_t} = {rhs_t} ({num}): {rec.title}")


_DEFINES_H = re.compile(r"\s*h\s*\(\s*[a-z]\s*\)\s*(=|:=|\\coloneqq|\\equiv|\\triangleq)")
ACTIVATION_KEY = "h(·)"  # in Setting.symbols: the document defined h, and symhess does not use it


def _uses_outputs(e: sp.Expr) -> bool:
    """Whether ``e`` depends on the outputs y_k: E_n and its derivatives δ, M, ∂E_n/∂w."""
    return bool(e.has(nw.E_N, nw.Y, nw.DELTA, nw.MM, nw.T3, nw.DELTA_HID, nw.GRAD1, nw.GRAD2)
                or any(d.has(nw.E_N) for d in e.atoms(sp.Derivative)))


def _uses_activation(e: sp.Expr) -> bool:
    """Whether ``e`` depends on the activation h: h, h′, … themselves, z_j, δ_j, ∂E_n/∂w_ji."""
    return bool(e.has(nw.Z, nw.DELTA_HID, nw.GRAD1) or e.atoms(nw.Activation)
                or any(d.has(nw.W1) for d in e.atoms(sp.Derivative)))


def _condition(c: ast.Condition, ctx: Context, subs: dict[sp.Expr, sp.Expr], assumptions: list[str]) -> None:
    """Restrict a step by a condition: index coincidence, distinctness, or a substitution."""
    text = f"{latex(c.lhs)} {c.relation} {latex(c.rhs)}"
    a, b = _as_index(c.lhs), _as_index(c.rhs)
    if (a is None) != (b is None) and isinstance(c.rhs if b is None else c.lhs, ast.Number):
        raise Unsupported(f"the condition {text} ties an index to a concrete unit; symhess applies "
                          "conditions between index letters (j = j', j \\neq j')", c.pos)
    if a is not None and b is not None and nw.letter_of(a) == nw.letter_of(b):
        if c.relation == "=":
            subs[b] = a
            assumptions.append(f"under {text}")
            return
        if c.relation == "\\neq":
            subs[sp.KroneckerDelta(a, b)] = sp.S.Zero
            subs[sp.KroneckerDelta(b, a)] = sp.S.Zero
            assumptions.append(f"under {text}")
            return
    if c.relation == "=":
        lm, rm = interpret(c.lhs, ctx), interpret(c.rhs, ctx)
        if decided(lm, rm).verdict in _CHECKED:  # a fact the step uses, not a restriction
            assumptions.append(f"uses {text}, which holds")
            return
        lhs, rhs = lm.expr, rm.expr
        if _substitutable(lhs):
            subs[lhs] = rhs
            assumptions.append(f"under {text}")
            return
        raise Unsupported(f"the condition {text} is not one symhess can apply (it applies index "
                          "coincidences j = j', j \\neq j', and a quantity set equal to another)", c.pos)
    if c.relation == "\\neq":  # z_j ≠ 0: the step is read where it is defined
        assumptions.append(f"where {text}")
        return
    raise Unsupported(f"the condition {text} is not one symhess can apply", c.pos)


def _substitutable(e: sp.Expr) -> bool:
    return isinstance(e, (sp.Indexed, sp.Symbol)) or isinstance(e, md.Yx)


def _as_index(node: ast.Node) -> sp.Symbol | None:
    if isinstance(node, ast.Index) and node.letter in nw.SIZES:
        return nw.index(node.letter, node.primes)
    if isinstance(node, ast.Symbol) and not node.sub and node.name in "ijkn" and len(node.name) == 1 \
            and not node.bold:
        return nw.index(node.name, node.primes)
    return None


def _unchecked_relation(rel: str) -> str:
    words = {"\\propto": "a proportionality (equal up to a factor that is not stated)",
             "\\ll": "an order-of-magnitude statement", "\\gg": "an order-of-magnitude statement",
             "\\Rightarrow": "an implication between statements", "\\neq": "an inequation",
             "\\le": "an inequality", "\\ge": "an inequality", "<": "an inequality",
             ">": "an inequality"}
    what = words.get(rel, f"the relation {rel}")
    return f"{rel} states {what}; symhess checks =, ≃ and definitions, so this claim is reported, not checked"


def _matrix_step(lhs: ast.Node, rhs: ast.Node, st: Setting, base: dict[str, Any]) -> StepResult:
    """A step between weight-space matrices and vectors, decided on random matrices."""
    try:
        d = decide_matrices(lhs, rhs, st.matrices)  # type: ignore[arg-type]
    except NotMatrix as exc:
        return StepResult(verdict=Verdict.UNSUPPORTED, message=exc.reason + _at(exc.pos), **base)
    except (np.linalg.LinAlgError, ZeroDivisionError, FloatingPointError) as exc:
        return StepResult(verdict=Verdict.UNSUPPORTED, message=f"not defined on random matrices: {exc}", **base)
    cex = None
    if d.counterexample is not None:
        c = d.counterexample
        cex = Counterexample(c["sizes"], {}, {"left": c["left"], "right": c["right"]})
    return StepResult(verdict=d.verdict, message=d.message, counterexample=cex, **base)


# --------------------------------------------------------------------------- definitions
_OPEN_NAMES = frozenset({"E"})
_NETWORK_NAMES = frozenset("a b h t w x y z v E I M T delta".split())


def _definition(lhs_node: ast.Node, cur: ast.Member, st: Setting, ctx: Context, domain: str,
                base: dict[str, Any], forced: bool) -> StepResult | None:
    """A step that defines its left side, or None when it is an ordinary claim.

    The left side is defined when it is a quantity the setting leaves open: a symbol symhess
    does not know (a decorated or new symbol), E or E_n with no error in force, y_k with an
    output function; with ``:=``/``\\equiv`` any symbol.  A definition of a built-in quantity
    is checked against its meaning: failed when it contradicts it.
    """
    node = lhs_node
    if isinstance(node, ast.Paren):
        node = node.expr
    if isinstance(node, ast.Call) and node.func.name == "E" and not node.func.sub and not node.given \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Symbol) and node.args[0].name == "w" \
            and node.args[0].bold and not node.args[0].sub:
        node = node.func  # E(\mathbf{w}) = …: the error, written as a function of the weights
    if isinstance(node, ast.Call) and node.func.name == "h" and not node.func.sub and not node.func.primes \
            and len(node.args) == 1 and not node.given:
        why = f"line {base['line']} defines h as {latex(cur.expr)}, which symhess does not use"
        st.symbols[ACTIVATION_KEY] = ((), Meaning(sp.S.Zero, readings=("unread: " + why,)), base["line"])
        return StepResult(verdict=Verdict.DEFINITION, message="defines the activation h; symhess keeps h an "
                          "unspecified smooth function, so later steps that use h, h′, z_j or δ_j are not "
                          "checked", **base)
    call_key = None
    if isinstance(node, ast.Call) and not node.given and node.func.name not in ("h", "sigma"):
        try:  # p(\mathbf{w}) = …: a function symhess does not know is defined here
            interpret(node, ctx)
        except (Unsupported, IllFormed):
            call_key = latex(node)
    if not isinstance(node, ast.Symbol) and call_key is None:
        return None
    line = base["line"]
    if isinstance(node, ast.Symbol) and node.name == "E" and node.sub and _is_n(node.sub) and \
            not node.bold and node.accent is None and st.error is None and st.user_error.e_n is None:
        return _define_error(cur, st, ctx, base)
    if isinstance(node, ast.Symbol) and node.name == "y" and len(node.sub) == 1 and \
            isinstance(node.sub[0], ast.Index) and node.sub[0].letter == "k" and not node.bold \
            and node.accent is None:
        return _define_output(node, cur, st, ctx, base)
    builtin = None
    decorated = isinstance(node, ast.Symbol) and (node.accent is not None or node.calligraphic)
    known = isinstance(node, ast.Symbol) and (symbol_key(node) in st.symbols or symbol_key(node) in st.matrices)
    if isinstance(node, ast.Symbol) and node.sub and not known:
        # \mathbf{H}_1 after \mathbf{H}_L (a count family), \hat{a}_1 after \hat{a}_j (a concrete
        # unit): claims about what is defined; \tilde{w}_{j0} after \tilde{w}_{ji} (the bias entry,
        # PRML 5.116-5.117) is a definition of its own
        head = str(replace(node, sub=()))
        family = [k for k in (*st.symbols, *st.matrices) if k.startswith(head + "_")]
        concrete = any(isinstance(i, ast.Number) and i.text != "0" for i in node.sub)
        known = bool(family) and (concrete or any("#" in k for k in family))
    if known and not forced:
        return None  # defined earlier (this or another subscript of it): this is a claim about it
    if isinstance(node, ast.Symbol) and not decorated and not node.bold and not forced and \
            node.name in _NETWORK_NAMES and not (node.name == "E" and not node.sub):
        return None  # a quantity of the network (x_i, z_j, w_kj …): a claim, never a new definition
    if call_key is None and not decorated:
        try:
            builtin = interpret(node, ctx)
            if isinstance(builtin.expr, md.Parameter) and not known:
                builtin = None  # a letter read as a constant only for want of a definition: this is one
        except (Unsupported, IllFormed):
            builtin = None
            if not forced and _book_quantity(node):
                return None  # H = …: the Hessian, unreadable under this document's E: a claim
    open_e = isinstance(node, ast.Symbol) and node.name in _OPEN_NAMES and not node.sub \
        and not node.bold and not decorated and ("E@" + domain) not in st.definitions
    if builtin is not None and not open_e:
        if not forced:
            return None
        # \equiv / := of a built-in quantity: checked against its meaning
        try:
            rhs = interpret(cur.expr, ctx)
        except (Unsupported, IllFormed) as exc:
            return StepResult(verdict=Verdict.UNSUPPORTED, message=exc.reason, **base)
        d = decided(builtin, rhs)
        if d.verdict in _CHECKED:
            return StepResult(verdict=Verdict.DEFINITION, message=f"defines {node}, consistent with its "
                              f"built-in meaning ({d.verdict})", **base)
        return StepResult(verdict=d.verdict if d.verdict == "unsupported" else "failed",
                          message=f"a definition that contradicts the built-in meaning of {node}: "
                          + d.message, residual=d.residual,
                          counterexample=d.counterexample, **base)
    if isinstance(node, ast.Symbol) and node.bold and not all(isinstance(i, ast.Index) for i in node.sub):
        _unread(node, None, st, f"line {line} defines it by a recurrence, which symhess does not expand", line)
        return StepResult(verdict=Verdict.DEFINITION, message=f"defines {node} by a recurrence; symhess does not "
                          "expand recurrences, so later steps that use it are not checked", **base)
    if isinstance(node, ast.Symbol) and any(isinstance(n, ast.Symbol) and n.name == node.name and n.sub == node.sub
                                            and n.bold == node.bold and n.accent == node.accent
                                            for n in ast.walk(cur.expr)):
        _unread(node, None, st, f"line {line} defines it in terms of itself", line)
        return StepResult(verdict=Verdict.UNSUPPORTED, message=f"defines {node} in terms of itself (c = c + 1 "
                          "is an equation to solve, not a definition); later steps that use it are not checked",
                          **base)
    matrix = isinstance(node, ast.Symbol) and node.bold and is_matrix_statement(cur.expr) and all(
        isinstance(i, ast.Index) for i in node.sub)
    if matrix and isinstance(node, ast.Symbol):
        st.matrices[symbol_key(node)] = (tuple(str(i) for i in node.sub), cur.expr)
    try:
        rhs = interpret(cur.expr, ctx)
    except (Unsupported, IllFormed) as exc:
        if matrix:
            return StepResult(verdict=Verdict.DEFINITION, message=f"defines {node} (a weight-space matrix) for "
                              "the rest of the document", **base)
        _unread(node if isinstance(node, ast.Symbol) and call_key is None else None, call_key, st,
                f"line {line}: {exc.reason}", line)
        return StepResult(verdict=Verdict.DEFINITION, message=f"defines {call_key or node}; its right side is not "
                          f"read ({exc.reason}{_at(exc.pos)}), so later steps that use it are not checked",
                          **base)
    if open_e:
        key = "E@" + domain
        st.definitions[key] = rhs.expr
        st.notes[key] = f"E as defined at line {line}"
        return StepResult(verdict=Verdict.DEFINITION, message=f"defines E for the rest of the document "
                          f"({_domain_words(domain)})", **base)
    if call_key is not None:
        st.symbols[call_key] = ((), rhs, line)
        return StepResult(verdict=Verdict.DEFINITION, message=f"defines {call_key}", **base)
    assert isinstance(node, ast.Symbol)
    params: list[sp.Expr] = []
    for i in node.sub:
        if isinstance(i, ast.Number) and i.text.isdigit():  # \tilde{w}_{j0}: a fixed index (a bias)
            params.append(sp.Integer(int(i.text)))
            continue
        if not isinstance(i, ast.Index) or i.letter not in nw.SIZES and i.letter not in "NLM":
            if isinstance(i, ast.Index):  # \mathbf{H}_N, \mathbf{H}_L: a count as parameter
                params.append(sp.Symbol(i.letter + "'" * i.primes, integer=True))
                continue
            return StepResult(verdict=Verdict.UNSUPPORTED, message=f"defines {node}, whose subscript is not "
                              "an index", **base)
        params.append(nw.index(i.letter, i.primes))
    key = symbol_key(node)
    st.symbols[key] = (tuple(params), rhs, line)
    return StepResult(verdict=Verdict.DEFINITION, message=f"defines {node} for the rest of the document",
                      **base)


def _breaks_condition(cex: Counterexample, subs: dict[sp.Expr, sp.Expr]) -> bool:
    """The counterexample sets two indices equal that a condition (j \\neq j') keeps apart."""
    for key, value in subs.items():
        if isinstance(key, sp.KroneckerDelta) and value == 0:
            a, b = (written(x) for x in key.args)
            if a in cex.indices and b in cex.indices and cex.indices[a] == cex.indices[b]:
                return True
    return False


def _book_quantity(node: ast.Node) -> bool:
    """``node`` has a meaning in the book's notation alone (``\\mathbf{H}`` is ∇∇E), so a
    display ``node = …`` states something about it rather than defining a new name."""
    try:
        interpret(node, Context())
    except (Unsupported, IllFormed):
        return False
    return True


def _unread(node: ast.Symbol | None, call_key: str | None, st: Setting, why: str, line: int) -> None:
    """Record that a quantity is defined but its definition cannot be used."""
    meaning = Meaning(sp.S.Zero, readings=("unread: " + why,))
    if call_key is not None:
        st.symbols[call_key] = ((), meaning, line)
        return
    if node is not None:
        st.symbols[symbol_key(node)] = (tuple(sp.Symbol(f"p{i}") for i in range(len(node.sub))), meaning, line)
        st.matrices[symbol_key(node)] = ((), None)


def _is_n(sub: tuple[Any, ...]) -> bool:
    return len(sub) == 1 and isinstance(sub[0], ast.Index) and sub[0].letter == "n" and not sub[0].primes


def _define_error(cur: ast.Member, st: Setting, ctx: Context, base: dict[str, Any]) -> StepResult:
    try:
        rhs = interpret(cur.expr, Context(symbols=ctx.symbols))
    except (Unsupported, IllFormed) as exc:
        return StepResult(verdict=Verdict.UNSUPPORTED, message="defines E_n, but its right side cannot be "
                          f"read: {exc.reason}{_at(exc.pos)}", **base)
    if rhs.shape != "scalar":
        return StepResult(verdict=Verdict.FAILED, message=f"E_n must be a scalar, this is a {rhs.shape}", **base)
    st.user_error = replace(st.user_error, e_n=rhs.expr, line=base["line"])
    if st.user_error.model() is None:
        st.user_error = UserError()
        return StepResult(verdict=Verdict.UNSUPPORTED, message="defines E_n, but not as a sum over the "
                          "outputs k of a term in y_k and t_k, which is what symhess can use", **base)
    return StepResult(verdict=Verdict.DEFINITION, message="defines one pattern's error E_n for the rest of "
                      "the document (δ_k, M_kk' follow from it)", **base)


def _define_output(node: ast.Symbol, cur: ast.Member, st: Setting, ctx: Context,
                   base: dict[str, Any]) -> StepResult | None:
    try:
        rhs = interpret(cur.expr, Context(symbols=ctx.symbols)).expr
    except (Unsupported, IllFormed):
        return None
    k = nw.index("k", node.sub[0].primes)  # type: ignore[union-attr]
    if rhs == nw.A_OUT[k]:
        return StepResult(verdict=Verdict.DEFINITION, message="linear outputs y_k = a_k", **base)
    g = output_function(rhs, k)
    if g is None:
        if not any(isinstance(e, sp.Indexed) and e.base == nw.A_OUT and e.indices[0] != k
                   for e in rhs.atoms(sp.Indexed)):
            return None
        # softmax (PRML 5.25): y_k depends on every a_k'; only per-output activations are modelled
        why = (f"line {base['line']} defines y_k as a function of every a_k′ (softmax), and symhess models "
               "outputs y_k = g(a_k) only")
        _unread(node, None, st, why, base["line"])
        return StepResult(verdict=Verdict.UNSUPPORTED, message=f"{why}; later steps that use y_k are not "
                          "checked", **base)
    st.user_error = replace(st.user_error, output=g)
    return StepResult(verdict=Verdict.DEFINITION, message="defines the output activation y_k = g(a_k) "
                      "for the rest of the document", **base)


def _domain_words(domain: str) -> str:
    return {"data": "data-point form", "integral": "integral form", "network": "two-layer network"}[domain]


# --------------------------------------------------------------------------- mappings
def _mapping(prev: ast.Member, cur: ast.Member, st: Setting, ctx: Context,
             base: dict[str, Any], following: ast.Node | None = None) -> StepResult:
    """``u → f(u)``: a transformation put in force, or a rescaling checked for invariance.
    ``w_{ji} \\to \\tilde{w}_{ji} = \\frac{1}{a} w_{ji}`` (PRML 5.116): the new value is what the
    chain's next member says the decorated symbol is (``following``)."""
    from .invariance import check_rescaling, transformation
    node = prev.expr
    new = cur.expr
    if following is not None and isinstance(new, ast.Symbol) and (new.accent is not None or new.calligraphic):
        try:
            transformation(node, following)
            new = following
        except Unsupported:
            pass  # the decorated symbol's value is not a rescaling symhess reads: keep the mapping to it
    try:
        t = transformation(node, new)
    except Unsupported as exc:
        return StepResult(verdict=Verdict.UNSUPPORTED, message=exc.reason + _at(exc.pos), **base)
    quantity = isinstance(node, ast.Symbol) and node.name in ("w", "x", "y", "t", "z", "a")
    target = [] if quantity else [k for k, (expr, _) in st.named.items() if t.symbol in _symbols_in(expr)]
    book = None
    if not target and not quantity and t.symbol.startswith("\\lambda"):  # a regulariser is claimed unchanged
        if st.lambda_written:
            return StepResult(verdict=Verdict.UNSUPPORTED, message=f"a rescaling of {t.key} claims that the "
                              "document's regulariser is unchanged, but that regulariser is not one symhess "
                              r"reads or names (tag it \tag{5.121} if it is the book's)", **base)
        if not any(k.startswith("w_") for k in st.mappings):
            return StepResult(verdict=Verdict.UNSUPPORTED, message=f"a rescaling of {t.key} claims that a "
                              "regulariser is unchanged, but no transformation of the weights is in force to "
                              r"check it against (write it as a display first, e.g. w_{ji} \rightarrow "
                              r"\frac{1}{a} w_{ji})", **base)
        # λ rescaled after the weights, with no regulariser written out: the book's (5.121)
        book = parse_chain(cat.BOOK["5.121"].statement or "", path="<PRML 5.121>").members[0].expr
        target = ["5.121"]
        base = dict(base)
        base["assumptions"] = tuple(base.get("assumptions", ())) + (
            "checked against the book's regulariser (5.121), which the document does not write out",)
    if not target:
        st.mappings[t.key] = (t.old, t.new, base["line"])
        return StepResult(verdict=Verdict.DEFINITION, message=f"the transformation {t.key} \\to {latex(cur.expr)} "
                          "is in force for the rest of the document (a mapping, not an identity)", **base)
    num = target[0]
    named = book if book is not None else st.named[num][0]
    if not any(k.startswith("w_") for k in st.mappings):
        return StepResult(verdict=Verdict.UNSUPPORTED, message=f"a rescaling of {t.key}, but no transformation "
                          f"of the weights is in force to check ({num}) against (write it first, e.g. "
                          r"w_{ji} \rightarrow \frac{1}{a} w_{ji})", **base)
    try:
        res = check_rescaling(named, t, st.mappings)
    except Unsupported as exc:
        return StepResult(verdict=Verdict.UNSUPPORTED, message=f"a rescaling of {t.key}, but ({num}) cannot be "
                          f"checked for invariance: {exc.reason}", **base)
    rec = cat.BOOK.get(num)
    base = dict(base)
    base["assumptions"] = tuple(base.get("assumptions", ())) + (
        f"the transformations in force: {', '.join(st.mappings) or 'none'}",)
    if res.holds:
        return StepResult(verdict=Verdict.PROVED, message=f"leaves ({num}) invariant under the "
                          "transformations in force: " + res.message, **base)
    msg = f"does not leave ({num}) invariant under the transformations in force: " + res.message
    printed = latex(new).replace(" ", "")
    if rec is not None and rec.erratum_note and any(h in printed for h in ("1/2", "\\frac{1}{2}", "\\sqrt")):
        msg += f" — {rec.erratum_note}"
    return StepResult(verdict=Verdict.FAILED, message=msg, residual=res.residual, **base)


def _symbols_in(node: object) -> set[str]:
    return {str(n) for n in ast.walk(node) if isinstance(n, ast.Symbol)}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- inference
def _infer(jobs: list[_Job], setting: Setting) -> str | None:
    """With no error function named, the book's setting under which the failed steps hold.

    Only steps in the network setting that failed under the unspecified E_n are re-decided;
    a step that holds for every E_n holds under each model.  The chosen setting is the one
    that turns the most of them into steps that hold (none: nothing changes).
    """
    failed = [j for j in jobs if j.result is not None and j.result.verdict == "failed"
              and j.domain == "network" and j.setting.error is None
              and j.setting.user_error.e_n is None]
    evidence = [j for j in failed if _names_outputs(j)]
    if not evidence:  # nothing in the document speaks of outputs or targets: E_n stays general
        return None
    start = jobs.index(evidence[0])  # a setting shown by a step holds from there on, not before
    failed = [j for j in failed if jobs.index(j) >= start]
    best: tuple[int, str, list[StepResult]] | None = None
    for key, model in ERROR_MODELS.items():
        note = f"{model.text} — inferred from line {{line}}; state it to make it explicit"
        redone = []
        for j in failed:
            try:
                redone.append(_decide_job(j, j.setting, model, note, in_place=False))
            except (SymhessError, ArithmeticError, ValueError, TypeError, KeyError, IndexError,
                    AttributeError, NotImplementedError, RecursionError):
                redone.append(j.result)  # type: ignore[arg-type]
        held = sum(r.verdict in _CHECKED for r in redone)
        if not any(r.verdict in _CHECKED for j, r in zip(failed, redone) if j in evidence):
            continue
        if held and (best is None or held > best[0]):
            best = (held, key, redone)
    if best is None:
        return None
    _, key, redone = best
    first = next((j for j, r in zip(failed, redone) if r.verdict in _CHECKED and j in evidence),
                 next(j for j, r in zip(failed, redone) if r.verdict in _CHECKED))
    text = ERROR_MODELS[key].text
    line = first.result.line if first.result else 0
    for j, r in zip(failed, redone):
        if r.verdict not in _CHECKED:
            continue
        note = f"{text} — inferred from line {line}; state it to make it explicit"
        assumptions = tuple(a.replace("{line}", str(line)) for a in r.assumptions)
        verdict = r.verdict
        if j is first and _states_error(j):
            verdict = "definition"
        j.result = replace(r, verdict=verdict, assumptions=assumptions or (note,),
                           message=(f"establishes the setting ({note}); " if verdict == "definition"
                                    else "") + r.message)
    return f"read under: {text} — inferred from line {line}; state it to make it explicit"


def _names_outputs(job: _Job) -> bool:
    """The step relates E_n (or δ_k, M_kk') to the outputs y_k or targets t_k."""
    nodes = [n for m in (job.chain.members[job.s - 1], job.chain.members[job.s]) for n in ast.walk(m.expr)]
    syms = [n for n in nodes if isinstance(n, ast.Symbol)]
    outputs = any(n.name in ("y", "t") and len(n.sub) == 1 and isinstance(n.sub[0], ast.Index)
                  and n.sub[0].letter == "k" for n in syms)
    error = any(n.name in ("E", "delta", "M") for n in syms)
    return outputs and error


def _states_error(job: _Job) -> bool:
    """The step says what E_n's first derivative is (∂E_n/∂a_k = …, δ_k = …)."""
    lhs = job.chain.members[job.s - 1].expr
    if isinstance(lhs, ast.Symbol) and lhs.name == "delta":
        return True
    return isinstance(lhs, ast.Derivative) and isinstance(lhs.of, ast.Symbol) and lhs.of.name == "E"


# --------------------------------------------------------------------------- helpers
def check_chain(chain: ast.Chain, setting: Setting | dict[str, Any] | None = None,
                notes: dict[str, str] | None = None) -> list[StepResult]:
    """Verdicts for every step of one ``chain`` under ``setting`` (updated in place).

    ``setting`` may also be a plain dictionary of definitions (with ``notes`` beside it), as
    :mod:`symhess.mutate` keeps them; the error model in force is then kept in it under
    ``"error_model@network"``.
    """
    legacy = isinstance(setting, dict)
    if isinstance(setting, Setting):
        st = setting
    elif legacy:
        assert isinstance(setting, dict)
        defs = setting
        st = Setting(definitions=defs, notes={} if notes is None else notes)
        key = defs.pop("error_model@network", None)
        if key is not None:
            st.error = ERROR_MODELS[str(key)]
            st.error_note = st.notes.get("error_model@network", st.error.text)
    else:
        st = Setting()
    out = []
    domain, generic = chain_domain(chain), _generic_units(chain)
    for s in range(1, len(chain.members)):
        job = _Job(0, chain, s, st.copy(), (), (), s, domain)
        job.generic = generic
        out.append(_decide_job(job, st))
    if legacy and st.error is not None:
        st.definitions["error_model@network"] = sp.Symbol(st.error.key)
        st.notes["error_model@network"] = st.error_note or st.error.text
    return out


def _step_domain(chain: ast.Chain, s: int, whole: str) -> str:
    """The setting of step ``s``: that of its own two members, else the chain's.

    A member elsewhere in the chain (perhaps one that cannot be read) does not change how
    this step is read unless the step itself says nothing of its setting.
    """
    own = chain_domain(ast.Chain(chain.members[s - 1:s + 1]))
    return whole if own == "network" else own


def chain_domain(chain: ast.Chain) -> str:
    """``"integral"`` for chains with integrals or y(x, w), ``"data"`` for y_n / b_n, else ``"network"``.

    A definition of E stays in force for later chains of the same setting only.
    """
    nodes = [n for m in chain.members for n in ast.walk(m.expr)]
    if any(isinstance(n, ast.Integral) or (isinstance(n, ast.Call) and n.func.name in ("p", "y"))
           for n in nodes):
        return "integral"
    if any(isinstance(n, ast.Symbol) and (n.name in ("y", "t") and [str(i) for i in n.sub] == ["n"]
                                          or n.name == "b" and (n.bold or [str(i) for i in n.sub] == ["n"])
                                          or n.name == "H" and (n.bold or not n.sub)) for n in nodes):
        return "data"
    if any(isinstance(n, ast.Symbol) and n.name == "E" and not n.sub and not n.bold for n in nodes) \
            and not any(isinstance(n, ast.Symbol) and n.name == "w" and len(n.sub) == 2 for n in nodes):
        return "data"
    return "network"


def _unspecified_error_vs_outputs(a: sp.Expr, b: sp.Expr) -> bool:
    """One side speaks of the unspecified E(w) of the generic model (its derivatives), the
    other only of the model's outputs y_n and their derivatives (5.83–5.85 without 5.82)."""
    def error(e: sp.Expr) -> bool:
        return e.has(md.E_W) or any(x.base in (md.EG, md.EH, md.E3) for x in e.atoms(sp.Indexed))

    def outputs(e: sp.Expr) -> bool:
        return any(x.base in (md.YN, md.YG, md.YH, md.Y3) for x in e.atoms(sp.Indexed))
    return (error(a) and not error(b) and outputs(b)) or (error(b) and not error(a) and outputs(a))


def _mixes_error_and_targets(a: sp.Expr, b: sp.Expr) -> bool:
    """One side speaks of E_n's derivatives, the other of targets t_k."""
    def error(e: sp.Expr) -> bool:
        return e.has(nw.E_N) or any(x.base in (nw.DELTA, nw.MM) for x in e.atoms(sp.Indexed))

    def targets(e: sp.Expr) -> bool:
        return any(x.base == nw.T for x in e.atoms(sp.Indexed))
    return (error(a) and targets(b)) or (error(b) and targets(a))


def _at(pos: ast.Pos | None) -> str:
    return f" (at {pos})" if pos else ""


def _reference(ref: ast.EqRef, ctx: Context) -> Meaning:
    """The meaning of PRML equation ``ref.number`` (its right-hand side; corrected if misprinted)."""
    rec = cat.BOOK.get(ref.number)
    if rec is None or rec.statement is None:
        known = ", ".join(n for n, r in cat.BOOK.items() if r.statement)
        raise Unsupported(f"no statement of ({ref.number}) to compare with (known: {known})", ref.pos)
    chain = parse_chain(rec.statement + " = 0", path=f"<PRML {ref.number}>")
    m = interpret(chain.members[0].expr, ctx)
    if rec.printed_latex:
        return Meaning(m.expr, m.row, m.col, m.readings + (
            f"({ref.number}) compared with its corrected form; {rec.erratum_note}",))
    return m
