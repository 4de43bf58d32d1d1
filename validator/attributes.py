"""The table of resource types whose attributes hold a model (`policies/attributes/`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .model import Usage
from .policydata import bundled, load_yaml

TABLES = ("attributes/terraform.yaml", "attributes/cloudformation.yaml")


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """How one resource type holds models: the attribute patterns, their usage, the PT term."""

    patterns: tuple[tuple[str, ...], ...]
    usage: Usage = "on-demand"
    commitment: tuple[str, ...] | None = None

    def holds_model(self, path: tuple[str, ...]) -> bool:
        return any(path_matches(p, path) for p in self.patterns)


def path_matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """Match a dotted pattern, where `*` is one segment and `**` any number of them."""
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(path_matches(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    return (head in ("*", path[0])) and path_matches(rest, path[1:])


@cache
def attribute_table() -> dict[str, ResourceSpec]:
    """Every resource type that holds a model, from the bundled tables."""
    table: dict[str, ResourceSpec] = {}
    for name in TABLES:
        path = bundled(name)
        if not path.is_file():
            continue
        for rtype, spec in load_yaml(path, "attributes.schema.json")["resources"].items():
            commitment = spec.get("commitment")
            table[rtype] = ResourceSpec(
                patterns=tuple(tuple(p.split(".")) for p in spec["attributes"]),
                usage=spec.get("usage", "on-demand"),
                commitment=tuple(commitment.split(".")) if commitment else None,
            )
    return table
