"""Turn one CloudFormation (or SAM, or CDK-synthesized) template into a `ParsedFile`.

Every scalar under a resource's `Properties` becomes a `Leaf` with its resolved
candidates; the extractor decides which of them are models. Parameters with
`AllowedValues` become pseudo-resources (a deployer may pick any value), and
`Metadata: {iac-check: {ignore: [...]}}` becomes resource-scoped suppressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Literal

from ..model import Candidate, Leaf, Origin, ParsedFile, Problem, Resource, ScannedText, Span, Suppression
from ..suppress import make_suppression
from .definitions import (
    FLOW_TYPE,
    SAM_STATE_MACHINE,
    SUBSTITUTING_TYPES,
    Scalar,
    definition_file_leaves,
    flow_json_leaves,
    substitutions,
)
from .load import Duplicate, LoadError, Node, load, load_json
from .nested import NESTED_TYPES, nested_stack
from .options import TemplateOptions
from .regions import definition_regions, replaced_regions, template_regions
from .resolve import Part, Resolver, elsewhere, intrinsic, placeholder, to_candidates

PARAMETER_TYPE = "AWS::CloudFormation::Parameter"
# SAM `Globals` sections and the resource types they apply to.
_GLOBALS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": SAM_STATE_MACHINE,
    "LayerVersion": "AWS::Serverless::LayerVersion",
}
_TYPE_HINT = re.compile(r"""["']?Type["']?\s*:\s*["']?(?:AWS|Custom)::""")
# CloudFormation refuses a template over 1 MB (the quota for one in S3): a larger one
# cannot be deployed. Refusing it here also bounds a template's parse to about a second.
MAX_TEMPLATE_BYTES = 1024 * 1024


def parse_template(
    text: str, display_path: str, options: TemplateOptions | None = None
) -> ParsedFile | None:
    """The resources of a template; None when the text is not a CloudFormation template.

    Never raises: a template that cannot be read is a ParsedFile with a Problem.
    """
    options = options or TemplateOptions()
    text = text.lstrip("\ufeff")
    if not looks_like_template(text):
        return None
    size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
    if size > MAX_TEMPLATE_BYTES:
        message = (f"template is {size / 1024 / 1024:.1f} MB, over CloudFormation's 1 MB limit:"
                   " it cannot be deployed, and is not scanned")
        return _failed(display_path, message, None, None)
    duplicates: list[Duplicate] = []
    try:
        root = _load(text, display_path, duplicates)
    except LoadError as exc:
        return _failed(display_path, exc.message, exc.line, exc.column)
    except RecursionError:
        return _failed(display_path, "nesting too deep to read", None, None)
    except Exception as exc:  # a loader bug must not stop the scan
        return _failed(display_path, f"cannot read template: {type(exc).__name__}", None, None)
    if not is_template(root):
        return None
    try:
        parsed = _Template(root, display_path, options).parsed()
    except LoadError as exc:  # intrinsic functions that build too much text
        return _failed(display_path, exc.message, exc.line, exc.column)
    except RecursionError:
        return _failed(display_path, "values nested too deeply to resolve", None, None)
    except Exception as exc:  # never let one odd template stop the scan
        detail = " ".join(str(exc).split())[:120]
        return _failed(display_path, f"cannot process template: {type(exc).__name__}: {detail}",
                       None, None)
    regions = (*template_regions(root), *replaced_regions(duplicates))
    return replace(parsed, problems=(*_duplicate_problems(display_path, duplicates), *parsed.problems),
                   texts=(ScannedText(display_path, text, _syntax(text, display_path), regions),))


def parse_definition(text: str, display_path: str) -> ParsedFile | None:
    """A Step Functions definition file (`StartAt` and `States`) as a text to account, so
    each model in it is still checked where no scanned template reads it (CDK source, the
    SDK deploy it); None for other YAML or JSON."""
    text = text.lstrip("\ufeff")
    if "StartAt" not in text or "States" not in text:
        return None
    try:
        root = _load(text, display_path, [])
    except Exception:  # any YAML or JSON that does not load is not a definition
        return None
    if not (root.is_map and root.get("StartAt") is not None and root.get("States") is not None):
        return None
    regions = definition_regions(root, display_path.rsplit("/", 1)[-1])
    return ParsedFile(display_path, texts=(ScannedText(display_path, text, _syntax(text, display_path), regions),))


def _syntax(text: str, display_path: str) -> Literal["json", "yaml"]:
    return "json" if display_path.lower().endswith(".json") or text.lstrip()[:1] == "{" else "yaml"


def looks_like_template(text: str) -> bool:
    """A cheap test on the raw text, so that other YAML and JSON is never parsed."""
    if "AWSTemplateFormatVersion" in text or "AWS::Serverless" in text:
        return True
    return "Resources" in text and _TYPE_HINT.search(text) is not None


def is_template(root: Node) -> bool:
    if not root.is_map:
        return False
    if "AWSTemplateFormatVersion" in root.value:  # type: ignore[operator]
        return True
    transform = root.get("Transform")
    if transform is None:
        names: list[Node] = []
    else:
        names = transform.value if isinstance(transform.value, list) else [transform]
    if any(isinstance(n.value, str) and n.value.startswith("AWS::Serverless") for n in names):
        return True
    resources = root.get("Resources")
    if resources is None or not isinstance(resources.value, dict):
        return False
    return any(
        isinstance(r.value, dict) and isinstance(t := _text(r.get("Type")), str)
        and t.startswith(("AWS::", "Custom::"))
        for r in resources.value.values()
    )


def _load(text: str, display_path: str, duplicates: list[Duplicate]) -> Node:
    # A .json file must be JSON (YAML would accept trailing commas and comments);
    # other text that opens with a brace is tried as JSON first, for its better errors.
    if display_path.lower().endswith(".json"):
        return load_json(text, duplicates)
    return load(text, prefer_json=text.lstrip()[:1] == "{", duplicates=duplicates)


def _duplicate_problems(path: str, duplicates: list[Duplicate]) -> Iterator[Problem]:
    """A duplicate key fails the check (BDR000) though the template is read on as
    CloudFormation deploys it (the last value): a reviewer reads the first."""
    for duplicate in duplicates:
        yield Problem(Span(path, duplicate.line, duplicate.column), duplicate.message)


def _failed(path: str, message: str, line: int | None, column: int | None) -> ParsedFile:
    one_line = " ".join(message.split())
    return ParsedFile(path, problems=(Problem(Span(path, line or 1, column), one_line),))


def _text(node: Node | None) -> str | None:
    return node.value if node is not None and isinstance(node.value, str) else None


class _Template:
    def __init__(self, root: Node, file: str, options: TemplateOptions) -> None:
        self.root = root
        self.file = file
        self.options = options
        self.resolver = Resolver(root, file, options)
        self.problems: list[Problem] = []
        self.suppressions: list[Suppression] = []
        self.globals = self._globals()
        self.children: list[Resource] = []  # the resources of nested stacks read from here

    def parsed(self) -> ParsedFile:
        resources = list(self._resources()) + list(self._parameter_choices()) + self.children
        return ParsedFile(self.file, tuple(resources), tuple(self.problems),
                          tuple(self.suppressions))

    # -- resources ------------------------------------------------------------------------

    def _resources(self) -> Iterator[Resource]:
        section = self.root.get("Resources")
        if section is None:
            return
        if not isinstance(section.value, dict):
            self.problems.append(Problem(self._span(section), "Resources must be a mapping"))
            return
        for logical_id, node in section.value.items():
            yield from self._entry(logical_id, node)

    def _entry(self, logical_id: str, node: Node) -> Iterator[Resource]:
        if logical_id.startswith("Fn::ForEach::"):
            yield from self._for_each(logical_id, node)
            return
        resource = self._resource(logical_id, node)
        if resource is not None:
            yield resource

    def _for_each(self, loop: str, node: Node) -> Iterator[Resource]:
        """An AWS::LanguageExtensions loop: its body once per distinct value of the collection,
        the variable bound in the body and in the logical ID (`${Var}`, `&{Var}`)."""
        values = node.value
        if not isinstance(values, list) or len(values) != 3 or not values[2].is_map:
            self.problems.append(Problem(self._span(node), f"{loop} needs [Identifier, Collection, {{Key: Value}}]"))
            return
        name = _text(values[0])
        items = self.resolver.items(values[1], 0)
        if not name or items is None:
            # The collection cannot be known: read the body once, the variable unknown.
            unknown = [placeholder(name or "?", f"{loop} collection cannot be resolved statically")]
            items = [unknown]
        outer, seen = self.resolver, set()
        for value in (v for item in items for v in item):
            if value.text in seen:
                continue  # the same value twice would be the same resources twice
            seen.add(value.text)
            step = f"{loop} {name}"
            origin = value.origin or Origin(self.file, value.line or values[1].line, ())
            bound = elsewhere(value, replace(origin, chain=(*origin.chain, step)))
            self.resolver = outer.bound(name or "?", [bound])
            try:
                for key, body in values[2].value.items():  # type: ignore[union-attr]
                    yield from self._entry(_loop_key(key, name or "?", value), body)
            finally:
                self.resolver = outer

    def _resource(self, logical_id: str, node: Node) -> Resource | None:
        rtype = _text(node.get("Type"))
        if not node.is_map or rtype is None:
            return None
        self._suppressions(logical_id, node)
        properties = node.get("Properties")
        nested = rtype in NESTED_TYPES and properties is not None and properties.is_map \
            and self._nested(logical_id, rtype, properties)
        leaves: list[Leaf] = []
        if properties is not None and properties.is_map:
            leaves = self._property_leaves(rtype, properties)
        if nested:
            # The values it hands its child are reported where the child uses them.
            leaves = [leaf for leaf in leaves if leaf.path[0] != "Parameters"]
        return Resource(
            address=self.options.stack + logical_id,
            type=rtype,
            span=Span(self.file, node.key_line or node.line, node.key_column or node.column),
            leaves=tuple(leaves),
            end_line=node.end_line,
            construct_path=_construct_path(node),
        )

    def _nested(self, logical_id: str, rtype: str, properties: Node) -> bool:
        """Read a nested stack's local template; whether its resources were read."""
        child = nested_stack(self.resolver, logical_id, rtype, properties, self.file, self.options, parse_template)
        if child is None:
            return False
        self.children.extend(child.resources)
        self.problems.extend(child.problems)
        self.suppressions.extend(child.suppressions)
        return child.path != self.file

    def _property_leaves(self, rtype: str, properties: Node) -> list[Leaf]:
        subs: dict[str, list[Part]] = {}
        if rtype in SUBSTITUTING_TYPES:
            subs = substitutions(self.resolver, properties, self.file)
        file_leaves: list[Leaf] = []
        uri = properties.get("DefinitionUri")
        if rtype == SAM_STATE_MACHINE and uri is not None:
            file_leaves, problems = definition_file_leaves(
                self.resolver, uri, self._span(uri), subs, self.options.base_dir, self.file, self.options.reader()
            )
            self.problems.extend(problems)
        # With the definition in view, a substitution is reported where it is used; with
        # the definition elsewhere (S3, a file not there), the substitution itself is kept.
        in_view = bool(file_leaves) or any(
            properties.get(k) is not None for k in ("Definition", "DefinitionString")
        )
        leaves: list[Leaf] = []
        paths: set[tuple[str, ...]] = set()
        for scalar in _scalars(properties, ()):
            if subs and in_view and scalar.path[0] == "DefinitionSubstitutions":
                continue
            if rtype == FLOW_TYPE and scalar.path == ("DefinitionString",):
                found, complete = flow_json_leaves(
                    self.resolver, scalar.node, self._span(scalar.node), subs
                )
                leaves.extend(found)
                if complete:
                    continue
            in_definition = scalar.path[0] in ("Definition", "DefinitionString")
            leaf = self._leaf(scalar, subs if in_definition else {})
            if leaf is not None:
                leaves.append(leaf)
                paths.add(leaf.path)
        leaves.extend(file_leaves)
        for section, section_type in _GLOBALS.items():
            if section_type == rtype:
                # SAM merges Globals into each resource: the resource's own value wins,
                # list items are added to its lists.
                leaves.extend(g for g, in_list in self.globals.get(section, [])
                              if in_list or g.path not in paths)
        return leaves

    def _leaf(self, scalar: Scalar, subs: dict[str, list[Part]]) -> Leaf | None:
        node = scalar.node
        if not subs and isinstance(node.value, str) and "{{resolve:" not in node.value:
            # Most values are plain strings: skip the resolver.
            return Leaf(scalar.path, self._span(node),
                        (Candidate(node.value, None, None, node.text_line, node.marks),))
        parts = self.resolver.parts(node)
        if subs:
            parts = self.resolver.substitute(parts, subs)
        candidates = to_candidates(parts)
        if not candidates:
            return None  # AWS::NoValue, or null
        return Leaf(scalar.path, self._span(scalar.node), candidates)

    def _span(self, node: Node) -> Span:
        return Span(self.file, node.line, node.column)

    def _globals(self) -> dict[str, list[tuple[Leaf, bool]]]:
        section = self.root.get("Globals")
        result: dict[str, list[tuple[Leaf, bool]]] = {}
        if section is None or not isinstance(section.value, dict):
            return result
        for name, node in section.value.items():
            if name in _GLOBALS and node.is_map:
                found = []
                for scalar in _scalars(node, ()):
                    leaf = self._leaf(scalar, {})
                    if leaf is not None:
                        found.append((leaf, scalar.in_list))
                result[name] = found
        return result

    # -- parameters -----------------------------------------------------------------------

    def _parameter_choices(self) -> Iterator[Resource]:
        """A parameter's AllowedValues: each is a value the stack may be deployed with."""
        for name, declaration in self.resolver.parameters.items():
            allowed = declaration.get("AllowedValues")
            if allowed is None or not isinstance(allowed.value, list):
                continue
            leaves = tuple(
                Leaf(("AllowedValues",), self._span(item),
                     (Candidate(item.value, None, None, item.text_line, item.marks),))
                for item in allowed.value
                if isinstance(item.value, str)
            )
            if leaves:
                yield Resource(
                    address=f"Parameters.{name}",
                    type=PARAMETER_TYPE,
                    span=Span(self.file, declaration.key_line or declaration.line,
                              declaration.key_column or declaration.column),
                    leaves=leaves,
                    end_line=declaration.end_line,
                )

    # -- suppressions ---------------------------------------------------------------------

    def _suppressions(self, logical_id: str, node: Node) -> None:
        metadata = node.get("Metadata")
        settings = metadata.get("iac-check") if metadata is not None else None
        if settings is None:
            return
        ignore = settings.get("ignore")
        if ignore is None or not isinstance(ignore.value, (list, dict)):
            self.suppressions.append(Suppression(
                (), self._span(ignore or settings), scope="resource", resource=logical_id,
                malformed="Metadata iac-check needs an `ignore` list of {rule, until, reason}",
            ))
            return
        entries = ignore.value if isinstance(ignore.value, list) else [ignore]
        for entry in entries:
            self.suppressions.append(self._suppression(logical_id, entry))

    def _suppression(self, logical_id: str, entry: Node) -> Suppression:
        """One Metadata entry, checked by the same rules as an inline comment (fails closed)."""
        if isinstance(entry.value, str):  # `- BDR002` is a rule with no date and no reason
            fields: dict[str, Node] = {"rule": entry}
        elif isinstance(entry.value, dict):
            fields = entry.value
        else:
            fields = {}
        rule_node = fields.get("rule") or fields.get("rules")
        named = [rule_node] if rule_node is not None and not rule_node.is_list else (
            rule_node.value if rule_node is not None else []
        )
        rules = tuple(str(n.value).strip().upper() for n in named if n.value is not None)  # type: ignore[union-attr]
        unknown = sorted(set(fields) - {"rule", "rules", "until", "reason"})
        problems = tuple(f"unknown key {key!r} (use rule, until and reason)" for key in unknown)
        until_node = fields.get("until")
        until = _text(until_node) if until_node is not None else None
        if until_node is not None and until is None:
            until = "(not a date)"
        return make_suppression(rules, self._span(entry), until, _text(fields.get("reason")),
                                problems=problems, resource=logical_id)


