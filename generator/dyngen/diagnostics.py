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
