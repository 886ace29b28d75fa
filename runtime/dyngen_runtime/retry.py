"""Retry policies: exponential backoff with full jitter, per error class.

DynamoDB's throttling and 5xx answers are expected under load; the runtime
absorbs them so application code never writes a retry loop. Built on
tenacity: a stop condition, a wait strategy and a retry predicate that all
read the error class of the last attempt.

Defaults (attempts, base delay): throttling 10 from 50 ms; InternalServerError
3 from 100 ms; ServiceUnavailable 3 from 500 ms; TransactionConflict 3 from
100 ms; connection errors and read timeouts 3 from 100 ms. Every delay is
drawn uniformly from [0, min(max_delay, base * 2**(attempt - 1))] ("full
jitter"), and an optional deadline bounds the whole call.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from dyngen_runtime.errors import (
    DyngenError,
    RetriesExhaustedError,
    TransactionFailedError,
)

logger = logging.getLogger("dyngen.retry")

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
    }
)

_TRANSACTION_THROTTLING = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", *THROTTLING_CODES}
)


@dataclass(frozen=True)
class Policy:
    """How often and how patiently to retry one class of error."""

    max_attempts: int
    base_delay: float


@dataclass(frozen=True)
class RetryEvent:
    """What the retry hook receives before each sleep."""

    operation: str
    table: str
    error_code: str | None
    attempt: int
    delay: float


def _defaults() -> dict[str, Policy]:
    return {
        "throttling": Policy(10, 0.05),
        "InternalServerError": Policy(3, 0.1),
        "ServiceUnavailable": Policy(3, 0.5),
        "TransactionConflict": Policy(3, 0.1),
        "connection": Policy(3, 0.1),
    }


@dataclass(frozen=True)
class RetryConfig:
    """The client's retry settings (global to the client, not per call).

    ``max_attempts`` and ``base_delay``, when given, override every class.
    ``deadline`` (seconds) bounds all attempts of one call together.
    ``on_retry`` is called before each sleep; ``sleep``, ``clock`` and
    ``jitter`` (a uniform draw in [0, 1)) are injectable for tests.
    """

    max_attempts: int | None = None
    base_delay: float | None = None
    max_delay: float = 5.0
    deadline: float | None = None
    policies: dict[str, Policy] = field(default_factory=_defaults)
    on_retry: Callable[[RetryEvent], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random

    def policy_for(self, error: BaseException) -> Policy | None:
        """The policy of ``error``'s class, or None when it is never retried."""
        key = retry_class(error)
        if key is None:
            return None
        policy = self.policies.get(key)
        if policy is None:
            return None
        return Policy(
            self.max_attempts if self.max_attempts is not None else policy.max_attempts,
            self.base_delay if self.base_delay is not None else policy.base_delay,
        )

    def delay(self, policy: Policy, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1))]."""
        ceiling = min(self.max_delay, policy.base_delay * 2.0 ** (attempt - 1))
        return self.jitter() * ceiling


def retry_class(error: BaseException) -> str | None:
    """The retry class of an error: throttling, a 5xx code, connection, or None."""
    if not isinstance(error, DyngenError):
        return None
    code = error.code or ""
    if code in THROTTLING_CODES:
        return "throttling"
    if code in ("InternalServerError", "InternalFailure"):
        return "InternalServerError"
    if code in ("ServiceUnavailable", "ServiceUnavailableException"):
        return "ServiceUnavailable"
    if code == "TransactionConflict":
        return "TransactionConflict"
    if isinstance(error, TransactionFailedError):
        # Cancelled only by conflicts or throttling (no condition failed):
        # the same transaction, with the same token, may succeed on retry.
        codes = {r.get("Code") for r in error.raw_reasons} - {"None", None}
        if codes and codes <= {"TransactionConflict"}:
            return "TransactionConflict"
        if codes and codes <= _TRANSACTION_THROTTLING | {"TransactionConflict"}:
            return "throttling"
    if code in ("ConnectionError", "ReadTimeout", "ConnectTimeout", "CRC32CheckFailed"):
        return "connection"
    return None


def call_with_retries(
    config: RetryConfig,
    operation: str,
    table: str,
    attempt_call: Callable[[int], T],
) -> T:
    """Run ``attempt_call(attempt)`` until it succeeds or the policy gives up."""
    started = config.clock()
    # Nearly every call succeeds at once: only a retryable failure pays for
    # tenacity's machinery, which then sees that failure as its first attempt.
    try:
        return attempt_call(1)
    except DyngenError as error:
        if config.policy_for(error) is None:
            error.attempts = 1
            raise
        first_error = error
    planned: dict[int, float] = {}

    def should_retry(state: tenacity.RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or not outcome.failed:
            return False
        error = outcome.exception()
        policy = config.policy_for(error) if error is not None else None
        if policy is None or state.attempt_number >= policy.max_attempts:
            return False
        delay = config.delay(policy, state.attempt_number)
        if config.deadline is not None and (
            config.clock() - started + delay > config.deadline
        ):
            return False
        planned[state.attempt_number] = delay
        return True

    def wait(state: tenacity.RetryCallState) -> float:
        return planned.get(state.attempt_number, 0.0)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        code = error.code if isinstance(error, DyngenError) else None
        delay = planned.get(state.attempt_number, 0.0)
        logger.warning(
            "retrying %s on %s after %s (attempt %d, sleeping %.3f s)",
            operation,
            table,
            code,
            state.attempt_number,
            delay,
        )
        if config.on_retry is not None:
            config.on_retry(
                RetryEvent(operation, table, code, state.attempt_number, delay)
            )

    retrying = tenacity.Retrying(
        retry=should_retry,
        wait=wait,
        stop=tenacity.stop_never,
        sleep=config.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0

    def attempt() -> T:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise first_error
        return attempt_call(attempts)

    try:
        return retrying(attempt)
    except DyngenError as error:
        error.attempts = attempts
        if attempts > 1 and retry_class(error) is not None:
            raise RetriesExhaustedError(
                f"{operation} failed after {attempts} attempts: {error.message}",
                last_error=error,
                code=error.code,
                request_id=error.request_id,
                operation=operation,
                attempts=attempts,
            ) from error
        raise


def no_retries() -> RetryConfig:
    """A configuration that never retries (for tests and tools)."""
    return RetryConfig(max_attempts=1)


__all__ = [
    "Policy",
    "RetryConfig",
    "RetryEvent",
    "call_with_retries",
    "no_retries",
    "retry_class",
]
