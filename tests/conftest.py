"""Shared fixtures: schema builds, and the two DynamoDB backends.

A test that takes the ``backend`` fixture (directly or through ``shop``) runs
once on in-process moto and once on dynalite over HTTP; the run ends with a
per-backend count so it is visible that both ran.
"""

from __future__ import annotations

import importlib
import io
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dyngen.cli import main
from dyngen_runtime import tracing
from dyngen_runtime.executor import Send
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from tests.backends import ROOT, Dynalite, MotoServer, fake_credentials

fake_credentials()

#: Every DynamoDB test runs on each: moto in process (through boto3's client),
#: dynalite and moto's server over HTTP (through the direct HTTP transport).
BACKENDS = ("moto", "dynalite", "moto-server")
SUMMARY = ("moto-server", "moto", "dynalite")
_results: Counter[tuple[str, str]] = Counter()


@pytest.fixture(scope="session")
def dynalite() -> Iterator[Dynalite]:
    """One dynalite server for the whole session."""
    server = Dynalite()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """moto's HTTP server for the session (transaction tests over HTTP)."""
    server = MotoServer()
    server.start()
    yield server
    server.stop()


class Backend:
    """Makes clients of a generated table class on one backend."""

    def __init__(self, name: str, server: Dynalite | MotoServer | None) -> None:
        self.name = name
        self._server = server
        self._clients: list[Any] = []

    @property
    def endpoint_url(self) -> str | None:
        """The HTTP endpoint, or None for in-process moto."""
        return self._server.endpoint_url if self._server else None

    @property
    def is_moto(self) -> bool:
        """moto in process or its server: the same DynamoDB model, same gaps."""
        return self.name.startswith("moto")

    def client(self, table_class: Any) -> Any:
        """A connected client on a fresh, empty table of ``table_class``."""
        if self._server is None:
            db = table_class.in_memory()
        else:
            db = table_class.connect(
                table_name=f"test-{uuid.uuid4().hex[:12]}",
                endpoint_url=self._server.endpoint_url,
                region_name="us-east-1",
            )
            db.create_table()
        self._clients.append(db)
        return db

    def close(self) -> None:
        """Delete server-side tables and close every client made."""
        for db in self._clients:
            if self._server is not None:
                db._executor.call("DeleteTable", {"TableName": db.table_name})
            db.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each test using this runs on every backend in ``BACKENDS``."""
    server: Dynalite | MotoServer | None = None
    if request.param == "dynalite":
        server = request.getfixturevalue("dynalite")
    elif request.param == "moto-server":
        server = request.getfixturevalue("moto_server")
    made = Backend(request.param, server)
    yield made
    made.close()


@pytest.fixture
def shop(backend: Backend) -> Any:
    """A client of the committed ``generated.shop`` on a fresh table."""
    from generated.shop import Shop

    return backend.client(Shop)


@pytest.fixture
def backend_saas(backend: Backend) -> Any:
    """A client of the committed ``generated.saas`` on a fresh table."""
    from generated.saas import Saas

    return backend.client(Saas)


@pytest.fixture
def backend_telemetry(backend: Backend) -> Any:
    """A client of the committed ``generated.telemetry`` on a fresh table."""
    from generated.telemetry import Telemetry

    return backend.client(Telemetry)


def sent_operations(db: Any, only: str | None = None) -> list[str]:
    """The operations client ``db`` sends from now on (just ``only``, if given)."""
    calls: list[str] = []

    def counting(send: Send) -> Send:
        def wrapped(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if only is None or operation == only:
                calls.append(operation)
            return send(operation, params)

        return wrapped

    db._executor.intercept(counting)
    return calls


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``dyngen`` in process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def build_schema(tmp_path: Path) -> Callable[[str], Any]:
    """Build inline YAML into a temporary package and import it."""
    counter = iter(range(1000))

    def build(yaml_text: str) -> Any:
        n = next(counter)
        schemas = tmp_path / f"schemas{n}"
        schemas.mkdir()
        (schemas / "schema.yaml").write_text(yaml_text, encoding="utf-8")
        out = tmp_path / f"out{n}"
        code, _, err = run_cli("build", str(schemas), "--out", str(out))
        assert code == 0, err
        module = next(p.name for p in out.iterdir() if p.is_dir())
        sys.path.insert(0, str(out))
        try:
            for name in [
                m for m in sys.modules if m == module or m.startswith(module + ".")
            ]:
                del sys.modules[name]
            return importlib.import_module(module)
        finally:
            sys.path.remove(str(out))

    return build


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count outcomes per backend for the closing summary."""
    if report.when != "call" and not (
        report.when == "setup" and report.outcome != "passed"
    ):
        return
    parameters = report.nodeid.rpartition("[")[2].rstrip("]").split("-")
    for name in SUMMARY:
        if name in parameters or (name == "moto-server" and "server" in parameters):
            _results[(name, report.outcome)] += 1
            return


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Show that the DynamoDB tests ran on both backends."""
    if not _results:
        return
    terminalreporter.section("DynamoDB backends")
    for name in SUMMARY:
        counts = ", ".join(
            f"{_results[(name, outcome)]} {outcome}"
            for outcome in ("passed", "failed", "skipped")
            if _results[(name, outcome)]
        )
        terminalreporter.write_line(f"{name}: {counts or 'no tests'}")


__all__ = ["ROOT", "Backend", "run_cli"]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans finished during the test, from a private SDK tracer provider."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.set_tracer_provider(provider)
    tracing.set_tracing(True)
    yield exporter
    tracing.set_tracer_provider(None)
    tracing.set_tracing(True)
