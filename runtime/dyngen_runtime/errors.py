"""The runtime's error taxonomy: one base class, every AWS failure mapped into it.

Every error keeps the AWS error code, the request id, the operation name and the
number of attempts, so a log line or a bug report carries what support needs.
No raw botocore exception escapes the runtime.
"""

from __future__ import annotations

from typing import Any


class DyngenError(Exception):
    """Base class of every error the runtime raises."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        operation: str | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.operation = operation
        self.attempts = attempts

    def __str__(self) -> str:
        details = [
            f"{label}={value}"
            for label, value in (
                ("operation", self.operation),
                ("code", self.code),
                ("request_id", self.request_id),
            )
            if value
        ]
        if self.attempts > 1:
            details.append(f"attempts={self.attempts}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class ConfigurationError(DyngenError):
    """The client was set up wrongly (missing region, bad table, bad options)."""


class AuthenticationError(DyngenError):
    """Credentials are missing, invalid, expired or not allowed to do this."""


class ValidationError(DyngenError):
    """A request was refused before it was sent, or DynamoDB rejected its shape."""


class ItemSizeExceededError(ValidationError):
    """An item is larger than DynamoDB's 400 KB limit."""


class KeyTooLongError(ValidationError):
    """A partition key over 2048 bytes or a sort key over 1024 bytes."""


class TransactionLimitError(ValidationError):
    """A transaction over 100 operations or 4 MB."""


class ExpressionError(ValidationError):
    """An expression could not be built from the given conditions."""


class ConditionFailedError(DyngenError):
    """A write's condition did not hold.

    ``item`` is the stored item (decoded) when DynamoDB returned it;
    ``raw_item`` is the same item in the wire format.
    """

    def __init__(
        self,
        message: str,
        *,
        item: Any = None,
        raw_item: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.item = item
        self.raw_item = raw_item


class VersionConflictError(ConditionFailedError):
    """The stored version differs from the one the write expected."""


class ItemNotFoundError(ConditionFailedError):
    """An update addressed an item that does not exist."""


class NotUniqueError(DyngenError):
    """A unique access pattern found more than one item."""


class ThroughputError(DyngenError):
    """DynamoDB throttled the request (throughput or request limits)."""


class ItemCollectionSizeLimitError(DyngenError):
    """A partition with a local index reached the 10 GB item-collection limit."""


class TransactionFailedError(DyngenError):
    """A transaction was cancelled; ``reasons`` says why, per operation.

    ``reasons`` holds one ``CancellationReason`` per operation, in order;
    ``failed`` only those whose ``code`` is not None. ``raw_reasons`` keeps
    DynamoDB's CancellationReasons as received.
    """

    def __init__(
        self,
        message: str,
        *,
        reasons: list[Any] | None = None,
        raw_reasons: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.reasons: list[Any] = reasons or []
        self.raw_reasons: list[dict[str, Any]] = raw_reasons or []

    @property
    def failed(self) -> list[Any]:
        """The reasons of the operations that failed."""
        return [r for r in self.reasons if r.code is not None]

    def __str__(self) -> str:
        failing = self.failed
        if not failing:
            return super().__str__()
        parts = [
            f"#{r.index} {r.entity} {r.code}"
            + (" (version conflict)" if r.version_conflict else "")
            + (f": {r.message}" if r.message else "")
            for r in failing
        ]
        return f"transaction cancelled: {'; '.join(parts)}"


class IdempotencyError(DyngenError):
    """The transaction token was reused with different operations."""


class TransactionInProgressError(DyngenError):
    """A transaction with the same token is still being processed."""


class ServiceError(DyngenError):
    """DynamoDB failed (5xx) or answered with an error the runtime does not map."""


class RetriesExhaustedError(DyngenError):
    """Every attempt failed; ``last_error`` holds the final failure."""

    def __init__(self, message: str, *, last_error: DyngenError, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.last_error = last_error


class CircuitOpenError(DyngenError):
    """The circuit breaker is open: requests fail fast until it half-opens."""
