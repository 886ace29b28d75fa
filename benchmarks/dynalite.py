"""dynalite for the benchmarks: the test suite's installer and server wrapper.

dynalite (a DynamoDB-compatible server on LevelDB, an npm package) is
installed into ``.cache/dynalite`` by ``tests/backends.py`` on first use; the
benchmarks start it the same way, with tables ACTIVE at once.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

from benchmarks.harness import ROOT, Unavailable


class DynaliteServer:
    """A dynalite process on a free loopback port, as a context manager."""

    def __init__(self) -> None:
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        """The server's HTTP endpoint."""
        url: str = self._server.endpoint_url
        return url

    def cpu_seconds(self) -> float | None:
        """CPU time dynalite's process has used so far (Linux /proc), or None."""
        process = getattr(self._server, "process", None)
        if process is None:
            return None
        try:
            with open(f"/proc/{process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime, fields 14 and 15 of proc(5), in clock ticks.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> DynaliteServer:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        try:
            from tests.backends import Dynalite
        except ImportError as error:
            raise Unavailable(f"tests/backends.py not importable ({error})") from None
        server = Dynalite()
        try:
            server.start()  # installs dynalite on first use (needs node and npm)
        except Exception as error:
            server.stop()
            raise Unavailable(f"dynalite did not start: {error}") from None
        self._server = server
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
