"""The ``update(...)`` builder behind every generated repository.

Generated subclasses add ``.set/.add/.remove/.delete`` with typed keyword
arguments per entity; all of them land here, where the rules live:

- an update requires the item to exist (``ItemNotFoundError`` otherwise);
- versioned entities always get their version incremented, and checked with
  ``.if_version(n)``;
- when a set field feeds a secondary index's key template, both key
  attributes of that index are rewritten, so every field of both templates
  must be known: primary-key fields from the update's key, the rest from the
  same update (``ValidationError`` names the missing ones);
- removing an optional field that feeds an index removes both of its key
  attributes (the item leaves that sparse index); setting a field to ``None``
  or a set to empty is a removal.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final, Generic, Self, TypeVar

from dyngen_runtime.errors import (
    ConditionFailedError,
    ItemNotFoundError,
    ValidationError,
    VersionConflictError,
)
from dyngen_runtime.expressions import Condition, Placeholders, Update
from dyngen_runtime.size import item_size
from dyngen_runtime.transactions import TxWrite
from dyngen_runtime.wire import AttributeValue, Item

if TYPE_CHECKING:
    from dyngen_runtime.repository import EntityRepository

M = TypeVar("M")


class Unset(enum.Enum):
    """The type of :data:`UNSET`, the default of every builder argument."""

    UNSET = 0


#: "Not given" for builder arguments (``None`` is a value: it removes).
UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class FieldSpec:
    """How an update writes one field."""

    stored: str
    encode: Callable[[Any], AttributeValue]
    is_set: bool = False


@dataclass(frozen=True)
class IndexKeySpec:
    """The key attributes of one secondary index an entity writes.

    ``render`` gets the field values (as attributes of one object), the item's
    primary pk and sk texts, and returns the key texts in ``attributes`` order.
    """

    name: str
    attributes: tuple[str, ...]
    fields: frozenset[str]
    render: Callable[[Any, str, str], tuple[str, ...]]


@dataclass(frozen=True)
class UpdateSpec:
    """Everything an entity's updates need, generated from the schema."""

    entity: str
    fields: Mapping[str, FieldSpec]
    indexes: tuple[IndexKeySpec, ...]
    version: str | None  # stored name of the version attribute


