"""Seminar handouts: derive the catalogue, draw the figures, render to TeX/Markdown and compile to PDF.

The pipeline, in stages:

1. *plan* — which catalogue entries go into which part of the seed's outline
   (1.1 outer product … 2.1 consistent priors), by their PRML section; parts without
   entries are left out;
2. *derive* — :func:`symhess.derive.derive_entry` for each (in worker processes when there
   are several);
3. *draw* — the figures and latexify algorithms the catalogue names for the entries present;
4. *render* — :mod:`symhess.render.latex` or :mod:`symhess.render.markdown`;
5. *compile* — ``latexmk -lualatex`` for ``.pdf``.

Rendering never re-derives: every formula shown is one a derivation returned.

>>> section_of("5.95"), section_of("5.194"), section_of("ex5.23"), section_of("5.120")
('1.4', '1.1', '1.4', '2.1')
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from . import catalogue
from .catalogue import Record
from .errors import InputError, SymhessError, TexBuildError, TexMissingError
from .render import latex as tex
from .render import markdown as md
from .render.checked import FileReportLike
from .render.content import Algorithm, CorrespondenceRow, Figure, Handout, Item, Section
from .render.words import LANGS
from .results import DerivationResult

__all__ = [
    "OUTLINE",
    "TexBuildError",
    "TexMissingError",
    "build_checked_notes",
    "build_handout",
    "Meta",
    "collect",
    "compile_pdf",
    "section_of",
]

Progress = Callable[[str], None]

#: The seed's outline: part -> the PRML subsections it covers.  Which equations, figures and
#: algorithms go into a part is catalogue data (a record's ``section``, ``figures``, ``algorithms``).
OUTLINE: dict[str, tuple[str, ...]] = {
    "1.1": ("5.4.1", "5.4.2"),
    "1.2": ("5.4.3",),
    "1.3": ("5.4.4",),
    "1.4": ("5.4.5",),
    "1.5": ("5.4.6",),
    "2.1": ("5.5.1",),
}
_TIMED_FIGURES = ("inverse_cost",)
_PDF_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-luatex texlive-lang-japanese latexmk"


# --------------------------------------------------------------------------- plan
def section_of(number: str, prml_section: str = "") -> str:
    """The part of the seed's outline that equation ``number`` belongs to, by the PRML section
    of its catalogue record (or ``prml_section`` for a number the catalogue does not hold);
    ``"A"`` if none.

    >>> section_of("5.84"), section_of("5.4.6-only", "5.4.6"), section_of("9.9")
    ('1.1', '1.5', 'A')
    """
    try:
        prml_section = catalogue.get(number).section
    except SymhessError:
        pass
    subsection = (prml_section.split() or [""])[0]  # "5.4.2 (exercise 5.17)" -> "5.4.2"
    for key, subs in OUTLINE.items():
        if subsection in subs:
            return key
    return "A"


def _wanted(sections: Sequence[str] | None) -> set[str]:
    """Normalise ``--sections``: ``1.4``, ``1`` (all of 1.x), ``5.4.5`` (PRML), ``A``."""
    keys = set(OUTLINE) | {"A"}
    if not sections:
        return keys
    out: set[str] = set()
    for s in sections:
        s = s.strip()
        if s in keys:
            out.add(s)
        elif s in ("1", "2"):
            out |= {k for k in keys if k.startswith(s + ".")}
        else:
            hits = {k for k, subs in OUTLINE.items() if s in subs}
            if not hits:
                known = ", ".join(sorted(keys))
                raise InputError(f"unknown section {s!r}; use one of {known}, 1, 2 or a PRML subsection like 5.4.5")
            out |= hits
    return out


def _plan(sections: Sequence[str] | None) -> dict[str, list[Record]]:
    """Part -> the catalogue records it shows, in reading order (derived equations only)."""
    wanted = _wanted(sections)
    plan: dict[str, list[Record]] = {}
    for e in catalogue.entries():
        key = section_of(e.number, e.section)
        if key in wanted:
            plan.setdefault(key, []).append(e)
    return {k: sorted(plan[k], key=lambda e: _reading_order(e.number)) for k in [*OUTLINE, "A"] if k in plan}


def _reading_order(number: str) -> tuple[int, float]:
    """The order of the seed: PRML's equations by number, with the exercise-5.17 argument
    (5.193–5.194) right after 5.83 where the seed puts it; other exercises last.

    >>> sorted(["ex5.16", "5.84", "5.194", "5.83", "5.193"], key=_reading_order)
    ['5.83', '5.193', '5.194', '5.84', 'ex5.16']
    """
    m = re.match(r"\s*(ex\.?\s*)?5\.(\d+)", number, flags=re.I)
    if not m:
        return (2, 0.0)
    n = float(m.group(2))
    if m.group(1):
        return (1, n)
    if n in (193.0, 194.0):
        n = 83.5 + (n - 193.0) / 10
    return (0, n)


# --------------------------------------------------------------------------- derive
def _derive_one(number: str) -> tuple[str, DerivationResult | None, str | None]:
    """Run one catalogue derivation; never raises (an error becomes a visible box)."""
    from .derive import derive_entry

    try:
        return number, derive_entry(number), None
    except Exception as exc:  # noqa: BLE001 - shown in the handout, not swallowed
        return number, None, f"{type(exc).__name__}: {exc}"


def _derive_all(numbers: list[str], say: Progress, workers: int | None,
                meanwhile: Callable[[], object] | None = None) -> dict[str, tuple[DerivationResult | None, str | None]]:
    """Derive ``numbers`` (in worker processes when there are several), running ``meanwhile``
    in this process while they work."""
    results: dict[str, tuple[DerivationResult | None, str | None]] = {}
    pending = [meanwhile] if meanwhile is not None else []

    def run_meanwhile() -> None:
        while pending:
            pending.pop()()

    def report(number: str, res: DerivationResult | None, err: str | None) -> None:
        results[number] = (res, err)
        if res is not None:
            say(f"derived ({number}): {res.verdict} in {res.seconds:.1f} s")
        else:
            say(f"derivation of ({number}) raised {err}")

    n = workers if workers is not None else min(len(numbers), os.cpu_count() or 1, 4)
    if n > 1 and len(numbers) > 1:
        try:
            with ProcessPoolExecutor(max_workers=n) as pool:
                futures = [pool.submit(_derive_one, number) for number in numbers]
                run_meanwhile()
                for fut in as_completed(futures):
                    report(*fut.result())
            return {number: results[number] for number in numbers}
        except (OSError, RuntimeError) as exc:  # no processes here: do it in-process
            say(f"worker processes unavailable ({exc}); deriving in one process")
            results.clear()
    run_meanwhile()
    for number in numbers:
        report(*_derive_one(number))
    return results


# --------------------------------------------------------------------------- cache
# Modules that cannot change what a derivation returns (rendering, I/O, other commands).
_NOT_DERIVATION = ("handout.py", "figures.py", "algorithms.py", "cli.py", "__main__.py", "pytest_plugin.py",
                   "bench.py", "benchrun.py", "mutate.py", "check.py", "documents.py", "render/")


def _source_key() -> str:
    """A fingerprint of the source behind the derivations: editing it invalidates the cache."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(_NOT_DERIVATION):
            continue
        h.update(rel.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:20]


