"""Whether two key sources can render the same text.

A template is a sequence of literal characters and placeholders; a placeholder
renders one or more characters (an enum: one of its values; a shard: digits).
Two templates collide when some text matches both, which a small dynamic
program over the two token sequences decides exactly for this language.
"""

from __future__ import annotations

from functools import cache

from dyngen.ir.key_templates import Literal, Placeholder, Shard
from dyngen.ir.semantics import EntityInfo, KeySource

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


def can_collide(
    a: KeySource, a_entity: EntityInfo, b: KeySource, b_entity: EntityInfo
) -> bool:
    """True when some value of each side renders the same key text."""
    return any(
        _intersects(x, y)
        for x in token_sets(a, a_entity)
        for y in token_sets(b, b_entity)
    )


def _intersects(a: Tokens, b: Tokens) -> bool:
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
