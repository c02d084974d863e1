"""The ``symhess`` command line: argument parsing, printing and exit codes only."""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .errors import InputError, SymhessError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL, EXIT_INTERRUPTED = 3, 130

CHECK_EPILOG = """\
exit codes:
  0  every step holds (or a derivation marked xfail fails, as expected)
  1  a step failed or is unsupported (a display that cannot be read is one), or an xpass
  2  usage error, or a file that cannot be opened or decoded (file:line:col)
  3  internal error (a bug in symhess; SYMHESS_DEBUG=1 shows the traceback)

colour: only on a terminal, never with NO_COLOR set."""

DERIVE_EPILOG = """\
verdicts: proved, verified, approximation, erratum (the derivation holds and PRML's printed
statement is refuted: what PRML prints, where it is wrong, a counterexample), failed.

exit codes:
  0  done (also with errata, unless --strict)
  1  --strict and an erratum or a failed derivation
  2  usage error (unknown equation number)
  3  internal error"""


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


def colour_wanted(stream=None) -> bool:
    """ANSI colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)
    or ``TERM=dumb``."""
    stream = sys.stdout if stream is None else stream
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal_width() -> int | None:
    """The width to wrap text output to: the terminal's, ``COLUMNS``, or none when piped."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((100, 24)).columns


def cmd_derive(ns: argparse.Namespace) -> int:
    from . import catalogue
    from .render.text import derivations_latex, derivations_summary, derivations_text

    if ns.list:
        entries = catalogue.entries()
        wn = max((len(e.number) for e in entries), default=0)
        ws = max((len(e.section) for e in entries), default=0) + 1
        for e in entries:
            print(f"{e.number:<{wn}}  {'§' + e.section:<{ws}}  {e.title}")
        return EXIT_OK
    if not ns.equations:
        raise InputError("name equations to derive (e.g. 5.93 5.95), or 'all'; see --list")
    wanted = ([e.number for e in catalogue.entries()] if "all" in ns.equations
              else list(ns.equations))
    from .derive import derive_entry, recipe

    entries = [catalogue.get(n) for n in wanted]
    for e in entries:  # unknown numbers, and equations known only to the checker, fail before any work
        recipe(e.number)
    tty = sys.stderr.isatty() and not ns.quiet
    report = _progress(tty)
    results = []
    for pos, e in enumerate(entries, 1):
        report(f"deriving ({e.number}) {e.title} [{pos}/{len(entries)}]")
        results.append(derive_entry(e.number))
    _done_progress(tty)
    if ns.format == "json":
        print(json.dumps({"equations": [r.to_json() for r in results]}, ensure_ascii=False, indent=2))
    elif ns.format == "latex":
        print(derivations_latex(results))
    else:
        print(derivations_text(results, colour=colour_wanted()))
        if len(results) > 1:
            print("\n" + derivations_summary(results))
    if ns.strict and any(r.verdict in ("failed", "erratum", "unsupported") for r in results):
        return EXIT_FAILED
    return EXIT_OK


def cmd_check(ns: argparse.Namespace) -> int:
    if getattr(ns, "own_process", False) and "sympy" not in sys.modules:
        # SymPy's own memo (an LRU of 1000 results by default, read when SymPy is imported):
        # a checking run reuses far more than that; 10 000 saves about 0.08 s of 3 s
        os.environ.setdefault("SYMPY_CACHE_SIZE", "10000")
    with _checking_gc(restore=not getattr(ns, "own_process", False)):
        return _check(ns)


def _check(ns: argparse.Namespace) -> int:
    from .check import check_paths
    from .render.report import report_json, report_text

    gc.freeze()  # what the imports built lives for the whole run: never scan it for cycles
    gc.set_threshold(10_000, 20, 20)
    tty = sys.stderr.isatty() and not ns.quiet
    if ns.format == "html" and not ns.output:
        raise InputError("--format html writes a file: give -o report.html (or -o - for stdout)")
    if ns.watch and (ns.format != "html" or not ns.output or ns.output == "-"):
        raise InputError("--watch rewrites an HTML report: use it with --format html -o FILE")
    while True:
        report = check_paths([Path(p) for p in ns.paths], progress=_progress(tty), strict=ns.strict,
                             suggest=not ns.no_suggest)
        _done_progress(tty)
        if ns.format == "json":
            _emit(json.dumps(report_json(report), ensure_ascii=False, indent=2), ns.output)
        elif ns.format == "html":
            from .render.html import report_html

            _emit(report_html(report), ns.output)
            if ns.output != "-":
                print(f"wrote {ns.output}: " + _one_line(report), file=sys.stderr)
        else:
            verbosity = 1 if ns.verbose else (-1 if ns.quiet else 0)
            colour = colour_wanted() and not ns.output
            _emit(report_text(report, colour=colour, verbosity=verbosity, width=terminal_width()),
                  ns.output)
        if not ns.watch:
            return EXIT_OK if report.ok else EXIT_FAILED
        _wait_for_change([Path(p) for p in ns.paths])


@contextlib.contextmanager
def _checking_gc(restore: bool = True) -> Iterator[None]:
    """Garbage collection for a checking run; with ``restore``, the caller's settings come
    back after it (``main(argv)`` called in-process).  The console command owns its process
    and leaves the modules frozen: the collection at interpreter exit then skips them too.
    No verdict depends on any of this.

    Checking allocates a great many short-lived SymPy objects and few reference cycles, and
    Python's default collector (a young-generation pass every 700 allocations, a full one
    every 100 of those) spends about a tenth of a run re-scanning objects that live for the
    whole run: the imported modules (frozen once imported, see :func:`_check`) and long-lived
    caches.  Collecting less often keeps the peak memory the same (measured: 101 MB either way
    on the corpus) and saves about 0.25 s of a 3 s run.
    """
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        if restore:
            gc.unfreeze()
            gc.set_threshold(*thresholds)


def _one_line(report) -> str:
    from .render.report import summary_text

    return summary_text(report.derivations)


def _emit(text: str, output: str | None) -> None:
    """Print ``text``, or write it to the file ``output`` (``-``: standard output)."""
    if not output or output == "-":
        print(text)
        return
    out = Path(output)
    if out.parent and not out.parent.exists():
        raise InputError(f"-o {output}: the directory {out.parent} does not exist")
    out.write_text(text + "\n", encoding="utf-8")


def _wait_for_change(paths: list[Path], poll: float = 0.5) -> None:
    """Block until a file under ``paths`` is added, removed or modified."""
    def stamp() -> dict[Path, float]:
        files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
        return {f: f.stat().st_mtime for f in files}

    before = stamp()
    print("watching for changes (Ctrl-C to stop)", file=sys.stderr)
    while stamp() == before:
        time.sleep(poll)


def cmd_handout(ns: argparse.Namespace) -> int:
    from . import handout

    tty = sys.stderr.isatty() and not ns.quiet
    out = Path(ns.output)
    if out.suffix not in (".tex", ".pdf", ".md"):
        raise InputError(f"-o {out}: expected a file ending in .tex, .pdf or .md")
    meta = handout.Meta(title=ns.title, author=ns.author, date=ns.date)
    if ns.check:
        from .check import check_paths
        from .documents import derivation_files

        notes = Path(ns.check)
        if not notes.exists():
            raise InputError(f"--check {notes}: no such file")
        files = list(derivation_files([notes])) if notes.is_dir() else [notes]
        if notes.is_dir() and not files:
            raise InputError(f"--check {notes}: a directory with no .md or .tex notes in it")
        rep = check_paths(files, progress=_progress(tty))
        paths = []
        for f, fr in zip(files, rep.files):
            target = out if len(files) == 1 else out.with_name(f"{out.stem}-{Path(f).stem}{out.suffix}")
            paths.append(handout.build_checked_notes(Path(f), target, fr, lang=ns.lang, meta=meta))
        _done_progress(tty)
        for path in paths:
            print(f"wrote {path}")
        return EXIT_OK
    sections = ns.sections.split(",") if ns.sections else None
    path = handout.build_handout(out, lang=ns.lang, sections=sections, progress=_progress(tty),
                                 meta=meta)
    _done_progress(tty)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_bench(ns: argparse.Namespace) -> int:
    from .benchrun import NOTES_ENV, CheckRecord, require_extra, run_benchmarks

    notes = ns.notes or os.environ.get(NOTES_ENV) or None
    if notes is not None and not Path(notes).exists():
        raise InputError(f"--notes {notes}: no such file")
    if not ns.check:
        require_extra()
    records = run_benchmarks(quick=ns.quick, progress=_progress(sys.stderr.isatty()),
                             notes=None if notes is None else Path(notes), check_only=ns.check)
    _done_progress(sys.stderr.isatty())
    speed = [r for r in records if isinstance(r, CheckRecord)]
    if ns.format == "json":
        out = {"benchmarks": [r.to_json() for r in records]}
        if speed:
            out["check_speed"] = [r.speed_json() for r in speed]
        print(json.dumps(out, indent=2))
        return EXIT_OK
    table = [r for r in records if not isinstance(r, CheckRecord)]
    if table:
        print(f"{'benchmark':45} {'ours (s)':>10} {'baseline':>28} {'base (s)':>10} {'ratio':>8}")
        for r in table:
            print(f"{r.name:45} {r.ours_s:10.4f} {r.baseline:>28} {r.baseline_s:10.4f} {r.ratio:8.1f}")
    if speed:
        if table:
            print()
        print(_speed_section(speed))
    if not speed and ns.check:
        print("check speed: nothing to time (no corpus, no cases, no --notes file)")
    return EXIT_OK


def _speed_section(rows: Sequence[Any]) -> str:
    """The check-speed section of ``symhess bench``: median wall time against the target.

    >>> from symhess.benchrun import CheckRecord
    >>> print(_speed_section([CheckRecord("check corpus", 2.5, "target 3 s", 3.0,
    ...                                   runs_s=(2.4, 2.5, 2.9), displays=21)]))
    check speed: python -m symhess check --quiet --format json PATH, wall time with the interpreter's start, median of 3 runs
    what                                                   displays   median   target  met  runs (s)
    check corpus                                                 21   2.50 s   3.00 s  yes  2.40 2.50 2.90
    """
    runs = max(len(r.runs_s) for r in rows)
    lines = ["check speed: python -m symhess check --quiet --format json PATH, wall time with "
             f"the interpreter's start, median of {runs} runs",
             f"{'what':54} {'displays':>8} {'median':>8} {'target':>8}  met  runs (s)"]
    for r in rows:
        lines.append(f"{r.name:54} {r.displays:8d} {r.ours_s:6.2f} s {r.baseline_s:6.2f} s  "
                     f"{'yes' if r.met else 'NO ':3}  " + " ".join(f"{t:.2f}" for t in r.runs_s))
    return "\n".join(lines)


def cmd_mutate(ns: argparse.Namespace) -> int:
    """``symhess mutate PATH...``: exit 0 when the targets are met (>= 99 % of mutants caught, no
    false alarm, >= 90 % of caught mutants restored by their suggested fix), 1 otherwise."""
    from .mutate import OUTCOMES, format_report, mutate_corpus

    unknown = [o for o in ns.show if o not in OUTCOMES]
    if unknown:
        raise InputError(f"--show {unknown[0]!r}: expected one of {', '.join(OUTCOMES)}")
    tty = sys.stderr.isatty()
    report = mutate_corpus([Path(p) for p in ns.paths], progress=_progress(tty),
                           suggest=not ns.no_suggest)
    _done_progress(tty)
    if ns.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, ns.show))
    return EXIT_OK if report.ok else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="symhess", description="Derive and check PRML chapter-5 Hessian formulas.")
    p.add_argument("--version", action="version", version=f"symhess {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    d = sub.add_parser("derive", help="derive catalogue equations from the network's definition",
                       epilog=DERIVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("equations", nargs="*", help="equation numbers (5.93 5.94 5.95) or 'all'")
    d.add_argument("--list", action="store_true", help="list the catalogue")
    d.add_argument("--format", choices=("text", "latex", "json"), default="text")
    d.add_argument("--strict", action="store_true",
                   help="exit 1 when a textbook statement is contradicted (an erratum) "
                        "or a derivation fails")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress on the terminal")
    d.set_defaults(func=cmd_derive)

    c = sub.add_parser(
        "check", help="check hand derivations (Markdown / LaTeX) step by step",
        description="Judge every step of every derivation (display block) in the files.",
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("paths", nargs="+", help="files or directories")
    c.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="text for people (default), json for programs, html: the document "
                        "typeset with every step marked (needs -o)")
    c.add_argument("-o", "--output", metavar="FILE", help="write to FILE ('-': standard output)")
    c.add_argument("-v", "--verbose", action="store_true",
                   help="every step with its message, both sides and notes")
    c.add_argument("-q", "--quiet", action="store_true",
                   help="only failing derivations and the summary; no progress")
    c.add_argument("--watch", action="store_true",
                   help="with --format html -o FILE: re-check and rewrite when the files change")
    c.add_argument("--strict", action="store_true",
                   help="do not infer an error function from the steps when none is named")
    c.add_argument("--no-suggest", action="store_true",
                   help="do not search for a corrected line under a failed step (faster)")
    c.set_defaults(func=cmd_check)

    h = sub.add_parser("handout", help="write the seminar handout (.tex, .pdf or .md)")
    h.add_argument("-o", "--output", required=True)
    h.add_argument("--lang", choices=("ja", "en"), default="ja")
    h.add_argument("--sections", help="comma-separated section numbers, e.g. 1.1,1.4")
    h.add_argument("--check", metavar="NOTES",
                   help="annotate a reader's own derivations instead (a file, or a directory: "
                        "one output per notes file, named OUT-NOTES.ext)")
    h.add_argument("--title", help="title of the handout (default: a neutral one)")
    h.add_argument("--author", help="author line (default: none)")
    h.add_argument("--date", help="date line (default: today's date)")
    h.add_argument("-q", "--quiet", action="store_true")
    h.set_defaults(func=cmd_handout)

    m = sub.add_parser("mutate", help="mutation testing of the checker on correct derivations",
                       description="Mutate every step of correct derivations and check that the "
                                   "checker catches each mutant (and suggests the original back).")
    m.add_argument("paths", nargs="+", help="derivation files or directories")
    m.add_argument("--format", choices=("text", "json"), default="text")
    m.add_argument("--show", nargs="*", default=["survived", "unsupported"], metavar="OUTCOME",
                   help="list the mutants with these outcomes (text format): caught, "
                        "unsupported, survived, equivalent, invalid")
    m.add_argument("--no-suggest", action="store_true",
                   help="skip the suggested fixes of caught mutants and wrong attempts")
    m.set_defaults(func=cmd_mutate)

    b = sub.add_parser("bench", help="side-by-side benchmarks",
                       description="Side-by-side timings (medians): derivations against naive "
                                   "SymPy, the numeric engine against autograd, and the check "
                                   "speed (wall time of `symhess check` against its targets).")
    b.add_argument("--quick", action="store_true", help="fewer sizes and runs (about a minute; "
                   "with --check, 3 runs instead of 5)")
    b.add_argument("--format", choices=("text", "json"), default="text")
    b.add_argument("--check", action="store_true",
                   help="only the check-speed section: `symhess check` on the bundled corpus, "
                        "the cases and --notes, wall time against the 3 s target (no autograd needed)")
    b.add_argument("--notes", metavar="FILE",
                   help="also time `symhess check` on FILE, a file of real notes (the issue's "
                        "50 displays; not shipped); default: $SYMHESS_BENCH_NOTES")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``symhess`` console script.

    >>> main(["derive", "5.99x"])
    2
    """
    args = list(sys.argv[1:] if argv is None else argv)
    ns = build_parser().parse_args(args)
    ns.own_process = argv is None  # the console command (not a call from a program or a test)
    try:
        code = int(ns.func(ns))
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at exit
        return code
    except InputError as exc:
        print(f"symhess: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SymhessError as exc:
        print(f"symhess: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("symhess: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `symhess check … | head`: the reader has gone; leave quietly
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # a bug in symhess: say so plainly; SYMHESS_DEBUG=1 shows the trace
        if os.environ.get("SYMHESS_DEBUG"):
            raise
        print(f"symhess: internal error: {type(exc).__name__}: {exc} "
              "(a bug in symhess; rerun with SYMHESS_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