def _cache_file() -> Path | None:
    if os.environ.get("SYMHESS_NO_CACHE"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "symhess" / f"derivations-{_source_key()}.json"


def _cacheable(number: str) -> bool:
    """Only the package's own derivations are cached (never a test's stand-in)."""
    from .derive import recipe

    try:
        fn = recipe(number)
    except SymhessError:
        return False
    fn = getattr(fn, "func", fn)  # functools.partial
    return str(getattr(fn, "__module__", "")).startswith("symhess.")


def _from_json(data: dict[str, Any]) -> DerivationResult:
    """A result back from :meth:`DerivationResult.to_json` (plain data, nothing evaluated)."""
    return DerivationResult.from_json(data)


@dataclass(frozen=True)
class Meta:
    """What the title block says: ``None`` means the language's default title, no author
    line, today's date.

    >>> Meta(title="Reading group, week 7").author is None
    True
    """

    title: str | None = None
    author: str | None = None
    date: str | None = None


def _derive_cached(numbers: list[str], say: Progress, meanwhile: Callable[[], object] | None = None
                   ) -> dict[str, tuple[DerivationResult | None, str | None]]:
    """:func:`_derive_all`, reusing results of earlier runs of the same symhess source."""
    path = _cache_file()
    cached: dict[str, DerivationResult] = {}
    if path is not None and path.exists():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            cached = {n: _from_json(d) for n, d in raw.items() if n in numbers and _cacheable(n)}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            say(f"ignoring the derivation cache {path}: {exc}")
            cached = {}
    if cached:
        say(f"{len(cached)} derivations from the cache ({path}); set SYMHESS_NO_CACHE=1 to redo them")
    missing = [n for n in numbers if n not in cached]
    fresh = _derive_all(missing, say, None, meanwhile) if missing else {}
    if not missing and meanwhile is not None:
        meanwhile()
    results = {n: (cached[n], None) if n in cached else fresh[n] for n in numbers}
    store = {n: r.to_json() for n, (r, _) in results.items() if r is not None and _cacheable(n)}
    if path is not None and store and missing:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(store), encoding="utf-8")
            tmp.replace(path)
            for old in path.parent.glob("derivations-*.json"):  # results of older source
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            say(f"could not write the derivation cache {path}: {exc}")
    return results


