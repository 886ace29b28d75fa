"""The boto3 session a table client signs with: a profile, an assumed role, or neither.

``connect()`` only ever needed boto3's default credential chain; production
deployments also need a named profile (developer machines, CI) and a role in
another account (cross-account tables). boto3 can assume a role only through
a profile in ``~/.aws/config``, so a role given in code is assumed here, with
credentials that botocore refreshes on its own before they expire: a client
that lives for days never signs with an expired session token.

Secrets stay out of everything the runtime produces: errors carry the profile
name, the role ARN, the AWS error code and message, never a key or token, and
the only log line says which role was assumed and until when. The botocore
exceptions are not chained (``from None``) so that a traceback cannot show
what botocore put into them.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialResolver, RefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from dyngen_runtime.errors import (
    AuthenticationError,
    ConfigurationError,
    DyngenError,
    ServiceError,
)

__all__ = ["make_session"]

logger = logging.getLogger("dyngen.credentials")

# What IAM accepts, checked before any request so that a typo fails at once
# and not as an AccessDenied from STS that looks like a permissions problem.
_ROLE_ARN = re.compile(r"arn:aws[-a-z]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
_MIN_DURATION = 15 * 60
_MAX_DURATION = 12 * 60 * 60

# botocore starts refreshing 15 min before expiry (advisory: one thread tries,
# the others keep signing) and blocks every caller from 10 min before
# (mandatory). With a 15-minute session those windows cover its whole life and
# every request would call STS, so short sessions get proportional windows.
_ADVISORY_REFRESH = 15 * 60
_MANDATORY_REFRESH = 10 * 60

# STS answers with these when the caller's credentials are wrong or not
# allowed to assume the role: a matter of identity, not of configuration.
_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InvalidClientTokenId",
        "MissingAuthenticationToken",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
# Worth retrying: kept as ServiceError with the code the runtime's retry
# policies know, so a failed refresh in the middle of a request is retried.
_TRANSIENT_CODES = frozenset(
    {
        "IDPCommunicationError",
        "InternalFailure",
        "InternalServerError",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "Throttling",
        "ThrottlingException",
    }
)


def make_session(
    *,
    profile_name: str | None = None,
    role_arn: str | None = None,
    role_session_name: str | None = None,
    external_id: str | None = None,
    duration_seconds: int = 3600,
    region_name: str | None = None,
    sts_endpoint_url: str | None = None,
) -> boto3.session.Session:
    """The boto3 session ``connect()`` creates its DynamoDB client from.

    Without ``profile_name`` and ``role_arn`` it is a plain session on boto3's
    default credential chain, resolved lazily as before. With ``profile_name``
    the session uses that profile (its credentials, region and settings), and
    the credentials are resolved now so that a broken profile fails here.

    With ``role_arn`` the role is assumed now through STS AssumeRole, signed
    with the profile's credentials or else the default chain's; the returned
    session signs with the role's temporary credentials, which botocore renews
    by assuming the role again shortly before they expire.
    ``role_session_name`` (default ``dyngen-<8 hex digits>``) names the
    session in CloudTrail; ``external_id`` is passed on when the role's trust
    policy demands one; ``duration_seconds`` (900 to 43200, at most the role's
    maximum session duration) is the life of each set of credentials.
    ``sts_endpoint_url`` points STS at a VPC endpoint or a local mock.

    Raises :class:`ConfigurationError` for a bad argument (checked before any
    request), an unknown profile or an STS refusal of the request's shape;
    :class:`AuthenticationError` when there are no base credentials or STS
    denies them; :class:`ServiceError` when STS cannot be reached or fails.
    Once in use, a failed refresh raises the same errors from the request
    that needed fresh credentials.
    """
    if role_arn is None:
        for name, value in (
            ("role_session_name", role_session_name),
            ("external_id", external_id),
            ("sts_endpoint_url", sts_endpoint_url),
        ):
            if value is not None:
                raise ConfigurationError(f"{name} needs role_arn")
        session = _base_session(profile_name, region_name)
        if profile_name is not None:
            _check_profile_credentials(session, profile_name)
        return session

    session_name = role_session_name or f"dyngen-{secrets.token_hex(4)}"
    _check_role_arguments(role_arn, session_name, external_id, duration_seconds)
    base = _base_session(profile_name, region_name)
    request: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": session_name,
        "DurationSeconds": duration_seconds,
    }
    if external_id is not None:
        request["ExternalId"] = external_id
    source = f"profile {profile_name!r}" if profile_name else "the default chain"
    try:
        sts = base.client(
            "sts",
            region_name=region_name,
            endpoint_url=sts_endpoint_url,
            config=Config(
                connect_timeout=2,
                read_timeout=10,
                retries={"mode": "standard", "total_max_attempts": 3},
            ),
        )
    except BotoCoreError as error:
        raise _setup_error(error, f"cannot create an STS client ({source})") from None
    fetch = _AssumeRole(sts, request, source)
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(),
        refresh_using=fetch,
        method="assume-role",
        advisory_timeout=min(_ADVISORY_REFRESH, duration_seconds // 4),
        mandatory_timeout=min(_MANDATORY_REFRESH, duration_seconds // 6),
    )

    # botocore's extension point for credentials: a resolver (here with the
    # assumed role as its only provider), registered before anything asked the
    # session for credentials. The profile still supplies region and settings.
    core = botocore.session.Session()
    core.register_component(
        "credential_provider", CredentialResolver([_Provider(credentials)])
    )
    return _base_session(profile_name, region_name, core)


class _AssumeRole:
    """Calls AssumeRole; botocore calls it again whenever a refresh is due."""

    def __init__(self, sts: Any, request: dict[str, Any], source: str) -> None:
        self._sts = sts
        self._request = request
        self._source = source

    def __repr__(self) -> str:
        return f"<assume {self._request['RoleArn']} with {self._source}>"

    def __call__(self) -> dict[str, str | None]:
        role_arn = str(self._request["RoleArn"])
        try:
            response = self._sts.assume_role(**self._request)
        except ClientError as error:
            raise _sts_error(error, role_arn) from None
        except BotoCoreError as error:
            raise _setup_error(
                error, f"cannot assume role {role_arn} with {self._source}"
            ) from None
        issued = response["Credentials"]
        expiry = issued["Expiration"]
        assumed_arn = str(response.get("AssumedRoleUser", {}).get("Arn", ""))
        parts = assumed_arn.split(":")
        logger.debug(
            "assumed role %s (session %s), expires %s",
            role_arn,
            self._request["RoleSessionName"],
            expiry.isoformat(),
        )
        return {
            "access_key": issued["AccessKeyId"],
            "secret_key": issued["SecretAccessKey"],
            "token": issued["SessionToken"],
            "expiry_time": expiry.isoformat(),
            # botocore routes DynamoDB to account-based endpoints with it.
            "account_id": parts[4] if len(parts) > 5 and parts[4] else None,
        }


class _Provider:
    """A credential provider (duck-typed for botocore) with fixed credentials."""

    METHOD = "assume-role"

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    def load(self) -> Any:
        """The refreshable credentials of the assumed role."""
        return self._credentials


def _base_session(
    profile_name: str | None, region_name: str | None, core: Any = None
) -> boto3.session.Session:
    try:
        return boto3.session.Session(
            profile_name=profile_name, region_name=region_name, botocore_session=core
        )
    except ProfileNotFound:
        raise ConfigurationError(
            f"AWS profile {profile_name!r} not found in the shared config or "
            "credentials file",
            code="ProfileNotFound",
        ) from None
    except BotoCoreError as error:
        raise _setup_error(error, "cannot read the AWS configuration") from None


def _check_profile_credentials(session: boto3.session.Session, profile: str) -> None:
    try:
        found = session.get_credentials()
    except BotoCoreError as error:
        raise _setup_error(
            error, f"cannot load credentials of AWS profile {profile!r}"
        ) from None
    if found is None:
        raise AuthenticationError(
            f"AWS profile {profile!r} has no credentials", code="NoCredentials"
        )


def _check_role_arguments(
    role_arn: str, session_name: str, external_id: str | None, duration: int
) -> None:
    if not _ROLE_ARN.fullmatch(role_arn):
        raise ConfigurationError(
            f"role_arn {role_arn[:200]!r} is not an IAM role ARN "
            "(arn:aws:iam::<12-digit account>:role/<name>)"
        )
    if not _SESSION_NAME.fullmatch(session_name):
        raise ConfigurationError(
            f"role_session_name {session_name[:100]!r} must be 2 to 64 characters "
            "of letters, digits and +=,.@_-"
        )
    # The external id is often treated as a shared secret: never echoed.
    if external_id is not None and not _EXTERNAL_ID.fullmatch(external_id):
        raise ConfigurationError(
            "external_id must be 2 to 1224 characters of letters, digits and +=,.@:/_-"
        )
    if not _MIN_DURATION <= duration <= _MAX_DURATION:
        raise ConfigurationError(
            f"duration_seconds must be between {_MIN_DURATION} and "
            f"{_MAX_DURATION}, not {duration}"
        )


def _sts_error(error: ClientError, role_arn: str) -> DyngenError:
    """The runtime error for STS's answer; its message is AWS's, never a secret."""
    details = error.response.get("Error", {})
    code = str(details.get("Code") or "Unknown")
    message = str(details.get("Message") or code)
    metadata = error.response.get("ResponseMetadata", {})
    status = int(metadata.get("HTTPStatusCode") or 0)
    cls: type[DyngenError]
    if code in _DENIED_CODES:
        cls = AuthenticationError
    elif code in _TRANSIENT_CODES or status >= 500:
        cls = ServiceError
    else:
        cls = ConfigurationError
    return cls(
        f"cannot assume role {role_arn}: {message}",
        code=code,
        request_id=metadata.get("RequestId"),
        operation="AssumeRole",
        attempts=1,
    )


def _setup_error(error: BotoCoreError, context: str) -> DyngenError:
    """A client-side botocore failure, with codes the retry policies know."""
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return AuthenticationError(f"{context}: {error}", code="NoCredentials")
    if isinstance(error, CredentialRetrievalError):
        # Its text may quote what a credential_process or an HTTP endpoint
        # answered, which is not botocore's to vouch for: only the source.
        provider = error.kwargs.get("provider", "a credential provider")
        return AuthenticationError(
            f"{context}: retrieving credentials from {provider} failed",
            code="CredentialRetrieval",
        )
    if isinstance(error, ReadTimeoutError):
        return ServiceError(f"{context}: {error}", code="ReadTimeout")
    if isinstance(error, ConnectTimeoutError):
        return ServiceError(f"{context}: {error}", code="ConnectTimeout")
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return ServiceError(f"{context}: {error}", code="ConnectionError")
    return ConfigurationError(f"{context}: {error}", code=type(error).__name__)
