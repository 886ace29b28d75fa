"""The base class of every generated entity model."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from dyngen_runtime.size import item_size
from dyngen_runtime.table import EntityInfo
from dyngen_runtime.wire import Item


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

    def item_size_bound(self, item: Item) -> int:
        """At least ``item_size(item)`` for ``item = self.to_item()``.

        Generated models compute it from their fields' lengths without walking
        the item, so the size check on every write is nearly free; the exact
        size is only computed when this bound is over the limit.
        """
        return item_size(item)

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
