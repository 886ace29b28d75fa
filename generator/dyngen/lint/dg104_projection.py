"""DG104: an index projection lacks attributes that a query on it returns."""

from __future__ import annotations

from collections.abc import Iterator

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding

CODE = "DG104"


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Compare each access pattern's entity with its index projection."""
    for entity in schema.entities.values():
        for pattern in entity.access_patterns:
            index = schema.indexes.get(pattern.index)
            if index is None or index.kind == "primary" or index.projection == "all":
                continue
            projected = {schema.pk, index.pk}
            projected.update(k for k in (schema.sk, index.sk) if k)
            if isinstance(index.projection, tuple):
                projected.update(index.projection)
            wanted = entity.data_attributes() | {schema.type_attribute}
            missing = sorted(wanted - projected)
            if not missing:
                continue
            cost = (
                "each query fetches the full items with BatchGetItem"
                if index.kind == "global"
                else "each query asks DynamoDB to fetch them from the table"
            )
            note = ""
            if schema.type_attribute in missing:
                note = f" (the type attribute {schema.type_attribute} is among them)"
            projection = (
                "keys_only" if index.projection == "keys_only" else "an include list"
            )
            yield Finding(
                CODE,
                pattern.path,
                f"{entity.name}.{pattern.name} queries {index.name}, whose projection "
                f"({projection}) lacks {', '.join(missing)}{note}: {cost}",
                entity=entity.name,
                at_key=True,
            )
