"""Planning the sort-key condition of an access-pattern query.

Given a sort-key template (literal text and field placeholders) and the field
values a caller passed, the rules are:

- a leading run of given fields builds a ``begins_with`` prefix that stops at
  whole values: the literal text after the last given field is part of the
  prefix, so ``e1`` never matches ``e10``;
- when every field is given (and nothing follows), the condition is equality;
- the next field may carry a range condition; a bound applies to the field
  itself, so ``between(a, b)`` includes ``b`` even when more key text follows;
- with no field given, the literal text before the first placeholder is still
  sent as a ``begins_with`` prefix when it is not empty.

Ranges are expressed as BETWEEN inside the prefix wherever possible, so the
query never reads keys outside it. Only ``lt`` on the template's last field
needs a bare ``<`` (no finite string is the predecessor of a value); the query
then relies on the type-attribute filter to drop foreign items, and says so
with ``needs_type_filter``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dyngen_runtime.conditions import SortCondition
from dyngen_runtime.errors import ValidationError
from dyngen_runtime.keys import escape_key

#: Sorts after every character DynamoDB can store (keys compare as UTF-8 bytes).
HIGHEST = "\U0010ffff"
#: The smallest character: ``x + LOWEST`` is the first string after ``x``.
LOWEST = "\x00"


@dataclass(frozen=True)
class SortField:
    """A placeholder of a sort-key template.

    ``render`` turns a field value into its key text (escaped, formatted);
    ``separator`` is the literal character after it ("" when last);
    ``text`` says whether ``begins_with`` on the value is meaningful.
    """

    name: str
    render: Callable[[Any], str]
    separator: str
    text: bool


#: A template part: literal text, or a field.
SortPart = str | SortField


@dataclass(frozen=True)
class KeyCondition:
    """The sort-key half of a KeyConditionExpression, before placeholders.

    ``operator`` is one of ``=``, ``<``, ``<=``, ``>``, ``>=``, ``BETWEEN``,
    ``begins_with``; ``values`` are the key texts it compares with.
    """

    operator: str
    values: tuple[str, ...]
    needs_type_filter: bool = False


def plan_sort_key(
    parts: tuple[SortPart, ...],
    given: Mapping[str, Any],
    entity: str,
) -> KeyCondition | None:
    """The key condition for the fields in ``given`` (None: no sk condition)."""
    fields = [p for p in parts if isinstance(p, SortField)]
    known = {f.name for f in fields}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValidationError(f"{entity}: {', '.join(unknown)} is not a sort-key field")
    prefix = ""
    count = 0
    for index, part in enumerate(parts):
        if isinstance(part, str):
            prefix += part
            continue
        value = given.get(part.name)
        if value is None:
            return _finish(prefix, parts, index, given, entity)
        if isinstance(value, SortCondition):
            _refuse_after(parts, index, given, entity, part.name)
            return _range(prefix, part, value, entity, last=_is_last(parts, index))
        prefix += part.render(value)
        count += 1
    # Every field given: the whole key.
    return KeyCondition("=", (prefix,)) if count else _constant(prefix)


def _constant(prefix: str) -> KeyCondition | None:
    return KeyCondition("=", (prefix,)) if prefix else None


def _is_last(parts: tuple[SortPart, ...], index: int) -> bool:
    return all(isinstance(p, str) and not p for p in parts[index + 1 :])


def _finish(
    prefix: str,
    parts: tuple[SortPart, ...],
    index: int,
    given: Mapping[str, Any],
    entity: str,
) -> KeyCondition | None:
    later = [
        p.name
        for p in parts[index + 1 :]
        if isinstance(p, SortField) and given.get(p.name) is not None
    ]
    if later:
        missing = parts[index]
        assert isinstance(missing, SortField)
        raise ValidationError(
            f"{entity}: {', '.join(later)} given without {missing.name}: sort-key "
            "fields narrow a query only in template order"
        )
    return KeyCondition("begins_with", (prefix,)) if prefix else None


def _refuse_after(
    parts: tuple[SortPart, ...],
    index: int,
    given: Mapping[str, Any],
    entity: str,
    name: str,
) -> None:
    later = [
        p.name
        for p in parts[index + 1 :]
        if isinstance(p, SortField) and given.get(p.name) is not None
    ]
    if later:
        raise ValidationError(
            f"{entity}: {', '.join(later)} given after a range condition on {name}: "
            "only the last given sort-key field may carry a range"
        )


def _range(
    prefix: str,
    field: SortField,
    condition: SortCondition[Any],
    entity: str,
    *,
    last: bool,
) -> KeyCondition:
    operator = condition.operator
    if operator == "begins_with":
        if not field.text:
            raise ValidationError(
                f"{entity}.{field.name}: begins_with needs a text field"
            )
        partial = escape_key(str(condition.values[0]), field.separator)
        return KeyCondition("begins_with", (prefix + partial,))
    rendered = [prefix + field.render(v) for v in condition.values]
    # Every key whose field equals v lies in [prefix+v, prefix+v+sep+HIGHEST].
    through = (
        [r + field.separator + HIGHEST for r in rendered] if not last else rendered
    )
    top = prefix + HIGHEST
    if operator == "between":
        return _between(prefix, rendered[0], through[1])
    if operator == "gte":
        return _between(prefix, rendered[0], top)
    if operator == "gt":
        low = through[0] if not last else rendered[0] + LOWEST
        return _between(prefix, low, top)
    if operator == "lte":
        return _between(prefix, prefix, through[0])
    # lt: with text after the field, no key equals prefix+v, so BETWEEN is exact.
    if not last:
        return _between(prefix, prefix, rendered[0])
    return KeyCondition("<", (rendered[0],), needs_type_filter=True)


def _between(prefix: str, low: str, high: str) -> KeyCondition:
    if not low:
        # DynamoDB refuses empty key values; nothing sorts below "" anyway.
        return KeyCondition("<=", (high,), needs_type_filter=not prefix)
    return KeyCondition("BETWEEN", (low, high))
