"""Side-by-side timings of the numeric engine against HIPS autograd (medians of repeats).

Each benchmark builds one seeded problem, checks that both sides agree on it, and times
them with :func:`time.perf_counter` (fast calls are looped so one timing lasts at least
``min_time``). Nothing here prints; the CLI (``symhess bench``) formats the records.

>>> rec = bench_hvp(D=2, M=3, K=2, N=5, repeats=2, min_time=0.0)
>>> rec.name, rec.baseline, rec.max_rel_error < 1e-10
('hvp R-operator vs autograd (D,M,K,N)=(2,3,2,5)', 'autograd.hessian_vector_product', True)
>>> sorted(rec.to_json())
['baseline', 'baseline_s', 'name', 'ours_s', 'ratio']
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .numeric import (
    ERRORS,
    Shape,
    autograd_error_fn,
    exact_hessian,
    hessian_vector_product,
)

__all__ = [
    "BenchRecord",
    "bench_exact_hessian",
    "bench_hvp",
    "median_seconds",
    "paired_medians",
    "run_benchmarks",
]


@dataclass(frozen=True)
class BenchRecord:
    """One side-by-side timing: our median seconds against a baseline's.

    ``max_rel_error`` is how far our result is from the baseline's on the timed problem
    (``max|ours - theirs| / max(1, max|theirs|)``): a fast wrong answer does not count.

    >>> r = BenchRecord("x", 0.5, "y", 2.0)
    >>> r.ratio
    4.0
    >>> r.to_json()
    {'name': 'x', 'ours_s': 0.5, 'baseline': 'y', 'baseline_s': 2.0, 'ratio': 4.0}
    """

    name: str
    ours_s: float
    baseline: str
    baseline_s: float
    max_rel_error: float = math.nan

    @property
    def ratio(self) -> float:
        """``baseline_s / ours_s``: how many times faster ours is."""
        return self.baseline_s / self.ours_s if self.ours_s > 0 else math.inf

    def to_json(self) -> dict[str, Any]:
        """The record in the ``symhess bench --format json`` contract."""
        return {
            "name": self.name,
            "ours_s": self.ours_s,
            "baseline": self.baseline,
            "baseline_s": self.baseline_s,
            "ratio": self.ratio,
        }


def median_seconds(fn: Callable[[], object], repeats: int = 5, min_time: float = 1e-3) -> float:
    """Median over ``repeats`` of the seconds one call of ``fn`` takes (after one warm-up).

    A repeat loops ``fn`` as many times as it takes to last ``min_time`` (calibrated on the
    warm-up call), so microsecond calls are not lost in timer noise; calls slower than
    ``min_time`` are timed one by one, so the median is robust to a busy machine's stalls.
    A warm-up slower than a second counts as the first repeat.

    >>> median_seconds(lambda: sum(range(100)), repeats=3, min_time=0.001) < 0.01
    True
    """
    return _Timer(fn, min_time, repeats).finish().median()


def paired_medians(
    ours: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int = 5,
    baseline_repeats: int | None = None,
    min_time: float = 1e-3,
) -> tuple[float, float]:
    """Median seconds per call of ``ours`` and of ``baseline``, timed in alternation.

    Alternating the two sides means a change in the machine's load during the run hits
    both alike. ``baseline_repeats`` (default ``repeats``) lets a slow baseline be timed
    fewer times. Each side is warmed up as in :func:`median_seconds`.

    >>> a, b = paired_medians(lambda: sum(range(10)), lambda: sum(range(10_000)), 3)
    >>> a < b
    True
    """
    mine, theirs = _paired(ours, baseline, repeats, baseline_repeats, min_time)
    return mine.median(), theirs.median()


_WARMUP_COUNTS = 1.0  # seconds: a warm-up this slow is timed as the first repeat


class _Timer:
    """Times one function in batches that last at least ``min_time``; keeps its first result."""

    def __init__(self, fn: Callable[[], object], min_time: float, repeats: int) -> None:
        if repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {repeats!r}")
        self.fn, self.repeats = fn, repeats
        start = time.perf_counter()
        self.result = fn()  # warm-up, calibration of the batch size, and the value to compare
        first = time.perf_counter() - start
        self.number = max(1, math.ceil(min_time / first)) if first > 0 else 1000
        self.times: list[float] = [first] if first >= _WARMUP_COUNTS else []

    def run(self) -> None:
        """One more timed batch, unless ``repeats`` have been timed already."""
        if len(self.times) >= self.repeats:
            return
        start = time.perf_counter()
        for _ in range(self.number):
            self.fn()
        self.times.append((time.perf_counter() - start) / self.number)

    def finish(self) -> _Timer:
        while len(self.times) < self.repeats:
            self.run()
        return self

    def median(self) -> float:
        return statistics.median(self.times)


def _paired(
    ours: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int,
    baseline_repeats: int | None,
    min_time: float,
) -> tuple[_Timer, _Timer]:
    mine = _Timer(ours, min_time, repeats)
    theirs = _Timer(baseline, min_time, repeats if baseline_repeats is None else baseline_repeats)
    for _ in range(max(mine.repeats, theirs.repeats)):
        mine.run()
        theirs.run()
    return mine, theirs


def _rel(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs)) / max(1.0, float(np.max(np.abs(theirs)))))


def _problem(
    D: int, M: int, K: int, N: int, err: str, seed: int
) -> tuple[Shape, np.ndarray, np.ndarray, np.ndarray, np.random.Generator]:
    """A seeded network, inputs and targets that suit the error function."""
    if err not in ERRORS:
        raise ValueError(f"unknown error function {err!r}; choose one of {sorted(ERRORS)}")
    rng = np.random.default_rng(seed)
    shape = Shape(D, M, K)
    w = rng.normal(scale=1.0 / np.sqrt(max(D, M)), size=shape.n_weights)
    X = rng.normal(size=(N, D))
    if err == "sum_of_squares":
        T = rng.normal(size=(N, K))
    elif err == "cross_entropy":
        T = rng.integers(0, 2, size=(N, K)).astype(float)
    else:
        T = np.eye(K)[rng.integers(0, K, size=N)]
    return shape, w, X, T, rng


def bench_exact_hessian(
    D: int = 10,
    M: int = 20,
    K: int = 5,
    N: int = 100,
    repeats: int = 5,
    *,
    act: str = "tanh",
    err: str = "softmax_cross_entropy",
    baseline_repeats: int | None = None,
    min_time: float = 1e-3,
    seed: int = 0,
) -> BenchRecord:
    """Our exact Hessian (PRML 5.93-5.95) against ``autograd.hessian`` on one problem.

    ``baseline_repeats`` (default ``repeats``) lets a full run time a slow baseline fewer
    times. Defaults: tanh hidden units, softmax cross-entropy (a non-diagonal ``M``).
    The target of issue 2 is a ratio of at least 50 at the default sizes.

    >>> rec = bench_exact_hessian(D=2, M=2, K=2, N=3, repeats=1, min_time=0.0)
    >>> rec.baseline, rec.max_rel_error < 1e-10
    ('autograd.hessian', True)
    """
    import autograd

    shape, w, X, T, _ = _problem(D, M, K, N, err, seed)
    reference = autograd.hessian(autograd_error_fn(X, T, shape, act, err))
    ours, theirs = _paired(
        lambda: exact_hessian(w, X, T, shape, act, err),
        lambda: reference(w),
        repeats,
        baseline_repeats,
        min_time,
    )
    return BenchRecord(
        f"exact hessian vs autograd (D,M,K,N)=({D},{M},{K},{N})",
        ours.median(),
        "autograd.hessian",
        theirs.median(),
        _rel(np.asarray(ours.result), np.asarray(theirs.result)),
    )


def bench_hvp(
    D: int = 10,
    M: int = 20,
    K: int = 5,
    N: int = 100,
    repeats: int = 5,
    *,
    act: str = "tanh",
    err: str = "softmax_cross_entropy",
    min_time: float = 1e-3,
    seed: int = 0,
) -> BenchRecord:
    """Our R-operator ``v^T H`` (PRML 5.101-5.111) against autograd's ``hessian_vector_product``.

    The target of issue 6 is a ratio of at least 1.5.

    >>> bench_hvp(D=1, M=1, K=1, N=2, repeats=1, min_time=0.0).max_rel_error < 1e-10
    True
    """
    import autograd

    shape, w, X, T, rng = _problem(D, M, K, N, err, seed)
    v = rng.normal(size=shape.n_weights)
    reference = autograd.hessian_vector_product(autograd_error_fn(X, T, shape, act, err))
    ours, theirs = _paired(
        lambda: hessian_vector_product(w, v, X, T, shape, act, err),
        lambda: reference(w, v),
        repeats,
        None,
        min_time,
    )
    return BenchRecord(
        f"hvp R-operator vs autograd (D,M,K,N)=({D},{M},{K},{N})",
        ours.median(),
        "autograd.hessian_vector_product",
        theirs.median(),
        _rel(np.asarray(ours.result), np.asarray(theirs.result)),
    )


def run_benchmarks(
    quick: bool = True, repeats: int = 5, progress: Callable[[str], None] | None = None
) -> tuple[BenchRecord, ...]:
    """The numeric benchmarks of ``symhess bench``: quick (seconds) or full (a minute or two more).

    The full run adds the exact Hessian at (D, M, K, N) = (50, 100, 10, 1000), where
    ``autograd.hessian`` takes about a minute, so its baseline is timed once.
    ``progress(message)`` is called before each benchmark (the CLI's status line).
    """
    plan: list[tuple[str, Callable[[], BenchRecord]]] = [
        ("exact hessian vs autograd (10,20,5,100)", lambda: bench_exact_hessian(repeats=repeats)),
        ("hvp R-operator vs autograd (10,20,5,100)", lambda: bench_hvp(repeats=repeats)),
    ]
    if not quick:
        plan.append(
            (
                "exact hessian vs autograd (50,100,10,1000), about a minute",
                lambda: bench_exact_hessian(
                    50, 100, 10, 1000, repeats=3, baseline_repeats=1, min_time=0.0
                ),
            )
        )
    records = []
    for message, run in plan:
        if progress is not None:
            progress(message)
        records.append(run())
    return tuple(records)
