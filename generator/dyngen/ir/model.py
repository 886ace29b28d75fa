"""Frozen dataclasses the templates receive. Templates loop and print; every
string here (annotations, expressions, imports) is final Python source."""

from __future__ import annotations

from dataclasses import dataclass

from dyngen.ir.types import Piece


@dataclass(frozen=True)
class EnumMemberIR:
    """``name = "value"`` inside a generated StrEnum (name None: reach by value)."""

    name: str
    value: str  # a Python string literal


@dataclass(frozen=True)
class EnumIR:
    """A generated ``enum.StrEnum``."""

    class_name: str
    members: tuple[EnumMemberIR, ...]
    doc: str
    path: tuple[str | int, ...] = ()  # where the schema declares it


@dataclass(frozen=True)
class FieldIR:
    """One model attribute and how it crosses the wire."""

    name: str
    stored: str  # attribute name in the item, as a Python string literal
    declaration: str  # ``name: Annotation = default`` as written in the class body
    encode: str  # wire value of ``self.<name>``
    decode: str  # Python value from the wire value ``av``
    decode_present: str  # Python value read straight from ``item[stored]``
    guard: str | None  # when set, the attribute is written only if this holds
    always_present: bool  # decode reads ``item[...]`` directly (no .get)
    missing: str | None  # Python value when the attribute is absent (sets: empty)
    doc: str | None
    optional_annotation: str = ""  # ``T | None``, for partial models
    # An upper bound of the attribute's stored bytes: a constant (its name and
    # any fixed-size value) plus an expression for the rest, which holds only
    # where ``guard`` does (an upper bound may count an absent name).
    size_constant: int = 0
    size_term: str | None = None
    # How ``to_checked_item`` writes a field of variable size: read once into
    # a local (by ``checked_prelude`` or ``checked_guard``), then encoded and
    # bounded from it by ``checked_encode`` and ``checked_size_term``.
    checked_guard: str | None = None
    checked_prelude: str | None = None
    checked_encode: str | None = None
    checked_size_term: str | None = None
    # The attribute as ``to_checked_json`` writes it: ``,"name":<value>``.
    json_pieces: tuple[Piece, ...] | None = None

    @property
    def checked_condition(self) -> str | None:
        """The guard as ``to_checked_item`` tests it (binding the local)."""
        return self.checked_guard or self.guard

    @property
    def checked_value(self) -> str:
        """The wire value as ``to_checked_item`` writes it."""
        return self.checked_encode or self.encode

    @property
    def checked_term(self) -> str | None:
        """The size term as ``to_checked_item`` adds it."""
        return self.checked_size_term or self.size_term


@dataclass(frozen=True)
class JsonWriteIR:
    """How ``to_checked_json`` writes an item as DynamoDB JSON text.

    ``head`` writes every attribute always present; each part appends one
    written only under its guard; then the text closes. ``size`` measures the
    text (at least the item's stored size) and ``over`` sends the item to
    ``to_checked_item`` (the exact check) when the size or a key may be past
    a limit. ``identity`` is the item's key as ``wire.key_identity`` gives it.
    """

    head: str
    parts: tuple[JsonPartIR, ...]
    size: str
    over: str
    identity: str


@dataclass(frozen=True)
class JsonPartIR:
    """``text += <text>`` in ``to_checked_json``, only where ``guard`` holds."""

    guard: str | None
    text: str


@dataclass(frozen=True)
class KeyWriteIR:
    """``item[attribute] = {"S": expr}`` for one key attribute."""

    attribute: str  # Python string literal
    value: str  # wire value expression


@dataclass(frozen=True)
class IndexWriteIR:
    """The key attributes of one secondary index, written when ``guard`` holds."""

    index: str
    guard: str | None
    writes: tuple[KeyWriteIR, ...]
    # ``to_checked_item`` computes key texts into locals it also measures, and
    # adds ``size_term`` to its bound inside the guard.
    checked_locals: tuple[KeyWriteIR, ...] = ()
    checked_writes: tuple[KeyWriteIR, ...] = ()
    size_term: str | None = None


@dataclass(frozen=True)
class ParamIR:
    """A keyword parameter of a generated method."""

    name: str
    annotation: str


