"""The ``symhess bench`` suite: every side-by-side benchmark, as timed records.

Four groups, each timed as the median of several runs (nothing here prints; the CLI formats):

(a) ``derive 5.93-5.95 vs naive SymPy``: our derivation (:func:`symhess.derive.exact.chain`
    plus the canonical-form comparison with PRML's statement, no numeric checks) against the
    naive route — the fully substituted index expression of ``E_n`` (sum-of-squares error,
    linear outputs, symbolic sizes, SymPy ``Sum``/``Indexed``) differentiated twice with
    ``sympy.diff``, then ``.doit()``, ``simplify`` and ``simplify(a - b)`` against the
    textbook statement.  Both sides run in fresh worker processes (so no SymPy cache is
    shared), timed from after the imports; the naive side is capped by a timeout and a
    capped run is reported as ">= cap".  Next to it, ``derive all``: every catalogue
    equation derived and checked two ways, wall time against a 10 s target.
(b) ``exact hessian vs autograd`` and (c) ``hvp R-operator vs autograd``: from
    :mod:`symhess.bench` (the NumPy engine against HIPS autograd).
(d) ``check``: the bundled corpus, the cases of each kind of input, a file of real notes
    (``--notes FILE``, e.g. 50 displays; not shipped) and a 20-step file through
    ``python -m symhess check`` (wall time, interpreter start included) against their targets
    (3 s, 3 s, 3 s, 2 s), and the corpus time per step.  Rows without a natural baseline carry
    the target as baseline ("target 2 s") and ``ratio = target / ours``; the wall-time rows
    are :class:`CheckRecord` (every run's time kept: the CLI prints them as the check-speed
    section, ``symhess bench --check`` runs that section alone).

>>> rec = target_record("x", 0.5, 2.0)
>>> rec.baseline, rec.ratio
('target 2 s', 4.0)
>>> sorted(rec.to_json())
['baseline', 'baseline_s', 'name', 'ours_s', 'ratio']
"""
from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = [
    "BenchRecord",
    "CORPUS",
    "CheckRecord",
    "bench_derive_all",
    "check_speed",
    "naive_route",
    "ours_route",
    "run_benchmarks",
    "target_record",
    "twenty_step_text",
]

Progress = Callable[[str], None]

CORPUS = Path(__file__).resolve().parent.parent / "derivations"
TARGET_FILE_S = 2.0  # a 20-step file within 2 s wall, interpreter start included
TARGET_CORPUS_S = 3.0  # the whole bundled corpus within 3 s wall (reading real text stays fast)
TARGET_CASES_S = 3.0  # the cases of each kind of input (26 files, 96 displays) within 3 s wall
TARGET_DERIVE_ALL_S = 10.0  # `symhess derive all`: every catalogue equation within 10 s wall
TARGET_NOTES_S = 3.0  # a file of real notes (50 displays) within 3 s wall (issue 11)
NOTES_ENV = "SYMHESS_BENCH_NOTES"  # default of ``symhess bench --notes``: real notes are not shipped
NAIVE_CAP_S = 600.0  # a naive run slower than this is reported as ">= cap"


@dataclass(frozen=True)
class BenchRecord:
    """One row of ``symhess bench``: our median seconds against a baseline's.

    ``note`` says what a reader of the number must know (a capped baseline, what was
    compared); it is not part of the JSON contract.

    >>> r = BenchRecord("x", 0.5, "y", 2.0)
    >>> r.ratio, r.to_json()["ratio"]
    (4.0, 4.0)
    """

    name: str
    ours_s: float
    baseline: str
    baseline_s: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """``baseline_s / ours_s``: how many times faster ours is (or inside its target)."""
        return self.baseline_s / self.ours_s if self.ours_s > 0 else math.inf

    def to_json(self) -> dict[str, Any]:
        """The record in the ``symhess bench --format json`` contract."""
        return {"name": self.name, "ours_s": self.ours_s, "baseline": self.baseline,
                "baseline_s": self.baseline_s, "ratio": self.ratio}


