"""What the numeric route samples: false proofs from instances that never exercise a statement.

Four kinds (found by review, minimal inputs in each test): the counts N and W fixed at 3 in
every instance; sizes that stop at 3 and free indices tried only at 1 and the size, so a sum
from a constant (j = 4 … M) is always empty and an interior index value never tried; a quantity
evaluated at an index that does not exist (k = 0, n = 0) read as 0; constants drawn positive
only, so that |c| = c held.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symhess import equivalence as eq
from symhess import model as md
from symhess import network as nw
from symhess.check import check_text
from symhess.equivalence import decide
from symhess.evaluate import NotEvaluable, evaluate
from symhess.network import DELTA, W2, Z, j, jp, k
from symhess.notation.interpret import Meaning
from symhess.printing import text_latex

KD = sp.KroneckerDelta
M, K, N, W = nw.SIZES["j"], nw.SIZES["k"], nw.SIZES["n"], nw.SIZES["r"]
n, r = nw.index("n"), nw.index("r")
HOLDS = {"proved", "verified"}


def steps(text: str) -> list[tuple[str, str]]:
    return [(s.verdict, text_latex(s.message)) for d in check_text(text, "case.md").derivations
            for s in d.steps if s.verdict != "definition"]


def verdicts(text: str) -> list[str]:
    return [v for v, _ in steps(text)]


# ------------------------------------------------------------------ N and W are not constants
@pytest.mark.parametrize("latex", [
    r"\sum_{n=1}^{N} 1 = 3",
    r"\sum_{n=1}^{N} 1 = 4",
])
def test_n_is_not_a_constant(latex: str) -> None:
    assert verdicts(f"$$ {latex} $$") == ["failed"]


def test_sum_to_n_is_not_sum_to_3() -> None:
    text = (r"$$ E = \frac{1}{2} \sum_{n=1}^{N} (y_n - t_n)^2 $$" "\n\n"
            r"$$ E = \frac{1}{2} \sum_{n=1}^{3} (y_n - t_n)^2 $$")
    assert verdicts(text) == ["failed"]


def test_sum_to_w_is_not_sum_to_3() -> None:
    d = decide(Meaning(sp.Sum(md.YG[n, r], (r, 1, W))), Meaning(sp.Sum(md.YG[n, r], (r, 1, 3))))
    assert d.verdict == "failed"
    d = decide(Meaning(sp.Sum(md.YN[n], (n, 1, N))), Meaning(sp.Sum(md.YN[n], (n, 1, W))))
    assert d.verdict == "failed"


def test_n_and_w_vary_and_are_reported() -> None:
    d = decide(Meaning(sp.Sum(md.YN[n] ** 2, (n, 1, N))), Meaning(sp.Sum(md.YN[n] * md.YN[n], (n, 1, N))))
    assert d.verdict in HOLDS
    d = decide(Meaning(sp.Abs(sp.Sum(md.YN[n], (n, 1, N)))), Meaning(sp.Abs(sp.Sum(md.YN[n], (n, 1, N)))))
    assert d.verdict in HOLDS
    d = decide(Meaning(sp.Sum(md.YN[n], (n, 1, N)) ** 2), Meaning(sp.Sum(md.YN[n], (n, 1, N)) ** 2 + 0 * N))
    assert d.verdict in HOLDS
    sizes = {(inst.size_env()[N], inst.size_env()[W]) for inst in
             (eq._instance((2, 2, 2), seed, seed) for seed in eq.SEEDS)}
    assert len({s[0] for s in sizes}) > 1 and len({s[1] for s in sizes}) > 1


def test_true_sums_over_data_points_still_hold() -> None:
    assert decide(Meaning(sp.Sum(1, (n, 1, N))), Meaning(N)).verdict in HOLDS
    d = decide(Meaning(sp.Sum(md.YG[n, r] * md.VV[r], (r, 1, W), (n, 1, N))),
               Meaning(sp.Sum(md.YG[n, r] * md.VV[r], (n, 1, N), (r, 1, W))))
    assert d.verdict in HOLDS


# ------------------------------------------------------------------ sizes beyond the constants
@pytest.mark.parametrize("latex", [
    r"\sum_{j=4}^{M} z_j = 0",
    r"\sum_{j'=2}^{M-1} I_{jj'} z_{j'} = 0",
    r"\sum_{j=4}^{M-4} z_j = 0",
    r"\sum_{j'=4}^{M} I_{jj'} z_{j'} = \sum_{j'=5}^{M} I_{jj'} z_{j'}",
    r"\sum_{k=3}^{K} \delta_k = 0",
    r"\sum_{n=5}^{N} (y_n - t_n) = 0",
])
def test_ranges_from_constants_have_an_interior(latex: str) -> None:
    assert verdicts(f"$$ {latex} $$") == ["failed"]


@pytest.mark.parametrize("latex", [
    r"\sum_{j=4}^{M} z_j = \sum_{j=4}^{M} z_j + \sum_{j'=1}^{M} 0",
    r"\sum_{j'=2}^{M} I_{jj'} z_{j'} + \sum_{j'=1}^{1} I_{jj'} z_{j'} = z_j",
    r"\sum_{j=1}^{M} z_j = \sum_{j=1}^{1} z_j + \sum_{j=2}^{M} z_j",
])
def test_true_statements_with_constant_bounds_still_hold(latex: str) -> None:
    assert verdicts(f"$$ {latex} $$")[0] in HOLDS


def test_interior_index_values_are_tried_when_bounds_have_constants() -> None:
    # false at M ≥ 3 for j = 2 only (j = 1 and j = M are outside 2..M − 1)
    d = decide(Meaning(sp.Sum(KD(j, jp) * Z[jp], (jp, 2, M - 1))), Meaning(sp.S.Zero))
    assert d.verdict == "failed" and 1 < d.counterexample.indices["j"] < d.counterexample.sizes["M"]


def test_common_case_patterns_unchanged() -> None:
    """Sums 1..M and 0..M with no other constants: boundary values only, as cheap as before."""
    assert {p[j] for p in eq._patterns([j], {"j": 3})} == {1, 3}
    assert eq._breakpoints(sp.Sum(Z[j], (j, 1, M)), sp.Sum(W2[k, j] * Z[j], (j, 0, M))) == {}


# ------------------------------------------------------------------ index 0 does not exist
@pytest.mark.parametrize("latex", [
    r"\sum_{k=0}^{K} \delta_k = \sum_{k=1}^{K} \delta_k",
    r"\sum_{n=0}^{N} (y_n - t_n) = \sum_{n=1}^{N} (y_n - t_n)",
])
def test_index_zero_of_a_unit_without_one_is_not_zero(latex: str) -> None:
    ((v, msg),) = steps(f"$$ {latex} $$")
    assert v == "unsupported" and "0" in msg


def test_evaluating_at_a_missing_unit_raises() -> None:
    inst = eq._instance((2, 2, 2), 0, 0, True)
    for e in (DELTA[0], md.YN[0], md.TN[0], nw.T[0], nw.A_OUT[0], nw.MM[0, 1], md.YG[1, 0], md.VV[0],
              W2[0, 1], md.YxG(0.3, 0)):
        with pytest.raises(NotEvaluable):
            evaluate(e, inst, {})
    # the bias units exist: x_0 = z_0 = 1, w_{j0}, w_{k0}
    assert evaluate(nw.X[0], inst, {}) == 1.0 and evaluate(Z[0], inst, {}) == 1.0
    assert evaluate(nw.W1[1, 0], inst, {}) != 0.0 and evaluate(W2[1, 0], inst, {}) != 0.0


def test_bias_sums_still_hold() -> None:
    d = decide(Meaning(nw.A_OUT[k]), Meaning(sp.Sum(W2[k, j] * Z[j], (j, 0, M))))
    assert d.verdict == "verified"
    assert verdicts(r"$$ \sum_{i=0}^{D} w_{ji}^{(1)} x_i = \sum_{i=1}^{D} w_{ji}^{(1)} x_i $$") == ["failed"]


# ------------------------------------------------------------------ constants of either sign
@pytest.mark.parametrize("latex", [
    r"|c| = c",
    r"(a^2)^{1/2} = a",
    r"|a b| = a b",
])
def test_constants_are_taken_negative_too(latex: str) -> None:
    assert verdicts(f"$$ {latex} $$") == ["failed"]


def test_abs_of_a_constant_is_never_verified() -> None:
    c = md.Parameter("c")
    assert decide(Meaning(sp.Abs(c)), Meaning(c)).verdict == "failed"
    assert decide(Meaning(sp.Abs(c) ** 2), Meaning(c ** 2)).verdict in HOLDS


def test_positive_only_sides_say_so() -> None:
    ((v, msg),) = steps(r"$$ \ln(a^2) = 2 \ln a $$")
    assert v == "verified" and "constants taken positive" in msg
    a = md.Parameter("a")
    d = decide(Meaning(sp.log(a ** 2)), Meaning(2 * sp.log(a) + 1))
    assert d.verdict == "failed"


def test_constants_of_both_signs_without_note() -> None:
    ((v, msg),) = steps(r"$$ (a + b)^2 = a^2 + 2 a b + b^2 + 0 a $$")
    assert v in HOLDS and "positive" not in msg
