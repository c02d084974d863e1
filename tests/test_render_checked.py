"""Tests for symhess.render.checked: the annotated copy of a reader's notes."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from symhess.render import checked
import sympy as sp
from symhess.network import MM, Z, j, jp, k, kp

NOTES = r"""# My notes

Some prose with $x_i$ and `code_name`.

$$\begin{aligned}
\frac{\partial^2 E_n}{\partial w_{kj} \partial w_{k'j'}} &= z_{j'} \frac{\partial}{\partial a_{k'}} z_j \delta_k \\
&= z_j z_{j'} M_{kk'} \quad (\because (5.92)) \\
&= z_j M_{kk'}
\end{aligned} \tag{5}$$

Closing words.
"""


def report_for(text: str) -> NS:
    line = text.splitlines().index(r"$$\begin{aligned}") + 1
    steps = (
        NS(index=1, line=line + 1, verdict="proved", message="equal", justification=None, residual=None),
        NS(index=2, line=line + 2, verdict="proved", message="equal", justification=r"\because (5.92)", residual=None),
        NS(index=3, line=line + 3, verdict="failed", message="the right side is missing z_{j'}",
           justification=None, residual=Z[j] * (Z[jp] - 1) * MM[k, kp]),
    )
    return NS(path="notes.md", derivations=(NS(line=line, verdict="failed", steps=steps, xfail=None, message=""),))


def blocks(text: str) -> list:
    from symhess.documents import blocks_from_text
    return blocks_from_text(text, "notes.md")


def test_chain_members_cut_off_justifications_and_tags() -> None:
    members, rels = checked.chain_members(NOTES.split("$$")[1])
    assert len(members) == 4 and rels == ["=", "=", "="]
    assert members[2] == "z_j z_{j'} M_{kk'}"


def test_split_notes_keeps_prose_and_pairs_blocks_with_reports() -> None:
    pieces = checked.split_notes(NOTES, blocks(NOTES), report_for(NOTES))
    assert [p.kind for p in pieces] == ["prose", "block", "prose"]
    assert pieces[1].derivation is not None
    assert "".join(p.text for p in pieces if p.kind == "prose").strip().endswith("Closing words.")


def test_markdown_marks_each_step_and_shows_the_residual() -> None:
    pieces = checked.split_notes(NOTES, blocks(NOTES), report_for(NOTES))
    out = checked.document_md(pieces, "notes.md", "en")
    assert out.count(r"\tag*{✓}") == 2 and out.count(r"\tag*{✗}") == 1
    assert r"\text{residual:}\ z_{j} M_{kk'} \left(z_{j'} - 1\right)" in out
    assert "Some prose with $x_i$" in out and "Closing words." in out
    assert "✗ step 3, line" in out


def test_tex_marks_each_step() -> None:
    pieces = checked.split_notes(NOTES, blocks(NOTES), report_for(NOTES))
    doc = checked.document_tex(pieces, "notes.md", "ja", tex_source=False)
    assert doc.count(r"\tag*{\cmark}") == 2 and doc.count(r"\tag*{\xmark}") == 1
    assert r"\textcolor{v-failed}{\text{残差:}\ z_{j} M_{kk'} \left(z_{j'} - 1\right)}" in doc
    assert r"\section*{My notes}" in doc and r"\texttt{code\_name}" in doc


def test_block_that_does_not_split_into_the_chain_is_shown_as_written() -> None:
    rep = report_for(NOTES)
    rep.derivations[0].steps = rep.derivations[0].steps[:1]  # the checker saw one step only
    pieces = checked.split_notes(NOTES, blocks(NOTES), rep)
    out = checked.document_md(pieces, "notes.md", "en")
    assert "(no derivation chain found)" in out and r"\tag{5}" in out


def test_real_checker_report(tmp_path: Path) -> None:
    check = pytest.importorskip("symhess.check")
    notes = tmp_path / "n.md"
    notes.write_text("$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} = 2 z_j z_{j'} M_{kk'} $$\n", encoding="utf-8")
    rep = check.check_paths([notes]).files[0]
    from symhess.documents import find_blocks
    pieces = checked.split_notes(notes.read_text(encoding="utf-8"), find_blocks(notes), rep)
    out = checked.document_md(pieces, str(notes), "en")
    assert r"\tag*{✓}" in out and r"\tag*{✗}" in out


def test_step_notes_show_a_suggestion() -> None:
    step = NS(index=2, line=5, verdict="failed", message="the right side is missing z_{j'}", justification=None,
              residual=Z[jp], suggestion=NS(latex=r"z_j z_{j'} M_{kk'}", edit="adds z_{j'}", verdict="proved"))
    der = NS(line=3, verdict="failed", steps=(step,), xfail=None, message="")
    (md_note,) = checked.step_notes(der, "en", markdown=True)
    assert "did you mean: $z_j z_{j'} M_{kk'}$" in md_note and md_note.endswith("✓")
    (tex_note,) = checked.step_notes(der, "ja")
    assert "修正案" in tex_note and tex_note.endswith(r"\cmark")
