"""Whether two key sources can render the same text.

A template is a sequence of literal characters and placeholders; a placeholder
renders one or more characters (an enum: one of its values; a shard: digits).
Two templates collide when some text matches both, which a small dynamic
program over the two token sequences decides exactly for this language.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from dyngen.ir.key_templates import Literal, Placeholder, Shard
from dyngen.ir.semantics import EntityInfo, KeySource, SchemaInfo

ANY = "\0any"  # exactly one arbitrary character
STAR = "\0star"  # zero or more arbitrary characters

Tokens = tuple[str, ...]


def token_sets(source: KeySource, entity: EntityInfo) -> list[Tokens]:
    """The token sequences a key source can render (several for enum fields)."""
    if source.template is None:
        return [(ANY, STAR)]
    sequences: list[Tokens] = [()]
    for part in source.template.parts:
        options: list[Tokens]
        if isinstance(part, Literal):
            options = [tuple(part.text)]
        elif isinstance(part, Shard):
            options = [tuple(str(n)) for n in range(part.count)]
        else:
            options = _placeholder(part, entity)
        sequences = [s + o for s in sequences for o in options][:256]
    return sequences


def _placeholder(part: Placeholder, entity: EntityInfo) -> list[Tokens]:
    attribute = entity.attributes.get(part.field)
    values = attribute.enum_values if attribute is not None else ()
    if values:
        return [tuple(v) for v in values if v]
    return [(ANY, STAR)]


def sequences_collide(left: list[Tokens], right: list[Tokens]) -> bool:
    """True when some sequence of ``left`` and some of ``right`` share a text."""
    return any(_intersects(x, y) for x in left for y in right)


def _literal_prefix(tokens: Tokens) -> str:
    prefix = []
    for token in tokens:
        if token in (ANY, STAR):
            break
        prefix.append(token)
    return "".join(prefix)


def _intersects(a: Tokens, b: Tokens) -> bool:
    first, second = _literal_prefix(a), _literal_prefix(b)
    if not (first.startswith(second) or second.startswith(first)):
        return False  # the texts differ before any placeholder
    last, other = _literal_prefix(a[::-1]), _literal_prefix(b[::-1])
    if not (last.startswith(other) or other.startswith(last)):
        return False  # the texts differ after the last placeholder

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if (
            i < len(a)
            and a[i] == STAR
            and (match(i + 1, j) or (j < len(b) and match(i, j + 1)))
        ):
            return True
        if (
            j < len(b)
            and b[j] == STAR
            and (match(i, j + 1) or (i < len(a) and match(i + 1, j)))
        ):
            return True
        if i == len(a) or j == len(b) or STAR in (a[i], b[j]):
            return False
        return (a[i] == ANY or b[j] == ANY or a[i] == b[j]) and match(i + 1, j + 1)

    return match(0, 0)


def written_partition_keys(
    schema: SchemaInfo,
) -> Iterator[tuple[EntityInfo, KeySource]]:
    """Each entity's partition-key source on each global index and the table,
    skipping sharded templates (their writes are spread already)."""
    for entity in schema.entities.values():
        for index_name, keys in entity.keys.items():
            source = keys.pk
            if source is None or schema.indexes[index_name].kind == "local":
                continue
            if source.template is not None and source.template.shard is not None:
                continue
            yield entity, source
