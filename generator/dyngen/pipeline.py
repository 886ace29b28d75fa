"""Schema file -> intermediate model -> formatted sources, as plain functions."""

from __future__ import annotations

from pathlib import Path

from dyngen.diagnostics import START, Diagnostic, SchemaError
from dyngen.emit.format import format_sources
from dyngen.emit.render import render_module
from dyngen.ir.build import build_module
from dyngen.ir.model import ModuleIR
from dyngen.schema.parse import parse_schema
from dyngen.schema.source import SourceError, read_source


def display(path: Path) -> str:
    """A path as diagnostics and headers print it: relative when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_module(path: Path, rebuild_command: str = "dyngen build") -> ModuleIR:
    """Read, check and compile one schema file; raise SchemaError with findings."""
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
    schema = parse_schema(source)
    return build_module(source, schema, rebuild_command)


def build_sources(modules: list[ModuleIR]) -> dict[str, str]:
    """Relative path -> formatted source for every module."""
    rendered: dict[str, str] = {}
    for module in modules:
        rendered.update(render_module(module))
    return format_sources(rendered)