@dataclass(frozen=True)
class CheckRecord(BenchRecord):
    """A check-speed row: the wall time of ``python -m symhess check`` on ``path`` against a
    target, with every run's time (``ours_s`` is their median) and what the file holds.

    >>> r = CheckRecord("corpus", 2.0, "target 3 s", 3.0, runs_s=(2.1, 1.9, 2.0), displays=21)
    >>> r.met, r.speed_json()["runs_s"]
    (True, [2.1, 1.9, 2.0])
    """

    path: str = ""
    runs_s: tuple[float, ...] = ()
    displays: int = 0

    @property
    def met(self) -> bool:
        """The median is within the target."""
        return self.ours_s <= self.baseline_s

    def speed_json(self) -> dict[str, Any]:
        """The row in the ``check_speed`` section of ``symhess bench --format json``."""
        return {"name": self.name, "path": self.path, "displays": self.displays,
                "median_s": self.ours_s, "target_s": self.baseline_s, "met": self.met,
                "runs_s": list(self.runs_s)}


def target_record(name: str, ours_s: float, target_s: float, note: str = "") -> BenchRecord:
    """A row whose baseline is a target time: ``ratio = target / ours`` (>= 1 meets it).

    >>> target_record("check", 4.0, 2.0).ratio
    0.5
    """
    return BenchRecord(name, ours_s, f"target {target_s:.3g} s", target_s, note)


# --------------------------------------------------------------------------- (a) derive
def ours_route(numbers: Sequence[str]) -> dict[str, bool]:
    """Derive each block by the chain rule and compare it with PRML's statement canonically.

    Returns, per equation, whether the printed statement was proved equal to the derived
    result (PRML's printed 5.95 exchanges j and j' in its second term, so it is not).

    >>> ours_route(["5.93"])
    {'5.93': True}
    """
    from .calculus import provably_equal
    from .derive.exact import BLOCKS, chain

    out = {}
    for number in numbers:
        block = BLOCKS[number]
        _, result = chain(block.v1, block.v2)
        out[number] = bool(provably_equal(result, block.statement))
    return out


def naive_route(numbers: Sequence[str]) -> dict[str, bool]:
    """The naive route: substitute everything, ``diff`` twice, ``doit``, ``simplify``, compare.

    The network is written out in full with symbolic sizes D, M, K and the sum-of-squares
    error E_n = 1/2 sum_k (sum_j w_kj h(sum_i w_ji x_i) - t_k)^2 (so delta_k = y_k - t_k and
    M_kk' = I_kk' in the textbook statements).  The derivative indices are fresh symbols
    p, q, r, s (differentiating by a summation variable is SymPy issue 21891).  SymPy's
    answer carries Piecewise range conditions; they are read inside the index ranges.
    Returns, per equation, whether ``simplify(derived - statement)`` came out zero.
    Slow by design (tens of seconds for all three); the doctest runs the fast block only.

    >>> naive_route(["5.93"])  # doctest: +SKIP
    {'5.93': True}
    """
    import sympy as sp

    from . import network as nw
    from .derive.exact import BLOCKS

    D, M, K = (nw.SIZES[c] for c in "ijk")
    i, j, k = (sp.Symbol(c, integer=True) for c in "ijk")
    p, q, r, s = (sp.Symbol(c, integer=True) for c in "pqrs")
    x, t, w1, w2 = (sp.IndexedBase(c) for c in ("x", "t", "w1", "w2"))
    h = sp.Function("h")

    def a_hid(jj: sp.Expr) -> sp.Expr:
        return sp.Sum(w1[jj, i] * x[i], (i, 1, D))

    def a_out(kk: sp.Expr) -> sp.Expr:
        return sp.Sum(w2[kk, j] * h(a_hid(j)), (j, 1, M))

    def h_prime(order: int) -> Callable[[sp.Expr], sp.Expr]:
        u = sp.Symbol("u")
        return lambda arg: sp.Derivative(h(u), (u, order)).subs(u, arg)

    energy = sp.Rational(1, 2) * sp.Sum((a_out(k) - t[k]) ** 2, (k, 1, K))
    weights = {nw.W1: w1, nw.W2: w2}
    out = {}
    for number in numbers:
        block = BLOCKS[number]
        free = {old: new for old, new in zip((*block.v1.indices, *block.v2.indices),
                                             (p, q, r, s))}
        v1 = weights[block.v1.base][free[block.v1.indices[0]], free[block.v1.indices[1]]]
        v2 = weights[block.v2.base][free[block.v2.indices[0]], free[block.v2.indices[1]]]
        derived = _named_derivatives(sp.simplify(sp.diff(energy, v1, v2).doit()))
        statement = _named_derivatives(
            _substituted(block.statement.xreplace(free), a_hid, a_out, h, h_prime, t).doit())
        difference = _in_range(sp.simplify(_in_range(derived) - _in_range(statement)))
        out[number] = bool(sp.simplify(difference).is_zero)
    return out


