"""The fast request path: DynamoDB's JSON protocol spoken directly.

botocore spends about a millisecond of CPU per request on work the generated
code has already done: validating parameters against the service model,
walking them to serialise, firing a dozen event hooks, and walking the
response to parse it. The runtime's requests are already wire-shaped
(``{"S": "..."}`` dicts), so this path writes them as JSON, signs them for
SigV4 with the session's (possibly refreshing) credentials (sigv4.py), sends
them over a pooled keep-alive connection (http_pool.py), and reads the JSON
answer back. boto3 still resolves the session, credentials, region and
endpoint; errors map into the same taxonomy as on the boto3 path.

The response shapes match botocore's for everything the runtime reads: binary
values (``B``/``BS``) come back as ``bytes``, numbers stay strings.
"""

from __future__ import annotations

import platform
import zlib
from typing import Any
from urllib.parse import urlsplit

from dyngen_runtime import errors
from dyngen_runtime.error_mapping import map_error_response, redact
from dyngen_runtime.http_pool import ConnectionPool, ConnectTimeout, ReadTimeout
from dyngen_runtime.sigv4 import Signer
from dyngen_runtime.wire_json import decode_body, encode_body

_TARGET = "DynamoDB_20120810."
_USER_AGENT = f"dyngen-runtime python/{platform.python_version()}"


class HttpTransport:
    """Sends DynamoDB requests over one keep-alive connection pool."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        region_name: str,
        credentials: Any,
        connect_timeout: float,
        read_timeout: float,
        max_connections: int,
        ca_bundle: str | None = None,
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.ConfigurationError(
                f"endpoint {endpoint_url!r} is not an http(s) URL"
            )
        default_port = 443 if parts.scheme == "https" else 80
        port = parts.port or default_port
        hostname = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        host = hostname if port == default_port else f"{hostname}:{port}"
        path = parts.path or "/"
        self.endpoint_url = endpoint_url
        self._credentials = credentials
        self._signer = Signer(host, path, region_name, "dynamodb")
        self._head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {_USER_AGENT}\r\n"
        )
        self._pool = ConnectionPool(
            parts.hostname,
            port,
            tls=parts.scheme == "https",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_idle=max_connections,
            ca_bundle=ca_bundle,
        )

    def _frozen_credentials(self, operation: str) -> Any:
        if self._credentials is None:
            raise errors.AuthenticationError(
                "no AWS credentials found (boto3's default chain found none)",
                code="NoCredentials",
                operation=operation,
                attempts=1,
            )
        # get_frozen_credentials() refreshes credentials that are about to
        # expire (assumed roles, SSO, instance profiles) before handing them out.
        return self._credentials.get_frozen_credentials()

    def request_bytes(self, operation: str, body: bytes, credentials: Any) -> bytes:
        """The complete HTTP request for ``operation`` with ``body``, signed
        with ``credentials`` (frozen: access_key, secret_key, token)."""
        signed = self._signer.headers(credentials, _TARGET + operation, body)
        head = "".join(f"{name}: {value}\r\n" for name, value in signed)
        return f"{self._head}Content-Length: {len(body)}\r\n{head}\r\n".encode() + body

    def send(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send one request; the parsed response, or a mapped runtime error."""
        credentials = self._frozen_credentials(operation)
        request = self.request_bytes(operation, encode_body(params), credentials)
        try:
            response = self._pool.send(request)
        except ConnectTimeout as error:
            raise _connection_error("ConnectTimeout", error, operation) from None
        except ReadTimeout as error:
            raise _connection_error("ReadTimeout", error, operation) from None
        except OSError as error:
            raise _connection_error("ConnectionError", error, operation) from None
        data = response.body
        expected = response.headers.get("x-amz-crc32")
        if expected is not None and int(expected) != zlib.crc32(data) & 0xFFFFFFFF:
            raise errors.ServiceError(
                "the response's CRC32 checksum does not match its body",
                code="CRC32CheckFailed",
                request_id=response.headers.get("x-amzn-requestid"),
                operation=operation,
                attempts=1,
            )
        if response.status == 200:
            return decode_body(data)
        failure = _error_from(response.status, data, response.headers, operation)
        raise redact(failure, credentials)

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.close()


def _connection_error(
    code: str, error: BaseException, operation: str
) -> errors.ServiceError:
    return errors.ServiceError(
        f"{type(error).__name__}: {error}",
        code=code,
        operation=operation,
        attempts=1,
    )


def _error_from(
    status: int, data: bytes, headers: dict[str, str], operation: str
) -> errors.DyngenError:
    try:
        body = decode_body(data)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    # Without a JSON body the status is the code, as botocore names it.
    kind = str(body.pop("__type", "") or status)
    # "com.amazonaws.dynamodb.v20120810#Code", sometimes with ":<url>" after.
    code = kind.split(":", 1)[0].rsplit("#", 1)[-1]
    message = body.pop("message", None) or body.pop("Message", None) or code
    response = {
        **body,
        "Error": {"Code": code, "Message": str(message)},
        "ResponseMetadata": {
            "RequestId": headers.get("x-amzn-requestid"),
            "HTTPStatusCode": status,
        },
    }
    return map_error_response(response, operation)
