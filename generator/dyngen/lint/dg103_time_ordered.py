"""DG103: a partition key built only from dates or datetimes."""

from __future__ import annotations

from collections.abc import Iterator

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding
from dyngen.lint.keyspace import written_partition_keys

CODE = "DG103"
_TIME = frozenset({"date", "datetime"})


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Check the partition key each entity writes on each index."""
    for entity, source in written_partition_keys(schema):
        fields = source.fields
        if fields and all(entity.attributes[f].type.kind in _TIME for f in fields):
            shown = source.template.text if source.template else source.attribute
            yield Finding(
                CODE,
                source.path,
                f"time-ordered partition key: {entity.name}'s {source.attribute} "
                f"{shown!r} is built only from {', '.join(fields)}, so all writes "
                "of a period land on one partition; add a high-cardinality field "
                "or {shard(N)}",
                entity=entity.name,
            )