def _substituted(expr: Any, a_hid: Callable, a_out: Callable, h: Any, h_prime: Callable,
                 t: Any) -> Any:
    """A textbook statement (network symbols) written out for the sum-of-squares network."""
    import sympy as sp

    from . import network as nw

    def indexed(base: Any) -> Callable[[Any], bool]:
        return lambda e: isinstance(e, sp.Indexed) and e.base is base

    expr = expr.replace(indexed(nw.MM), lambda e: sp.KroneckerDelta(*e.indices))
    expr = expr.replace(indexed(nw.DELTA), lambda e: a_out(e.indices[0]) - t[e.indices[0]])
    expr = expr.replace(indexed(nw.Z), lambda e: h(a_hid(e.indices[0])))
    expr = expr.replace(indexed(nw.A_HID), lambda e: a_hid(e.indices[0]))
    expr = expr.replace(indexed(nw.W1), lambda e: sp.IndexedBase("w1")[e.indices])
    expr = expr.replace(indexed(nw.W2), lambda e: sp.IndexedBase("w2")[e.indices])
    for fn, order in ((nw.hp, 1), (nw.hpp, 2)):
        expr = expr.replace(lambda e, fn=fn: isinstance(e, sp.Function) and e.func == fn,
                            lambda e, order=order: h_prime(order)(e.args[0]))
    return expr


def _named_derivatives(expr: Any) -> Any:
    """``Subs(Derivative(h(ξ), (ξ, n)), ξ, a)`` as a plain function ``h^(n)(a)``.

    SymPy's chain rule names its dummy ξ afresh, so two equal derivatives of ``h`` need
    not compare equal; naming them makes ``simplify(a - b)`` see them as the same.
    """
    import sympy as sp

    def named(e: sp.Subs) -> sp.Expr:
        d = e.expr
        if isinstance(d, sp.Derivative) and len(e.variables) == 1 and d.expr.func.__name__ == "h":
            return sp.Function("h" + "'" * d.derivative_count)(e.point[0])
        return e

    return expr.replace(lambda e: isinstance(e, sp.Subs), named)


def _in_range(expr: Any) -> Any:
    """Read SymPy's Piecewise range conditions (1 <= p <= K, …) as true: indices are in range.

    Equalities (``p = 2``) are not range conditions and stay.
    """
    import sympy as sp

    def branch(pw: sp.Piecewise) -> sp.Expr:
        for e, cond in pw.args:
            ranges = cond.atoms(sp.Ge, sp.Le, sp.Gt, sp.Lt)  # bounds, not equalities
            truth = cond.xreplace({rel: sp.true for rel in ranges})
            if truth == sp.true:
                return e
            if truth != sp.false:
                return pw  # undecided: keep the Piecewise as it is
        return pw

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), branch)


def _worker_seconds(route: str, numbers: Sequence[str], timeout: float
                    ) -> tuple[float, dict[str, bool] | None]:
    """Run one route in a fresh interpreter; seconds timed inside it, after the imports.

    A run over ``timeout`` returns ``(timeout, None)``.
    """
    cmd = [sys.executable, "-m", "symhess.benchrun", "worker", route, *numbers]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=str(Path(__file__).resolve().parent.parent))
    except subprocess.TimeoutExpired:
        return timeout, None
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {route} failed (exit {done.returncode}): "
                           f"{done.stderr.strip()[-400:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return float(data["seconds"]), data["equal"]