# --------------------------------------------------------------------------- collect
def _correspondence(lang: str) -> tuple[CorrespondenceRow, ...]:
    """The forward/R pairs that :mod:`symhess.derive.rop` exposes (empty if it does not)."""
    try:
        from .derive import rop
    except ImportError:
        return ()
    numbers = getattr(rop, "CORRESPONDENCE_NUMBERS", ())
    pairs_fn = getattr(rop, "correspondence", None)
    if not numbers or pairs_fn is None:
        return ()
    rows = []
    for (ln, rn), (ll, rl) in zip(numbers, pairs_fn()):
        rows.append(CorrespondenceRow(ln, ll, rn, rl))
    del lang
    return tuple(rows)


def _algorithms(names: Sequence[str], lang: str) -> tuple[Algorithm, ...]:
    from .algorithms import algorithm_latex

    out = []
    for name in names:
        a = algorithm_latex(name)
        out.append(Algorithm(name, a.title_ja if lang == "ja" else a.title_en, a.equations, a.latex, a.mathjax))
    return tuple(out)


def _figures(keys: Sequence[str], directory: Path, stem: str, say: Progress) -> dict[str, Figure]:
    try:
        from . import figures
    except ImportError as exc:  # numeric or matplotlib missing: the handout goes without
        say(f"figures left out: {exc}")
        return {}
    out = {}
    for k in keys:
        t0 = time.perf_counter()
        out[k] = figures.make_figure(k, directory, stem)
        say(f"figure {k} drawn in {time.perf_counter() - t0:.1f} s")
    return out


def collect(lang: str = "ja", sections: Sequence[str] | None = None, *, figure_dir: Path | None = None,
            stem: str = "handout", progress: Progress | None = None, workers: int | None = None) -> Handout:
    """Everything the handout shows, as data: derive the entries, draw figures, typeset algorithms.

    ``figure_dir=None`` leaves figures out.
    """
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    say = progress or (lambda _msg: None)
    plan = _plan(sections)
    numbers = [e.number for records in plan.values() for e in records]
    say(f"{len(numbers)} equations in {len(plan)} parts: {', '.join(plan) or 'none'}")
    part_figures = {key: tuple(dict.fromkeys(k for e in records for k in e.figures))
                    for key, records in plan.items()}
    fig_keys = [k for keys in part_figures.values() for k in keys] if figure_dir is not None else []
    # The figures that compute (not time) are drawn while the derivations run in worker
    # processes; the timing figure waits for a quiet machine.
    early = [k for k in fig_keys if k not in _TIMED_FIGURES]
    late = [k for k in fig_keys if k in _TIMED_FIGURES]
    figs: dict[str, Figure] = {}
    fig_dir = figure_dir if figure_dir is not None else Path(".")
    draw_early = (lambda: figs.update(_figures(early, fig_dir, stem, say))) if early else None
    if workers is None:
        derived = _derive_cached(numbers, say, draw_early)
    else:
        derived = _derive_all(numbers, say, workers, draw_early)
    if late:
        figs.update(_figures(late, fig_dir, stem, say))
    parts = []
    for key, records in plan.items():
        items = tuple(Item(e.number, _title(e, lang), *derived[e.number]) for e in records)
        parts.append(Section(
            key, items,
            figures=tuple(figs[k] for k in part_figures[key] if k in figs),
            algorithms=_algorithms(tuple(dict.fromkeys(a for e in records for a in e.algorithms)), lang),
            correspondence=_correspondence(lang) if key == "1.5" else (),
        ))
    return Handout(lang, tuple(parts))


