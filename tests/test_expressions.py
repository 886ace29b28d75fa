"""Expressions as objects: exact rendering, then real requests on both backends.

The unit tests assert the exact expression text and placeholder maps of every
operator, combinator and update clause. The backend tests send the rendered
expressions in real requests against items whose attribute names are
DynamoDB reserved words or contain dots, dashes, '#', spaces and unicode,
which only work through ExpressionAttributeNames.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any, cast

import pytest
from dyngen_runtime import ConditionFailedError, ExpressionError, ValidationError
from dyngen_runtime.expressions import (
    MAX_IN_VALUES,
    Condition,
    FieldRef,
    Placeholders,
    Update,
    render_condition,
    render_projection,
)
from dyngen_runtime.wire import AttributeValue, Item

from generated.shop import Shop

# --- field references on awkward stored names -------------------------------


def text(value: str) -> AttributeValue:
    return {"S": value}


def number(value: int | Decimal) -> AttributeValue:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"not a number: {value!r}")
    return {"N": str(value)}


def string_set(value: set[str]) -> AttributeValue:
    return {"SS": sorted(value)}


def items(value: list[Any]) -> AttributeValue:
    return {"L": [{"S": v} if isinstance(v, str) else {"N": str(v)} for v in value]}


class F:
    """The fields of the test entity ``Thing``, stored under awkward names."""

    pk = FieldRef("pk", "PK", text, "Thing")
    name = FieldRef("name", "name", text, "Thing")
    status = FieldRef("status", "status", text, "Thing")
    size = FieldRef("size", "size", number, "Thing")
    order = FieldRef("order", "order", number, "Thing")
    comment = FieldRef("comment", "comment", text, "Thing")
    timestamp = FieldRef("timestamp", "timestamp", text, "Thing")
    dotted = FieldRef("dotted", "a.b", text, "Thing")
    dashed = FieldRef("dashed", "a-b", number, "Thing")
    hashed = FieldRef("hashed", "a#b", string_set, "Thing")
    spaced = FieldRef("spaced", "with space", items, "Thing")
    prenom = FieldRef("prenom", "prénom", text, "Thing")
    namae = FieldRef("namae", "名前", text, "Thing")
    tags = FieldRef("tags", "set ñ", string_set, "Thing")
    missing = FieldRef("missing", "not here", text, "Thing")


class Mixed(str, Enum):  # noqa: UP042 (the str-mixin case is the point)
    """A str-mixin enum, whose str() is "Mixed.active" on Python 3.11."""

    active = "act"


#: A value that would change the expression if it were pasted into the text.
TRICKY = ") OR attribute_exists(#n0"


def rendered(
    expression: Condition | Update,
) -> tuple[str, dict[str, str], dict[str, AttributeValue]]:
    """Render into a fresh Placeholders: (text, names, values)."""
    ph = Placeholders()
    out = expression.render(ph)
    return out, ph.names, ph.values


# --- unit: every operator -----------------------------------------------------

S = text
N = number

OPERATOR_CASES: list[
    tuple[str, Callable[[], Condition], str, dict[str, str], dict[str, AttributeValue]]
] = [
    ("eq", lambda: F.status == "a", "#n0 = :v0", {"#n0": "status"}, {":v0": S("a")}),
    ("ne", lambda: F.status != "a", "#n0 <> :v0", {"#n0": "status"}, {":v0": S("a")}),
    ("lt", lambda: F.size < 3, "#n0 < :v0", {"#n0": "size"}, {":v0": N(3)}),
    ("le", lambda: F.size <= 3, "#n0 <= :v0", {"#n0": "size"}, {":v0": N(3)}),
    ("gt", lambda: F.size > 3, "#n0 > :v0", {"#n0": "size"}, {":v0": N(3)}),
    ("ge", lambda: F.size >= 3, "#n0 >= :v0", {"#n0": "size"}, {":v0": N(3)}),
    ("reflected-lt", lambda: 3 < F.size, "#n0 > :v0", {"#n0": "size"}, {":v0": N(3)}),  # noqa: SIM300
    (
        "reflected-eq",
        # mypy types a reflected == by str.__eq__ (bool); at run time it is a Condition.
        lambda: cast(Condition, "a" == F.status),  # noqa: SIM300
        "#n0 = :v0",
        {"#n0": "status"},
        {":v0": S("a")},
    ),
    (
        "eq-none",
        lambda: F.name == None,  # noqa: E711
        "attribute_not_exists(#n0)",
        {"#n0": "name"},
        {},
    ),
    ("ne-none", lambda: F.name != None, "attribute_exists(#n0)", {"#n0": "name"}, {}),  # noqa: E711
    (
        "field-vs-field",
        lambda: F.order < F.size,
        "#n0 < #n1",
        {"#n0": "order", "#n1": "size"},
        {},
    ),
    (
        "between",
        lambda: F.size.between(1, 9),
        "#n0 BETWEEN :v0 AND :v1",
        {"#n0": "size"},
        {":v0": N(1), ":v1": N(9)},
    ),
    (
        "begins_with",
        lambda: F.prenom.begins_with("Zo"),
        "begins_with(#n0, :v0)",
        {"#n0": "prénom"},
        {":v0": S("Zo")},
    ),
    (
        "contains-text",
        lambda: F.dotted.contains("t"),
        "contains(#n0, :v0)",
        {"#n0": "a.b"},
        {":v0": S("t")},
    ),
    (
        "contains-number",
        lambda: F.spaced.contains(1),
        "contains(#n0, :v0)",
        {"#n0": "with space"},
        {":v0": N(1)},
    ),
    (
        "contains-decimal",
        lambda: F.spaced.contains(Decimal("1.50")),
        "contains(#n0, :v0)",
        {"#n0": "with space"},
        {":v0": {"N": "1.50"}},
    ),
    (
        "contains-float",
        lambda: F.spaced.contains(0.5),
        "contains(#n0, :v0)",
        {"#n0": "with space"},
        {":v0": {"N": "0.5"}},
    ),
    (
        "contains-bytes",
        lambda: F.spaced.contains(b"\x00"),
        "contains(#n0, :v0)",
        {"#n0": "with space"},
        {":v0": {"B": b"\x00"}},
    ),
    (
        "contains-bool",
        lambda: F.spaced.contains(True),
        "contains(#n0, :v0)",
        {"#n0": "with space"},
        {":v0": {"BOOL": True}},
    ),
    (
        "contains-str-enum",
        lambda: F.status.contains(Mixed.active),
        "contains(#n0, :v0)",
        {"#n0": "status"},
        {":v0": S("act")},
    ),
    (
        "contains-element-encoder",
        lambda: FieldRef(
            "when", "when", text, "Thing", element=lambda v: {"S": f"D{v}"}
        ).contains(7),
        "contains(#n0, :v0)",
        {"#n0": "when"},
        {":v0": S("D7")},
    ),
    ("exists", lambda: F.hashed.exists(), "attribute_exists(#n0)", {"#n0": "a#b"}, {}),
    (
        "not_exists",
        lambda: F.namae.not_exists(),
        "attribute_not_exists(#n0)",
        {"#n0": "名前"},
        {},
    ),
    (
        "in",
        lambda: F.status.is_in("a", "b", "c"),
        "#n0 IN (:v0, :v1, :v2)",
        {"#n0": "status"},
        {":v0": S("a"), ":v1": S("b"), ":v2": S("c")},
    ),
    (
        "in-one",
        lambda: F.order.is_in(7),
        "#n0 IN (:v0)",
        {"#n0": "order"},
        {":v0": N(7)},
    ),
    (
        "size-eq",
        lambda: F.name.size() == 3,
        "size(#n0) = :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "size-ne",
        lambda: F.name.size() != 3,
        "size(#n0) <> :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "size-lt",
        lambda: F.name.size() < 3,
        "size(#n0) < :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "size-le",
        lambda: F.name.size() <= 3,
        "size(#n0) <= :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "size-gt",
        lambda: F.name.size() > 3,
        "size(#n0) > :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "size-ge",
        lambda: F.name.size() >= 3,
        "size(#n0) >= :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "size-reflected",
        lambda: 3 < F.name.size(),  # noqa: SIM300
        "size(#n0) > :v0",
        {"#n0": "name"},
        {":v0": N(3)},
    ),
    (
        "tricky-value",
        lambda: F.comment == TRICKY,
        "#n0 = :v0",
        {"#n0": "comment"},
        {":v0": S(TRICKY)},
    ),
]


@pytest.mark.parametrize(
    ("build", "expected", "names", "values"),
    [pytest.param(*case[1:], id=case[0]) for case in OPERATOR_CASES],
)
def test_operator_renders_exactly(
    build: Callable[[], Condition],
    expected: str,
    names: dict[str, str],
    values: dict[str, AttributeValue],
) -> None:
    assert rendered(build()) == (expected, names, values)


# --- unit: combinators and parenthesisation -----------------------------------

A = F.status == "a"  # #n0 = :v0
B = F.name == "b"
C = F.order == 1
D = F.size == 2

COMBINATOR_CASES: list[tuple[str, Callable[[], Condition], str]] = [
    ("and", lambda: A & B, "#n0 = :v0 AND #n1 = :v1"),
    ("or", lambda: A | B, "#n0 = :v0 OR #n1 = :v1"),
    ("not-comparison", lambda: ~A, "NOT (#n0 = :v0)"),
    ("not-function", lambda: ~F.name.exists(), "NOT attribute_exists(#n0)"),
    ("not-contains", lambda: ~F.name.contains("x"), "NOT contains(#n0, :v0)"),
    ("not-between", lambda: ~F.size.between(1, 2), "NOT (#n0 BETWEEN :v0 AND :v1)"),
    ("not-in", lambda: ~F.order.is_in(1, 2), "NOT (#n0 IN (:v0, :v1))"),
    ("not-size", lambda: ~(F.name.size() > 1), "NOT (size(#n0) > :v0)"),
    ("not-and", lambda: ~(A & B), "NOT (#n0 = :v0 AND #n1 = :v1)"),
    ("not-not", lambda: ~~A, "NOT (NOT (#n0 = :v0))"),
    (
        "brief-example",
        lambda: (F.status == "a") & ~F.name.exists(),
        "#n0 = :v0 AND (NOT attribute_exists(#n1))",
    ),
    ("and-not-comparison", lambda: A & ~B, "#n0 = :v0 AND (NOT (#n1 = :v1))"),
    ("and-chain", lambda: A & B & C, "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2"),
    ("and-chain-right", lambda: A & (B & C), "#n0 = :v0 AND #n1 = :v1 AND #n2 = :v2"),
    ("or-chain", lambda: A | (B | C), "#n0 = :v0 OR #n1 = :v1 OR #n2 = :v2"),
    ("precedence-or-and", lambda: A | B & C, "#n0 = :v0 OR (#n1 = :v1 AND #n2 = :v2)"),
    ("precedence-and-or", lambda: A & B | C, "(#n0 = :v0 AND #n1 = :v1) OR #n2 = :v2"),
    ("grouped-or", lambda: (A | B) & C, "(#n0 = :v0 OR #n1 = :v1) AND #n2 = :v2"),
    (
        "two-groups",
        lambda: (A & B) | (C & D),
        "(#n0 = :v0 AND #n1 = :v1) OR (#n2 = :v2 AND #n3 = :v3)",
    ),
    (
        "or-of-ands-in-and",
        lambda: ((A & B) | C) & D,
        "((#n0 = :v0 AND #n1 = :v1) OR #n2 = :v2) AND #n3 = :v3",
    ),
    (
        "between-in-and",
        lambda: F.size.between(1, 2) & A,
        "(#n0 BETWEEN :v0 AND :v1) AND #n1 = :v2",
    ),
    (
        "in-and-functions-bare",
        lambda: F.order.is_in(1) & F.name.begins_with("x") & (F.name.size() > 1),
        "#n0 IN (:v0) AND begins_with(#n1, :v1) AND size(#n1) > :v2",
    ),
]


@pytest.mark.parametrize(
    ("build", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in COMBINATOR_CASES],
)
def test_combinator_renders_exactly(
    build: Callable[[], Condition], expected: str
) -> None:
    out, _, _ = rendered(build())
    assert out == expected


def test_combined_placeholder_maps() -> None:
    condition = (F.status == "a") & ~F.name.exists() | F.size.between(1, 2)
    assert rendered(condition) == (
        "(#n0 = :v0 AND (NOT attribute_exists(#n1))) OR (#n2 BETWEEN :v1 AND :v2)",
        {"#n0": "status", "#n1": "name", "#n2": "size"},
        {":v0": S("a"), ":v1": N(1), ":v2": N(2)},
    )


def test_name_placeholder_reused_value_placeholder_not() -> None:
    condition = (F.status == "a") | (F.status == "a") | F.status.exists()
    assert rendered(condition) == (
        "#n0 = :v0 OR #n0 = :v1 OR attribute_exists(#n0)",
        {"#n0": "status"},
        {":v0": S("a"), ":v1": S("a")},
    )


def test_rendering_is_deterministic() -> None:
    condition = (F.namae == "x") & (F.dotted.is_in("a", "b") | ~F.hashed.contains("z"))
    first = rendered(condition)
    assert first == rendered(condition)
    assert first == (
        "#n0 = :v0 AND (#n1 IN (:v1, :v2) OR (NOT contains(#n2, :v3)))",
        {"#n0": "名前", "#n1": "a.b", "#n2": "a#b"},
        {":v0": S("x"), ":v1": S("a"), ":v2": S("b"), ":v3": S("z")},
    )


def test_expressions_share_one_placeholders() -> None:
    ph = Placeholders()
    key = f"{ph.name('PK')} = {ph.value(S('X#1'))}"
    condition = render_condition((F.status == "a") & (F.pk == "X#1"), ph)
    projection = render_projection(["status", "名前", "PK", "status"], ph)
    update = Update().set("status", S("b")).remove("名前").render(ph)
    assert key == "#n0 = :v0"
    assert condition == "#n1 = :v1 AND #n0 = :v2"
    assert projection == "#n1, #n2, #n0"
    assert update == "SET #n1 = :v3 REMOVE #n2"
    assert ph.names == {"#n0": "PK", "#n1": "status", "#n2": "名前"}
    assert ph.values == {":v0": S("X#1"), ":v1": S("a"), ":v2": S("X#1"), ":v3": S("b")}


def test_render_condition_is_render() -> None:
    ph1, ph2 = Placeholders(), Placeholders()
    assert render_condition(A & B, ph1) == (A & B).render(ph2)
    assert (ph1.names, ph1.values) == (ph2.names, ph2.values)
    with pytest.raises(ExpressionError, match="expected a Condition"):
        render_condition("#n0 = :v0", Placeholders())  # type: ignore[arg-type]


def test_names_are_never_in_the_text() -> None:
    awkward: list[FieldRef[Any]] = [
        F.name,
        F.size,
        F.dotted,
        F.dashed,
        F.hashed,
        F.spaced,
        F.prenom,
        F.namae,
    ]
    condition = awkward[0].exists()
    for field in awkward[1:]:
        condition = condition & field.exists()
    out, names, _ = rendered(condition)
    assert sorted(names.values()) == sorted(field.stored for field in awkward)
    assert out == " AND ".join(f"attribute_exists(#n{i})" for i in range(len(awkward)))


# --- unit: conditions are not booleans, and are immutable ----------------------


def compares_in_python() -> str:
    """The mistake ``__bool__`` exists to catch: ``==`` used as a comparison."""
    if F.status == "a":
        return "equal"
    return "different"


def test_bool_raises() -> None:
    condition = F.status == "a"
    with pytest.raises(TypeError, match="not a boolean"):
        bool(condition)
    with pytest.raises(TypeError, match=r"`&`, `\|` and `~`"):
        compares_in_python()
    with pytest.raises(TypeError, match="not a boolean"):
        _ = condition and condition
    with pytest.raises(TypeError, match="not a boolean"):
        _ = not condition
    with pytest.raises(TypeError, match="not a boolean"):
        bool(F.name.size() == 3)


def test_combining_with_non_conditions_fails() -> None:
    with pytest.raises(TypeError):
        _ = A & True  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = A | "x"  # type: ignore[operator]


def test_condition_is_immutable() -> None:
    with pytest.raises(AttributeError, match="immutable"):
        A._kind = "or"
    with pytest.raises(AttributeError, match="immutable"):
        del A._terms
    combined = A & B
    _ = combined & C
    assert rendered(combined)[0] == "#n0 = :v0 AND #n1 = :v1"


def test_field_ref_is_hashable_and_immutable() -> None:
    lookup = {F.status: "s", F.name: "n"}
    assert lookup[F.status] == "s"
    assert F.name in {F.name, F.size}
    with pytest.raises(TypeError, match="not a boolean"):
        _ = F.name in [F.size, F.name]  # list membership uses ==
    size = F.status.size()
    assert size in {size}  # Size hashes too (by identity)
    with pytest.raises(AttributeError, match="immutable"):
        F.status.stored = "other"
    assert F.namae.qualified == "Thing.namae"
    assert repr(F.dotted) == "<FieldRef Thing.dotted stored as 'a.b'>"


def test_repr_shows_rendering() -> None:
    assert repr(F.status == "a") == (
        "<Condition '#n0 = :v0' names={'#n0': 'status'} values={':v0': {'S': 'a'}}>"
    )
    assert repr(Update()) == "<Update (no actions)>"
    assert repr(Update().remove("a.b")) == (
        "<Update 'REMOVE #n0' names={'#n0': 'a.b'} values={}>"
    )


# --- unit: invalid input -------------------------------------------------------


def test_in_limits() -> None:
    with pytest.raises(
        ExpressionError, match=r"Thing\.status: is_in\(\) needs at least"
    ):
        F.status.is_in()
    hundred = F.order.is_in(*range(MAX_IN_VALUES))
    out, names, values = rendered(hundred)
    assert MAX_IN_VALUES == 100
    assert out == "#n0 IN (" + ", ".join(f":v{i}" for i in range(100)) + ")"
    assert names == {"#n0": "order"}
    assert values[":v99"] == N(99)
    with pytest.raises(ExpressionError, match=r"at most 100 values.*got 101"):
        F.order.is_in(*range(101))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: F.size < None,  # type: ignore[operator]
            r"Thing\.size: None only",
            id="lt-none",
        ),
        pytest.param(
            lambda: F.size.between(None, 1),  # type: ignore[arg-type]
            "None only",
            id="between-none",
        ),
        pytest.param(
            lambda: F.size == "3", r"Thing\.size: cannot use '3'", id="bad-type"
        ),
        pytest.param(
            lambda: F.status.is_in("a", None),  # type: ignore[arg-type]
            "None only",
            id="in-none",
        ),
        pytest.param(
            lambda: F.name.begins_with(5),  # type: ignore[arg-type]
            "begins_with takes text",
            id="prefix",
        ),
        pytest.param(
            lambda: F.name.size() > "3",  # type: ignore[operator]
            r"size\(Thing\.name\)",
            id="size-text",
        ),
        pytest.param(
            lambda: F.name.size() == True,  # noqa: E712
            "compares with an int",
            id="size-bool",
        ),
        pytest.param(
            lambda: F.name.contains(None), r"contains\(None\)", id="contains-none"
        ),
        pytest.param(
            lambda: F.name.contains(object()), "cannot encode", id="contains-obj"
        ),
        pytest.param(
            lambda: FieldRef("x", "x", lambda v: v, "Thing") == "raw",
            r"Thing\.x: expected one DynamoDB wire value",
            id="encoder-shape",
        ),
        pytest.param(
            lambda: FieldRef("x", "x", lambda v: {"Q": v}, "Thing") == "raw",
            "'Q' is not a DynamoDB type",
            id="encoder-tag",
        ),
        pytest.param(
            lambda: FieldRef("x", "", text, "Thing"), "non-empty", id="empty-name"
        ),
    ],
)
def test_invalid_conditions_raise(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        build()


def test_expression_error_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        F.status.is_in()


def test_encoder_validation_errors_pass_through() -> None:
    def strict(value: int) -> AttributeValue:
        raise ValidationError(f"Thing.n: {value} is out of range")

    with pytest.raises(ValidationError, match="out of range") as raised:
        _ = FieldRef("n", "n", strict, "Thing") == 1
    assert not isinstance(raised.value, ExpressionError)
    with pytest.raises(ValidationError, match=r"Thing\.spaced: nan"):
        F.spaced.contains(float("nan"))


# --- unit: placeholders ----------------------------------------------------------


def test_placeholders() -> None:
    ph = Placeholders()
    assert ph.name("status") == "#n0"
    assert ph.name("a.b") == "#n1"
    assert ph.name("status") == "#n0"
    assert ph.value(S("x")) == ":v0"
    assert ph.value(S("x")) == ":v1"
    assert ph.names == {"#n0": "status", "#n1": "a.b"}
    assert ph.values == {":v0": S("x"), ":v1": S("x")}
    params: dict[str, Any] = {"TableName": "t"}
    ph.apply(params)
    assert params == {
        "TableName": "t",
        "ExpressionAttributeNames": {"#n0": "status", "#n1": "a.b"},
        "ExpressionAttributeValues": {":v0": S("x"), ":v1": S("x")},
    }


def test_apply_adds_only_non_empty_maps() -> None:
    params: dict[str, Any] = {}
    Placeholders().apply(params)
    assert params == {}
    ph = Placeholders()
    ph.name("size")
    ph.apply(params)
    assert params == {"ExpressionAttributeNames": {"#n0": "size"}}


def test_apply_merges_and_refuses_conflicts() -> None:
    ph = Placeholders()
    ph.name("status")
    params: dict[str, Any] = {
        "ExpressionAttributeNames": {"#pk": "PK", "#n0": "status"}
    }
    ph.apply(params)
    assert params == {"ExpressionAttributeNames": {"#pk": "PK", "#n0": "status"}}
    clash: dict[str, Any] = {"ExpressionAttributeNames": {"#n0": "other"}}
    with pytest.raises(ExpressionError, match="#n0 is already bound"):
        ph.apply(clash)


@pytest.mark.parametrize(
    "bad", [{}, {"S": "a", "N": "1"}, {"X": "1"}, "a", None], ids=repr
)
def test_placeholder_value_needs_a_wire_value(bad: Any) -> None:
    with pytest.raises(ExpressionError, match="expression value"):
        Placeholders().value(bad)


@pytest.mark.parametrize("bad", ["", None, 3], ids=repr)
def test_placeholder_name_needs_a_name(bad: Any) -> None:
    with pytest.raises(ExpressionError, match="non-empty strings"):
        Placeholders().name(bad)


# --- unit: updates ---------------------------------------------------------------

UPDATE_CASES: list[
    tuple[str, Callable[[], Update], str, dict[str, str], dict[str, AttributeValue]]
] = [
    (
        "set",
        lambda: Update().set("status", S("a")),
        "SET #n0 = :v0",
        {"#n0": "status"},
        {":v0": S("a")},
    ),
    (
        "set-if-not-exists",
        lambda: Update().set_if_not_exists("名前", S("a")),
        "SET #n0 = if_not_exists(#n0, :v0)",
        {"#n0": "名前"},
        {":v0": S("a")},
    ),
    ("remove", lambda: Update().remove("a.b"), "REMOVE #n0", {"#n0": "a.b"}, {}),
    (
        "add-number",
        lambda: Update().add("a-b", N(2)),
        "ADD #n0 :v0",
        {"#n0": "a-b"},
        {":v0": N(2)},
    ),
    (
        "add-set",
        lambda: Update().add("a#b", {"SS": ["z"]}),
        "ADD #n0 :v0",
        {"#n0": "a#b"},
        {":v0": {"SS": ["z"]}},
    ),
    (
        "delete",
        lambda: Update().delete("with space", {"NS": ["1"]}),
        "DELETE #n0 :v0",
        {"#n0": "with space"},
        {":v0": {"NS": ["1"]}},
    ),
    (
        "clause-commas",
        lambda: Update().set("a", S("1")).set("b", S("2")).remove("c").remove("d"),
        "SET #n0 = :v0, #n1 = :v1 REMOVE #n2, #n3",
        {"#n0": "a", "#n1": "b", "#n2": "c", "#n3": "d"},
        {":v0": S("1"), ":v1": S("2")},
    ),
    (
        "clause-order",
        lambda: (
            Update()
            .delete("e", {"SS": ["x"]})
            .add("d", N(1))
            .remove("c")
            .set_if_not_exists("b", S("2"))
            .set("a", S("1"))
        ),
        "SET #n0 = if_not_exists(#n0, :v0), #n1 = :v1 REMOVE #n2 ADD #n3 :v2 "
        "DELETE #n4 :v3",
        {"#n0": "b", "#n1": "a", "#n2": "c", "#n3": "d", "#n4": "e"},
        {":v0": S("2"), ":v1": S("1"), ":v2": N(1), ":v3": {"SS": ["x"]}},
    ),
]


@pytest.mark.parametrize(
    ("build", "expected", "names", "values"),
    [pytest.param(*case[1:], id=case[0]) for case in UPDATE_CASES],
)
def test_update_renders_exactly(
    build: Callable[[], Update],
    expected: str,
    names: dict[str, str],
    values: dict[str, AttributeValue],
) -> None:
    assert rendered(build()) == (expected, names, values)


@pytest.mark.parametrize(
    ("first", "second", "methods"),
    [
        (lambda u: u.set("a.b", S("1")), lambda u: u.remove("a.b"), "set, then remove"),
        (lambda u: u.add("a.b", N(1)), lambda u: u.add("a.b", N(2)), "add, then add"),
        (
            lambda u: u.set("a.b", S("1")),
            lambda u: u.set_if_not_exists("a.b", S("2")),
            "set, then set_if_not_exists",
        ),
        (
            lambda u: u.delete("a.b", {"SS": ["x"]}),
            lambda u: u.set("a.b", S("1")),
            "delete, then set",
        ),
    ],
    ids=["set-remove", "add-add", "set-set_if_not_exists", "delete-set"],
)
def test_update_refuses_two_actions_on_one_attribute(
    first: Callable[[Update], Update],
    second: Callable[[Update], Update],
    methods: str,
) -> None:
    update = first(Update())
    with pytest.raises(
        ExpressionError, match=rf"'a\.b' is the target of two.*{methods}"
    ):
        second(update)
    assert rendered(update)[1] == {"#n0": "a.b"}  # the refused action was not kept


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: Update().add("n", S("1")),
            "takes a BS or N or NS or SS value, got S",
            id="add-text",
        ),
        pytest.param(
            lambda: Update().delete("n", N(1)),
            "takes a BS or NS or SS value, got N",
            id="delete-number",
        ),
        pytest.param(
            lambda: Update().add("n", {"SS": []}), "no empty sets", id="add-empty"
        ),
        pytest.param(
            lambda: Update().delete("n", {"NS": []}), "no empty sets", id="delete-empty"
        ),
        pytest.param(
            lambda: Update().set("n", "raw"),  # type: ignore[arg-type]
            "expected one DynamoDB wire value",
            id="set-raw",
        ),
        pytest.param(lambda: Update().remove(""), "non-empty", id="empty-name"),
        pytest.param(lambda: Update().render(Placeholders()), "no actions", id="empty"),
    ],
)
def test_invalid_updates_raise(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        build()


def test_update_is_empty_and_chains() -> None:
    update = Update()
    assert update.is_empty
    assert update.set("a", S("1")) is update
    assert not update.is_empty


# --- unit: projections -------------------------------------------------------------


def test_projection() -> None:
    ph = Placeholders()
    assert (
        render_projection(["name", "a.b", "name", "名前", "a.b"], ph) == "#n0, #n1, #n2"
    )
    assert ph.names == {"#n0": "name", "#n1": "a.b", "#n2": "名前"}
    assert ph.values == {}
    assert render_projection(iter(["size", "name"]), ph) == "#n3, #n0"


def test_projection_refuses_empty_and_bare_strings() -> None:
    with pytest.raises(ExpressionError, match="at least one"):
        render_projection([], Placeholders())
    with pytest.raises(ExpressionError, match="not one string"):
        render_projection("name", Placeholders())


# --- backends: real requests with awkward attribute names -------------------------

KEY: Item = {"PK": S("X#1"), "SK": S("X")}
ITEM: Item = {
    **KEY,
    "name": S("Ann"),
    "status": S("active"),
    "size": N(42),
    "order": N(7),
    "comment": S(TRICKY),
    "timestamp": S("2026-03-01T12:00:00Z"),
    "a.b": S("dotted"),
    "a-b": N(5),
    "a#b": {"SS": ["x", "y"]},
    "with space": {"L": [S("p"), N(1)]},
    "prénom": S("Zoé"),
    "名前": S("太郎"),
    "set ñ": {"SS": ["p", "q", "r"]},
}


def call(db: Shop, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Send a raw request on the table of ``db``."""
    response: dict[str, Any] = db._executor.call(
        operation, {"TableName": db.table_name, **params}
    )
    return response


