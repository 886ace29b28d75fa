"""Type names for DynamoDB's wire format, as the low-level client takes it."""

from __future__ import annotations

from typing import Any, TypeAlias

#: One attribute value: ``{"S": "text"}``, ``{"N": "12"}``, ``{"M": {...}}``, ...
AttributeValue: TypeAlias = dict[str, Any]
#: One item: attribute name -> attribute value.
Item: TypeAlias = dict[str, AttributeValue]
