"""The regions of a Terraform file, for the accounting stage: which lines hold which
attribute or block, and which of them deploy nothing (descriptions, tags, outputs, a
variable's description or validation, a default nothing uses)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..model import Region
from ..modelid import find_models
from .override import is_override, merge_overrides
from .syntax import Attribute, Block, ConfigFile, Expr, ListX, Lit, MapX

# Text in these attributes is read by people, never by Bedrock.
QUIET_ATTRIBUTES = {"description": "description", "tags": "tags", "tags_all": "tags"}
_VARIABLE = {
    "description": "variable description",
    "default": "variable default that no resource uses (overridden, or the variable is not used)",
}
_BLOCKS = {"output": "output", "validation": "variable validation"}
_TFVARS = "tfvars value that no resource uses"
_OVERRIDDEN = "replaced by an override file"
_MAP_KEY = "map key: it selects an entry (a dimension, a price), it deploys nothing"
_END = 10**9


def config_regions(config: ConfigFile, tfvars: bool) -> tuple[Region, ...]:
    """Regions of one parsed `.tf`, `.tf.json` or tfvars file."""
    if tfvars:
        return tuple(_attribute_regions(config.attributes, (), _END, "", _TFVARS))
    return tuple(r for block in config.blocks for r in _block_regions(block, ""))


def _block_regions(block: Block, parent: str) -> Iterator[Region]:
    label = _label(block, parent)
    yield Region(block.line, block.end_line, _BLOCKS.get(block.type), label)
    if block.type == "variable":
        names = _VARIABLE
    elif block.type in ("locals", "terraform"):
        names = {}
    else:
        names = QUIET_ATTRIBUTES
    yield from _attribute_regions(block.attributes, block.blocks, block.end_line - 1, label, None, names)
    for attr in block.attributes:
        yield from _key_regions(attr.expr, f"{label}.{attr.name}", 0)
    for child in block.blocks:
        yield from _block_regions(child, label)


def _attribute_regions(attributes: Sequence[Attribute], blocks: Sequence[Block], end: int, label: str,
                       every: str | None, names: dict[str, str] | None = None) -> Iterator[Region]:
    """An attribute runs to the line before whatever comes next in its block."""
    starts = sorted({a.line for a in attributes} | {b.line for b in blocks})
    for attr in attributes:
        following = next((s for s in starts if s > attr.line), None)
        last = max(attr.line, following - 1 if following is not None else end)
        reason = every or (names or {}).get(attr.name)
        yield Region(attr.line, last, reason, f"{label}.{attr.name}" if label else attr.name)


def _key_regions(node: Expr, label: str, depth: int) -> Iterator[Region]:
    """The lines of map keys that name a model, in a map whose values are not models
    (`{ "amazon.titan-embed-text-v2:0" = 1024 }`). A key written on its value's line; a
    key that `keys()` turns into a value is accounted by that value's origin first."""
    if depth > 16:
        return
    items = node.items if isinstance(node, MapX) else ((None, i) for i in node.items) if isinstance(node, ListX) else ()
    for key, value in items:
        if key is not None and find_models(key) and not (isinstance(value, Lit) and find_models(str(value.value))):
            yield Region(value.line, value.line, _MAP_KEY, label)
        yield from _key_regions(value, label, depth + 1)


def _label(block: Block, parent: str) -> str:
    if not parent:
        if block.type == "resource":
            return ".".join(block.labels)
        if block.type == "data":
            return ".".join(("data", *block.labels))
        if block.type == "variable":
            return ".".join(("var", *block.labels))
        return ".".join((block.type, *block.labels))
    return ".".join((parent, block.type, *block.labels))


def override_regions(configs: Sequence[ConfigFile]) -> dict[str, tuple[Region, ...]]:
    """The attributes and nested blocks an override file replaces, by file: text that is no
    longer a use."""
    kept: set[tuple[str, int]] = set()
    for merged in merge_overrides(configs):
        for block in merged.blocks:
            kept.update(_written(block, merged.path))
    out: dict[str, tuple[Region, ...]] = {}
    for config in configs:
        if is_override(config.path):
            continue
        replaced = tuple(Region(region.start, region.end, _OVERRIDDEN, region.label)
                         for block in config.blocks for region in _block_regions(block, "")
                         if region.start != block.line and (config.path, region.start) not in kept)
        if replaced:
            out[config.path] = replaced
    return out


def _written(block: Block, path: str) -> Iterator[tuple[str, int]]:
    """(file, line) of every attribute and nested block of a merged block."""
    for attr in block.attributes:
        yield (attr.file or path, attr.line)
    for child in block.blocks:
        yield (path, child.line)
        yield from _written(child, path)
