"""`dyngen table`: the CreateTable request and the CloudFormation resource."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest

from generated.shop import Shop
from tests.conftest import ROOT, Backend, run_cli


@pytest.mark.parametrize("schema", ["shop", "saas", "telemetry"])
def test_the_json_creates_the_described_table(backend: Backend, schema: str) -> None:
    code, out, err = run_cli("table", str(ROOT / "schemas" / f"{schema}.yaml"))
    assert code == 0, err
    request: dict[str, Any] = json.loads(out)
    request["TableName"] = f"cli-{uuid.uuid4().hex[:10]}"
    executor = backend.client(Shop)._executor
    executor.call("CreateTable", request)
    table = executor.call("DescribeTable", {"TableName": request["TableName"]})["Table"]
    assert table["KeySchema"] == request["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        request["AttributeDefinitions"], key=str
    )
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        made = {i["IndexName"]: i for i in table.get(kind, [])}
        for index in request.get(kind, []):
            assert made[index["IndexName"]]["KeySchema"] == index["KeySchema"]
            assert (
                made[index["IndexName"]]["Projection"]["ProjectionType"]
                == (index["Projection"]["ProjectionType"])
            )
    # A table can only be deleted once ACTIVE (dynalite reports CREATING for
    # a moment even with --createTableMs 0).
    deadline = time.monotonic() + 10
    while table.get("TableStatus") != "ACTIVE" and time.monotonic() < deadline:
        time.sleep(0.01)
        table = executor.call("DescribeTable", {"TableName": request["TableName"]})[
            "Table"
        ]
    executor.call("DeleteTable", {"TableName": request["TableName"]})


def test_ttl_is_printed_as_its_separate_request() -> None:
    code, out, err = run_cli(
        "table", str(ROOT / "schemas" / "telemetry.yaml"), "--table-name", "tele-prod"
    )
    assert code == 0
    assert json.loads(out)["TableName"] == "tele-prod"
    assert "aws dynamodb update-time-to-live --cli-input-json" in err
    ttl = json.loads(err.split("--cli-input-json '", 1)[1].rstrip("'\n"))
    assert ttl == {
        "TableName": "tele-prod",
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires_at"},
    }


def test_cloudformation_is_one_resource_with_its_ttl() -> None:
    code, out, _ = run_cli(
        "table", str(ROOT / "schemas" / "shop.yaml"), "--format", "cloudformation"
    )
    assert code == 0
    template = json.loads(out)
    (name,) = template["Resources"]
    resource = template["Resources"][name]
    assert name == "ShopTable"
    assert resource["Type"] == "AWS::DynamoDB::Table"
    properties = resource["Properties"]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in properties["GlobalSecondaryIndexes"]] == [
        "GSI1",
        "GSI2",
    ]
    assert properties["LocalSecondaryIndexes"][0]["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["_type", "status", "total"],
    }


def test_errors_and_usage() -> None:
    assert run_cli("table", "missing.yaml")[0] == 2
    result = subprocess.run(
        [sys.executable, "-m", "dyngen", "table", str(ROOT / "schemas" / "shop.yaml")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["TableName"] == "shop"