@dataclass(frozen=True)
class NestedModelIR:
    """A generated model for an ``object`` attribute (no keys, no type attribute)."""

    class_name: str
    doc: str
    fields: tuple[FieldIR, ...]
    path: tuple[str | int, ...] = ()  # where the schema declares it
    size_bound: str = "0"  # body of ``map_size_bound``
    # ``to_map_json``: the attributes always present, then each optional one.
    json_head: str = '""'
    json_parts: tuple[JsonPartIR, ...] = ()


@dataclass(frozen=True)
class FieldRefIR:
    """``name: FieldRef[T] = FieldRef(...)`` in the entity's ``Fields`` class."""

    name: str
    annotation: str
    source: str


@dataclass(frozen=True)
class AccessPatternIR:
    """One query method (and its ``iter_`` form) on a repository."""

    name: str
    plan_name: str  # module-level constant holding the QueryPlan
    plan_source: str  # ``QueryPlan(...)`` constructor source
    pk_params: tuple[ParamIR, ...]  # positional-or-keyword, template order
    sk_params: tuple[ParamIR, ...]  # keyword-only, optional
    partitions: str  # expression: list of partition-key texts
    given: str  # expression: dict of sort-key field values
    unique: bool
    consistent: bool  # offered only on the table and local indexes
    doc: tuple[str, ...]  # docstring lines


@dataclass(frozen=True)
class UpdateIR:
    """The typed update builder of one entity."""

    class_name: str
    spec_name: str  # module-level constant holding the UpdateSpec
    spec_source: str
    set_params: tuple[ParamIR, ...]
    add_params: tuple[ParamIR, ...]
    delete_params: tuple[ParamIR, ...]
    removable: tuple[str, ...]  # Python string literals of optional fields
    key_values: str  # dict source of the primary-key fields, for the builder


@dataclass(frozen=True)
class EntityIR:
    """One entity: its model, keys and repository."""

    name: str
    class_name: str
    doc: str
    repository_attr: str
    repository_class: str
    fields: tuple[FieldIR, ...]
    type_attribute: str  # Python string literal
    type_value: str  # Python string literal
    primary_locals: tuple[KeyWriteIR, ...]  # ``pk = ...`` / ``sk = ...`` in to_item
    primary_writes: tuple[KeyWriteIR, ...]
    index_writes: tuple[IndexWriteIR, ...]
    key_params: tuple[ParamIR, ...]
    key_writes: tuple[KeyWriteIR, ...]  # body of ``Model.key(...)``
    key_call: str  # ``Customer.key(customer_id=customer_id)``
    entity_info: str  # ``EntityInfo(...)`` constructor source
    version_field: str | None
    fields_class: str
    field_refs: tuple[FieldRefIR, ...]
    access_patterns: tuple[AccessPatternIR, ...]
    update: UpdateIR
    size_check: SizeCheckIR | None = None
    json_write: JsonWriteIR | None = None


@dataclass(frozen=True)
class SizeCheckIR:
    """How ``to_checked_item`` bounds the item's stored size while encoding it.

    ``bound`` starts the bound once the unconditional attributes are in the
    item; each guarded attribute and index key adds its ``size_term`` where it
    is written; ``over`` is the test that sends the item to the exact check
    (``check_call``): the bound past 400 KB or a key that may be too long.
    """

    bound: str
    over: str
    check_call: str


@dataclass(frozen=True)
class CollectionMemberIR:
    """One field of a collection's result class."""

    name: str  # snake_case: singular for a constant sort key, plural otherwise
    annotation: str
    type_value: str  # Python string literal
    plural: bool


@dataclass(frozen=True)
class CollectionIR:
    """``db.collections.<name>(...)`` and its typed result class."""

    name: str
    class_name: str
    plan_name: str
    plan_source: str
    pk_params: tuple[ParamIR, ...]
    partition: str  # expression: the partition-key text
    members: tuple[CollectionMemberIR, ...]
    consistent: bool
    doc: str


@dataclass(frozen=True)
class ModuleIR:
    """One schema file's generated package."""

    schema_path: str
    rebuild_command: str
    module: str
    client_class: str
    table_schema: str  # ``TableSchema(...)`` constructor source
    enums: tuple[EnumIR, ...]
    nested: tuple[NestedModelIR, ...]
    entities: tuple[EntityIR, ...]
    models_imports: tuple[str, ...]
    client_imports: tuple[str, ...]
    exports: tuple[str, ...]
    model_exports: tuple[str, ...]
    client_exports: tuple[str, ...]
    collections: tuple[CollectionIR, ...]
    collections_class: str
