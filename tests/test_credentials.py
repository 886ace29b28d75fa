"""make_session: profiles and assumed roles, against moto's STS.

Every test runs with fake keys in the environment and with the shared config
and credentials files in ``tmp_path``, so the machine's own AWS setup (a
default profile, an instance role) can neither help nor leak into a result.
The keys are recognisable strings, and every error, repr and log line the
runtime produces is checked not to contain any of them.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import moto.sts.models
import pytest
from botocore.credentials import RefreshableCredentials
from dyngen_runtime.credentials import make_session
from dyngen_runtime.errors import (
    AuthenticationError,
    ConfigurationError,
    DyngenError,
    ServiceError,
)
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from moto.core.utils import utcnow

from tests.backends import MotoServer

BASE_KEY = "AKIABASEKEYEXAMPLE01"
BASE_SECRET = "base-secret-never-shown-0123456789abcdefgh"
PROFILE = "dyngen-test"
PROFILE_KEY = "AKIAPROFILEEXAMPLE01"
PROFILE_SECRET = "profile-secret-never-shown-0123456789abcd"
ROLE_ACCOUNT = "210987654321"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/dyngen-app"
SESSION_NAME = "dyngen-test-session"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fake base keys and private config files; returns the credentials file."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text(
        f"[profile {PROFILE}]\nregion = eu-west-1\n\n"
        "[profile region-only]\nregion = eu-west-1\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[{PROFILE}]\naws_access_key_id = {PROFILE_KEY}\n"
        f"aws_secret_access_key = {PROFILE_SECRET}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", BASE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # A test that finds no credentials must not wait for the instance role.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return credentials


@pytest.fixture
def mocked(aws: Path) -> Iterator[Path]:
    """In-process moto, keeping the fixture's keys (moto would set its own)."""
    with mock_aws(config={"core": {"mock_credentials": False}}):
        yield aws


@pytest.fixture
def assumptions(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The runtime's "assumed role" log lines so far: one per AssumeRole."""
    caplog.set_level(logging.DEBUG, logger="dyngen.credentials")

    def lines() -> list[str]:
        return [
            record.getMessage()
            for record in caplog.records
            if record.name == "dyngen.credentials"
            and record.getMessage().startswith("assumed role")
        ]

    return lines


@pytest.fixture
def sts_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Sets how many seconds moto's STS clock lags, to issue nearly-expired keys.

    moto dates a session's expiry from its own clock, so a lag of
    ``duration - 60`` issues credentials that expire a minute from now.
    """
    lag = [0.0]
    monkeypatch.setattr(
        moto.sts.models,
        "utcnow",
        lambda: utcnow() - datetime.timedelta(seconds=lag[0]),
    )

    def set_lag(seconds: float) -> None:
        lag[0] = seconds

    return set_lag


def issued() -> list[Any]:
    """moto's record of every AssumeRole of ``ROLE_ARN``'s account, in order."""
    return list(moto.sts.models.sts_backends[ROLE_ACCOUNT]["aws"].assumed_roles)


def frozen(session: boto3.session.Session) -> Any:
    """The session's current credentials (refreshed first when due)."""
    return session.get_credentials().get_frozen_credentials()


def assert_clean(text: str, *secrets: str | None) -> None:
    """``text`` contains none of the base, profile or given secrets."""
    for secret in (BASE_KEY, BASE_SECRET, PROFILE_KEY, PROFILE_SECRET, *secrets):
        if secret:
            assert secret not in text


def assert_clean_error(error: DyngenError, *secrets: str | None) -> None:
    """Neither the message nor the repr of ``error`` shows a secret."""
    assert_clean(str(error), *secrets)
    assert_clean(repr(error), *secrets)
    assert error.__cause__ is None


def test_role_assumption_signs_with_the_role(
    mocked: Path, assumptions: Callable[[], list[str]]
) -> None:
    session = make_session(role_arn=ROLE_ARN, role_session_name=SESSION_NAME)

    credentials = session.get_credentials()
    assert isinstance(credentials, RefreshableCredentials)
    assert credentials.method == "assume-role"
    issued = frozen(session)
    assert issued.access_key != BASE_KEY
    assert issued.secret_key != BASE_SECRET
    assert issued.token
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"] == (
        f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/dyngen-app/{SESSION_NAME}"
    )
    assert identity["Account"] == ROLE_ACCOUNT
    [line] = assumptions()
    assert ROLE_ARN in line
    assert SESSION_NAME in line
    for text in (line, repr(credentials), repr(session)):
        assert_clean(text, issued.access_key, issued.secret_key, issued.token)


def test_default_session_name_is_dyngen(mocked: Path) -> None:
    session = make_session(role_arn=ROLE_ARN)

    arn = session.client("sts").get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/dyngen-app/dyngen")


def test_dynamodb_client_of_the_assumed_session_works(mocked: Path) -> None:
    session = make_session(role_arn=ROLE_ARN, region_name="us-east-1")
    dynamodb = session.client("dynamodb")

    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    assert dynamodb.list_tables()["TableNames"] == ["orders"]


