"""The regions of a Terraform file, for the accounting stage: which lines hold which
attribute or block, and which of them deploy nothing (descriptions, tags, outputs, a
variable's description or validation, a default nothing uses)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..model import Region
from .syntax import Attribute, Block, ConfigFile

# Text in these attributes is read by people, never by Bedrock.
QUIET_ATTRIBUTES = {"description": "description", "tags": "tags", "tags_all": "tags"}
_VARIABLE = {
    "description": "variable description",
    "default": "variable default that no resource uses (overridden, or the variable is not used)",
}
_BLOCKS = {"output": "output", "validation": "variable validation"}
_TFVARS = "tfvars value that no resource uses"
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
