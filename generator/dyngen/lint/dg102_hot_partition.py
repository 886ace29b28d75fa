"""DG102: a partition key that is constant or built only from low-cardinality fields."""

from __future__ import annotations

from collections.abc import Iterator

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding
from dyngen.lint.keyspace import written_partition_keys

CODE = "DG102"
_LOW_CARDINALITY = frozenset({"bool", "enum"})


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Check the partition key each entity writes on each index."""
    for entity, source in written_partition_keys(schema):
        fields = source.fields
        shown = source.template.text if source.template else source.attribute
        if not fields:
            reason = "is constant: every item lands in one partition"
        elif all(entity.attributes[f].type.kind in _LOW_CARDINALITY for f in fields):
            kinds = ", ".join(f"{f}: {entity.attributes[f].type}" for f in fields)
            reason = f"is built only from low-cardinality fields ({kinds})"
        else:
            continue
        yield Finding(
            CODE,
            source.path,
            f"hot partition key: {entity.name}'s {source.attribute} {shown!r} "
            f"{reason}; spread writes with a high-cardinality field or "
            "{shard(N)}",
            entity=entity.name,
        )
