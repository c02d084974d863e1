"""The handout's figures: finite-difference error, cost of the inverse update, exact vs outer-product gap.

Each figure is computed with :mod:`symhess.numeric` (and the reference loops of
:mod:`symhess.algorithms`) on small problems, so that all three together take a few
seconds, then drawn with matplotlib's Agg backend into a PDF (for TeX) and a PNG (for
Markdown) next to the handout.  The numbers behind a figure are returned as data, so
tests can check what a figure claims without looking at pixels.

>>> data = fd_error_data(eps=(1e-4, 1e-3))
>>> [round(float(np.log10(e)), 0) < -5 for e in data.errors_590]
[True, True]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import numeric as nm
from .algorithms import sequential_inverse
from .render.content import Figure

FIGURE_KEYS = ("fd_error", "inverse_cost", "outer_gap")

_ACT, _ERR = "tanh", "sum_of_squares"


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class FDErrorData:
    """Worst relative error of the finite-difference Hessians (5.90, 5.91) for each ε."""

    eps: tuple[float, ...]
    errors_590: tuple[float, ...]
    errors_591: tuple[float, ...]
    weights: int


def _problem(seed: int, shape: nm.Shape, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.normal(scale=0.8, size=shape.n_weights)
    X = rng.normal(size=(n, shape.D))
    T = rng.normal(size=(n, shape.K))
    return w, X, T


def fd_error_data(eps: Sequence[float] = tuple(10.0 ** np.arange(-7.0, -0.4, 0.5)),
                  seed: int = 0) -> FDErrorData:
    """Relative error of central differences against the exact Hessian, over ``eps``.

    (5.90) differences the error itself (error O(ε²), rounding O(u/ε²));
    (5.91) differences the gradient (O(ε²) and O(u/ε)).
    """
    shape = nm.Shape(D=2, M=3, K=2)
    w, X, T = _problem(seed, shape, 5)
    H = nm.exact_hessian(w, X, T, shape, _ACT, _ERR)
    scale = float(np.max(np.abs(H)))

    def f(u: np.ndarray) -> float:
        return float(nm.error(u, X, T, shape, _ACT, _ERR))

    def g(u: np.ndarray) -> np.ndarray:
        return np.asarray(nm.gradient(u, X, T, shape, _ACT, _ERR))

    e590, e591 = [], []
    for e in eps:
        e590.append(float(np.max(np.abs(nm.finite_difference_hessian(f, w, e) - H))) / scale)
        e591.append(float(np.max(np.abs(nm.finite_difference_hessian_from_gradient(g, w, e) - H))) / scale)
    return FDErrorData(tuple(float(e) for e in eps), tuple(e590), tuple(e591), shape.n_weights)


@dataclass(frozen=True)
class InverseCostData:
    """Seconds to take one more data point into the inverse Hessian, for each W."""

    weights: tuple[int, ...]
    sequential: tuple[float, ...]
    direct: tuple[float, ...]


def _best_time(fn: Callable[[], object], repeats: int, budget: float = 0.03) -> float:
    """The fastest of at least ``repeats`` runs (more while under ``budget`` seconds):
    the minimum is what the machine can do, undisturbed by other processes."""
    best = float("inf")
    spent, n = 0.0, 0
    while n < repeats or (spent < budget and n < 50):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, spent, n = min(best, dt), spent + dt, n + 1
    return best


def inverse_cost_data(weights: Sequence[int] = (25, 50, 100, 200, 400, 800),
                      seed: int = 0, batch: int = 4) -> InverseCostData:
    """Time of the sequential update (5.89) per data point against re-inverting H + αI.

    The update runs :func:`symhess.algorithms.sequential_inverse` on ``batch`` points
    (cost per point reported); the direct route is ``numpy.linalg.inv`` of the W x W
    matrix, which is what adding a point costs without (5.89).
    """
    rng = np.random.default_rng(seed)
    seq, direct = [], []
    for W in weights:
        B = rng.normal(size=(batch, W)) / np.sqrt(W)
        A = B.T @ B + 0.5 * np.eye(W)
        repeats = 5 if W <= 200 else 3
        np.linalg.inv(A)  # warm up BLAS threads and caches
        seq.append(_best_time(lambda: sequential_inverse(B, 0.5), repeats) / batch)
        direct.append(_best_time(lambda: np.linalg.inv(A), repeats))
    return InverseCostData(tuple(int(w) for w in weights), tuple(seq), tuple(direct))


@dataclass(frozen=True)
class OuterGapData:
    """‖H − H_outer‖_F / ‖H‖_F away from the optimum (``distance``) and against N at it."""

    distance: tuple[float, ...]
    gap_distance: tuple[float, ...]
    n_points: tuple[int, ...]
    gap_n: tuple[float, ...]
    gap_n_away: tuple[float, ...]
    away: float
    noise: float


def _gap(w: np.ndarray, X: np.ndarray, T: np.ndarray, shape: nm.Shape) -> float:
    H = nm.exact_hessian(w, X, T, shape, _ACT, _ERR)
    G = nm.outer_product_hessian(w, X, T, shape, _ACT, _ERR)
    return float(np.linalg.norm(H - G) / np.linalg.norm(H))


def outer_gap_data(distance: Sequence[float] = tuple(np.linspace(0.0, 1.0, 11)),
                   n_points: Sequence[int] = (10, 30, 100, 300, 1000, 3000, 10000),
                   noise: float = 0.1, away: float = 0.3, seed: int = 0,
                   repeats: int = 4) -> OuterGapData:
    """The gap between exact and outer-product Hessians for data from a teacher network.

    Targets are the teacher's outputs at ``w*`` plus Gaussian noise; ``distance`` moves
    along a random direction (relative to ‖w*‖); at ``w*`` the gap is the noise's
    share of the residuals and shrinks like N^(-1/2); at distance ``away`` it does not.
    """
    shape = nm.Shape(D=1, M=4, K=1)
    rng = np.random.default_rng(seed)
    w_star = rng.normal(size=shape.n_weights)
    u = rng.normal(size=shape.n_weights)
    u *= np.linalg.norm(w_star) / np.linalg.norm(u)
    X = rng.normal(size=(200, 1))
    Y = nm.forward(w_star, X, shape, _ACT).y
    T = Y + noise * rng.normal(size=Y.shape)
    gd = [_gap(w_star + d * u, X, T, shape) for d in distance]
    gn, ga = [], []
    for n in n_points:
        at, off = [], []
        for _ in range(repeats):
            Xn = rng.normal(size=(n, 1))
            Yn = nm.forward(w_star, Xn, shape, _ACT).y
            Tn = Yn + noise * rng.normal(size=Yn.shape)
            at.append(_gap(w_star, Xn, Tn, shape))
            off.append(_gap(w_star + away * u, Xn, Tn, shape))
        gn.append(float(np.mean(at)))
        ga.append(float(np.mean(off)))
    return OuterGapData(tuple(float(d) for d in distance), tuple(gd),
                        tuple(int(n) for n in n_points), tuple(gn), tuple(ga), away, noise)


# --------------------------------------------------------------------------- drawing
def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "font.size": 9, "axes.titlesize": 9, "legend.fontsize": 8,
        "axes.grid": True, "grid.alpha": 0.3, "pdf.fonttype": 42,
    })
    return plt


def _save(fig, directory: Path, stem: str, key: str) -> Figure:  # type: ignore[no-untyped-def]
    directory.mkdir(parents=True, exist_ok=True)
    pdf = directory / f"{stem}-{key}.pdf"
    png = directory / f"{stem}-{key}.png"
    fig.tight_layout()
    fig.savefig(pdf)
    fig.savefig(png, dpi=150)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return Figure(key, pdf, png)


def draw_fd_error(data: FDErrorData, directory: Path, stem: str) -> Figure:
    """Log–log plot of :class:`FDErrorData` with a slope-2 guide."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 2.9))
    eps = np.array(data.eps)
    ax.loglog(eps, data.errors_590, "o-", ms=3, label="(5.90) central differences of $E$")
    ax.loglog(eps, data.errors_591, "s-", ms=3, label=r"(5.91) central differences of $\nabla E$")
    i = len(eps) - 3
    ref = data.errors_591[i] * (eps / eps[i]) ** 2
    ax.loglog(eps, ref, "k--", lw=0.8, label=r"slope 2: $O(\epsilon^2)$")
    ax.set_xlabel(r"$\epsilon$")
    ax.set_ylabel(r"max $|H_{\mathrm{fd}} - H| \,/\, \max |H|$")
    ax.set_ylim(min(min(data.errors_590), min(data.errors_591)) / 3, 10)
    ax.set_title(f"tanh network, sum-of-squares, W = {data.weights}")
    ax.legend(loc="upper left")
    return _save(fig, directory, stem, "fd_error")


