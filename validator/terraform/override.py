"""Merge override files into a module's other files, as Terraform does.

`override.tf`, `*_override.tf` and their `.tf.json` forms are read last, in name order; each
of their blocks changes the block with the same address: an attribute replaces the one of
that name, a nested block type replaces every nested block of that type (static or
`dynamic`), and each local value replaces the one of that name. The replaced text is no
longer a use; the overriding attribute keeps its own file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from .syntax import Attribute, Block, ConfigFile


def is_override(path: str) -> bool:
    name = PurePosixPath(path).name
    stem = name.removesuffix(".json").removesuffix(".tf") if name.endswith((".tf", ".tf.json")) else None
    return stem is not None and (stem == "override" or stem.endswith("_override"))


def merge_overrides(files: Sequence[ConfigFile]) -> tuple[ConfigFile, ...]:
    """The module's files with every override file merged into the others."""
    primary = [f for f in files if not is_override(f.path)]
    overrides = sorted((f for f in files if is_override(f.path)), key=lambda f: PurePosixPath(f.path).name)
    if not overrides:
        return tuple(files)
    blocks = [[*f.blocks] for f in primary]
    extra: list[Block] = []
    for override in overrides:
        for block in override.blocks:
            if not _apply(blocks, block, override.path):
                # Terraform refuses an override of nothing; its content is kept so no model is lost.
                extra.append(_stamped(block, override.path))
    merged = [replace(f, blocks=tuple(b)) for f, b in zip(primary, blocks, strict=True)]
    if extra:
        merged.append(ConfigFile(overrides[-1].path, tuple(extra)))
    return tuple(merged)


def _apply(files: list[list[Block]], block: Block, path: str) -> bool:
    if block.type == "locals":
        return _apply_locals(files, block, path)
    key = _address(block)
    found = False
    for blocks in files:
        for i, original in enumerate(blocks):
            if original.type != "locals" and _address(original) == key:
                blocks[i] = _merged(original, block, path)
                found = True
    return found


def _apply_locals(files: list[list[Block]], block: Block, path: str) -> bool:
    left = {a.name: a for a in block.attributes}
    for blocks in files:
        for i, original in enumerate(blocks):
            if original.type == "locals":
                ours = [a for a in original.attributes if a.name in left]
                if ours:
                    blocks[i] = _with_attributes(original, [_stamp(left.pop(a.name), path) for a in ours])
    if left:
        files[0].append(replace(block, attributes=tuple(_stamp(a, path) for a in left.values())))
    return True


def _address(block: Block) -> tuple[str, ...]:
    if block.type == "provider":
        alias = block.attribute("alias")
        return (block.type, *block.labels, str(getattr(alias.expr, "value", "")) if alias else "")
    return (block.type, *block.labels)


def _merged(original: Block, override: Block, path: str) -> Block:
    merged = _with_attributes(original, [_stamp(a, path) for a in override.attributes])
    replaced = {_nested_type(b) for b in override.blocks}
    kept = [b for b in merged.blocks if _nested_type(b) not in replaced]
    return replace(merged, blocks=(*kept, *(_stamped(b, path) for b in override.blocks)))


def _with_attributes(block: Block, new: list[Attribute]) -> Block:
    names = {a.name for a in new}
    return replace(block, attributes=(*(a for a in block.attributes if a.name not in names), *new))


def _nested_type(block: Block) -> str:
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _stamp(attribute: Attribute, path: str) -> Attribute:
    return replace(attribute, file=path)


def _stamped(block: Block, path: str) -> Block:
    return replace(block, attributes=tuple(_stamp(a, path) for a in block.attributes),
                   blocks=tuple(_stamped(b, path) for b in block.blocks))
