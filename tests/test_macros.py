"""Tests of symhess.notation.macros: reading the author's definitions and expanding their uses."""
from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symhess.notation.macros import (MAX_EXPANSIONS, Macro, MacroError, blank_definitions,
                                     brace_pairs, definition_at, definitions, expand,
                                     find_definitions)


# ----------------------------------------------------------------------------- definitions

@pytest.mark.parametrize(("source", "name", "params", "default", "body"), [
    (r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}", r"\pd", 2, None,
     r"\frac{\partial #1}{\partial #2}"),
    (r"\newcommand\half{\frac{1}{2}}", r"\half", 0, None, r"\frac{1}{2}"),
    (r"\newcommand*{\v}[1]{\mathbf{#1}}", r"\v", 1, None, r"\mathbf{#1}"),
    (r"\renewcommand{\vec}[1]{\mathbf{#1}}", r"\vec", 1, None, r"\mathbf{#1}"),
    (r"\providecommand{\e}{\epsilon}", r"\e", 0, None, r"\epsilon"),
    (r"\newcommand{\x}[2][a]{#1_{#2}}", r"\x", 2, "a", "#1_{#2}"),
    (r"\newcommand { \y } [ 1 ] { y_{#1} }", r"\y", 1, None, " y_{#1} "),
    (r"\def\wt#1#2{w_{#1}^{(#2)}}", r"\wt", 2, None, "w_{#1}^{(#2)}"),
    (r"\def\half{\frac12}", r"\half", 0, None, r"\frac12"),
    (r"\gdef\g{G}", r"\g", 0, None, "G"),
    (r"\DeclareMathOperator{\sech}{sech}", r"\sech", 0, None, r"\operatorname{sech}"),
    (r"\DeclareMathOperator*{\argmin}{arg\,min}", r"\argmin", 0, None,
     r"\operatorname*{arg\,min}"),
    (r"\let\eps\epsilon", r"\eps", 0, None, r"\epsilon"),
    (r"\let\eps=\epsilon", r"\eps", 0, None, r"\epsilon"),
])
def test_definitions_are_read(source: str, name: str, params: int, default: str | None,
                              body: str) -> None:
    (d,) = find_definitions(source)
    assert d.macro == Macro(name, params, default, body, d.macro.how if d.macro else "")
    assert (d.start, d.end) == (0, len(source))


@pytest.mark.parametrize(("source", "problem"), [
    (r"\newcommand{x}{y}", r"must be followed by the name of a macro"),
    (r"\newcommand{\x}[two]{y}", r"n must be a number of arguments 0\.\.9"),
    (r"\newcommand{\x}[0][a]{y}", r"a default needs at least one argument"),
    (r"\newcommand{\x}", r"needs a body in braces"),
    (r"\newcommand{\x}{never closed", r"needs a body in braces"),
    (r"\def\f#2{#2}", r"parameters must be #1, #2, \.\.\. in order"),
    (r"\def\f#1.{#1}", r"with delimited parameters is not read"),
    (r"\DeclareMathOperator{\op}", r"needs the operator's text"),
])
def test_unreadable_definitions_say_why(source: str, problem: str) -> None:
    (d,) = find_definitions(source)
    assert d.macro is None
    assert re.search(problem, d.problem)


def test_escaped_backslash_is_not_a_definition() -> None:
    assert find_definitions(r"a \\def b") == []


def test_later_definitions_replace_earlier_but_provide_does_not() -> None:
    table = definitions(r"\newcommand{\a}{1}\renewcommand{\a}{2}\providecommand{\a}{3}"
                        r"\providecommand{\b}{4}")
    assert (table[r"\a"].body, table[r"\b"].body) == ("2", "4")


def test_blank_definitions_keeps_length_and_newlines() -> None:
    text = "\\newcommand{\\x}{y}\n\\x = 1"
    blanked, found = blank_definitions(text)
    assert len(blanked) == len(text) and blanked.count("\n") == 1
    assert blanked.strip() == "\\x = 1" and len(found) == 1


def test_definition_at_with_precomputed_pairs_agrees() -> None:
    text = r"x \def\a{b} \newcommand{\c}[1]{#1{}} y"
    pairs = brace_pairs(text)
    for i in (2, 12):
        assert definition_at(text, i) == definition_at(text, i, pairs)
    assert definition_at(text, 0) is None


# ----------------------------------------------------------------------------- expansion

