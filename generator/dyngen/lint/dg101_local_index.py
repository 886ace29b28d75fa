"""DG101: a local secondary index limits every partition to 10 GB."""

from __future__ import annotations

from collections.abc import Iterator

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding

CODE = "DG101"


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """One warning per local index."""
    for index in schema.indexes.values():
        if index.kind == "local":
            yield Finding(
                CODE,
                index.path,
                f"local index {index.name}: each partition key is limited to 10 GB "
                "of items (table and index together), the index can only be "
                "created with the table, and it shares the table's throughput",
                at_key=True,
            )
