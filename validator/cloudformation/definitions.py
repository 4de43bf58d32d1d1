"""State machine and flow definitions: substitutions, SAM `DefinitionUri` files, Flow JSON.

Step Functions and Bedrock Flows take their definition inline (`Definition`), as a string
(`DefinitionString`) or from a file, and fill `${Name}` from `DefinitionSubstitutions`:
the model ID often lives in that map, so it is substituted before the value is handed on.
"""

from __future__ import annotations

import errno
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..confine import Gate
from ..discover import read_text
from ..model import Leaf, Origin, Problem, Span
from .load import LoadError, Node, load, load_json
from .resolve import Part, Resolver, elsewhere, literal, to_candidates

SUBSTITUTING_TYPES = frozenset(
    {"AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine", "AWS::Bedrock::Flow"}
)
FLOW_TYPE = "AWS::Bedrock::Flow"
SAM_STATE_MACHINE = "AWS::Serverless::StateMachine"
MAX_DEFINITION_FILE = 5 * 1024 * 1024
MAX_EMBEDDED_JSON = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar found by walking a value: its path, its node, and whether a list held it."""

    path: tuple[str, ...]
    node: Node
    in_list: bool


def walk_plain(node: Node, path: tuple[str, ...], in_list: bool = False,
               rename: bool = False) -> Iterator[Scalar]:
    """Every scalar of a tree with no intrinsics in it (a definition file, embedded JSON).

    `rename` turns camelCase keys into PascalCase, the spelling of the CloudFormation
    schema that the attribute table uses (Flow JSON says `modelId`, the schema `ModelId`).
    """
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            name = key[:1].upper() + key[1:] if rename else key
            yield from walk_plain(child, (*path, name), in_list, rename)
    elif isinstance(node.value, list):
        for item in node.value:
            yield from walk_plain(item, path, True, rename)
    elif node.value is not None:
        yield Scalar(path, node, in_list)


def substitutions(resolver: Resolver, properties: Node, file: str) -> dict[str, list[Part]]:
    """`DefinitionSubstitutions` resolved, each value's origin pointing where it is written."""
    table = properties.get("DefinitionSubstitutions")
    if table is None or not isinstance(table.value, dict):
        return {}
    result: dict[str, list[Part]] = {}
    for name, node in table.value.items():
        step = f"DefinitionSubstitutions {name}"
        parts = []
        for part in resolver.parts(node):
            origin = part.origin or Origin(file, node.line)
            parts.append(elsewhere(part, replace(origin, chain=(*origin.chain, step))))
        result[name] = parts
    return result


def flow_json_leaves(resolver: Resolver, node: Node, span: Span,
                     subs: dict[str, list[Part]]) -> tuple[list[Leaf], bool]:
    """A Flow `DefinitionString` read as JSON: leaves under ("Definition", PascalCase...).

    Also says whether every possible value was JSON: then these leaves hold all of the
    string's text, and the string itself need not be handed on (it would report each
    model twice, once by attribute and once by the value scan).
    """
    leaves: list[Leaf] = []
    complete = True
    for part in resolver.parts(node):
        tree = _json_tree(part.text) or _json_tree(_first_text(resolver.substitute([part], subs)))
        if tree is None:
            complete = False
            continue
        for scalar in walk_plain(tree, ("Definition",), rename=True):
            value = scalar.node
            # Lines inside a literal string can be counted from where its text starts.
            line = part.line + value.line - 1 if part.line is not None else None
            parts = resolver.substitute(
                [Part(str(value.value), part.origin, line, None, True)], subs
            )
            leaf_span = Span(span.file, line, None) if line is not None else span
            leaves.append(Leaf(scalar.path, leaf_span, to_candidates(parts)))
    return leaves, complete


def definition_file_leaves(
    resolver: Resolver, uri_node: Node, span: Span, subs: dict[str, list[Part]],
    base_dir: Path | None, display_path: str, gate: Gate | None = None,
) -> tuple[list[Leaf], list[Problem]]:
    """A SAM state machine's local `DefinitionUri` file as leaves under ("Definition", ...).

    Each leaf sits in the definition file, where its value is written. The file is
    read through `gate` (default: only under `base_dir`); a refused one is a problem
    naming the path, never its content.
    """
    uri = _local_uri(uri_node)
    if uri is None or base_dir is None:
        return [], []
    gate = gate or Gate.at(base_dir)
    try:
        # strict: from Python 3.13 a lax resolve() returns a symlink loop's own path.
        path = (base_dir.resolve() / uri).resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        return [], []  # not there (built later): nothing to read
    except (OSError, RuntimeError) as exc:  # a loop is RuntimeError before Python 3.13, ELOOP after
        why = "symlink loop" if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP else exc.strerror
        return [], [Problem(span, f"cannot read DefinitionUri {uri}: {why}")]
    refused = gate.refusal(path)
    if refused is not None:
        return [], [Problem(span, f"DefinitionUri {uri} is {refused}: not read")]
    if not path.is_file():
        return [], []  # a directory: nothing to read
    shown = posixpath.normpath(posixpath.join(posixpath.dirname(display_path), uri))
    text, problem = read_text(path, shown, MAX_DEFINITION_FILE)
    if text is None:
        return [], [problem] if problem else []
    try:
        tree = load(text, prefer_json=path.suffix.lower() == ".json" or text.lstrip()[:1] == "{")
    except LoadError as exc:
        # The path may name any file of the tree: the place, never its text.
        return [], [Problem(Span(shown, exc.line or 1, exc.column), f"DefinitionUri {uri}: not valid JSON or YAML")]
    leaves = []
    for scalar in walk_plain(tree, ("Definition",)):
        # A value is reported in the definition file where it is written; `${Name}` there is
        # where its substitution is used, with the substitution as its origin.
        node = scalar.node
        part = literal(str(node.value), node.text_line, node.marks)
        leaves.append(Leaf(scalar.path, Span(shown, node.line, node.column),
                           to_candidates(resolver.substitute([part], subs))))
    return leaves, []


def _local_uri(node: Node) -> str | None:
    # An S3 location (a mapping or an s3:// URI) is not in view.
    value = node.value
    if not isinstance(value, str) or not value.strip() or "://" in value:
        return None
    return value.strip()


def _json_tree(text: str | None) -> Node | None:
    if not text or len(text) > MAX_EMBEDDED_JSON or text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return load_json(text)
    except (LoadError, RecursionError):
        return None


def _first_text(parts: list[Part]) -> str | None:
    return parts[0].text if len(parts) == 1 else None
