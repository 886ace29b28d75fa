"""DG002: two entities can render the same primary key, so one overwrites the other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from dyngen.ir.semantics import SchemaInfo
from dyngen.lint.finding import Finding
from dyngen.lint.keyspace import sequences_collide, token_sets

CODE = "DG002"


def check(schema: SchemaInfo) -> Iterator[Finding]:
    """Compare every pair of entities' primary keys."""
    # Each entity's key texts are expanded once, then compared pairwise.
    expanded = {
        name: (
            token_sets(keys.pk, entity) if keys.pk else [],
            token_sets(keys.sk, entity) if keys.sk else None,
        )
        for name, entity in schema.entities.items()
        if (keys := entity.keys.get("primary")) is not None and keys.pk is not None
    }
    for first, second in combinations(schema.entities.values(), 2):
        if first.name not in expanded or second.name not in expanded:
            continue
        (a_pk, a_sk), (b_pk, b_sk) = expanded[first.name], expanded[second.name]
        # Sort keys usually differ by a literal prefix, decided at once, while
        # partition keys are often shared by design: test the sort keys first.
        if a_sk is not None and b_sk is not None and not sequences_collide(a_sk, b_sk):
            continue
        if not sequences_collide(a_pk, b_pk):
            continue
        b = second.keys["primary"]
        assert b.pk is not None
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