def normalise(item: Item | None) -> Item | None:
    """Sets compare as sets (DynamoDB does not keep their order)."""
    if item is None:
        return None
    return {
        name: {tag: sorted(inner)} if tag in ("SS", "NS", "BS") else {tag: inner}
        for name, value in item.items()
        for tag, inner in value.items()
    }


def read(db: Shop, key: Item = KEY) -> Item | None:
    item: Item | None = call(db, "GetItem", {"Key": key, "ConsistentRead": True}).get(
        "Item"
    )
    return normalise(item)


def put_with(db: Shop, item: Item, condition: Condition | None) -> None:
    params: dict[str, Any] = {"Item": item}
    if condition is not None:
        ph = Placeholders()
        params["ConditionExpression"] = condition.render(ph)
        ph.apply(params)
    call(db, "PutItem", params)


def holds_on_put(db: Shop, condition: Condition) -> bool:
    """Whether ``condition`` holds for ITEM, asked with a conditional PutItem
    that writes ITEM unchanged."""
    try:
        put_with(db, ITEM, condition)
    except ConditionFailedError:
        return False
    return True


def holds_in_filter(db: Shop, condition: Condition) -> bool:
    """Whether ``condition`` holds for ITEM, asked with a Query FilterExpression
    (the key condition written by hand into the same Placeholders)."""
    ph = Placeholders()
    params: dict[str, Any] = {
        "KeyConditionExpression": (
            f"{ph.name('PK')} = {ph.value(KEY['PK'])} AND "
            f"{ph.name('SK')} = {ph.value(KEY['SK'])}"
        ),
        "FilterExpression": render_condition(condition, ph),
        "ConsistentRead": True,
    }
    ph.apply(params)
    response = call(db, "Query", params)
    assert response["ScannedCount"] == 1
    return bool(response["Count"])


