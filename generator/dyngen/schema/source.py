"""Reading a schema file into plain data plus a map of source positions.

PyYAML's composer keeps every node's position; this module walks the node tree
once, builds plain Python values (dicts, lists, str, int, float, bool, None) and
records where each value and each mapping key was written, so every later
diagnostic can point at ``file:line:col``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from dyngen.diagnostics import START, Diagnostic, Position

Path = tuple[str | int, ...]

# A schema is a few hundred nodes; this bound stops alias bombs early.
MAX_NODES = 200_000
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:null",
    _BOOL_TAG,
}


class _SchemaLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit timestamps.

    YAML 1.1 reads ``on``, ``off``, ``yes`` and ``no`` as booleans, which would
    turn enum values like ``[on, off]`` into ``[True, False]``; dates stay text
    so the schema's own types decide what they mean. An alias to a collection
    that is still being read (a recursive document) is refused at the alias.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open: list[int] = []  # ids of the collections being composed

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._open.append(id(parent))
        try:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                node = self.anchors.get(event.anchor)
                if node is not None and id(node) in self._open:
                    raise yaml.composer.ComposerError(
                        None, None, f"recursive alias *{event.anchor}", event.start_mark
                    )
            return super().compose_node(parent, index)
        finally:
            self._open.pop()


_SchemaLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SchemaLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.CSafeLoader):
        """libyaml's parser with the same resolvers; about 10x faster.

        It cannot say where a recursive alias is written, so documents with
        recursion are read again with :class:`_SchemaLoader`, which can.
        """

    _FastLoader.yaml_implicit_resolvers = _SchemaLoader.yaml_implicit_resolvers
    _LOADER: type[Any] = _FastLoader
else:  # pragma: no cover - PyYAML without libyaml
    _LOADER = _SchemaLoader


class _Recursive(Exception):
    """The fast loader composed a document whose aliases recurse."""


@dataclass
class SourceMap:
    """Where each value (``values``) and mapping key (``keys``) was written."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    def value(self, path: Path) -> Position:
        """Position of the value at ``path``, or of its nearest written ancestor."""
        return self._nearest(self.values, path)

    def key(self, path: Path) -> Position:
        """Position of the key that introduces ``path`` (falls back to the value)."""
        if path in self.keys:
            return self.keys[path]
        return self.value(path)

    @staticmethod
    def _nearest(table: dict[Path, Position], path: Path) -> Position:
        for end in range(len(path), -1, -1):
            found = table.get(path[:end])
            if found is not None:
                return found
        return START


@dataclass
class Source:
    """A schema file read as plain data with positions."""

    path: str
    data: Any
    positions: SourceMap


class SourceError(Exception):
    """The file is not a readable YAML document."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def _within(text: str, position: Position) -> Position:
    """Clamp a parser position to the text (libyaml reports end of input one
    line past a file without a final newline)."""
    lines = text.splitlines() or [""]
    if position.line <= len(lines):
        return position
    return Position(len(lines), len(lines[-1]) + 1)


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def read_source(path: str, raw: bytes) -> Source:
    """Parse ``raw`` (the bytes of file ``path``) or raise :class:`SourceError`."""

    def fail(position: Position, message: str) -> SourceError:
        return SourceError(Diagnostic(path, position, "DG001", message))

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        column = len(raw[line_start : error.start].decode("utf-8", "replace")) + 1
        raise fail(Position(line, column), "file is not UTF-8 text") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = _within(text, _position(mark)) if mark is not None else START
        problem = error.problem or error.context or "invalid YAML"
        raise fail(position, f"YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        position = Position(before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1)
        raise fail(position, f"YAML syntax error: {error.reason}") from None
    except yaml.YAMLError as error:
        raise fail(START, f"YAML syntax error: {error}") from None
    if root is None:
        raise fail(START, "empty schema file: expected a mapping with 'dyngen: 1'")
    positions = SourceMap()
    try:
        data = _Builder(path, positions).build(root, ())
    except _Recursive:
        # Only the pure-Python composer knows where the recursive alias is.
        try:
            yaml.compose(text, Loader=_SchemaLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            position = _position(mark) if mark is not None else START
            raise fail(position, f"YAML syntax error: {error.problem}") from None
        raise fail(START, "recursive YAML alias") from None
    return Source(path, data, positions)


class _Builder:
    def __init__(self, path: str, positions: SourceMap) -> None:
        self.path = path
        self.positions = positions
        self.count = 0
        self.active: set[int] = set()
        self.loader = _SchemaLoader("")

    def error(self, node: yaml.Node, message: str) -> SourceError:
        return SourceError(
            Diagnostic(self.path, _position(node.start_mark), "DG001", message)
        )

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(node, f"document too large (over {MAX_NODES} nodes)")
        if id(node) in self.active:
            raise _Recursive
        self.positions.values[path] = _position(node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [
                    self.build(item, (*path, i)) for i, item in enumerate(node.value)
                ]
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        raise self.error(node, "unsupported YAML node")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            raise self.error(node, f"unsupported YAML tag {node.tag}")
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise self.error(node, f"bad scalar: {error}") from None

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        try:
            self.loader.flatten_mapping(node)
        except yaml.YAMLError as error:
            raise self.error(node, f"bad merge key: {error}") from None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                raise self.error(key_node, "mapping keys must be plain text")
            key = self.scalar(key_node)
            if isinstance(key, bool) or key is None:
                raise self.error(
                    key_node, f"mapping key {key_node.value!r} is not text"
                )
            key = str(key)
            if key in result:
                first = self.positions.keys[(*path, key)]
                raise self.error(
                    key_node,
                    f"duplicate key '{key}' (first written at line {first.line})",
                )
            self.positions.keys[(*path, key)] = _position(key_node.start_mark)
            result[key] = self.build(value_node, (*path, key))
        return result