def _construct_path(resource: Node) -> str | None:
    """The CDK construct that generated a resource: what a CDK user searches their code for."""
    metadata = resource.get("Metadata")
    return _text(metadata.get("aws:cdk:path")) if metadata is not None else None


def _loop_key(key: str, name: str, value: Part) -> str:
    """An Fn::ForEach output key with its variable filled in; `&{Var}` keeps only alphanumerics."""
    text = value.text if value.reason is None else name
    alphanumeric = re.sub(r"[^A-Za-z0-9]", "", text)
    return key.replace("${" + name + "}", text).replace("&{" + name + "}", alphanumeric)


def _scalars(node: Node, path: tuple[str, ...], in_list: bool = False) -> Iterator[Scalar]:
    """Every value under `node` that resolves to a string, with its path.

    Intrinsic calls are values, except where they choose between structures: `Fn::If`
    with a mapping or list in a branch is followed into both branches, and
    `Fn::ToJsonString` into its argument, so their insides are leaves like any other.
    """
    value = node.value
    if value is None:
        return
    if isinstance(value, str):
        yield Scalar(path, node, in_list)
        return
    if isinstance(value, list):
        for item in value:
            yield from _scalars(item, path, True)
        return
    name = intrinsic(node)
    if name is None:
        for key, child in value.items():
            yield from _scalars(child, (*path, key), in_list)
        return
    argument = value[name]
    if name == "Fn::ToJsonString":
        yield from _scalars(argument, path, in_list)
        return
    if name == "Fn::If" and isinstance(argument.value, list) and len(argument.value) == 3:
        branches = argument.value[1:]
        if any(b.is_list or (b.is_map and intrinsic(b) is None) for b in branches):
            for branch in branches:
                yield from _scalars(branch, path, in_list)
            return
    yield Scalar(path, node, in_list)
