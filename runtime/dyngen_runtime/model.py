"""The base class of every generated entity model."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticUndefined

from dyngen_runtime.size import check_item
from dyngen_runtime.table import EntityInfo
from dyngen_runtime.wire import Item, KeyIdentity, key_identity
from dyngen_runtime.wire_json import json_text

B = TypeVar("B", bound=BaseModel)


_Default = tuple[str, Any, Callable[[], Any] | None]
_defaults: dict[type[BaseModel], tuple[_Default, ...]] = {}


def _field_defaults(cls: type[BaseModel]) -> tuple[_Default, ...]:
    found = _defaults.get(cls)
    if found is None:
        found = _defaults[cls] = tuple(
            (name, info.default, info.default_factory)  # type: ignore[misc]
            for name, info in cls.__pydantic_fields__.items()
        )
    return found


def construct_trusted(cls: type[B], values: dict[str, Any]) -> B:
    """A model from decoded ``values`` without validation (the trusted path).

    The instance is assembled directly, missing fields taking their defaults:
    pydantic's ``model_construct`` inspects every field in Python, which made
    the unvalidated path slower than the validated one. Fields whose default
    is mutable get a copy, as pydantic gives them.
    """
    given = set(values)  # like model_construct: defaults are not "set"
    if len(values) != len(cls.__pydantic_fields__):
        for name, default, factory in _field_defaults(cls):
            if name not in values:
                if factory is not None:
                    values[name] = factory()
                elif default is PydanticUndefined:
                    continue  # required and absent: left out, as model_construct does
                elif isinstance(default, list | dict | set):
                    values[name] = copy.copy(default)
                else:
                    values[name] = default
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", given)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class EntityModel(BaseModel):
    """A pydantic model that knows its DynamoDB wire form.

    Generated subclasses implement :meth:`to_item` and :meth:`from_item` as
    straight-line code; the runtime calls them and never reflects over fields.
    """

    model_config = ConfigDict(extra="forbid", validate_default=False)

    _entity: ClassVar[EntityInfo]

    def to_item(self) -> Item:
        """The item in DynamoDB's wire format, key and type attributes included."""
        raise NotImplementedError

    @classmethod
    def from_item(cls, item: Item, validate: bool = True) -> Self:
        """Decode an item; ``validate=False`` trusts items this code wrote."""
        raise NotImplementedError

    def to_checked_item(self) -> Item:
        """:meth:`to_item`, refused where DynamoDB would refuse it.

        Raises ``ItemSizeExceededError`` over 400 KB and ``KeyTooLongError`` or
        ``ValidationError`` for a key too long or empty, before any request.
        Generated models bound the size from their field values as they encode
        and walk the item exactly only when the bound is past a limit; this
        default always walks it.
        """
        item = self.to_item()
        names = self._entity.key_attributes
        check_item(
            item,
            self._entity.name,
            names[0],
            names[1] if len(names) > 1 else None,
        )
        return item

    def to_checked_json(self) -> tuple[str, KeyIdentity]:
        """:meth:`to_checked_item` as DynamoDB JSON text, with its key's identity.

        Checked exactly as :meth:`to_checked_item` checks. Generated models
        write the text straight from their fields; this default encodes the
        checked item.
        """
        item = self.to_checked_item()
        names = self._entity.key_attributes
        return json_text(item), key_identity({name: item[name] for name in names})

    fields: ClassVar[Any]

    def _with_version(self, version: int) -> Self:
        field = self._entity.version_field
        assert field is not None, "only versioned entities have a version"
        return self.model_copy(update={field: version})

    def _version(self) -> int:
        field = self._entity.version_field
        assert field is not None, "only versioned entities have a version"
        value: Any = getattr(self, field)
        return int(value)


class PartialModel(BaseModel):
    """An entity read with a projection: every field optional, unset ones None."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def from_item(cls, item: Item, validate: bool = True) -> Self:
        """Decode the projected attributes of an item."""
        raise NotImplementedError
