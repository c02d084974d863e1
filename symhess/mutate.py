"""Mutation testing of the checker: correct derivations edited one member at a time, re-checked.

Every correct chain of the corpus (no xfail marker; it must check ``ok`` — otherwise that
is a *false alarm*, reported and not mutated) has each member edited once at the tree level
by one operator (the rules are data, :data:`OPERATORS`): drop a term, drop a factor (or an
operator), drop a sum, flip a sign, prime or unprime one index, ``h' ↔ h''``, change a
layer (``w_{kj}^{(2)} ↔ w_{ji}^{(1)}``, ``a_j ↔ a_k``, ``δ_j ↔ δ_k``, ``I_{jj'} ↔ I_{kk'}``),
double a term.  Then:

* ``invalid``: the edited member no longer means anything as notation (the interpreter
  refuses it, e.g. a bare ``\\sum`` whose index cannot be told);
* ``equivalent``: the edited member still equals the original member
  (:func:`symhess.equivalence.decide` proves or verifies it: M's symmetry, renamed dummies,
  a term that is zero) — excluded, with the reason;
* otherwise the whole chain is re-checked with :func:`symhess.check.check_chain` and the
  mutant is ``caught`` when a step next to the edited member (step m or m + 1) fails,
  ``unsupported`` when such a step is only unsupported, and ``survived`` otherwise.

The score is ``caught / (caught + unsupported + survived)``; the target is 99 %
(``symhess mutate`` exits 1 below it).

>>> from symhess.notation.parser import parse_chain
>>> member = parse_chain(r"z_j z_{j'} M_{kk'} = 0").members[0].expr
>>> sorted({m.operator for m in mutants(member)})
['double term', 'drop factor', 'flip sign', 'prime/unprime index']
>>> latex(parse_chain(r"x_i h'(a_{j'}) \\{ \\delta_k I_{jj'} + z_j \\} = 0").members[0].expr)
"x_{i} h'(a_{j'}) \\\\{ \\\\delta_{k} I_{jj'} + z_{j} \\\\}"
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_args

import sympy as sp

from .check import chain_domain, check_chain
from .documents import derivation_files, find_blocks
from .equivalence import Decision, decide
from .notation import ast
from .notation.interpret import Context, IllFormed, Unsupported, interpret
from .notation.parser import parse_chain
from .notation.unparse import latex
from .printing import text_latex
from .suggest import LIMIT, change_layer, spliced, Search, StepJudge, Suggestion, search

__all__ = [
    "MutantRecord",
    "Mutation",
    "MutationReport",
    "OPERATORS",
    "OUTCOMES",
    "format_report",
    "latex",
    "mutants",
    "mutate_chain",
    "mutate_corpus",
    "suggest_step",
]

_NODE_TYPES = get_args(ast.Node)  # every tree node class
OUTCOMES = ("caught", "unsupported", "survived", "equivalent", "invalid")
TARGET = 0.99
SUGGEST_TARGET = 0.90   # issue 14: caught mutants whose suggested fix restores the member
SUGGEST_SECONDS = 0.5   # issue 14: median time added per failed step (reported, not enforced)


# --------------------------------------------------------------------------- the operators
Rewrite = Iterator[tuple[str, ast.Node]]


@dataclass(frozen=True)
class Operator:
    """A mutation rule: ``local`` rewrites one node (applied at every node of a member),
    ``whole`` rewrites the member as a whole (applied once, at its root)."""

    name: str
    local: Callable[[ast.Node], Rewrite] | None = None
    whole: Callable[[ast.Node], Rewrite] | None = None


def _drop_term(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Add) and len(node.terms) >= 2:
        for pos, (_, term) in enumerate(node.terms):
            rest = node.terms[:pos] + node.terms[pos + 1:]
            new = rest[0][1] if len(rest) == 1 and rest[0][0] > 0 else replace(node, terms=rest)
            yield f"drop the term {latex(term)}", new


def _drop_factor(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Mul) and len(node.factors) >= 2:
        for pos, factor in enumerate(node.factors):
            rest = node.factors[:pos] + node.factors[pos + 1:]
            yield (f"drop the factor {latex(factor)}",
                   rest[0] if len(rest) == 1 else replace(node, factors=rest))
    if isinstance(node, ast.Apply) and not isinstance(node.op, ast.ROp):
        yield f"drop the operator {latex(node.op)}", node.operand


def _drop_sum(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Sum):
        yield f"drop the sum over {node.index if node.index else 'n'}", node.body


def _flip_sign(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Add):
        for pos, (sign, term) in enumerate(node.terms):
            terms = node.terms[:pos] + ((-sign, term),) + node.terms[pos + 1:]
            yield f"flip the sign of {latex(term)}", replace(node, terms=terms)


def _negate(root: ast.Node) -> Rewrite:
    if not isinstance(root, (ast.Add, ast.EqRef)):
        yield "negate the member", ast.Add(((-1, root),), root.pos)


def _prime_index(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Index):
        new = replace(node, primes=node.primes + 1 if node.primes == 0 else node.primes - 1)
        yield f"{node} → {new}", new


def _h_primes(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Call) and node.func.name == "h" and node.func.primes in (1, 2):
        func = replace(node.func, primes=3 - node.func.primes)
        new = replace(node, func=func)
        yield f"{latex(node)} → {latex(new)}", new


def _double_term(node: ast.Node) -> Rewrite:
    if isinstance(node, ast.Add):
        for pos, term in enumerate(node.terms):
            terms = node.terms[:pos + 1] + (term,) + node.terms[pos + 1:]
            yield f"double the term {latex(term[1])}", replace(node, terms=terms)


def _double_member(root: ast.Node) -> Rewrite:
    if not isinstance(root, (ast.Add, ast.EqRef)):
        two = ast.Number("2", root.pos)
        factors = (two, *root.factors) if isinstance(root, ast.Mul) else (two, root)
        yield "double the member", ast.Mul(factors, root.pos)


OPERATORS: tuple[Operator, ...] = (
    Operator("drop term", _drop_term),
    Operator("drop factor", _drop_factor),
    Operator("drop sum", _drop_sum),
    Operator("flip sign", _flip_sign, _negate),
    Operator("prime/unprime index", _prime_index),
    Operator("h' <-> h''", _h_primes),
    Operator("change layer", change_layer),
    Operator("double term", _double_term, _double_member),
)


def _everywhere(node: ast.Node, rule: Callable[[ast.Node], Rewrite]) -> Rewrite:
    """``rule`` applied at every node under ``node``, each result rebuilt up to ``node``."""
    yield from rule(node)
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if isinstance(value, _NODE_TYPES):
            for desc, new in _everywhere(value, rule):
                yield desc, _with(node, f.name, new)
        elif isinstance(value, tuple):
            for pos, item in enumerate(value):
                if isinstance(item, tuple):  # an Add term: (sign, node)
                    sign, sub = item
                    for desc, new in _everywhere(sub, rule):
                        yield desc, _with(node, f.name, value[:pos] + ((sign, new),) + value[pos + 1:])
                elif isinstance(item, _NODE_TYPES):
                    for desc, new in _everywhere(item, rule):
                        yield desc, _with(node, f.name, value[:pos] + (new,) + value[pos + 1:])


def _with(node: ast.Node, name: str, value: Any) -> ast.Node:
    """``node`` with its field ``name`` set to ``value``."""
    changes: dict[str, Any] = {name: value}
    return replace(node, **changes)


@dataclass(frozen=True)
class Mutation:
    """One edit of one member: which operator, what it did, and the edited tree."""

    operator: str
    description: str
    expr: ast.Node


def mutants(expr: ast.Node, operators: Sequence[Operator] = OPERATORS) -> list[Mutation]:
    """Every single-edit mutant of ``expr`` (duplicates and no-op edits removed).

    >>> from symhess.notation.parser import parse_chain
    >>> e = parse_chain(r"x_i h'(a_j) = 0").members[0].expr
    >>> [m.description for m in mutants(e) if m.operator == "h' <-> h''"]
    ["h'(a_{j}) → h''(a_{j})"]
    """
    seen = {expr}
    out = []
    for op in operators:
        found: list[tuple[str, ast.Node]] = []
        if op.local is not None:
            found.extend(_everywhere(expr, op.local))
        if op.whole is not None:
            found.extend(op.whole(expr))
        for desc, new in found:
            new = spliced(new)
            if new not in seen:
                seen.add(new)
                out.append(Mutation(op.name, desc, new))
    return out


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class MutantRecord:
    """What became of one mutant.

    ``line`` is the file line of the edited member, ``block_line`` the line where its
    derivation begins; ``member`` counts from 0 (the left-hand side).  ``steps`` are the
    steps next to the member that failed (caught) or were unsupported.  ``detail`` is the
    checker's message (or, for equivalent and invalid mutants, the reason).
    """

    file: str
    block_line: int
    line: int
    member: int
    operator: str
    description: str
    outcome: str
    mutant_latex: str
    steps: tuple[int, ...] = ()
    detail: str = ""
    suggestion: Suggestion | None = None   # for a caught mutant: the fix of its first failed step
    restored: bool | None = None           # the fix equals the original member (None: not sought)
    suggest_seconds: float = 0.0
    suggest_tried: int = 0
    suggest_kind: str = ""                 # family of the edit ("index", "residual", ...)

    def to_json(self) -> dict[str, Any]:
        out = {"file": self.file, "block_line": self.block_line, "line": self.line,
               "member": self.member, "operator": self.operator,
               "description": self.description, "outcome": self.outcome,
               "mutant_latex": self.mutant_latex, "steps": list(self.steps),
               "detail": self.detail}
        if self.restored is not None:
            out["suggestion"] = _suggestion_json(self.suggestion)
            out["restored"] = self.restored
            out["suggest_seconds"] = round(self.suggest_seconds, 4)
            out["suggest_tried"] = self.suggest_tried
            out["suggest_kind"] = self.suggest_kind
        return out


def _suggestion_json(s: Suggestion | None) -> dict[str, str] | None:
    return None if s is None else {"latex": s.latex, "edit": s.edit, "verdict": s.verdict}


@dataclass(frozen=True)
class AttemptRecord:
    """A failed step of a chain marked xfail (a wrong attempt) and the fix suggested for it."""

    file: str
    line: int
    step: int
    suggestion: Suggestion | None
    seconds: float
    tried: int
    kind: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "step": self.step,
                "suggestion": _suggestion_json(self.suggestion), "seconds": round(self.seconds, 4),
                "tried": self.tried, "kind": self.kind}


@dataclass(frozen=True)
class MutationReport:
    """All mutants of a corpus and the figures issue 6 asks for."""

    records: tuple[MutantRecord, ...]
    chains: tuple[str, ...]          # "file:line" of every correct chain mutated
    false_alarms: tuple[str, ...]    # "file:line: step s verdict: message" on correct chains
    seconds: float = 0.0
    attempts: tuple[AttemptRecord, ...] = ()  # failed steps of the xfail chains, with their fixes

    @property
    def sought(self) -> list[MutantRecord]:
        """Caught mutants for which a suggestion was sought."""
        return [r for r in self.records if r.restored is not None]

    @property
    def restored_rate(self) -> float:
        """Caught mutants whose suggestion restores an equivalent of the original member."""
        sought = self.sought
        return sum(bool(r.restored) for r in sought) / len(sought) if sought else 1.0

    @property
    def suggest_median(self) -> float:
        """Median seconds added per failed step (caught mutants and wrong attempts)."""
        times = [r.suggest_seconds for r in self.sought] + [a.seconds for a in self.attempts]
        return statistics.median(times) if times else 0.0

    def counts(self) -> dict[str, int]:
        c = Counter(r.outcome for r in self.records)
        return {o: c.get(o, 0) for o in OUTCOMES}

    @property
    def scored(self) -> int:
        """Mutants that count: neither equivalent nor invalid."""
        c = self.counts()
        return c["caught"] + c["unsupported"] + c["survived"]

    @property
    def caught_rate(self) -> float:
        return self.counts()["caught"] / self.scored if self.scored else 1.0

    @property
    def ok(self) -> bool:
        """Targets met: >= 99 % caught as failed at the right step, no false alarm, and (when
        suggestions were sought) >= 90 % of caught mutants restored by their suggestion."""
        return (self.caught_rate >= TARGET and not self.false_alarms
                and (not self.sought or self.restored_rate >= SUGGEST_TARGET))

    def by_operator(self) -> dict[str, dict[str, int]]:
        """Outcome counts per operator, in the order of :data:`OPERATORS`, and ``restored``:
        caught mutants whose suggestion restores an equivalent of the original member."""
        table: dict[str, dict[str, int]] = {}
        order = {op.name: pos for pos, op in enumerate(OPERATORS)}
        for r in sorted(self.records, key=lambda r: order.get(r.operator, len(order))):
            row = table.setdefault(r.operator, {o: 0 for o in (*OUTCOMES, "restored")})
            row[r.outcome] += 1
            row["restored"] += bool(r.restored)
        return table

    def to_json(self) -> dict[str, Any]:
        times = [r.suggest_seconds for r in self.sought] + [a.seconds for a in self.attempts]
        return {"chains": list(self.chains), "false_alarms": list(self.false_alarms),
                "counts": self.counts(), "scored": self.scored,
                "caught_rate": self.caught_rate, "by_operator": self.by_operator(),
                "suggestions": {"sought": len(self.sought),
                                "restored": sum(bool(r.restored) for r in self.sought),
                                "restored_rate": self.restored_rate,
                                "median_seconds": self.suggest_median,
                                "max_seconds": max(times, default=0.0),
                                "limit": LIMIT,
                                "by_kind": dict(Counter(r.suggest_kind or "none"
                                                        for r in self.sought)),
                                "attempts": [a.to_json() for a in self.attempts]},
                "seconds": self.seconds, "mutants": [r.to_json() for r in self.records]}


# --------------------------------------------------------------------------- mutating
def mutate_chain(chain: ast.Chain, path: str = "<string>", block_line: int | None = None,
                 definitions: dict[str, sp.Expr] | None = None,
                 notes: dict[str, str] | None = None,
                 operators: Sequence[Operator] = OPERATORS,
                 progress: Callable[[str], None] | None = None,
                 suggest: bool = False) -> list[MutantRecord]:
    """Every mutant of every member of ``chain`` (a correct chain), judged.

    ``definitions``/``notes`` are the file's running definitions before this chain (as
    :func:`symhess.check.check_blocks` keeps them); fresh ``{}`` for network chains.
    With ``suggest``, each caught mutant also gets the suggested fix of its first failed
    step (:func:`symhess.suggest.search`) and whether that fix restores an equivalent of the
    original member.

    >>> from symhess.notation.parser import parse_chain
    >>> recs = mutate_chain(parse_chain(r"h'(a_{j'}) I_{jj'} = h'(a_j) I_{jj'}"))
    >>> [(r.member, r.description) for r in recs if r.outcome == "equivalent"]
    [(0, "j' → j"), (1, "j → j'")]
    >>> sorted({r.outcome for r in recs})
    ['caught', 'equivalent']
    """
    at = _settings(chain, definitions, notes)
    domain = chain_domain(chain)
    ctx = Context(tuple((k.split("@")[0], v) for k, v in at[-1][0].items()
                        if k.endswith("@" + domain)))
    line0 = chain.pos.line if block_line is None else block_line
    out: list[MutantRecord] = []
    for m, member in enumerate(chain.members):
        if isinstance(member.expr, ast.EqRef):
            continue
        try:
            original = interpret(member.expr, ctx)
        except (Unsupported, IllFormed):
            continue  # only meaningful with a cited condition: not mutated
        if progress:
            progress(f"{path}:{line0} member {m}")
        for mut in mutants(member.expr, operators):
            rec, residual = _judge(chain, m, mut, original, ctx, at, path, line0)
            if suggest and rec.outcome == "caught":
                rec = _with_suggestion(rec, chain, m, mut, original, ctx, at, residual)
            out.append(rec)
    return out


def _settings(chain: ast.Chain, definitions: dict[str, sp.Expr] | None,
              notes: dict[str, str] | None) -> list[tuple[dict, dict]]:
    """``at[s]``: the definitions (and their notes) in force at step ``s`` of ``chain``."""
    running = (dict(definitions or {}), dict(notes or {}))
    at: list[tuple[dict, dict]] = []
    for s, member in enumerate(chain.members):
        if s:
            _carry(running, member.justification)
        at.append((dict(running[0]), dict(running[1])))
    return at


# --------------------------------------------------------------------------- suggestions
def suggest_step(chain: ast.Chain, s: int, at: list[tuple[dict, dict]], side: str = "right",
                 residual: sp.Expr | str | None = None, limit: int = LIMIT) -> tuple[Search, float]:
    """The suggested fix of step ``s`` of ``chain`` and the seconds it took.

    Each candidate is judged by the checker itself (:class:`_WindowJudge`); ``side="right"``
    edits member ``s``, ``"left"`` the member it is compared with.

    >>> from symhess.notation.parser import parse_chain
    >>> ch = parse_chain(r"z_j z_{j'} M_{kk'} = z_j z_{j} M_{kk'}")
    >>> found, _ = suggest_step(ch, 1, _settings(ch, None, None))
    >>> found.best.edit
    "changes z_{j} to z_{j'}"
    """
    start = time.perf_counter()
    judge = _WindowJudge(chain, s, at, side)
    prev, cur = judge.pair
    found = search(prev.expr, cur.expr, judge, residual=residual, limit=limit, side=side)
    return found, time.perf_counter() - start


class _WindowJudge:
    """Decides step ``s`` of ``chain`` with one side replaced by a candidate, exactly as the
    checker does: :func:`symhess.check.check_chain` on the two members, with the definitions
    in force ``at`` the step.  Its :meth:`screen` (a cheap numeric prefilter, in the
    definitions' context only) can only lose a suggestion, never accept a wrong one."""

    def __init__(self, chain: ast.Chain, s: int, at: list[tuple[dict, dict]], side: str) -> None:
        members = chain.members
        p = s - 2 if s >= 2 and isinstance(members[s - 1].expr, ast.EqRef) else s - 1
        self.chain, self.pair, self.defs, self.side = chain, (members[p], members[s]), at[p], side
        domain = chain_domain(chain)
        ctx = Context(tuple((k.split("@")[0], v) for k, v in at[s][0].items()
                            if k.endswith("@" + domain) and not k.startswith("error_model")))
        node = self.pair[0 if side == "right" else 1].expr
        self._screen: StepJudge | None = None
        if "error_model@" + domain not in at[s][0] and not isinstance(node, ast.EqRef):
            try:
                self._screen = StepJudge(interpret(node, ctx), ctx, side)
            except (Unsupported, IllFormed):
                self._screen = None

    def __call__(self, node: ast.Node) -> Decision | None:
        a, b = self.pair
        if self.side == "right":
            b = replace(b, expr=node)
        else:
            a = replace(a, expr=node)
        steps = check_chain(replace(self.chain, members=(a, b)), dict(self.defs[0]),
                            dict(self.defs[1]))
        if not steps or steps[-1].verdict == "unsupported":
            return None
        return Decision(steps[-1].verdict, steps[-1].message)

    def screen(self, node: ast.Node) -> bool:
        return self._screen is None or self._screen.screen(node)


def _with_suggestion(rec: MutantRecord, chain: ast.Chain, m: int, mut: Mutation, original: Any,
                     ctx: Context, at: list[tuple[dict, dict]], residual: sp.Expr | str | None
                     ) -> MutantRecord:
    """``rec`` with the fix of its first failed step, and whether it restores the original."""
    s = rec.steps[0]
    member = chain.members[m]
    edited = replace(chain, members=chain.members[:m] + (replace(member, expr=mut.expr),)
                     + chain.members[m + 1:])
    found, seconds = suggest_step(edited, s, at, "right" if s == m else "left", residual)
    restored = False
    if found.best is not None:
        node = parse_chain(found.best.latex + " = 0", path="<suggestion>").members[0].expr
        try:
            same = decide(original, interpret(node, ctx))
            restored = same.verdict in ("proved", "verified")
        except (Unsupported, IllFormed):
            restored = False
    return replace(rec, suggestion=found.best, restored=restored, suggest_seconds=seconds,
                   suggest_tried=found.tried, suggest_kind=found.kinds[0] if found.kinds else "")


def _carry(running: tuple[dict, dict], justification: str | None) -> None:
    """Let the checker record the definitions ``justification`` cites (as its steps do)."""
    if justification:
        zero = ast.Number("0")
        check_chain(ast.Chain((ast.Member("", zero, None), ast.Member("=", zero, justification))),
                    running[0], running[1])


def _recheck(chain: ast.Chain, m: int, edited: ast.Chain, at: list[tuple[dict, dict]]
             ) -> dict[int, Any]:
    """Verdicts of the steps next to member ``m`` in ``edited`` (by original step number).

    Only the window of members those steps compare is checked, with the definitions in
    force at its start; the other steps do not involve the edited member.  If the window
    would read in another setting (data, integral, network) than the whole chain, the
    whole chain is checked instead.
    """
    near = _adjacent(chain, m)
    lo = m - 1 if m else 0
    while lo > 0 and isinstance(chain.members[lo].expr, ast.EqRef):
        lo -= 1
    hi = max(near) if near else m
    window = replace(edited, members=edited.members[lo:hi + 1])
    if chain_domain(window) == chain_domain(edited):
        defs, notes = at[lo]
        steps = check_chain(window, dict(defs), dict(notes))
        return {s.index + lo: s for s in steps if s.index + lo in near}
    defs, notes = at[0]
    return {s.index: s for s in check_chain(edited, dict(defs), dict(notes)) if s.index in near}


def _judge(chain: ast.Chain, m: int, mut: Mutation, original: Any, ctx: Context,
           at: list[tuple[dict, dict]], path: str, block_line: int
           ) -> tuple[MutantRecord, sp.Expr | None]:
    """The mutant's outcome, and the residual of its first failed step (if caught)."""
    member = chain.members[m]
    line = member.pos.line or member.expr.pos.line or block_line
    base: dict[str, Any] = dict(file=path, block_line=block_line, line=line, member=m, operator=mut.operator,
                description=mut.description, mutant_latex=latex(mut.expr))
    try:
        edited = interpret(mut.expr, ctx)
    except (Unsupported, IllFormed) as exc:
        return MutantRecord(outcome="invalid", detail=f"no longer notation: {exc.reason}", **base), None
    same = decide(original, edited)
    if same.verdict in ("proved", "verified"):
        return MutantRecord(outcome="equivalent",
                            detail=f"equal to the original member ({same.verdict}: {text_latex(same.message)})",
                            **base), None
    members = chain.members[:m] + (replace(member, expr=mut.expr),) + chain.members[m + 1:]
    steps = _recheck(chain, m, replace(chain, members=members), at)
    for outcome, verdict in (("caught", "failed"), ("unsupported", "unsupported")):
        hit = tuple(sorted(i for i, s in steps.items() if s.verdict == verdict))
        if hit:
            return (MutantRecord(outcome=outcome, steps=hit, detail=text_latex(steps[hit[0]].message),
                                 **base), steps[hit[0]].residual)
    verdicts = ", ".join(f"step {i} {s.verdict}" for i, s in sorted(steps.items()))
    return MutantRecord(outcome="survived", detail=verdicts, **base), None


def _adjacent(chain: ast.Chain, m: int) -> set[int]:
    """The steps that compare member ``m`` with a neighbour (an ``= (5.xx)`` member passes on).

    >>> from symhess.notation.parser import parse_chain
    >>> sorted(_adjacent(parse_chain("a = b = (5.93) = c"), 1))
    [1, 2, 3]
    """
    near = {m, m + 1} & set(range(1, len(chain.members)))
    nxt = m + 1
    while nxt < len(chain.members) and isinstance(chain.members[nxt].expr, ast.EqRef):
        nxt += 1
        if nxt < len(chain.members):
            near.add(nxt)
    return near


def mutate_corpus(paths: Iterable[Path | str], operators: Sequence[Operator] = OPERATORS,
                  progress: Callable[[str], None] | None = None,
                  suggest: bool = True) -> MutationReport:
    """Mutate every correct chain (no xfail marker) of the files under ``paths``.

    A correct chain that does not check ``ok`` as written is a false alarm: it is reported
    and not mutated.  With ``suggest``, every caught mutant and every failed step of the
    chains marked xfail (the wrong attempts) also gets its suggested fix.
    """
    start = time.perf_counter()
    records: list[MutantRecord] = []
    chains: list[str] = []
    alarms: list[str] = []
    attempts: list[AttemptRecord] = []
    for path in derivation_files(Path(p) for p in paths):
        definitions: dict[str, sp.Expr] = {}
        notes: dict[str, str] = {}
        for b in find_blocks(path):
            if not b.has_chain:
                continue
            chain = parse_chain(b.text, path=b.path, line=b.line, col=b.col)
            before = (dict(definitions), dict(notes))
            steps = check_chain(chain, definitions, notes)
            if b.xfail is not None:
                if suggest:
                    attempts.extend(_attempts(chain, steps, str(path), before))
                continue
            bad = [s for s in steps if s.verdict in ("failed", "unsupported")]
            if bad:
                alarms.extend(f"{path}:{b.line}: step {s.index} {s.verdict}: {text_latex(s.message)}"
                              for s in bad)
                continue
            chains.append(f"{path}:{b.line}")
            records.extend(mutate_chain(chain, str(path), b.line, *before, operators=operators,
                                        progress=progress, suggest=suggest))
    return MutationReport(tuple(records), tuple(chains), tuple(alarms),
                          time.perf_counter() - start, tuple(attempts))


def _attempts(chain: ast.Chain, steps: Sequence[Any], path: str,
              before: tuple[dict, dict]) -> list[AttemptRecord]:
    """The suggested fix of each failed step of a wrong attempt (its line ``s`` edited)."""
    at = _settings(chain, *before)
    out = []
    for st in steps:
        if st.verdict == "failed":
            found, seconds = suggest_step(chain, st.index, at, "right", st.residual)
            out.append(AttemptRecord(path, st.line, st.index, found.best, seconds, found.tried,
                                     found.kinds[0] if found.kinds else ""))
    return out


# --------------------------------------------------------------------------- report
def format_report(report: MutationReport, show: Sequence[str] = ("survived", "unsupported")
                  ) -> str:
    """The report as text: the table by operator, the figures, and the mutants in ``show``."""
    lines = [f"mutation testing of {len(report.chains)} correct chains "
             f"({', '.join(report.chains)}) in {report.seconds:.1f} s", ""]
    head = (f"{'operator':22}" + "".join(f"{o:>12}" for o in OUTCOMES) + f"{'total':>8}"
            + f"{'restored':>10}")
    lines += [head, "-" * len(head)]
    for op, row in report.by_operator().items():
        lines.append(f"{op:22}" + "".join(f"{row[o]:12d}" for o in OUTCOMES)
                     + f"{sum(row[o] for o in OUTCOMES):8d}" + f"{row['restored']:10d}")
    c = report.counts()
    restored = sum(bool(r.restored) for r in report.sought)
    lines.append("-" * len(head))
    lines.append(f"{'all':22}" + "".join(f"{c[o]:12d}" for o in OUTCOMES)
                 + f"{sum(c.values()):8d}" + f"{restored:10d}")
    lines += ["",
              f"mutants: {sum(c.values())}; excluded as equivalent: {c['equivalent']}, "
              f"as invalid notation: {c['invalid']}",
              f"caught as failed at the right step: {c['caught']}/{report.scored} = "
              f"{100 * report.caught_rate:.1f} % (target {100 * TARGET:.0f} %); "
              f"only unsupported: {c['unsupported']}; survived: {c['survived']}",
              f"false alarms on correct derivations: {len(report.false_alarms)}"]
    lines += [f"  {a}" for a in report.false_alarms]
    lines += _suggest_lines(report)
    for outcome in show:
        recs = [r for r in report.records if r.outcome == outcome]
        if recs:
            lines += ["", f"{outcome}:"]
            lines += [f"  {r.file}:{r.line} member {r.member} [{r.operator}] {r.description}"
                      f" — {r.detail}" for r in recs]
    return "\n".join(lines)


def _suggest_lines(report: MutationReport) -> list[str]:
    """The figures of issue 14: fixes that restore the member, time per failed step."""
    sought = report.sought
    if not sought and not report.attempts:
        return []
    kinds = Counter(r.suggest_kind for r in sought if r.restored)
    times = [r.suggest_seconds for r in sought] + [a.seconds for a in report.attempts]
    lines = ["", f"suggested fixes (at most {LIMIT} candidates per failed step; column 'restored'):",
             f"  restore an equivalent of the original member: {sum(kinds.values())}/{len(sought)}"
             f" caught = {100 * report.restored_rate:.1f} % (target {100 * SUGGEST_TARGET:.0f} %);"
             f" by a hand edit: {sum(kinds.values()) - kinds['residual']}, by adding the residual"
             f" term: {kinds['residual']}; a fix that does not restore it: "
             f"{sum(1 for r in sought if not r.restored and r.suggestion)}; none within the limit: "
             f"{sum(1 for r in sought if r.suggestion is None)}",
             f"  time added per failed step: median {statistics.median(times):.3f} s "
             f"(target <= {SUGGEST_SECONDS} s), max {max(times):.3f} s"]
    if report.attempts:
        got = sum(a.suggestion is not None for a in report.attempts)
        lines.append(f"  wrong attempts (chains marked xfail): {got}/{len(report.attempts)} failed "
                     "steps get a verified fix")
        for a in report.attempts:
            fix = (f"did you mean: {a.suggestion.latex} ({a.suggestion.edit}) {a.suggestion.verdict}"
                   if a.suggestion else f"no suggestion within {LIMIT} candidates")
            lines.append(f"    {a.file}:{a.line} step {a.step}: {fix} [{a.seconds:.2f} s]")
    lost = [r for r in sought if not r.restored]
    if lost:
        lines.append("  caught mutants not restored:")
        lines += [f"    {r.file}:{r.line} member {r.member} [{r.operator}] {r.description} — "
                  + (f"{r.suggestion.latex} ({r.suggestion.edit})" if r.suggestion
                     else f"no suggestion within {LIMIT} candidates") for r in lost]
    return lines
