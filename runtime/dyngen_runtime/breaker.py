"""A circuit breaker per client: stop hammering a service that is down.

Closed: requests flow; consecutive failures (retries exhausted, 5xx, dropped
connections, throttling that outlasted its retries) are counted. At
``failure_threshold`` the circuit opens: every call fails at once with
``CircuitOpenError`` until ``reset_timeout`` seconds have passed. Then it is
half-open: calls go through, ``success_threshold`` successes in a row close it,
one failure opens it again. Client errors (a failed condition, a validation
error) mean the service answered, so they count as successes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from dyngen_runtime.errors import (
    CircuitOpenError,
    RetriesExhaustedError,
    ServiceError,
    ThroughputError,
)


@dataclass(frozen=True)
class CircuitBreakerConfig:
    """Thresholds of the client's circuit breaker (``enabled=False`` turns it off)."""

    failure_threshold: int = 5
    success_threshold: int = 2
    reset_timeout: float = 30.0
    enabled: bool = True
    clock: Callable[[], float] = time.monotonic


def is_failure(error: BaseException) -> bool:
    """Whether an error says the service is unhealthy (not that the request was wrong)."""
    return isinstance(error, RetriesExhaustedError | ServiceError | ThroughputError)


class CircuitBreaker:
    """The breaker state machine; thread-safe."""

    def __init__(self, config: CircuitBreakerConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._state = "closed"
        self._failures = 0
        self._successes = 0
        self._opened_at = 0.0

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        with self._lock:
            self._half_open_if_due()
            return self._state

    def before_call(self, operation: str) -> None:
        """Raise ``CircuitOpenError`` while the circuit is open."""
        if not self.config.enabled:
            return
        with self._lock:
            self._half_open_if_due()
            if self._state == "open":
                remaining = self.config.reset_timeout - (
                    self.config.clock() - self._opened_at
                )
                raise CircuitOpenError(
                    f"circuit open after {self.config.failure_threshold} consecutive "
                    f"failures; failing fast for {remaining:.1f} more seconds",
                    operation=operation,
                )

    def record(self, error: BaseException | None) -> None:
        """Count the outcome of one call."""
        if not self.config.enabled:
            return
        failed = error is not None and is_failure(error)
        with self._lock:
            if failed:
                self._successes = 0
                self._failures += 1
                if (
                    self._state == "half-open"
                    or self._failures >= self.config.failure_threshold
                ):
                    self._state = "open"
                    self._opened_at = self.config.clock()
                return
            self._failures = 0
            if self._state == "half-open":
                self._successes += 1
                if self._successes >= self.config.success_threshold:
                    self._state = "closed"
                    self._successes = 0

    def _half_open_if_due(self) -> None:
        if (
            self._state == "open"
            and self.config.clock() - self._opened_at >= self.config.reset_timeout
        ):
            self._state = "half-open"
            self._successes = 0
