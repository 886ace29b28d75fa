"""The runtime's description of a table, generated from the schema.

Generated clients hold one :class:`TableSchema`; from it the runtime builds the
CreateTable request and knows which attributes carry keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

IndexKind = Literal["global", "local"]
Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]
ScalarType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class IndexSchema:
    """One global or local secondary index."""

    name: str
    kind: IndexKind
    pk: str
    pk_type: ScalarType
    sk: str | None
    sk_type: ScalarType | None
    projection: Projection = "ALL"
    non_key_attributes: tuple[str, ...] = ()

    def key_schema(self) -> list[dict[str, str]]:
        """The index's KeySchema element list."""
        return _key_schema(self.pk, self.sk)

    def projection_request(self) -> dict[str, Any]:
        """The index's Projection element."""
        projection: dict[str, Any] = {"ProjectionType": self.projection}
        if self.projection == "INCLUDE":
            projection["NonKeyAttributes"] = list(self.non_key_attributes)
        return projection


@dataclass(frozen=True)
class TableSchema:
    """Keys, indexes, type attribute and TTL attribute of one table."""

    name: str
    pk: str
    pk_type: ScalarType
    sk: str | None
    sk_type: ScalarType | None
    type_attribute: str
    ttl: str | None = None
    indexes: tuple[IndexSchema, ...] = ()

    def create_table_request(self, table_name: str) -> dict[str, Any]:
        """The CreateTable request for this table, billed on demand."""
        definitions: dict[str, str] = {self.pk: self.pk_type}
        if self.sk is not None and self.sk_type is not None:
            definitions[self.sk] = self.sk_type
        for index in self.indexes:
            definitions[index.pk] = index.pk_type
            if index.sk is not None and index.sk_type is not None:
                definitions[index.sk] = index.sk_type
        request: dict[str, Any] = {
            "TableName": table_name,
            "KeySchema": _key_schema(self.pk, self.sk),
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in sorted(definitions.items())
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        for kind, field in (
            ("global", "GlobalSecondaryIndexes"),
            ("local", "LocalSecondaryIndexes"),
        ):
            indexes = [
                {
                    "IndexName": index.name,
                    "KeySchema": index.key_schema(),
                    "Projection": index.projection_request(),
                }
                for index in self.indexes
                if index.kind == kind
            ]
            if indexes:
                request[field] = indexes
        return request


def _key_schema(pk: str, sk: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": pk, "KeyType": "HASH"}]
    if sk is not None:
        schema.append({"AttributeName": sk, "KeyType": "RANGE"})
    return schema


@dataclass(frozen=True)
class EntityInfo:
    """What the runtime needs to know about an entity beyond its model class."""

    name: str
    type_value: str
    key_attributes: tuple[str, ...]
    version_field: str | None = None
    version_attribute: str | None = None
    type_attribute: str = "_type"
    ttl_attribute: str | None = None
