from __future__ import annotations

import pytest
import sympy as sp

from symhess import network as nw
from symhess.network import NetworkConfig


@pytest.mark.parametrize("cfg, expected", [
    (NetworkConfig(1, 1, 1), 4),
    (NetworkConfig(1, 1, 1, bias=False), 2),
    (NetworkConfig(10, 20, 5), 20 * 11 + 5 * 21),
])
def test_n_weights(cfg: NetworkConfig, expected: int) -> None:
    assert cfg.n_weights == expected


@pytest.mark.parametrize("kw, match", [
    ({"activation": "relu"}, r"^activation 'relu': expected one of"),
    ({"error": "hinge"}, r"^error 'hinge': expected one of"),
])
def test_config_rejects_unknown_functions(kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NetworkConfig(**kw)


def test_symbolic_sizes_by_default() -> None:
    cfg = NetworkConfig()
    assert not cfg.is_concrete
    assert sp.simplify(cfg.n_weights - (nw.SIZES["j"] * (nw.SIZES["i"] + 1)
                                        + nw.SIZES["k"] * (nw.SIZES["j"] + 1))) == 0


def test_definitions_follow_prml() -> None:
    a_j = nw.definition(nw.A_HID[nw.j])
    assert isinstance(a_j, sp.Sum) and a_j.limits[0][2] == nw.SIZES["i"]
    assert nw.definition(nw.Z[nw.j]) == nw.h(nw.A_HID[nw.j])
    a_k = nw.definition(nw.A_OUT[nw.k])
    assert isinstance(a_k, sp.Sum) and a_k.function.has(nw.W2) and a_k.function.has(nw.Z)
    assert nw.definition(nw.DELTA[nw.k]) is None  # δ is a derivative of E_n, not a definition


def test_definition_dummy_avoids_context() -> None:
    taken = frozenset({nw.index("i"), nw.index("i", 1)})
    d = nw.definition(nw.A_HID[nw.j], taken)
    assert d.limits[0][0] == nw.index("i", 2)


def test_error_chain() -> None:
    assert nw.error_chain(nw.E_N) == (nw.DELTA, ())
    assert nw.error_chain(nw.DELTA[nw.k]) == (nw.MM, (nw.k,))
    assert nw.error_chain(nw.Z[nw.j]) is None


def test_letters_and_sizes() -> None:
    assert nw.letter_of(nw.index("k", 3)) == "k"
    assert nw.size_of(nw.jp) == nw.SIZES["j"]


def test_activation_family_differentiates_to_the_next_member() -> None:
    u = sp.Symbol("u")
    assert sp.diff(nw.h(u), u) == nw.hp(u)
    assert sp.diff(nw.hp(u**2), u) == 2 * u * nw.hpp(u**2)
    assert nw.ACTIVATION_CHAIN == nw.ACTIVATION_FAMILY[:4]
    assert [f.code_name for f in nw.ACTIVATION_CHAIN] == ["h", "hp", "hpp", "hppp"]
    assert str(nw.hpp(u)) == "h''(u)"


def test_activation_family_lambdifies_by_code_name() -> None:
    u = sp.Symbol("u")
    f = sp.lambdify([u], nw.h(u) + nw.hp(u), modules=[{"h": lambda v: v, "hp": lambda v: 10 * v}, "numpy"])
    assert f(2.0) == 22.0


def test_weights_in_flat_vector_order_with_biases_and_skip_layer() -> None:
    cfg = NetworkConfig(1, 1, 1, bias=True, skip=True)
    assert cfg.weights() == [nw.W1[1, 0], nw.W1[1, 1], nw.W2[1, 0], nw.W2[1, 1], nw.W3[1, 1]]
    assert len(cfg.weights()) == cfg.n_weights == 5
    assert cfg.lo == 0 and NetworkConfig(1, 1, 1, bias=False).lo == 1
    assert cfg.as_dict() == {"D": 1, "M": 1, "K": 1, "bias": 1}


def test_layers_of_weights() -> None:
    assert nw.layer_of(nw.W1[nw.j, nw.i]) == 1 and nw.layer_of(nw.W2[nw.k, nw.j]) == 2
    assert nw.layer_of(nw.W3[nw.k, nw.i]) == "s" and nw.layer_of(nw.Z[nw.j]) is None
