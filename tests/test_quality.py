"""The project's quality gates, run as part of the test suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_ruff_check() -> None:
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "target", ["generator", "runtime", "generated", "examples", "tests", "benchmarks"]
)
def test_mypy_strict(target: str) -> None:
    result = run(sys.executable, "-m", "mypy", "--strict", target)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_current() -> None:
    result = run(sys.executable, "-m", "dyngen", "build", "schemas/", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
