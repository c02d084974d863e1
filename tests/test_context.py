"""The document's own context: definitions, tags, conditions, inferred settings, errata, mappings."""
from __future__ import annotations

import pytest

from symhess.check import check_text
from symhess.printing import text_latex


def verdicts(text: str, *, strict: bool = False) -> list[str]:
    rep = check_text(text, "notes.md", strict=strict)
    return [s.verdict for d in rep.derivations for s in d.steps]


def steps(text: str, *, strict: bool = False):
    rep = check_text(text, "notes.md", strict=strict)
    return [s for d in rep.derivations for s in d.steps]


SOS_E = "$$ E = \\frac{1}{2} \\sum_{n=1}^{N} (y_n - t_n)^2 $$\n\n"
HESSIAN_583 = ("$$ \\nabla\\nabla E = \\sum_{n=1}^{N} \\nabla y_n (\\nabla y_n)^{\\mathrm{T}} + "
               "\\sum_{n=1}^{N} (y_n - t_n) \\nabla\\nabla y_n $$\n")


@pytest.mark.parametrize(("text", "expected"), [
    # a display defining E puts it in force: 5.83 then holds, the outer product alone does not
    (SOS_E + HESSIAN_583, ["definition", "proved"]),
    (SOS_E + "$$ \\nabla\\nabla E = \\sum_{n=1}^{N} \\nabla y_n (\\nabla y_n)^{\\mathrm{T}} $$",
     ["definition", "failed"]),
    # without the definition E is an unspecified function: 5.83 does not follow, and the step
    # says so (unsupported: define or cite E), rather than calling the reader's 5.83 wrong
    (HESSIAN_583, ["unsupported"]),
    # a decorated symbol is new: defined, then used
    ("$$ \\tilde{E} = E_n + \\frac{\\lambda}{2} \\sum_k \\sum_j (w_{kj}^{(2)})^2 $$\n\n"
     "$$ \\frac{\\partial \\tilde{E}}{\\partial w_{kj}^{(2)}} = \\delta_k z_j + \\lambda w_{kj}^{(2)} $$\n\n"
     "$$ \\frac{\\partial \\tilde{E}}{\\partial w_{kj}^{(2)}} = \\delta_k z_j $$",
     ["definition", "proved", "failed"]),
    # := of a built-in quantity is checked against its meaning
    ("$$ \\delta_k := \\frac{\\partial E_n}{\\partial a_k} $$", ["definition"]),
    ("$$ \\delta_k := \\frac{\\partial E_n}{\\partial a_k} + 1 $$", ["failed"]),
])
def test_definitions(text: str, expected: list[str]) -> None:
    assert verdicts(text) == expected


def test_tag_brings_the_error_model_of_the_book_equation() -> None:
    text = ("$$ \\delta_k = y_k - t_k \\tag{5.104} $$\n\n"
            "$$ \\frac{\\partial \\delta_k}{\\partial a_{k'}} = I_{kk'} $$")
    got = steps(text)
    assert [s.verdict for s in got] == ["proved", "proved"]
    assert any("sum-of-squares" in a for a in got[1].assumptions)


def test_prose_citation_brings_the_setting() -> None:
    text = ("For the sum-of-squares error with linear outputs (5.104):\n\n"
            "$$ \\frac{\\partial E_n}{\\partial a_k} = y_k - t_k $$")
    assert verdicts(text, strict=True) == ["proved"]


@pytest.mark.parametrize(("text", "expected"), [
    ("$$ I_{jj'} h''(a_{j'}) = h''(a_j) \\quad (j = j') $$", ["proved"]),
    ("$$ I_{jj'} h''(a_{j'}) = h''(a_j) $$", ["failed"]),
    ("When $j \\neq j'$:\n\n$$ \\frac{\\partial^2 E_n}{\\partial w_{ji}^{(1)} \\partial w_{kj'}^{(2)}} = "
     "x_i h'(a_j) z_{j'} \\sum_{k'} w_{k'j}^{(2)} M_{kk'} $$", ["proved"]),
    # the same without the condition misses the δ_k I_jj' term
    ("$$ \\frac{\\partial^2 E_n}{\\partial w_{ji}^{(1)} \\partial w_{kj'}^{(2)}} = "
     "x_i h'(a_j) z_{j'} \\sum_{k'} w_{k'j}^{(2)} M_{kk'} $$", ["failed"]),
    # a \because with an identity that holds is a reason, not a restriction
    ("$$ x_i h'(a_{j'}) \\delta_k I_{jj'} = x_i h'(a_j) \\delta_k I_{jj'} \\quad "
     "(\\because h'(a_{j'}) I_{jj'} = h'(a_j) I_{jj'}) $$", ["proved"]),
])
def test_conditions(text: str, expected: list[str]) -> None:
    assert verdicts(text) == expected


