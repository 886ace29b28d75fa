"""Parsing key templates like ``ORDER#{placed_at}#{order_id}`` and ``{n:08}``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::0([1-9][0-9]?))?$")
_SHARD = re.compile(r"^shard\(([1-9][0-9]*)\)$")


@dataclass(frozen=True)
class Literal:
    """Text copied into the key as written."""

    text: str


@dataclass(frozen=True)
class Placeholder:
    """``{field}`` or ``{field:0W}``; ``separator`` is the character after it."""

    field: str
    width: int
    separator: str


@dataclass(frozen=True)
class Shard:
    """``{shard(N)}``: the item's write shard, 0 to N-1."""

    count: int


Part = Literal | Placeholder | Shard


class TemplateError(ValueError):
    """The template text cannot be parsed; the message says why."""


@dataclass(frozen=True)
class KeyTemplate:
    """A parsed key template."""

    text: str
    parts: tuple[Part, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        """The attribute names the template reads, in order."""
        return tuple(p.field for p in self.parts if isinstance(p, Placeholder))

    @property
    def shard(self) -> Shard | None:
        """The shard placeholder, if any."""
        return next((p for p in self.parts if isinstance(p, Shard)), None)

    @property
    def is_constant(self) -> bool:
        """True when the template has no placeholder at all."""
        return all(isinstance(p, Literal) for p in self.parts)


def parse_template(text: str) -> KeyTemplate:
    """Parse ``text``; raise :class:`TemplateError` on malformed input."""
    if not text:
        raise TemplateError("empty key template")
    raw: list[Literal | tuple[str, int] | Shard] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        before = text[position : match.start()]
        if before:
            raw.append(Literal(before))
        body = match.group(1).strip()
        shard = _SHARD.match(body)
        field = _FIELD.match(body)
        if shard:
            raw.append(Shard(int(shard.group(1))))
        elif field:
            raw.append((field.group(1), int(field.group(2) or 0)))
        else:
            raise TemplateError(
                f"bad placeholder '{{{match.group(1)}}}': expected {{field}}, "
                "{field:08} or {shard(N)}"
            )
        position = match.end()
    if text[position:]:
        raw.append(Literal(text[position:]))
    for part in raw:
        if isinstance(part, Literal) and ("{" in part.text or "}" in part.text):
            raise TemplateError(f"unbalanced brace in '{text}'")
    parts: list[Part] = []
    for i, part in enumerate(raw):
        if isinstance(part, tuple):
            following = raw[i + 1] if i + 1 < len(raw) else None
            if following is not None and not isinstance(following, Literal):
                raise TemplateError(
                    f"placeholders in '{text}' must be separated by literal text, "
                    "or one value could pass for another"
                )
            separator = following.text[0] if isinstance(following, Literal) else ""
            parts.append(Placeholder(part[0], part[1], separator))
        else:
            parts.append(part)
    return KeyTemplate(text, tuple(parts))
