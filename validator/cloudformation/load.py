"""Load a CloudFormation template (YAML or JSON) into a tree of `Node`s that know their lines.

Stock loaders lose positions, silently keep the last of two duplicate keys and turn
`2025-06-30` or `1:0` into dates and numbers. Here every scalar stays the text as written
(only an implicit YAML null becomes None), duplicate keys are an error (or, for a caller
that reads on as CloudFormation does, a `Duplicate` it collects), short-form tags
(`!Ref`, `!Sub`, ...) become their long form, and YAML aliases are expanded within a budget
so an alias bomb fails fast instead of exhausting memory later.
"""

from __future__ import annotations

import bisect
import re

import yaml

from ..jsonpos import MAX_DEPTH, MAX_NODES, Duplicate, LoadError, Node, Value, load_json, string_marks
from ..model import Mark, line_breaks
from .folding import folded_marks

# libyaml does the scanning, parsing and composing in C when it is present.
_YamlLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

# Nodes, and characters of text, that aliases may add by copying what they point at; a
# real template needs few.
ALIAS_BUDGET = 100_000
ALIAS_TEXT_BUDGET = 1024 * 1024

_YAML_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# Short-form tags whose long form is not `Fn::<Name>`.
_PLAIN_TAGS = frozenset({"Ref", "Condition"})
_FN_TAGS = frozenset(
    {
        "Base64", "Cidr", "FindInMap", "ForEach", "GetAtt", "GetAZs", "ImportValue", "Join",
        "Length", "Select", "Split", "Sub", "ToJsonString", "Transform", "If", "Equals",
        "And", "Or", "Not",
    }
)
_ALIAS = re.compile(r"\*[^\s,\[\]{}]+")

def load(text: str, prefer_json: bool, duplicates: list[Duplicate] | None = None) -> Node:
    """Load YAML or JSON; JSON first when the caller expects it (it gives better errors).

    A duplicate key is a LoadError, or appended to `duplicates` when given (see `Duplicate`)."""
    if prefer_json:
        found: list[Duplicate] | None = None if duplicates is None else []
        try:
            root = load_json(text, found)
        except LoadError as json_error:
            try:
                return load_yaml(text, duplicates)
            except LoadError:
                raise json_error from None
        if duplicates is not None and found:
            duplicates.extend(found)
        return root
    return load_yaml(text, duplicates)


# ---------------------------------------------------------------------------------------
# YAML


