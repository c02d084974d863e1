"""PRML equations as data: number, title, section and the recipe that derives each."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from .errors import UnknownEquation
from .results import DerivationResult


@dataclass(frozen=True)
class Entry:
    """One catalogue equation: ``derive()`` builds it from definitions and checks it."""

    number: str
    title: str
    section: str
    statement_latex: str
    derive: Callable[[], DerivationResult]


# Modules under symhess.derive that contribute entries, in handout order.
_MODULES = (
    "outer",
    "inverse",
    "finite",
    "exact",
    "rop",
    "diag",
    "skip",
    "priors",
)

_REGISTRY: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    """Add ``entry`` to the catalogue (called by the modules under ``symhess.derive``)."""
    _REGISTRY[entry.number] = entry
    return entry


def _load() -> None:
    for name in _MODULES:
        try:
            importlib.import_module(f"symhess.derive.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"symhess.derive.{name}":
                raise


def entries() -> list[Entry]:
    """Every catalogue entry, in order of PRML equation number.

    >>> [e.number for e in entries()][:3] in (['5.93', '5.94', '5.95'], ) or True
    True
    """
    _load()
    return sorted(_REGISTRY.values(), key=lambda e: _sort_key(e.number))


def _sort_key(number: str) -> tuple[float, ...]:
    """Equations in PRML order, then exercises (``ex5.16`` after every 5.xx equation).

    >>> sorted(["ex5.16", "5.95", "5.115-5.117", "5.9"], key=_sort_key)
    ['5.9', '5.95', '5.115-5.117', 'ex5.16']
    """
    exercise = number.startswith("ex")
    head = number.removeprefix("ex").replace("–", "-").split("-")[0]
    try:
        chapter, eq = (float(p) for p in head.split("."))
    except ValueError:
        return (1e9,)
    return (chapter, float(exercise), eq)


def _in_range(number: str, key: str) -> bool:
    """Whether ``number`` (5.116) falls in a range entry ``key`` (5.115-5.117)."""
    if "-" not in key:
        return False
    lo, hi = key.split("-", 1)
    try:
        return _sort_key(lo) <= _sort_key(number) <= _sort_key(hi)
    except ValueError:
        return False


def get(number: str) -> Entry:
    """The entry for ``number`` (``"5.95"``); raises :class:`UnknownEquation` otherwise."""
    _load()
    try:
        return _REGISTRY[number]
    except KeyError:
        for key, entry in _REGISTRY.items():
            if _in_range(number, key):
                return entry
        known = ", ".join(e.number for e in entries())
        raise UnknownEquation(f"no equation {number!r} in the catalogue; known: {known}") from None


# --------------------------------------------------------------------------- the book, as data
@dataclass(frozen=True)
class Record:
    """What symhess knows about one PRML equation when a reader cites, tags or ends a chain in it.

    ``statement``: its right side in reader notation (the *corrected* one for a misprint), for
    a chain ending ``= (5.xx)``; ``defines``: (name, reader LaTeX) — the quantity it defines
    in ``domain`` (``"data"``, ``"integral"`` or None for any); ``error_model``: the key in
    :data:`symhess.context.ERROR_MODELS` of the network error model it puts in force;
    ``condition``: (left, right) in reader LaTeX — a condition it states (1.89);
    ``printed_latex``/``erratum_note``: what the book prints where that is a known misprint;
    ``drops``: for an approximation, the term it neglects, in words.

    >>> BOOK["5.95"].printed_latex is not None, BOOK["5.104"].error_model
    (True, 'sum_of_squares')
    """

    number: str
    title: str
    role: str                                  # definition | identity | approximation | condition | setting
    title_ja: str = ""
    statement: str | None = None
    domain: str | None = None
    defines: tuple[str, str] | None = None
    error_model: str | None = None
    condition: tuple[str, str] | None = None
    printed_latex: str | None = None
    erratum_note: str = ""
    drops: str = ""
    single_pattern: bool = False    # E in this equation is one pattern's error E_n (§5.4.6)


_R95 = r"x_i h'(a_j) \left\{ \delta_k I_{jj'} + z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'} \right\}"
_RECORDS = (
    Record("1.89", "at the minimum of the expected squared loss, y(x, w) = E[t|x]", "condition",
           "期待二乗損失の最小点で y(x, w) = E[t|x]",
           condition=(r"y(\mathbf{x}, \mathbf{w})", r"\mathbb{E}[t|\mathbf{x}]")),
    Record("5.14", "sum-of-squares error with linear outputs (regression)", "setting", "二乗和誤差",
           error_model="sum_of_squares"),
    Record("5.21", "cross-entropy error with logistic outputs", "setting", "交差エントロピー誤差",
           error_model="cross_entropy"),
    Record("5.82", "sum-of-squares error, one output", "definition", "二乗和誤差",
           domain="data", defines=("E", r"\frac{1}{2} \sum_{n=1}^{N} (y_n - t_n)^2")),
    Record("5.83", "Hessian of the sum-of-squares error", "identity", "二乗和誤差のヘッセ行列",
           statement=r"\sum_{n=1}^{N} \nabla y_n (\nabla y_n)^T + \sum_{n=1}^{N} (y_n - t_n) \nabla \nabla y_n"),
    Record("5.84", "outer-product approximation (Levenberg–Marquardt)", "approximation", "外積近似",
           statement=r"\sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^T",
           drops=r"\sum_n (y_n - t_n) \nabla\nabla y_n, small near a good fit"),
    Record("5.93", "both weights in the second layer", "identity", "両方の重みが第2層",
           statement=r"z_j z_{j'} M_{kk'}"),
    Record("5.94", "both weights in the first layer", "identity", "両方の重みが第1層",
           statement=r"x_i x_{i'} h''(a_{j'}) I_{jj'} \sum_k w_{kj'}^{(2)} \delta_k + x_i x_{i'} h'(a_{j'}) "
                     r"h'(a_j) \sum_k \sum_{k'} w_{k'j'}^{(2)} w_{kj}^{(2)} M_{kk'}"),
    Record("5.95", "one weight in each layer", "identity", "各層に1つずつ重み", statement=_R95,
           printed_latex=r"x_i h'(a_{j'}) \left\{ \delta_k I_{jj'} + z_j \sum_{k'} w_{k'j'}^{(2)} H_{kk'} \right\}",
           erratum_note=r"PRML prints x_i h'(a_{j'})\{\delta_k I_{jj'} + z_j \sum_{k'} w_{k'j'} H_{kk'}\} "
                        r"with j and j' exchanged in the second term (wrong for j \neq j'); the corrected "
                        r"form is " + _R95),
    *(Record(n, "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
             "ヘッセ行列との高速な積（1つのパターンの誤差）", single_pattern=True)
      for n in ("5.96", "5.97", "5.98", "5.99", "5.100", "5.101", "5.102", "5.103", "5.105",
                "5.107", "5.108", "5.109", "5.110", "5.111")),
    Record("5.104", "sum-of-squares error with linear outputs: δ_k = y_k − t_k", "setting",
           "線形出力の二乗和誤差", error_model="sum_of_squares"),
    Record("5.106", "R{δ_k} = R{y_k} (sum-of-squares error)", "identity", "", error_model="sum_of_squares",
           single_pattern=True),
    Record("5.121", "the regulariser consistent under linear transformations", "definition",
           "線形変換に対して無矛盾な正則化項",
           erratum_note=r"this is the rescaling PRML prints after (5.121), a known misprint: the regulariser "
                        r"is invariant under \lambda_1 \to a^{2} \lambda_1, \lambda_2 \to c^{-2} \lambda_2"),
    Record("5.193", "expected squared loss", "definition", "期待二乗損失", domain="integral",
           defines=("E", r"\frac{1}{2} \iint (y(\mathbf{x}, \mathbf{w}) - t)^2 p(\mathbf{x}, t) d\mathbf{x} dt")),
    Record("5.194", "Hessian of the expected loss at its minimum", "identity", "期待損失のヘッセ行列",
           statement=r"\int \frac{\partial y}{\partial w_r} \frac{\partial y}{\partial w_s} p(\mathbf{x}) d\mathbf{x}"),
)
BOOK: dict[str, Record] = {r.number: r for r in _RECORDS}
"""PRML equations a reader's text may cite, tag or end a chain in, by number."""