def test_condition_is_named_in_the_verdict() -> None:
    (s,) = steps("$$ I_{jj'} h''(a_{j'}) = h''(a_j) \\quad (j = j') $$")
    assert any("j = j'" in a for a in s.assumptions)


INFERRED = ("$$ \\frac{\\partial E_n}{\\partial a_k} = y_k - t_k $$\n\n"
            "$$ \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} = I_{kk'} $$")


def test_inferred_setting_is_reported_and_strict_turns_it_off() -> None:
    rep = check_text(INFERRED, "n.md")
    assert [s.verdict for d in rep.derivations for s in d.steps] == ["definition", "proved"]
    assert any("inferred from line 1" in n for n in rep.notes)
    assert verdicts(INFERRED, strict=True) == ["failed", "failed"]


def test_no_inference_without_outputs_or_targets() -> None:
    # nothing speaks of y_k or t_k: E_n stays general, and M_kk' = I_kk' is simply wrong
    assert verdicts("$$ \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} = I_{kk'} $$") == ["failed"]


def test_cross_entropy_defined_in_the_document() -> None:
    text = ("$$ E_n = - \\sum_k \\left\\{ t_k \\ln y_k + (1 - t_k) \\ln (1 - y_k) \\right\\}, \\qquad "
            "y_k = \\sigma(a_k) $$\n\n"
            "$$ \\frac{\\partial E_n}{\\partial a_k} = y_k - t_k $$\n\n"
            "$$ \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} = y_k (1 - y_k) I_{kk'} $$\n\n"
            "$$ \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} = I_{kk'} $$")
    got = verdicts(text)
    assert got[:2] == ["definition", "definition"]
    assert got[2] in ("proved", "verified") and got[3] in ("proved", "verified") and got[4] == "failed"


def test_one_pattern_reading() -> None:
    got = steps("$$ \\frac{\\partial E}{\\partial w_{kj}^{(2)}} = \\delta_k z_j $$")
    assert got[0].verdict == "proved"
    assert any("one pattern" in a for a in got[0].assumptions)
    # with a data index in the document, E is the total error and the step is not the same
    assert verdicts("$$ E = \\sum_n E_n $$\n\n$$ \\frac{\\partial E}{\\partial w_{kj}^{(2)}} = \\delta_k z_j $$")[1] \
        != "proved"


def test_chain_ending_in_595_is_compared_with_the_corrected_statement() -> None:
    text = ("$$ \\frac{\\partial^2 E_n}{\\partial w_{ji}^{(1)} \\partial w_{kj'}^{(2)}} = x_i h'(a_j) "
            "\\left\\{ \\delta_k I_{jj'} + z_{j'} \\sum_{k'} w_{k'j}^{(2)} M_{kk'} \\right\\} = (5.95) $$")
    got = steps(text)
    assert [s.verdict for s in got] == ["proved", "proved"]
    assert any("corrected" in r for r in got[1].readings)


def test_book_printed_595_fails_with_a_counterexample() -> None:
    text = ("$$ \\frac{\\partial^2 E_n}{\\partial w_{ji}^{(1)} \\partial w_{kj'}^{(2)}} = x_i h'(a_{j'}) "
            "\\left\\{ \\delta_k I_{jj'} + z_j \\sum_{k'} w_{k'j'}^{(2)} H_{kk'} \\right\\} $$")
    (s,) = steps(text)
    assert s.verdict == "failed" and s.counterexample is not None
    assert s.counterexample.indices["j"] != s.counterexample.indices["j'"]


RESCALING = ("$$ \\frac{\\lambda_1}{2} \\sum_{w \\in \\mathcal{W}_1} w^2 + \\frac{\\lambda_2}{2} "
             "\\sum_{w \\in \\mathcal{W}_2} w^2 \\tag{5.121} $$\n\n"
             "$$ w_{ji} \\rightarrow \\frac{1}{a} w_{ji}, \\quad w_{kj} \\rightarrow c w_{kj} $$\n\n")


