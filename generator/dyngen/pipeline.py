"""Schema file -> checked model and findings -> formatted sources, as functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dyngen.diagnostics import START, Diagnostic, SchemaError, Severity
from dyngen.emit.format import format_sources
from dyngen.emit.render import render_module
from dyngen.ir.build import Compiled, build_module
from dyngen.ir.model import ModuleIR
from dyngen.lint import lint
from dyngen.schema.parse import parse_schema
from dyngen.schema.source import SourceError, read_source


def display(path: Path) -> str:
    """A path as diagnostics and headers print it: relative when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def compile_schema(path: Path, rebuild_command: str = "dyngen build") -> Compiled:
    """Read and check one schema file: its IR and lint view, or SchemaError."""
    shown = display(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SchemaError(
            [Diagnostic(shown, START, "DG001", f"cannot read file: {error.strerror}")]
        ) from None
    try:
        source = read_source(shown, raw)
    except SourceError as error:
        raise SchemaError([error.diagnostic]) from None
    schema, shape_findings = parse_schema(source)
    try:
        compiled = build_module(source, schema, rebuild_command)
    except SchemaError as error:
        raise SchemaError(shape_findings + error.diagnostics) from None
    if shape_findings:
        raise SchemaError(shape_findings)
    return compiled


def load_module(path: Path, rebuild_command: str = "dyngen build") -> ModuleIR:
    """Read, check and compile one schema file; raise SchemaError with findings."""
    return compile_schema(path, rebuild_command).module


@dataclass
class CheckResult:
    """Every finding of a set of schema files, and the modules that compiled."""

    modules: list[ModuleIR] = field(default_factory=list)
    findings: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        """Findings that stop a build."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        """Findings that do not stop a build."""
        return [f for f in self.findings if f.severity is Severity.WARNING]


def check_files(
    paths: list[Path], rebuild_command: str = "dyngen build"
) -> CheckResult:
    """Compile and lint every file; findings sorted by file and position."""
    result = CheckResult()
    owners: dict[str, str] = {}
    for path in paths:
        try:
            compiled = compile_schema(path, rebuild_command)
        except SchemaError as error:
            result.findings.extend(error.diagnostics)
            continue
        result.findings.extend(lint(compiled.info, compiled.positions))
        module = compiled.module
        if module.module in owners:
            result.findings.append(
                Diagnostic(
                    module.schema_path,
                    compiled.positions.value(("table", "name")),
                    "DG001",
                    f"table name '{module.module}' is also used by "
                    f"{owners[module.module]}; each schema builds one module named "
                    "after its table",
                )
            )
            continue
        owners[module.module] = module.schema_path
        result.modules.append(module)
    result.findings.sort(key=Diagnostic.sort_key)
    return result


def build_sources(modules: list[ModuleIR]) -> dict[str, str]:
    """Relative path -> formatted source for every module."""
    rendered: dict[str, str] = {}
    for module in modules:
        rendered.update(render_module(module))
    return format_sources(rendered)
