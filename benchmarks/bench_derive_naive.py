"""Time our derivation of PRML 5.93-5.95 against the naive SymPy route, side by side (issue 2).

Usage (from the repository root):
    python benchmarks/bench_derive_naive.py                 # 5.93 5.94 5.95, 3 runs each side
    python benchmarks/bench_derive_naive.py 5.93 --runs 5   # one block
    python benchmarks/bench_derive_naive.py --cap 120       # give up on a naive run after 120 s

Both routes run in fresh interpreters (no shared SymPy cache) and are timed after their
imports; see :mod:`symhess.benchrun` for what each route does.  ``symhess bench`` runs the
same comparison as its first row.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

from symhess.benchrun import NAIVE_CAP_S, bench_derive  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("equations", nargs="*", default=["5.93", "5.94", "5.95"])
    parser.add_argument("--runs", type=int, default=3, help="fresh-process runs per side (median)")
    parser.add_argument("--cap", type=float, default=NAIVE_CAP_S, help="timeout of one naive run, s")
    args = parser.parse_args(argv)
    rec = bench_derive(args.equations, runs=args.runs, cap=args.cap,
                       progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"{rec.name}: ours {rec.ours_s:.3f} s, {rec.baseline} {rec.baseline_s:.1f} s, "
          f"ratio {rec.ratio:.0f}x  ({rec.note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