@pytest.mark.parametrize(("mapping", "expected"), [
    ("\\lambda_1 \\rightarrow a^{2} \\lambda_1, \\quad \\lambda_2 \\rightarrow c^{-2} \\lambda_2", ["proved", "proved"]),
    ("\\lambda_1 \\rightarrow a^{1/2} \\lambda_1, \\quad \\lambda_2 \\rightarrow c^{-1/2} \\lambda_2", ["failed", "failed"]),
])
def test_rescaling_of_the_regulariser(mapping: str, expected: list[str]) -> None:
    got = steps(RESCALING + f"$$ {mapping} $$")
    assert [s.verdict for s in got] == ["definition", "definition", "definition", *expected]
    if expected[0] == "failed":
        assert "a^{2}" in text_latex(got[3].message)


@pytest.mark.parametrize(("text", "expected"), [
    ("$$ \\frac{\\partial E}{\\partial w_{ji}} = \\frac{E(w_{ji} + \\epsilon) - E(w_{ji} - \\epsilon)}{2 \\epsilon} "
     "+ O(\\epsilon^2) $$", ["proved"]),
    ("$$ \\frac{\\partial E}{\\partial w_{ji}} = \\frac{E(w_{ji} + \\epsilon) - E(w_{ji})}{\\epsilon} + O(\\epsilon) $$",
     ["proved"]),
    ("$$ \\frac{\\partial E}{\\partial w_{ji}} = \\frac{E(w_{ji} + \\epsilon) - E(w_{ji})}{\\epsilon} + O(\\epsilon^2) $$",
     ["failed"]),
])
def test_orders_of_finite_differences(text: str, expected: list[str]) -> None:
    assert verdicts(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("$$ \\left( \\mathbf{M} + \\mathbf{v} \\mathbf{v}^{\\mathrm{T}} \\right)^{-1} = \\mathbf{M}^{-1} - "
     "\\frac{(\\mathbf{M}^{-1} \\mathbf{v})(\\mathbf{v}^{\\mathrm{T}} \\mathbf{M}^{-1})}{1 + \\mathbf{v}^{\\mathrm{T}} "
     "\\mathbf{M}^{-1} \\mathbf{v}} $$", ["verified"]),
    ("$$ \\left( \\mathbf{M} + \\mathbf{v} \\mathbf{v}^{\\mathrm{T}} \\right)^{-1} = \\mathbf{M}^{-1} - "
     "\\frac{(\\mathbf{M}^{-1} \\mathbf{v})(\\mathbf{v}^{\\mathrm{T}} \\mathbf{M}^{-1})}{1 - \\mathbf{v}^{\\mathrm{T}} "
     "\\mathbf{M}^{-1} \\mathbf{v}} $$", ["failed"]),
    ("$$ \\mathbf{H}_L = \\alpha \\mathbf{I} + \\sum_{n=1}^{L} \\mathbf{b}_n \\mathbf{b}_n^{\\mathrm{T}} $$\n\n"
     "$$ \\mathbf{H}_{L+1} = \\mathbf{H}_L + \\mathbf{b}_{L+1} \\mathbf{b}_{L+1}^{\\mathrm{T}} $$\n\n"
     "$$ \\mathbf{H}_{L+1} = \\mathbf{H}_L + 2 \\mathbf{b}_{L+1} \\mathbf{b}_{L+1}^{\\mathrm{T}} $$",
     ["definition", "verified", "failed"]),
])
def test_weight_space_matrices(text: str, expected: list[str]) -> None:
    assert verdicts(text) == expected


def test_unreadable_block_does_not_hide_the_others() -> None:
    text = ("$$ \\frac{\\partial E_n}{\\partial w_{kj}^{(2)}} = \\delta_k z_j $$\n\n"
            "$$ \\frac{\\partial E_n}{\\partial a_j} = \\foo{a_j} $$\n\n"
            "$$ \\frac{\\partial E_n}{\\partial w_{kj}^{(2)}} = \\delta_k z_j + 1 $$\n")
    got = steps(text)
    assert [s.verdict for s in got] == ["proved", "unsupported", "failed"]
    assert text_latex(got[1].message).startswith("cannot read:") and "notes.md:3:" in text_latex(got[1].message)


