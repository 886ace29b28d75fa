"""DynamoDB expressions as objects, rendered with placeholders only.

Conditions are built from typed field references (``FieldRef``), combined with
``&``, ``|`` and ``~``, and rendered into a shared :class:`Placeholders`, which
collects the ``ExpressionAttributeNames`` and ``ExpressionAttributeValues`` of
one request. Attribute names never appear in expression text (``#n0`` stands
for them), so reserved words (``name``, ``status``, ``size``), names with dots,
dashes, ``#``, spaces or any unicode work unchanged; values never appear either
(``:v0`` stands for them), so no value can change the shape of an expression.

Rendering is deterministic: placeholders are numbered in the order they first
appear in the text (``#n0``, ``#n1``, ... and ``:v0``, ``:v1``, ...), and the
same expression rendered into a fresh :class:`Placeholders` always gives the
same text and maps. Several expressions of one request (key condition, filter,
projection, update, condition) share one :class:`Placeholders`; a stored name
keeps one ``#n`` placeholder throughout, while every value gets its own ``:v``.

Parenthesisation (the text is valid as written and reads as it parses):

- comparisons, ``BETWEEN``, ``IN``, ``size()`` comparisons and function calls
  render bare: ``#n0 = :v0``, ``#n0 BETWEEN :v0 AND :v1``,
  ``#n0 IN (:v0, :v1)``, ``size(#n0) > :v0``, ``attribute_exists(#n0)``;
- ``AND`` and ``OR`` join their operands; an operand that is itself an
  ``AND``, ``OR``, ``NOT`` or ``BETWEEN`` is wrapped in parentheses, the others
  are not. Chains of one operator are flattened, so ``a & b & c`` renders as
  ``A AND B AND C`` however Python grouped it, and ``a | b & c`` (``&`` binds
  tighter, as in Python) renders as ``A OR (B AND C)``;
- ``NOT`` wraps its operand in parentheses unless it is a function call:
  ``NOT attribute_exists(#n0)``, but ``NOT (#n0 = :v0)``.

Example: ``(F.status == "a") & ~F.name.exists()`` renders as
``#n0 = :v0 AND (NOT attribute_exists(#n1))`` with
``names == {"#n0": "status", "#n1": "name"}`` and
``values == {":v0": {"S": "a"}}``.

Update actions group into one ``UpdateExpression`` with the clauses in the
order ``SET``, ``REMOVE``, ``ADD``, ``DELETE`` (each comma-joined, actions in
the order they were added): ``SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1)
REMOVE #n2 ADD #n3 :v2 DELETE #n4 :v3``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, NoReturn, Self, TypeAlias, TypeVar

from dyngen_runtime.errors import DyngenError, ExpressionError
from dyngen_runtime.marshal import encode_scalar
from dyngen_runtime.wire import AttributeValue

T = TypeVar("T")

#: DynamoDB accepts at most this many operands on the right of ``IN``.
MAX_IN_VALUES: Final = 100

#: A comparison operator, as DynamoDB writes it.
Comparator: TypeAlias = Literal["=", "<>", "<", "<=", ">", ">="]

_WIRE_TYPES: Final = frozenset(
    ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
)
_SET_TYPES: Final = frozenset(("SS", "NS", "BS"))


def _check_attribute_value(value: object, what: str) -> AttributeValue:
    """Return ``value`` if it has the wire shape ``{"S": ...}``, else raise."""
    if not isinstance(value, dict) or len(value) != 1:
        raise ExpressionError(
            f"{what}: expected one DynamoDB wire value such as {{'S': 'text'}}, "
            f"got {value!r}"
        )
    (tag,) = value
    if tag not in _WIRE_TYPES:
        raise ExpressionError(
            f"{what}: {tag!r} is not a DynamoDB type "
            f"(one of {', '.join(sorted(_WIRE_TYPES))})"
        )
    return value


def _check_stored_name(stored: object) -> str:
    """Return ``stored`` if it is a usable attribute name, else raise."""
    if not isinstance(stored, str) or not stored:
        raise ExpressionError(f"attribute names are non-empty strings, got {stored!r}")
    return stored


class Placeholders:
    """The placeholder maps of one request, shared by all its expressions.

    ``names`` maps ``"#n0"`` to a stored attribute name and ``values`` maps
    ``":v0"`` to a wire value; :meth:`apply` puts them into the request. Add
    entries through :meth:`name` and :meth:`value` only, so that counters and
    maps stay in step.
    """

    __slots__ = ("_placeholder_of", "names", "values")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}
        self._placeholder_of: dict[str, str] = {}

    def name(self, stored: str) -> str:
        """The ``#nN`` placeholder of attribute ``stored``, the same on every call.

        Counters follow first use, so a fresh instance always numbers the same
        names in the same order.
        """
        placeholder = self._placeholder_of.get(stored)
        if placeholder is None:
            _check_stored_name(stored)
            placeholder = f"#n{len(self.names)}"
            self.names[placeholder] = stored
            self._placeholder_of[stored] = placeholder
        return placeholder

    def value(self, av: AttributeValue) -> str:
        """A new ``:vN`` placeholder for wire value ``av`` (one per call).

        ``av`` is stored as given, not copied: do not change it afterwards.
        """
        _check_attribute_value(av, "expression value")
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = av
        return placeholder

    def apply(self, params: dict[str, Any]) -> None:
        """Add the maps to request ``params``, each only when it is non-empty.

        Maps already in ``params`` are merged with these (into new dicts); a
        placeholder bound there to something else raises ``ExpressionError``.
        """
        for key, ours in (
            ("ExpressionAttributeNames", self.names),
            ("ExpressionAttributeValues", self.values),
        ):
            if not ours:
                continue
            theirs: dict[str, Any] = params.get(key) or {}
            for placeholder, bound in ours.items():
                if placeholder in theirs and theirs[placeholder] != bound:
                    raise ExpressionError(
                        f"{key}: placeholder {placeholder} is already bound to "
                        f"{theirs[placeholder]!r}, not {bound!r}"
                    )
            params[key] = {**theirs, **ours}

    def __repr__(self) -> str:
        return f"Placeholders(names={self.names!r}, values={self.values!r})"


# Operands of leaf conditions: an attribute, a value, or the size of an attribute.


@dataclass(frozen=True, slots=True)
class _Path:
    stored: str

    def render(self, ph: Placeholders) -> str:
        return ph.name(self.stored)


@dataclass(frozen=True, slots=True)
class _Value:
    av: AttributeValue

    def render(self, ph: Placeholders) -> str:
        return ph.value(self.av)


@dataclass(frozen=True, slots=True)
class _SizeOf:
    stored: str

    def render(self, ph: Placeholders) -> str:
        return f"size({ph.name(self.stored)})"


_Term: TypeAlias = _Path | _Value | _SizeOf

#: What a :class:`Condition` node is.
_Kind: TypeAlias = Literal["compare", "between", "in", "function", "and", "or", "not"]
#: Kinds wrapped in parentheses as operands of AND / OR.
_WRAPPED_IN_JUNCTION: Final = frozenset(("and", "or", "not", "between"))


class Condition:
    """An immutable condition: a ``ConditionExpression`` or ``FilterExpression``.

    Build conditions from :class:`FieldRef` operators rather than directly;
    combine them with ``&`` (AND), ``|`` (OR) and ``~`` (NOT). A condition is
    not a boolean: ``bool(condition)``, and so ``if``, ``and``, ``or`` and
    ``not`` on it, raise ``TypeError``.
    """

    __slots__ = ("_children", "_kind", "_operator", "_terms")

    _kind: _Kind
    _operator: str
    _terms: tuple[_Term, ...]
    _children: tuple[Condition, ...]

    def __init__(
        self,
        kind: _Kind,
        operator: str,
        *,
        terms: tuple[_Term, ...] = (),
        children: tuple[Condition, ...] = (),
    ) -> None:
        """A node of kind ``kind``; runtime-internal, use :class:`FieldRef`."""
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_operator", operator)
        object.__setattr__(self, "_terms", terms)
        object.__setattr__(self, "_children", children)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Condition is immutable (cannot set {name})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Condition is immutable (cannot delete {name})")

    def _junction(self, kind: Literal["and", "or"], other: Condition) -> Condition:
        children = tuple(
            grandchild
            for child in (self, other)
            for grandchild in (child._children if child._kind == kind else (child,))
        )
        return Condition(kind, kind.upper(), children=children)

    def __and__(self, other: Condition) -> Condition:
        """Both conditions hold (``AND``)."""
        if not isinstance(other, Condition):
            return NotImplemented
        return self._junction("and", other)

    def __or__(self, other: Condition) -> Condition:
        """Either condition holds (``OR``)."""
        if not isinstance(other, Condition):
            return NotImplemented
        return self._junction("or", other)

    def __invert__(self) -> Condition:
        """The condition does not hold (``NOT``)."""
        return Condition("not", "NOT", children=(self,))

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "a Condition is not a boolean: it is sent to DynamoDB, not evaluated "
            "in Python. `==`, `<`, ... on field references build conditions, so "
            "`if Model.fields.x == y` is a mistake; combine conditions with "
            "`&`, `|` and `~` (not `and`, `or`, `not`)"
        )

    def render(self, ph: Placeholders) -> str:
        """The expression text, with its names and values added to ``ph``."""
        kind = self._kind
        if kind == "compare":
            left, right = self._terms
            return f"{left.render(ph)} {self._operator} {right.render(ph)}"
        if kind == "between":
            subject, low, high = self._terms
            return (
                f"{subject.render(ph)} BETWEEN {low.render(ph)} AND {high.render(ph)}"
            )
        if kind == "in":
            subject, *candidates = self._terms
            listed = ", ".join(term.render(ph) for term in candidates)
            return f"{subject.render(ph)} IN ({listed})"
        if kind == "function":
            arguments = ", ".join(term.render(ph) for term in self._terms)
            return f"{self._operator}({arguments})"
        if kind == "not":
            (child,) = self._children
            text = child.render(ph)
            return f"NOT {text}" if child._kind == "function" else f"NOT ({text})"
        parts = []
        for child in self._children:
            text = child.render(ph)
            parts.append(f"({text})" if child._kind in _WRAPPED_IN_JUNCTION else text)
        return f" {self._operator} ".join(parts)

    def __repr__(self) -> str:
        ph = Placeholders()
        text = self.render(ph)
        return f"<Condition {text!r} names={ph.names!r} values={ph.values!r}>"


def render_condition(condition: Condition, ph: Placeholders) -> str:
    """Render ``condition`` into ``ph``; the same as ``condition.render(ph)``."""
    if not isinstance(condition, Condition):
        raise ExpressionError(
            f"expected a Condition built from field references, got {condition!r}"
        )
    return condition.render(ph)


class FieldRef(Generic[T]):
    """A typed reference to a top-level attribute, the left side of conditions.

    ``name`` is the Python field name (errors say ``"Entity.name"``),
    ``stored`` the attribute name in the item, ``encode`` turns a field value
    into its wire value and ``entity`` names the entity. ``element``, when
    given, encodes one element for :meth:`contains` on set and list fields;
    without it, ``contains`` encodes text, bytes, booleans and numbers by
    their type.

    ``==``, ``!=``, ``<``, ``<=``, ``>`` and ``>=`` return a :class:`Condition`,
    never a bool; the other operand is a field value or another ``FieldRef``
    (comparing two attributes of the same item). ``field == None`` renders
    ``attribute_not_exists(field)`` and ``field != None`` renders
    ``attribute_exists(field)``, the meaning of "absent" for an optional
    field, which is never stored as NULL.

    Hashing is by identity, so references can be dict keys and set members.
    Membership in a list or tuple (``ref in [a, b]``) compares with ``==``,
    which builds a condition and so raises ``TypeError``: use a set or dict.
    """

    __slots__ = ("_element", "encode", "entity", "name", "stored")

    name: str
    stored: str
    encode: Callable[[T], AttributeValue]
    entity: str
    _element: Callable[[Any], AttributeValue] | None

    def __init__(
        self,
        name: str,
        stored: str,
        encode: Callable[[T], AttributeValue],
        entity: str,
        *,
        element: Callable[[Any], AttributeValue] | None = None,
    ) -> None:
        """Describe one attribute; generated ``Model.fields`` hold these."""
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "stored", _check_stored_name(stored))
        object.__setattr__(self, "encode", encode)
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "_element", element)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"FieldRef is immutable (cannot set {name})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"FieldRef is immutable (cannot delete {name})")

    @property
    def qualified(self) -> str:
        """``"Entity.field"``, as error messages name the field."""
        return f"{self.entity}.{self.name}"

    def __repr__(self) -> str:
        return f"<FieldRef {self.qualified} stored as {self.stored!r}>"

    def __hash__(self) -> int:
        """Identity hash: ``==`` builds conditions, so equal-by-value is not defined."""
        return object.__hash__(self)

    def _encode(self, value: T) -> AttributeValue:
        if value is None:
            raise ExpressionError(
                f"{self.qualified}: None only works with == and != "
                "(attribute_not_exists / attribute_exists)"
            )
        try:
            av = self.encode(value)
        except DyngenError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError) as error:
            raise ExpressionError(
                f"{self.qualified}: cannot use {value!r} in an expression: {error}"
            ) from error
        return _check_attribute_value(av, self.qualified)

    def _term(self, other: T | FieldRef[Any]) -> _Term:
        if isinstance(other, FieldRef):
            return _Path(other.stored)
        return _Value(self._encode(other))

    def _compare(self, operator: Comparator, other: T | FieldRef[Any]) -> Condition:
        return Condition(
            "compare", operator, terms=(_Path(self.stored), self._term(other))
        )

    def _function(self, function: str, *values: AttributeValue) -> Condition:
        terms: tuple[_Term, ...] = (
            _Path(self.stored),
            *(_Value(value) for value in values),
        )
        return Condition("function", function, terms=terms)

    def __eq__(self, other: T | FieldRef[Any] | None) -> Condition:  # type: ignore[override]
        """``field = other``; ``field == None`` is ``attribute_not_exists(field)``."""
        if other is None:
            return self.not_exists()
        return self._compare("=", other)

    def __ne__(self, other: T | FieldRef[Any] | None) -> Condition:  # type: ignore[override]
        """``field <> other``; ``field != None`` is ``attribute_exists(field)``."""
        if other is None:
            return self.exists()
        return self._compare("<>", other)

    def __lt__(self, other: T | FieldRef[Any]) -> Condition:
        """``field < other``."""
        return self._compare("<", other)

    def __le__(self, other: T | FieldRef[Any]) -> Condition:
        """``field <= other``."""
        return self._compare("<=", other)

    def __gt__(self, other: T | FieldRef[Any]) -> Condition:
        """``field > other``."""
        return self._compare(">", other)

    def __ge__(self, other: T | FieldRef[Any]) -> Condition:
        """``field >= other``."""
        return self._compare(">=", other)

    def between(self, low: T | FieldRef[Any], high: T | FieldRef[Any]) -> Condition:
        """``field BETWEEN low AND high``, both bounds included.

        DynamoDB refuses the request when ``low`` is greater than ``high``.
        """
        return Condition(
            "between",
            "BETWEEN",
            terms=(_Path(self.stored), self._term(low), self._term(high)),
        )

    def begins_with(self, prefix: str) -> Condition:
        """``begins_with(field, prefix)``: the stored text starts with ``prefix``."""
        if not isinstance(prefix, str):
            raise ExpressionError(
                f"{self.qualified}: begins_with takes text, got {prefix!r}"
            )
        return self._function("begins_with", {"S": prefix})

    def contains(self, value: Any) -> Condition:
        """``contains(field, value)``: a substring of text, or an element of a set
        or list.

        ``value`` is encoded with the reference's ``element`` encoder when it
        has one, else by its Python type (text, bytes, bool, numbers).
        """
        if value is None:
            raise ExpressionError(
                f"{self.qualified}: contains(None) is not a condition"
            )
        if self._element is not None:
            try:
                av = self._element(value)
            except DyngenError:
                raise
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                raise ExpressionError(
                    f"{self.qualified}: cannot use {value!r} in contains(): {error}"
                ) from error
        else:
            natural = encode_scalar(value, self.qualified)
            if natural is None:
                raise ExpressionError(
                    f"{self.qualified}: contains() cannot encode "
                    f"{type(value).__name__} values; give the FieldRef an "
                    "element encoder"
                )
            av = natural
        return self._function("contains", _check_attribute_value(av, self.qualified))

    def exists(self) -> Condition:
        """``attribute_exists(field)``: the item has the attribute."""
        return self._function("attribute_exists")

    def not_exists(self) -> Condition:
        """``attribute_not_exists(field)``: the item lacks the attribute."""
        return self._function("attribute_not_exists")

    def is_in(self, *values: T) -> Condition:
        """``field IN (v1, v2, ...)``: 1 to 100 values (DynamoDB's limit)."""
        if not values:
            raise ExpressionError(f"{self.qualified}: is_in() needs at least one value")
        if len(values) > MAX_IN_VALUES:
            raise ExpressionError(
                f"{self.qualified}: is_in() takes at most {MAX_IN_VALUES} values "
                f"(DynamoDB's limit), got {len(values)}"
            )
        terms: tuple[_Term, ...] = (
            _Path(self.stored),
            *(self._term(value) for value in values),
        )
        return Condition("in", "IN", terms=terms)

    def size(self) -> Size:
        """``size(field)``, to compare with an int: length of text or bytes,
        number of elements of a set, list or map."""
        return Size(self)


class Size:
    """``size(field)``; its comparisons with an ``int`` return a :class:`Condition`.

    Hashing is by identity, as for :class:`FieldRef`.
    """

    __slots__ = ("_field",)

    def __init__(self, field: FieldRef[Any]) -> None:
        """The size of ``field``'s attribute."""
        self._field = field

    def __repr__(self) -> str:
        return f"<Size of {self._field.qualified}>"

    def __hash__(self) -> int:
        """Identity hash: ``==`` builds conditions."""
        return object.__hash__(self)

    def _compare(self, operator: Comparator, other: int) -> Condition:
        if isinstance(other, bool) or not isinstance(other, int):
            raise ExpressionError(
                f"size({self._field.qualified}) compares with an int, got {other!r}"
            )
        return Condition(
            "compare",
            operator,
            terms=(_SizeOf(self._field.stored), _Value({"N": str(other)})),
        )

    def __eq__(self, other: int) -> Condition:  # type: ignore[override]
        """``size(field) = other``."""
        return self._compare("=", other)

    def __ne__(self, other: int) -> Condition:  # type: ignore[override]
        """``size(field) <> other``."""
        return self._compare("<>", other)

    def __lt__(self, other: int) -> Condition:
        """``size(field) < other``."""
        return self._compare("<", other)

    def __le__(self, other: int) -> Condition:
        """``size(field) <= other``."""
        return self._compare("<=", other)

    def __gt__(self, other: int) -> Condition:
        """``size(field) > other``."""
        return self._compare(">", other)

    def __ge__(self, other: int) -> Condition:
        """``size(field) >= other``."""
        return self._compare(">=", other)


_Clause: TypeAlias = Literal["SET", "REMOVE", "ADD", "DELETE"]
_CLAUSE_ORDER: Final[tuple[_Clause, ...]] = ("SET", "REMOVE", "ADD", "DELETE")


@dataclass(frozen=True, slots=True)
class _Action:
    """One update action on one stored attribute."""

    clause: _Clause
    method: str
    stored: str
    value: AttributeValue | None

    def render(self, ph: Placeholders) -> str:
        name = ph.name(self.stored)
        if self.value is None:
            return name
        value = ph.value(self.value)
        if self.method == "set_if_not_exists":
            return f"{name} = if_not_exists({name}, {value})"
        if self.clause == "SET":
            return f"{name} = {value}"
        return f"{name} {value}"


class Update:
    """The actions of one ``UpdateExpression``, on stored attribute names.

    Each method adds one action and returns the update, for chaining. An
    attribute can be the target of one action only (DynamoDB refuses
    overlapping paths); a second action on it raises ``ExpressionError``.
    """

    __slots__ = ("_actions",)

    def __init__(self) -> None:
        """An update with no actions yet."""
        self._actions: dict[str, _Action] = {}

    def _add(
        self,
        clause: _Clause,
        method: str,
        stored: str,
        value: AttributeValue | None,
        allowed: frozenset[str] | None = None,
    ) -> Self:
        _check_stored_name(stored)
        earlier = self._actions.get(stored)
        if earlier is not None:
            raise ExpressionError(
                f"update: attribute {stored!r} is the target of two actions "
                f"({earlier.method}, then {method}); DynamoDB allows one per attribute"
            )
        if value is not None:
            _check_attribute_value(value, f"update {method}({stored!r})")
            (tag,) = value
            if allowed is not None and tag not in allowed:
                raise ExpressionError(
                    f"update {method}({stored!r}): takes a "
                    f"{' or '.join(sorted(allowed))} value, got {tag}"
                )
            if tag in _SET_TYPES and not value[tag]:
                raise ExpressionError(
                    f"update {method}({stored!r}): DynamoDB has no empty sets"
                )
        self._actions[stored] = _Action(clause, method, stored, value)
        return self

    def set(self, stored: str, value: AttributeValue) -> Self:
        """``SET #n = :v``: write ``value`` to the attribute."""
        return self._add("SET", "set", stored, value)

    def set_if_not_exists(self, stored: str, value: AttributeValue) -> Self:
        """``SET #n = if_not_exists(#n, :v)``: write only when the attribute is absent."""
        return self._add("SET", "set_if_not_exists", stored, value)

    def remove(self, stored: str) -> Self:
        """``REMOVE #n``: delete the attribute from the item."""
        return self._add("REMOVE", "remove", stored, None)

    def add(self, stored: str, value: AttributeValue) -> Self:
        """``ADD #n :v``: add a number, or add elements to a set (``N``, ``SS``,
        ``NS``, ``BS``); an absent attribute starts from zero or empty."""
        return self._add("ADD", "add", stored, value, _SET_TYPES | {"N"})

    def delete(self, stored: str, value: AttributeValue) -> Self:
        """``DELETE #n :v``: remove elements from a set (``SS``, ``NS``, ``BS``)."""
        return self._add("DELETE", "delete", stored, value, _SET_TYPES)

    @property
    def is_empty(self) -> bool:
        """True while the update has no actions (rendering it would fail)."""
        return not self._actions

    def render(self, ph: Placeholders) -> str:
        """The ``UpdateExpression`` text, with its names and values added to ``ph``.

        Clauses come in the order SET, REMOVE, ADD, DELETE; an update without
        actions raises ``ExpressionError``.
        """
        if not self._actions:
            raise ExpressionError("update: no actions to render")
        clauses = []
        for clause in _CLAUSE_ORDER:
            parts = [
                action.render(ph)
                for action in self._actions.values()
                if action.clause == clause
            ]
            if parts:
                clauses.append(f"{clause} {', '.join(parts)}")
        return " ".join(clauses)

    def __repr__(self) -> str:
        if not self._actions:
            return "<Update (no actions)>"
        ph = Placeholders()
        text = self.render(ph)
        return f"<Update {text!r} names={ph.names!r} values={ph.values!r}>"


def render_projection(stored_names: Iterable[str], ph: Placeholders) -> str:
    """A ``ProjectionExpression``: ``"#n0, #n1"``, names deduplicated, in order."""
    if isinstance(stored_names, str):
        raise ExpressionError(
            f"projection: pass a list of attribute names, not one string "
            f"({stored_names!r})"
        )
    placeholders = list(dict.fromkeys(ph.name(stored) for stored in stored_names))
    if not placeholders:
        raise ExpressionError("projection: needs at least one attribute name")
    return ", ".join(placeholders)


__all__ = [
    "MAX_IN_VALUES",
    "Comparator",
    "Condition",
    "FieldRef",
    "Placeholders",
    "Size",
    "Update",
    "render_condition",
    "render_projection",
]
