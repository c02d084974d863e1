"""Tests of symhess.benchrun: the records, the two derivation routes, the check rows, the CLI."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from symhess import benchrun
from symhess.benchrun import BenchRecord, ours_route, target_record, twenty_step_text
from symhess.check import check_text
from symhess.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]


def test_record_json_contract_and_ratio() -> None:
    r = BenchRecord("derive", 0.25, "naive", 5.0, note="n")
    assert r.to_json() == {"name": "derive", "ours_s": 0.25, "baseline": "naive",
                           "baseline_s": 5.0, "ratio": 20.0}
    assert BenchRecord("x", 0.0, "y", 1.0).ratio == math.inf


@pytest.mark.parametrize(("ours", "target", "ratio", "label"), [
    (1.0, 2.0, 2.0, "target 2 s"), (30.0, 15.0, 0.5, "target 15 s")])
def test_target_rows_put_the_target_in_the_baseline(ours: float, target: float, ratio: float,
                                                    label: str) -> None:
    r = target_record("check", ours, target)
    assert (r.baseline, r.baseline_s, r.ratio) == (label, target, ratio)


def test_the_twenty_step_file_has_twenty_correct_steps() -> None:
    rep = check_text(twenty_step_text(), "twenty.md")
    steps = [s for d in rep.derivations for s in d.steps]
    assert len(steps) == 20
    assert {d.verdict for d in rep.derivations} == {"ok"}


def test_twenty_steps_refuses_a_count_the_corpus_cannot_make() -> None:
    with pytest.raises(ValueError, match=r"^the corpus's correct chains cannot make exactly 3 steps"):
        twenty_step_text(steps=3)


def test_ours_proves_593_594_and_finds_the_printed_595_wrong() -> None:
    assert ours_route(["5.93", "5.94", "5.95"]) == {"5.93": True, "5.94": True, "5.95": False}


def test_piecewise_range_conditions_are_read_inside_the_ranges() -> None:
    p, K = sp.Symbol("p", integer=True), sp.Symbol("K", integer=True, positive=True)
    x = sp.Symbol("x")
    pw = sp.Piecewise((x, (p >= 1) & (K >= p)), (0, True))
    assert benchrun._in_range(pw + 1) - (x + 1) == 0
    other = sp.Piecewise((x, sp.Eq(p, 2)), (0, True))  # not a range condition: kept
    assert benchrun._in_range(other).has(sp.Piecewise)


def test_derivatives_of_h_are_named_whatever_the_dummy() -> None:
    h, a = sp.Function("h"), sp.Symbol("a")
    u, v = sp.Symbol("u"), sp.Dummy("xi")
    one = sp.Subs(sp.Derivative(h(u), (u, 2)), u, a)
    two = sp.Subs(sp.Derivative(h(v), (v, 2)), v, a)
    assert benchrun._named_derivatives(one - two) == 0
    assert benchrun._named_derivatives(one) == sp.Function("h''")(a)


def test_the_worker_times_one_route_in_a_fresh_process() -> None:
    done = subprocess.run([sys.executable, "-m", "symhess.benchrun", "worker", "ours", "5.93"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.splitlines()[-1])
    assert data["equal"] == {"5.93": True} and 0 < data["seconds"] < 60


def test_run_benchmarks_groups_and_the_cli_json(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple] = []

    def fake_derive(numbers, runs, cap=benchrun.NAIVE_CAP_S, progress=None):
        calls.append(("derive", tuple(numbers), runs))
        return BenchRecord("derive", 0.1, "naive", 1.0)

    def fake_check(runs, corpus=benchrun.CORPUS, progress=None):
        calls.append(("check", runs))
        return [target_record("check 20-step file", 0.5, 2.0)]

    def fake_derive_all(runs, progress=None):
        calls.append(("derive all", runs))
        return target_record("derive all", 5.0, 10.0)

    monkeypatch.setattr(benchrun, "bench_derive", fake_derive)
    monkeypatch.setattr(benchrun, "bench_derive_all", fake_derive_all)
    monkeypatch.setattr(benchrun, "bench_check", fake_check)
    from symhess import bench
    monkeypatch.setattr(bench, "bench_exact_hessian",
                        lambda *a, **k: bench.BenchRecord("exact", 0.01, "autograd.hessian", 1.0))
    monkeypatch.setattr(bench, "bench_hvp",
                        lambda *a, **k: bench.BenchRecord("hvp", 0.01, "autograd.hvp", 0.02))
    seen: list[str] = []
    quick = benchrun.run_benchmarks(quick=True, progress=seen.append)
    assert [r.name for r in quick] == ["derive", "derive all", "exact", "hvp", "check 20-step file"]
    assert calls == [("derive", ("5.93",), 3), ("derive all", 1), ("check", 3)]
    assert seen  # progress was reported
    full = benchrun.run_benchmarks(quick=False, progress=None)
    assert [r.name for r in full] == ["derive", "derive all", "exact", "hvp", "exact", "hvp",
                                      "check 20-step file"]
    assert calls[3:5] == [("derive", ("5.93", "5.94", "5.95"), 3), ("derive all", 3)]
    assert cli_main(["bench", "--quick", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [set(b) for b in out["benchmarks"]] == [
        {"name", "ours_s", "baseline", "baseline_s", "ratio"}] * 5
    assert out["benchmarks"][0]["ratio"] == pytest.approx(10.0)


def test_a_capped_naive_run_is_reported_as_a_lower_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_worker(route, numbers, timeout):
        return (0.2, {"5.93": True}) if route == "ours" else (timeout, None)

    monkeypatch.setattr(benchrun, "_worker_seconds", fake_worker)
    r = benchrun.bench_derive(["5.93"], runs=2, cap=7.0)
    assert (r.baseline, r.baseline_s, r.ratio) == ("naive SymPy (>= 7 s cap)", 7.0, 35.0)
    assert "lower bound" in r.note


@pytest.mark.slow
def test_naive_route_agrees_with_ours_on_593_and_595() -> None:
    assert benchrun.naive_route(["5.93", "5.95"]) == {"5.93": True, "5.95": False}


@pytest.mark.slow
def test_check_rows_measure_the_cli_against_the_targets() -> None:
    rows = benchrun.bench_check(runs=1)
    assert [r.baseline for r in rows[:3]] == ["target 2 s", "target 3 s", "target 3 s"]
    assert "tests/cases" in rows[2].name
    assert rows[3].baseline_s == pytest.approx(3.0 / int(rows[1].name.split("; ")[1].split()[0]))
    assert all(r.ours_s > 0 for r in rows)


# --------------------------------------------------------------------------- check speed
def _fake_walls(monkeypatch: pytest.MonkeyPatch, seconds: dict[str, list[float]]) -> list[str]:
    """``_wall`` answering from ``seconds`` (by the path's name), warm-up runs included."""
    seen: list[str] = []

    def wall(cmd, timeout=120.0):
        name = Path(cmd[-1]).name
        seen.append(name)
        return seconds[name].pop(0)

    monkeypatch.setattr(benchrun, "_wall", wall)
    return seen


def test_check_speed_takes_the_median_of_alternating_runs(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("$$ a = b $$\n\n$$ M_{kk'} = M_{k'k} $$\n", encoding="utf-8")
    seen = _fake_walls(monkeypatch, {"derivations": [9.0, 2.0, 2.6, 2.4],
                                     "cases": [9.0, 3.5, 3.1, 3.2],
                                     "notes.md": [9.0, 1.0, 1.2, 1.1]})
    rows = benchrun.run_benchmarks(quick=True, notes=notes, check_only=True)
    assert seen == ["derivations", "cases", "notes.md"] * 4  # one warm-up, then 3 rounds
    assert [(r.name, r.ours_s, r.met) for r in rows] == [
        ("check corpus (derivations/)", 2.4, True), ("check tests/cases", 3.2, False),
        ("check real notes (notes.md)", 1.1, True)]
    assert rows[2].displays == 2 and rows[2].runs_s == (1.0, 1.2, 1.1)
    assert rows[2].speed_json() == {"name": "check real notes (notes.md)", "path": str(notes),
                                    "displays": 2, "median_s": 1.1, "target_s": 3.0, "met": True,
                                    "runs_s": [1.0, 1.2, 1.1]}
    assert set(rows[0].to_json()) == {"name", "ours_s", "baseline", "baseline_s", "ratio"}


def test_a_missing_notes_file_gives_no_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_walls(monkeypatch, {"derivations": [1.0] * 2, "cases": [1.0] * 2})
    said: list[str] = []
    rows = benchrun.check_speed(1, benchrun.speed_targets(notes=tmp_path / "gone.md"), said.append)
    assert [r.name for r in rows] == ["check corpus (derivations/)", "check tests/cases"]
    assert any("gone.md" in m for m in said)


def test_bench_check_prints_the_speed_section(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    notes = tmp_path / "real.md"
    notes.write_text("$$ a = b $$\n", encoding="utf-8")
    got: dict = {}

    def fake(quick, progress=None, **kwargs):
        got.update(kwargs, quick=quick)
        return [benchrun.CheckRecord("check corpus (derivations/)", 2.5, "target 3 s", 3.0,
                                     runs_s=(2.4, 2.5, 2.6), displays=21),
                benchrun.CheckRecord("check real notes (real.md)", 3.5, "target 3 s", 3.0,
                                     runs_s=(3.5,), displays=50)]

    monkeypatch.setattr(benchrun, "run_benchmarks", fake)
    assert cli_main(["bench", "--check", "--quick", "--notes", str(notes)]) == 0
    out = capsys.readouterr().out
    assert got == {"notes": notes, "check_only": True, "quick": True}
    assert out.startswith("check speed: python -m symhess check --quiet --format json PATH")
    assert "2.50 s   3.00 s  yes  2.40 2.50 2.60" in out and "3.50 s   3.00 s  NO " in out
    assert cli_main(["bench", "--check", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["met"] for r in data["check_speed"]] == [True, False]
    assert len(data["benchmarks"]) == 2


def test_bench_notes_must_exist(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli_main(["bench", "--check", "--notes", str(tmp_path / "none.md")]) == 2
    assert "--notes" in capsys.readouterr().err