TRUE, FALSE = True, False
TRUE_A = F.status == "active"
FALSE_B = F.order == 8
FALSE_C = F.name == "Bob"

BACKEND_CASES: list[tuple[str, Callable[[], Condition], bool]] = [
    ("eq-reserved", lambda: F.status == "active", TRUE),
    ("eq-reserved-false", lambda: F.status == "inactive", FALSE),
    ("ne", lambda: F.status != "inactive", TRUE),
    ("ne-false", lambda: F.status != "active", FALSE),
    ("lt", lambda: F.size < 43, TRUE),
    ("lt-false", lambda: F.size < 42, FALSE),
    ("le", lambda: F.size <= 42, TRUE),
    ("le-false", lambda: F.size <= 41, FALSE),
    ("gt", lambda: F.size > 41, TRUE),
    ("gt-false", lambda: F.size > 42, FALSE),
    ("ge", lambda: F.size >= 42, TRUE),
    ("ge-false", lambda: F.size >= 43, FALSE),
    ("text-order", lambda: F.timestamp > "2026-01-01", TRUE),
    ("text-order-false", lambda: F.timestamp < "2026-01-01", FALSE),
    ("field-vs-field", lambda: F.order < F.size, TRUE),
    ("field-vs-field-false", lambda: F.order > F.size, FALSE),
    ("between-dash", lambda: F.dashed.between(1, 5), TRUE),
    ("between-dash-false", lambda: F.dashed.between(6, 9), FALSE),
    ("begins-with-unicode", lambda: F.prenom.begins_with("Zo"), TRUE),
    ("begins-with-unicode-false", lambda: F.prenom.begins_with("Ze"), FALSE),
    ("begins-with-cjk", lambda: F.namae.begins_with("太"), TRUE),
    ("contains-dotted", lambda: F.dotted.contains("tt"), TRUE),
    ("contains-dotted-false", lambda: F.dotted.contains("zz"), FALSE),
    ("contains-set", lambda: F.hashed.contains("x"), TRUE),
    ("contains-set-false", lambda: F.hashed.contains("z"), FALSE),
    ("contains-list-text", lambda: F.spaced.contains("p"), TRUE),
    ("contains-list-number", lambda: F.spaced.contains(1), TRUE),
    ("contains-list-false", lambda: F.spaced.contains(2), FALSE),
    ("exists-every-name", lambda: all_exist(), TRUE),
    ("exists-missing", lambda: F.missing.exists(), FALSE),
    ("not-exists-missing", lambda: F.missing.not_exists(), TRUE),
    ("not-exists-present", lambda: F.spaced.not_exists(), FALSE),
    ("eq-none-missing", lambda: F.missing == None, TRUE),  # noqa: E711
    ("eq-none-present", lambda: F.namae == None, FALSE),  # noqa: E711
    ("ne-none-present", lambda: F.dotted != None, TRUE),  # noqa: E711
    ("ne-none-missing", lambda: F.missing != None, FALSE),  # noqa: E711
    ("in", lambda: F.status.is_in("x", "active"), TRUE),
    ("in-false", lambda: F.status.is_in("x", "y"), FALSE),
    ("in-number", lambda: F.order.is_in(7), TRUE),
    ("in-hundred", lambda: F.order.is_in(*range(100, 199), 7), TRUE),
    ("size-text", lambda: F.name.size() == 3, TRUE),
    ("size-set", lambda: F.hashed.size() == 2, TRUE),
    ("size-list", lambda: F.spaced.size() >= 2, TRUE),
    ("size-false", lambda: F.spaced.size() > 2, FALSE),
    ("size-ne", lambda: F.name.size() != 3, FALSE),
    ("and", lambda: TRUE_A & ~F.missing.exists(), TRUE),
    ("and-false", lambda: TRUE_A & FALSE_B, FALSE),
    ("or", lambda: FALSE_B | TRUE_A, TRUE),
    ("or-false", lambda: FALSE_B | FALSE_C, FALSE),
    ("not", lambda: ~FALSE_B, TRUE),
    ("not-false", lambda: ~TRUE_A, FALSE),
    ("not-not", lambda: ~~TRUE_A, TRUE),
    ("not-function", lambda: ~F.hashed.contains("z"), TRUE),
    ("not-between", lambda: ~F.dashed.between(1, 5), FALSE),
    # a | b & c is a | (b & c): true here, where (a | b) & c would be false.
    ("precedence", lambda: TRUE_A | FALSE_B & FALSE_C, TRUE),
    ("grouping", lambda: (TRUE_A | FALSE_B) & FALSE_C, FALSE),
    ("nested", lambda: ((TRUE_A & FALSE_B) | ~FALSE_C) & F.dotted.exists(), TRUE),
    # Values holding expression syntax are compared literally.
    ("tricky-equal", lambda: F.comment == TRICKY, TRUE),
    ("tricky-not-equal", lambda: F.name == TRICKY, FALSE),
    ("tricky-placeholder", lambda: F.status == "active OR #n0 = :v0", FALSE),
    ("tricky-in-prefix", lambda: F.comment.begins_with(") OR"), TRUE),
]


