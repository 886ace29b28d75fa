"""The base class of every generated table client (``Shop``, ...)."""

from __future__ import annotations

import logging
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Sequence
from typing import Any, ClassVar, Literal, Self

import boto3
from botocore.config import Config
from botocore.httpsession import get_cert_path

from dyngen_runtime.batch import BatchWriteResult, batch_write
from dyngen_runtime.breaker import CircuitBreakerConfig
from dyngen_runtime.errors import ConfigurationError, DyngenError
from dyngen_runtime.executor import Executor
from dyngen_runtime.http_transport import HttpTransport
from dyngen_runtime.memory import in_memory_client
from dyngen_runtime.model import EntityModel
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
        client: Any = None,
        transport: Transport | None = None,
        cursor_secret: str | bytes | None = None,
        retry: RetryConfig | None = None,
        circuit_breaker: CircuitBreakerConfig | None = None,
    ) -> Self:
        """Connect with boto3's default credential chain and region.

        ``table_name`` defaults to the schema's table name. Requests go over
        the direct HTTP path (``transport="http"``, the default: JSON signed
        with botocore's SigV4 signer on a pooled keep-alive connection) or
        through a boto3 client (``transport="boto3"``). Pass ``client`` to
        reuse an existing low-level boto3 DynamoDB client (then the transport
        is boto3, and ``endpoint_url`` and ``region_name`` must not be given;
        its own retries should be off, see docs/runtime.md). With
        ``cursor_secret``, pagination cursors are HMAC-signed and edited ones
        are refused. ``retry`` replaces the default :class:`RetryConfig`;
        ``circuit_breaker`` the default :class:`CircuitBreakerConfig`.
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
        }
        if client is not None:
            if endpoint_url is not None or region_name is not None:
                raise ConfigurationError(
                    "pass either client= or endpoint_url=/region_name=, not both"
                )
            if transport == "http":
                raise ConfigurationError(
                    "a passed-in client= sends its own requests: "
                    "transport='http' needs endpoint_url=/region_name= instead"
                )
            _warn_if_retrying(client)
            return cls(Executor(client, name, **settings))
        try:
            session = boto3.session.Session()
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
        return cls(Executor(made, name, http=http, **settings))

    @classmethod
    def in_memory(cls, *, retry: RetryConfig | None = None) -> Self:
        """A client on a private in-process mock table, already created and empty."""
        made, release = in_memory_client()
        db = cls(Executor(made, cls.schema.name, on_close=release, retry=retry))
        db.create_table()
        return db

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
