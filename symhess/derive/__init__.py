"""Recipes: the mathematics of each derived PRML equation, and the one table that names them.

The way from an equation number to its derivation is two look-ups, both in plain sight: the
catalogue record of the number names a recipe (:attr:`symhess.catalogue.Record.recipe`), and
:data:`RECIPES` maps that name to the function.  Nothing registers itself on import.

>>> from symhess import catalogue
>>> catalogue.get("5.95").recipe, RECIPES["exact.derive_block(5.95)"].func.__name__
('exact.derive_block(5.95)', 'derive_block')
>>> recipe("5.82")
Traceback (most recent call last):
...
symhess.errors.UnknownEquation: (5.82) sum-of-squares error, one output: in the catalogue for checking, not derived; derivable: 5.78, ...
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from .. import catalogue
from ..errors import UnknownEquation
from ..results import DerivationResult
from . import diag, exact, finite, inverse, outer, priors, rop, skip

__all__ = ["RECIPES", "Recipe", "derive_entry", "recipe"]

Recipe = Callable[[], DerivationResult]

RECIPES: dict[str, Recipe] = {
    # §5.4.1 diagonal approximation
    "diag.derive_5_78": diag.derive_5_78,
    "diag.derive_5_79": diag.derive_5_79,
    "diag.derive_5_80": diag.derive_5_80,
    # §5.4.2 outer-product approximation, exercises 5.16, 5.17, 5.20
    "outer.derive_5_83": outer.derive_5_83,
    "outer.derive_5_84": outer.derive_5_84,
    "outer.derive_5_85": outer.derive_5_85,
    "outer.derive_5_194": outer.derive_5_194,
    "outer.derive_ex5_16": outer.derive_ex5_16,
    "outer.derive_ex5_20": outer.derive_ex5_20,
    # §5.4.3 inverse Hessian
    "inverse.derive_5_87": inverse.derive_5_87,
    "inverse.derive_5_88": inverse.derive_5_88,
    "inverse.derive_5_89": inverse.derive_5_89,
    # §5.4.4 finite differences
    "finite.derive_5_90": finite.derive_5_90,
    "finite.derive_5_91": finite.derive_5_91,
    # §5.4.5 exact evaluation, exercise 5.23
    "exact.derive_block(5.93)": partial(exact.derive_block, exact.BLOCKS["5.93"]),
    "exact.derive_block(5.94)": partial(exact.derive_block, exact.BLOCKS["5.94"]),
    "exact.derive_block(5.95)": partial(exact.derive_block, exact.BLOCKS["5.95"]),
    "skip.derive": skip.derive,
    # §5.4.6 fast multiplication by the Hessian
    "rop.derive_equation(5.101)": partial(rop.derive_equation, "5.101"),
    "rop.derive_equation(5.102)": partial(rop.derive_equation, "5.102"),
    "rop.derive_equation(5.103)": partial(rop.derive_equation, "5.103"),
    "rop.derive_equation(5.106)": partial(rop.derive_equation, "5.106"),
    "rop.derive_equation(5.107)": partial(rop.derive_equation, "5.107"),
    "rop.derive_equation(5.110)": partial(rop.derive_equation, "5.110"),
    "rop.derive_equation(5.111)": partial(rop.derive_equation, "5.111"),
    # §5.5.1 consistent Gaussian priors
    "priors.derive_weight_decay_counterexample": priors.derive_weight_decay_counterexample,
    "priors.derive_input_transformation": priors.derive_input_transformation,
    "priors.derive_output_transformation": priors.derive_output_transformation,
    "priors.derive_regulariser_rescaling": priors.derive_regulariser_rescaling,
    "priors.derive_improper_prior": priors.derive_improper_prior,
}
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
