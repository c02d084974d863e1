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

The score is ``caught / (caught + unsupported + survived)``; the target of issue 6 is 99 %.

>>> from symhess.notation.parser import parse_chain
>>> member = parse_chain(r"z_j z_{j'} M_{kk'} = 0").members[0].expr
>>> sorted({m.operator for m in mutants(member)})
['double term', 'drop factor', 'flip sign', 'prime/unprime index']
>>> latex(parse_chain(r"x_i h'(a_{j'}) \\{ \\delta_k I_{jj'} + z_j \\} = 0").members[0].expr)
"x_{i} h'(a_{j'}) \\\\{ \\\\delta_{k} I_{jj'} + z_{j} \\\\}"
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_args

import sympy as sp

from .check import chain_domain, check_chain
from .documents import derivation_files, find_blocks
from .equivalence import decide
from .errors import InputError
from .notation import ast
from .notation.interpret import Context, IllFormed, Unsupported, interpret
from .notation.parser import parse_chain
from .notation.unparse import latex

__all__ = [
    "MutantRecord",
    "Mutation",
    "MutationReport",
    "OPERATORS",
    "OUTCOMES",
    "format_report",
    "latex",
    "main",
    "mutants",
    "mutate_chain",
    "mutate_corpus",
]

_NODE_TYPES = get_args(ast.Node)  # every tree node class
OUTCOMES = ("caught", "unsupported", "survived", "equivalent", "invalid")
TARGET = 0.99


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


_LAYER_LETTERS = {"kj": ("j", "i", 1), "ji": ("k", "j", 2)}
_OTHER_LETTER = {"j": "k", "k": "j"}


def _change_layer(node: ast.Node) -> Rewrite:
    if not isinstance(node, ast.Symbol) or not node.sub or node.bold:
        return
    idx = [i for i in node.sub if isinstance(i, ast.Index)]
    if len(idx) != len(node.sub):
        return
    letters = "".join(i.letter for i in idx)
    new: ast.Symbol | None = None
    if node.name == "w" and letters in _LAYER_LETTERS:
        first, second, layer = _LAYER_LETTERS[letters]
        sub = tuple(replace(i, letter=c) for i, c in zip(idx, (first, second)))
        new = replace(node, sub=sub, layer=None if node.layer is None else layer)
    elif (node.name in ("a", "delta") and len(letters) == 1 and letters in _OTHER_LETTER
          or node.name == "I" and letters in ("jj", "kk")):
        new = replace(node, sub=tuple(replace(i, letter=_OTHER_LETTER[i.letter]) for i in idx))
    if new is not None:
        yield f"{node} → {new}", new


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
    Operator("change layer", _change_layer),
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


def _flatten(node: ast.Node) -> ast.Node:
    """Products inside products spliced (as the parser would read the edited text).

    >>> m = ast.Mul((ast.Number("2"), ast.Mul((ast.Number("3"), ast.Number("4")))))
    >>> latex(_flatten(m)), len(_flatten(m).factors)
    ('2 3 4', 3)
    """
    changes: dict[str, Any] = {}
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if isinstance(value, _NODE_TYPES):
            new = _flatten(value)
            if new is not value:
                changes[f.name] = new
        elif isinstance(value, tuple) and value:
            items = tuple((it[0], _flatten(it[1])) if isinstance(it, tuple)
                          else _flatten(it) if isinstance(it, _NODE_TYPES) else it
                          for it in value)
            if isinstance(node, ast.Mul) and f.name == "factors":
                items = tuple(g for it in items
                              for g in (it.factors if isinstance(it, ast.Mul) else (it,)))
            if items != value or any(a is not b for a, b in zip(items, value)):
                changes[f.name] = items
    return replace(node, **changes) if changes else node


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
            new = _flatten(new)
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

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "block_line": self.block_line, "line": self.line,
                "member": self.member, "operator": self.operator,
                "description": self.description, "outcome": self.outcome,
                "mutant_latex": self.mutant_latex, "steps": list(self.steps),
                "detail": self.detail}


