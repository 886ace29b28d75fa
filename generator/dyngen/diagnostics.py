"""Located findings: what every schema error and lint warning becomes."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    """How a finding affects the build: errors stop it, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a schema file."""

    line: int
    column: int


START = Position(1, 1)

#: Every diagnostic code: its severity and what it finds. Codes are stable.
CODES: dict[str, tuple[Severity, str]] = {
    "DG001": (Severity.ERROR, "schema invalid"),
    "DG002": (Severity.ERROR, "two entities can render the same primary key"),
    "DG003": (Severity.ERROR, "key template names a non-scalar or optional field"),
    "DG004": (Severity.ERROR, "TTL or version attribute of the wrong type"),
    "DG101": (Severity.WARNING, "local secondary index: 10 GB item-collection limit"),
    "DG102": (Severity.WARNING, "hot partition key"),
    "DG103": (Severity.WARNING, "time-ordered partition key"),
    "DG104": (Severity.WARNING, "index projection lacks attributes a query returns"),
    "DG105": (Severity.WARNING, "access pattern filters on a non-key attribute"),
    "DG106": (
        Severity.WARNING,
        "index no entity writes, or query on an unwritten index",
    ),
}


@dataclass(frozen=True)
class Diagnostic:
    """One finding, printed as ``file:line:col: CODE message``."""

    path: str
    position: Position
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        """Render the finding the way compilers do, so editors can jump to it."""
        return (
            f"{self.path}:{self.position.line}:{self.position.column}: "
            f"{self.code} {self.message}"
        )

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order findings by file, then position, then code."""
        return (
            self.path,
            self.position.line,
            self.position.column,
            self.code,
            self.message,
        )


class SchemaError(Exception):
    """A schema has errors; ``diagnostics`` holds every one of them, sorted."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))
