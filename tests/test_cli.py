from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from symhess.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_derive_json_contract(capsys) -> None:
    code, out, _ = run(capsys, "derive", "5.93", "--format", "json")
    assert code == 0
    data = json.loads(out)
    (eq,) = data["equations"]
    assert eq["equation"] == "5.93" and eq["verdict"] == "proved"
    assert eq["numeric"]["max_rel_error"] < 1e-10


def test_derive_text_and_latex(capsys) -> None:
    code, out, _ = run(capsys, "derive", "5.95")
    assert code == 0 and "⚠ erratum" in out and "✗ failed" not in out
    assert re.search(r"PRML prints: ∂²E_n/∂w_ji⁽¹⁾∂w_kj′⁽²⁾ = x_i h′\(a_j′\)", out)
    assert "this is wrong for j ≠ j′ (counterexample: D = 2, M = 2, K = 2;" in out
    assert re.search(r"derived: .* ✓ proved", out)
    code, out, _ = run(capsys, "derive", "5.94", "--format", "latex")
    assert code == 0 and r"\tag{5.94}" in out and r"\begin{aligned}" in out


@pytest.mark.parametrize("number, strict, code", [("5.95", True, 1), ("5.95", False, 0),
                                                  ("5.121", True, 1), ("5.93", True, 0)])
def test_derive_strict_exit_code(capsys, number: str, strict: bool, code: int) -> None:
    assert run(capsys, "derive", number, *(["--strict"] if strict else []))[0] == code


@pytest.mark.parametrize("number, printed, corrected, when", [
    ("5.95", r"h'(a_{j'})", r"h'(a_{j})", "j \\neq j'"),
    ("5.121", r"a^{1/2} \lambda_1", r"a^{2} \lambda_1", r"(a, c) \neq (1, 1)"),
])
def test_derive_erratum_json(capsys, number: str, printed: str, corrected: str, when: str) -> None:
    code, out, _ = run(capsys, "derive", number, "--format", "json")
    (eq,) = json.loads(out)["equations"]
    assert code == 0 and eq["verdict"] == "erratum"
    assert printed in eq["printed_latex"] and corrected in eq["corrected_latex"]
    assert eq["wrong_when_latex"] == when
    cex = eq["counterexample"]
    assert set(cex) >= {"sizes", "indices", "printed", "true"} and cex["printed"] != cex["true"]
    assert all(isinstance(v, int) for v in cex["sizes"].values())


PYTHON_REPRS = [r"\{'[A-Za-z]+': ", r"\w\*\*\d", r"\blambda_1\*", r"(?<![\w\\])oo\b", r"\+ -\d",
                r"\bmax_rel_error\b"]


