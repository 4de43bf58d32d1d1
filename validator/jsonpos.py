"""JSON with positions: every value knows its line and column, duplicate keys are errors.

The json module gives no positions and silently keeps the last of two equal keys; reports
must point at lines, and a duplicated key can hide a model. Scalars stay as written
(numbers and booleans as text, null as None), so no value changes on the way. A caller that
reads on past a duplicate key (as CloudFormation does) collects them as `Duplicate`s.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Union

from .model import Mark

# Far deeper than any real document; keeps every later recursive walk inside Python's limit.
MAX_DEPTH = 200
MAX_NODES = 2_000_000

Value = Union[str, None, "dict[str, Node]", "list[Node]"]


@dataclass(frozen=True, slots=True)
class Node:
    """One value of the template and where it is written (1-based lines and columns).

    `text_line` is where a scalar's text begins: the line after a `|`/`>` block indicator.
    `key_line`/`key_column` locate the mapping key a value sits under (0 when none).
    `marks` say where each part of a string's text is written (see `model.Mark`): escapes
    such as `\\n` and `\\u2028` shift columns, never lines.
    """

    value: Value
    line: int
    column: int
    end_line: int
    text_line: int
    key_line: int = 0
    key_column: int = 0
    marks: tuple[Mark, ...] = ()

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A mapping key given again at `line`/`column`: the value read is the last one, as in
    SAM CLI and CloudFormation's JSON parsing; `lost` is the value it replaced."""

    key: str
    line: int
    column: int
    first_line: int
    lost: Node

    @property
    def message(self) -> str:
        return (f"duplicate key '{self.key}' (first at line {self.first_line}): the value given last is read,"
                f" the one at line {self.lost.key_line or self.lost.line} is not deployed")


class LoadError(Exception):
    """The text is not a loadable template; `line`/`column` are 1-based, None when unknown."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": "true", "false": "false", "null": None}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def load_json(text: str, duplicates: list[Duplicate] | None = None) -> Node:
    """The document; a duplicate key is a LoadError, or appended to `duplicates` when given
    (the last value then wins)."""
    return _JsonDecoder(text, duplicates).document()


class _JsonDecoder:
    def __init__(self, text: str, duplicates: list[Duplicate] | None = None) -> None:
        self.text = text
        self.duplicates = duplicates
        self.count = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def fail(self, message: str, index: int) -> LoadError:
        line, column = self.position(min(index, len(self.text)))
        return LoadError(f"JSON syntax error: {message}", line, column)

    def skip(self, index: int) -> int:
        return _WS.match(self.text, index).end()  # type: ignore[union-attr]

    def document(self) -> Node:
        index = self.skip(0)
        node, index = self.value(index, 0)
        index = self.skip(index)
        if index != len(self.text):
            raise self.fail("extra data after the document", index)
        return node

    def value(self, index: int, depth: int, key: tuple[int, int] = (0, 0)) -> tuple[Node, int]:
        line, column = self.position(index)
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", line, column)
        self.count += 1
        if self.count > MAX_NODES:
            raise LoadError(f"more than {MAX_NODES} values", line, column)
        char = self.text[index : index + 1]
        if char == "{":
            return self.obj(index, depth, key)
        if char == "[":
            return self.array(index, depth, key)
        if char == '"':
            text, end = self.string(index)
            marks = string_marks(self.text, index + 1, end - 1, line, column + 1)
            return Node(text, line, column, line, line, *key, marks), end
        match = _NUMBER.match(self.text, index)
        if match:
            return Node(match.group(), line, column, line, line, *key), match.end()
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, index):
                return Node(literal, line, column, line, line, *key), index + len(word)
        raise self.fail("expected a value" if char else "unexpected end of text", index)

    def string(self, index: int) -> tuple[str, int]:
        try:
            text, end = json.decoder.scanstring(self.text, index + 1, True)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            # "Unterminated string starting at": the position is the error's line and column.
            raise self.fail(exc.msg.lower().removesuffix(" starting at"), exc.pos) from None
        if not text.isascii():
            # `"\ud800"` decodes to a lone surrogate, which no output can encode: every
            # report, even the fingerprint of a finding, would fail on it.
            text = _LONE_SURROGATE.sub("\ufffd", text)
        return text, end

    def obj(self, index: int, depth: int, key: tuple[int, int]) -> tuple[Node, int]:
        line, column = self.position(index)
        result: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        index = self.skip(index + 1)
        if self.text.startswith("}", index):
            return Node(result, line, column, self.position(index)[0], line, *key), index + 1
        while True:
            if not self.text.startswith('"', index):
                raise self.fail("expected a property name in double quotes", index)
            key_pos = self.position(index)
            name, index = self.string(index)
            if name in first_line and self.duplicates is None:
                raise LoadError(
                    f"duplicate key '{name}' (first at line {first_line[name]})", *key_pos
                )
            first_line.setdefault(name, key_pos[0])
            index = self.skip(index)
            if not self.text.startswith(":", index):
                raise self.fail("expected ':' after a property name", index)
            child, index = self.value(self.skip(index + 1), depth + 1, key_pos)
            if name in result and self.duplicates is not None:
                self.duplicates.append(Duplicate(name, *key_pos, first_line[name], result[name]))
            result[name] = child
            index = self.skip(index)
            if self.text.startswith(",", index):
                index = self.skip(index + 1)
                continue
            if self.text.startswith("}", index):
                return Node(result, line, column, self.position(index)[0], line, *key), index + 1
            raise self.fail("expected ',' or '}'", index)

    def array(self, index: int, depth: int, key: tuple[int, int]) -> tuple[Node, int]:
        line, column = self.position(index)
        items: list[Node] = []
        index = self.skip(index + 1)
        if self.text.startswith("]", index):
            return Node(items, line, column, self.position(index)[0], line, *key), index + 1
        while True:
            child, index = self.value(index, depth + 1)
            items.append(child)
            index = self.skip(index)
            if self.text.startswith(",", index):
                index = self.skip(index + 1)
                continue
            if self.text.startswith("]", index):
                return Node(items, line, column, self.position(index)[0], line, *key), index + 1
            raise self.fail("expected ',' or ']'", index)


_ESCAPE_LENGTHS = {"u": 6, "x": 4, "U": 10}


def string_marks(raw: str, start: int, end: int, line: int, column: int) -> tuple[Mark, ...]:
    """Marks for a one-line quoted string whose text is `raw[start:end]` before decoding.

    Each escape (`\\n`, `\\"`, `\\u2028`, a surrogate pair, YAML's `\\x41`) decodes to one
    character: after it, the decoded text is that many columns behind the raw text.
    """
    found = raw.find("\\", start, end)
    if found < 0:
        return (Mark(0, line, column),)
    marks = [Mark(0, line, column)]
    decoded, position = 0, start
    while found >= 0:
        decoded += found - position
        length = _ESCAPE_LENGTHS.get(raw[found + 1 : found + 2], 2)
        if length == 6 and raw.startswith("\\u", found + 6) and 0xD800 <= _hex(raw, found + 2) < 0xDC00:
            length = 12  # a surrogate pair is one character
        position = found + length
        decoded += 1
        marks.append(Mark(decoded, line, column + position - start))
        found = raw.find("\\", position, end)
    return tuple(marks)


def _hex(raw: str, start: int) -> int:
    try:
        return int(raw[start : start + 4], 16)
    except ValueError:
        return -1
