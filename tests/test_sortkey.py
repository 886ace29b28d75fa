"""The sort-key planner: prefixes at whole values, bounds on the field itself."""

from __future__ import annotations

from typing import Any

import pytest
from dyngen_runtime import ValidationError
from dyngen_runtime.conditions import begins_with, between, gt, gte, lt, lte
from dyngen_runtime.keys import key_int, key_str
from dyngen_runtime.sortkey import (
    HIGHEST,
    LOWEST,
    KeyCondition,
    SortField,
    plan_sort_key,
)

# ORDER#{day}#{seq:04}#{order_id}
DAY = SortField("day", lambda v: key_str(v, "#", "T.day"), "#", True)
SEQ = SortField("seq", lambda v: key_int(v, 4, "T.seq"), "#", False)
ORDER = SortField("order_id", lambda v: key_str(v, "", "T.order_id"), "", True)
PARTS = ("ORDER#", DAY, "#", SEQ, "#", ORDER)


def plan(**given: Any) -> KeyCondition | None:
    return plan_sort_key(PARTS, given, "T")


def test_nothing_given_sends_the_literal_prefix() -> None:
    assert plan() == KeyCondition("begins_with", ("ORDER#",))


def test_a_leading_run_stops_at_whole_values() -> None:
    assert plan(day="d1") == KeyCondition("begins_with", ("ORDER#d1#",))
    assert plan(day="d1", seq=7) == KeyCondition("begins_with", ("ORDER#d1#0007#",))


def test_every_field_given_is_equality() -> None:
    assert plan(day="d1", seq=7, order_id="o1") == KeyCondition(
        "=", ("ORDER#d1#0007#o1",)
    )


def test_values_are_escaped_like_writes() -> None:
    assert plan(day="a#b") == KeyCondition("begins_with", ("ORDER#a\\#b#",))


def test_between_includes_the_upper_value_when_text_follows() -> None:
    assert plan(day="d1", seq=between(2, 5)) == KeyCondition(
        "BETWEEN", ("ORDER#d1#0002", "ORDER#d1#0005#" + HIGHEST)
    )


def test_ranges_on_a_middle_field() -> None:
    prefix = "ORDER#d1#"
    assert plan(day="d1", seq=gte(2)) == KeyCondition(
        "BETWEEN", (prefix + "0002", prefix + HIGHEST)
    )
    assert plan(day="d1", seq=gt(2)) == KeyCondition(
        "BETWEEN", (prefix + "0002#" + HIGHEST, prefix + HIGHEST)
    )
    assert plan(day="d1", seq=lte(2)) == KeyCondition(
        "BETWEEN", (prefix, prefix + "0002#" + HIGHEST)
    )
    assert plan(day="d1", seq=lt(2)) == KeyCondition(
        "BETWEEN", (prefix, prefix + "0002")
    )


def test_ranges_on_the_last_field() -> None:
    prefix = "ORDER#d1#0007#"
    assert plan(day="d1", seq=7, order_id=between("a", "c")) == KeyCondition(
        "BETWEEN", (prefix + "a", prefix + "c")
    )
    assert plan(day="d1", seq=7, order_id=gt("a")) == KeyCondition(
        "BETWEEN", (prefix + "a" + LOWEST, prefix + HIGHEST)
    )
    assert plan(day="d1", seq=7, order_id=lte("c")) == KeyCondition(
        "BETWEEN", (prefix, prefix + "c")
    )
    assert plan(day="d1", seq=7, order_id=lt("c")) == KeyCondition(
        "<", (prefix + "c",), needs_type_filter=True
    )


def test_begins_with_on_a_text_field() -> None:
    assert plan(day=begins_with("2026-0")) == KeyCondition(
        "begins_with", ("ORDER#2026-0",)
    )
    assert plan(day=begins_with("a#")) == KeyCondition("begins_with", ("ORDER#a\\#",))
    with pytest.raises(ValidationError, match="begins_with needs a text field"):
        plan(day="d1", seq=begins_with("1"))


def test_fields_must_be_given_in_template_order() -> None:
    with pytest.raises(ValidationError, match="seq given without day"):
        plan(seq=3)
    with pytest.raises(ValidationError, match="only the last given sort-key field"):
        plan(day=gte("d1"), seq=3)
    with pytest.raises(ValidationError, match="nope is not a sort-key field"):
        plan(nope=1)


def test_constant_and_leading_placeholder_templates() -> None:
    assert plan_sort_key(("PROFILE",), {}, "T") == KeyCondition("=", ("PROFILE",))
    when = SortField("when", str, "#", True)
    parts = (when, "#", ORDER)
    assert plan_sort_key(parts, {}, "T") is None
    assert plan_sort_key(parts, {"when": lt("b")}, "T") == KeyCondition(
        "<=", ("b",), needs_type_filter=True
    )
