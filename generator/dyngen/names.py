"""Every naming rule of the generator: cases, plurals, reserved words.

Keeping them here means a generated name can be predicted from the schema by
reading one module.
"""

from __future__ import annotations

import keyword
import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Attribute names the generated model API uses itself.
RESERVED_ATTRIBUTES = frozenset({"fields", "key", "to_item", "from_item"})
#: Attribute names of nested (object) models that generated methods use.
RESERVED_NESTED_ATTRIBUTES = frozenset({"to_map", "from_map"})
#: Repository methods an access pattern may not replace.
REPOSITORY_METHODS = frozenset(
    {"create", "put", "get", "delete", "update", "scan", "batch_get", "batch_write"}
)
#: Names generated modules import or define besides the schema's own classes;
#: an entity, enum or nested model with one of these names would shadow it.
GENERATED_MODULE_NAMES = frozenset(
    {
        "Any",
        "AwareDatetime",
        "BatchGetResult",
        "Callable",
        "BaseModel",
        "ClassVar",
        "Condition",
        "ConfigDict",
        "Decimal",
        "EntityInfo",
        "EntityModel",
        "EntityRepository",
        "EntityTx",
        "Executor",
        "Field",
        "FieldRef",
        "FieldSpec",
        "IndexKeySpec",
        "IndexSchema",
        "Item",
        "Iterator",
        "JsonValue",
        "Literal",
        "Page",
        "PartialModel",
        "QueryPlan",
        "Self",
        "SortCondition",
        "Sequence",
        "SortField",
        "StrEnum",
        "TableClient",
        "TableSchema",
        "TxRead",
        "TxWrite",
        "TypedDict",
        "UNSET",
        "Unset",
        "UpdateBuilder",
        "UpdateSpec",
        "date",
    }
)


def is_identifier(name: str) -> bool:
    """True for an ASCII Python identifier that is not a keyword."""
    return bool(_IDENTIFIER.match(name)) and not keyword.iskeyword(name)


def snake_case(name: str) -> str:
    """``OrderItem`` -> ``order_item``; ``HTTPLog`` -> ``http_log``."""
    return _WORD_BOUNDARY.sub("_", name).replace("-", "_").lower()


def pascal_case(name: str) -> str:
    """``task_manager`` -> ``TaskManager``; ``orderItem`` -> ``OrderItem``."""
    parts = re.split(r"[_\-\s]+", name)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def plural(word: str) -> str:
    """English plural of a snake_case word's last part (``category`` -> ``categories``)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def repository_name(entity: str) -> str:
    """Default repository attribute: plural snake_case (``OrderItem`` -> ``order_items``)."""
    return plural(snake_case(entity))


def enum_member_name(value: str) -> str | None:
    """The Python name of an enum member, or None when the value is not an identifier."""
    if is_identifier(value) and not value.startswith("_"):
        return value
    return None


def article(noun: str) -> str:
    """``Order`` -> ``an Order``; ``Customer`` -> ``a Customer`` (by first letter)."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
