"""The base class of every generated table client (``Shop``, ...)."""

from __future__ import annotations

import logging
import os
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, Self

import boto3
from botocore.config import Config
from botocore.httpsession import get_cert_path

from dyngen_runtime.batch import BatchWriteResult, batch_write
from dyngen_runtime.breaker import CircuitBreakerConfig
from dyngen_runtime.cassette import Player, Recorder
from dyngen_runtime.credentials import make_session
from dyngen_runtime.errors import ConfigurationError, DyngenError
from dyngen_runtime.executor import BATCH_CONCURRENCY, Executor
from dyngen_runtime.hotkeys import HotKeyConfig, HotKeyTracker
from dyngen_runtime.http_transport import HttpTransport
from dyngen_runtime.memory import in_memory_client
from dyngen_runtime.metrics import MetricsSink
from dyngen_runtime.model import EntityModel
from dyngen_runtime.observe import (
    CapacityMode,
    CapacityReport,
    CapacityTotals,
    Observer,
)
from dyngen_runtime.retry import RetryConfig
from dyngen_runtime.table import TableSchema
from dyngen_runtime.wire import Item

logger = logging.getLogger("dyngen.client")

Transport = Literal["http", "boto3"]

# Latency-minded defaults for clients the runtime creates: a DynamoDB request
# answers in milliseconds, so a connection that takes over a second is better
# dropped and retried than waited for. botocore's own retries are off so that
# the runtime's retry policy is the only one (attempts never multiply).
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 10.0
MAX_POOL_CONNECTIONS = 50
_TABLE_READY_TIMEOUT = 60.0


def client_config() -> Config:
    """The botocore configuration of clients the runtime creates."""
    return Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": 1, "mode": "standard"},
        max_pool_connections=MAX_POOL_CONNECTIONS,
        tcp_keepalive=True,
    )


def _warn_if_retrying(client: Any) -> None:
    """Warn when a passed-in client retries by itself: attempts would multiply."""
    retries = getattr(getattr(client, "meta", None), "config", None)
    settings = getattr(retries, "retries", None) or {}
    total = settings.get("total_max_attempts")
    legacy = settings.get("max_attempts")
    if total == 1 or (total is None and legacy == 0):
        return
    logger.warning(
        "the DynamoDB client passed to connect() retries on its own (%s); with the "
        "runtime's retries, attempts multiply. Create it with "
        "Config(retries={'total_max_attempts': 1})",
        settings or "botocore defaults",
    )


def _no_sleep(_: float) -> None:
    return None


def _proxied(endpoint_url: str) -> bool:
    parts = urllib.parse.urlsplit(endpoint_url)
    proxies = urllib.request.getproxies()
    if parts.scheme not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


def _ca_bundle(session: boto3.session.Session) -> str | None:
    # The same certificates botocore would use: AWS_CA_BUNDLE / ca_bundle in
    # the profile, else its bundled set.
    configured = session._session.get_config_variable("ca_bundle")
    return str(configured) if configured else get_cert_path(True)


