"""Every exception type symhess raises, and the policy that says which one.

The policy (one for the whole package):

* **Bad user data** — a derivation file, an equation number, a macro — raises
  :class:`InputError` with a :class:`SourceLocation` (``file:line:col``) and what was expected.
  The CLI exits 2 for it only when a whole file cannot be opened or decoded, or for usage
  errors; inside a file, a block that cannot be read becomes that block's ``unsupported``
  verdict and checking goes on.
* **Notation the checker cannot give a meaning** raises :class:`Unsupported`; notation with a
  meaning that is not a well-formed quantity raises :class:`IllFormed`. Both carry a
  :class:`Pos` and become step verdicts (``unsupported``, with the reason), never crashes.
* **A macro that cannot be expanded** raises :class:`MacroError` (an offset into the text),
  which the reader of the file turns into an :class:`InputError` at its line and column.
* **Bounded work that ran out of its budget** raises :class:`TooLarge` (counted in operations,
  never in seconds): the decider falls back to its numeric route.
* **The library failing at its own job** raises a :class:`SymhessError` subclass
  (:class:`DerivationError`, :class:`NotEvaluable`, :class:`TexMissingError`,
  :class:`TexBuildError`).
* **Bad arguments to the Python API** (a negative size, a wrong type) raise the built-ins
  ``ValueError`` / ``TypeError``.
* **Test assertions** (:mod:`symhess.testing`, the pytest plugin) raise ``AssertionError``
  subclasses: :class:`NotEquivalent`, :class:`Unreadable`, :class:`NothingChecked`,
  :class:`DerivationFailed`, so pytest shows them as test failures.

Only :mod:`symhess.cli` and the pytest plugin turn these into output and exit codes.

>>> issubclass(UnknownEquation, InputError), issubclass(Unsupported, SymhessError)
(True, True)
"""
from __future__ import annotations

from dataclasses import dataclass


class SymhessError(Exception):
    """Base class of every error symhess raises on purpose (test assertions aside)."""


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in the original file (the file itself is named elsewhere).

    >>> str(Pos(17, 4))
    '17:4'
    """

    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


@dataclass(frozen=True)
class SourceLocation:
    """Where something sits in a file: 1-based line and column.

    >>> str(SourceLocation("notes.md", 3, 7))
    'notes.md:3:7'
    >>> str(SourceLocation.at("notes.md", Pos(3, 7)))
    'notes.md:3:7'
    """

    path: str
    line: int
    col: int

    @classmethod
    def at(cls, path: str, pos: Pos) -> SourceLocation:
        """The location of ``pos`` in the file ``path``."""
        return cls(path, pos.line, pos.col)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


# --------------------------------------------------------------------------- bad user data
class InputError(SymhessError):
    """Bad input (a derivation file, an equation number): exit code 2 in the CLI.

    >>> str(InputError("expected '}'", SourceLocation("a.md", 2, 5)))
    "a.md:2:5: expected '}'"
    """

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class UnknownEquation(InputError):
    """An equation number that the catalogue does not hold."""


class MacroError(SymhessError, ValueError):
    """A macro use that cannot be expanded; ``origin`` is where, as an offset into the text
    (:mod:`symhess.notation.macros`); :mod:`symhess.documents` turns it into an
    :class:`InputError` with the file's line and column.

    >>> str(MacroError("macro \\\\x needs 1 argument", 7))
    'macro \\\\x needs 1 argument'
    """

    def __init__(self, message: str, origin: int) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin


# --------------------------------------------------------------------------- meaning
class _Reasoned(SymhessError):
    def __init__(self, reason: str, pos: Pos | None = None) -> None:
        self.reason, self.pos = reason, pos
        super().__init__(f"{pos}: {reason}" if pos else reason)


class Unsupported(_Reasoned):
    """The checker cannot give this notation a meaning; ``reason`` says why, ``pos`` where.

    >>> str(Unsupported("E with several arguments", Pos(3, 9)))
    '3:9: E with several arguments'
    """


class IllFormed(_Reasoned):
    """The notation has a meaning, but it is not a well-formed quantity (e.g. matrix + vector)."""


# --------------------------------------------------------------------------- budgets
class TooLarge(SymhessError):
    """A canonical form would cost too much (too many summation indices in one term, too
    many terms, too many renamings to try) — counted in operations, never in seconds."""


# --------------------------------------------------------------------------- the library's own failures
class DerivationError(SymhessError):
    """A derivation recipe could not reach its target (a bug in symhess, not user input)."""


class NotEvaluable(SymhessError):
    """The expression holds something with no numeric meaning on an instance."""


class TexMissingError(SymhessError):
    """latexmk or lualatex is not installed (only ``.pdf`` handouts need them)."""


class TexBuildError(SymhessError):
    """LuaLaTeX failed; the message carries the relevant lines of the TeX log."""


# --------------------------------------------------------------------------- test assertions
class NotEquivalent(AssertionError):
    """Two expressions that were asserted equal are not (or could not be shown equal)."""


class Unreadable(NotEquivalent):
    """An expression given to an assertion could not be read; the message says why and where."""


class NothingChecked(AssertionError):
    """The input held nothing to check (no derivation, no file): never a silent pass."""


class DerivationFailed(AssertionError):
    """A derivation file collected by the pytest plugin has a failed or unsupported step."""
