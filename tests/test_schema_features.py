"""Schema features end to end: plain-attribute keys, aliases, every attribute type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dyngen_runtime import item_size
from dyngen_runtime.marshal import decode_json, encode_json, encode_json_sized
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Backend, run_cli
from tests.test_roundtrip_property import (
    JSON,
    assert_checked_encoding_is_sound,
    assert_checked_json_is_sound,
    model_strategy,
)

LEGACY = """
dyngen: 1
table:
  name: legacy
  pk: id
  indexes:
    ByPaymentDate: {kind: global, pk: NextPaymentDate}
entities:
  Account:
    type_value: account
    attributes:
      id: str
      owner: {type: str, alias: OwnerName}
      next_payment: {type: date, alias: NextPaymentDate, required: false}
      balance: {type: int, default: 0}
    access_patterns:
      due_on: {index: ByPaymentDate}
"""

NUMERIC = """
dyngen: 1
table: {name: numeric, pk: account, sk: seq}
entities:
  Entry:
    attributes:
      account: int
      seq: int
      amount: decimal
"""

EVERY_TYPE = """
dyngen: 1
table: {name: kinds, pk: PK, sk: SK, ttl: expires}
entities:
  Sample:
    attributes:
      id: str
      text: {type: str, default: ""}
      whole: int
      exact: decimal
      approx: float
      flag: bool
      blob: bytes
      moment: datetime
      day: date
      mood: {type: enum, values: [happy, in-progress]}
      expires: {type: ttl, required: false}
      doc: json
      point: {type: object, attributes: {x: int, y: int, label: {type: str, required: false}}}
      names: "list[str]"
      grid: "list[list[int]]"
      scores: "map[decimal]"
      tags: "set[str]"
      counts: "set[int]"
      ratios: "set[decimal]"
      blobs: "set[bytes]"
      maybe: {type: str, required: false}
    keys:
      primary: {pk: "SAMPLE#{id}", sk: "{whole:06}#{flag}#{day}"}