def test_credentials_refresh_before_they_expire(
    mocked: Path,
    assumptions: Callable[[], list[str]],
    sts_clock: Callable[[float], None],
) -> None:
    sts_clock(900 - 60)
    session = make_session(role_arn=ROLE_ARN, duration_seconds=900)
    sts_clock(0)

    # A minute before expiry is inside botocore's mandatory refresh window.
    current = frozen(session)

    first, second = issued()
    assert current.access_key == second.access_key_id != first.access_key_id
    assert current.token == second.session_token != first.session_token
    assert len(assumptions()) == 2
    # Fresh for 15 minutes: no further AssumeRole on the next uses.
    assert frozen(session).access_key == second.access_key_id
    assert session.client("sts").get_caller_identity()["Account"] == ROLE_ACCOUNT
    assert len(issued()) == 2


def test_a_request_refreshes_expiring_credentials(
    mocked: Path, sts_clock: Callable[[float], None]
) -> None:
    sts_clock(3600 - 60)
    session = make_session(role_arn=ROLE_ARN)
    sts_clock(0)

    session.client("sts").get_caller_identity()

    assert len(issued()) == 2
    assert frozen(session).access_key == issued()[-1].access_key_id


def test_short_sessions_are_not_refreshed_on_every_use(
    mocked: Path, assumptions: Callable[[], list[str]]
) -> None:
    # botocore's default windows (15 and 10 minutes before expiry) span a whole
    # 15-minute session; each use would call STS if they were kept.
    session = make_session(role_arn=ROLE_ARN, duration_seconds=900)

    keys = {frozen(session).access_key for _ in range(5)}

    assert len(keys) == 1
    assert len(issued()) == 1
    assert len(assumptions()) == 1


def test_failed_refresh_raises_a_runtime_error(
    mocked: Path, sts_clock: Callable[[float], None]
) -> None:
    sts_clock(3600 - 60)
    session = make_session(role_arn=ROLE_ARN)
    sts_clock(0)

    def refresh() -> None:
        frozen(session)

    # With moto checking keys, the base keys (no IAM user has them) are refused.
    with pytest.raises(AuthenticationError) as raised:
        set_initial_no_auth_action_count(0)(refresh)()

    assert raised.value.code == "InvalidClientTokenId"
    assert ROLE_ARN in str(raised.value)
    assert_clean_error(raised.value)