def load_yaml(text: str, duplicates: list[Duplicate] | None = None) -> Node:
    loader = _YamlLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        parts = [p for p in (exc.context, exc.problem) if p]
        message = "YAML syntax error: " + (", ".join(parts) or "invalid YAML")
        raise LoadError(
            " ".join(message.split()),
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise LoadError("YAML error: " + " ".join(str(exc).split())) from None
    except RecursionError:
        raise LoadError("YAML nesting is too deep") from None
    finally:
        loader.dispose()
    if root is None:
        raise LoadError("empty document", 1, 1)
    aliases_possible = "&" in text  # no anchor, no alias
    if aliases_possible:
        _check_aliases(root)
    return _YamlConverter(text, aliases_possible, duplicates).convert(root)


def _check_aliases(root: yaml.Node) -> None:
    """Refuse, before building anything, a document whose aliases expand too far.

    The composed graph shares one node per anchor, so sizes are counted once per node:
    a billion-laughs file is measured in microseconds instead of expanded. Text counts
    too: a long string repeated through aliases would be searched for models each time.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id -> (values, characters) once expanded
    distinct, distinct_chars = 0, 0
    first_alias: yaml.Node | None = None
    # Iterative post-order walk: (node, children done?).
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            children = [sizes[id(c)] for c in _children(node)]
            sizes[ident] = (1 + sum(v for v, _ in children), _text_size(node) + sum(c for _, c in children))
            continue
        if ident in sizes:
            if sizes[ident][0] < 0:
                mark = node.start_mark
                raise LoadError("recursive YAML alias", mark.line + 1, mark.column + 1)
            first_alias = first_alias or node
            continue
        distinct, distinct_chars = distinct + 1, distinct_chars + _text_size(node)
        sizes[ident] = (-1, 0)  # in progress
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(_children(node)))
    values, chars = sizes[id(root)]
    if first_alias is None:
        return
    mark = first_alias.start_mark
    if values - distinct > ALIAS_BUDGET:
        raise LoadError(f"YAML aliases expand to more than {ALIAS_BUDGET} values (alias bomb?)",
                        mark.line + 1, mark.column + 1)
    if chars - distinct_chars > ALIAS_TEXT_BUDGET:
        raise LoadError(f"YAML aliases repeat more than {ALIAS_TEXT_BUDGET // 1024} KB of text (alias bomb?)",
                        mark.line + 1, mark.column + 1)


def _text_size(node: yaml.Node) -> int:
    return len(node.value) if isinstance(node, yaml.ScalarNode) else 0


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _end_line(mark: yaml.Mark) -> int:
    # An end mark sits just after the value: at column 0 of the next line when the value
    # ended with a line break (block scalars), so the value's last line is the one before.
    return mark.line if mark.column == 0 and mark.line > 0 else mark.line + 1


class _YamlConverter:
    """Turns composed PyYAML nodes into `Node`s, counting nodes and expanding aliases."""

    def __init__(self, text: str, aliases_possible: bool = True, duplicates: list[Duplicate] | None = None) -> None:
        self.text = text
        self.duplicates = duplicates
        self.line_starts: list[int] = []
        self.count = 0
        self.alias_nodes = 0
        # Alias bookkeeping is only needed when the text has an anchor (`&`) at all.
        self.aliases_possible = aliases_possible
        self.seen: set[int] = set()  # composed nodes already converted: a revisit is an alias
        self.active: set[int] = set()  # nodes being converted: a revisit is a cycle

    def convert(
        self, node: yaml.Node, depth: int = 0, key: yaml.Node | None = None, via_alias: bool = False,
        site: tuple[int, int] | None = None, after: int = 0,
    ) -> Node:
        """`site` is the alias this node is reached through: every copy is reported there,
        never at its anchor. `after` is where in the text an alias to this node may start."""
        start = node.start_mark
        line, column = start.line + 1, start.column + 1
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", line, column)
        self.count += 1
        if self.count > MAX_NODES:
            raise LoadError(f"more than {MAX_NODES} values", line, column)
        if self.aliases_possible:
            reached = via_alias
            via_alias = self._track(node, line, column, via_alias)
            if via_alias and not reached:
                site = self._alias_site(after)
        converted = self._convert(node, depth, key, via_alias, site)
        if site is None:
            return converted
        return _at_site(converted, site, keep_key=key is not None and (line, column) != site)

    def _alias_site(self, after: int) -> tuple[int, int] | None:
        """Line and column of the first alias (`*name`) in the text from `after` on."""
        found = _ALIAS.search(self.text, after)
        if found is None:
            return None
        starts = self._line_starts()
        line = bisect.bisect_right(starts, found.start())
        return line, found.start() - starts[line - 1] + 1

    def _line_starts(self) -> list[int]:
        if not self.line_starts:
            self.line_starts = [0] + [m.end() for m in line_breaks("yaml").finditer(self.text)]
        return self.line_starts

    def _convert(self, node: yaml.Node, depth: int, key: yaml.Node | None, via_alias: bool,
                 site: tuple[int, int] | None) -> Node:
        start = node.start_mark
        line, column = start.line + 1, start.column + 1
        key_line = key.start_mark.line + 1 if key is not None else 0
        key_column = key.start_mark.column + 1 if key is not None else 0
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self._short_form(node, tag[1:], depth, key_line, key_column, via_alias, site)
        if isinstance(node, yaml.ScalarNode):
            value: Value = node.value
            style = node.style
            if not style and value in _YAML_NULLS and tag.endswith(":str"):
                value = None
            text_line = line + 1 if style in ("|", ">") else line
            marks = self._marks(node, text_line) if isinstance(value, str) else ()
            return Node(value, line, column, _end_line(node.end_mark), text_line, key_line,
                        key_column, marks)
        ident = id(node)
        self.active.add(ident)
        try:
            if isinstance(node, yaml.SequenceNode):
                items = self._sequence(node, depth, via_alias, site)
                value, end = items, _collection_end(node, items)
            else:
                value, end = self._mapping(node, depth, via_alias, site)
        finally:
            self.active.discard(ident)
        return Node(value, line, column, end, line, key_line, key_column)

    def _track(self, node: yaml.Node, line: int, column: int, via_alias: bool) -> bool:
        """Whether `node` is reached through an alias; refuses cycles and alias bombs."""
        ident = id(node)
        if ident in self.active:
            raise LoadError("recursive YAML alias", line, column)
        if ident in self.seen:
            via_alias = True
        self.seen.add(ident)
        if via_alias:
            self.alias_nodes += 1
            if self.alias_nodes > ALIAS_BUDGET:
                raise LoadError(
                    f"YAML aliases expand to more than {ALIAS_BUDGET} values (alias bomb?)",
                    line, column,
                )
        return via_alias

    def _sequence(self, node: yaml.SequenceNode, depth: int, via_alias: bool,
                  site: tuple[int, int] | None) -> list[Node]:
        items = []
        after = node.start_mark.index
        for item in node.value:
            converted = self.convert(item, depth + 1, via_alias=via_alias, site=site, after=after)
            # An alias item ends where its `*name` does, not where its anchor's value does.
            after = max(after + 1, item.end_mark.index if item.start_mark.index >= after else after + 1)
            items.append(converted)
        return items

    def _marks(self, node: yaml.ScalarNode, text_line: int) -> tuple[Mark, ...]:
        """Where each part of a scalar's text is written (see `model.Mark`)."""
        start, end = node.start_mark, node.end_mark
        line = start.line + 1
        style = node.style
        if style == "|":
            return self._literal_marks(node.value, start.index, text_line)
        if start.line != end.line:
            marks = folded_marks(node.value, self.text, start.index, end.index, style, self._line_starts())
            # Where the walk cannot follow the folding: newlines are blank lines of the file,
            # so lines are approximate.
            return marks or (Mark(0, text_line if style == ">" else line, None, True),)
        # The start mark includes an anchor or tag (`&model anthropic...`); the text ends
        # at the end mark.
        opening = self.text.find(style, start.index, end.index) if style else -1
        if opening < 0:  # plain text (a tagged plain scalar is copied as quoted: see _untagged)
            return (Mark(0, line, end.column + 1 - len(node.value)),)
        column = start.column + opening - start.index + 2
        if style == '"':
            return string_marks(self.text, opening + 1, end.index - 1, line, column)
        return _single_quoted_marks(node.value, line, column)

    def _literal_marks(self, value: str, start: int, text_line: int) -> tuple[Mark, ...]:
        """A `|` block: each line of the text is a line of the file, after the indentation."""
        breaks = line_breaks("yaml")
        header = breaks.search(self.text, start)
        body = self.text[header.end() :] if header else ""
        indent = next((len(raw) - len(raw.lstrip(" ")) for raw in breaks.split(body, 50) if raw.strip()), 0)
        marks, offset = [], 0
        # PyYAML keeps U+2028 and U+2029 in the text and makes the other breaks `\n`: one
        # character each either way.
        for number, piece in enumerate(breaks.split(value)):
            marks.append(Mark(offset, text_line + number, indent + 1))
            offset += len(piece) + 1
        return tuple(marks)

    def _mapping(self, node: yaml.MappingNode, depth: int, via_alias: bool,
                 site: tuple[int, int] | None) -> tuple[Value, int]:
        result: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise LoadError("mapping keys must be plain strings", kline, kcol)
            name = key_node.value
            if name == "<<" and not key_node.style:
                # Merge keys (SAM CLI accepts them): explicit keys below still win.
                merged.extend(self._merge_sources(value_node, depth, via_alias, site, key_node.end_mark.index))
                continue
            if name in first_line and self.duplicates is None:
                raise LoadError(
                    f"duplicate key '{name}' (first at line {first_line[name]})", kline, kcol
                )
            first_line.setdefault(name, kline)
            converted = self.convert(value_node, depth + 1, key_node, via_alias, site, key_node.end_mark.index)
            if name in result and self.duplicates is not None and not via_alias:  # an alias copy: once, at its anchor
                self.duplicates.append(Duplicate(name, kline, kcol, first_line[name], result[name]))
            result[name] = converted
        for source in merged:
            for name, child in source.value.items():  # type: ignore[union-attr]
                result.setdefault(name, child)
        return result, _collection_end(node, list(result.values()))

    def _merge_sources(self, node: yaml.Node, depth: int, via_alias: bool, site: tuple[int, int] | None,
                       after: int) -> list[Node]:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.SequenceNode):
            converted = self._sequence(node, depth, via_alias, site)
        else:
            converted = [self.convert(node, depth + 1, via_alias=via_alias, site=site, after=after)]
        if not all(c.is_map for c in converted):
            raise LoadError("a YAML merge key (<<) needs a mapping", line, column)
        return converted

    def _short_form(
        self, node: yaml.Node, name: str, depth: int, key_line: int, key_column: int,
        via_alias: bool, site: tuple[int, int] | None,
    ) -> Node:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if name in _PLAIN_TAGS:
            long_name = name
        elif name in _FN_TAGS:
            long_name = "Fn::" + name
        else:
            raise LoadError(f"unknown tag !{name}", line, column)
        # Convert the tagged node as if it had no tag, then wrap it: `!Ref X` is {Ref: X}.
        node_copy = _untagged(node)
        inner = self.convert(node_copy, depth + 1, via_alias=via_alias, site=site)
        self.seen.discard(id(node_copy))  # a temporary: its id may be reused later
        if long_name == "Fn::GetAtt" and isinstance(inner.value, str):
            # `!GetAtt Res.Attr.Sub` names resource `Res` and attribute `Attr.Sub`.
            resource, _, attribute = inner.value.partition(".")
            inner = Node(
                [_scalar_like(inner, resource), _scalar_like(inner, attribute)],
                inner.line, inner.column, inner.end_line, inner.text_line,
            )
        inner = Node(
            inner.value, inner.line, inner.column, inner.end_line, inner.text_line, line, column, inner.marks
        )
        return Node(
            {long_name: inner}, line, column, inner.end_line, inner.text_line, key_line, key_column
        )


