"""mypy over the package, with the configuration stated in pyproject.toml ([tool.mypy]).

The core and the checker are held to --strict's flags (see the comments there); this test is
how CI runs mypy, so a type error fails the build like any other test.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_finds_no_error_with_the_stated_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, out + err
    assert "Success: no issues found" in out
