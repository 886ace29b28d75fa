"""The README's quickstart runs, on the in-memory default and on a server."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.backends import Dynalite
from tests.conftest import ROOT

EXPECTED = [
    "created customer c1 at version 1",
    "creating c1 again was refused: it exists",
    "read it back: True",
    "renamed customer: version 1 -> 2",
    "a write from the stale copy was refused (version conflict)",
    "deleted both; customer c1 now: None",
]


def run_quickstart(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "examples/quickstart.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart_in_memory() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DYNGEN_ENDPOINT_URL"}
    out = run_quickstart(env)
    assert "table: in memory" in out
    for line in EXPECTED:
        assert line in out


def test_quickstart_on_dynalite(dynalite: Dynalite) -> None:
    out = run_quickstart({**os.environ, "DYNGEN_ENDPOINT_URL": dynalite.endpoint_url})
    assert f"at {dynalite.endpoint_url}" in out
    for line in EXPECTED:
        assert line in out
