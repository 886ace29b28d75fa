"""The base class of every generated entity repository (``db.customers``, ...).

Generated subclasses add typed methods (``get(customer_id=...)``) that render
the key with generated code and call the protected helpers here, where the
policy lives: optimistic locking, create-only conditions, error decoding.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from dyngen_runtime.errors import ConditionFailedError, VersionConflictError
from dyngen_runtime.executor import Executor
from dyngen_runtime.model import EntityModel
from dyngen_runtime.query import QueryRunner
from dyngen_runtime.wire import Item

M = TypeVar("M", bound=EntityModel)


class EntityRepository(Generic[M]):
    """Reads and writes the items of one entity."""

    def __init__(self, executor: Executor, model: type[M]) -> None:
        self._executor = executor
        self._model = model
        self._entity = model._entity
        self._pk_attribute = self._entity.key_attributes[0]
        self._queries = QueryRunner(executor, model.from_item, executor.cursor_secret)

    def create(self, model: M) -> M:
        """Write a new item; ``ConditionFailedError`` if one with its key exists.

        Versioned entities are written at version 1. Returns the model as stored.
        """
        stored = model._with_version(1) if self._entity.version_field else model
        self._put(
            stored,
            "attribute_not_exists(#pk)",
            {"#pk": self._pk_attribute},
            None,
            conflict=ConditionFailedError,
        )
        return stored

    def put(self, model: M) -> M:
        """Create, or replace the stored item.

        For versioned entities, a model read from the table (version > 0) only
        replaces the item if the stored version still equals ``model.version``,
        and is written with the version plus one; version 0 behaves like
        :meth:`create`. Raises ``VersionConflictError`` on a mismatch.
        """
        if not self._entity.version_field:
            self._put(model, None, None, None, conflict=ConditionFailedError)
            return model
        version = model._version()
        stored = model._with_version(version + 1)
        if version == 0:
            self._put(
                stored,
                "attribute_not_exists(#pk)",
                {"#pk": self._pk_attribute},
                None,
                conflict=VersionConflictError,
            )
        else:
            self._put(
                stored,
                "#version = :version",
                {"#version": self._version_attribute()},
                {":version": {"N": str(version)}},
                conflict=VersionConflictError,
            )
        return stored

    def _version_attribute(self) -> str:
        attribute = self._entity.version_attribute
        assert attribute is not None, "only versioned entities have a version"
        return attribute

    def _put(
        self,
        model: M,
        condition: str | None,
        names: dict[str, str] | None,
        values: dict[str, Any] | None,
        *,
        conflict: type[ConditionFailedError],
    ) -> None:
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "Item": model.to_item(),
        }
        if condition is not None:
            params["ConditionExpression"] = condition
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            if names:
                params["ExpressionAttributeNames"] = names
            if values:
                params["ExpressionAttributeValues"] = values
        try:
            self._executor.call("PutItem", params)
        except ConditionFailedError as error:
            raise self._conflict(error, conflict) from None

    def _conflict(
        self, error: ConditionFailedError, cls: type[ConditionFailedError]
    ) -> ConditionFailedError:
        current = self._model.from_item(error.raw_item) if error.raw_item else None
        what = "version conflict" if cls is VersionConflictError else "condition failed"
        return cls(
            f"{self._entity.name}: {what}",
            item=current,
            raw_item=error.raw_item,
            code=error.code,
            request_id=error.request_id,
            operation=error.operation,
            attempts=error.attempts,
        )

    def _get(self, key: Item, *, consistent: bool) -> M | None:
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "Key": key,
        }
        if consistent:
            params["ConsistentRead"] = True
        raw = self._executor.call("GetItem", params).get("Item")
        if raw is None:
            return None
        return self._model.from_item(raw)

    def _delete(self, key: Item) -> M | None:
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "Key": key,
            "ReturnValues": "ALL_OLD",
        }
        raw = self._executor.call("DeleteItem", params).get("Attributes")
        if raw is None:
            return None
        return self._model.from_item(raw)