def draw_inverse_cost(data: InverseCostData, directory: Path, stem: str) -> Figure:
    """Log–log plot of :class:`InverseCostData` with slopes 2 and 3 for reference."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 2.9))
    W = np.array(data.weights, dtype=float)
    seq = np.array(data.sequential) * 1e3
    dir_ = np.array(data.direct) * 1e3
    ax.loglog(W, seq, "o-", ms=3, label="sequential update (5.89), per point")
    ax.loglog(W, dir_, "s-", ms=3, label=r"invert $H + \alpha I$ again")
    m = len(W) // 2
    ax.loglog(W, seq[m] * (W / W[m]) ** 2, "k:", lw=0.8, label=r"$O(W^2)$")
    ax.loglog(W, dir_[m] * (W / W[m]) ** 3, "k--", lw=0.8, label=r"$O(W^3)$")
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax.xaxis.set_major_locator(FixedLocator(W.tolist()))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("number of weights $W$")
    ax.set_ylabel("time per added point [ms]")
    ax.legend(loc="upper left")
    return _save(fig, directory, stem, "inverse_cost")


def draw_outer_gap(data: OuterGapData, directory: Path, stem: str) -> Figure:
    """Two panels of :class:`OuterGapData`: against distance, and against N."""
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(6.4, 2.7))
    a1.plot(data.distance, data.gap_distance, "o-", ms=3)
    a1.set_xlabel(r"$\|\mathbf{w} - \mathbf{w}^\star\| \,/\, \|\mathbf{w}^\star\|$")
    a1.set_ylabel(r"$\|H - H_{\mathrm{outer}}\|_F \,/\, \|H\|_F$")
    a1.set_title(f"away from the optimum (N = 200, noise $\\sigma$ = {data.noise:g})")
    n = np.array(data.n_points, dtype=float)
    a2.loglog(n, data.gap_n, "o-", ms=3, label=r"at $\mathbf{w}^\star$")
    a2.loglog(n, data.gap_n_away, "s-", ms=3,
              label=rf"at distance {data.away:g} from $\mathbf{{w}}^\star$")
    a2.loglog(n, data.gap_n[0] * (n / n[0]) ** -0.5, "k--", lw=0.8, label=r"$N^{-1/2}$")
    a2.set_xlabel("number of data points $N$")
    a2.set_title("as N grows")
    a2.legend()
    return _save(fig, directory, stem, "outer_gap")


def inverse_cost_data_isolated(timeout: float = 60.0) -> InverseCostData:
    """:func:`inverse_cost_data` measured in a fresh interpreter with one BLAS thread.

    Both routes then run on one core, as the operation counts assume, and a busy machine
    cannot make a multi-threaded ``inv`` stall; falls back to measuring in-process.
    """
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import json, dataclasses; from symhess.figures import inverse_cost_data; "
            "print(json.dumps(dataclasses.asdict(inverse_cost_data())))")
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=timeout, check=True)
        data = json.loads(proc.stdout)
        return InverseCostData(tuple(data["weights"]), tuple(data["sequential"]), tuple(data["direct"]))
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return inverse_cost_data()


_MAKERS: dict[str, Callable[[Path, str], Figure]] = {
    "fd_error": lambda d, s: draw_fd_error(fd_error_data(), d, s),
    "inverse_cost": lambda d, s: draw_inverse_cost(inverse_cost_data_isolated(), d, s),
    "outer_gap": lambda d, s: draw_outer_gap(outer_gap_data(), d, s),
}


def make_figure(key: str, directory: Path, stem: str) -> Figure:
    """Compute and draw figure ``key`` into ``directory/{stem}-{key}.pdf`` and ``.png``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fig = make_figure("fd_error", Path(d), "h")
    ...     fig.pdf.name, fig.png.exists()
    ('h-fd_error.pdf', True)
    """
    try:
        maker = _MAKERS[key]
    except KeyError:
        raise ValueError(f"unknown figure {key!r}; known: {', '.join(FIGURE_KEYS)}") from None
    return maker(Path(directory), stem)
