"""DG105: an access pattern filters on a non-key attribute."""

from __future__ import annotations

from collections.abc import Iterator

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding

CODE = "DG105"


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Each filtered field that is not part of the index's key is a warning."""
    for entity in schema.entities.values():
        for pattern in entity.access_patterns:
            keys = entity.keys.get(pattern.index)
            key_fields: set[str] = set()
            if keys is not None:
                for source in (keys.pk, keys.sk):
                    if source is not None:
                        key_fields.update(source.fields)
            for field in pattern.filter:
                if field in key_fields:
                    continue
                yield Finding(
                    CODE,
                    (*pattern.path, "filter", field),
                    f"{entity.name}.{pattern.name} filters on {field}, which is not "
                    f"part of the {pattern.index} key: DynamoDB reads (and bills) "
                    "every item of the partition, then drops those that do not match",
                    entity=entity.name,
                    at_key=True,
                )