def test_relations_that_are_not_checked_are_reported() -> None:
    got = steps("$$ p(\\mathbf{w}) \\propto \\exp\\left( -\\frac{\\alpha}{2} \\mathbf{w}^{\\mathrm{T}} \\mathbf{w} \\right) $$")
    assert [s.verdict for s in got] == ["unsupported"]
    assert "proportionality" in text_latex(got[0].message)


def test_continued_chain_across_displays() -> None:
    text = ("$$ \\frac{\\partial^2 E_n}{\\partial w_{kj}^{(2)} \\partial w_{k'j'}^{(2)}} = "
            "\\frac{\\partial}{\\partial w_{kj}^{(2)}} \\left( \\delta_{k'} z_{j'} \\right) $$\n\n"
            "$$ = z_j z_{j'} M_{kk'} $$\n")
    assert verdicts(text) == ["proved", "proved"]


# ----------------------------------------------------------------------------- real text, by kind
# Minimal inputs of the kinds met in other people's notes on PRML chapter 5.
@pytest.mark.parametrize(("text", "expected"), [
    # a tagged expression followed by a mapping of a weight: the mapping is in force, no crash
    ("$$ \\frac{\\partial^2 E}{\\partial w_{ji} \\partial w_{lk}} \\tag{5.78} $$\n\n"
     "$$ w_{ji} \\rightarrow \\frac{1}{a} w_{ji} $$", ["definition", "definition"]),
    # PRML 5.91: the gradient evaluated at a shifted weight, central difference
    ("$$\\frac{\\partial^2 E}{\\partial w_{ji}\\,\\partial w_{lk}} = \\frac{1}{2\\epsilon}\\left\\{\\frac{\\partial E}"
     "{\\partial w_{ji}}(w_{lk}+\\epsilon) - \\frac{\\partial E}{\\partial w_{ji}}(w_{lk}-\\epsilon)\\right\\} "
     "+ O(\\epsilon^2)$$", ["proved"]),
    # E given inline in the line before the display
    ("For a sum-of-squares loss $E = \\tfrac{1}{2}\\sum_n (y_n - t_n)^2$, the exact Hessian is\n"
     "$$\\mathbf{H} = \\sum_n \\nabla y_n \\nabla y_n^T + \\sum_n (y_n - t_n)\\nabla\\nabla y_n.$$", ["proved"]),
    # a member that cannot be read does not take the definition away from the other steps
    ("$$ E = \\frac{1}{2}\\sum_{n=1}^N(y_n-t_n)^2 $$\n\n"
     "$$ H = \\nabla\\nabla E = \\nabla(\\sum_{n=1}^N (y_n-t_n)\\nabla y_n) $$", ["definition", "proved", "proved"]),
    # the setting named in words before 5.85 is not modelled over data points: unsupported, not failed
    ("$$ E = \\frac{1}{2}\\sum_{n=1}^{N}(y_n - t_n)^2 $$\n\n"
     "In the case of the cross-entropy error function for a network with logistic sigmoid outputs,\n\n"
     "$$ \\mathbf{H} \\simeq \\sum_{n=1}^{N} y_n (1 - y_n) \\mathbf{b}_n \\mathbf{b}_n^{\\mathrm{T}} $$",
     ["definition", "unsupported"]),
    # a recurrence alone is a definition; a later step that needs it is not failed
    ("$$\\mathbf{H}_{L+1}=\\mathbf{H}_{L}+\\mathbf{b}_{L+1} \\mathbf{b}_{L+1}^{\\mathrm{T}}$$\n\n"
     "$$\\mathbf{H}_{L+1}^{-1}=\\mathbf{H}_{L}^{-1}-\\frac{\\mathbf{H}_{L}^{-1} \\mathbf{b}_{L+1} "
     "\\mathbf{b}_{L+1}^{\\mathrm{T}} \\mathbf{H}_{L}^{-1}}{1+\\mathbf{b}_{L+1}^{\\mathrm{T}} \\mathbf{H}_{L}^{-1} "
     "\\mathbf{b}_{L+1}}$$", ["definition", "unsupported"]),
    # H_N and H_{L+1} are one family: a wrong update is failed
    ("$$ \\mathbf{H}_N = \\sum_{n=1}^{N} \\mathbf{b}_n \\mathbf{b}_n^{\\mathrm{T}} $$\n\n"
     "$$ \\mathbf{H}_{L+1} = \\mathbf{H}_L + 2 \\mathbf{b}_{L+1} \\mathbf{b}_{L+1}^{\\mathrm{T}} $$",
     ["definition", "failed"]),
    # a display starting with '=' after prose continues nothing it can be sure of
    ("$$ a_j = \\sum_i w_{ji} x_i $$\n\nwhere $z_j$\n\n$$ = h(a_j) $$", ["proved", "unsupported"]),
    # a setting shown by a later step does not make an earlier wrong step hold
    ("$$ \\frac{\\partial^2 E_n}{\\partial a_k \\partial a_{k'}} = I_{kk'} $$\n\n"
     "$$ \\frac{\\partial E_n}{\\partial a_k} = y_k - t_k $$", ["failed", "definition"]),
    # an equation of §5.4.6, tagged, reads E as one pattern's error
    ("$$ E = \\frac{1}{2}\\sum_{n=1}^{N}(y_n - t_n)^2 $$\n\n"
     "$$ \\frac{\\partial E}{\\partial w_{kj}} = \\delta_k z_j \\tag{5.108} $$", ["definition", "proved"]),
    # transformations of a bias weight and of the outputs (5.117, 5.118) are definitions
    ("$$ w_{j0} \\to \\widetilde{w}_{j0} = w_{j0} - \\frac{b}{a}\\sum_i w_{ji} $$\n\n"
     "$$ y_k \\to \\widetilde{y}_k = c y_k + d $$", ["definition"] * 4),
    # "neglecting the off-diagonal terms" before a display written with '=' (5.81)
    ("If we now neglect off-diagonal elements in the second-derivative terms, we obtain\n\n"
     "$$\\frac{\\partial^2 E_n}{\\partial a_j^2} = h'(a_j)^2 \\sum_k w_{kj}^2 \\frac{\\partial^2 E_n}{\\partial a_k^2} "
     "+ h''(a_j) \\sum_k w_{kj} \\frac{\\partial E_n}{\\partial a_k}$$", ["approximation"]),
])
def test_kinds_of_real_text(text: str, expected: list[str]) -> None:
    got = ["holds" if v in ("proved", "verified") else v for v in verdicts(text)]
    assert got == ["holds" if v in ("proved", "verified") else v for v in expected]