def bench_derive(numbers: Sequence[str], runs: int, cap: float = NAIVE_CAP_S,
                 progress: Progress | None = None) -> BenchRecord:
    """Row (a): medians of ``runs`` fresh-process runs of both routes over ``numbers``."""
    ours, base, capped, verdicts = [], [], False, {}
    for run in range(runs):
        _say(progress, f"derive {'/'.join(numbers)}: ours, run {run + 1}/{runs}")
        sec, eq = _worker_seconds("ours", numbers, cap)
        ours.append(sec)
        verdicts["ours"] = eq
        _say(progress, f"derive {'/'.join(numbers)}: naive SymPy, run {run + 1}/{runs} "
                       f"(cap {cap:g} s)")
        sec, eq = _worker_seconds("naive", numbers, cap)
        base.append(sec)
        capped |= eq is None
        verdicts["naive"] = eq
    label = f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else numbers[0]
    note = "; ".join(_agreement(n, verdicts.get("ours"), verdicts.get("naive")) for n in numbers)
    baseline = "naive SymPy diff+simplify"
    if capped:
        baseline = f"naive SymPy (>= {cap:g} s cap)"
        note += f"; the naive route hit the {cap:g} s cap, so its time is a lower bound"
    return BenchRecord(f"derive {label} vs naive SymPy", statistics.median(ours), baseline,
                       statistics.median(base), note)


def _agreement(number: str, ours: dict[str, bool] | None, naive: dict[str, bool] | None) -> str:
    """What each route concluded about PRML's printed ``number``.

    >>> _agreement("5.94", {"5.94": True}, {"5.94": False})
    '5.94: ours proved equal, naive simplify(a - b) not zero'
    """
    said_ours = "?" if ours is None else ("proved equal" if ours[number] else "not equal")
    said_naive = ("timed out" if naive is None else
                  "simplify(a - b) = 0" if naive[number] else "simplify(a - b) not zero")
    return f"{number}: ours {said_ours}, naive {said_naive}"


# --------------------------------------------------------------------------- (d) check
def twenty_step_text(corpus: Path = CORPUS, steps: int = 20) -> str:
    """A Markdown file of correct derivations from ``corpus`` holding exactly ``steps`` steps.

    Whole correct chains are taken in file order while they fit (the corpus's 5.93 and
    5.94 chains make 8 + 12 = 20).

    >>> from symhess.notation.parser import parse_chain
    >>> from symhess.documents import blocks_from_text
    >>> sum(parse_chain(b.text).steps for b in blocks_from_text(twenty_step_text(), "t.md"))
    20
    """
    from .documents import find_blocks
    from .notation.parser import parse_chain

    parts, total = [], 0
    for path in sorted(corpus.glob("*.md")):
        for b in find_blocks(path):
            if not b.has_chain or b.xfail is not None:
                continue
            n = parse_chain(b.text).steps
            if total + n <= steps:
                parts.append(f"$$\n{b.text.strip()}\n$$\n")
                total += n
    if total != steps:
        raise ValueError(f"the corpus's correct chains cannot make exactly {steps} steps "
                         f"(best {total})")
    return f"# {steps} steps of correct derivations\n\n" + "\n".join(parts)


def _wall(cmd: list[str], timeout: float = 120.0) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          cwd=str(Path(__file__).resolve().parent.parent))
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return seconds


def bench_derive_all(runs: int, progress: Progress | None = None) -> BenchRecord:
    """Wall time of ``python -m symhess derive all --format json`` (every catalogue equation
    derived and checked two ways; interpreter start included, a fresh process each run): the
    median of ``runs`` runs against :data:`TARGET_DERIVE_ALL_S`."""
    cmd = [sys.executable, "-m", "symhess", "derive", "all", "--format", "json", "--quiet"]
    times = []
    for run in range(runs):
        _say(progress, f"derive all, run {run + 1}/{runs}")
        times.append(_wall(cmd, timeout=600.0))
    return target_record("derive all (every catalogue equation)", statistics.median(times),
                         TARGET_DERIVE_ALL_S, note=f"median of {runs}")


def check_speed(runs: int, targets: Sequence[tuple[str, Path, float]],
                progress: Progress | None = None) -> list[CheckRecord]:
    """Wall time of ``python -m symhess check --quiet --format json PATH`` (interpreter start
    included, a fresh process each run) for each ``(name, path, target_s)``: the median of
    ``runs`` runs.  The targets take turns within each round, so a change in the machine's
    load hits them alike; one untimed warm-up run each comes first.  A path that does not
    exist is left out (with a progress message).
    """
    check = [sys.executable, "-m", "symhess", "check", "--quiet", "--format", "json"]
    present = []
    for name, path, target in targets:
        if path.exists():
            present.append((name, path, target))
        else:
            _say(progress, f"check speed: no {path}, so no row for {name}")
    for name, path, _ in present:  # untimed: the grammar's table cache and the disk cache warm
        _say(progress, f"check speed: {name}, warm-up run")
        _wall([*check, str(path)])
    walls: list[list[float]] = [[] for _ in present]
    for run in range(runs):
        for (name, path, _), times in zip(present, walls):
            _say(progress, f"check speed: {name}, run {run + 1}/{runs}")
            times.append(_wall([*check, str(path)]))
    return [CheckRecord(name, statistics.median(times), f"target {target:.3g} s", target,
                        path=str(path), runs_s=tuple(times), displays=_displays(path))
            for (name, path, target), times in zip(present, walls)]


