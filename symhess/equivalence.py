"""Deciding ``A = B``: shapes and free indices first, then a symbolic proof, then numbers.

The symbolic route rewrites both sides to a canonical sum of products (sums pulled out,
Kronecker deltas collapsed, dummies renamed, symmetric quantities ordered) with a size
budget — it never runs unbounded ``simplify``.  The numeric route evaluates both sides on
concrete instances: several network sizes, random points, random smooth ``h`` and ``E_n``
(and random jets of an unspecified model), and *every coincidence pattern* of the free
indices (``j = j'`` as well as ``j ≠ j'``) — never one point alone.

>>> from symhess.notation.interpret import Meaning
>>> from symhess.network import MM, k, kp
>>> decide(Meaning(MM[k, kp]), Meaning(MM[kp, k])).verdict
'proved'
"""
from __future__ import annotations

import itertools
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from . import model as md
from . import network as nw
from .calculus import TooLarge, cancel_terms, canonical_terms, collapse, terms, tidy
from .evaluate import NotEvaluable, evaluate
from .instance import Instance, make_instance
from .notation.interpret import COL, ROW, Meaning
from .printing import prml_latex

# Instances for numeric checks: sizes 1, 2 and 3 (so up to three distinct index values).
SIZES = ((1, 1, 1), (2, 2, 2), (3, 3, 3))
SEEDS = (0, 1)
X_POINTS = (0.37, -1.21)
T_POINTS = (0.52, -0.83)
SYMBOLIC_BUDGET = 4000  # count_ops above which no symbolic proof is attempted
SYMBOLIC_SECONDS = 5.0  # wall-clock budget of one symbolic attempt (then: numbers)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`TooLarge` inside the block once ``seconds`` have passed.

    SymPy has no timeout; SymPy is pure Python, so a SIGALRM handler can interrupt it.  Off
    the main thread (or without SIGALRM) the block runs unbounded — the size budget still
    applies.

    >>> with time_budget(1.0):
    ...     x = sum(range(10))
    >>> x
    45
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def _expired(signum: int, frame: Any) -> None:
        raise TooLarge(f"the symbolic attempt took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Counterexample:
    """Where the two sides differ: sizes, index values as written, and the values."""

    sizes: dict[str, int]
    indices: dict[str, int]
    values: dict[str, float]


@dataclass(frozen=True)
class Decision:
    """The verdict on one ``A = B`` with what a reader needs to see."""

    verdict: str  # proved | verified | failed | unsupported
    message: str
    residual: sp.Expr | None = None
    counterexample: Counterexample | None = None
    checked: dict[str, Any] = field(default_factory=dict)

    @property
    def residual_latex(self) -> str | None:
        return None if self.residual is None else prml_latex(self.residual)


def free_indices(e: sp.Expr) -> set[sp.Symbol]:
    """Free index symbols of ``e`` (sizes, x and t excluded).

    >>> from symhess.network import Z, j, jp
    >>> sorted(map(str, free_indices(sp.Sum(Z[j] * Z[jp], (j, 1, 3)))))
    ["j'"]
    """
    return {s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer
            and s.name[0] in nw.SIZES and s not in nw.SIZES.values()}


def free_variables(e: sp.Expr) -> set[sp.Symbol]:
    """Continuous variables left free (x or t outside an integral over them).

    >>> sorted(map(str, free_variables(md.YxG(md.XV, 1) * sp.Integral(md.Px(md.XV), md.XV))))
    ['x_vec']
    """
    if isinstance(e, sp.Integral):
        bound = {lim[0] for lim in e.limits}
        return free_variables(e.function) - bound
    if e in (md.XV, md.TV):
        return {e}
    out: set[sp.Symbol] = set()
    for a in e.args:
        out |= free_variables(a)
    return out


def written(s: sp.Symbol) -> str:
    """An index as the reader writes it (component indices of ∇ shown as r, s)."""
    return {ROW: "r", COL: "s"}.get(s, s.name)


def decide(lhs: Meaning, rhs: Meaning, *, approximate: bool = False) -> Decision:
    """Judge ``lhs = rhs`` (or ``lhs ≃ rhs`` when ``approximate``)."""
    if lhs.shape != rhs.shape:
        return Decision("failed", f"the sides differ in shape: the left side is a {lhs.shape}, "
                                  f"the right side a {rhs.shape}")
    fl, fr = free_indices(lhs.expr), free_indices(rhs.expr)
    if fl != fr:
        only_l = ", ".join(sorted(written(s) for s in fl - fr))
        only_r = ", ".join(sorted(written(s) for s in fr - fl))
        parts = []
        if only_l:
            parts.append(f"{only_l} free on the left only")
        if only_r:
            parts.append(f"{only_r} free on the right only")
        return Decision("failed", "the sides differ in free indices: " + "; ".join(parts),
                        _residual(lhs.expr, rhs.expr))
    vl, vr = free_variables(lhs.expr), free_variables(rhs.expr)
    outside = ""
    if vl != vr:  # e.g. a factor depending on x taken out of ∫ dx; decided by numbers below
        side = "right" if vr - vl else "left"
        var = ", ".join(sorted("x" if v == md.XV else "t" for v in (vr ^ vl)))
        outside = (f"the {side} side depends on {var} outside any integral over it, the other "
                   f"side does not (something that depends on {var} was taken out of ∫ d{var})")
    try:
        with time_budget(SYMBOLIC_SECONDS):
            diff = sp.expand(lhs.expr - rhs.expr) if _small(lhs.expr, rhs.expr) else None
            proved = diff is not None and not canonical_terms(diff)
    except TooLarge:
        proved = False
    if proved:
        if approximate:
            return Decision("approximation", "written ≃ but holds exactly", sp.S.Zero)
        return Decision("proved", "equal after canonical rewriting (sums, Kronecker deltas, "
                                  "dummy renaming, symmetry of M)")
    residual = _residual(lhs.expr, rhs.expr)
    try:
        cex, checked = _numeric(lhs.expr, rhs.expr)
    except NotEvaluable as exc:
        return Decision("unsupported", f"no symbolic proof, and no numeric check possible: {exc}")
    if approximate:
        if cex is None:
            return Decision("approximation", "written ≃ but holds exactly (numerically)",
                            sp.S.Zero, None, checked)
        return Decision("approximation", "drops " + _describe_dropped(residual), residual,
                        None, checked)
    if cex is not None and outside:
        return Decision("failed", outside, residual, cex, checked)
    if cex is None:
        return Decision("verified", "equal numerically on "
                        f"{checked['instances']} instances × every coincidence pattern of "
                        f"{checked['indices'] or 'no free indices'}", None, None, checked)
    return Decision("failed", _describe(residual), residual, cex, checked)


def _small(*es: sp.Expr) -> bool:
    return sum(sp.count_ops(e) for e in es) <= SYMBOLIC_BUDGET


def _residual(a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
    try:
        return tidy(cancel_terms(collapse(a - b))) if _small(a, b) else None
    except Exception:  # noqa: BLE001 - a display aid only; the verdict never depends on it
        return None


def _describe(residual: sp.Expr | None) -> str:
    """``left − right`` in words: what the right side is missing or has in excess."""
    if residual is None:
        return "the sides differ"
    if residual == 0:
        return "the sides differ numerically"
    missing: list[sp.Expr] = []
    extra: list[sp.Expr] = []
    for t in terms(sp.expand(residual)):
        coeff, _ = t.factor.as_coeff_Mul()
        (missing if coeff > 0 else extra).append(t.to_expr() if coeff > 0 else -t.to_expr())
    parts = []
    if missing:
        parts.append("the right side is missing " + " + ".join(
            prml_latex(tidy(m)) for m in missing))
    if extra:
        parts.append("the right side has an extra " + " + ".join(
            prml_latex(tidy(x)) for x in extra))
    return "; ".join(parts) + f" (left − right = {prml_latex(residual)})"


def _describe_dropped(residual: sp.Expr | None) -> str:
    return "a term" if residual is None else prml_latex(residual)


# ----------------------------------------------------------------------------- numbers
@lru_cache(maxsize=64)
def _instance(size: tuple[int, int, int], seed: int, point: int) -> Instance:
    return make_instance(nw.NetworkConfig(*size, bias=False), seed=seed, point=point)


def set_partitions(items: list[Any]) -> list[list[list[Any]]]:
    """Every way to split ``items`` into blocks (coincidence patterns).

    >>> len(set_partitions(["j", "j'", "j''"]))
    5
    """
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    out = []
    for part in set_partitions(rest):
        out.append([[first], *part])
        for pos in range(len(part)):
            out.append(part[:pos] + [[first, *part[pos]]] + part[pos + 1:])
    return out


MAX_PATTERNS = 400


def _patterns(indices: list[sp.Symbol], sizes: dict[str, int]) -> list[dict[sp.Symbol, int]]:
    """Index values for every coincidence pattern (all of them up to MAX_PATTERNS; beyond,
    every pattern with at most one coincident pair, plus all-equal)."""
    by_letter: dict[str, list[sp.Symbol]] = {}
    for s in sorted(indices, key=str):
        by_letter.setdefault(s.name[0], []).append(s)
    per_letter = []
    for letter, syms in by_letter.items():
        size = sizes[letter]
        options = []
        parts = set_partitions(syms) if len(syms) <= 6 else _few_coincidences(syms)
        for part in parts:
            if len(part) > size:
                continue  # needs more distinct values than this size has
            options.append({s: size - b for b, block in enumerate(part) for s in block})
        per_letter.append(options)
    out = []
    for combo in itertools.product(*per_letter):
        out.append(dict(itertools.chain.from_iterable(d.items() for d in combo)))
        if len(out) >= MAX_PATTERNS:
            break
    return out


def _few_coincidences(syms: list[Any]) -> list[list[list[Any]]]:
    """All distinct, one coincident pair, all equal (when full enumeration is too large)."""
    out = [[[s] for s in syms], [list(syms)]]
    for a, b in itertools.combinations(range(len(syms)), 2):
        rest = [[s] for pos, s in enumerate(syms) if pos not in (a, b)]
        out.append([[syms[a], syms[b]], *rest])
    return out


def _numeric(a: sp.Expr, b: sp.Expr) -> tuple[Counterexample | None, dict[str, Any]]:
    indices = sorted(free_indices(a) | free_indices(b), key=str)
    fv = free_variables(a) | free_variables(b)
    xs = X_POINTS if md.XV in fv else (None,)
    ts = T_POINTS if md.TV in fv else (None,)
    tol = 1e-7 if (a.has(sp.Integral) or b.has(sp.Integral)) else 1e-9
    count = 0
    for size, seed in itertools.product(SIZES, SEEDS):
        inst = _instance(size, seed, seed)
        sizes = {"i": size[0], "j": size[1], "k": size[2], "n": 3, "r": 3, "s": 3}
        count += 1
        for env in _patterns(indices, sizes):
            for x, t in itertools.product(xs, ts):
                full = dict(env)
                if x is not None:
                    full[md.XV] = x
                if t is not None:
                    full[md.TV] = t
                va, vb = evaluate(a, inst, full), evaluate(b, inst, full)
                if not (np.isfinite(va) and np.isfinite(vb)):
                    raise NotEvaluable("a side is not finite on a random instance")
                if abs(va - vb) > tol * max(1.0, abs(va), abs(vb)):
                    vals = {"left": va, "right": vb}
                    if x is not None:
                        vals["x"] = x
                    if t is not None:
                        vals["t"] = t
                    return Counterexample(
                        {"D": size[0], "M": size[1], "K": size[2], "N": 3, "W": 3},
                        {written(s): int(v) for s, v in env.items()}, vals), {}
    return None, {"instances": count, "indices": ", ".join(written(s) for s in indices)}
