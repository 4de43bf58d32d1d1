"""Terraform's JSON syntax: `*.tfvars.json` now, `*.tf.json` through the same value mapping.

The json module gives no positions, so a value's line is the line of its key in the raw
text: good enough to point at, and never a guess beyond the key's own line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .parse import HclSyntaxError
from .syntax import Attribute, ConfigFile, Expr, ListX, Lit, MapX


def parse_tfvars_json(text: str, path: str) -> ConfigFile:
    data = _load(text)
    lines = _key_lines(text)
    attrs = tuple(Attribute(k, value_expr(v, lines.get(k, 1)), lines.get(k, 1), 1) for k, v in data.items())
    return ConfigFile(path, (), attrs)


def _load(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HclSyntaxError(f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise HclSyntaxError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise HclSyntaxError("the file must hold a JSON object")
    return data


def _key_lines(text: str) -> dict[str, int]:
    """The first line on which each top-level-looking key appears."""
    lines: dict[str, int] = {}
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:', text):
        lines.setdefault(json.loads(f'"{m.group(1)}"'), text.count("\n", 0, m.start()) + 1)
    return lines


def value_expr(value: Any, line: int) -> Expr:
    if isinstance(value, dict):
        return MapX(tuple((str(k), value_expr(v, line)) for k, v in value.items()), line)
    if isinstance(value, list):
        return ListX(tuple(value_expr(v, line) for v in value), line)
    return Lit(value, line)