def all_exist() -> Condition:
    fields: tuple[FieldRef[Any], ...] = (
        F.status,
        F.size,
        F.order,
        F.comment,
        F.timestamp,
        F.dotted,
        F.dashed,
        F.hashed,
        F.spaced,
        F.prenom,
        F.namae,
        F.tags,
    )
    condition = F.name.exists()
    for field in fields:
        condition = condition & field.exists()
    return condition


@pytest.mark.parametrize(
    ("build", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in BACKEND_CASES],
)
def test_condition_on_backend(
    shop: Shop, build: Callable[[], Condition], expected: bool
) -> None:
    put_with(shop, ITEM, None)
    assert holds_on_put(shop, build()) is expected
    assert holds_in_filter(shop, build()) is expected
    assert read(shop) == normalise(ITEM)


def test_put_condition_false_raises_and_keeps_item(shop: Shop) -> None:
    put_with(shop, ITEM, None)
    changed = {**ITEM, "status": S("closed")}
    with pytest.raises(ConditionFailedError):
        put_with(shop, changed, (F.status == "inactive") | (F.size > 100))
    assert read(shop) == normalise(ITEM)
    put_with(shop, changed, (F.status == "active") & (F.size > 41))
    assert read(shop) == normalise(changed)


def test_put_create_only(shop: Shop) -> None:
    put_with(shop, ITEM, F.pk == None)  # noqa: E711
    with pytest.raises(ConditionFailedError):
        put_with(shop, {**ITEM, "name": S("Bob")}, F.pk == None)  # noqa: E711
    assert read(shop) == normalise(ITEM)


