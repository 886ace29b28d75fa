"""DG106: an index no entity writes, or a query on an index its entity never writes."""

from __future__ import annotations

from collections.abc import Iterator

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding

CODE = "DG106"


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Unused indexes, and access patterns that can never find an item."""
    for index in schema.indexes.values():
        if index.kind == "primary":
            continue
        if not any(index.name in e.keys for e in schema.entities.values()):
            yield Finding(
                CODE,
                index.path,
                f"index {index.name} is written by no entity: it costs storage "
                "and write capacity for nothing (remove it, or add it to an "
                "entity's keys)",
                at_key=True,
            )
    for entity in schema.entities.values():
        for pattern in entity.access_patterns:
            if pattern.index in entity.keys or pattern.index not in schema.indexes:
                continue
            yield Finding(
                CODE,
                (*pattern.path, "index"),
                f"{entity.name}.{pattern.name} queries {pattern.index}, which "
                f"{entity.name} never writes: it can never return an item",
                entity=entity.name,
            )