def _displays(path: Path) -> int:
    """The number of display blocks symhess finds under ``path``."""
    from .documents import derivation_files, find_blocks

    return sum(len(find_blocks(f)) for f in derivation_files([path]))


def speed_targets(corpus: Path = CORPUS, notes: Path | None = None) -> list[tuple[str, Path, float]]:
    """What the check-speed section times: the bundled corpus, the cases of each kind of
    input, and the file of real notes when one is given (``--notes``, or ``$SYMHESS_BENCH_NOTES``).

    >>> [name for name, _, _ in speed_targets(notes=Path("n.md"))]
    ['check corpus (derivations/)', 'check tests/cases', 'check real notes (n.md)']
    """
    cases = corpus.parent / "tests" / "cases"
    out = [(f"check corpus ({corpus.name}/)", corpus, TARGET_CORPUS_S),
           ("check tests/cases", cases, TARGET_CASES_S)]
    if notes is not None:
        out.append((f"check real notes ({notes.name})", notes, TARGET_NOTES_S))
    return out


def bench_check(runs: int, corpus: Path = CORPUS, progress: Progress | None = None,
                notes: Path | None = None) -> list[BenchRecord]:
    """Rows (d): ``symhess check`` wall times on the corpus, the cases, the real notes (if
    given) and a 20-step file; the corpus time per step."""
    if not corpus.is_dir():
        _say(progress, f"no corpus at {corpus}: check benchmarks skipped")
        return []
    check = [sys.executable, "-m", "symhess", "check", "--quiet", "--format", "json"]
    records: list[BenchRecord] = []
    with tempfile.TemporaryDirectory() as tmp:
        twenty = Path(tmp) / "twenty_steps.md"
        twenty.write_text(twenty_step_text(corpus), encoding="utf-8")
        walls_file, inner = [], []
        for run in range(runs):
            _say(progress, f"check: 20-step file, run {run + 1}/{runs}")
            walls_file.append(_wall([*check, str(twenty)]))
            _say(progress, f"check: corpus in one process, run {run + 1}/{runs}")
            inner.append(_check_inner(corpus))
        speeds = check_speed(runs, speed_targets(corpus, notes), progress)
    steps = inner[0][1]
    records.append(target_record("check 20-step file (wall, incl. start)",
                                 statistics.median(walls_file), TARGET_FILE_S))
    for r in speeds:
        if r.path == str(corpus):
            r = replace(r, name=f"check corpus (wall, incl. start; {steps} steps)")
        elif r.path == str(corpus.parent / "tests" / "cases"):
            r = replace(r, name=f"check tests/cases (wall, incl. start; {r.displays} displays)")
        else:
            r = replace(r, name=f"{r.name} (wall, incl. start; {r.displays} displays)")
        records.append(r)
    per_step = statistics.median(s for s, _ in inner) / steps
    records.append(target_record("check corpus per step (in-process)", per_step,
                                 TARGET_CORPUS_S / steps,
                                 note=f"target per step = {TARGET_CORPUS_S:g} s / {steps} steps"))
    return records


