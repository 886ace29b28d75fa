"""What a schema means, for the lint rules: indexes, keys, attributes, queries.

The builder fills this in while it checks the schema; lint rules read it and
never look at YAML. Every object keeps the source path of what it describes,
so a finding can be located.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dyngen.ir.key_templates import KeyTemplate
from dyngen.ir.types import TypeRef
from dyngen.schema.source import Path


@dataclass(frozen=True)
class AttributeInfo:
    """An entity attribute."""

    name: str
    stored: str
    type: TypeRef
    always_set: bool
    path: Path
    enum_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeySource:
    """How an entity fills one key attribute: a template or a plain attribute."""

    attribute: str  # the stored key attribute (PK, GSI1SK, ...)
    template: KeyTemplate | None
    plain: AttributeInfo | None
    path: Path

    @property
    def fields(self) -> tuple[str, ...]:
        """Entity attributes the key is built from."""
        if self.template is not None:
            return self.template.fields
        return (self.plain.name,) if self.plain is not None else ()


@dataclass(frozen=True)
class IndexKeys:
    """The key sources an entity writes for one index (``primary`` included)."""

    index: str
    pk: KeySource | None
    sk: KeySource | None


@dataclass(frozen=True)
class IndexInfo:
    """A table index as declared (``primary`` is the table's own key)."""

    name: str
    kind: str  # primary, global or local
    pk: str
    sk: str | None
    projection: str | tuple[str, ...]  # "all", "keys_only" or the include list
    path: Path


@dataclass(frozen=True)
class AccessPatternInfo:
    """A named query of an entity."""

    name: str
    index: str
    unique: bool
    filter: tuple[str, ...]
    path: Path


@dataclass(frozen=True)
class EntityInfo:
    """An entity with what it writes and queries."""

    name: str
    type_value: str
    attributes: dict[str, AttributeInfo]
    keys: dict[str, IndexKeys]
    access_patterns: tuple[AccessPatternInfo, ...]
    version: str | None
    path: Path

    def data_attributes(self) -> set[str]:
        """Stored names of the model's own attributes (what decoding needs)."""
        names = {a.stored for a in self.attributes.values()}
        if self.version is not None:
            names.add(self.version)
        return names

    def stored_attributes(self) -> set[str]:
        """Every attribute name an item of this entity may carry."""
        names = self.data_attributes()
        for keys in self.keys.values():
            for source in (keys.pk, keys.sk):
                if source is not None:
                    names.add(source.attribute)
        return names


@dataclass(frozen=True)
class CollectionInfo:
    """A cross-entity query on one partition."""

    name: str
    index: str
    members: tuple[str, ...]
    path: Path


@dataclass(frozen=True)
class SchemaInfo:
    """One schema file, for lint rules."""

    path: str
    pk: str
    sk: str | None
    type_attribute: str
    indexes: dict[str, IndexInfo]
    entities: dict[str, EntityInfo]
    collections: tuple[CollectionInfo, ...] = ()
    ignored: frozenset[str] = frozenset()
    ignored_by_entity: dict[str, frozenset[str]] = field(default_factory=dict)
