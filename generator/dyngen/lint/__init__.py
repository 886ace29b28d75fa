"""Lint rules: small named passes over the schema's meaning, one per module.

Each rule module has ``CODE`` and ``check(schema) -> Iterator[Finding]``.
:func:`lint` runs them all, drops suppressed findings, and locates the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dyngen.diagnostics import CODES, Diagnostic
from dyngen.ir.semantics import SchemaInfo
from dyngen.lint import (
    dg002_primary_key_collision,
    dg101_local_index,
    dg102_hot_partition,
    dg103_time_ordered,
    dg104_projection,
    dg105_filter,
    dg106_unwritten_index,
)
from dyngen.lint.finding import Finding
from dyngen.schema.source import SourceMap

Rule = Callable[[SchemaInfo], Iterator[Finding]]

RULES: dict[str, Rule] = {
    module.CODE: module.check
    for module in (
        dg002_primary_key_collision,
        dg101_local_index,
        dg102_hot_partition,
        dg103_time_ordered,
        dg104_projection,
        dg105_filter,
        dg106_unwritten_index,
    )
}


def lint(schema: SchemaInfo, positions: SourceMap) -> list[Diagnostic]:
    """Every finding of every rule that no ``lint: ignore`` suppresses."""
    found: list[Diagnostic] = []
    for code, rule in RULES.items():
        if code in schema.ignored:
            continue
        for finding in rule(schema):
            if finding.entity is not None and code in schema.ignored_by_entity.get(
                finding.entity, frozenset()
            ):
                continue
            position = (
                positions.key(finding.path)
                if finding.at_key
                else positions.value(finding.path)
            )
            found.append(
                Diagnostic(schema.path, position, code, finding.message, CODES[code][0])
            )
    return found
