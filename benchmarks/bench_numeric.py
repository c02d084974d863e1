"""Print the numeric engine's side-by-side timings against autograd (issue 2 and 6).

Usage (from the repository root):
    python benchmarks/bench_numeric.py            # the quick set, a few seconds
    python benchmarks/bench_numeric.py --full     # also (D,M,K,N)=(50,100,10,1000), ~1-2 min
"""
from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

from symhess.bench import BenchRecord, run_benchmarks


def table(records: tuple[BenchRecord, ...]) -> str:
    """The records as a fixed-width table: name, our median, baseline median, ratio."""
    head = (
        f"{'benchmark':<52} {'ours':>11} {'baseline':>11} {'ratio':>8} "
        f"{'max rel err':>12}  baseline"
    )
    rows = [head, "-" * len(head)]
    for r in records:
        rows.append(
            f"{r.name:<52} {r.ours_s * 1e3:>9.3f}ms {r.baseline_s * 1e3:>9.1f}ms "
            f"{r.ratio:>7.1f}x {r.max_rel_error:>12.1e}  {r.baseline}"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="add the large (50,100,10,1000) case")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per side (median)")
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}, load average {load}; medians of {args.repeats} repeats"
    )
    print(table(run_benchmarks(quick=not args.full, repeats=args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