class UpdateBuilder(Generic[M]):
    """Collects the changes of one update; :meth:`execute` sends it."""

    def __init__(
        self,
        repository: EntityRepository[Any],
        spec: UpdateSpec,
        key: Item,
        key_values: Mapping[str, Any],
    ) -> None:
        self._repository = repository
        self._spec = spec
        self._key = key
        self._key_values = dict(key_values)
        self._sets: dict[str, Any] = {}
        self._adds: dict[str, Any] = {}
        self._deletes: dict[str, Any] = {}
        self._removes: list[str] = []
        self._condition: Condition | None = None
        self._version: int | None = None

    # -- collecting (generated methods call these) ------------------------------

    def _set(self, **values: Any) -> Self:
        for name, value in values.items():
            if value is UNSET:
                continue
            field = self._spec.fields[name]
            if value is None or (field.is_set and not value):
                self._remove(name)
            else:
                self._claim(name, "set")
                self._sets[name] = value
        return self

    def _add(self, **values: Any) -> Self:
        for name, value in values.items():
            if value is not UNSET:
                self._claim(name, "add")
                self._adds[name] = value
        return self

    def _delete(self, **values: Any) -> Self:
        for name, value in values.items():
            if value is not UNSET:
                self._claim(name, "delete")
                self._deletes[name] = value
        return self

    def _remove(self, *names: str) -> Self:
        for name in names:
            self._claim(name, "remove")
            self._removes.append(name)
        return self

    def _claim(self, name: str, action: str) -> None:
        for other, taken in (
            ("set", self._sets),
            ("add", self._adds),
            ("delete", self._deletes),
            ("remove", self._removes),
        ):
            if name in taken:
                raise ValidationError(
                    f"{self._spec.entity}.{name}: both {other} and {action} in one update"
                )

    def when(self, condition: Condition) -> Self:
        """Apply the update only if ``condition`` holds (ANDed with earlier ones)."""
        self._condition = (
            condition if self._condition is None else self._condition & condition
        )
        return self

    def if_version(self, version: int) -> Self:
        """Apply the update only if the stored version is ``version``."""
        if self._spec.version is None:
            raise ValidationError(f"{self._spec.entity} has no version attribute")
        self._version = version
        return self

    # -- sending -------------------------------------------------------------------

    def request(self) -> tuple[dict[str, Any], Placeholders]:
        """The UpdateItem parameters (without TableName) and their placeholders."""
        spec = self._spec
        update = Update()
        for name, value in self._sets.items():
            update.set(spec.fields[name].stored, spec.fields[name].encode(value))
        for name, value in self._adds.items():
            update.add(spec.fields[name].stored, spec.fields[name].encode(value))
        for name, value in self._deletes.items():
            update.delete(spec.fields[name].stored, spec.fields[name].encode(value))
        for name in self._removes:
            update.remove(spec.fields[name].stored)
        self._index_keys(update)
        if spec.version is not None:
            update.add(spec.version, {"N": "1"})
        if update.is_empty:
            raise ValidationError(
                f"{spec.entity}: an update needs at least one change "
                "(.set, .add, .remove or .delete)"
            )
        ph = Placeholders()
        expression = update.render(ph)
        pk = self._repository._pk_attribute
        condition = f"attribute_exists({ph.name(pk)})"
        if self._version is not None and spec.version is not None:
            stored = {"N": str(self._version)}
            condition += f" AND {ph.name(spec.version)} = {ph.value(stored)}"
        if self._condition is not None:
            condition += f" AND ({self._condition.render(ph)})"
        params: dict[str, Any] = {
            "Key": self._key,
            "UpdateExpression": expression,
            "ConditionExpression": condition,
        }
        ph.apply(params)
        return params, ph

    def _index_keys(self, update: Update) -> None:
        changed = set(self._sets)
        removed = set(self._removes)
        known = {**self._key_values, **self._sets}
        pk_text, sk_text = self._primary_texts()
        for index in self._spec.indexes:
            if index.fields & removed:
                for attribute in index.attributes:
                    update.remove(attribute)
                continue
            if not index.fields & changed:
                continue
            missing = sorted(index.fields - set(known))
            if missing:
                raise ValidationError(
                    f"{self._spec.entity}: setting "
                    f"{', '.join(sorted(index.fields & changed))} rewrites the keys "
                    f"of index {index.name}, which also need {', '.join(missing)}: "
                    "set them in the same update"
                )
            texts = index.render(SimpleNamespace(**known), pk_text, sk_text)
            for attribute, text in zip(index.attributes, texts, strict=True):
                update.set(attribute, {"S": text})

    def _primary_texts(self) -> tuple[str, str]:
        names = self._repository._entity.key_attributes
        texts = [next(iter(self._key[n].values())) for n in names if n in self._key]
        return str(texts[0]), str(texts[1]) if len(texts) > 1 else ""

    def tx_write(self) -> TxWrite:
        """This update as one operation of a transaction."""
        params, _ = self.request()
        return TxWrite(
            kind="Update",
            entity=self._spec.entity,
            key=self._key,
            body={**params, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            decode=self._repository._model.from_item,
            version_attribute=self._spec.version,
            expected_version=self._version,
            size=item_size(self._key),
        )

    def execute(self) -> M:
        """Send the update; returns the model with all its new values."""
        params, _ = self.request()
        params["TableName"] = self._repository._executor.table_name
        params["ReturnValues"] = "ALL_NEW"
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        replay: dict[str, Item] = {}

        def replayed(error: ConditionFailedError) -> bool:
            # A retry after a lost response: if the stored item carries the next
            # version and every value this update sets, the first attempt applied.
            stored = error.raw_item or self._repository._read_raw(self._key)
            if stored is None or not self._applied(stored):
                return False
            replay["item"] = stored
            return True

        checked = self._version is not None and self._spec.version is not None
        try:
            response = self._repository._executor.call(
                "UpdateItem",
                params,
                replayed=replayed if checked else None,
                entity=self._repository._entity.name,
            )
        except ConditionFailedError as error:
            raise self._failure(error) from None
        attributes = response.get("Attributes") or replay["item"]
        decoded: M = self._repository._model.from_item(attributes)
        return decoded

    def _applied(self, stored: Item) -> bool:
        """Whether ``stored`` is the result of this (version-checked) update."""
        version = self._spec.version
        assert version is not None, "only version-checked updates are replayed"
        assert self._version is not None, "only version-checked updates are replayed"
        if stored.get(version) != {"N": str(self._version + 1)}:
            return False
        current = self._repository._model.from_item(stored)
        return all(
            getattr(current, name) == value for name, value in self._sets.items()
        ) and all(getattr(current, name) is None for name in self._removes)

    def _failure(self, error: ConditionFailedError) -> ConditionFailedError:
        raw = error.raw_item
        if raw is None:
            # Backends that ignore ReturnValuesOnConditionCheckFailure: look.
            raw = self._repository._read_raw(self._key)
        entity = self._spec.entity
        if raw is None:
            return _like(
                error, ItemNotFoundError, f"{entity}: no item with this key to update"
            )
        current = self._repository._model.from_item(raw)
        version = self._spec.version
        if (
            self._version is not None
            and version is not None
            and raw.get(version) != {"N": str(self._version)}
        ):
            message = f"{entity}: version conflict (expected {self._version})"
            return _like(error, VersionConflictError, message, current, raw)
        return _like(
            error, ConditionFailedError, f"{entity}: condition failed", current, raw
        )


def _like(
    error: ConditionFailedError,
    cls: type[ConditionFailedError],
    message: str,
    item: Any = None,
    raw: Item | None = None,
) -> ConditionFailedError:
    """``cls`` carrying ``error``'s code, request id, operation and attempts."""
    return cls(
        message,
        item=item,
        raw_item=raw,
        code=error.code,
        request_id=error.request_id,
        operation=error.operation,
        attempts=error.attempts,
    )
