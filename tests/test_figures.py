"""Tests for symhess.figures: what each figure claims, checked on its data; files written."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from symhess import figures  # noqa: E402


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(np.log10(x), np.log10(y), 1)[0])


def test_fd_error_has_slope_two_then_rounding() -> None:
    d = figures.fd_error_data(eps=tuple(10.0 ** np.arange(-7.0, -0.9, 1.0)))
    eps, e590, e591 = np.array(d.eps), np.array(d.errors_590), np.array(d.errors_591)
    big = eps >= 1e-3
    assert 1.8 < _slope(eps[big], e590[big]) < 2.2
    assert 1.8 < _slope(eps[big], e591[big]) < 2.2
    # (5.90) divides rounding error by eps^2: tiny eps is worse than the best eps
    assert e590[0] > 100 * e590.min()
    assert d.weights == 17


def test_inverse_cost_direct_grows_faster() -> None:
    d = figures.inverse_cost_data(weights=(40, 320))
    seq, direct = np.array(d.sequential), np.array(d.direct)
    assert direct[-1] > seq[-1]
    assert direct[-1] / direct[0] > seq[-1] / seq[0]


def test_outer_gap_vanishes_only_at_the_optimum() -> None:
    d = figures.outer_gap_data(distance=(0.0, 0.3, 0.6), n_points=(30, 3000), repeats=2)
    assert d.gap_distance[0] < 0.05 < d.gap_distance[1] < d.gap_distance[2]
    assert d.gap_n[1] < d.gap_n[0] / 3          # ~ N^(-1/2) at w*
    assert min(d.gap_n_away) > 0.1              # more data does not help away from w*


def test_make_figure_writes_pdf_and_png(tmp_path: Path) -> None:
    fig = figures.make_figure("outer_gap", tmp_path, "h")
    assert fig.pdf == tmp_path / "h-outer_gap.pdf" and fig.pdf.read_bytes().startswith(b"%PDF")
    assert fig.png.read_bytes().startswith(b"\x89PNG")


def test_unknown_figure() -> None:
    with pytest.raises(ValueError, match="unknown figure 'x'; known: fd_error"):
        figures.make_figure("x", Path("."), "h")
