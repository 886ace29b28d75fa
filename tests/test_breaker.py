"""The circuit breaker's state machine, on an injected clock."""

from __future__ import annotations

import pytest
from dyngen_runtime import (
    CircuitBreakerConfig,
    CircuitOpenError,
    ConditionFailedError,
    RetriesExhaustedError,
    ServiceError,
)
from dyngen_runtime.breaker import CircuitBreaker

NOW = [0.0]


def breaker(**settings: object) -> CircuitBreaker:
    NOW[0] = 0.0
    return CircuitBreaker(CircuitBreakerConfig(clock=lambda: NOW[0], **settings))  # type: ignore[arg-type]


def exhausted() -> RetriesExhaustedError:
    return RetriesExhaustedError("x", last_error=ServiceError("y"))


def test_defaults() -> None:
    config = CircuitBreakerConfig()
    assert (
        config.failure_threshold,
        config.success_threshold,
        config.reset_timeout,
    ) == (
        5,
        2,
        30.0,
    )


def test_opens_on_consecutive_failures_only() -> None:
    made = breaker()
    for _ in range(4):
        made.record(exhausted())
    made.record(None)  # a success resets the count
    for _ in range(4):
        made.record(ServiceError("5xx"))
    assert made.state == "closed"
    made.record(exhausted())
    assert made.state == "open"
    with pytest.raises(CircuitOpenError, match=r"failing fast for 30\.0 more seconds"):
        made.before_call("GetItem")


def test_client_errors_do_not_count() -> None:
    made = breaker(failure_threshold=2)
    for _ in range(10):
        made.record(ConditionFailedError("no"))
    assert made.state == "closed"


def test_half_opens_after_the_timeout_and_closes_after_successes() -> None:
    made = breaker(failure_threshold=1, success_threshold=2, reset_timeout=10.0)
    made.record(exhausted())
    NOW[0] = 9.9
    assert made.state == "open"
    NOW[0] = 10.0
    assert made.state == "half-open"
    made.before_call("GetItem")  # allowed through
    made.record(None)
    assert made.state == "half-open"
    made.record(None)
    assert made.state == "closed"


def test_a_failure_when_half_open_opens_again() -> None:
    made = breaker(failure_threshold=3, reset_timeout=1.0)
    for _ in range(3):
        made.record(exhausted())
    NOW[0] = 1.0
    assert made.state == "half-open"
    made.record(exhausted())
    assert made.state == "open"
    NOW[0] = 1.5
    with pytest.raises(CircuitOpenError):
        made.before_call("GetItem")


def test_it_can_be_turned_off() -> None:
    made = breaker(enabled=False, failure_threshold=1)
    made.record(exhausted())
    made.before_call("GetItem")
