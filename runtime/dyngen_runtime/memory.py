"""The in-memory backend: moto's DynamoDB, in process, private to one client.

moto's own ``mock_aws`` patches every boto3 client in the process. Instead, the
client made here carries a private moto stubber that answers its requests from
moto's DynamoDB backend, under an account id of its own, so each in-memory
client starts from an empty table and real clients in the same process keep
talking to real endpoints.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

_REGION = "us-east-1"
_session_lock = threading.Lock()
_session: boto3.session.Session | None = None


def _account_header(account_id: str) -> Callable[..., None]:
    def add(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    return add


def _shared_session() -> boto3.session.Session:
    # One session: it caches the loaded service model, so clients after the
    # first are cheap to make.
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session(
                aws_access_key_id="in-memory",
                aws_secret_access_key="in-memory",
                region_name=_REGION,
            )
        return _session


def in_memory_client() -> tuple[Any, Callable[[], None]]:
    """A DynamoDB client backed by a private moto account, and its clean-up."""
    account_id = f"{secrets.randbelow(10**12):012d}"
    client = _shared_session().client(
        "dynamodb",
        region_name=_REGION,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    # moto's stubber answers from its backends; a private, enabled instance on
    # this client only leaves every other client in the process untouched.
    from moto.core.botocore_stubber import BotocoreStubber

    stubber = BotocoreStubber()
    stubber.enabled = True
    client.meta.events.register("before-send.dynamodb", _account_header(account_id))
    client.meta.events.register("before-send.dynamodb", stubber)

    def release() -> None:
        from moto.dynamodb.models import dynamodb_backends

        if account_id in dynamodb_backends:
            del dynamodb_backends[account_id]

    return client, release