@dataclass(frozen=True)
class MutationReport:
    """All mutants of a corpus and the figures issue 6 asks for."""

    records: tuple[MutantRecord, ...]
    chains: tuple[str, ...]          # "file:line" of every correct chain mutated
    false_alarms: tuple[str, ...]    # "file:line: step s verdict: message" on correct chains
    seconds: float = 0.0

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
        """Targets met: >= 99 % caught as failed at the right step, no false alarm."""
        return self.caught_rate >= TARGET and not self.false_alarms

    def by_operator(self) -> dict[str, dict[str, int]]:
        """Outcome counts per operator, in the order of :data:`OPERATORS`."""
        table: dict[str, dict[str, int]] = {}
        order = {op.name: pos for pos, op in enumerate(OPERATORS)}
        for r in sorted(self.records, key=lambda r: order.get(r.operator, len(order))):
            row = table.setdefault(r.operator, {o: 0 for o in OUTCOMES})
            row[r.outcome] += 1
        return table

    def to_json(self) -> dict[str, Any]:
        return {"chains": list(self.chains), "false_alarms": list(self.false_alarms),
                "counts": self.counts(), "scored": self.scored,
                "caught_rate": self.caught_rate, "by_operator": self.by_operator(),
                "seconds": self.seconds, "mutants": [r.to_json() for r in self.records]}


# --------------------------------------------------------------------------- mutating
def mutate_chain(chain: ast.Chain, path: str = "<string>", block_line: int | None = None,
                 definitions: dict[str, sp.Expr] | None = None,
                 notes: dict[str, str] | None = None,
                 operators: Sequence[Operator] = OPERATORS,
                 progress: Callable[[str], None] | None = None) -> list[MutantRecord]:
    """Every mutant of every member of ``chain`` (a correct chain), judged.

    ``definitions``/``notes`` are the file's running definitions before this chain (as
    :func:`symhess.check.check_blocks` keeps them); fresh ``{}`` for network chains.

    >>> from symhess.notation.parser import parse_chain
    >>> recs = mutate_chain(parse_chain(r"h'(a_{j'}) I_{jj'} = h'(a_j) I_{jj'}"))
    >>> [(r.member, r.description) for r in recs if r.outcome == "equivalent"]
    [(0, "j' → j"), (1, "j → j'")]
    >>> sorted({r.outcome for r in recs})
    ['caught', 'equivalent']
    """
    running = (dict(definitions or {}), dict(notes or {}))
    at: list[tuple[dict, dict]] = []  # at[s]: the definitions in force after step s
    for s, member in enumerate(chain.members):
        if s:
            _carry(running, member.justification)
        at.append((dict(running[0]), dict(running[1])))
    domain = chain_domain(chain)
    ctx = Context(tuple((k.split("@")[0], v) for k, v in running[0].items()
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
            out.append(_judge(chain, m, mut, original, ctx, at, path, line0))
    return out


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
           at: list[tuple[dict, dict]], path: str, block_line: int) -> MutantRecord:
    member = chain.members[m]
    line = member.pos.line or member.expr.pos.line or block_line
    base: dict[str, Any] = dict(file=path, block_line=block_line, line=line, member=m, operator=mut.operator,
                description=mut.description, mutant_latex=latex(mut.expr))
    try:
        edited = interpret(mut.expr, ctx)
    except (Unsupported, IllFormed) as exc:
        return MutantRecord(outcome="invalid", detail=f"no longer notation: {exc.reason}", **base)
    same = decide(original, edited)
    if same.verdict in ("proved", "verified"):
        return MutantRecord(outcome="equivalent",
                            detail=f"equal to the original member ({same.verdict}: {same.message})",
                            **base)
    members = chain.members[:m] + (replace(member, expr=mut.expr),) + chain.members[m + 1:]
    steps = _recheck(chain, m, replace(chain, members=members), at)
    for outcome, verdict in (("caught", "failed"), ("unsupported", "unsupported")):
        hit = tuple(sorted(i for i, s in steps.items() if s.verdict == verdict))
        if hit:
            return MutantRecord(outcome=outcome, steps=hit, detail=steps[hit[0]].message, **base)
    verdicts = ", ".join(f"step {i} {s.verdict}" for i, s in sorted(steps.items()))
    return MutantRecord(outcome="survived", detail=verdicts, **base)


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
                  progress: Callable[[str], None] | None = None) -> MutationReport:
    """Mutate every correct chain (no xfail marker) of the files under ``paths``.

    A correct chain that does not check ``ok`` as written is a false alarm: it is reported
    and not mutated.
    """
    start = time.perf_counter()
    records: list[MutantRecord] = []
    chains: list[str] = []
    alarms: list[str] = []
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
                continue
            bad = [s for s in steps if s.verdict in ("failed", "unsupported")]
            if bad:
                alarms.extend(f"{path}:{b.line}: step {s.index} {s.verdict}: {s.message}"
                              for s in bad)
                continue
            chains.append(f"{path}:{b.line}")
            records.extend(mutate_chain(chain, str(path), b.line, *before, operators=operators,
                                        progress=progress))
    return MutationReport(tuple(records), tuple(chains), tuple(alarms),
                          time.perf_counter() - start)


