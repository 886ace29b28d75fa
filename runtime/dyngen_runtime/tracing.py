"""OpenTelemetry spans for DynamoDB calls, free when OpenTelemetry is absent.

Each call gets a CLIENT span named ``dynamodb.<Operation>`` (``dynamodb.PutItem``)
carrying ``db.system``/``db.operation`` from OpenTelemetry's database semantic
conventions plus ``dynamodb.*`` attributes naming the table, index, entity and
key. The runtime only needs ``opentelemetry-api`` (``pip install "dyngen[otel]"``);
the application picks the SDK and exporter. Without the API, or after
``set_tracing(False)``, :func:`start_span` returns the shared :data:`NOOP_SPAN`
and costs one function call: the import is tried once, at module import.

Spans are children of the span current when they start, but are not made
current themselves: a handle may then be ended in another thread or after a
paginating generator resumes, without corrupting the caller's context.

Attributes are an allowlist (:data:`ATTRIBUTES`) so that request bodies, item
payloads and credentials cannot reach a span by accident. Partition and sort
key values are allowed: they are what makes a trace of a hot key useful. Errors
record their type and message only, never a stack trace with local values.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Final, Self

from dyngen_runtime import __version__

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

try:
    from opentelemetry import trace as otel_trace
except ImportError:
    _AVAILABLE = False
else:
    _AVAILABLE = True

AttributeValue = str | bool | int | float
"""What an OpenTelemetry attribute can hold (the scalar kinds the runtime uses)."""

#: The attributes a span accepts, by the short name callers use.
ATTRIBUTES: Final[Mapping[str, str]] = {
    name: f"dynamodb.{name}"
    for name in (
        "table",
        "index",
        "entity",
        "pk",
        "sk",
        "consistent_read",
        "item_count",
        "segment",
        "consumed_capacity",
        "attempts",
    )
}

_TRACER_NAME = "dyngen"


class SpanHandle:
    """A span in progress. This base class is the no-op handle; all methods are
    safe to call in any order and more than once.

    Use it as a context manager, or call :meth:`end` in a ``finally`` block.
    """

    __slots__ = ()

    def set(self, key: str, value: object) -> None:
        """Set attribute ``key`` (a short name from :data:`ATTRIBUTES`); None is skipped."""

    def record_error(self, error: BaseException) -> None:
        """Mark the span failed, recording the error's type and message."""

    def end(self) -> None:
        """Finish the span; later calls do nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.record_error(exc)
        self.end()


NOOP_SPAN: Final = SpanHandle()
"""The one handle :func:`start_span` returns while tracing is off."""


def _attribute_key(name: str) -> str:
    key = ATTRIBUTES.get(name)
    if key is None:
        raise ValueError(
            f"span attribute {name!r} is not allowed; use one of {sorted(ATTRIBUTES)}"
        )
    return key


def _attribute_value(value: object) -> AttributeValue:
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        # DynamoDB numbers: their exact decimal text, not a rounded float.
        return str(value)
    if isinstance(value, bytes | bytearray):
        # Binary keys: base64, as DynamoDB's own JSON shows them.
        return base64.b64encode(value).decode("ascii")
    # Anything else (a dict, a model) could be an item payload: refuse it.
    raise TypeError(f"span attribute values must be scalars, got {type(value)!r}")


def _error_type(error: BaseException) -> str:
    cls = type(error)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


class _OtelSpan(SpanHandle):
    __slots__ = ("_ended", "_span")

    def __init__(self, span: Span) -> None:
        self._span = span
        self._ended = False

    def set(self, key: str, value: object) -> None:
        key = _attribute_key(key)
        if value is not None:
            self._span.set_attribute(key, _attribute_value(value))

    def record_error(self, error: BaseException) -> None:
        error_type = _error_type(error)
        message = str(error)
        self._span.set_attribute("error.type", error_type)
        # Not span.record_exception: it adds the stack trace, which we keep out.
        self._span.add_event(
            "exception",
            {"exception.type": error_type, "exception.message": message},
        )
        self._span.set_status(otel_trace.Status(otel_trace.StatusCode.ERROR, message))

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            self._span.end()


_enabled = _AVAILABLE
_provider: TracerProvider | None = None
_tracer: Tracer | None = None


def set_tracing(enabled: bool) -> None:
    """Turn span creation on or off for the whole process.

    Turning it on has no effect when ``opentelemetry-api`` is not installed.
    """
    global _enabled
    _enabled = enabled and _AVAILABLE


def tracing_enabled() -> bool:
    """Whether :func:`start_span` currently creates real spans."""
    return _enabled


def active() -> bool:
    """Whether a span started now would be recorded: tracing is on and a
    tracer provider (an SDK, not the API's placeholder) is configured.

    Without a provider every span would be a non-recording no-op, and
    building one costs microseconds per call: callers skip that work.
    """
    if not _enabled:
        return False
    return _provider is not None or not isinstance(
        otel_trace.get_tracer_provider(),
        otel_trace.ProxyTracerProvider | otel_trace.NoOpTracerProvider,
    )


def set_tracer_provider(provider: TracerProvider | None) -> None:
    """Create spans with ``provider`` instead of OpenTelemetry's global one.

    ``None`` goes back to the global provider. The global provider can be set
    only once per process; this hook lets tests and embedded uses pick their own.
    """
    global _provider, _tracer
    _provider = provider
    _tracer = None


def _get_tracer() -> Tracer:
    global _tracer
    tracer = _tracer
    if tracer is None:
        # Before the application sets a global provider this is a proxy tracer
        # that follows it once set, so caching it here is safe.
        tracer = _tracer = otel_trace.get_tracer(
            _TRACER_NAME, __version__, tracer_provider=_provider
        )
    return tracer


def start_span(
    operation: str, attributes: Mapping[str, object] | None = None
) -> SpanHandle:
    """Start the span of one DynamoDB call.

    ``operation`` is the API name (``PutItem``); ``attributes`` maps short names
    from :data:`ATTRIBUTES` to values, skipping None. While tracing is on, an
    unknown name raises ``ValueError`` and a non-scalar value ``TypeError``, so
    that nothing but identifiers ever reaches a trace.
    """
    if not active():
        return NOOP_SPAN
    values: dict[str, AttributeValue] = {
        "db.system": "dynamodb",
        "db.operation": operation,
    }
    if attributes:
        for name, value in attributes.items():
            key = _attribute_key(name)
            if value is not None:
                values[key] = _attribute_value(value)
    span = _get_tracer().start_span(
        f"dynamodb.{operation}",
        kind=otel_trace.SpanKind.CLIENT,
        attributes=values,
    )
    return _OtelSpan(span)