"""


def test_plain_attribute_keys_and_aliases(
    backend: Backend, build_schema: Callable[[str], Any]
) -> None:
    module = build_schema(LEGACY)
    definition = module.Legacy.table_definition()
    assert definition["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert {"AttributeName": "NextPaymentDate", "AttributeType": "S"} in definition[
        "AttributeDefinitions"
    ]
    db = backend.client(module.Legacy)
    account = module.Account(id="a-1", owner="Ann", next_payment=date(2026, 5, 1))
    db.accounts.create(account)
    raw = db._executor.call(
        "GetItem", {"TableName": db.table_name, "Key": {"id": {"S": "a-1"}}}
    )["Item"]
    # Stored once under the table's own names, no extra key attributes.
    assert raw == {
        "id": {"S": "a-1"},
        "OwnerName": {"S": "Ann"},
        "NextPaymentDate": {"S": "2026-05-01"},
        "balance": {"N": "0"},
        "_type": {"S": "account"},
    }
    assert db.accounts.get(id="a-1") == account
    db.accounts.create(module.Account(id="a-2", owner="Bob"))  # sparse: no date
    due = db.accounts.due_on(date(2026, 5, 1)).items
    assert [a.id for a in due] == ["a-1"]
    # batch_write sends the JSON text to_checked_json writes, aliases included.
    assert_checked_json_is_sound(module.Account, account)
    later = module.Account(id="a-3", owner="Cy", next_payment=date(2026, 5, 1))
    assert db.batch_write(puts=[later]).failed == []
    assert db.accounts.get(id="a-3") == later
    due = db.accounts.due_on(date(2026, 5, 1)).items
    assert sorted(a.id for a in due) == ["a-1", "a-3"]  # the index has no sort key


def test_numeric_plain_keys(
    backend: Backend, build_schema: Callable[[str], Any]
) -> None:
    module = build_schema(NUMERIC)
    definition = module.Numeric.table_definition()
    assert sorted(
        (d["AttributeName"], d["AttributeType"])
        for d in definition["AttributeDefinitions"]
    ) == [("account", "N"), ("seq", "N")]
    db = backend.client(module.Numeric)
    entry = module.Entry(account=7, seq=1, amount=Decimal("12.5"))
    db.entries.create(entry)
    assert db.entries.get(account=7, seq=1) == entry
    assert db.entries.get(account=7, seq=2) is None
    assert_checked_json_is_sound(module.Entry, entry)
    more = [module.Entry(account=7, seq=n, amount=Decimal(n)) for n in range(2, 40)]
    assert db.batch_write(puts=more).failed == []
    got = db.entries.batch_get([{"account": 7, "seq": n} for n in range(1, 40)])
    assert got.items == [entry, *more]


def test_queries_on_numeric_keys_are_refused_with_a_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("schemas").mkdir()
    Path("schemas/numeric.yaml").write_text(
        NUMERIC + "    access_patterns:\n      for_account: {index: primary}\n"
    )
    code, _, err = run_cli("build", "schemas/")
    assert code == 1
    assert (
        "schemas/numeric.yaml:11:7: DG001 Entry.for_account: queries on the numeric "
        "or binary key attribute account are not supported yet"
    ) in err


def test_every_attribute_type_round_trips(
    backend: Backend, build_schema: Callable[[str], Any]
) -> None:
    module = build_schema(EVERY_TYPE)
    db = backend.client(module.Kinds)
    sample = module.Sample(
        id="s1",
        whole=42,
        exact=Decimal("3.14159265358979323846264338327950288"),
        approx=0.1,
        flag=True,
        blob=b"\x00\xffbytes",
        moment=datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=UTC),
        day=date(2026, 2, 3),
        mood=module.SampleMood("in-progress"),
        expires=datetime(2099, 1, 1, tzinfo=UTC),
        doc={"a": [1, 2.5, "x", None, True, {"b": []}]},
        point=module.SamplePoint(x=1, y=-2),
        names=["a", "b"],
        grid=[[1, 2], [], [3]],
        scores={"math": Decimal("9.5")},
        tags={"x", "y"},
        counts={1, 2, 3},
        ratios={Decimal("0.5")},
        blobs={b"a", b"b"},
    )
    stored = db.samples.create(sample)
    read = db.samples.get(id="s1", whole=42, flag=True, day=date(2026, 2, 3))
    assert read == stored == sample
    raw = db._executor.call(
        "GetItem",
        {
            "TableName": db.table_name,
            "Key": module.Sample.key(
                id="s1", whole=42, flag=True, day=date(2026, 2, 3)
            ),
        },
    )["Item"]
    assert raw["SK"] == {"S": "000042#true#2026-02-03"}
    assert raw["expires"] == {
        "N": str(int(datetime(2099, 1, 1, tzinfo=UTC).timestamp()))
    }
    assert raw["mood"] == {"S": "in-progress"}
    assert "maybe" not in raw
    assert module.Sample.from_item(raw, validate=False) == sample


def test_every_attribute_type_has_a_sound_size_bound(
    build_schema: Callable[[str], Any],
) -> None:
    # Every codec's bound (lists of lists, maps, number and binary sets, json,
    # nested optional text) against the exact size, text made of 4-byte
    # characters so that no term hides in another's slack.
    module = build_schema(EVERY_TYPE + NESTED_TEXT)
    wide = st.text(alphabet=st.characters(min_codepoint=0x10000), min_size=1)
    for model in (module.Sample, module.Holder):
        instances = model_strategy(model, "expires") | model_strategy(
            model, "expires", wide.map(lambda s: s * 20)
        )

        @settings(max_examples=100, deadline=None, derandomize=True)
        @given(instance=instances)
        def bounded(instance: Any) -> None:
            assert_checked_encoding_is_sound(type(instance), instance)

        bounded()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=JSON)
def test_json_is_encoded_and_bounded_in_one_walk(value: Any) -> None:
    wire, bound = encode_json_sized(value, "Sample.doc")
    # encode_json is this walk without the size; the wire form decodes back.
    assert encode_json(value, "Sample.doc") == wire
    assert decode_json(wire) == value
    assert bound >= item_size({"": wire})


NESTED_TEXT = """
  Holder:
    attributes:
      id: str
      label: {type: str, required: false}
      inner:
        type: object
        required: false
        attributes:
          note: {type: str, required: false}
          words: "list[str]"
          doc: {type: json, required: false}
      docs: "list[json]"
    keys:
      primary: {pk: "HOLDER#{id}", sk: "HOLDER"}
"""
