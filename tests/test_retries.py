"""Retry policies: which errors are retried, how often, how long, and what is seen."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from dyngen_runtime import ConditionFailedError, RetriesExhaustedError, ValidationError
from dyngen_runtime.error_mapping import map_client_error
from dyngen_runtime.executor import Executor, Send
from dyngen_runtime.retry import Policy, RetryConfig, RetryEvent

from generated.shop import Customer, Shop
from tests.conftest import Backend


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": status},
        },
        "PutItem",
    )


class Scripted:
    """A fake low-level client: raises the scripted errors, then answers {}."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def put_item(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {}

    def close(self) -> None:
        """Nothing to release."""


def executor(
    client: Scripted, **config: Any
) -> tuple[Executor, list[float], list[RetryEvent]]:
    sleeps: list[float] = []
    events: list[RetryEvent] = []
    retry = RetryConfig(
        sleep=sleeps.append, jitter=lambda: 1.0, on_retry=events.append, **config
    )
    return Executor(client, "tbl", retry=retry), sleeps, events


def test_throttling_backs_off_exponentially_with_a_cap() -> None:
    client = Scripted(*[client_error("ThrottlingException")] * 9)
    made, sleeps, events = executor(client, max_delay=1.0)
    assert made.call("PutItem", {}) == {}
    assert client.calls == 10
    # Full jitter drawn at its maximum: base 50 ms doubling, capped at 1 s.
    assert sleeps == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    assert [e.attempt for e in events] == list(range(1, 10))
    assert {(e.operation, e.table, e.error_code) for e in events} == {
        ("PutItem", "tbl", "ThrottlingException")
    }


@pytest.mark.parametrize(
    ("failure", "attempts", "first_delay"),
    [
        (client_error("ProvisionedThroughputExceededException"), 10, 0.05),
        (client_error("RequestLimitExceeded"), 10, 0.05),
        (client_error("InternalServerError", 500), 3, 0.1),
        (client_error("ServiceUnavailable", 503), 3, 0.5),
        (client_error("TransactionConflict"), 3, 0.1),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), 3, 0.1),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), 3, 0.1),
    ],
)
def test_defaults_per_error_class(
    failure: BaseException, attempts: int, first_delay: float
) -> None:
    client = Scripted(*[failure] * 20)
    made, sleeps, _ = executor(client)
    with pytest.raises(RetriesExhaustedError) as raised:
        made.call("PutItem", {})
    assert client.calls == attempts
    assert raised.value.attempts == attempts
    assert raised.value.last_error.attempts == attempts
    assert sleeps[0] == first_delay
    assert len(sleeps) == attempts - 1


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ConditionalCheckFailedException", ConditionFailedError),
        ("ValidationException", ValidationError),
    ],
)
def test_client_errors_are_never_retried(code: str, error: type[Exception]) -> None:
    client = Scripted(client_error(code))
    made, sleeps, _ = executor(client)
    with pytest.raises(error):
        made.call("PutItem", {})
    assert client.calls == 1
    assert sleeps == []


def test_explicit_values_override_every_class() -> None:
    client = Scripted(*[client_error("ThrottlingException")] * 20)
    made, sleeps, _ = executor(client, max_attempts=4, base_delay=0.01)
    with pytest.raises(RetriesExhaustedError):
        made.call("PutItem", {})
    assert client.calls == 4
    assert sleeps == [0.01, 0.02, 0.04]


def test_a_deadline_bounds_the_whole_call() -> None:
    now = [0.0]
    client = Scripted(*[client_error("ThrottlingException")] * 20)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    retry = RetryConfig(
        sleep=sleep, clock=lambda: now[0], jitter=lambda: 1.0, deadline=0.5
    )
    with pytest.raises(RetriesExhaustedError):
        Executor(client, "tbl", retry=retry).call("PutItem", {})
    assert sum(sleeps) <= 0.5
    assert sleeps == [0.05, 0.1, 0.2]


def test_policies_can_be_replaced_per_class() -> None:
    client = Scripted(*[client_error("InternalServerError", 500)] * 20)
    policies = {**RetryConfig().policies, "InternalServerError": Policy(5, 0.2)}
    made, sleeps, _ = executor(client, policies=policies)
    with pytest.raises(RetriesExhaustedError):
        made.call("PutItem", {})
    assert client.calls == 5
    assert sleeps[:2] == [0.2, 0.4]


def test_every_retry_is_logged_at_warning(caplog: pytest.LogCaptureFixture) -> None:
    client = Scripted(client_error("ThrottlingException"))
    made, _, _ = executor(client)
    with caplog.at_level(logging.WARNING, logger="dyngen"):
        made.call("PutItem", {})
    (record,) = [r for r in caplog.records if r.name == "dyngen.retry"]
    assert record.levelno == logging.WARNING
    assert (
        "retrying PutItem on tbl after ThrottlingException (attempt 1" in record.message
    )


class AppliedThenFailed:
    """Wraps the real transport: the first PutItem is applied, then its
    response is lost."""

    def __init__(self) -> None:
        self.puts = 0

    def around(self, send: Send) -> Send:
        def wrapped(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if operation == "PutItem":
                self.puts += 1
            response = send(operation, params)
            if operation == "PutItem" and self.puts == 1:
                raise map_client_error(
                    client_error("InternalServerError", 500), operation
                )
            return response

        return wrapped


def test_a_retried_create_that_was_applied_is_a_success(backend: Backend) -> None:
    db = backend.client(Shop)
    wrapped = AppliedThenFailed()
    db._executor.intercept(wrapped.around)
    db._executor.retry = RetryConfig(sleep=lambda _: None)
    stored = db.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    assert wrapped.puts == 2  # the retry failed its condition: the item existed
    assert db.customers.get(customer_id="c1") == stored
    # A different item under the same key is still a conflict.
    with pytest.raises(ConditionFailedError):
        db.customers.create(Customer(customer_id="c1", email="b@x", name="B"))
