"""DG002: two entities can render the same primary key, so one overwrites the other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding
from dyngen.lint.keyspace import can_collide

CODE = "DG002"


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Compare every pair of entities' primary keys."""
    for first, second in combinations(schema.entities.values(), 2):
        a, b = first.keys.get("primary"), second.keys.get("primary")
        if a is None or b is None or a.pk is None or b.pk is None:
            continue
        if not can_collide(a.pk, first, b.pk, second):
            continue
        if (
            a.sk is not None
            and b.sk is not None
            and not can_collide(a.sk, first, b.sk, second)
        ):
            continue
        shown = [
            f"{s.attribute} {s.template.text!r}" if s.template else s.attribute
            for s in (b.pk, b.sk)
            if s is not None
        ]
        yield Finding(
            CODE,
            (*second.path, "keys", "primary") if b.pk.template else second.path,
            f"{second.name} and {first.name} can render the same primary key "
            f"({', '.join(shown)}): one overwrites the other; give one of them a "
            "distinct prefix",
            entity=second.name,
            at_key=True,
        )