def test_profile_supplies_keys_and_region(
    mocked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore ranks the environment's region above the profile's.
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    session = make_session(profile_name=PROFILE)

    issued = frozen(session)
    assert issued.access_key == PROFILE_KEY
    assert issued.secret_key == PROFILE_SECRET
    assert session.region_name == "eu-west-1"


def test_region_name_wins_over_the_profile(mocked: Path) -> None:
    session = make_session(profile_name=PROFILE, region_name="ap-south-1")

    assert session.region_name == "ap-south-1"


def test_no_arguments_is_boto3s_default_chain(mocked: Path) -> None:
    session = make_session()

    assert frozen(session).access_key == BASE_KEY
    assert session.region_name == "us-east-1"


def test_unknown_profile_is_a_configuration_error(aws: Path) -> None:
    with pytest.raises(ConfigurationError, match="'no-such-profile'") as raised:
        make_session(profile_name="no-such-profile")

    assert raised.value.code == "ProfileNotFound"
    assert_clean_error(raised.value)


def test_unknown_profile_with_a_role_is_a_configuration_error(aws: Path) -> None:
    with pytest.raises(ConfigurationError, match="'no-such-profile'"):
        make_session(profile_name="no-such-profile", role_arn=ROLE_ARN)


def test_profile_without_credentials_is_an_authentication_error(aws: Path) -> None:
    with pytest.raises(AuthenticationError, match="'region-only'") as raised:
        make_session(profile_name="region-only")

    assert_clean_error(raised.value)


@pytest.mark.parametrize(
    "role_arn",
    [
        "",
        "dyngen-app",
        "arn:aws:iam::12345:role/dyngen-app",
        "arn:aws:iam::123456789012:user/dyngen-app",
        "arn:aws:sts::123456789012:assumed-role/dyngen-app/s",
        "arn:aws:iam::123456789012:role/",
        f"arn:aws:iam::{ROLE_ACCOUNT}:role/dyngen app",
    ],
)
def test_bad_role_arn_fails_before_any_request(
    aws: Path, monkeypatch: pytest.MonkeyPatch, role_arn: str
) -> None:
    def no_client(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a client was created")

    monkeypatch.setattr(boto3.session.Session, "client", no_client)

    with pytest.raises(ConfigurationError, match="not an IAM role ARN") as raised:
        make_session(role_arn=role_arn)

    assert_clean_error(raised.value)


def test_role_arns_of_other_partitions_are_accepted(mocked: Path) -> None:
    session = make_session(
        role_arn=f"arn:aws-us-gov:iam::{ROLE_ACCOUNT}:role/path/to/app",
        region_name="us-gov-west-1",
    )

    assert frozen(session).token


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"duration_seconds": 899}, "duration_seconds"),
        ({"duration_seconds": 43201}, "duration_seconds"),
        ({"role_session_name": "x"}, "role_session_name"),
        ({"role_session_name": "has space"}, "role_session_name"),
        ({"external_id": "not allowed!"}, "external_id"),
    ],
)
def test_bad_role_options_fail_before_any_request(
    aws: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, Any],
    message: str,
) -> None:
    def no_client(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a client was created")

    monkeypatch.setattr(boto3.session.Session, "client", no_client)

    with pytest.raises(ConfigurationError, match=message) as raised:
        make_session(role_arn=ROLE_ARN, **options)

    assert "not allowed!" not in str(raised.value)  # external ids are not echoed


@pytest.mark.parametrize(
    "option", ["role_session_name", "external_id", "sts_endpoint_url"]
)
def test_role_options_need_a_role(aws: Path, option: str) -> None:
    options: dict[str, Any] = {option: "dyngen-value"}

    with pytest.raises(ConfigurationError, match=f"{option} needs role_arn"):
        make_session(**options)


def test_external_id_is_sent(mocked: Path) -> None:
    make_session(role_arn=ROLE_ARN, external_id="shared-id-123")

    [assumed] = issued()
    assert assumed.external_id == "shared-id-123"


def _iam_user(policy: dict[str, Any] | None) -> tuple[str, str]:
    """An IAM user in moto (with ``policy`` inline); its access key and secret."""
    iam = boto3.client("iam")
    name = f"user-{len(iam.list_users()['Users'])}"
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(
            UserName=name, PolicyName="assume", PolicyDocument=json.dumps(policy)
        )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return str(key["AccessKeyId"]), str(key["SecretAccessKey"])


def _write_profile(credentials: Path, name: str, key: str, secret: str) -> None:
    with credentials.open("a") as file:
        file.write(
            f"\n[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        )


ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


def test_profile_credentials_assume_the_role(mocked: Path) -> None:
    key, secret = _iam_user(ASSUME_ANY_ROLE)
    _write_profile(mocked, "allowed", key, secret)

    # moto now checks keys: the environment's base keys would be refused, so
    # success proves that the profile's keys signed the AssumeRole.
    def assume() -> boto3.session.Session:
        return make_session(profile_name="allowed", role_arn=ROLE_ARN)

    session = set_initial_no_auth_action_count(0)(assume)()

    issued = frozen(session)
    assert issued.access_key not in (key, BASE_KEY)
    assert issued.token


def test_denied_role_is_an_authentication_error(mocked: Path) -> None:
    key, secret = _iam_user(None)
    _write_profile(mocked, "denied", key, secret)

    def assume() -> None:
        make_session(profile_name="denied", role_arn=ROLE_ARN)

    with pytest.raises(AuthenticationError) as raised:
        set_initial_no_auth_action_count(0)(assume)()

    assert raised.value.code == "AccessDenied"
    assert raised.value.operation == "AssumeRole"
    assert ROLE_ARN in str(raised.value)
    assert_clean_error(raised.value, key, secret)


def test_no_base_credentials_is_an_authentication_error(
    aws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(AuthenticationError, match=ROLE_ARN) as raised:
        make_session(role_arn=ROLE_ARN)

    assert raised.value.code == "NoCredentials"
    assert_clean_error(raised.value)


def test_sts_endpoint_url_is_used(aws: Path, moto_server: MotoServer) -> None:
    session = make_session(role_arn=ROLE_ARN, sts_endpoint_url=moto_server.endpoint_url)

    sts = session.client("sts", endpoint_url=moto_server.endpoint_url)
    assert sts.get_caller_identity()["Account"] == ROLE_ACCOUNT


def test_unreachable_sts_is_a_service_error(aws: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(ServiceError) as raised:
        make_session(role_arn=ROLE_ARN, sts_endpoint_url=f"http://127.0.0.1:{port}")

    assert raised.value.code == "ConnectionError"
    assert ROLE_ARN in str(raised.value)
    assert_clean_error(raised.value)


def test_connect_with_a_role_signs_the_direct_path_with_it(
    mocked: Path, moto_server: MotoServer
) -> None:
    # STS is moto in process; DynamoDB is moto's HTTP server, reached by the
    # direct HTTP transport, which must sign with the assumed role's keys.
    from generated.shop import Customer, Shop

    db = Shop.connect(
        table_name=f"role-{uuid.uuid4().hex[:8]}",
        endpoint_url=moto_server.endpoint_url,
        region_name="us-east-1",
        role_arn=ROLE_ARN,
    )
    assert db._executor.transport == "http"
    assert db._executor.http is not None
    seen: list[str] = []
    real = db._executor.http.request_bytes

    def spy(operation: str, body: bytes, credentials: Any) -> bytes:
        seen.append(credentials.access_key)
        return real(operation, body, credentials)

    db._executor.http.request_bytes = spy  # type: ignore[method-assign]
    db.create_table()
    stored = db.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    assert db.customers.get(customer_id="c1") == stored
    [role] = issued()
    assert set(seen) == {role.access_key_id}
    assert BASE_KEY not in seen
    db._executor.call("DeleteTable", {"TableName": db.table_name})
    db.close()
