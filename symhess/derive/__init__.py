"""Recipes: the mathematics of each derived PRML equation, and how a record names its recipe.

The way from an equation number to its derivation is in plain sight: the catalogue record of
the number names its recipe as ``module.function`` or ``module.function(argument)``
(:attr:`symhess.catalogue.Record.recipe`); :data:`MODULES` is the explicit table of the recipe
modules, and :func:`resolve` looks the function up there.  Nothing registers itself on import,
and adding an equation touches its record and its recipe only.

>>> from symhess import catalogue
>>> catalogue.get("5.95").recipe, RECIPES["exact.derive_equation(5.95)"].func.__name__
('exact.derive_equation(5.95)', 'derive_equation')
>>> recipe("5.82")
Traceback (most recent call last):
...
symhess.errors.UnknownEquation: (5.82) sum-of-squares error, one output: in the catalogue for checking, not derived; derivable: 5.78, ...
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from types import ModuleType

from .. import catalogue
from ..errors import UnknownEquation
from ..results import DerivationResult
from . import diag, exact, finite, inverse, outer, priors, rop, skip

__all__ = ["MODULES", "RECIPES", "Recipe", "derive_entry", "recipe", "resolve"]

Recipe = Callable[[], DerivationResult]

MODULES: dict[str, ModuleType] = {
    "diag": diag,        # §5.4.1 diagonal approximation
    "outer": outer,      # §5.4.2 outer-product approximation, exercises 5.16, 5.17, 5.20
    "inverse": inverse,  # §5.4.3 inverse Hessian
    "finite": finite,    # §5.4.4 finite differences
    "exact": exact,      # §5.4.5 exact evaluation
    "skip": skip,        # exercise 5.23, skip-layer connections
    "rop": rop,          # §5.4.6 fast multiplication by the Hessian
    "priors": priors,    # §5.5.1 consistent Gaussian priors
}
"""The recipe modules, by the name a record's ``recipe`` starts with."""

_NAME = re.compile(r"(?P<module>\w+)\.(?P<function>\w+)(?:\((?P<argument>[\w.\-]+)\))?")


def resolve(name: str) -> Recipe:
    """The recipe a record names: ``module.function`` called with no argument, or
    ``module.function(argument)`` called with the argument as a string.

    >>> resolve("rop.derive_equation(5.101)").args, resolve("skip.derive").__name__
    (('5.101',), 'derive')
    >>> resolve("rop.no_such_function")
    Traceback (most recent call last):
    ...
    ValueError: recipe 'rop.no_such_function': module 'rop' has no function 'no_such_function'
    """
    m = _NAME.fullmatch(name)
    if m is None:
        raise ValueError(f"recipe {name!r}: expected module.function or module.function(argument)")
    module = MODULES.get(m["module"])
    if module is None:
        raise ValueError(f"recipe {name!r}: no recipe module {m['module']!r}; known: {', '.join(MODULES)}")
    func = getattr(module, m["function"], None)
    if not callable(func):
        raise ValueError(f"recipe {name!r}: module {m['module']!r} has no function {m['function']!r}")
    return partial(func, m["argument"]) if m["argument"] is not None else func  # type: ignore[no-any-return]


RECIPES: dict[str, Recipe] = {r.recipe: resolve(r.recipe) for r in catalogue.BOOK.values()
                              if r.recipe is not None}
"""Recipe name (what a catalogue record's ``recipe`` says) → the function that derives it."""


def recipe(number: str) -> Recipe:
    """The recipe of equation ``number``; :class:`~symhess.errors.UnknownEquation` if the
    catalogue does not hold it or holds it for checking only."""
    record = catalogue.get(number)
    if record.recipe is None:
        derivable = ", ".join(r.number for r in catalogue.entries())
        raise UnknownEquation(f"({record.number}) {record.title}: in the catalogue for checking, "
                              f"not derived; derivable: {derivable}")
    return RECIPES[record.recipe]


def derive_entry(number: str) -> DerivationResult:
    """Derive equation ``number`` with its recipe; the result carries the catalogue's title.

    Titles live in the catalogue only: a recipe leaves :attr:`DerivationResult.title` empty
    and this is the one place that fills it in.

    >>> derive_entry("5.102").title == catalogue.get("5.102").title
    True
    """
    record = catalogue.get(number)
    return replace(recipe(number)(), title=record.title)
