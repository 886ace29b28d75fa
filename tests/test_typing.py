"""The generated API's types: typical use passes mypy --strict, misuse fails it."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

CASES = ROOT / "tests" / "typing_cases"


def mypy(*files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_typical_use_type_checks() -> None:
    result = mypy("tests/typing_cases/usage_ok.py")
    assert result.returncode == 0, result.stdout


def test_every_misuse_is_a_type_error() -> None:
    failing = sorted(p.name for p in CASES.glob("fail_*.py"))
    assert len(failing) >= 8
    result = mypy(*(f"tests/typing_cases/{name}" for name in failing))
    assert result.returncode == 1, result.stdout
    flagged = set(
        re.findall(r"tests/typing_cases/(fail_\w+\.py):\d+: error", result.stdout)
    )
    assert flagged == set(failing), result.stdout
