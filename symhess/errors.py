"""The library's own exception types (bad user input raises these with a location)."""
from __future__ import annotations

from dataclasses import dataclass


class SymhessError(Exception):
    """Base class of every error symhess raises on purpose."""


@dataclass(frozen=True)
class SourceLocation:
    """Where something sits in a file: 1-based line and column.

    >>> str(SourceLocation("notes.md", 3, 7))
    'notes.md:3:7'
    """

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


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


class DerivationError(SymhessError):
    """A derivation recipe could not reach its target (a bug in symhess, not user input)."""