# --------------------------------------------------------------------------- report
def format_report(report: MutationReport, show: Sequence[str] = ("survived", "unsupported")
                  ) -> str:
    """The report as text: the table by operator, the figures, and the mutants in ``show``."""
    lines = [f"mutation testing of {len(report.chains)} correct chains "
             f"({', '.join(report.chains)}) in {report.seconds:.1f} s", ""]
    head = f"{'operator':22}" + "".join(f"{o:>12}" for o in OUTCOMES) + f"{'total':>8}"
    lines += [head, "-" * len(head)]
    for op, row in report.by_operator().items():
        lines.append(f"{op:22}" + "".join(f"{row[o]:12d}" for o in OUTCOMES)
                     + f"{sum(row.values()):8d}")
    c = report.counts()
    lines.append("-" * len(head))
    lines.append(f"{'all':22}" + "".join(f"{c[o]:12d}" for o in OUTCOMES)
                 + f"{sum(c.values()):8d}")
    lines += ["",
              f"mutants: {sum(c.values())}; excluded as equivalent: {c['equivalent']}, "
              f"as invalid notation: {c['invalid']}",
              f"caught as failed at the right step: {c['caught']}/{report.scored} = "
              f"{100 * report.caught_rate:.1f} % (target {100 * TARGET:.0f} %); "
              f"only unsupported: {c['unsupported']}; survived: {c['survived']}",
              f"false alarms on correct derivations: {len(report.false_alarms)}"]
    lines += [f"  {a}" for a in report.false_alarms]
    for outcome in show:
        recs = [r for r in report.records if r.outcome == outcome]
        if recs:
            lines += ["", f"{outcome}:"]
            lines += [f"  {r.file}:{r.line} member {r.member} [{r.operator}] {r.description}"
                      f" — {r.detail}" for r in recs]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m symhess.mutate PATH... [--format text|json] [--show OUTCOME...]``.

    Exit code 0 when the targets are met (>= 99 % caught, no false alarm), 1 otherwise,
    2 for bad input.
    """
    parser = argparse.ArgumentParser(prog="symhess mutate", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="derivation files or directories")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--show", nargs="*", choices=OUTCOMES, default=["survived", "unsupported"],
                        help="list the mutants with these outcomes (text format)")
    ns = parser.parse_args(argv)
    tty = sys.stderr.isatty()

    def progress(msg: str) -> None:
        if tty:
            print(f"\r\033[K{msg}", end="", file=sys.stderr, flush=True)

    try:
        report = mutate_corpus([Path(p) for p in ns.paths], progress=progress)
    except InputError as exc:
        print(f"symhess mutate: error: {exc}", file=sys.stderr)
        return 2
    if tty:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    if ns.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, ns.show))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