def _title(record: Record, lang: str) -> str:
    """The catalogue's title of ``record`` in ``lang`` (English where it has no Japanese one)."""
    return (record.title_ja or record.title) if lang == "ja" else record.title


# --------------------------------------------------------------------------- build
def build_handout(out: Path, *, lang: str = "ja", sections: Sequence[str] | None = None,
                  progress: Progress | None = None, meta: Meta | None = None) -> Path:
    """Write the seminar handout to ``out`` (``.tex``, ``.pdf`` or ``.md``) and return its path.

    ``.tex`` is a complete document with its figures beside it (``{stem}-{figure}.pdf``);
    ``.md`` uses MathJax the way the seed does (``$$…$$`` with ``\\tag``) and PNG figures;
    ``.pdf`` compiles the TeX with ``latexmk -lualatex`` (``ltjsarticle`` for Japanese).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     build_handout(Path(d) / "h.txt")
    Traceback (most recent call last):
    ...
    symhess.errors.InputError: cannot write a handout as '.txt': use .tex, .pdf or .md
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".tex", ".pdf", ".md"):
        raise InputError(f"cannot write a handout as {suffix or out.name!r}: use .tex, .pdf or .md")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    say = progress or (lambda _msg: None)
    if suffix == ".pdf":
        _require_tex()
    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        with tempfile.TemporaryDirectory(prefix="symhess-") as tmp:
            work = Path(tmp)
            handout = collect(lang, sections, figure_dir=work, stem=out.stem, progress=say)
            source = work / f"{out.stem}.tex"
            source.write_text(_tex_document(handout, meta), encoding="utf-8")
            say("compiling with latexmk -lualatex")
            pdf = compile_pdf(source)
            for warning in tex_log_warnings(pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace")):
                say(f"TeX: {warning}")
            shutil.copyfile(pdf, out)
    else:
        handout = collect(lang, sections, figure_dir=out.parent, stem=out.stem, progress=say)
        text = _tex_document(handout, meta) if suffix == ".tex" else _md_document(handout, meta)
        out.write_text(text, encoding="utf-8")
    say(f"wrote {out} in {time.perf_counter() - t0:.1f} s")
    return out


def _tex_document(handout: Handout, meta: Meta | None) -> str:
    m = meta or Meta()
    return tex.document(handout, title=m.title, author=m.author, date=m.date or tex.TODAY)


def _md_document(handout: Handout, meta: Meta | None) -> str:
    import datetime

    m = meta or Meta()
    return md.document(handout, title=m.title, author=m.author,
                       date=m.date or datetime.date.today().isoformat())


def build_checked_notes(notes_path: Path, out: Path, report: FileReportLike, *, lang: str = "ja",
                        meta: Meta | None = None) -> Path:
    """Write the annotated copy of the reader's notes ``notes_path`` to ``out`` (.tex/.pdf/.md).

    ``report`` is the checker's report for that file (``symhess.check.FileReport`` or
    anything shaped like :class:`~symhess.render.checked.FileReportLike`): every step of
    every chain is marked ✓ / ✗ / ≈ / ?, a wrong step with its residual beside it.
    The reader's prose is kept; the displays are typeset from the reader's own LaTeX.
    """
    from .documents import find_blocks
    from .render import checked

    notes_path, out = Path(notes_path), Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".tex", ".pdf", ".md"):
        raise InputError(f"cannot write checked notes as {suffix or out.name!r}: use .tex, .pdf or .md")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    if suffix == ".pdf":
        _require_tex()
    text = notes_path.read_text(encoding="utf-8")
    blocks = find_blocks(notes_path)
    pieces = checked.split_notes(text, blocks, report)
    tex_source = notes_path.suffix.lower() == ".tex"
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".md":
        out.write_text(checked.document_md(pieces, str(notes_path), lang, title=(meta or Meta()).title),
                       encoding="utf-8")
        return out
    doc = checked.document_tex(pieces, str(notes_path), lang, tex_source=tex_source, meta=meta)
    if suffix == ".tex":
        out.write_text(doc, encoding="utf-8")
        return out
    with tempfile.TemporaryDirectory(prefix="symhess-") as tmp:
        source = Path(tmp) / f"{out.stem}.tex"
        source.write_text(doc, encoding="utf-8")
        shutil.copyfile(compile_pdf(source), out)
    return out


def _require_tex() -> None:
    missing = [p for p in ("latexmk", "lualatex") if shutil.which(p) is None]
    if missing:
        raise TexMissingError(
            f"{' and '.join(missing)} not found: a .pdf handout needs TeX Live. Install it with\n"
            f"  apt-get install {_PDF_PACKAGES}\n"
            "or write .tex / .md instead.")


def compile_pdf(source: Path, *, timeout: float = 300.0) -> Path:
    """Compile ``source`` with ``latexmk -lualatex`` in its directory; the PDF's path.

    On failure raises :class:`TexBuildError` with the ``!`` lines of the log and the
    lines after them (not the whole log).
    """
    _require_tex()
    source = Path(source)
    cmd = ["latexmk", "-lualatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           "-g", source.name]
    try:
        proc = subprocess.run(cmd, cwd=source.parent, capture_output=True, text=True,
                              timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired as exc:
        raise TexBuildError(f"latexmk did not finish within {timeout:.0f} s on {source}") from exc
    pdf = source.with_suffix(".pdf")
    log = source.with_suffix(".log")
    log_text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else proc.stdout
    if proc.returncode != 0 or not pdf.exists():
        raise TexBuildError(f"LuaLaTeX failed on {source.name}:\n{tex_log_errors(log_text)}")
    return pdf


def tex_log_warnings(log: str, *, overfull_pt: float = 1.0) -> list[str]:
    """Warnings worth a look in a TeX log: undefined references, overfull boxes wider than ``overfull_pt``.

    >>> tex_log_warnings("Overfull \\\\hbox (12.5pt too wide) in paragraph at lines 3--4\\nOverfull \\\\hbox (0.2pt too wide) in x")
    ['Overfull \\\\hbox (12.5pt too wide) in paragraph at lines 3--4']
    """
    out = []
    for line in log.splitlines():
        m = re.match(r"Overfull \\[hv]box \(([\d.]+)pt too (wide|high)\)", line)
        if m and float(m.group(1)) > overfull_pt:
            out.append(line.strip())
        elif re.search(r"LaTeX Warning: (Reference|Citation) .* undefined|There were undefined references", line):
            out.append(line.strip())
    return out


def tex_log_errors(log: str, *, after: int = 4, limit: int = 5) -> str:
    """The error lines of a TeX log (``!`` or ``file:line:`` ones) with a few lines after each.

    >>> print(tex_log_errors("This is LuaTeX\\n! Undefined control sequence.\\nl.12 \\\\foo\\n\\nmore"))
    ! Undefined control sequence.
    l.12 \\foo
    <BLANKLINE>
    more
    """
    lines = log.splitlines()
    picked: list[str] = []
    count = 0
    i = 0
    while i < len(lines) and count < limit:
        if lines[i].startswith("!") or re.match(r"^\S+:\d+: ", lines[i]):
            picked.extend(lines[i:i + 1 + after])
            picked.append("")
            count += 1
            i += 1 + after
        else:
            i += 1
    if not picked:
        return "\n".join(lines[-15:])
    return "\n".join(picked).rstrip()