def test_delete_condition(shop: Shop) -> None:
    put_with(shop, ITEM, None)

    def delete(condition: Condition) -> None:
        ph = Placeholders()
        params: dict[str, Any] = {
            "Key": KEY,
            "ConditionExpression": condition.render(ph),
        }
        ph.apply(params)
        call(shop, "DeleteItem", params)

    with pytest.raises(ConditionFailedError):
        delete(F.namae.begins_with("次") | (F.dotted == TRICKY))
    assert read(shop) == normalise(ITEM)
    delete(F.namae.begins_with("太") & F.hashed.contains("y") & (F.dashed == 5))
    assert read(shop) is None


def update(
    db: Shop, actions: Update, condition: Condition | None = None
) -> Item | None:
    """UpdateItem on KEY; names and values of both expressions share one map."""
    ph = Placeholders()
    params: dict[str, Any] = {
        "Key": KEY,
        "UpdateExpression": actions.render(ph),
        "ReturnValues": "ALL_NEW",
    }
    if condition is not None:
        params["ConditionExpression"] = condition.render(ph)
    ph.apply(params)
    attributes: Item | None = call(db, "UpdateItem", params).get("Attributes")
    return normalise(attributes)


def test_update_set_on_every_awkward_name(shop: Shop) -> None:
    put_with(shop, ITEM, None)
    actions = Update()
    expected = dict(ITEM)
    for stored in ITEM:
        if stored in KEY:
            continue
        value = S(f"new {stored} {TRICKY}")
        actions.set(stored, value)
        expected[stored] = value
    returned = update(shop, actions)
    assert returned == normalise(expected)
    assert read(shop) == normalise(expected)