PREAMBLE = (r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}"
            r"\newcommand{\wt}[2]{w_{#1}^{(#2)}}"
            r"\def\half{\frac{1}{2}}"
            r"\newcommand{\x}[2][a]{#1_{#2}}"
            r"\def\hash{\##}"
            r"\DeclareMathOperator{\sech}{sech}")


@pytest.mark.parametrize(("use", "expanded"), [
    (r"\pd{E_n}{a_k}", r"\frac{\partial E_n}{\partial a_k}"),
    (r"\pd E a", r"\frac{\partial E}{\partial a}"),
    (r"\pd{E}{\wt{kj}{2}}", r"\frac{\partial E}{\partial w_{kj}^{(2)}}"),
    (r"\half x", r"\frac{1}{2} x"),
    (r"\halfx", r"\halfx"),  # another name: not \half
    (r"\x{n}", "a_{n}"),
    (r"\x[b]{n}", "b_{n}"),
    (r"\x [b] {n}", "b_{n}"),
    (r"\hash", r"\#"),
    (r"\sech(a)", r"\operatorname{sech}(a)"),
    (r"\unknown{a} = \pd{a}{b}", r"\unknown{a} = \frac{\partial a}{\partial b}"),
    (r"\\ \pd{a}{b}", r"\\ \frac{\partial a}{\partial b}"),
])
def test_expansion(use: str, expanded: str) -> None:
    assert expand(use, definitions(PREAMBLE)).text == expanded


def test_nested_macros_expand_through_each_other() -> None:
    table = definitions(r"\def\a{\b+\b}\def\b{\c}\def\c{z}")
    assert expand(r"\a", table).text == "z+z"


def test_origins_map_arguments_to_themselves_and_bodies_to_the_use() -> None:
    text = r"y = \pd{E}{a}"
    e = expand(text, definitions(PREAMBLE))
    assert len(e.origin) == len(e.text) + 1
    assert e.origin[e.text.index("E")] == text.index("E")
    assert e.origin[e.text.index("a}")] == text.index("a}")
    assert e.origin[e.text.index("\\frac")] == text.index("\\pd")
    assert e.origin[e.text.index("=")] == text.index("=")
    assert e.origin[-1] == len(text)


def test_origins_given_by_the_caller_are_kept() -> None:
    e = expand(r"\half", definitions(PREAMBLE), origin=[100, 101, 102, 103, 104, 105])
    assert set(e.origin[:-1]) == {100} and e.origin[-1] == 105


@pytest.mark.parametrize(("table", "use", "message"), [
    (r"\def\r{\r}", r"\r", rf"macro \\r is expanded more than {MAX_EXPANSIONS} times"),
    (r"\def\r{\r\r}", r"\r", r"expanded more than .* times: does it use itself\?$"),
    (r"\def\r{xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r}", r"\r",
     r"expanded more than"),
    (r"\def\r#1{\r{#1#1}}", r"\r{x}", r"makes the block longer than \d+ characters"),
    (r"\newcommand{\p}[2]{#1#2}", r"\p{a}", r"macro \\p needs 2 arguments in braces, found 1$"),
    (r"\newcommand{\p}[2][a]{#1#2}", r"\p", r"macro \\p needs 1 argument in braces, found 0$"),
])
def test_expansion_errors_end_and_say_where(table: str, use: str, message: str) -> None:
    start = time.perf_counter()
    with pytest.raises(MacroError, match=message) as info:
        expand("a + " + use, definitions(table))
    assert info.value.origin == 4
    assert time.perf_counter() - start < 2.0


def test_origin_of_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match=r"one offset per character"):
        expand("abc", {}, origin=[0, 1])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from([r"\def", r"\newcommand", "{", "}", "[", "]", "#1", "#",
                                 r"\a", r"\b", "x", " ", "2", r"\\", "\n"]), max_size=25).map("".join),
       st.lists(st.sampled_from([r"\a", r"\b", "{", "}", "[", "]", "x", " "]), max_size=12)
       .map("".join))
def test_fuzz_definitions_and_expansion_end(defs: str, use: str) -> None:
    table = definitions(defs)
    try:
        e = expand(use, table)
    except MacroError as exc:
        assert 0 <= exc.origin <= len(use)
    else:
        assert len(e.origin) == len(e.text) + 1
        assert all(0 <= o <= len(use) for o in e.origin)


def test_a_use_of_an_unreadable_definition_says_why() -> None:
    table = definitions(r"\def\f#1.{#1}")
    with pytest.raises(MacroError, match=r"^macro \\f is defined in a way symhess cannot read: "
                                         r"\\def\\f with delimited parameters is not read"):
        expand(r"x + \f{a}.", table)
