"""Terraform's JSON syntax (`*.tf.json`) and JSON variable files (`*.tfvars.json`).

Both become the same `syntax` objects as HCL, with the line of every key, so the resolver
and the reports cannot tell which syntax a value was written in. In `.tf.json` a string
is a template: `"${var.model_id}"` is an expression.
"""

from __future__ import annotations

from ..jsonpos import LoadError, Node, load_json
from ..model import Mark
from .parse import HclSyntaxError, check_depth, hcl_budget, string_expr
from .syntax import Attribute, Block, ConfigFile, Expr, ListX, Lit, MapX

# Resolving a resource costs the same whatever its syntax: past about 20,000 resources a
# file takes seconds and hundreds of MB (10 MB of generated JSON: 17 s and 320 MB).
MAX_JSON_CHARS = 2 * 1024 * 1024
_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1, "locals": 0}


def _root(text: str) -> dict[str, Node]:
    if len(text) > MAX_JSON_CHARS:
        raise HclSyntaxError(f"file has {len(text) // 1024} K characters: Terraform JSON files over"
                             f" {MAX_JSON_CHARS // 1024} K are not read (about 20,000 resources, 4 s to resolve)",
                             refused=True)
    try:
        root = load_json(text.lstrip("\ufeff"))
    except LoadError as exc:  # the loader reports it as a JSON syntax error already
        raise HclSyntaxError(exc.message.removeprefix("JSON syntax error: "), exc.line or 1, exc.column) from None
    if not isinstance(root.value, dict):
        raise HclSyntaxError("the file must hold a JSON object")
    return root.value


def parse_tfvars_json(text: str, path: str) -> ConfigFile:
    return ConfigFile(path, (), _attributes(_root(text), literal=True))


def parse_tf_json(text: str, path: str) -> ConfigFile:
    blocks: list[Block] = []
    with hcl_budget():  # the `${...}` in its strings go to the HCL parser
        for block_type, node in _root(text).items():
            depth = _LABELS.get(block_type)
            if depth is not None:
                blocks.extend(_blocks(block_type, node, depth, ()))
    config = ConfigFile(path, tuple(blocks))
    check_depth(config)
    return config


def _bodies(node: Node) -> list[Node]:
    # A block may be written once as an object or several times as an array of objects.
    if isinstance(node.value, list):
        return [n for n in node.value if isinstance(n.value, dict)]
    return [node] if isinstance(node.value, dict) else []


def _blocks(block_type: str, node: Node, depth: int, labels: tuple[str, ...]) -> list[Block]:
    out: list[Block] = []
    for body in _bodies(node):
        assert isinstance(body.value, dict)
        if depth == 0:
            line = body.key_line or body.line
            out.append(Block(block_type, labels, line, body.end_line, _attributes(body.value), ()))
            continue
        for label, child in body.value.items():
            out.extend(_blocks(block_type, child, depth - 1, (*labels, label)))
    return out


def _attributes(body: dict[str, Node], literal: bool = False) -> tuple[Attribute, ...]:
    return tuple(
        Attribute(name, _expr(node, literal), node.key_line or node.line, node.key_column or node.column)
        for name, node in body.items()
        if name != "//"
    )


def _expr(node: Node, literal: bool) -> Expr:
    line = node.line
    if isinstance(node.value, dict):
        kept = [(k, v) for k, v in node.value.items() if k != "//"]
        return MapX(tuple((k, _expr(v, literal)) for k, v in kept), line,
                    tuple(Mark(0, v.key_line or v.line, v.key_column or None) for _, v in kept))
    if isinstance(node.value, list):
        return ListX(tuple(_expr(v, literal) for v in node.value), line,
                     tuple(Mark(0, v.line, v.column) for v in node.value))
    if node.value is None:
        return Lit(None, line)
    # Numbers and booleans arrive as their text, which is how they print in a string anyway.
    return Lit(node.value, line, node.marks) if literal else string_expr(node.value, line, node.marks)