def test_update_every_clause(shop: Shop) -> None:
    put_with(shop, ITEM, None)
    actions = (
        Update()
        .set("name", S("Bob"))
        .set("a.b", S(TRICKY))
        .set_if_not_exists("名前", S("次郎"))  # present: kept
        .set_if_not_exists("new attr", S("fresh"))  # absent: written
        .remove("timestamp")
        .remove("with space")
        .add("a-b", N(3))
        .add("size", N(-2))
        .add("a#b", {"SS": ["z"]})
        .add("counter", N(1))  # absent: starts from zero
        .delete("set ñ", {"SS": ["q", "nothing"]})
    )
    assert rendered(actions)[0] == (
        "SET #n0 = :v0, #n1 = :v1, #n2 = if_not_exists(#n2, :v2), "
        "#n3 = if_not_exists(#n3, :v3) REMOVE #n4, #n5 "
        "ADD #n6 :v4, #n7 :v5, #n8 :v6, #n9 :v7 DELETE #n10 :v8"
    )
    expected = {
        key: value
        for key, value in ITEM.items()
        if key not in ("timestamp", "with space")
    }
    expected.update(
        {
            "name": S("Bob"),
            "a.b": S(TRICKY),
            "new attr": S("fresh"),
            "a-b": N(8),
            "size": N(40),
            "a#b": {"SS": ["x", "y", "z"]},
            "counter": N(1),
            "set ñ": {"SS": ["p", "r"]},
        }
    )
    assert update(shop, actions) == normalise(expected)
    assert read(shop) == normalise(expected)


