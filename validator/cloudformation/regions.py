"""The regions of a CloudFormation template, for the accounting stage: which lines hold
which section, parameter, mapping entry or resource, and which of them deploy nothing
(descriptions, metadata, outputs, tags, conditions, a default nothing uses)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..jsonpos import Duplicate, Node
from ..model import Region

_SECTIONS = {
    "Description": "description",
    "Metadata": "template metadata",
    "Outputs": "output",
    "Conditions": "condition",
    "Rules": "template rule",
    "Mappings": "mapping entry that no resource selects (another region or key)",
}
_PARAMETER = {
    "Description": "parameter description",
    "ConstraintDescription": "parameter description",
    "AllowedPattern": "parameter pattern",
    "Default": "parameter default that no resource uses (overridden, or the parameter is not used)",
}
# Anywhere in a resource, text under these keys is read by people, never by Bedrock.
QUIET_KEYS = {"Description": "description", "Tags": "tags"}
_DEFINITION_QUIET = {"Comment": "comment in a state machine definition"}


def template_regions(root: Node) -> tuple[Region, ...]:
    if not isinstance(root.value, dict):
        return ()
    return tuple(r for name, node in root.value.items() for r in _section(name, node))


def replaced_regions(duplicates: Sequence[Duplicate]) -> tuple[Region, ...]:
    """The values a later duplicate key replaced: read by nothing, so their text deploys nothing."""
    return tuple(
        _region(d.lost, f"a value replaced by the duplicate key '{d.key}' at line {d.line} (the last value is read)",
                d.key)
        for d in duplicates
    )


def definition_regions(root: Node, name: str) -> tuple[Region, ...]:
    """A Step Functions definition file: one region named `name`, one per state; its
    comments deploy nothing."""
    states = root.get("States")
    entries = states.value.items() if states is not None and isinstance(states.value, dict) else ()
    return (Region(1, root.end_line, None, name),
            *(_region(state, None, f"{name}.States.{key}") for key, state in entries),
            *_quiet_keys(root, name, _DEFINITION_QUIET))


def _region(node: Node, reason: str | None, label: str) -> Region:
    return Region(node.key_line or node.line, max(node.end_line, node.key_line or node.line), reason, label)


def _section(name: str, node: Node) -> Iterator[Region]:
    reason = _SECTIONS.get(name)
    if reason is not None:  # Resources and Parameters are no one region: each entry is
        yield _region(node, reason, name)
    if not isinstance(node.value, dict):
        return
    for key, child in node.value.items():
        if name == "Parameters":
            yield from _parameter(key, child)
        elif name == "Resources":
            yield from _resource(key, child)
        else:
            yield _region(child, None, f"{name}.{key}")


def _parameter(name: str, node: Node) -> Iterator[Region]:
    label = f"Parameters.{name}"
    yield _region(node, None, label)
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            yield _region(child, _PARAMETER.get(key), f"{label}.{key}")


def _resource(logical_id: str, node: Node) -> Iterator[Region]:
    yield _region(node, None, logical_id)
    if not isinstance(node.value, dict):
        return
    metadata = node.value.get("Metadata")
    if metadata is not None:
        yield _region(metadata, "resource metadata", f"{logical_id}.Metadata")
    properties = node.value.get("Properties")
    if properties is not None:
        yield from _quiet_keys(properties, logical_id)


def _quiet_keys(node: Node, label: str, keys: dict[str, str] = QUIET_KEYS) -> Iterator[Region]:
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            reason = keys.get(key)
            if reason is not None:
                yield _region(child, reason, f"{label}.{key}")
            else:
                yield from _quiet_keys(child, f"{label}.{key}", keys)
    elif isinstance(node.value, list):
        for child in node.value:
            yield from _quiet_keys(child, label, keys)
