"""pytest plugin: each derivation in the configured files is one test (``pytest11`` entry point).

Configure in ``pyproject.toml`` / ``pytest.ini``::

    [tool.pytest.ini_options]
    symhess_derivations = ["derivations/**/*.md"]   # the default

A failing derivation reports ``file:line``, the first failing step (``step 4``), the
residual, the counterexample and the suggested fix (``did you mean: …``); a derivation marked ``<!-- symhess: xfail … -->`` that
fails is reported as xfailed, and one that passes fails the run (an unexpected pass).
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .errors import DerivationFailed, InputError

DEFAULT_PATTERNS = ["derivations/**/*.md"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("symhess_derivations", type="linelist", default=DEFAULT_PATTERNS,
                  help="glob patterns (relative to rootdir) of derivation files to check")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    try:
        rel = file_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None
    patterns = config.getini("symhess_derivations") or DEFAULT_PATTERNS
    if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.replace("**/", "")) for p in patterns):
        return DerivationFile.from_parent(parent, path=file_path)
    return None


class DerivationFile(pytest.File):
    """A Markdown/LaTeX file whose display-math chains are checked."""

    _report: Any = None

    def collect(self) -> Iterator[pytest.Item]:
        from .documents import find_blocks

        try:
            blocks = find_blocks(self.path)
        except InputError as exc:
            yield DerivationItem.from_parent(self, name="read", line=0, error=str(exc))
            return
        for b in blocks:
            if b.has_chain:
                yield DerivationItem.from_parent(self, name=f"line {b.line}", line=b.line)

    def report(self) -> Any:
        """The whole file checked once (cited definitions carry from chain to chain)."""
        if self._report is None:
            from .check import check_blocks
            from .documents import find_blocks

            self._report = check_blocks(find_blocks(self.path), str(self.path))
        return self._report


class DerivationItem(pytest.Item):
    """One derivation (display block) of a file."""

    def __init__(self, *, line: int, error: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.line = line
        self.error = error

    def runtest(self) -> None:
        if self.error:
            raise DerivationFailed(self.error)
        assert isinstance(self.parent, DerivationFile)
        try:
            report = self.parent.report()
        except InputError as exc:
            raise DerivationFailed(str(exc)) from None
        d = next(x for x in report.derivations if x.line == self.line)
        self.derivation = d
        if d.verdict == "xfail":
            pytest.xfail(f"{d.xfail}")
        if d.verdict != "ok":
            raise DerivationFailed(_explain(d))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, DerivationFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.line - 1, 0), f"derivation at {self.path.name}:{self.line}"


def _explain(d: Any) -> str:
    """The failure report: the first failing step as ``symhess check`` shows it, with its
    suggested fix (added here when the text renderer does not show it)."""
    from .render.report import derivation_text

    text = derivation_text(d, colour=False, only_failures=True)
    first = d.first_failure
    sug = getattr(first, "suggestion", None) if first is not None else None
    if sug is not None and "did you mean" not in text:
        text += f"\n    did you mean: {sug.latex} ({sug.edit}) ✓ {sug.verdict}"
    return text
