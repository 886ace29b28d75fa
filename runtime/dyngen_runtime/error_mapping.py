"""AWS errors into the runtime's taxonomy, for both request paths."""

from __future__ import annotations

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


_STATUS_CODES = {"500": "InternalServerError", "503": "ServiceUnavailable"}


def map_client_error(error: ClientError, operation: str) -> errors.DyngenError:
    """Turn botocore's ClientError into the runtime error for its AWS code."""
    return map_error_response(error.response, operation)


def map_error_response(response: dict[str, Any], operation: str) -> errors.DyngenError:
    """The runtime error for a parsed error response (botocore's shape).

    ``response`` holds ``Error.Code``/``Error.Message``, ``ResponseMetadata``
    and the error's own fields (``CancellationReasons``, ``Item``); both the
    boto3 path and the direct HTTP path end here, so errors are the same.
    """
    details = response.get("Error", {})
    code = str(details.get("Code", "Unknown"))
    # botocore names an error without a JSON body (a proxy's HTML 503) by its
    # status: give it the code the retry policy knows.
    code = _STATUS_CODES.get(code, code)
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


def redact(error: errors.DyngenError, credentials: Any) -> errors.DyngenError:
    """``error`` with the frozen ``credentials``' key, secret and token removed
    from its message: some signature errors quote the canonical request."""
    for secret in (
        getattr(credentials, "token", None),
        getattr(credentials, "secret_key", None),
        getattr(credentials, "access_key", None),
    ):
        if secret and secret in error.message:
            error.message = error.message.replace(secret, "<redacted>")
            error.args = (error.message,)
    return error


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