def test_update_with_condition(shop: Shop) -> None:
    put_with(shop, ITEM, None)
    actions = Update().set("status", S("closed")).add("order", N(1))
    with pytest.raises(ConditionFailedError):
        update(shop, actions, (F.status == "closed") & (F.order == 7))
    assert read(shop) == normalise(ITEM)
    # The condition reuses the update's #n placeholders for status and order.
    ph = Placeholders()
    assert actions.render(ph) == "SET #n0 = :v0 ADD #n1 :v1"
    assert render_condition((F.status == "active") & (F.order == 7), ph) == (
        "#n0 = :v2 AND #n1 = :v3"
    )
    returned = update(shop, actions, (F.status == "active") & (F.order == 7))
    assert returned is not None
    assert returned["status"] == S("closed")
    assert returned["order"] == N(8)
    # Applied once: the same condition now fails.
    with pytest.raises(ConditionFailedError):
        update(shop, actions, (F.status == "active") & (F.order == 7))


def test_tricky_values_are_stored_literally(shop: Shop) -> None:
    put_with(shop, {**KEY, "status": S("active")}, None)
    tricky = {
        "comment": TRICKY,
        "name": "#n0",
        "order": ":v0",
        "size": "x = :v1 OR attribute_not_exists(#n1)",
        "a.b": "'; DROP TABLE shop; --",
    }
    actions = Update()
    for stored, value in tricky.items():
        actions.set(stored, S(value))
    update(shop, actions, F.status == "active")
    stored_item = read(shop)
    assert stored_item == {**KEY, "status": S("active")} | {
        k: S(v) for k, v in tricky.items()
    }
    # Conditions on those values match them exactly, and only them.
    assert holds_on_put_item(shop, stored_item, F.comment == TRICKY)
    assert not holds_on_put_item(shop, stored_item, F.status == TRICKY)
    assert holds_on_put_item(shop, stored_item, F.dotted.begins_with("';"))