def _check_inner(corpus: Path) -> tuple[float, int]:
    cmd = [sys.executable, "-m", "symhess.benchrun", "worker", "check", str(corpus)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          cwd=str(Path(__file__).resolve().parent.parent))
    if done.returncode != 0:
        raise RuntimeError(f"check worker failed: {done.stderr.strip()[-400:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return float(data["seconds"]), int(data["steps"])


# --------------------------------------------------------------------------- the suite
def run_benchmarks(quick: bool = True, progress: Progress | None = None, *,
                   notes: Path | None = None, check_only: bool = False) -> list[BenchRecord]:
    """Every benchmark of ``symhess bench``; ``quick`` finishes within a minute.

    Quick: derive 5.93 only against the naive route (3 runs each), the numeric engine at
    (10, 20, 5, 100), the check rows (3 runs).  Full: derive 5.93-5.95 (3 runs each, naive
    capped at ``NAIVE_CAP_S``), the numeric engine also at (50, 100, 10, 1000), check rows
    (5 runs).  ``notes``: a file of real notes timed among the check rows (target 3 s).
    ``check_only``: the check-speed rows alone (no baseline library needed).
    """
    runs = 3 if quick else 5
    if check_only:
        return list(check_speed(runs, speed_targets(CORPUS, notes), progress))
    require_extra()
    records: list[BenchRecord] = []
    numbers = ("5.93",) if quick else ("5.93", "5.94", "5.95")
    records.append(bench_derive(numbers, runs=3, progress=progress))
    records.append(bench_derive_all(1 if quick else 3, progress=progress))
    try:
        from . import bench
    except ImportError as exc:  # the numeric engine is optional for this suite
        _say(progress, f"numeric benchmarks skipped: {exc}")
    else:
        _say(progress, "exact hessian vs autograd (10,20,5,100)")
        records.append(_plain(bench.bench_exact_hessian(10, 20, 5, 100, repeats=5)))
        _say(progress, "hvp R-operator vs autograd (10,20,5,100)")
        records.append(_plain(bench.bench_hvp(10, 20, 5, 100, repeats=5)))
        if not quick:
            _say(progress, "exact hessian vs autograd (50,100,10,1000): autograd is slow here")
            records.append(_plain(bench.bench_exact_hessian(
                50, 100, 10, 1000, repeats=3, baseline_repeats=1, min_time=0.0)))
            _say(progress, "hvp R-operator vs autograd (50,100,10,1000)")
            records.append(_plain(bench.bench_hvp(50, 100, 10, 1000, repeats=5)))
    if notes is None:
        records.extend(bench_check(runs=runs, progress=progress))
    else:
        records.extend(bench_check(runs=runs, progress=progress, notes=notes))
    return records


def require_extra(module: str = "autograd") -> None:
    """Raise a :class:`~symhess.errors.SymhessError` that names the extra to install when
    the baseline ``module`` of the benchmarks is missing.

    >>> require_extra("json")
    >>> require_extra("no_such_module_xyz")
    Traceback (most recent call last):
    ...
    symhess.errors.SymhessError: symhess bench compares against no_such_module_xyz, which is not installed; install the test extra: python3 -m pip install 'symhess[test]' (from a clone: python3 -m pip install -e '.[test]')
    """
    import importlib.util

    from .errors import SymhessError

    if importlib.util.find_spec(module) is None:
        raise SymhessError(
            f"symhess bench compares against {module}, which is not installed; install the test "
            "extra: python3 -m pip install 'symhess[test]' (from a clone: python3 -m pip install -e '.[test]')")


def _plain(rec: Any) -> BenchRecord:
    """A record of :mod:`symhess.bench` as this module's record (with its accuracy noted)."""
    err = getattr(rec, "max_rel_error", math.nan)
    return BenchRecord(rec.name, rec.ours_s, rec.baseline, rec.baseline_s,
                       f"max relative difference from the baseline's result {err:.1e}")


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


# --------------------------------------------------------------------------- worker
def _worker(argv: Sequence[str]) -> int:
    """``python -m symhess.benchrun worker ours|naive|check ARGS``: one timed run, JSON out."""
    route, args = argv[0], list(argv[1:])
    if route == "check":
        from .check import check_paths

        start = time.perf_counter()
        report = check_paths([Path(a) for a in args])
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "steps": report.summary()["steps"]}))
        return 0
    fn = {"ours": ours_route, "naive": naive_route}[route]
    import sympy  # noqa: F401  (imports are not timed, for either route)

    from .derive import exact  # noqa: F401

    start = time.perf_counter()
    equal = fn(args)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "equal": equal}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.exit(_worker(sys.argv[2:]))
    print("usage: python -m symhess.benchrun worker ours|naive|check ARGS "
          "(use `symhess bench` for the suite)", file=sys.stderr)
    sys.exit(2)
