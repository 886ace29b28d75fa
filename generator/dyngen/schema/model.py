"""The schema format as written: pydantic models of the YAML document.

These models only check shapes (keys, types of values). Meaning (attribute
types, templates, names, cross references) is checked when the intermediate
model is built, where every finding gets its position from the source map.
``dyngen schema-json`` prints these models' JSON Schema for editors.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

DefaultFactory = Literal["uuid4", "ulid", "now", "today"]
#: A name or template: DynamoDB and Python both refuse empty ones.
Name = Annotated[str, StringConstraints(min_length=1)]
Scalar = str | int | float | bool | None


class _Written(BaseModel):
    """A mapping of the schema: unknown keys and loose types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LintSettings(_Written):
    """``lint:``: findings to suppress in this scope."""

    ignore: list[Name] = Field(default_factory=list, description="Lint codes to ignore")


class IndexDecl(_Written):
    """One entry of ``table.indexes``."""

    kind: Literal["global", "local"]
    pk: Name | None = Field(None, description="Partition-key attribute (global only)")
    sk: Name | None = Field(None, description="Sort-key attribute")
    projection: Literal["all", "keys_only"] | list[Name] = Field(
        "all", description="all, keys_only, or a list of stored attribute names"
    )


class TableDecl(_Written):
    """``table:``: the physical table."""

    name: Name = Field(description="Logical name; the generated module's name")
    pk: Name = Field(description="Partition-key attribute")
    sk: Name | None = Field(None, description="Sort-key attribute (optional)")
    type_attribute: Name = Field(
        "_type", description="Attribute storing the entity type"
    )
    ttl: Name | None = Field(None, description="The table's TTL attribute")
    indexes: dict[Name, IndexDecl] = Field(default_factory=dict)


class AttributeDecl(_Written):
    """An attribute in mapping form (``{type: int, default: 0}``)."""

    type: Name
    required: bool = True
    default: Any = None
    default_factory: DefaultFactory | None = None
    alias: Name | None = None
    description: str | None = None
    values: list[str] | None = Field(None, description="Members of an enum")
    attributes: dict[Name, AttributeSpec] | None = Field(
        None, description="Attributes of an object or list[object]"
    )


def _attribute_form(value: Any) -> str:
    return "short" if isinstance(value, str) else "full"


#: An attribute: a type name (``email: str``) or the mapping form.
AttributeSpec = Annotated[
    Annotated[Name, Tag("short")] | Annotated[AttributeDecl, Tag("full")],
    Discriminator(_attribute_form),
]


class KeyDecl(_Written):
    """Key templates of the primary key or of one index."""

    pk: Name | None = None
    sk: Name | None = None


class AccessPatternDecl(_Written):
    """One named query."""

    index: Name
    unique: bool = False
    filter: dict[Name, Scalar] | None = None


class EntityDecl(_Written):
    """One entity stored in the table."""

    description: str | None = None
    attributes: dict[Name, AttributeSpec]
    keys: dict[Name, KeyDecl] = Field(default_factory=dict)
    version: Name | None = None
    type_value: Name | None = None
    repository: Name | None = None
    access_patterns: dict[Name, AccessPatternDecl] = Field(default_factory=dict)
    lint: LintSettings = Field(default_factory=LintSettings)


class CollectionDecl(_Written):
    """A cross-entity query on one partition."""

    index: Name
    members: list[Name]


class SchemaDecl(_Written):
    """A whole schema file."""

    dyngen: Literal[1] = Field(description="Format version")
    table: TableDecl
    entities: dict[Name, EntityDecl]
    collections: dict[Name, CollectionDecl] = Field(default_factory=dict)
    lint: LintSettings = Field(default_factory=LintSettings)


AttributeDecl.model_rebuild()