def holds_on_put_item(db: Shop, item: Item | None, condition: Condition) -> bool:
    assert item is not None
    try:
        put_with(db, item, condition)
    except ConditionFailedError:
        return False
    return True


def test_query_filter_and_projection(shop: Shop) -> None:
    rows = [
        {"PK": S("Q"), "SK": S("A#1"), "status": S("open"), "size": N(1)},
        {"PK": S("Q"), "SK": S("A#2"), "status": S("open"), "size": N(5)},
        {"PK": S("Q"), "SK": S("A#3"), "status": S("closed"), "size": N(9)},
        {"PK": S("Q"), "SK": S("B#1"), "status": S("open"), "size": N(9)},
        {"PK": S("R"), "SK": S("A#4"), "status": S("open"), "size": N(9)},
    ]
    for row in rows:
        extra: Item = {
            "a.b": S(f"dot {row['SK']['S']}"),
            "名前": S("名"),
            "order": N(1),
            "timestamp": S("t"),
        }
        put_with(shop, {**row, **extra}, None)
    ph = Placeholders()
    key_condition = (
        f"{ph.name('PK')} = {ph.value(S('Q'))} AND "
        f"begins_with({ph.name('SK')}, {ph.value(S('A#'))})"
    )
    filter_expression = render_condition(
        F.status.is_in("open", "pending") & (F.size > 2) | (F.size == 1), ph
    )
    projection = render_projection(["SK", "a.b", "名前", "size", "SK"], ph)
    assert (key_condition, filter_expression, projection) == (
        "#n0 = :v0 AND begins_with(#n1, :v1)",
        "(#n2 IN (:v2, :v3) AND #n3 > :v4) OR #n3 = :v5",
        "#n1, #n4, #n5, #n3",
    )
    params: dict[str, Any] = {
        "KeyConditionExpression": key_condition,
        "FilterExpression": filter_expression,
        "ProjectionExpression": projection,
        "ConsistentRead": True,
    }
    ph.apply(params)
    response = call(shop, "Query", params)
    assert response["ScannedCount"] == 3
    assert [normalise(item) for item in response["Items"]] == [
        {"SK": S("A#1"), "a.b": S("dot A#1"), "名前": S("名"), "size": N(1)},
        {"SK": S("A#2"), "a.b": S("dot A#2"), "名前": S("名"), "size": N(5)},
    ]


def test_projection_of_dotted_name_is_the_top_level_attribute(shop: Shop) -> None:
    # "a.b" through a placeholder is one attribute named a.b, not b inside a.
    put_with(shop, {**KEY, "a.b": S("flat"), "a": {"M": {"b": S("nested")}}}, None)
    ph = Placeholders()
    params: dict[str, Any] = {
        "Key": KEY,
        "ProjectionExpression": render_projection(["a.b"], ph),
        "ConsistentRead": True,
    }
    ph.apply(params)
    assert call(shop, "GetItem", params)["Item"] == {"a.b": S("flat")}
