"""Building the intermediate model from a shape-checked schema.

Every semantic rule of the format that makes a schema unbuildable (DG001, DG003,
DG004) is checked here, and every finding is collected before giving up, so a
user fixes a file in one pass. Everything the templates print is computed here.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dyngen_runtime.errors import ValidationError as RuntimeValidationError
from dyngen_runtime.marshal import encode_decimal
from dyngen_runtime.size import MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES
from dyngen_runtime.table import IndexSchema, ScalarType, TableSchema

from dyngen import names
from dyngen.diagnostics import CODES, Diagnostic, SchemaError, Severity
from dyngen.ir.key_templates import (
    KeyTemplate,
    Literal,
    Placeholder,
    Shard,
    TemplateError,
    parse_template,
)
from dyngen.ir.model import (
    AccessPatternIR,
    CollectionIR,
    CollectionMemberIR,
    EntityIR,
    EnumIR,
    EnumMemberIR,
    FieldIR,
    FieldRefIR,
    IndexWriteIR,
    JsonPartIR,
    JsonWriteIR,
    KeyWriteIR,
    ModuleIR,
    NestedModelIR,
    ParamIR,
    SizeCheckIR,
    UpdateIR,
)
from dyngen.ir.semantics import (
    AccessPatternInfo,
    AttributeInfo,
    CollectionInfo,
    EntityInfo,
    IndexInfo,
    IndexKeys,
    KeySource,
    SchemaInfo,
)
from dyngen.ir.types import (
    KEY_ATTRIBUTE_TYPES,
    KEY_SCALARS,
    NUMBER_BYTES,
    Codec,
    Imports,
    JsonLit,
    Piece,
    TypeRef,
    concat_source,
    container_codec,
    join_source,
    parse_type,
    q,
    scalar_codec,
    with_text,
)
from dyngen.schema.model import (
    AccessPatternDecl,
    AttributeDecl,
    EntityDecl,
    IndexDecl,
    SchemaDecl,
)
from dyngen.schema.source import Path, Source, SourceMap

RT = "dyngen_runtime"
_BUILTIN_SET = re.compile(r"\bset\[")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
MAX_LOCAL_INDEXES = 5
MAX_GLOBAL_INDEXES = 20
MAX_PROJECTED_ATTRIBUTES = 100
_KEY_TEXT_CHARS = {
    "int": set("0123456789-"),
    "decimal": set("0123456789-."),
    "datetime": set("0123456789-:.TZ"),
    "date": set("0123456789-"),
    "bool": set("truefals"),
}


def _padded_fields(decl: EntityDecl) -> set[str]:
    """Fields that some key template of the entity zero-pads (``{n:08}``)."""
    padded: set[str] = set()
    for keys in decl.keys.values():
        for text in (keys.pk, keys.sk):
            if not text:
                continue
            try:
                template = parse_template(text)
            except TemplateError:
                continue
            padded.update(
                p.field
                for p in template.parts
                if isinstance(p, Placeholder) and p.width
            )
    return padded


def _storable(number: Decimal) -> bool:
    """Whether DynamoDB can store the number (finite, 38 digits, its range)."""
    try:
        encode_decimal(number, "default")
    except RuntimeValidationError:
        return False
    return True


def _fits(attribute: AttributeInfo, value: object) -> bool:
    """Whether a constant from the schema is a valid value of the attribute."""
    kind = attribute.type.kind
    if value is None:
        return not attribute.always_set
    if kind == "enum":
        return value in attribute.enum_values
    if kind in ("str", "date", "datetime"):
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("decimal", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


def spec_type_value(schema: SchemaDecl, entity: str) -> str:
    """The value an entity stores in the type attribute."""
    return schema.entities[entity].type_value or entity


@dataclass(frozen=True)
class Attribute:
    """One checked entity attribute, before code is generated for it."""

    name: str
    stored: str
    type: TypeRef
    required: bool
    has_default: bool
    decl: AttributeDecl | None
    path: Path
    class_name: str  # of the generated enum or nested model, when there is one

    @property
    def always_set(self) -> bool:
        """True when every model instance has a value (required or defaulted)."""
        return self.required or self.has_default


@dataclass(frozen=True)
class Index:
    """A table or index key: partition and sort attribute names."""

    name: str
    kind: str  # "primary", "global" or "local"
    pk: str
    sk: str | None
    decl: IndexDecl | None


class _Builder:
    def __init__(self, source: Source, schema: SchemaDecl) -> None:
        self.source = source
        self.schema = schema
        self.findings: list[Diagnostic] = []
        self.enums: list[EnumIR] = []
        self.nested: list[NestedModelIR] = []
        self.models_imports = Imports()
        self.client_imports = Imports()
        self.padded: set[str] = set()
        self.index_infos: dict[str, IndexInfo] = {}
        self.entity_templates: dict[
            str,
            tuple[dict[tuple[str, str], KeyTemplate | Attribute], dict[str, Attribute]],
        ] = {}
        self.entity_infos: dict[str, EntityInfo] = {}
        self.key_types: dict[str, tuple[str, Path]] = {}

    # -- diagnostics -------------------------------------------------------

    def error(
        self, path: Path, message: str, code: str = "DG001", key: bool = False
    ) -> None:
        positions = self.source.positions
        position = positions.key(path) if key else positions.value(path)
        self.findings.append(Diagnostic(self.source.path, position, code, message))

    # -- table -------------------------------------------------------------

    def indexes(self) -> dict[str, Index]:
        table = self.schema.table
        if table.sk is not None and table.sk == table.pk:
            self.error(("table", "sk"), f"the table's sk '{table.sk}' is also its pk")
        key_attributes = {table.pk, *([table.sk] if table.sk else [])}
        for name, decl in table.indexes.items():
            key_attributes.update(k for k in (decl.pk, decl.sk) if k)
            if decl.pk is not None and decl.pk == decl.sk:
                self.error(
                    ("table", "indexes", name, "sk"),
                    f"index {name}'s sk '{decl.sk}' is also its pk",
                )
        for setting in ("type_attribute", "ttl"):
            value = getattr(table, setting)
            if value in key_attributes:
                self.error(
                    ("table", setting),
                    f"{setting} '{value}' is a key attribute of the table or an index",
                )
        if table.ttl is not None and table.ttl == table.type_attribute:
            self.error(
                ("table", "ttl"), f"ttl '{table.ttl}' is also the type attribute"
            )
        found = {"primary": Index("primary", "primary", table.pk, table.sk, None)}
        self.index_infos["primary"] = IndexInfo(
            "primary", "primary", table.pk, table.sk, "all", ("table",)
        )
        counts = {"global": 0, "local": 0}
        projected = 0
        for name, decl in table.indexes.items():
            path: Path = ("table", "indexes", name)
            if not _INDEX_NAME.match(name):
                self.error(
                    path,
                    f"index name '{name}' must be 3 to 255 letters, digits, '_', '-' "
                    "or '.' (DynamoDB's rule)",
                    key=True,
                )
            if name == "primary":
                self.error(path, "'primary' names the table's own key", key=True)
                continue
            counts[decl.kind] += 1
            if decl.kind == "local":
                if table.sk is None:
                    self.error(
                        path,
                        f"local index {name} needs a table sort key: the table "
                        "has only a partition key",
                    )
                if decl.pk is not None:
                    self.error(
                        (*path, "pk"),
                        f"local index {name} takes no pk: its partition key is the table's",
                    )
                if decl.sk is None:
                    self.error(path, f"local index {name} needs an sk attribute")
                found[name] = Index(name, "local", table.pk, decl.sk, decl)
            else:
                if decl.pk is None:
                    self.error(path, f"global index {name} needs a pk attribute")
                found[name] = Index(name, "global", decl.pk or "", decl.sk, decl)
            if isinstance(decl.projection, list):
                projected += len(decl.projection)
            index = found[name]
            self.index_infos[name] = IndexInfo(
                name,
                index.kind,
                index.pk,
                index.sk,
                tuple(decl.projection)
                if isinstance(decl.projection, list)
                else decl.projection,
                path,
            )
        for kind, limit in (
            ("local", MAX_LOCAL_INDEXES),
            ("global", MAX_GLOBAL_INDEXES),
        ):
            if counts[kind] > limit:
                self.error(
                    ("table", "indexes"),
                    f"{counts[kind]} {kind} indexes: DynamoDB allows at most {limit}",
                )
        if projected > MAX_PROJECTED_ATTRIBUTES:
            self.error(
                ("table", "indexes"),
                f"{projected} projected attributes across indexes: DynamoDB "
                f"allows at most {MAX_PROJECTED_ATTRIBUTES}",
            )
        return found

    # -- attributes --------------------------------------------------------

    def attributes(self, entity: str, decl: EntityDecl) -> dict[str, Attribute]:
        found: dict[str, Attribute] = {}
        stored_names: dict[str, str] = {}
        for name, spec in decl.attributes.items():
            path: Path = ("entities", entity, "attributes", name)
            attribute = self.attribute(
                entity, name, spec, path, names.pascal_case(entity)
            )
            if attribute is None:
                continue
            if attribute.stored in stored_names:
                self.error(
                    path,
                    f"{entity}.{name} is stored as '{attribute.stored}', like "
                    f"{entity}.{stored_names[attribute.stored]}",
                    key=True,
                )
            stored_names[attribute.stored] = name
            found[name] = attribute
        return found

    def attribute(
        self,
        entity: str,
        name: str,
        spec: Any,
        path: Path,
        owner_class: str,
        *,
        nested: bool = False,
    ) -> Attribute | None:
        ok = True
        if not names.is_identifier(name) or name.startswith("_"):
            self.error(
                path,
                f"attribute name '{name}' must be a Python identifier, not a keyword, "
                "not starting with '_'; keep the stored name with alias:",
                key=True,
            )
            ok = False
        elif (
            name in names.RESERVED_ATTRIBUTES
            or name.startswith("model_")
            or (nested and name in names.RESERVED_NESTED_ATTRIBUTES)
        ):
            self.error(
                path,
                f"attribute name '{name}' clashes with the generated model API; "
                "rename it and keep the stored name with alias:",
                key=True,
            )
            ok = False
        decl = spec if isinstance(spec, AttributeDecl) else None
        type_text = spec if isinstance(spec, str) else spec.type
        type_path: Path = path if decl is None else (*path, "type")
        try:
            type_ref = parse_type(type_text)
        except ValueError as error:
            self.error(type_path, f"{entity}.{name}: {error}")
            return None
        class_name = owner_class + names.pascal_case(name)
        inner = type_ref.innermost.kind
        if inner == "enum" and (decl is None or not decl.values):
            where = (
                (*path, "values")
                if decl is not None and decl.values == []
                else type_path
            )
            self.error(where, f"{entity}.{name}: an enum needs values:")
            ok = False
        if inner == "object" and (decl is None or not decl.attributes):
            self.error(type_path, f"{entity}.{name}: an object needs attributes:")
            ok = False
        if decl is not None:
            if decl.values is not None and inner != "enum":
                self.error((*path, "values"), f"{entity}.{name}: values: is for enums")
                ok = False
            if decl.attributes is not None and inner != "object":
                self.error(
                    (*path, "attributes"),
                    f"{entity}.{name}: attributes: is for objects",
                )
                ok = False
            if decl.alias is not None and not decl.alias:
                self.error((*path, "alias"), f"{entity}.{name}: empty alias")
                ok = False
        if not ok:
            return None
        has_default = decl is not None and (
            "default" in decl.model_fields_set or decl.default_factory is not None
        )
        return Attribute(
            name=name,
            stored=(decl.alias if decl is not None and decl.alias else name),
            type=type_ref,
            required=decl.required if decl is not None else True,
            has_default=has_default,
            decl=decl,
            path=path,
            class_name=class_name,
        )

    # -- code for attributes -----------------------------------------------

    def codec(self, attribute: Attribute, label: str, imports: Imports) -> Codec:
        values = (attribute.decl.values if attribute.decl else None) or []
        enum_bytes = max((len(v.encode()) for v in values), default=0)

        def build(ref: TypeRef) -> Codec:
            if ref.item is not None:
                codec = container_codec(ref.kind, build(ref.item), label, imports)
            else:
                codec = scalar_codec(
                    ref.kind, label, imports, attribute.class_name, enum_bytes
                )
            return with_text(codec, imports)

        return build(attribute.type)

    def generated_types(self, entity: str, attribute: Attribute) -> None:
        """Add the enum or nested model an attribute needs."""
        decl = attribute.decl
        inner = attribute.type.innermost.kind
        if decl is None:
            return
        if inner == "enum" and decl.values:
            self.enum(entity, attribute, decl.values)
        if inner == "object" and decl.attributes:
            fields = []
            for sub_name, sub_spec in decl.attributes.items():
                sub = self.attribute(
                    entity,
                    sub_name,
                    sub_spec,
                    (*attribute.path, "attributes", sub_name),
                    attribute.class_name,
                    nested=True,
                )
                if sub is None:
                    continue
                if sub.type.innermost.kind == "ttl":
                    self.error(
                        sub.path,
                        f"{entity}.{attribute.name}.{sub_name}: a ttl must be a "
                        "top-level attribute stored as the table's ttl",
                        code="DG004",
                    )
                self.generated_types(entity, sub)
                fields.append(
                    self.field(
                        entity,
                        sub,
                        self.models_imports,
                        label=f"{attribute.name}.{sub.name}",
                    )
                )
            self.nested.append(
                NestedModelIR(
                    size_bound=_map_size_bound(fields),
                    **_nested_json(fields),
                    class_name=attribute.class_name,
                    doc=(
                        decl.description
                        or f"The {attribute.name} of {names.article(entity)}."
                    ),
                    fields=tuple(fields),
                    path=attribute.path,
                )
            )

    def enum(self, entity: str, attribute: Attribute, values: list[str]) -> None:
        members = []
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                self.error(
                    (*attribute.path, "values", i),
                    f"{entity}.{attribute.name}: duplicate enum value '{value}'",
                )
            seen.add(value)
            member = names.enum_member_name(value)
            if member is not None:
                members.append(EnumMemberIR(member, q(value)))
            else:
                # Reached by value; the generated name is private and stable.
                members.append(EnumMemberIR(f"_value_{i}", q(value)))
        self.models_imports.add("enum", "StrEnum")
        self.enums.append(
            EnumIR(
                attribute.class_name,
                tuple(members),
                f"Values of {entity}.{attribute.name}.",
                attribute.path,
            )
        )

    def default_source(self, entity: str, attribute: Attribute) -> str | None:
        """Python source of the attribute's default, or None when it has none."""
        decl = attribute.decl
        if decl is None:
            return None
        where = f"{entity}.{attribute.name}"
        kind = attribute.type.kind
        if decl.default_factory is not None:
            factory = {
                "uuid4": ("uuid4_text", {"str"}),
                "ulid": ("new_ulid", {"str"}),
                "now": ("now_utc", {"datetime", "ttl"}),
                "today": ("today_utc", {"date"}),
            }[decl.default_factory]
            if kind not in factory[1]:
                self.error(
                    (*attribute.path, "default_factory"),
                    f"{where}: default_factory {decl.default_factory} makes a "
                    f"{'/'.join(sorted(factory[1]))}, not a {kind}",
                )
                return None
            if "default" in decl.model_fields_set:
                self.error(
                    (*attribute.path, "default"),
                    f"{where}: give default or default_factory, not both",
                )
            self.models_imports.add("dyngen_runtime.marshal", factory[0])
            self.models_imports.add("pydantic", "Field")
            return f"Field(default_factory={factory[0]})"
        if "default" not in decl.model_fields_set:
            return "None" if not attribute.required else None
        value = decl.default
        source = self.constant(kind, value, attribute)
        if source is None:
            self.error(
                (*attribute.path, "default"),
                f"{where}: default {value!r} is not a valid {attribute.type}",
            )
        return source

    def constant(self, kind: str, value: Any, attribute: Attribute) -> str | None:
        if value is None:
            return "None" if not attribute.required else None
        if kind in ("list", "set", "map"):
            empty: object = {"list": [], "set": [], "map": {}}[kind]
            if value != empty:
                return None
            factory = {"list": "list", "set": "set", "map": "dict"}[kind]
            self.models_imports.add("pydantic", "Field")
            return f"Field(default_factory={factory})"
        if kind == "str" and isinstance(value, str):
            return q(value)
        if kind == "bool" and isinstance(value, bool):
            return repr(value)
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return repr(value)
        if (
            kind == "float"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            if not _storable(Decimal(repr(float(value)))):
                return None
            return repr(float(value))
        if (
            kind == "decimal"
            and isinstance(value, int | float | str)
            and not isinstance(value, bool)
        ):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return None
            if not _storable(number):
                return None
            return f"Decimal({q(str(value))})"
        if kind == "enum" and isinstance(value, str):
            decl = attribute.decl
            if decl is None or decl.values is None or value not in decl.values:
                return None
            member = names.enum_member_name(value)
            if member is not None:
                return f"{attribute.class_name}.{member}"
            return f"{attribute.class_name}({q(value)})"
        return None

    def nested_bound(self, attribute: Attribute) -> str | None:
        """The size bound of the nested model an object attribute holds."""
        if attribute.type.kind != "object":
            return None
        return next(
            (n.size_bound for n in self.nested if n.class_name == attribute.class_name),
            None,
        )

    def field(
        self, entity: str, attribute: Attribute, imports: Imports, *, label: str = ""
    ) -> FieldIR:
        label = q(f"{entity}.{label or attribute.name}")
        codec = self.codec(attribute, label, imports)
        default = self.default_source(entity, attribute)
        optional = not attribute.required
        annotation = f"{codec.annotation} | None" if optional else codec.annotation
        if attribute.name in self.padded:
            # A zero-padded key field sorts as text only when it is not negative.
            self.models_imports.add("typing", "Annotated")
            self.models_imports.add("pydantic", "Field")
            annotation = f"Annotated[{annotation}, Field(ge=0)]"
        declaration = f"{attribute.name}: {annotation}"
        if default is not None:
            declaration += f" = {default}"
        value = f"self.{attribute.name}"
        if codec.is_set:
            guard = value
        elif optional:
            guard = f"{value} is not None"
        else:
            guard = None
        missing = None
        if codec.is_set:
            missing = "set()" if attribute.required else "None"
        size_constant = len(attribute.stored.encode())
        assert codec.size is not None, "every codec bounds its size"
        assert codec.text is not None, "every codec writes its JSON text"
        value_bound = codec.size(value, 0)
        size_term: str | None
        if value_bound.isdigit():
            size_constant += int(value_bound)
            size_term = None
        else:
            size_term = value_bound
        return FieldIR(
            name=attribute.name,
            stored=q(attribute.stored),
            declaration=declaration,
            size_constant=size_constant,
            size_term=size_term,
            **(
                _checked(attribute.name, codec, guard, self.nested_bound(attribute))
                if size_term
                else {}
            ),
            encode=codec.encode(value, 0),
            json_pieces=(_json_name(attribute.stored), *codec.text(value, 0)),
            decode=codec.decode("av", 0),
            decode_present=codec.decode(f"item[{q(attribute.stored)}]", 0),
            guard=guard,
            always_present=attribute.required and not codec.is_set,
            missing=missing,
            doc=attribute.decl.description if attribute.decl else None,
            optional_annotation=f"{codec.annotation} | None",
        )


def _checked(
    name: str, codec: Codec, guard: str | None, nested_bound: str | None
) -> dict[str, str | None]:
    """How ``to_checked_item`` encodes and bounds a field of variable size.

    The value is read once into ``<name>_`` (in the guard, for optional
    fields) and both encoded and measured from there; a json value is encoded
    and measured in one walk, into ``<name>_wire`` and ``<name>_size``; a set
    of text or bytes is listed once into ``<name>_wire`` and measured joined.
    The suffixes keep these locals apart from ``pk``, ``item``, ``bound``, the
    imported names and each other. A nested model's bound (``nested_bound``,
    written over ``self``) is inlined over the local rather than called.
    """
    value = f"self.{name}"
    local = f"{name}_"
    source = value if guard is None else local
    if guard is None:
        guard_text = None
    elif guard == value:  # a set: written when not empty
        guard_text = f"({local} := {value})"
    else:
        guard_text = f"({local} := {value}) is not None"
    prelude: str | None
    if codec.sized_encode is not None:
        prelude = f"{name}_wire, {name}_size = {codec.sized_encode(source, 0)}"
        encode, term = f"{name}_wire", f"{name}_size"
    elif codec.joined_tag is not None:
        wire = f"{name}_wire"
        prelude = f"{wire} = list({source})"
        encode = f'{{"{codec.joined_tag}": {wire}}}'
        text = codec.joined_tag == "SS"
        term = f'4 * len("".join({wire}))' if text else f'len(b"".join({wire}))'
    else:
        prelude = f"{local} = {value}" if guard is None else None
        assert codec.size is not None, "every codec bounds its size"
        encode, term = codec.encode(local, 0), codec.size(local, 0)
        if nested_bound is not None and term == f"{local}.map_size_bound()":
            term = re.sub(r"\bself\.", local + ".", nested_bound)
    return {
        "checked_guard": guard_text,
        "checked_prelude": prelude,
        "checked_encode": encode,
        "checked_size_term": term,
    }


def _map_size_bound(fields: list[FieldIR]) -> str:
    """An expression bounding the stored size of a nested model's map value:
    3 bytes, then per attribute 1 byte, its name and its value."""
    constant = 3 + len(fields) + sum(f.size_constant for f in fields)
    terms = [
        term if field.guard is None else f"({term} if {field.guard} else 0)"
        for field in fields
        if (term := field.size_term) is not None
    ]
    return _sum(constant, [], terms)


def _four_times(texts: list[str]) -> str:
    """``4 * (a + b + ...)``: text lengths at UTF-8's 4 bytes a character."""
    if len(texts) > 1:
        return f"4 * ({' + '.join(texts)})"
    return f"8 * {texts[0][4:]}" if texts[0].startswith("2 * ") else f"4 * {texts[0]}"


@functools.lru_cache(maxsize=4096)
def _addends(term: str) -> tuple[tuple[ast.expr, str], ...]:
    """The top-level addends of an expression with their source text:
    ``a + (b + c) + d`` -> a, b + c, d. Cached: entities repeat their terms."""
    return tuple(_addends_of(ast.parse(term, mode="eval").body, term))


def _addends_of(node: ast.expr, text: str) -> list[tuple[ast.expr, str]]:
    """The addends of ``node``, parsed from ``text``, with their source."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _addends_of(node.left, text) + _addends_of(node.right, text)
    return [(node, _segment(text, node))]


def _segment(source: str, node: ast.expr) -> str:
    """The text of ``node``, parsed from ``source``."""
    text = ast.get_source_segment(source, node)
    assert text is not None, "every node parsed from source has a segment"
    return text


def _operand(node: ast.expr, source: str) -> str:
    """``source`` (of ``node``) safe as one operand of ``+``: parenthesised
    unless it binds tighter (a name, call, attribute, constant or product)."""
    tight = isinstance(node, ast.Name | ast.Call | ast.Attribute | ast.Constant) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
    )
    return source if tight else f"({source})"


def _sum(constant: int, texts: list[str], terms: list[str]) -> str:
    """``constant + 4 * (texts...) + terms...``, the shape every bound takes.

    The terms are taken apart at their top-level ``+``: constants are folded
    into ``constant`` and ``4 * x`` parts join the texts, so a bound adds one
    constant and multiplies once, however its fields' terms were written.
    """
    texts = list(texts)
    rest: list[str] = []
    for term in terms:
        for node, source in _addends(term):
            if isinstance(node, ast.Constant) and isinstance(node.value, int):
                constant += node.value
            elif (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mult)
                and isinstance(node.left, ast.Constant)
                and node.left.value == 4
            ):
                right = _addends_of(node.right, term)
                texts += [_operand(n, text) for n, text in right]
            else:
                rest.append(_operand(node, source))
    return " + ".join([str(constant), *([_four_times(texts)] if texts else []), *rest])


def _covered_fields(
    templates: dict[tuple[str, str], KeyTemplate | Attribute],
) -> dict[str, str]:
    """Text fields a primary key template contains, to the key's local (pk, sk).

    Each placeholder's escaped text is a disjoint part of the key, and escaping
    only lengthens, so the key is at least as long as its text fields together.
    """
    covered: dict[str, str] = {}
    for role in ("pk", "sk"):
        source = templates.get(("primary", role))
        if not isinstance(source, KeyTemplate):
            continue
        for field in source.fields:
            covered.setdefault(field, role)
    return covered


def _literal_text(source: str) -> str | None:
    """The text of ``{"S": "..."}`` or ``"..."`` when it is a constant, else None."""
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, dict):
        value = value.get("S")
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class _KeyTest:
    """A test sending the item to the exact check for a key's sake.

    ``role`` names a template key's local (pk, sk) whose length the bound
    counts: such a test cannot pass while the bound is small (see
    ``_size_check``); the others (plain attributes, which may be empty) always
    run.
    """

    test: str
    role: str | None = None
    limit: int = 0


def _over(measure: str, limit: str, key_tests: list[_KeyTest], twice: set[str]) -> str:
    """The test sending an item to the exact check: ``measure`` past ``limit``,
    or a key that may be too long.

    ``measure`` counts a template key's bytes at least once (twice for the
    keys in ``twice``), so while it is under (that count) x (the key's limit)
    the key is short: an ordinary item pays one comparison, not one per key.
    """
    bounded = [t for t in key_tests if t.role is not None]
    tests = [f"{measure} > {limit}"]
    if bounded:
        safe = min((2 if t.role in twice else 1) * t.limit for t in bounded)
        either = " or ".join(t.test for t in bounded)
        either = f"({either})" if len(bounded) > 1 else either
        tests.append(f"({measure} > {safe} and {either})")
    tests += [t.test for t in key_tests if t.role is None]
    return " or ".join(tests)


def _size_check(
    entity: str,
    fields: list[FieldIR],
    type_attribute: str,
    type_value: str,
    primary_locals: tuple[KeyWriteIR, ...],
    primary_writes: tuple[KeyWriteIR, ...],
    index_writes: tuple[IndexWriteIR, ...],
    key_tests: list[_KeyTest],
    key_attributes: list[str],
    covered: dict[str, str],
) -> tuple[SizeCheckIR, tuple[FieldIR, ...], tuple[IndexWriteIR, ...]]:
    """How ``to_checked_item`` bounds the stored size of the item it encodes.

    Constant parts are summed here; each field adds its codec's bound; key
    attributes built from templates are text, bounded by 4 bytes a character,
    and read from the locals or the item rather than computed twice. A
    required text field placed in a primary key template (``covered``: field
    to key local) is no longer than that key, so the key's length counts
    twice instead of the field's being taken. Returns the check and the index
    writes with the terms their guards add, and the fields as the checked
    encoding writes them.
    """
    constant = len(type_attribute.encode()) + len(type_value.encode())
    texts: list[str] = []
    terms: list[str] = []
    locals_ = {local.attribute: local.value for local in primary_locals}
    for write in primary_writes:
        constant += len(ast.literal_eval(write.attribute).encode())
        role = write.value.removeprefix('{"S": ').removesuffix("}")
        literal = _literal_text(locals_.get(role, ""))
        if literal is not None:
            constant += len(literal.encode())
        else:
            texts.append(f"len({role})")  # a template key's local
    twice: set[str] = set()
    checked_fields: list[FieldIR] = []
    for field in fields:
        checked_fields.append(field)
        constant += field.size_constant
        term = field.checked_term
        if term is None or field.guard is not None:
            continue  # a guarded field adds its term where it is written
        if term == f"4 * len({field.name}_)" and field.name in covered:
            twice.add(covered[field.name])
            checked_fields[-1] = dataclasses.replace(
                field, checked_prelude=None, checked_encode=None, checked_size_term=None
            )
        else:
            terms.append(term)  # _sum moves its ``4 * x`` parts to the texts
    texts = [f"2 * {t}" if t.removeprefix("len(")[:-1] in twice else t for t in texts]
    late: list[str] = []  # index keys are written after the bound starts
    indexes: list[IndexWriteIR] = []
    numbers = itertools.count()
    for index in index_writes:
        index_texts: list[str] = []
        local_writes: list[KeyWriteIR] = []
        writes: list[KeyWriteIR] = []
        for write in index.writes:
            constant += len(ast.literal_eval(write.attribute).encode())
            literal = _literal_text(write.value)
            if literal is not None:
                constant += len(literal.encode())
                writes.append(write)
                continue
            local = f"index_key_{next(numbers)}"
            text = write.value.removeprefix('{"S": ').removesuffix("}")
            local_writes.append(KeyWriteIR(local, text))
            writes.append(KeyWriteIR(write.attribute, f'{{"S": {local}}}'))
            index_texts.append(f"len({local})")
        term = _four_times(index_texts) if index_texts else None
        if index.guard is None:
            late += index_texts
            term = None
        indexes.append(
            dataclasses.replace(
                index,
                checked_locals=tuple(local_writes),
                checked_writes=tuple(writes),
                size_term=term,
            )
        )
    limit = "MAX_ITEM_BYTES"
    if late:
        limit += f" - {_four_times(late)}"
    # The bound counts 4 bytes per character of a template key's local, twice
    # when it covers fields.
    over = _over("bound", limit, key_tests, twice)
    pk = q(key_attributes[0])
    sk = q(key_attributes[1]) if len(key_attributes) > 1 else "None"
    check = SizeCheckIR(
        bound=_sum(constant, texts, terms),
        over=over,
        check_call=f"check_item(item, {q(entity)}, {pk}, {sk})",
    )
    return check, tuple(checked_fields), tuple(indexes)


def _json_name(stored: str) -> JsonLit:
    """``,"name":`` before an attribute's value in an item's JSON text."""
    return JsonLit("," + json.dumps(stored, ensure_ascii=False) + ":")


_TAGGED = re.compile(r'^\{"(\w+)": (.*)\}$', re.DOTALL)


def _wire_pieces(value: str) -> tuple[Piece, ...]:
    """The JSON text of a key attribute's wire value source ``{"S": expr}``."""
    literal = _literal_text(value)
    if literal is not None:
        return (JsonLit('{"S":' + json.dumps(literal, ensure_ascii=False) + "}"),)
    tagged = _TAGGED.match(value)
    if tagged and tagged.group(1) == "S":
        return (JsonLit('{"S":'), f"json_str({tagged.group(2)})", JsonLit("}"))
    return (f"json_text({value})",)


def _field_json(field: FieldIR) -> tuple[Piece, ...]:
    if field.json_pieces is not None:
        return field.json_pieces
    # Fields the builder writes by hand (the version) have no codec.
    return (_json_name(ast.literal_eval(field.stored)), f"json_text({field.encode})")


def _fields_json(
    fields: Iterable[FieldIR], head: list[Piece], parts: list[JsonPartIR]
) -> None:
    """Add each field's JSON to ``head`` (always written) or, under its guard,
    to ``parts``."""
    for field in fields:
        if field.guard is None:
            head += _field_json(field)
        else:
            parts.append(JsonPartIR(field.guard, concat_source(_field_json(field))))


def _nested_json(fields: list[FieldIR]) -> dict[str, Any]:
    """How a nested model's ``to_map_json`` writes its attributes: those always
    present in one expression, each optional one under its guard, every one
    led by a comma that the method drops from the first."""
    head: list[Piece] = []
    parts: list[JsonPartIR] = []
    _fields_json(fields, head, parts)
    return {
        "json_head": join_source(tuple(head)) if head else '""',
        "json_parts": tuple(parts),
    }


def _json_write(
    entity: str,
    fields: tuple[FieldIR, ...],
    type_attribute: str,
    type_value: str,
    primary_writes: tuple[KeyWriteIR, ...],
    index_writes: tuple[IndexWriteIR, ...],
    key_tests: list[_KeyTest],
    key_attributes: list[str],
) -> JsonWriteIR:
    """How ``to_checked_json`` writes the item as DynamoDB JSON text.

    The attributes always present are written in one ``"".join``, each
    optional field and each sparse index's keys appended under its guard.
    The text's UTF-8 length bounds the stored size from above, and a key's
    bytes from above too, so the exact check runs only past a limit.
    """
    head: list[Piece] = []
    for write in primary_writes:
        head += [_json_name(ast.literal_eval(write.attribute))]
        head += _wire_pieces(write.value)
    head += [
        _json_name(ast.literal_eval(type_attribute)),
        JsonLit(
            '{"S":' + json.dumps(ast.literal_eval(type_value), ensure_ascii=False) + "}"
        ),
    ]
    parts: list[JsonPartIR] = []
    _fields_json(fields, head, parts)
    for index in index_writes:
        pieces: list[Piece] = []
        for write in index.writes:
            pieces += [_json_name(ast.literal_eval(write.attribute))]
            pieces += _wire_pieces(write.value)
        if index.guard is None:
            head += pieces
        else:
            parts.append(JsonPartIR(index.guard, concat_source(tuple(pieces))))
    first = head[0]
    assert isinstance(first, JsonLit), "every item starts with a name"
    head[0] = JsonLit("{" + first.text[1:])
    if parts:
        parts.append(JsonPartIR(None, q("}")))
    else:
        head.append(JsonLit("}"))
    pairs: dict[str, str] = {}
    for write in primary_writes:
        tagged = _TAGGED.match(write.value)
        assert tagged, write.value
        pairs[ast.literal_eval(write.attribute)] = (
            f"{q(tagged.group(1))}, {tagged.group(2)}"
        )
    for field in fields:
        stored = ast.literal_eval(field.stored)
        if stored in key_attributes and stored not in pairs:
            tagged = _TAGGED.match(field.encode)
            assert tagged, field.encode
            pairs[stored] = f"{q(tagged.group(1))}, {tagged.group(2)}"
    identity = ", ".join(f"{q(name)}, {pairs[name]}" for name in sorted(pairs))
    return JsonWriteIR(
        head=join_source(tuple(head)),
        parts=tuple(parts),
        size=f"json_size(text, {q(entity)})",
        # A key's bytes are part of the text, counted once.
        over=_over("size", "MAX_ITEM_BYTES", key_tests, set()),
        identity=f"({identity})",
    )


@dataclass(frozen=True)
class Compiled:
    """A checked schema: what the templates print and what lint rules read."""

    module: ModuleIR
    info: SchemaInfo
    positions: SourceMap
    table: TableSchema


def build_module(source: Source, schema: SchemaDecl, rebuild_command: str) -> Compiled:
    """Check ``schema`` and compute its generated package; raise SchemaError."""
    return _ModuleBuilder(source, schema, rebuild_command).build()


class _ModuleBuilder(_Builder):
    def __init__(
        self, source: Source, schema: SchemaDecl, rebuild_command: str
    ) -> None:
        super().__init__(source, schema)
        self.rebuild_command = rebuild_command

    def build(self) -> Compiled:
        schema = self.schema
        table = schema.table
        module = table.name
        if not names.is_identifier(module) or module.startswith("_"):
            self.error(
                ("table", "name"),
                f"table name '{module}' must be a Python identifier: it names the "
                "generated module (the physical table name is set at connect time)",
            )
        indexes = self.indexes()
        entities: list[EntityIR] = []
        repositories: dict[str, str] = {}
        for name, decl in schema.entities.items():
            path: Path = ("entities", name)
            if not names.is_identifier(name) or name.startswith("_"):
                self.error(
                    path, f"entity name '{name}' must be a Python identifier", key=True
                )
                continue
            entity = self.entity(name, decl, indexes)
            if entity is None:
                continue
            if entity.repository_attr in repositories:
                where = (*path, "repository") if decl.repository else path
                self.error(
                    where,
                    f"entities {repositories[entity.repository_attr]} and {name} "
                    f"both have the repository '{entity.repository_attr}'; set "
                    "repository: on one of them",
                    key=decl.repository is None,
                )
            repositories[entity.repository_attr] = name
            entities.append(entity)
        collections = self.collection_irs(indexes)
        self.class_names(module, entities, collections)
        self.references(indexes)
        self.projections()
        self.collections()
        self.lint_settings()
        if self.findings:
            raise SchemaError(self.findings)
        client_imports = self.client_imports
        client_imports.add(
            RT, "EntityRepository", "IndexSchema", "TableClient", "TableSchema"
        )
        client_imports.add(RT + ".executor", "Executor")
        client_imports.add(".models", *(e.class_name for e in entities))
        client_imports.add("typing", "Any", "Literal", "Self")
        client_imports.add("collections.abc", "Callable")
        client_imports.add(
            RT + ".transactions",
            "EntityTx",
            "TxRead",
            "TxWrite",
            "run_transaction",
            "transact_get",
        )
        client_imports.add("collections.abc", "Sequence")
        client_imports.add(RT, "BatchGetResult")
        client_imports.add(".models", *(f"{e.class_name}Key" for e in entities))
        self.models_imports.add("typing", "TypedDict", "Literal")
        self.models_imports.add(RT + ".model", "PartialModel")
        client_imports.add("typing", "overload")
        client_imports.add(
            ".models",
            *(f"{e.class_name}Partial" for e in entities),
            *(f"{e.class_name}FieldName" for e in entities),
        )
        client_imports.add(RT, "Condition")
        if any(e.access_patterns for e in entities):
            client_imports.add(RT + ".query", "Page")
            client_imports.add(RT, "Condition")
            client_imports.add("collections.abc", "Iterator")
        self.models_imports.add(RT, "EntityInfo", "EntityModel", "Item", "require_abi")
        self.models_imports.add(RT + ".marshal", "decode_error")
        self.models_imports.add(RT + ".model", "construct_trusted")
        self.models_imports.add("typing", "Any", "ClassVar", "Self")
        if self.nested:
            self.models_imports.add("pydantic", "BaseModel", "ConfigDict")
        exports = sorted(
            [e.class_name for e in entities]
            + [f"{e.class_name}Key" for e in entities]
            + [f"{e.class_name}Partial" for e in entities]
            + [f"{e.class_name}FieldName" for e in entities]
            + [e.class_name for e in self.enums]
            + [n.class_name for n in self.nested]
            + [names.pascal_case(module)]
        )
        client_class = names.pascal_case(module)
        table_object = self.table_schema(indexes)
        if collections:
            client_imports.add(RT + ".collection", "CollectionPlan", "read_collection")
            client_imports.add("dataclasses", "dataclass")
        client_exports = tuple(
            sorted([client_class, *(c.class_name for c in collections)])
        )
        exports = sorted([*exports, *(c.class_name for c in collections)])
        module_ir = ModuleIR(
            schema_path=self.source.path,
            rebuild_command=self.rebuild_command,
            module=module,
            client_class=names.pascal_case(module),
            table_schema=repr(table_object),
            enums=tuple(self.enums),
            nested=tuple(self.nested),
            entities=tuple(entities),
            models_imports=self.models_imports.lines(),
            client_imports=client_imports.lines(),
            exports=tuple(exports),
            model_exports=tuple(e for e in exports if e not in client_exports),
            client_exports=client_exports,
            collections=tuple(collections),
            collections_class=f"{client_class}Collections",
        )
        return Compiled(
            module_ir, self.schema_info(), self.source.positions, table_object
        )

    def schema_info(self) -> SchemaInfo:
        schema = self.schema
        return SchemaInfo(
            path=self.source.path,
            pk=schema.table.pk,
            sk=schema.table.sk,
            type_attribute=schema.table.type_attribute,
            indexes=dict(self.index_infos),
            entities=dict(self.entity_infos),
            collections=tuple(
                CollectionInfo(
                    name, spec.index, tuple(spec.members), ("collections", name)
                )
                for name, spec in schema.collections.items()
            ),
            ignored=frozenset(schema.lint.ignore),
            ignored_by_entity={
                name: frozenset(decl.lint.ignore)
                for name, decl in schema.entities.items()
                if decl.lint.ignore
            },
        )

    # -- checks across entities -------------------------------------------------

    def projections(self) -> None:
        """Include lists may only name attributes some item carries."""
        table = self.schema.table
        known = {table.pk, table.type_attribute}
        known.update(a for a in (table.sk, table.ttl) if a)
        for index in self.index_infos.values():
            known.add(index.pk)
            if index.sk:
                known.add(index.sk)
        for entity in self.entity_infos.values():
            known.update(entity.stored_attributes())
        for name, decl in table.indexes.items():
            if not isinstance(decl.projection, list):
                continue
            seen: set[str] = set()
            for i, attribute in enumerate(decl.projection):
                path: Path = ("table", "indexes", name, "projection", i)
                if attribute in seen:
                    self.error(path, f"index {name} projects '{attribute}' twice")
                seen.add(attribute)
                if attribute not in known and self.entity_infos:
                    self.error(
                        path,
                        f"index {name} projects '{attribute}', which no entity stores",
                    )

    def collections(self) -> None:
        """Members of a collection share one partition key on its index."""
        for collection, spec in self.schema.collections.items():
            path: Path = ("collections", collection)
            if not spec.members:
                self.error((*path, "members"), f"{collection}: no members")
            if len(set(spec.members)) != len(spec.members):
                self.error(
                    (*path, "members"), f"{collection}: a member is listed twice"
                )
            rendered: dict[str, str] = {}
            for i, member in enumerate(spec.members):
                entity = self.entity_infos.get(member)
                if entity is None:
                    continue
                keys = entity.keys.get(spec.index)
                if keys is None or keys.pk is None:
                    self.error(
                        (*path, "members", i),
                        f"{collection}: {member} does not write index {spec.index}",
                    )
                    continue
                text = (
                    keys.pk.template.text
                    if keys.pk.template
                    else "{" + keys.pk.fields[0] + "}"
                )
                rendered[member] = text
            if len(set(rendered.values())) > 1:
                shown = ", ".join(f"{m} {t!r}" for m, t in rendered.items())
                self.error(
                    (*path, "members"),
                    f"{collection}: members must render the same partition key on "
                    f"{spec.index}, but they render {shown}",
                )
        owners: dict[str, str] = {}
        for name, decl in self.schema.entities.items():
            value = decl.type_value or name
            if value in owners:
                self.error(
                    ("entities", name, "type_value")
                    if decl.type_value
                    else ("entities", name),
                    f"{name} stores type value '{value}', like {owners[value]}",
                    key=decl.type_value is None,
                )
            owners[value] = name

    def lint_settings(self) -> None:
        """Ignore lists name known lint codes."""
        scopes: list[tuple[Path, list[str]]] = [
            (("lint", "ignore"), self.schema.lint.ignore)
        ]
        scopes += [
            (("entities", name, "lint", "ignore"), decl.lint.ignore)
            for name, decl in self.schema.entities.items()
        ]
        for path, codes in scopes:
            for i, code in enumerate(codes):
                if code not in CODES:
                    self.error(
                        (*path, i),
                        f"unknown lint code '{code}' (known: {', '.join(CODES)})",
                    )
                elif CODES[code][0] is Severity.ERROR and code != "DG002":
                    self.error(
                        (*path, i),
                        f"{code} is an error that makes the schema unbuildable; "
                        "it cannot be ignored",
                    )

    def table_schema(self, indexes: dict[str, Index]) -> TableSchema:
        """The runtime's description of the table; generated code prints its repr."""
        table = self.schema.table

        def key_type(attribute: str) -> ScalarType:
            return self.key_types.get(attribute, ("S", ()))[0]  # type: ignore[return-value]

        index_schemas = []
        for name, index in indexes.items():
            if index.decl is None:
                continue
            projection = index.decl.projection
            index_schemas.append(
                IndexSchema(
                    name=name,
                    kind="local" if index.kind == "local" else "global",
                    pk=index.pk,
                    pk_type=key_type(index.pk),
                    sk=index.sk,
                    sk_type=key_type(index.sk) if index.sk else None,
                    projection=(
                        "ALL"
                        if projection == "all"
                        else "KEYS_ONLY"
                        if projection == "keys_only"
                        else "INCLUDE"
                    ),
                    non_key_attributes=tuple(projection)
                    if isinstance(projection, list)
                    else (),
                )
            )
        return TableSchema(
            name=table.name,
            pk=table.pk,
            pk_type=key_type(table.pk),
            sk=table.sk,
            sk_type=key_type(table.sk) if table.sk else None,
            type_attribute=table.type_attribute,
            ttl=table.ttl,
            indexes=tuple(index_schemas),
        )

    # -- entities ------------------------------------------------------------

    def entity(
        self, name: str, decl: EntityDecl, indexes: dict[str, Index]
    ) -> EntityIR | None:
        table = self.schema.table
        path: Path = ("entities", name)
        attributes = self.attributes(name, decl)
        by_stored = {a.stored: a for a in attributes.values()}
        reserved = {table.type_attribute: "the type attribute"}
        for attribute in attributes.values():
            if attribute.stored in reserved:
                self.error(
                    attribute.path,
                    f"{name}.{attribute.name} is stored as '{attribute.stored}', "
                    f"which is {reserved[attribute.stored]}",
                    key=True,
                )
            if attribute.type.kind != "ttl" and attribute.type.innermost.kind == "ttl":
                self.error(
                    attribute.path,
                    f"{name}.{attribute.name}: a ttl cannot sit inside a "
                    f"{attribute.type.kind}; it is one top-level attribute stored as "
                    "the table's ttl",
                    code="DG004",
                )
            if attribute.type.kind == "ttl" and attribute.stored != table.ttl:
                where = (
                    f"the table's ttl is '{table.ttl}'"
                    if table.ttl
                    else "the table declares no ttl"
                )
                self.error(
                    attribute.path,
                    f"{name}.{attribute.name} is a ttl attribute stored as "
                    f"'{attribute.stored}', but {where}",
                    code="DG004",
                )
            if (
                table.ttl
                and attribute.stored == table.ttl
                and attribute.type.kind != "ttl"
            ):
                self.error(
                    attribute.path,
                    f"{name}.{attribute.name} is stored as the table's TTL attribute "
                    f"'{table.ttl}' and must have type ttl, not {attribute.type}",
                    code="DG004",
                )
        version = self.version(name, decl, attributes)
        self.padded = _padded_fields(decl)
        imports = self.models_imports
        for attribute in attributes.values():
            self.generated_types(name, attribute)
        fields = [self.field(name, a, imports) for a in attributes.values()]
        if version is not None and version not in attributes:
            fields.append(
                FieldIR(
                    name=version,
                    stored=q(version),
                    declaration=f"{version}: int = 0",
                    encode=f'{{"N": str(self.{version})}}',
                    json_pieces=(
                        _json_name(version),
                        JsonLit('{"N":"'),
                        f"str(self.{version})",
                        JsonLit('"}'),
                    ),
                    decode='int(av["N"])',
                    decode_present=f'int(item[{q(version)}]["N"])',
                    guard=None,
                    always_present=False,
                    missing="0",
                    doc="Optimistic-locking version: 0 means never stored.",
                    optional_annotation="int | None",
                    size_constant=len(version.encode()) + NUMBER_BYTES,
                )
            )
        templates = self.keys(name, decl, attributes, by_stored, indexes)
        if templates is None:
            return None
        self.entity_templates[name] = (templates, attributes)
        self.entity_infos[name] = self.entity_info(
            name, decl, attributes, templates, version
        )
        primary_locals, primary_writes, index_writes, key_params, key_writes = (
            self.key_code(name, attributes, indexes, templates, indexes["primary"])
        )
        field_refs = self.field_refs(name, attributes, version)
        patterns = self.patterns(name, decl, attributes, templates, indexes)
        update = self.update_ir(
            name, attributes, templates, indexes, version, key_params
        )
        class_name = name
        repository = decl.repository or names.repository_name(name)
        if not names.is_identifier(repository) or repository.startswith("_"):
            self.error(
                (*path, "repository"), f"repository '{repository}' is not an identifier"
            )
        key_attributes = [table.pk] + ([table.sk] if table.sk else [])
        ttl = next(
            (a.stored for a in attributes.values() if a.type.kind == "ttl"), None
        )
        version_stored = q(version) if version else None
        self.models_imports.add(f"{RT}.size", "MAX_ITEM_BYTES", "check_item")
        if any(field.checked_prelude for field in fields):
            self.models_imports.add(f"{RT}.marshal", "encode_json_sized")
        size_check, checked_fields, index_writes = _size_check(
            name,
            fields,
            table.type_attribute,
            decl.type_value or name,
            primary_locals,
            primary_writes,
            index_writes,
            self.key_tests(templates, attributes),
            key_attributes,
            _covered_fields(templates),
        )
        self.models_imports.add(f"{RT}.wire", "KeyIdentity")
        self.models_imports.add(f"{RT}.wire_json", "json_size", "json_str", "json_text")
        json_write = _json_write(
            name,
            checked_fields,
            q(table.type_attribute),
            q(decl.type_value or name),
            primary_writes,
            index_writes,
            self.key_tests(templates, attributes),
            key_attributes,
        )
        info = (
            f"EntityInfo(name={q(name)}, type_value={q(decl.type_value or name)}, "
            f"key_attributes=({''.join(q(k) + ', ' for k in key_attributes)}), "
            f"version_field={q(version) if version else None}, "
            f"version_attribute={version_stored}, "
            f"type_attribute={q(table.type_attribute)}, "
            f"ttl_attribute={q(ttl) if ttl else None})"
        )
        return EntityIR(
            name=name,
            class_name=class_name,
            doc=decl.description or f"{names.article(name)} item.".replace("a", "A", 1),
            repository_attr=repository,
            repository_class=f"{class_name}Repository",
            fields=checked_fields,
            type_attribute=q(table.type_attribute),
            type_value=q(decl.type_value or name),
            primary_locals=primary_locals,
            primary_writes=primary_writes,
            key_params=key_params,
            key_writes=key_writes,
            key_call=f"{class_name}.key("
            + ", ".join(f"{p.name}={p.name}" for p in key_params)
            + ")",
            entity_info=info,
            version_field=version,
            fields_class=f"{class_name}Fields",
            field_refs=field_refs,
            access_patterns=patterns,
            update=update,
            index_writes=index_writes,
            size_check=size_check,
            json_write=json_write,
        )

    def key_tests(
        self,
        templates: dict[tuple[str, str], KeyTemplate | Attribute],
        attributes: dict[str, Attribute],
    ) -> list[_KeyTest]:
        """Tests of the table's key values that may be too long or empty.

        Text counts 4 bytes a character at most, so a key of at most a quarter
        of its limit in characters is safe. Template keys are never empty (the
        runtime refuses empty placeholders); numbers, dates and datetimes are
        short; an enum is as long as its longest value.
        """
        tests: list[_KeyTest] = []
        for role, limit in (
            ("pk", MAX_PARTITION_KEY_BYTES),
            ("sk", MAX_SORT_KEY_BYTES),
        ):
            source = templates.get(("primary", role))
            if source is None:
                continue
            if isinstance(source, KeyTemplate):
                if source.fields or source.shard:
                    tests.append(_KeyTest(f"len({role}) > {limit // 4}", role, limit))
                elif len(source.text.encode()) > limit:
                    tests.append(_KeyTest("True"))  # the exact check names the key
                continue
            value = f"self.{source.name}"
            kind = source.type.kind
            if kind == "str":
                tests.append(_KeyTest(f"not 0 < len({value}) <= {limit // 4}"))
            elif kind == "bytes":
                tests.append(_KeyTest(f"not 0 < len({value}) <= {limit}"))
            elif kind == "enum":
                values = (source.decl.values if source.decl else None) or []
                if max((len(v.encode()) for v in values), default=0) > limit:
                    tests.append(_KeyTest(f"len({value}.value.encode()) > {limit}"))
        return tests

    def field_refs(
        self, name: str, attributes: dict[str, Attribute], version: str | None
    ) -> tuple[FieldRefIR, ...]:
        """``Model.fields.<name>``: a typed reference per attribute."""
        self.models_imports.add(RT, "FieldRef")
        refs = []
        for attribute in attributes.values():
            codec = self.codec(
                attribute, q(f"{name}.{attribute.name}"), self.models_imports
            )
            refs.append(
                FieldRefIR(
                    attribute.name,
                    f"FieldRef[{codec.annotation}]",
                    f"FieldRef({q(attribute.name)}, {q(attribute.stored)}, "
                    f"lambda v: {codec.encode('v', 0)}, {q(name)})",
                )
            )
        if version is not None and version not in attributes:
            refs.append(
                FieldRefIR(
                    version,
                    "FieldRef[int]",
                    f"FieldRef({q(version)}, {q(version)}, "
                    f'lambda v: {{"N": str(v)}}, {q(name)})',
                )
            )
        return tuple(refs)

    def collection_irs(self, indexes: dict[str, Index]) -> list[CollectionIR]:
        """Result classes and methods of the schema's collections."""
        table = self.schema.table
        found: list[CollectionIR] = []
        for collection, spec in self.schema.collections.items():
            index = indexes.get(spec.index)
            members = [m for m in spec.members if m in self.entity_templates]
            if index is None or not members or len(members) != len(spec.members):
                continue  # reported elsewhere
            pk_role_index = "primary" if index.kind == "local" else index.name
            first_templates, first_attributes = self.entity_templates[members[0]]
            pk = first_templates.get((pk_role_index, "pk"))
            if pk is None:
                continue
            imports = self.client_imports
            if isinstance(pk, KeyTemplate):
                pk_params = tuple(
                    self.key_param(first_attributes[f]) for f in pk.fields
                )
                partition = self.render(members[0], pk, first_attributes, "", imports)
                pk_text = pk.text
            else:
                pk_params = (self.key_param(pk),)
                partition = self.plain_text(members[0], pk, pk.name, imports)
                pk_text = "{" + pk.name + "}"
            fields: list[CollectionMemberIR] = []
            decoders: list[str] = []
            fetch = False
            for member in members:
                templates, _ = self.entity_templates[member]
                sk = templates.get((index.name, "sk")) if index.sk else None
                plural = sk is not None and not (
                    isinstance(sk, KeyTemplate) and sk.is_constant
                )
                snake = names.snake_case(member)
                type_value = spec_type_value(self.schema, member)
                fields.append(
                    CollectionMemberIR(
                        names.plural(snake) if plural else snake,
                        f"list[{member}]" if plural else f"{member} | None",
                        q(type_value),
                        plural,
                    )
                )
                decoders.append(f"{q(type_value)}: {member}.from_item")
                fetch = fetch or self.fetch_mode(member, index) == "batch_get"
            plan_name = f"_COLLECTION_{collection.upper()}"
            plan = (
                f"CollectionPlan(name={q(collection)}, "
                f"index={q(index.name) if index.kind != 'primary' else None}, "
                f"pk_attribute={q(index.pk)}, type_attribute={q(table.type_attribute)}, "
                f"members={{{', '.join(decoders)}}}, fetch_full_items={fetch}, "
                f"table_keys=({''.join(q(k) + ', ' for k in (table.pk, table.sk) if k)}))"
            )
            where = "the table" if index.kind == "primary" else f"index {index.name}"
            found.append(
                CollectionIR(
                    name=collection,
                    class_name=names.pascal_case(collection),
                    plan_name=plan_name,
                    plan_source=plan,
                    pk_params=pk_params,
                    partition=partition,
                    members=tuple(fields),
                    consistent=index.kind in ("primary", "local"),
                    doc=f"One query on {where}: {index.pk} = {q(pk_text)}.",
                )
            )
        return found

    def update_ir(
        self,
        name: str,
        attributes: dict[str, Attribute],
        templates: dict[tuple[str, str], KeyTemplate | Attribute],
        indexes: dict[str, Index],
        version: str | None,
        key_params: tuple[ParamIR, ...],
    ) -> UpdateIR:
        """The update builder: which fields each action takes, and index keys."""
        imports = self.client_imports
        primary: set[str] = set()
        keyed: set[str] = set()
        for (index_name, _), source in templates.items():
            fields = (
                set(source.fields) if isinstance(source, KeyTemplate) else {source.name}
            )
            keyed |= fields
            if index_name == "primary":
                primary |= fields
        set_params: list[ParamIR] = []
        add_params: list[ParamIR] = []
        delete_params: list[ParamIR] = []
        removable: list[str] = []
        field_specs: list[str] = []
        for attribute in attributes.values():
            if attribute.name in primary or attribute.name == version:
                continue
            codec = self.codec(attribute, q(f"{name}.{attribute.name}"), imports)
            if attribute.type.kind in ("enum", "object") or (
                attribute.type.innermost.kind in ("enum", "object")
            ):
                imports.add(".models", attribute.class_name)
            optional = not attribute.required
            # Inside the builder class, ``set`` names its method: spell the type.
            element = _BUILTIN_SET.sub("builtins.set[", codec.annotation)
            if element != codec.annotation:
                imports.add_module("builtins")
            annotation = f"{element} | Unset" + (" | None" if optional else "")
            set_params.append(ParamIR(attribute.name, annotation))
            kind = attribute.type.kind
            if attribute.name not in keyed and (
                kind in ("int", "decimal", "float") or codec.is_set
            ):
                add_params.append(ParamIR(attribute.name, f"{element} | Unset"))
            if attribute.name not in keyed and codec.is_set:
                delete_params.append(ParamIR(attribute.name, f"{element} | Unset"))
            if optional:
                removable.append(q(attribute.name))
            field_specs.append(
                f"{q(attribute.name)}: FieldSpec({q(attribute.stored)}, "
                f"lambda v: {codec.encode('v', 0)}, {codec.is_set})"
            )
        index_specs: list[str] = []
        for index in indexes.values():
            if index.kind == "primary":
                continue
            roles = ("sk",) if index.kind == "local" else ("pk", "sk")
            sources = [templates.get((index.name, role)) for role in roles]
            if not all(isinstance(t, KeyTemplate) for t in sources):
                continue  # plain-attribute keys are updated as the attribute itself
            keys = [t for t in sources if isinstance(t, KeyTemplate)]
            attribute_names = [
                getattr(index, role) for role in roles if getattr(index, role)
            ]
            key_fields = sorted({f for t in keys for f in t.fields})
            renders = ", ".join(
                self.render(name, t, attributes, "v.", imports) for t in keys
            )
            index_specs.append(
                f"IndexKeySpec({q(index.name)}, "
                f"({''.join(q(a) + ', ' for a in attribute_names)}), "
                f"frozenset({{{', '.join(q(f) for f in key_fields)}}}), "
                f"lambda v, pk, sk: ({renders},))"
            )
        imports.add(RT + ".update", "FieldSpec", "IndexKeySpec", "UpdateSpec", "Unset")
        imports.add(RT + ".update", "UNSET", "UpdateBuilder")
        spec_name = f"_{names.snake_case(name).upper()}_UPDATE"
        spec = (
            f"UpdateSpec(entity={q(name)}, "
            f"fields={{{', '.join(field_specs)}}}, "
            f"indexes=({''.join(i + ', ' for i in index_specs)}), "
            f"version={q(version) if version else None})"
        )
        return UpdateIR(
            class_name=f"{name}Update",
            spec_name=spec_name,
            spec_source=spec,
            set_params=tuple(set_params),
            add_params=tuple(add_params),
            delete_params=tuple(delete_params),
            removable=tuple(removable),
            key_values="{"
            + ", ".join(f"{q(p.name)}: {p.name}" for p in key_params)
            + "}",
        )

    def patterns(
        self,
        name: str,
        decl: EntityDecl,
        attributes: dict[str, Attribute],
        templates: dict[tuple[str, str], KeyTemplate | Attribute],
        indexes: dict[str, Index],
    ) -> tuple[AccessPatternIR, ...]:
        """One query method per access pattern the entity can serve."""
        found = []
        for pattern, spec in decl.access_patterns.items():
            index = indexes.get(spec.index)
            if index is None:
                continue  # reported by references()
            pk = templates.get(
                ("primary" if index.kind == "local" else index.name, "pk")
            )
            sk = templates.get((index.name, "sk")) if index.sk else None
            if pk is None or (index.kind == "local" and sk is None):
                continue  # the entity never writes this index: DG106 warns
            path: Path = ("entities", name, "access_patterns", pattern)
            built = self.pattern(name, pattern, spec, path, index, pk, sk, attributes)
            if built is not None:
                found.append(built)
        return tuple(found)

    def pattern(
        self,
        name: str,
        pattern: str,
        spec: AccessPatternDecl,
        path: Path,
        index: Index,
        pk: KeyTemplate | Attribute,
        sk: KeyTemplate | Attribute | None,
        attributes: dict[str, Attribute],
    ) -> AccessPatternIR | None:
        imports = self.client_imports
        table = self.schema.table
        for source in (pk, sk):
            if isinstance(source, Attribute) and source.type.kind in (
                "int",
                "decimal",
                "bytes",
            ):
                self.error(
                    path,
                    f"{name}.{pattern}: queries on the numeric or binary key attribute "
                    f"{source.stored} are not supported yet",
                    key=True,
                )
                return None
        pk_params: list[ParamIR] = []
        if isinstance(pk, KeyTemplate):
            for field_name in pk.fields:
                pk_params.append(self.key_param(attributes[field_name]))
            shard = pk.shard
            rendered = self.render(
                name, pk, attributes, "", imports, shard="str(shard)" if shard else None
            )
            partitions = (
                f"[{rendered} for shard in range({shard.count})]"
                if shard
                else f"[{rendered}]"
            )
            pk_text = f"{index.pk} = {q(pk.text)}"
        else:
            pk_params.append(self.key_param(pk))
            partitions = f"[{self.plain_text(name, pk, pk.name, imports)}]"
            pk_text = f"{index.pk} = {{{pk.name}}}"
        sk_params: list[ParamIR] = []
        sk_parts: list[str] = []
        sk_text = ""
        if isinstance(sk, KeyTemplate):
            imports.add(RT + ".sortkey", "SortField")
            for part in sk.parts:
                if isinstance(part, Literal):
                    sk_parts.append(q(part.text))
                    continue
                assert isinstance(part, Placeholder), "shards are refused in sort keys"
                attribute = attributes[part.field]
                param = self.key_param(attribute)
                imports.add(RT, "SortCondition")
                sk_params.append(
                    ParamIR(
                        part.field,
                        f"{param.annotation} | SortCondition[{param.annotation}] | None",
                    )
                )
                render = self.key_piece(name, attribute, part, "v", imports)
                text = attribute.type.kind == "str"
                sk_parts.append(
                    f"SortField({q(part.field)}, lambda v: {render}, "
                    f"{q(part.separator)}, {text})"
                )
            if sk.is_constant:
                sk_text = f"{index.sk} = {q(sk.text)}"
            else:
                first = sk.parts[0]
                lead = first.text if isinstance(first, Literal) else ""
                narrowed = ", ".join(sk.fields)
                sk_text = (
                    f'begins_with({index.sk}, "{lead}")' if lead else f"any {index.sk}"
                ) + f", narrowed by {narrowed} ({q(sk.text)})"
        elif isinstance(sk, Attribute):
            imports.add(RT + ".sortkey", "SortField")
            param = self.key_param(sk)
            imports.add(RT, "SortCondition")
            sk_params.append(
                ParamIR(
                    sk.name,
                    f"{param.annotation} | SortCondition[{param.annotation}] | None",
                )
            )
            render = self.plain_text(name, sk, "v", imports)
            sk_parts.append(
                f'SortField({q(sk.name)}, lambda v: {render}, "", {sk.type.kind == "str"})'
            )
            sk_text = f"{index.sk} narrowed by {sk.name}"
        ttl = next(
            (a.stored for a in attributes.values() if a.type.kind == "ttl"), None
        )
        fixed = self.fixed_filter(name, spec, attributes)
        fetch = self.fetch_mode(name, index)
        projected = self.projected_attributes(index)
        type_projected = (
            index.kind != "global"
            or projected is None
            or table.type_attribute in projected
        )
        ttl_projected = (
            index.kind != "global"
            or projected is None
            or ttl is None
            or ttl in projected
        )
        plan_name = f"_{names.snake_case(name).upper()}_{pattern.upper()}"
        imports.add(RT + ".query", "QueryPlan")
        plan = (
            f"QueryPlan(entity={q(name)}, name={q(pattern)}, "
            f"index={q(index.name) if index.kind != 'primary' else None}, "
            f"pk_attribute={q(index.pk)}, sk_attribute={q(index.sk) if index.sk else None}, "
            f"sk_parts=({''.join(p + ', ' for p in sk_parts)}), "
            f"type_attribute={q(table.type_attribute)}, "
            f"type_value={q(spec_type_value(self.schema, name))}, "
            f"table_keys=({''.join(q(k) + ', ' for k in (table.pk, table.sk) if k)}), "
            f"ttl_attribute={q(ttl) if ttl else None}, fixed_filter={fixed or None}, "
            f"fetch={q(fetch)}, type_projected={type_projected}, "
            f"ttl_projected={ttl_projected})"
        )
        where = "the table" if index.kind == "primary" else f"index {index.name}"
        doc = [
            f"Query {where}: {pk_text}" + (f" AND {sk_text}" if sk_text else "") + "."
        ]
        if isinstance(pk, KeyTemplate) and pk.shard:
            doc.append(
                f"Fans out to the {pk.shard.count} write shards concurrently and "
                "merges them in sort-key order."
            )
        if fixed:
            doc.append(f"Filter: {fixed} (DynamoDB reads and bills the dropped items).")
        if fetch == "batch_get":
            doc.append(
                f"{index.name} does not project every attribute: full items are fetched with BatchGetItem."
            )
        elif fetch == "select_all":
            doc.append(
                f"{index.name} does not project every attribute: DynamoDB fetches them from the table."
            )
        given = "{" + ", ".join(f"{q(p.name)}: {p.name}" for p in sk_params) + "}"
        return AccessPatternIR(
            name=pattern,
            plan_name=plan_name,
            plan_source=plan,
            pk_params=tuple(pk_params),
            sk_params=tuple(sk_params),
            partitions=partitions,
            given=given,
            unique=spec.unique,
            consistent=index.kind in ("primary", "local"),
            doc=tuple(doc),
        )

    def plain_text(
        self, name: str, attribute: Attribute, value: str, imports: Imports
    ) -> str:
        """Key text of a plain S-typed key attribute (str, enum, date, datetime)."""
        kind = attribute.type.kind
        if kind == "enum":
            return f"{value}.value"
        if kind == "date":
            return f"{value}.isoformat()"
        if kind == "datetime":
            imports.add(RT + ".marshal", "encode_datetime")
            return f"encode_datetime({value}, {q(name + '.' + attribute.name)})"
        return value

    def fixed_filter(
        self, name: str, spec: AccessPatternDecl, attributes: dict[str, Attribute]
    ) -> str:
        """Source of the schema's fixed equality filter, or ""."""
        terms = []
        for field_name, value in (spec.filter or {}).items():
            attribute = attributes.get(field_name)
            if attribute is None:
                continue
            constant = self.constant(attribute.type.kind, value, attribute) or "None"
            if attribute.type.kind == "enum":
                self.client_imports.add(".models", attribute.class_name)
            terms.append(f"({name}Fields.{field_name} == {constant})")
        if terms:
            self.client_imports.add(".models", f"{name}Fields")
        return " & ".join(terms)

    def projected_attributes(self, index: Index) -> set[str] | None:
        """The attributes an index holds; None when it holds them all."""
        info = self.index_infos[index.name]
        if info.projection == "all":
            return None
        projected = {self.schema.table.pk, info.pk}
        projected.update(k for k in (self.schema.table.sk, info.sk) if k)
        if isinstance(info.projection, tuple):
            projected.update(info.projection)
        return projected

    def fetch_mode(self, name: str, index: Index) -> str:
        """How a query gets attributes the index does not project."""
        entity = self.entity_infos[name]
        wanted = entity.data_attributes() | {self.schema.table.type_attribute}
        projected = self.projected_attributes(index)
        if projected is None or wanted <= projected:
            return "projected"
        return "batch_get" if index.kind == "global" else "select_all"

    def entity_info(
        self,
        name: str,
        decl: EntityDecl,
        attributes: dict[str, Attribute],
        templates: dict[tuple[str, str], KeyTemplate | Attribute],
        version: str | None,
    ) -> EntityInfo:
        """The entity as lint rules see it."""
        infos = {a.name: self.attribute_info(a) for a in attributes.values()}
        keys: dict[str, IndexKeys] = {}
        for index in self.index_infos.values():
            sources: dict[str, KeySource | None] = {}
            for role, attribute_name in (("pk", index.pk), ("sk", index.sk)):
                found = templates.get((index.name, role))
                if index.kind == "local" and role == "pk":
                    found = templates.get(("primary", "pk"))
                if found is None or attribute_name is None:
                    sources[role] = None
                elif isinstance(found, KeyTemplate):
                    path = ("entities", name, "keys", index.name, role)
                    if index.kind == "local" and role == "pk":
                        path = ("entities", name, "keys", "primary", "pk")
                    sources[role] = KeySource(attribute_name, found, None, path)
                else:
                    plain = infos[found.name]
                    sources[role] = KeySource(attribute_name, None, plain, plain.path)
            writes = sources["sk"] if index.kind == "local" else sources["pk"]
            if writes is not None:
                keys[index.name] = IndexKeys(index.name, sources["pk"], sources["sk"])
        patterns = tuple(
            AccessPatternInfo(
                pattern,
                spec.index,
                spec.unique,
                tuple(spec.filter or ()),
                ("entities", name, "access_patterns", pattern),
            )
            for pattern, spec in decl.access_patterns.items()
        )
        return EntityInfo(
            name=name,
            type_value=decl.type_value or name,
            attributes=infos,
            keys=keys,
            access_patterns=patterns,
            version=version,
            path=("entities", name),
        )

    @staticmethod
    def attribute_info(attribute: Attribute) -> AttributeInfo:
        values = attribute.decl.values if attribute.decl is not None else None
        return AttributeInfo(
            attribute.name,
            attribute.stored,
            attribute.type,
            attribute.always_set,
            attribute.path,
            tuple(values or ()) if attribute.type.kind == "enum" else (),
        )

    def version(
        self, name: str, decl: EntityDecl, attributes: dict[str, Attribute]
    ) -> str | None:
        version = decl.version
        if version is None:
            return None
        path: Path = ("entities", name, "version")
        if not names.is_identifier(version) or version.startswith("_"):
            self.error(path, f"version '{version}' must be a Python identifier")
            return None
        if version in names.RESERVED_ATTRIBUTES or version.startswith("model_"):
            self.error(
                path, f"version '{version}' clashes with the generated model API"
            )
            return None
        declared = attributes.get(version)
        if declared is not None and (
            declared.type.kind != "int" or not declared.required
        ):
            self.error(
                path,
                f"{name}.{version} is the version attribute and must be a required "
                f"int, not {declared.type}",
                code="DG004",
            )
            return None
        return version

    # -- keys ------------------------------------------------------------------

    def keys(
        self,
        name: str,
        decl: EntityDecl,
        attributes: dict[str, Attribute],
        by_stored: dict[str, Attribute],
        indexes: dict[str, Index],
    ) -> dict[tuple[str, str], KeyTemplate | Attribute] | None:
        path: Path = ("entities", name, "keys")
        ok = True
        for index_name in decl.keys:
            if index_name not in indexes:
                known = ", ".join(indexes)
                self.error(
                    (*path, index_name),
                    f"{name}: unknown index '{index_name}' (the table has: {known})",
                    key=True,
                )
                ok = False
        written = decl.keys.get("primary")
        templates: dict[tuple[str, str], KeyTemplate | Attribute] = {}
        for index in indexes.values():
            entry = decl.keys.get(index.name)
            for role, attribute_name in (("pk", index.pk), ("sk", index.sk)):
                if attribute_name is None or not attribute_name:
                    continue
                text = getattr(entry, role) if entry is not None else None
                role_path: Path = (*path, index.name, role)
                plain = by_stored.get(attribute_name)
                if index.kind == "local" and role == "pk":
                    continue  # the table's partition key, handled as primary
                if plain is not None:
                    if text is not None:
                        self.error(
                            role_path,
                            f"{name}: '{attribute_name}' is the attribute "
                            f"{name}.{plain.name}; leave this key out (it is stored once)",
                        )
                        ok = False
                        continue
                    ok = self.plain_key(name, plain, index, role) and ok
                    templates[(index.name, role)] = plain
                    continue
                if text is None:
                    if entry is not None or index.kind == "primary":
                        self.error(
                            (*path, index.name) if entry is not None else path,
                            f"{name}: the {index.name} key needs a {role} template "
                            f"for attribute '{attribute_name}'",
                            key=entry is not None,
                        )
                        ok = False
                    continue
                template = self.template(name, text, role_path, attributes, index, role)
                if template is None:
                    ok = False
                    continue
                self.note_key_type(attribute_name, "S", role_path)
                templates[(index.name, role)] = template
            if entry is not None:
                for role in ("pk", "sk"):
                    if getattr(entry, role) is not None and (
                        (role == "sk" and index.sk is None)
                        or (role == "pk" and index.kind == "local")
                    ):
                        self.error(
                            (*path, index.name, role),
                            f"{name}: index {index.name} has no {role} of its own",
                        )
                        ok = False
        if written is None and ("primary", "pk") not in templates:
            ok = False
        if not ok:
            return None
        return templates

    def plain_key(
        self, name: str, attribute: Attribute, index: Index, role: str
    ) -> bool:
        kind = attribute.type.kind
        key_kind = KEY_ATTRIBUTE_TYPES.get(kind)
        if key_kind is None:
            self.error(
                attribute.path,
                f"{name}.{attribute.name} is the {index.name} {role} and must be "
                f"str, datetime, date, enum, int, decimal or bytes, not {attribute.type}",
                code="DG003",
            )
            return False
        if index.kind == "primary" and not attribute.always_set:
            self.error(
                attribute.path,
                f"{name}.{attribute.name} is the table's {role} and cannot be optional",
                code="DG003",
            )
            return False
        self.note_key_type(attribute.stored, key_kind, attribute.path)
        return True

    def note_key_type(self, attribute: str, kind: str, path: Path) -> None:
        seen = self.key_types.get(attribute)
        if seen is None:
            self.key_types[attribute] = (kind, path)
        elif seen[0] != kind:
            self.error(
                path,
                f"key attribute '{attribute}' is type {kind} here but {seen[0]} at "
                f"line {self.source.positions.value(seen[1]).line}",
            )

    def template(
        self,
        name: str,
        text: str,
        path: Path,
        attributes: dict[str, Attribute],
        index: Index,
        role: str,
    ) -> KeyTemplate | None:
        try:
            template = parse_template(text)
        except TemplateError as error:
            self.error(path, f"{name}: {error}")
            return None
        ok = True
        shard = template.shard
        if shard is not None and not (index.kind == "global" and role == "pk"):
            self.error(
                path,
                f"{name}: {{shard(N)}} is allowed only in a global index's pk template",
            )
            ok = False
        for part in template.parts:
            if not isinstance(part, Placeholder):
                continue
            attribute = attributes.get(part.field)
            if attribute is None:
                self.error(
                    path,
                    f"{name}: template '{text}' names unknown field '{part.field}'",
                )
                ok = False
                continue
            kind = attribute.type.kind
            if kind not in KEY_SCALARS:
                self.error(
                    path,
                    f"{name}: template '{text}' names {part.field}, a {attribute.type}; "
                    "key fields must be str, int, decimal, enum, datetime, date or bool",
                    code="DG003",
                )
                ok = False
            elif index.kind == "primary" and not attribute.always_set:
                self.error(
                    path,
                    f"{name}: primary-key template '{text}' names optional field "
                    f"{part.field}",
                    code="DG003",
                )
                ok = False
            if part.width and kind != "int":
                self.error(
                    path,
                    f"{name}: {{{part.field}:0{part.width}}} pads ints only, "
                    f"{part.field} is a {attribute.type}",
                )
                ok = False
        return template if ok else None

    def render(
        self,
        name: str,
        template: KeyTemplate,
        attributes: dict[str, Attribute],
        owner: str,
        imports: Imports | None = None,
        shard: str | None = None,
    ) -> str:
        """Python source building the key text; ``owner`` is ``self.`` or ``""``.

        ``shard`` is the expression of the shard number in queries; writes
        compute it from the item's primary key.
        """
        imports = imports if imports is not None else self.models_imports
        pieces: list[str] = []
        for part in template.parts:
            if isinstance(part, Literal):
                pieces.append(q(part.text))
            elif isinstance(part, Shard):
                if shard is not None:
                    pieces.append(shard)
                else:
                    imports.add(RT + ".keys", "shard_of")
                    pieces.append(f"shard_of(pk, sk, {part.count})")
            else:
                attribute = attributes[part.field]
                pieces.append(
                    self.key_piece(name, attribute, part, owner + part.field, imports)
                )
        return " + ".join(pieces) if pieces else '""'

    def key_piece(
        self,
        name: str,
        attribute: Attribute,
        part: Placeholder,
        value: str,
        imports: Imports | None = None,
    ) -> str:
        imports = imports if imports is not None else self.models_imports
        label = q(f"{name}.{attribute.name}")
        kind = attribute.type.kind
        separator = q(part.separator)
        keys = RT + ".keys"
        if kind == "str":
            imports.add(keys, "key_str")
            return f"key_str({value}, {separator}, {label})"
        if kind == "enum":
            imports.add(keys, "key_str")
            return f"key_str({value}.value, {separator}, {label})"
        if kind == "int":
            imports.add(keys, "key_int")
            text = f"key_int({value}, {part.width}, {label})"
        elif kind == "decimal":
            imports.add(keys, "key_decimal")
            text = f"key_decimal({value}, {label})"
        elif kind == "datetime":
            imports.add(RT + ".marshal", "encode_datetime")
            text = f"encode_datetime({value}, {label})"
        elif kind == "date":
            text = f"{value}.isoformat()"
        else:
            imports.add(keys, "key_bool")
            text = f"key_bool({value})"
        if part.separator and (
            part.separator in _KEY_TEXT_CHARS[kind] or part.separator == "\\"
        ):
            imports.add(keys, "escape_key")
            text = f"escape_key({text}, {separator})"
        return text

    def key_param(self, attribute: Attribute) -> ParamIR:
        """A key field as a keyword parameter of the generated repository methods."""
        codec = self.codec(attribute, '""', self.client_imports)
        if attribute.type.kind in ("enum", "object"):
            self.client_imports.add(".models", attribute.class_name)
        return ParamIR(attribute.name, codec.annotation)

    def key_code(
        self,
        name: str,
        attributes: dict[str, Attribute],
        indexes: dict[str, Index],
        templates: dict[tuple[str, str], KeyTemplate | Attribute],
        primary: Index,
    ) -> tuple[
        tuple[KeyWriteIR, ...],
        tuple[KeyWriteIR, ...],
        tuple[IndexWriteIR, ...],
        tuple[ParamIR, ...],
        tuple[KeyWriteIR, ...],
    ]:
        primary_locals: list[KeyWriteIR] = []
        primary_writes: list[KeyWriteIR] = []
        key_writes: list[KeyWriteIR] = []
        params: dict[str, ParamIR] = {}
        sharded = any(
            isinstance(t, KeyTemplate) and t.shard for t in templates.values()
        )
        for role, attribute_name in (("pk", primary.pk), ("sk", primary.sk)):
            if attribute_name is None:
                if sharded:
                    primary_locals.append(KeyWriteIR("sk", '""'))
                continue
            source = templates[("primary", role)]
            if isinstance(source, Attribute):
                codec = self.codec(
                    source, q(f"{name}.{source.name}"), self.models_imports
                )
                params[source.name] = self.key_param(source)
                key_writes.append(
                    KeyWriteIR(q(attribute_name), codec.encode(source.name, 0))
                )
                if sharded:
                    text = f"{codec.encode('self.' + source.name, 0)}"
                    primary_locals.append(
                        KeyWriteIR(role, f"next(iter({text}.values()))")
                    )
                continue
            for field_name in source.fields:
                params[field_name] = self.key_param(attributes[field_name])
            primary_locals.append(
                KeyWriteIR(role, self.render(name, source, attributes, "self."))
            )
            primary_writes.append(KeyWriteIR(q(attribute_name), f'{{"S": {role}}}'))
            key_writes.append(
                KeyWriteIR(
                    q(attribute_name),
                    f'{{"S": {self.render(name, source, attributes, "")}}}',
                )
            )
        index_writes: list[IndexWriteIR] = []
        for index in indexes.values():
            if index.kind == "primary":
                continue
            writes: list[KeyWriteIR] = []
            needed: list[str] = []
            for role, attribute_name in (("pk", index.pk), ("sk", index.sk)):
                if index.kind == "local" and role == "pk":
                    continue
                index_source = templates.get((index.name, role))
                if attribute_name is None or not isinstance(index_source, KeyTemplate):
                    continue
                writes.append(
                    KeyWriteIR(
                        q(attribute_name),
                        f'{{"S": {self.render(name, index_source, attributes, "self.")}}}',
                    )
                )
                needed += [
                    f
                    for f in index_source.fields
                    if not attributes[f].always_set and f not in needed
                ]
            if writes:
                guard = " and ".join(f"self.{f} is not None" for f in needed) or None
                index_writes.append(IndexWriteIR(index.name, guard, tuple(writes)))
        return (
            tuple(primary_locals),
            tuple(primary_writes),
            tuple(index_writes),
            tuple(params.values()),
            tuple(key_writes),
        )

    # -- cross references ------------------------------------------------------

    def class_names(
        self, module: str, entities: list[EntityIR], collections: list[CollectionIR]
    ) -> None:
        """Every class a module defines has its own name, and shadows no import.

        Of two clashing declarations, the one written later is reported.
        """
        defined: dict[str, tuple[str, Path]] = {}
        claims: list[tuple[str, str, Path]] = []

        def claim(class_name: str, what: str, path: Path) -> None:
            claims.append((class_name, what, path))

        def check(class_name: str, what: str, path: Path) -> None:
            if class_name in names.GENERATED_MODULE_NAMES:
                self.error(
                    path,
                    f"{what} is named {class_name}, like a name the generated code "
                    "imports; rename it (type_value: keeps the stored type name)",
                    key=True,
                )
            elif class_name in defined:
                other, _ = defined[class_name]
                self.error(
                    path,
                    f"{what} and {other} would both generate a class {class_name}; "
                    "rename one",
                    key=True,
                )
            else:
                defined[class_name] = (what, path)

        claim(
            names.pascal_case(module),
            f"the client of table {module}",
            ("table", "name"),
        )
        claim(
            names.pascal_case(module) + "Transaction",
            f"the transactions of table {module}",
            ("table", "name"),
        )
        for entity in entities:
            path: Path = ("entities", entity.name)
            claim(entity.class_name, f"entity {entity.name}", path)
            claim(entity.fields_class, f"the fields of {entity.name}", path)
            claim(f"{entity.class_name}Key", f"the key of {entity.name}", path)
            claim(
                f"{entity.class_name}Partial",
                f"the partial model of {entity.name}",
                path,
            )
            claim(
                f"{entity.class_name}FieldName",
                f"the field names of {entity.name}",
                path,
            )
            claim(
                f"{entity.class_name}Tx",
                f"the transaction helper of {entity.name}",
                path,
            )
            claim(entity.repository_class, f"the repository of {entity.name}", path)
            claim(
                entity.update.class_name, f"the update builder of {entity.name}", path
            )
        for enum in self.enums:
            claim(enum.class_name, f"the enum {enum.class_name}", enum.path)
        for nested in self.nested:
            claim(
                nested.class_name, f"the nested model {nested.class_name}", nested.path
            )
        for collection in collections:
            path = ("collections", collection.name)
            claim(
                collection.class_name,
                f"the result of collection {collection.name}",
                path,
            )
        if collections:
            claim(
                f"{names.pascal_case(module)}Collections",
                f"the collections of table {module}",
                ("collections",),
            )
        positions = self.source.positions
        for claimed in sorted(claims, key=lambda c: positions.key(c[2])):
            check(*claimed)

    def references(self, indexes: dict[str, Index]) -> None:
        entities = self.schema.entities
        for name, decl in entities.items():
            method_names: set[str] = set()
            for pattern, spec in decl.access_patterns.items():
                path: Path = ("entities", name, "access_patterns", pattern)
                if not names.is_identifier(pattern) or pattern.startswith("_"):
                    self.error(
                        path,
                        f"access pattern '{pattern}' must be an identifier",
                        key=True,
                    )
                elif pattern in names.REPOSITORY_METHODS or pattern in method_names:
                    self.error(
                        path,
                        f"access pattern '{pattern}' clashes with a method of the "
                        f"{name} repository; rename it",
                        key=True,
                    )
                method_names.update({pattern, f"iter_{pattern}"})
                if spec.index not in indexes:
                    self.error(
                        (*path, "index"),
                        f"{name}.{pattern}: unknown index '{spec.index}' "
                        f"(expected one of: {', '.join(indexes)})",
                    )
                for field_name, value in (spec.filter or {}).items():
                    info = self.entity_infos.get(name)
                    attribute = info.attributes.get(field_name) if info else None
                    if field_name not in decl.attributes:
                        self.error(
                            (*path, "filter", field_name),
                            f"{name}.{pattern}: filter names unknown field '{field_name}'",
                            key=True,
                        )
                    elif attribute is not None and not _fits(attribute, value):
                        self.error(
                            (*path, "filter", field_name),
                            f"{name}.{pattern}: filter value {value!r} is not a valid "
                            f"{attribute.type} for {field_name}",
                        )
        for collection, members in self.schema.collections.items():
            path = ("collections", collection)
            if not names.is_identifier(collection) or collection.startswith("_"):
                self.error(
                    path, f"collection '{collection}' must be an identifier", key=True
                )
            if members.index not in indexes:
                self.error(
                    (*path, "index"), f"{collection}: unknown index '{members.index}'"
                )
            for i, member in enumerate(members.members):
                if member not in entities:
                    self.error(
                        (*path, "members", i),
                        f"{collection}: unknown entity '{member}'",
                    )
