"""Nested stacks with a local template: `AWS::CloudFormation::Stack` (`TemplateURL`) and
`AWS::Serverless::Application` (`Location`).

The child is read as deployed from its parent: the parent's `Parameters` become the child's
parameter values, so a model chosen in the parent is checked where the child uses it, with
the parent's line as its origin. (Scanned on its own, the child uses its defaults.)
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import replace

from ..model import Origin, ParsedFile, Problem, Span
from .load import Node
from .options import TemplateOptions
from .resolve import Resolver

NESTED_TYPES = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
MAX_NESTING = 5
MAX_CHILD_BYTES = 1024 * 1024  # CloudFormation's own limit for a template in S3

Parse = Callable[[str, str, TemplateOptions], "ParsedFile | None"]


def nested_stack(resolver: Resolver, logical_id: str, rtype: str, properties: Node, file: str,
                 options: TemplateOptions, parse: Parse) -> ParsedFile | None:
    """The child template of a nested stack resource, resolved with its parent's values;
    None when the template is not a local file."""
    location = properties.get(NESTED_TYPES[rtype])
    path_text = location.value.strip() if location is not None and isinstance(location.value, str) else ""
    if not path_text or "://" in path_text or path_text.startswith("s3:") or options.base_dir is None:
        return None
    span = Span(file, location.line, location.column)  # type: ignore[union-attr]
    gate = options.reader()
    path = (options.base_dir / path_text).resolve()
    shown = posixpath.normpath(posixpath.join(posixpath.dirname(file), path_text))
    if str(path) in options.nesting or len(options.nesting) >= MAX_NESTING:
        return ParsedFile(file, problems=(Problem(span, f"nested stack {path_text} nests too deep: not read"),))
    refused = gate.refusal(path) if gate is not None else "outside the project"
    if refused is not None:
        return ParsedFile(file, problems=(Problem(span, f"nested stack {path_text} is {refused}: not read"),))
    if not path.is_file():
        return None  # built later (sam build, cdk synth): nothing to read yet
    text, problem = gate.read_text(path, shown, MAX_CHILD_BYTES)  # type: ignore[union-attr]
    if text is None:
        return ParsedFile(file, problems=(problem,) if problem else ())
    values, origins = _parameters(resolver, logical_id, properties, file)
    child = TemplateOptions(values, options.region, path.parent, origins, gate,
                            f"{options.stack}{logical_id}.", (*options.nesting, str(path)))
    return parse(text, shown, child)


def _parameters(resolver: Resolver, logical_id: str, properties: Node,
                file: str) -> tuple[dict[str, str], dict[str, Origin]]:
    table = properties.get("Parameters")
    values: dict[str, str] = {}
    origins: dict[str, Origin] = {}
    if table is None or not isinstance(table.value, dict):
        return values, origins
    for name, node in table.value.items():
        parts = resolver.parts(node)
        known = [p for p in parts if p.reason is None]
        if not known:
            continue  # unknown in the parent: the child says why (its default, or BDR005)
        part = known[0]
        step = f"{logical_id} Parameters {name}"
        origin = part.origin or Origin(file, node.line)
        values[name] = part.text
        origins[name] = replace(origin, chain=(*origin.chain, step))
    return values, origins

