"""The schema loader only ever fails with its own error, whatever the input.

``load_module`` either returns a module or raises ``SchemaError`` whose every
finding has a position inside the file and an error code DG001..DG004. Inputs
are mutations of ``schemas/shop.yaml`` (of its text and of its parsed
structure), arbitrary bytes and arbitrary text.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from dyngen.diagnostics import SchemaError, Severity
from dyngen.pipeline import load_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT

SHOP_TEXT = (ROOT / "schemas" / "shop.yaml").read_text(encoding="utf-8")
SHOP: Any = yaml.safe_load(SHOP_TEXT)
ERROR_CODES = {"DG001", "DG002", "DG003", "DG004"}
# Derandomized so CI runs are repeatable; DYNGEN_FUZZ_EXAMPLES=N runs N random
# examples per property instead, to hunt for new failures.
_HUNT = int(os.environ.get("DYNGEN_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_HUNT or 150,
    deadline=None,
    derandomize=not _HUNT,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Characters YAML gives meaning to, so that inserted garbage reaches the parser.
YAML_CHARS = " \t\n\r:-?,[]{}#&*!|>'\"%@`~.0123456789aZ_\\\x00\ufeff\u2028é"

Path_ = tuple[str | int, ...]


def line_count(raw: bytes) -> int:
    """Lines as YAML counts them (every kind of line break), at least 1."""
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return 1 + sum(text.count(c) for c in "\n\r\x85\u2028\u2029")


def check(raw: bytes) -> None:
    """Load ``raw`` as a schema file: success, or SchemaError with sane findings."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.yaml"
        path.write_bytes(raw)
        try:
            load_module(path)
        except SchemaError as error:
            findings = error.diagnostics
        else:
            return
    assert findings, "SchemaError without findings"
    lines = line_count(raw)
    for finding in findings:
        where = finding.format()
        assert finding.code in ERROR_CODES, where
        assert finding.severity == Severity.ERROR, where
        assert 1 <= finding.position.line <= lines, where
        assert finding.position.column >= 1, where
        assert finding.message, where


# -- values of every YAML type ---------------------------------------------------

SCALARS: dict[type, st.SearchStrategy[Any]] = {
    int: st.integers(min_value=-(2**70), max_value=2**70),
    str: st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "",
                "str",
                "enum",
                "object",
                "list[object]",
                "set[float]",
                "map[",
                "ttl",
                "primary",
                "GSI1",
                "{customer_id}",
                "{x}{y}",
                "{shard(0)}",
                "{",
                "}",
                "now",
                "class",
                "_type",
                "PK",
            ]
        ),
    ),
    type(None): st.none(),
    bool: st.booleans(),
    float: st.floats(allow_nan=True, allow_infinity=True),
}
ANY_VALUE: st.SearchStrategy[Any] = st.recursive(
    st.one_of(*SCALARS.values()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=6,
)
VALUES: dict[type, st.SearchStrategy[Any]] = {
    **SCALARS,
    list: st.lists(ANY_VALUE, max_size=3),
    dict: st.dictionaries(st.text(max_size=8), ANY_VALUE, max_size=3),
}


def value_of_another_type(original: Any) -> st.SearchStrategy[Any]:
    """Values whose Python type differs from ``original``'s."""
    kinds = [kind for kind in VALUES if type(original) is not kind]
    return st.sampled_from(kinds).flatmap(lambda kind: VALUES[kind])


# -- structure mutations ---------------------------------------------------------


def node_paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path into ``value`` (the root included), depth first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += node_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += node_paths(child, (*prefix, i))
    return found


def get(root: Any, path: Path_) -> Any:
    for part in path:
        root = root[part]
    return root


def mutate_structure(data: st.DataObject, root: Any) -> Any:
    """Apply one structural mutation to ``root`` (a deep copy); return the new root."""
    paths = node_paths(root)
    path = data.draw(st.sampled_from(paths), label="path")
    kind = data.draw(
        st.sampled_from(["delete", "replace", "same_type", "move", "rename", "add"]),
        label="mutation",
    )
    if not path:
        return data.draw(value_of_another_type(root), label="new root")
    parent, last = get(root, path[:-1]), path[-1]
    if kind == "delete":
        del parent[last]
    elif kind == "replace":
        parent[last] = data.draw(value_of_another_type(parent[last]), label="value")
    elif kind == "same_type" and type(parent[last]) in SCALARS:
        # Keeps the shape valid, so the semantic checks see the new value.
        parent[last] = data.draw(SCALARS[type(parent[last])], label="value")
    elif kind == "move":
        # Another part of the schema where this one was: right type, wrong place.
        source = data.draw(st.sampled_from(paths), label="from")
        parent[last] = copy.deepcopy(get(root, source))
    elif kind == "rename" and isinstance(parent, dict):
        new_key = data.draw(SCALARS[str], label="new key")
        parent[new_key] = parent.pop(last)
    elif kind == "add" and isinstance(parent, dict):
        new_key = data.draw(SCALARS[str], label="new key")
        parent[new_key] = data.draw(ANY_VALUE, label="new value")
    elif kind == "add" and isinstance(parent, list):
        parent.append(data.draw(ANY_VALUE, label="new item"))
    return root


# -- text mutations ---------------------------------------------------------------


def mutate_text(data: st.DataObject, text: str) -> str:
    """Apply one textual mutation to ``text``."""
    kind = data.draw(
        st.sampled_from(
            ["insert", "truncate", "duplicate_line", "delete_line", "replace_char"]
        ),
        label="text mutation",
    )
    offset = data.draw(st.integers(0, len(text)), label="offset")
    if kind == "insert":
        garbage = data.draw(
            st.one_of(st.text(YAML_CHARS, min_size=1, max_size=5), st.text(max_size=5)),
            label="garbage",
        )
        return text[:offset] + garbage + text[offset:]
    if kind == "truncate":
        return text[:offset]
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    if kind == "duplicate_line":
        # A repeated `key: value` line is a duplicate mapping key.
        return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if kind == "delete_line":
        return "".join(lines[:i] + lines[i + 1 :])
    if offset == len(text):
        return text
    char = data.draw(st.sampled_from(YAML_CHARS), label="char")
    return text[:offset] + char + text[offset + 1 :]


# -- the properties ---------------------------------------------------------------


def test_the_unmutated_schema_loads() -> None:
    load_module(ROOT / "schemas" / "shop.yaml")


@FUZZ
@given(st.data())
def test_text_mutations_of_the_example(data: st.DataObject) -> None:
    text = SHOP_TEXT
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        text = mutate_text(data, text)
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.data())
def test_structure_mutations_of_the_example(data: st.DataObject) -> None:
    root = copy.deepcopy(SHOP)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        root = mutate_structure(data, root)
    text = yaml.safe_dump(root, allow_unicode=True, sort_keys=False)
    if data.draw(st.booleans(), label="then mutate the text"):
        text = mutate_text(data, text)
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(st.binary(max_size=40))
def test_bytes_inserted_into_the_example(garbage: bytes) -> None:
    raw = SHOP_TEXT.encode("utf-8")
    middle = len(raw) // 2
    check(raw[:middle] + garbage + raw[middle:])


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(st.text(YAML_CHARS, max_size=120))
def test_yaml_like_text(text: str) -> None:
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["dyngen", "table", "entities", "collections", "lint"]),
        ANY_VALUE,
    )
)
def test_arbitrary_top_level_structures(root: dict[str, Any]) -> None:
    check(yaml.safe_dump(root, allow_unicode=True).encode("utf-8", "surrogatepass"))