@pytest.fixture(scope="module")
def derive_all_outputs() -> dict[str, str]:
    outs = {}
    for fmt in ("text", "latex", "json"):
        r = subprocess.run([sys.executable, "-m", "symhess", "derive", "all", "-q", "--format", fmt],
                           capture_output=True, text=True, check=False, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        outs[fmt] = r.stdout
    return outs


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_derive_all_has_no_python_reprs(derive_all_outputs, fmt: str) -> None:
    text = derive_all_outputs[fmt]
    for pat in PYTHON_REPRS[:-1]:
        assert not re.search(pat, text), (pat, re.search(pat, text))


@pytest.mark.slow
def test_derive_all_summary_and_json(derive_all_outputs) -> None:
    last = derive_all_outputs["text"].rstrip().splitlines()[-1]
    assert re.fullmatch(r"\d+ equations: \d+ proved, .*2 errata \(PRML misprint; the derivation holds\)", last)
    data = json.loads(derive_all_outputs["json"])
    verdicts = {e["equation"]: e["verdict"] for e in data["equations"]}
    assert verdicts["5.95"] == verdicts["5.121"] == "erratum"
    assert all(v in ("proved", "verified", "approximation", "erratum") for v in verdicts.values())
    for e in data["equations"]:
        assert set(e) >= {"printed_latex", "corrected_latex", "counterexample"}
        assert (e["printed_latex"] is None) == (e["verdict"] != "erratum")


def test_derive_unknown_equation_is_usage_error(capsys) -> None:
    code, _, err = run(capsys, "derive", "5.999")
    assert code == 2 and err.startswith("symhess: error: no equation '5.999'")
    assert "Traceback" not in err


def test_derive_list_is_aligned(capsys) -> None:
    code, out, _ = run(capsys, "derive", "--list")
    assert code == 0 and "5.93" in out and "5.95" in out
    rows = out.splitlines()
    assert len({r.index("§") for r in rows}) == 1  # the section column starts in one place
    from symhess import catalogue

    starts = {row.index(e.title) for row, e in zip(rows, catalogue.entries())}
    assert len(starts) == 1


def test_check_exit_codes(capsys, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("$$ z_j z_{j'} M_{kk'} = z_{j'} z_j M_{k'k} $$\n", encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text("text\n\n$$ x_i h'(a_j) = x_i h''(a_j) $$\n", encoding="utf-8")
    assert run(capsys, "check", str(good))[0] == 0
    code, out, _ = run(capsys, "check", str(bad))
    assert code == 1 and f"{bad}:3:" in out and "step 1: ✗ failed" in out


def test_check_parse_error_names_location(capsys, tmp_path: Path) -> None:
    f = tmp_path / "broken.md"
    f.write_text("intro\n$$\na = \\frac{1}{2\n$$\n", encoding="utf-8")
    code, out, err = run(capsys, "check", str(f), "--format", "json")
    assert code == 1  # an unreadable block is that block's result; exit 2 is for unreadable files
    (step,) = json.loads(out)["files"][0]["derivations"][0]["steps"]
    assert step["verdict"] == "unsupported"
    assert re.search(r"cannot read: expected '}' to close '\{' opened at 3:\d+.*" + re.escape(str(f))
                     + r":\d+:\d+", step["message"])
    assert "Traceback" not in err


def test_check_missing_file(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nope.md"))
    assert code == 2 and "no such file" in err


def test_check_json(capsys) -> None:
    code, out, _ = run(capsys, "check", str(ROOT / "derivations"), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["summary"]["failed"] > 0  # xfail attempts fail, as marked
    assert all(d["verdict"] in ("ok", "xfail") for f in data["files"] for d in f["derivations"])


def test_usage_error_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(["frobnicate"])
    assert e.value.code == 2


def test_python_dash_m(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "symhess", "--version"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and r.stdout.startswith("symhess ")


# --------------------------------------------------------------------------- check text for people
BAD = "text\n\n$$ x_i h'(a_j) \\delta_k I_{jj'} = x_i h''(a_j) \\delta_k I_{jj'} $$\n"
GOOD = ("$$\\begin{aligned} z_j z_{j'} M_{kk'} &= z_{j'} z_j M_{k'k} \\\\ &= z_j z_{j'} M_{k'k} "
        "\\end{aligned}$$\n")


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    return good, bad


def test_check_text_is_unicode_not_latex(capsys, files) -> None:
    _, bad = files
    code, out, _ = run(capsys, "check", str(bad))
    assert code == 1
    assert "x_i h′(a_j) δ_k I_jj′" in out or "x_i h′′(a_j)" in out
    assert "\\delta" not in out and "_{" not in out and "\\frac" not in out
    assert "counterexample: sizes" in out and "residual (left − right)" in out


@pytest.mark.parametrize("flag, good_steps, bad_detail", [
    ("-q", 0, True), (None, 2, True), ("-v", 2, True),
])
def test_check_verbosity(capsys, files, flag, good_steps: int, bad_detail: bool) -> None:
    good, bad = files
    args = ["check", str(good), str(bad)] + ([flag] if flag else [])
    _, out, _ = run(capsys, *args)
    assert len(re.findall(rf"{re.escape(str(good))}:\d+:\d+ step \d", out)) == good_steps
    assert ("counterexample" in out) == bad_detail
    assert out.rstrip().splitlines()[-1].startswith("2 derivations (1 ok, 1 failed), 3 steps: ")
    if flag == "-v":
        assert "left:" in out.split(str(bad))[0]  # both sides of a proved step too


def test_check_summary_plurals_and_xfail(capsys, tmp_path: Path) -> None:
    one = tmp_path / "one.md"
    one.write_text("<!-- symhess: xfail wrong on purpose -->\n" + BAD.split("\n\n")[1], encoding="utf-8")
    code, out, _ = run(capsys, "check", str(one))
    assert code == 0
    assert out.rstrip().splitlines()[-1].startswith(
        "1 derivation (0 ok, 1 xfail (expected failures)), 1 step: 0 proved")
    xpass = tmp_path / "xpass.md"
    xpass.write_text("<!-- symhess: xfail wrong on purpose -->\n" + GOOD, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(xpass))
    assert code == 1 and "1 xpass (marked xfail but every step holds)" in out


def test_repeated_reading_shown_once_per_block(capsys, tmp_path: Path) -> None:
    f = tmp_path / "r.md"
    f.write_text("$$\\begin{aligned} \\mathcal{R}\\{a_j\\} &= \\sum_i v_{ji} x_i \\quad (\\because (5.98)) \\\\"
                 " &= \\sum_i v_{ji} x_i \\end{aligned}$$\n", encoding="utf-8")
    _, out, _ = run(capsys, "check", str(f))
    reads = [ln for ln in out.splitlines() if "read:" in ln]
    assert len(reads) == len(set(reads)) and all(not ln.startswith("      ") for ln in reads)


def test_check_wraps_to_columns(capsys, files, monkeypatch) -> None:
    _, bad = files
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = run(capsys, "check", str(bad))
    long = [ln for ln in out.splitlines() if len(ln) > 60 and " " in ln.strip()[:60]]
    assert not long, long


@pytest.mark.parametrize("env, tty, colour", [({}, True, True), ({"NO_COLOR": "1"}, True, False),
                                              ({}, False, False)])
def test_colour_only_on_a_terminal_without_no_color(monkeypatch, env, tty, colour) -> None:
    from symhess import cli

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert cli.colour_wanted(type("S", (), {"isatty": lambda self: tty})()) is colour


def test_check_no_colour_when_piped(files) -> None:
    _, bad = files
    r = subprocess.run([sys.executable, "-m", "symhess", "check", str(bad)], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 1 and "\033[" not in r.stdout


def test_help_lists_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert re.search(r"exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 .*\n\s+3 ", out)


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    f = tmp_path / "many.md"
    f.write_text("\n\n".join([GOOD] * 40), encoding="utf-8")
    r = subprocess.run(f"{sys.executable} -m symhess check {f} | head -1", shell=True,
                       capture_output=True, text=True, check=False)
    assert r.stdout.count("\n") == 1
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr


def test_bench_without_autograd_names_the_extra(capsys, monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "autograd" else real(name, *a))
    code, _, err = run(capsys, "bench", "--quick")
    assert code == 1 and "internal error" not in err
    assert "install the test extra" in err and "'.[test]'" in err


def test_handout_check_directory(capsys, tmp_path: Path) -> None:
    d = tmp_path / "notes"
    d.mkdir()
    (d / "a.md").write_text(GOOD, encoding="utf-8")
    (d / "b.md").write_text(BAD, encoding="utf-8")
    code, out, _ = run(capsys, "handout", "--check", str(d), "-o", str(tmp_path / "out.md"), "-q")
    assert code == 0
    assert (tmp_path / "out-a.md").exists() and (tmp_path / "out-b.md").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "handout", "--check", str(empty), "-o", str(tmp_path / "o.md"))
    assert code == 2 and "no .md or .tex notes" in err
