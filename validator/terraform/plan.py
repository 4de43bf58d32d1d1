"""Terraform plans (`terraform show -json`): the values Terraform itself resolved.

A plan knows what the source cannot: every variable, module and `for_each` already
evaluated, and whether each resource is created, updated or deleted. Deleted resources
are not references; `create` tells new provisioning (BDR008) from existing. Lines are the
plan file's, or the `.tf` source's when the plan is scanned with its configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ..jsonpos import LoadError, Node, load_json
from ..model import Candidate, Leaf, Origin, ParsedFile, Problem, Region, Resource, ScannedText, Span

_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


def looks_like_plan(text: str) -> bool:
    head = text[:4096]
    return '"format_version"' in head and ('"resource_changes"' in text or '"planned_values"' in text)


def parse_plan(text: str, display: str) -> ParsedFile | None:
    """The resources a plan creates, updates or keeps; None when the JSON is not a plan."""
    try:
        root = load_json(text.lstrip("\ufeff"))
    except LoadError as exc:
        return ParsedFile(display, problems=(Problem(Span(display, exc.line or 1, exc.column), exc.message),))
    if not root.is_map or root.get("format_version") is None:
        return None
    version = str(root.get("format_version").value or "")  # type: ignore[union-attr]
    if not version.startswith("1."):
        problem = Problem(Span(display, 1), f"plan format_version {version} is not supported (expected 1.x)")
        return ParsedFile(display, problems=(problem,))
    regions = _regions(root)
    text = ScannedText(display, text, "plan", tuple(_quiet(root)))
    return ParsedFile(display, tuple(_resources(root, display, regions)), texts=(text,))


_QUIET_SECTIONS = {"prior_state": "plan's prior state", "resource_drift": "plan's drift report"}


def _quiet(root: Node) -> Iterator[Region]:
    """What in a plan deploys nothing: deleted resources, values before a change, old state."""
    for name, reason in _QUIET_SECTIONS.items():
        node = root.get(name)
        if node is not None:
            yield Region(node.key_line or node.line, node.end_line, reason, name)
    for change in _items(root.get("resource_changes")):
        body = change.get("change")
        address = _text(change.get("address")) or "?"
        actions = [_text(a) for a in _items(body.get("actions") if body is not None else None)]
        if actions == ["delete"]:
            yield Region(change.line, change.end_line, "resource being deleted", address)
        elif body is not None and (before := body.get("before")) is not None:
            yield Region(before.key_line or before.line, before.end_line, "value before the change", address)


def _items(node: Node | None) -> list[Node]:
    return node.value if node is not None and isinstance(node.value, list) else []


def _mapping(node: Node | None) -> dict[str, Node]:
    """A JSON object's members; nothing when the plan has something else there."""
    return node.value if node is not None and isinstance(node.value, dict) else {}


def _text(node: Node | None) -> str | None:
    return node.value if node is not None and isinstance(node.value, str) else None


def _resources(root: Node, display: str, regions: dict[str, str]) -> Iterator[Resource]:
    for change in _items(root.get("resource_changes")):
        actions = [_text(a) for a in _items(change.get("change").get("actions") if change.get("change") else None)]
        if not actions or actions == ["delete"]:
            continue
        body = change.get("change")
        after = body.get("after") if body is not None else None
        address, rtype = _text(change.get("address")) or "?", _text(change.get("type")) or "?"
        if _text(change.get("mode")) == "data":
            rtype = f"data.{rtype}"
        unknown = body.get("after_unknown") if body is not None else None
        leaves = tuple(_leaves(after, (), display, unknown)) if after is not None and after.is_map else ()
        action = "create" if "create" in actions else actions[0]
        yield Resource(address, rtype, Span(display, change.line), leaves, regions.get(_config_address(address)),
                       action, change.end_line)


def _leaves(node: Node, path: tuple[str, ...], display: str, unknown: Node | None) -> Iterator[Leaf]:
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            yield from _leaves(child, (*path, key), display, unknown.get(key) if unknown is not None else None)
        return
    if isinstance(node.value, list):
        hidden = unknown.value if unknown is not None and isinstance(unknown.value, list) else []
        for i, child in enumerate(node.value):
            yield from _leaves(child, path, display, hidden[i] if i < len(hidden) else None)
        return
    if node.value is None:
        if unknown is not None and unknown.value == "true":
            yield Leaf(path, Span(display, node.line), (Candidate(None, reason="known only after apply"),))
        return
    yield Leaf(path, Span(display, node.line, node.column), (Candidate(node.value, marks=node.marks),))


def _config_address(address: str) -> str:
    return _INSTANCE_KEY.sub("", address)


def _regions(root: Node) -> dict[str, str]:
    """Each configured resource's provider region, from the plan's `configuration`."""
    config = root.get("configuration")
    if config is None:
        return {}
    variables = {k: _text(v.get("value")) for k, v in _mapping(root.get("variables")).items()}
    providers: dict[str, str] = {}
    for key, provider in _mapping(config.get("provider_config")).items():
        region = _expression(provider.get("expressions"), "region", variables)
        if region:
            providers[key] = region
    out: dict[str, str] = {}
    _module_regions(config.get("root_module"), "", providers, out)
    return out


def _expression(expressions: Node | None, name: str, variables: dict[str, str | None]) -> str | None:
    expr = expressions.get(name) if expressions is not None else None
    if expr is None:
        return None
    constant = _text(expr.get("constant_value"))
    if constant:
        return constant
    refs = [_text(r) for r in _items(expr.get("references"))]
    return next((variables.get(r[4:]) for r in refs if r and r.startswith("var.") and variables.get(r[4:])), None)


def _module_regions(module: Node | None, prefix: str, providers: dict[str, str], out: dict[str, str]) -> None:
    if module is None:
        return
    for resource in _items(module.get("resources")):
        key = _text(resource.get("provider_config_key")) or ""
        address = _text(resource.get("address")) or ""
        if key in providers:
            out[prefix + address] = providers[key]
    for name, call in _mapping(module.get("module_calls")).items():
        _module_regions(call.get("module"), f"{prefix}module.{name}.", providers, out)


def point_at_source(plan: Sequence[Resource], source: Sequence[Resource]) -> tuple[list[Resource], set[str]]:
    """Plan resources moved onto the `.tf` lines of the same resources, when scanned together.

    Returns the plan's resources (re-pointed where the source has the resource) and the
    source addresses they replace, so each resource is checked once, with the plan's values.
    """
    by_address = {r.address: r for r in source}
    out, replaced = [], set()
    for resource in plan:
        match = by_address.get(_config_address(resource.address))
        if match is None:
            out.append(resource)
            continue
        replaced.add(match.address)
        lines = {leaf.path: leaf.span for leaf in match.leaves}
        leaves = tuple(_repoint(leaf, lines.get(leaf.path, match.span)) for leaf in resource.leaves)
        out.append(replace(resource, span=match.span, leaves=leaves, end_line=match.end_line,
                           region=resource.region or match.region))
    return out, replaced


def _repoint(leaf: Leaf, span: Span) -> Leaf:
    origin = Origin(leaf.span.file, leaf.span.line, ("terraform plan",))
    cands = tuple(replace(c, origin=c.origin or origin, line=None, marks=()) for c in leaf.candidates)
    return replace(leaf, span=span, candidates=cands)
