"""Sort-key conditions users pass to access-pattern methods.

``db.orders.for_customer("c1", placed_at=between(t1, t2))``: the condition
names an operator and the field values; the query planner turns it into key
text with the field's own rendering, so escaping and formats always match
what writes stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

Operator = Literal["between", "gt", "gte", "lt", "lte", "begins_with"]


@dataclass(frozen=True)
class SortCondition(Generic[T]):
    """A range condition on one sort-key field."""

    operator: Operator
    values: tuple[T, ...]


def between(low: T, high: T) -> SortCondition[T]:
    """Field value from ``low`` to ``high``, both included."""
    return SortCondition("between", (low, high))


def gt(value: T) -> SortCondition[T]:
    """Field value greater than ``value``."""
    return SortCondition("gt", (value,))


def gte(value: T) -> SortCondition[T]:
    """Field value greater than or equal to ``value``."""
    return SortCondition("gte", (value,))


def lt(value: T) -> SortCondition[T]:
    """Field value less than ``value``."""
    return SortCondition("lt", (value,))


def lte(value: T) -> SortCondition[T]:
    """Field value less than or equal to ``value``."""
    return SortCondition("lte", (value,))


def begins_with(prefix: str) -> SortCondition[str]:
    """Field text starting with ``prefix`` (text fields only)."""
    return SortCondition("begins_with", (prefix,))
