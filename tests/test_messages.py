"""Messages that quote LaTeX stay readable in the terminal (symhess.render.unicode.readable).

Real text (PRML notes, /work/realtext/min/16) produced messages such as "𝐯 𝐯is not one letter:
write one symbol per" (a space lost, the sentence cut) and "expected a letter, ′…′, ′…′".
"""
from __future__ import annotations

import pytest

from symhess.errors import InputError
from symhess.notation.parser import parse_display
from symhess.render.unicode import readable
from symhess.printing import text_latex


@pytest.mark.parametrize(("message", "shown"), [
    (r"expected a letter, '\mathbf{…}', '\mathbb{…}', an accent ('\hat', '\tilde', …) or "
     r"'\mathcal{…}', found '{'",
     r"expected a letter, '\mathbf{…}', '\mathbb{…}', an accent ('\hat', '\tilde', …) or "
     r"'\mathcal{…}', found '{'"),
    (r"'\mathcal{v v}' is not one letter: write one symbol per '\mathcal{…}'",
     r"'\mathcal{v v}' is not one letter: write one symbol per '\mathcal{…}'"),
    (r"\mathbf{v v} is not one letter: write one symbol per \mathbf",
     "𝐯 𝐯 is not one letter: write one symbol per \\mathbf"),
    (r"the weight vector \mathbf{w} only makes sense as a derivative variable",
     "the weight vector 𝐰 only makes sense as a derivative variable"),
    (r"\nabla \mathbf{w} = \mathbf{v} here", "∇𝐰 = 𝐯 here"),
    (r"an accent (\hat, \tilde, …)", r"an accent (\hat, \tilde, …)"),
    (r"\int p \mathrm{d} x", "∫ p dx"),
    ("expected '}' to close '{' opened at 3:13; w_{k'j'}", "expected '}' to close '{' opened at 3:13; w_k′j′"),
    (r"the right side is missing h'(a_{j}) \delta_{k}", "the right side is missing h′(a_j) δ_k"),
])
def test_quoted_latex_stays_and_sentences_keep_their_spaces(message: str, shown: str) -> None:
    assert readable(message) == shown


@pytest.mark.parametrize("text", [
    r"a = \mathbb{xy}",
    r"a = \frac{\partial^2 E}{\partial \mathcal{R}}",
    r"a = b^{",
    r"\begin{array}{cc} a \end{array}",
])
def test_every_parser_message_reads_whole_in_the_terminal(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_display(text, path="m.md")
    message = str(info.value).split(": ", 1)[1]
    shown = readable(message)
    words = [w for w in message.replace("'", " ").split() if w.isalpha() and w.isascii()]
    assert all(w in shown for w in words), (message, shown)
    assert "′" not in shown.replace("w_k′", "")


def test_no_note_about_an_earlier_failure_when_there_was_none() -> None:
    from symhess.check import check_text

    text = "$$ z_j = z_{j'} $$\n\n$$ z_j = 2 z_j = 3 z_j $$"
    for suggest in (False, True):
        steps = [s for d in check_text(text, suggest=suggest).derivations for s in d.steps]
        notes = ["earlier step of this display failed" in text_latex(s.message) for s in steps]
        assert notes == [False, False, True], (suggest, [text_latex(s.message) for s in steps])
