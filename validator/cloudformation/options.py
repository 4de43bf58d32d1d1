"""What a scan knows beyond the template: parameter overrides, the region, the directory."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..confine import Gate
from ..discover import read_text
from ..model import Origin
from .load import LoadError, Node, load_yaml

MAX_PARAMETERS_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TemplateOptions:
    """Inputs to resolution.

    `parameters` override parameter defaults (from --parameter / --parameters-file);
    `region` is the value of `AWS::Region`; `base_dir` is the template's directory, the
    only place local files such as a SAM `DefinitionUri` are read from.
    `parameter_origins` may say where an override was written, for the report's origin.
    `gate` decides which local files (DefinitionUri, nested stacks) may be read; without
    one, only files under `base_dir`. `stack` is the chain of parent stacks reading this
    template as a nested stack (`Parent.Child.`, prefixed to its resources), and `nesting`
    the templates already open on the way, against cycles.
    """

    parameters: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    base_dir: Path | None = None
    parameter_origins: Mapping[str, Origin] = field(default_factory=dict)
    gate: Gate | None = None
    stack: str = ""
    nesting: tuple[str, ...] = ()

    def reader(self) -> Gate | None:
        """The gate local files are read through; None when there is no directory to read."""
        if self.gate is not None:
            return self.gate
        return Gate.at(self.base_dir) if self.base_dir is not None else None


def load_parameters_file(path: Path) -> dict[str, str]:
    """Parameter values from a file, in either common shape.

    The `aws cloudformation` CLI list `[{"ParameterKey": K, "ParameterValue": V}, ...]`,
    a plain `{K: V}` mapping (JSON or YAML), or a CodePipeline template configuration
    `{"Parameters": {K: V}}`. Raises ValueError with a one-line message naming the file,
    never quoting it (the option may name any file).
    """
    text, problem = read_text(path, str(path), MAX_PARAMETERS_BYTES)
    if text is None:
        raise ValueError(f"{path}: cannot read parameters file: {problem.message if problem else 'unreadable'}")
    try:
        data: Any = json.loads(text)
    except ValueError:
        try:
            data = _plain(load_yaml(text))
        except LoadError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            # The loader's message may hold the file's text (a tag, a key): only the line.
            raise ValueError(f"{path}: not JSON or YAML{where}") from None
    try:
        return _parameters(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _parameters(data: Any) -> dict[str, str]:
    if isinstance(data, dict) and set(data) <= {"Parameters", "Tags", "StackPolicy"}:
        data = data.get("Parameters", {})
    result: dict[str, str] = {}
    if isinstance(data, list):
        for number, entry in enumerate(data, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("ParameterKey"), str):
                raise ValueError(f"entry {number} has no ParameterKey")
            if "ParameterValue" not in entry:
                if entry.get("UsePreviousValue"):
                    continue  # the deployed value, unknown here
                raise ValueError(f"entry {number} has no ParameterValue")
            result[entry["ParameterKey"]] = _text(entry["ParameterValue"], f"entry {number}")
        return result
    if isinstance(data, dict):
        for number, (key, value) in enumerate(data.items(), 1):
            result[str(key)] = _text(value, f"entry {number}")
        return result
    raise ValueError("expected a list of ParameterKey/ParameterValue entries or a mapping")


def _text(value: Any, entry: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ",".join(str(v) for v in value)  # a CommaDelimitedList
    raise ValueError(f"the value of {entry} is not a string")


def _plain(node: Node) -> Any:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value

