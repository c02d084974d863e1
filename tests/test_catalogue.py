"""Tests for symhess.catalogue (the book as data) and the recipe table of symhess.derive."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from symhess import catalogue
from symhess.catalogue import BOOK, ROLES, Record, entries, get
from symhess.errors import UnknownEquation


# --------------------------------------------------------------------------- the records
@pytest.mark.parametrize("record", BOOK.values(), ids=list(BOOK))
def test_every_record_is_complete(record: Record) -> None:
    assert record.role in ROLES
    assert record.title and record.title_ja and record.section
    if record.role == "approximation":
        assert record.drops, f"({record.number}) is an approximation: say what it drops"
    if record.recipe is not None:
        assert record.statement_latex, f"({record.number}) is derived: it needs its statement_latex"
    if record.printed_latex is not None:
        assert record.erratum_note and record.statement, "a misprint needs its note and the corrected statement"


def test_numbers_are_unique_and_in_prml_order() -> None:
    numbers = [r.number for r in catalogue._RECORDS]
    assert len(numbers) == len(set(numbers))
    assert list(BOOK) == sorted(numbers, key=catalogue._sort_key)
    assert list(BOOK)[:3] == ["1.89", "5.14", "5.21"]
    assert list(BOOK)[-3:] == ["ex5.16", "ex5.20", "ex5.23"]       # exercises after every 5.xx


def test_entries_are_the_derived_records_in_order() -> None:
    numbers = [e.number for e in entries()]
    assert numbers == [n for n, r in BOOK.items() if r.recipe is not None]
    assert numbers[:3] == ["5.78", "5.79", "5.80"] and "5.82" not in numbers
    assert numbers.index("5.95") < numbers.index("5.101") < numbers.index("5.115-5.117") < numbers.index("ex5.16")


@pytest.mark.parametrize(("number", "record"), [
    ("5.95", "5.95"), ("5.115", "5.115-5.117"), ("5.116", "5.115-5.117"), ("5.117", "5.115-5.117"),
    ("5.118-5.120", "5.118-5.120"), ("5.120", "5.118-5.120"), ("5.82", "5.82"), ("ex5.23", "ex5.23"),
])
def test_get_resolves_numbers_and_ranges(number: str, record: str) -> None:
    assert get(number).number == record


@pytest.mark.parametrize("number", ["5.999", "5.114", "5.121-x", "ex5.17", "", "5.4.6"])
def test_unknown_number_names_the_known_ones(number: str) -> None:
    with pytest.raises(UnknownEquation, match=rf"^no equation {re.escape(repr(number))} in the catalogue; "
                                              r"known: 1\.89, 5\.14, .*5\.95, .*ex5\.23$"):
        get(number)


def test_the_checker_fields_are_where_check_reads_them() -> None:
    assert BOOK["5.95"].statement and BOOK["5.95"].printed_latex and "corrected" in BOOK["5.95"].erratum_note
    assert BOOK["5.104"].error_model == "sum_of_squares" and BOOK["5.21"].error_model == "cross_entropy"
    assert BOOK["5.82"].defines is not None and BOOK["5.82"].domain == "data"
    assert BOOK["1.89"].condition is not None
    assert all(BOOK[n].single_pattern for n in ("5.96", "5.101", "5.106", "5.111"))
    assert not BOOK["5.104"].single_pattern and not BOOK["5.93"].single_pattern


# --------------------------------------------------------------------------- recipes
def test_every_recipe_named_exists_and_every_recipe_module_is_used() -> None:
    from symhess.derive import MODULES, RECIPES, resolve

    named = [r.recipe for r in BOOK.values() if r.recipe is not None]
    assert len(named) == len(set(named)), "two records name one recipe"
    assert set(RECIPES) == set(named) and all(callable(resolve(n)) for n in named)
    assert {n.split(".")[0] for n in named} == set(MODULES), "a recipe module no record uses"


@pytest.mark.parametrize("name, why", [
    ("exact", "expected module.function"), ("nowhere.derive", "no recipe module 'nowhere'"),
    ("exact.BLOCKS", "has no function 'BLOCKS'"), ("exact.derive_equation(5.93); x", "expected"),
])
def test_a_recipe_name_that_names_nothing_is_an_error(name: str, why: str) -> None:
    from symhess.derive import resolve

    with pytest.raises(ValueError, match=re.escape(why)):
        resolve(name)


@pytest.mark.parametrize("number", ["5.82", "5.193", "1.89"])
def test_a_checked_only_equation_has_no_recipe(number: str) -> None:
    from symhess.derive import recipe

    with pytest.raises(UnknownEquation, match=rf"^\({re.escape(number)}\) .*: in the catalogue for checking, "
                                              r"not derived; derivable: 5\.78, "):
        recipe(number)


def test_derive_entry_carries_the_catalogue_title(monkeypatch: pytest.MonkeyPatch) -> None:
    from symhess import derive
    from symhess.results import DerivationResult

    stand_in = DerivationResult("5.93", "s", "proved", (), None, 0.0, title="the recipe's own words")
    monkeypatch.setitem(derive.RECIPES, "exact.derive_equation(5.93)", lambda: stand_in)
    result = derive.derive_entry("5.93")
    assert result.title == BOOK["5.93"].title == "Both weights in the second layer"
    assert (result.equation, result.statement_latex, result.verdict) == ("5.93", "s", "proved")


def test_a_recipe_leaves_the_title_to_the_catalogue() -> None:
    from symhess import derive

    assert derive.RECIPES["exact.derive_equation(5.93)"]().title == ""
    assert derive.derive_entry("5.93").title == BOOK["5.93"].title


def _imported_after(statement: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys; {statement}; "
                          "print(' '.join(m for m in sys.modules if m.startswith('symhess')))"],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_catalogue_imports_no_recipe() -> None:
    loaded = _imported_after("import symhess.catalogue")
    assert "symhess.catalogue" in loaded
    assert [m for m in loaded if m.startswith("symhess.derive")] == []


def test_the_recipe_table_imports_every_recipe_module_explicitly() -> None:
    loaded = _imported_after("import symhess.derive")
    for name in ("diag", "exact", "finite", "inverse", "outer", "priors", "rop", "skip"):
        assert f"symhess.derive.{name}" in loaded


@pytest.mark.slow
@pytest.mark.parametrize("number", [e.number for e in entries()])
def test_statement_latex_is_what_the_recipe_derives(number: str) -> None:
    from symhess.derive import derive_entry

    assert derive_entry(number).statement_latex == get(number).statement_latex
