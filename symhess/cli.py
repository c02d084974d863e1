"""The ``symhess`` command line: argument parsing, printing and exit codes only."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .errors import InputError, SymhessError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        print(f"symhess: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _progress(enabled: bool):
    start = time.perf_counter()

    def report(msg: str) -> None:
        if enabled:
            print(f"\r\033[K[{time.perf_counter() - start:5.1f}s] {msg}", end="", file=sys.stderr,
                  flush=True)
    return report


def _done_progress(enabled: bool) -> None:
    if enabled:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


def cmd_derive(ns: argparse.Namespace) -> int:
    from . import catalogue
    from .render.text import derivations_latex, derivations_text

    if ns.list:
        for e in catalogue.entries():
            print(f"{e.number:10} §{e.section:5} {e.title}")
        return EXIT_OK
    if not ns.equations:
        raise InputError("name equations to derive (e.g. 5.93 5.95), or 'all'; see --list")
    wanted = ([e.number for e in catalogue.entries()] if "all" in ns.equations
              else list(ns.equations))
    entries = [catalogue.get(n) for n in wanted]  # unknown numbers fail before any work
    tty = sys.stderr.isatty() and not ns.quiet
    report = _progress(tty)
    results = []
    for pos, e in enumerate(entries, 1):
        report(f"deriving ({e.number}) {e.title} [{pos}/{len(entries)}]")
        results.append(e.derive())
    _done_progress(tty)
    if ns.format == "json":
        print(json.dumps({"equations": [r.to_json() for r in results]}, ensure_ascii=False, indent=2))
    elif ns.format == "latex":
        print(derivations_latex(results))
    else:
        print(derivations_text(results, colour=sys.stdout.isatty()))
    if ns.strict and any(r.verdict == "failed" for r in results):
        return EXIT_FAILED
    return EXIT_OK


def cmd_check(ns: argparse.Namespace) -> int:
    from .check import check_paths
    from .render.report import report_json, report_text

    tty = sys.stderr.isatty() and not ns.quiet
    report = check_paths([Path(p) for p in ns.paths], progress=_progress(tty))
    _done_progress(tty)
    if ns.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(report_text(report, colour=sys.stdout.isatty()))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_handout(ns: argparse.Namespace) -> int:
    from . import handout

    tty = sys.stderr.isatty() and not ns.quiet
    out = Path(ns.output)
    if out.suffix not in (".tex", ".pdf", ".md"):
        raise InputError(f"-o {out}: expected a file ending in .tex, .pdf or .md")
    if ns.check:
        from .check import check_paths
        rep = check_paths([Path(ns.check)], progress=_progress(tty))
        path = handout.build_checked_notes(Path(ns.check), out, rep.files[0], lang=ns.lang)
    else:
        sections = ns.sections.split(",") if ns.sections else None
        path = handout.build_handout(out, lang=ns.lang, sections=sections, progress=_progress(tty))
    _done_progress(tty)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_bench(ns: argparse.Namespace) -> int:
    from .benchrun import run_benchmarks

    records = run_benchmarks(quick=ns.quick, progress=_progress(sys.stderr.isatty()))
    _done_progress(sys.stderr.isatty())
    if ns.format == "json":
        print(json.dumps({"benchmarks": [r.to_json() for r in records]}, indent=2))
    else:
        print(f"{'benchmark':45} {'ours (s)':>10} {'baseline':>28} {'base (s)':>10} {'ratio':>8}")
        for r in records:
            print(f"{r.name:45} {r.ours_s:10.4f} {r.baseline:>28} {r.baseline_s:10.4f} {r.ratio:8.1f}")
    return EXIT_OK


def cmd_mutate(ns: argparse.Namespace) -> int:
    from .mutate import main as mutate_main

    return mutate_main(ns.args)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="symhess", description="Derive and check PRML chapter-5 Hessian formulas.")
    p.add_argument("--version", action="version", version=f"symhess {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("derive", help="derive catalogue equations from the network's definition")
    d.add_argument("equations", nargs="*", help="equation numbers (5.93 5.94 5.95) or 'all'")
    d.add_argument("--list", action="store_true", help="list the catalogue")
    d.add_argument("--format", choices=("text", "latex", "json"), default="text")
    d.add_argument("--strict", action="store_true",
                   help="exit 1 when a textbook statement is contradicted")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress on the terminal")
    d.set_defaults(func=cmd_derive)

    c = sub.add_parser("check", help="check hand derivations (Markdown / LaTeX) step by step")
    c.add_argument("paths", nargs="+", help="files or directories")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("-q", "--quiet", action="store_true")
    c.set_defaults(func=cmd_check)

    h = sub.add_parser("handout", help="write the seminar handout (.tex, .pdf or .md)")
    h.add_argument("-o", "--output", required=True)
    h.add_argument("--lang", choices=("ja", "en"), default="ja")
    h.add_argument("--sections", help="comma-separated section numbers, e.g. 1.1,1.4")
    h.add_argument("--check", metavar="NOTES", help="annotate a reader's own derivations instead")
    h.add_argument("-q", "--quiet", action="store_true")
    h.set_defaults(func=cmd_handout)

    m = sub.add_parser("mutate", help="mutation testing of the checker on correct derivations",
                       add_help=False)
    m.add_argument("args", nargs=argparse.REMAINDER,
                   help="PATH... [--format text|json] (see symhess mutate --help)")
    m.set_defaults(func=cmd_mutate)

    b = sub.add_parser("bench", help="side-by-side benchmarks")
    b.add_argument("--quick", action="store_true")
    b.add_argument("--format", choices=("text", "json"), default="text")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symhess`` console script.

    >>> main(["derive", "5.99x"])
    2
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["mutate"]:  # its own argument parser (python -m symhess.mutate)
        return cmd_mutate(argparse.Namespace(args=args[1:]))
    ns = build_parser().parse_args(args)
    try:
        return int(ns.func(ns))
    except InputError as exc:
        print(f"symhess: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SymhessError as exc:
        print(f"symhess: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("symhess: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in symhess: say so plainly; SYMHESS_DEBUG=1 shows the trace
        if os.environ.get("SYMHESS_DEBUG"):
            raise
        print(f"symhess: internal error: {type(exc).__name__}: {exc} "
              "(a bug in symhess; rerun with SYMHESS_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3
