"""The one place where the runtime talks to DynamoDB.

Every request goes through :meth:`Executor.call`, which maps botocore's
exceptions into the runtime's taxonomy; retries, metrics and tracing hook in here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from dyngen_runtime import errors
from dyngen_runtime.breaker import CircuitBreaker, CircuitBreakerConfig
from dyngen_runtime.retry import RetryConfig, call_with_retries

_CODE_TO_ERROR: dict[str, type[errors.DyngenError]] = {
    "ConditionalCheckFailedException": errors.ConditionFailedError,
    "ProvisionedThroughputExceededException": errors.ThroughputError,
    "ThrottlingException": errors.ThroughputError,
    "RequestLimitExceeded": errors.ThroughputError,
    "ValidationException": errors.ValidationError,
    "SerializationException": errors.ValidationError,
    "ResourceNotFoundException": errors.ConfigurationError,
    "ResourceInUseException": errors.ConfigurationError,
    "UnrecognizedClientException": errors.AuthenticationError,
    "InvalidSignatureException": errors.AuthenticationError,
    "AccessDeniedException": errors.AuthenticationError,
    "MissingAuthenticationToken": errors.AuthenticationError,
    "MissingAuthenticationTokenException": errors.AuthenticationError,
    "IncompleteSignature": errors.AuthenticationError,
    "IncompleteSignatureException": errors.AuthenticationError,
    "ExpiredTokenException": errors.AuthenticationError,
    "ItemCollectionSizeLimitExceededException": errors.ItemCollectionSizeLimitError,
    "TransactionCanceledException": errors.TransactionFailedError,
    "IdempotentParameterMismatchException": errors.IdempotencyError,
    "TransactionInProgressException": errors.TransactionInProgressError,
    "InternalServerError": errors.ServiceError,
    "ServiceUnavailable": errors.ServiceError,
}

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def map_client_error(error: ClientError, operation: str) -> errors.DyngenError:
    """Turn botocore's ClientError into the runtime error for its AWS code."""
    response: dict[str, Any] = error.response
    details = response.get("Error", {})
    code = str(details.get("Code", "Unknown"))
    message = str(details.get("Message") or code)
    request_id = response.get("ResponseMetadata", {}).get("RequestId")
    cls = _CODE_TO_ERROR.get(code, errors.ServiceError)
    if cls is errors.TransactionFailedError:
        return errors.TransactionFailedError(
            message,
            raw_reasons=list(response.get("CancellationReasons") or []),
            code=code,
            request_id=request_id,
            operation=operation,
            attempts=1,
        )
    if issubclass(cls, errors.ConditionFailedError):
        return cls(
            message,
            raw_item=response.get("Item"),
            code=code,
            request_id=request_id,
            operation=operation,
            attempts=1,
        )
    return cls(
        message, code=code, request_id=request_id, operation=operation, attempts=1
    )


def map_botocore_error(error: BotoCoreError, operation: str) -> errors.DyngenError:
    """Turn a client-side botocore failure into the runtime error for its kind."""
    cls: type[errors.DyngenError]
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        cls, code = errors.AuthenticationError, "NoCredentials"
    elif isinstance(error, NoRegionError):
        cls, code = errors.ConfigurationError, "NoRegion"
    elif isinstance(error, ParamValidationError):
        cls, code = errors.ValidationError, "ParamValidation"
    elif isinstance(error, ReadTimeoutError):
        cls, code = errors.ServiceError, "ReadTimeout"
    elif isinstance(error, ConnectTimeoutError):
        cls, code = errors.ServiceError, "ConnectTimeout"
    elif isinstance(error, BotoConnectionError | HTTPClientError):
        cls, code = errors.ServiceError, "ConnectionError"
    else:
        cls, code = errors.ServiceError, type(error).__name__
    return cls(str(error), code=code, operation=operation, attempts=1)


class Executor:
    """Sends requests for one table through one low-level boto3 client."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        on_close: Callable[[], None] | None = None,
        cursor_secret: bytes | None = None,
        retry: RetryConfig | None = None,
        circuit_breaker: CircuitBreakerConfig | None = None,
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.cursor_secret = cursor_secret
        self.retry = retry if retry is not None else RetryConfig()
        self.breaker = CircuitBreaker(circuit_breaker or CircuitBreakerConfig())
        self._on_close = on_close
        self._methods: dict[str, Callable[..., dict[str, Any]]] = {}
        self._closed = False

    def call(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        replayed: Callable[[errors.ConditionFailedError], bool] | None = None,
    ) -> dict[str, Any]:
        """Send ``operation`` (``"PutItem"``, ...) with retries; the parsed response.

        A write that failed with a 5xx or a dropped connection may have been
        applied; when its retry then fails its condition, ``replayed(error)``
        says whether the stored item is exactly what this call wrote, which
        counts as success (an empty response) instead of a false conflict.
        """
        method = self._methods.get(operation)
        if method is None:
            method = getattr(self.client, _SNAKE.sub("_", operation).lower())
            self._methods[operation] = method

        def attempt(number: int) -> dict[str, Any]:
            try:
                response: dict[str, Any] = method(**params)
                return response
            except ClientError as error:
                mapped = map_client_error(error, operation)
            except BotoCoreError as error:
                mapped = map_botocore_error(error, operation)
            if (
                number > 1
                and replayed is not None
                and isinstance(mapped, errors.ConditionFailedError)
                and replayed(mapped)
            ):
                return {}
            raise mapped

        self.breaker.before_call(operation)
        try:
            response = call_with_retries(
                self.retry, operation, self.table_name, attempt
            )
        except errors.DyngenError as error:
            self.breaker.record(error)
            raise
        self.breaker.record(None)
        return response

    def close(self) -> None:
        """Release what the client holds (connections, in-memory tables)."""
        if self._closed:
            return
        self._closed = True
        if self._on_close is not None:
            self._on_close()
        self.client.close()