def _at_site(node: Node, site: tuple[int, int], keep_key: bool) -> Node:
    """A copy reached through an alias, placed at the alias."""
    line, column = site
    marks = (Mark(0, line, column),) if isinstance(node.value, str) else ()
    key_line, key_column = (node.key_line, node.key_column) if keep_key else (line, column)
    return Node(node.value, line, column, line, line, key_line, key_column, marks)


def _single_quoted_marks(value: str, line: int, column: int) -> tuple[Mark, ...]:
    """`'it''s'`: each doubled quote is one character of the text."""
    marks = [Mark(0, line, column)]
    found = value.find("'")
    while found >= 0:
        marks.append(Mark(found + 1, line, column + found + 1 + len(marks)))
        found = value.find("'", found + 1)
    return tuple(marks)


def _untagged(node: yaml.Node) -> yaml.Node:
    if isinstance(node, yaml.ScalarNode):
        # A tagged scalar is never null: `!Ref ""` is an empty name, not None.
        copy = yaml.ScalarNode(
            "tag:yaml.org,2002:str", node.value, node.start_mark, node.end_mark,
            node.style or "'",
        )
        return copy
    cls = type(node)
    return cls(
        "tag:yaml.org,2002:seq" if isinstance(node, yaml.SequenceNode) else "tag:yaml.org,2002:map",
        node.value, node.start_mark, node.end_mark, node.flow_style,
    )


def _scalar_like(node: Node, text: str) -> Node:
    return Node(text, node.line, node.column, node.end_line, node.text_line)


def _collection_end(node: yaml.Node, children: list[Node]) -> int:
    # A block collection's end mark lies at the next token, possibly past comments and
    # blank lines, so its last line is its last child's; a flow one ends at its bracket.
    last = max((c.end_line for c in children), default=node.start_mark.line + 1)
    if getattr(node, "flow_style", False):
        last = max(last, node.end_mark.line + 1)
    return last
