"""Terraform's configuration as plain data: blocks, attributes and expression trees.

The HCL parser builds these from lark's parse tree, and the `.tf.json` reader from JSON,
so the resolver evaluates one small expression language whatever the file syntax was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Mark

Scalar = str | int | float | bool | None
# The shape of these objects, in the parse cache's key: an entry of another shape is never read.
SHAPE = 3


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal value written at `line`; for text, `marks` say where each part of it is
    written (see `model.Mark`): escapes shift columns, a heredoc's newlines are the file's.
    Without marks, all of the text is on `line`."""

    value: Scalar
    line: int
    marks: tuple[Mark, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Template:
    """A string with interpolations; `parts` are literal text (`Lit`) and expressions in order.

    `body_line` is where the text starts: the line after `<<EOT` for a heredoc. `places`
    says, for each part, where the value of an interpolation is put (() for text).
    """

    parts: tuple[Expr, ...]
    line: int
    body_line: int
    places: tuple[tuple[Mark, ...], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Ref:
    """A static traversal such as `var.model_id`, `local.models["chat"]` or `aws_x.y.arn`."""

    parts: tuple[str | int, ...]
    line: int

    @property
    def text(self) -> str:
        out = str(self.parts[0])
        for p in self.parts[1:]:
            out += f"[{p}]" if isinstance(p, int) else f".{p}"
        return out


@dataclass(frozen=True, slots=True)
class Index:
    """`target[key]` where the key is itself an expression."""

    target: Expr
    key: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Cond:
    test: Expr
    then: Expr
    other: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ListX:
    """A list written in place; `items_at` says where each item is written."""

    items: tuple[Expr, ...]
    line: int
    items_at: tuple[Mark, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class MapX:
    """An object written in place; `keys_at` says where each key is written (a reference
    made of an element is reported there when its value was written elsewhere)."""

    items: tuple[tuple[str, Expr], ...]
    line: int
    keys_at: tuple[Mark, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class ForX:
    """`[for k, v in coll : value if cond]`, or `{for ... : key => value...}` when `key` is set.

    `key_var` is None for the one-variable form; `group` is the `...` of a grouping object.
    """

    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None
    value: Expr
    cond: Expr | None
    group: bool
    line: int


@dataclass(frozen=True, slots=True)
class Splat:
    """`target[*].a.b` or `target.*.a`: `steps` are applied to each element."""

    target: Expr
    steps: tuple[str | int, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Op:
    """An operator: `!`/`-` with one operand, the binary ones (`==`, `&&`, `+`...) with two."""

    op: str
    operands: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression the resolver does not evaluate; `parts` are the expressions inside it,
    so the model text they hold is still seen."""

    text: str
    line: int
    parts: tuple[Expr, ...]


Expr = Lit | Template | Ref | Index | Cond | Call | ListX | MapX | ForX | Splat | Op | Opaque


@dataclass(frozen=True, slots=True)
class Attribute:
    """`file` is set when the attribute was written in another file than its block's: an
    override file's attribute merged into the block it overrides."""

    name: str
    expr: Expr
    line: int
    column: int
    file: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    line: int
    end_line: int
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """One `.tf`, `.tf.json` or tfvars file: `path` as displayed, its top-level content."""

    path: str
    blocks: tuple[Block, ...]
    attributes: tuple[Attribute, ...] = ()


_TYPES: dict[str, type] = {t.__name__: t for t in (Lit, Template, Ref, Index, Cond, Call, ListX, MapX, ForX,
                                                  Splat, Op, Opaque,
                                                  Attribute, Block, ConfigFile, Mark)}


def to_data(value: object) -> object:
    """Plain JSON data for a syntax object: the parse cache stores data, never code."""
    if type(value).__name__ in _TYPES:
        return {"t": type(value).__name__, **{f: to_data(getattr(value, f)) for f in value.__slots__}}  # type: ignore[attr-defined]
    if isinstance(value, tuple):
        return [to_data(v) for v in value]
    return value


def from_data(data: object) -> object:
    """The syntax object `to_data` made; TypeError or KeyError when the data is not one."""
    if isinstance(data, dict):
        kind = _TYPES[data["t"]]
        return kind(**{k: from_data(v) for k, v in data.items() if k != "t"})
    if isinstance(data, list):
        return tuple(from_data(v) for v in data)
    return data