def test_exercise_517_with_plain_x_and_w() -> None:
    text = ("$$ E = \\frac{1}{2} \\int \\int \\{y(x,w)-t\\}^2\\ p(x,t)\\ \\mathrm{d}x\\mathrm{d}t $$\n\n"
            "$$ \\frac{\\partial^2E}{\\partial w_r \\partial w_s} = \\frac{1}{2} \\frac{\\partial}{\\partial w_r} "
            "\\int\\int 2 \\{y(x,w)-t\\} \\frac{\\partial y(x,w)}{\\partial w_s}\\ p(x,t)\\ \\mathrm{d}x\\mathrm{d}t $$\n")
    assert verdicts(text) == ["definition", "proved"]


def test_a_failed_step_gets_a_verified_correction_unless_turned_off() -> None:
    text = "$$ \\frac{\\partial^2 E_n}{\\partial w_{kj}^{(2)} \\partial w_{k'j'}^{(2)}} = z_j z_j M_{kk'} $$"
    (s,) = steps(text)
    assert s.verdict == "failed" and s.suggestion is not None
    assert s.suggestion.verdict in ("proved", "verified") and "z_{j'}" in s.suggestion.latex
    (t,) = [x for d in check_text(text, "n.md", suggest=False).derivations for x in d.steps]
    assert t.verdict == "failed" and t.suggestion is None


def test_a_heading_of_section_546_reads_e_as_one_pattern_there_only() -> None:
    text = ("$$ E = \\frac{1}{2}\\sum_{n=1}^{N}(y_n - t_n)^2 $$\n\n"
            "## 5.4.6 Fast multiplication by the Hessian\n\n"
            "$$ \\frac{\\partial E}{\\partial w_{kj}} = \\delta_k z_j $$\n\n"
            "## 5.5 Regularization\n\n"
            "$$ \\frac{\\partial E}{\\partial w_{kj}} = \\delta_k z_j $$\n")
    assert verdicts(text) == ["definition", "proved", "unsupported"]
