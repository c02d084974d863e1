from __future__ import annotations

import re

import pytest
import sympy as sp

from symhess import model as md
from symhess import network as nw
from symhess.calculus import provably_equal
from symhess.notation.interpret import Context, IllFormed, Unsupported, interpret
from symhess.notation.parser import parse_chain
from symhess.network import A_HID, A_OUT, DELTA, MM, W1, W2, X, Z, hp, i, j, jp, k, kp

KD = sp.KroneckerDelta
K = nw.SIZES["k"]


def meaning(tex: str, ctx: Context = Context()):
    return interpret(parse_chain(tex + " = 0").members[0].expr, ctx)


@pytest.mark.parametrize("tex, expected", [
    (r"w_{kj}^{(2)}", W2[k, j]),
    (r"w_{ji}", W1[j, i]),                                         # letters tell the layer
    (r"w_{k'j'}", W2[kp, jp]),
    (r"a_j", A_HID[j]), (r"a_{k'}", A_OUT[kp]),
    (r"h(a_j)", Z[j]),
    (r"I_{jj'}", KD(j, jp)),
    (r"\frac{\partial E_n}{\partial a_k}", DELTA[k]),
    (r"\frac{\partial^2 E_n}{\partial a_k \partial a_{k'}}", MM[k, kp]),
    (r"\frac{\partial}{\partial w_{kj}^{(2)}} z_{j'} \delta_{k'}", Z[j] * Z[jp] * MM[k, kp]),
    (r"z_{j'} \frac{\partial}{\partial a_{k'}} z_j \delta_k", Z[j] * Z[jp] * MM[k, kp]),  # z_j upstream
    (r"\delta_j", hp(A_HID[j]) * sp.Sum(W2[k, j] * DELTA[k], (k, 1, K))),       # 5.56
    (r"\sum_{k'} w_{k'j} M_{kk'}", sp.Sum(W2[kp, j] * MM[k, kp], (kp, 1, K))),
    (r"\frac{\partial a_{j'}}{\partial w_{ji}^{(1)}}", X[i] * KD(j, jp)),
])
def test_meanings(tex: str, expected: sp.Expr) -> None:
    m = meaning(tex)
    assert m.shape == "scalar"
    assert provably_equal(m.expr, expected), (m.expr, expected)


def test_operator_applies_to_rest_of_product() -> None:
    a = meaning(r"\frac{\partial}{\partial a_j} h'(a_{j'}) x_i")
    b = meaning(r"x_i \frac{\partial}{\partial a_j} h'(a_{j'})")
    assert provably_equal(a.expr, b.expr)


def test_shapes_of_model_quantities() -> None:
    assert meaning(r"\nabla y_n").shape == "column vector"
    assert meaning(r"(\nabla y_n)^T").shape == "row vector"
    assert meaning(r"\nabla y_n (\nabla y_n)^T").shape == "matrix"
    assert meaning(r"\nabla \nabla E").shape == "matrix"
    assert meaning(r"(\nabla y_n)^T \nabla y_n").shape == "scalar"


def test_nabla_binds_to_named_quantity() -> None:
    m = meaning(r"\sum_n \nabla y_n (\nabla y_n)^T")
    expected = sp.Sum(md.YG[nw.n, sp.Symbol("r_1", integer=True)] * md.YG[nw.n, sp.Symbol("s_1", integer=True)],
                      (nw.n, 1, nw.SIZES["n"]))
    assert provably_equal(m.expr, expected)


def test_bare_sum_after_factor_carrying_n_binds_the_product() -> None:
    m = meaning(r"\frac{\partial y_n}{\partial \mathbf{w}} \sum (y_n - t_n)")
    assert isinstance(m.expr, sp.Sum) and m.shape == "column vector"
    assert any("bare" in r for r in m.readings)


def test_reverse_chain_rule_order_is_read_and_recorded() -> None:
    m = meaning(r"\frac{\partial}{\partial y_n} \frac{\partial y_n}{\partial \mathbf{w}} \frac{1}{2} \sum (y_n - t_n)^2")
    g = meaning(r"\nabla \frac{1}{2} \sum_n (y_n - t_n)^2")
    assert provably_equal(m.expr, g.expr.xreplace({}))
    assert any("reverse chain-rule" in r for r in m.readings)


def test_cited_definition_is_used() -> None:
    E = sp.Rational(1, 2) * sp.Sum((md.YN[nw.n] - md.TN[nw.n]) ** 2, (nw.n, 1, nw.SIZES["n"]))
    m = meaning(r"\nabla\nabla E", Context((("E", E),)))
    assert m.expr.has(md.YH) and not m.expr.has(md.EH)


def test_integral_and_free_x() -> None:
    m = meaning(r"\frac{\partial y}{\partial w_s} \int \int (y(\mathbf{x}, \mathbf{w}) - t) p(\mathbf{x}, t) d\mathbf{x} dt")
    assert m.expr.has(sp.Integral) and m.expr.has(md.YxG)


@pytest.mark.parametrize("tex, match", [
    (r"\mathcal{R}\{y_n\}", r"^R\\\{\\cdot\\\} is supported on scalar quantities of the two-layer"),
    (r"w_{ik}", r"^w_\{ik\}: a first-layer weight is"),
    (r"q_j", r"^unknown quantity q_\{j\}"),
    (r"\sum f_k", r"^a bare \\sum"),
    (r"\frac{\partial E_n}{\partial x_i}", r"^differentiation with respect to x_\{i\}"),
])
def test_unsupported_says_why(tex: str, match: str) -> None:
    with pytest.raises(Unsupported, match=r"^1:\d+: ") as ei:
        meaning(tex)
    assert re.match(match, ei.value.reason), ei.value.reason


def test_adding_matrix_and_vector_is_ill_formed() -> None:
    with pytest.raises(IllFormed, match=r"^1:\d+: adds a matrix and a column vector"):
        meaning(r"\nabla \nabla y_n + \nabla y_n")