class TableClient:
    """A connection to one table; generated subclasses add the repositories."""

    schema: ClassVar[TableSchema]

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._player: Player | None = None
        weakref.finalize(self, executor.close)

    @property
    def table_name(self) -> str:
        """The physical name of the table this client reads and writes."""
        return self._executor.table_name

    @classmethod
    def connect(
        cls,
        *,
        table_name: str | None = None,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        profile_name: str | None = None,
        role_arn: str | None = None,
        client: Any = None,
        transport: Transport | None = None,
        cursor_secret: str | bytes | None = None,
        retry: RetryConfig | None = None,
        circuit_breaker: CircuitBreakerConfig | None = None,
        metrics: MetricsSink | None = None,
        consumed_capacity: CapacityMode | None = None,
        on_consumed_capacity: Callable[[CapacityReport], None] | None = None,
        hot_keys: HotKeyConfig | None = None,
        record: str | os.PathLike[str] | None = None,
        batch_concurrency: int = BATCH_CONCURRENCY,
        trusted_reads: bool = False,
    ) -> Self:
        """Connect with boto3's default credential chain and region.

        ``table_name`` defaults to the schema's table name. ``profile_name``
        picks a profile of the AWS config files; ``role_arn`` assumes that
        role (with the profile's or the default chain's credentials) and
        renews it before it expires.

        Requests go over the direct HTTP path (``transport="http"``, the
        default: JSON signed for SigV4 on a pooled keep-alive connection) or
        through a boto3 client (``transport="boto3"``). Pass ``client`` to
        reuse an existing low-level boto3 DynamoDB client (then the transport
        is boto3, and ``endpoint_url``, ``region_name``, ``profile_name`` and
        ``role_arn`` must not be given; its own retries should be off, see
        docs/runtime.md).

        With ``cursor_secret``, pagination cursors are HMAC-signed and edited
        ones are refused. ``retry`` replaces the default :class:`RetryConfig`;
        ``circuit_breaker`` the default :class:`CircuitBreakerConfig`.
        ``metrics`` receives the client's metrics (an in-memory sink by
        default, see :attr:`metrics`); ``consumed_capacity`` (``"TOTAL"`` or
        ``"INDEXES"``) asks DynamoDB for the capacity each call consumed,
        passed to ``on_consumed_capacity`` and summed in
        :attr:`consumed_capacity`; ``hot_keys`` turns on hot partition key
        detection. ``record`` writes every request and response to that
        cassette file when the client is closed (see :meth:`replay`).

        ``batch_concurrency`` bounds how many batch requests one
        ``batch_write`` / ``batch_get`` has in flight (8 by default).
        ``trusted_reads`` decodes items without pydantic validation (about
        twice as fast), for tables that only this code writes.
        """
        if transport not in (None, "http", "boto3"):
            raise ConfigurationError(
                f"transport must be 'http' or 'boto3', not {transport!r}"
            )
        name = table_name or cls.schema.name
        secret = (
            cursor_secret.encode() if isinstance(cursor_secret, str) else cursor_secret
        )
        settings: dict[str, Any] = {
            "cursor_secret": secret,
            "retry": retry,
            "circuit_breaker": circuit_breaker,
            "batch_concurrency": batch_concurrency,
            "trusted_reads": trusted_reads,
            "observer": cls._observer(
                name, metrics, consumed_capacity, on_consumed_capacity, hot_keys
            ),
        }
        if client is not None:
            given = [
                label
                for label, value in (
                    ("endpoint_url", endpoint_url),
                    ("region_name", region_name),
                    ("profile_name", profile_name),
                    ("role_arn", role_arn),
                )
                if value is not None
            ]
            if given:
                raise ConfigurationError(
                    f"pass either client= or {'/'.join(given)}=, not both"
                )
            if transport == "http":
                raise ConfigurationError(
                    "a passed-in client= sends its own requests: "
                    "transport='http' needs endpoint_url=/region_name= instead"
                )
            _warn_if_retrying(client)
            return cls._with(Executor(client, name, **settings), record)
        session = make_session(
            profile_name=profile_name, role_arn=role_arn, region_name=region_name
        )
        try:
            made = session.client(
                "dynamodb",
                endpoint_url=endpoint_url,
                region_name=region_name,
                config=client_config(),
            )
        except Exception as error:  # botocore raises several unrelated types here
            raise ConfigurationError(
                f"cannot create a DynamoDB client: {error}"
            ) from None
        http = None
        if transport is None and _proxied(made.meta.endpoint_url):
            # The direct path speaks plain HTTP/1.1 to the endpoint; botocore
            # knows proxies, so a proxied endpoint keeps the boto3 transport.
            logger.info("a proxy is set for %s: using the boto3 transport", name)
            transport = "boto3"
        if transport != "boto3":
            # boto3 resolved the region and endpoint; the session holds the
            # credential chain, refreshing credentials included.
            http = HttpTransport(
                endpoint_url=made.meta.endpoint_url,
                region_name=made.meta.region_name,
                credentials=session.get_credentials(),
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                max_connections=MAX_POOL_CONNECTIONS,
                ca_bundle=_ca_bundle(session),
            )
        return cls._with(Executor(made, name, http=http, **settings), record)

    @classmethod
    def in_memory(
        cls,
        *,
        retry: RetryConfig | None = None,
        metrics: MetricsSink | None = None,
        consumed_capacity: CapacityMode | None = None,
        on_consumed_capacity: Callable[[CapacityReport], None] | None = None,
        hot_keys: HotKeyConfig | None = None,
        record: str | os.PathLike[str] | None = None,
        batch_concurrency: int = BATCH_CONCURRENCY,
        trusted_reads: bool = False,
    ) -> Self:
        """A client on a private in-process mock table, already created and empty.

        The keyword arguments mean what they mean for :meth:`connect`.
        """
        made, release = in_memory_client()
        name = cls.schema.name
        observer = cls._observer(
            name, metrics, consumed_capacity, on_consumed_capacity, hot_keys
        )
        executor = Executor(
            made,
            name,
            on_close=release,
            retry=retry,
            observer=observer,
            batch_concurrency=batch_concurrency,
            trusted_reads=trusted_reads,
        )
        db = cls._with(executor, record)
        db.create_table()
        return db

    @classmethod
    def replay(
        cls,
        path: str | os.PathLike[str],
        *,
        retry: RetryConfig | None = None,
        cursor_secret: str | bytes | None = None,
        metrics: MetricsSink | None = None,
    ) -> Self:
        """A client that answers from a cassette written with ``record=``.

        No network: each request is matched by operation and body against the
        recorded ones (so concurrent requests replay in any order), and one
        that matches nothing raises :class:`ReplayMismatchError` showing the
        nearest recorded request. Recorded throttling and 5xx answers replay
        too; the default retry policy here does not sleep between attempts.
        """
        player = Player.load(path)
        secret = (
            cursor_secret.encode() if isinstance(cursor_secret, str) else cursor_secret
        )
        executor = Executor(
            None,
            player.table,
            cursor_secret=secret,
            retry=retry if retry is not None else RetryConfig(sleep=_no_sleep),
            observer=cls._observer(player.table, metrics, None, None, None),
        )
        executor.intercept(lambda _: player.send)
        executor.clock = player.clock
        db = cls(executor)
        db._player = player
        return db

    @classmethod
    def _observer(
        cls,
        table: str,
        metrics: MetricsSink | None,
        consumed_capacity: CapacityMode | None,
        on_consumed_capacity: Callable[[CapacityReport], None] | None,
        hot_keys: HotKeyConfig | None,
    ) -> Observer:
        if consumed_capacity not in (None, "TOTAL", "INDEXES"):
            raise ConfigurationError(
                "consumed_capacity must be 'TOTAL' or 'INDEXES', "
                f"not {consumed_capacity!r}"
            )
        return Observer(
            table,
            pk_attribute=cls.schema.pk,
            sk_attribute=cls.schema.sk,
            metrics_sink=metrics,
            consumed_capacity=consumed_capacity,
            on_consumed_capacity=on_consumed_capacity,
            hot_keys=hot_keys,
        )

    @classmethod
    def _with(cls, executor: Executor, record: str | os.PathLike[str] | None) -> Self:
        if record is not None:
            recorder = Recorder(record, executor.table_name)
            executor.intercept(recorder.around)
            executor.clock = recorder.clock(executor.clock)
            executor.add_close_hook(recorder.save)
        return cls(executor)

    @property
    def metrics(self) -> MetricsSink:
        """Where this client's metrics go (an :class:`InMemoryMetrics` by default)."""
        return self._executor.observer.metrics

    @property
    def consumed_capacity(self) -> CapacityTotals:
        """Capacity units consumed so far (with ``consumed_capacity=`` on)."""
        return self._executor.observer.capacity

    @property
    def hot_keys(self) -> HotKeyTracker | None:
        """The hot partition key tracker (with ``hot_keys=`` on)."""
        return self._executor.observer.hot_keys

    @classmethod
    def table_definition(cls, table_name: str | None = None) -> dict[str, Any]:
        """The CreateTable request for this schema's table, as a dict."""
        return cls.schema.create_table_request(table_name or cls.schema.name)

    def create_table(self) -> None:
        """Create the table (keys, GSIs, LSIs, then TTL); a no-op when it exists.

        Meant for local and test use: production tables belong in
        infrastructure code.
        """
        try:
            self._executor.call("CreateTable", self.table_definition(self.table_name))
        except ConfigurationError as error:
            if error.code != "ResourceInUseException":
                raise
            return
        self._wait_until_active()
        if self.schema.ttl is not None:
            self._enable_ttl(self.schema.ttl)

    def _wait_until_active(self) -> None:
        deadline = time.monotonic() + _TABLE_READY_TIMEOUT
        delay = 0.02
        while True:
            table = self._executor.call("DescribeTable", {"TableName": self.table_name})
            if table["Table"].get("TableStatus") == "ACTIVE":
                return
            if time.monotonic() > deadline:
                raise ConfigurationError(
                    f"table {self.table_name} did not become ACTIVE "
                    f"within {_TABLE_READY_TIMEOUT:.0f} s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _enable_ttl(self, attribute: str) -> None:
        try:
            self._executor.call(
                "UpdateTimeToLive",
                {
                    "TableName": self.table_name,
                    "TimeToLiveSpecification": {
                        "Enabled": True,
                        "AttributeName": attribute,
                    },
                },
            )
        except DyngenError as error:
            # Local servers without TTL support (dynalite) answer this way; reads
            # still hide expired items, so nothing depends on the setting.
            if error.code not in ("UnknownOperationException", "NotImplemented"):
                raise
            logger.debug("backend has no UpdateTimeToLive; TTL not enabled")

    def batch_write(
        self,
        *,
        puts: Sequence[EntityModel] = (),
        deletes: Sequence[Item] = (),
    ) -> BatchWriteResult:
        """Put models (of any entity) and delete keys, any number of them.

        BatchWriteItem takes no conditions: puts are unconditional and versions
        are written as given. Duplicate keys raise ``ValidationError`` before
        any request; what DynamoDB leaves unprocessed is retried with the
        throttling backoff, and every write ends in ``succeeded`` or ``failed``.
        """
        return batch_write(self._executor, puts, deletes)

    def close(self) -> None:
        """Close the connection (and drop the table of an in-memory client)."""
        self._executor.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
