"""Load the YAML data files under `policies/` and check them against their JSON Schemas.

What changes (lifecycle dates, the attribute table) lives in data; a broken data file
must stop the run with its name and the reason, never half-load.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

MAX_DATA_BYTES = 10 * 1024 * 1024
_OPTION_LIKE = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+){0,4}")


class PolicyDataError(Exception):
    """A data file that cannot be read or does not match its schema (exit code 2)."""


def bundled(name: str) -> Path:
    """Path of a file under `policies/` (`schemas/x.json`, `bedrock-lifecycle.yaml`).

    An installed wheel holds them as the package `validator.policies`; a source checkout
    (tests run with the checkout first on sys.path) has them beside the package.
    """
    try:
        return Path(str(files("validator.policies").joinpath(name)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "policies" / name


@cache
def _validator(schema_name: str) -> Any:
    import jsonschema  # imported here: it costs ~100 ms and `--version` never needs it

    schema = json.loads(bundled(f"schemas/{schema_name}").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _dates_to_text(value: Any) -> Any:
    # YAML turns unquoted 2024-02-28 into a date; the schemas speak of ISO strings.
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    return value


def validate(data: Any, schema_name: str, source: str) -> Any:
    """Check already-loaded data against a bundled schema; dates become ISO strings.

    The message names the place and what the schema wants, never the value found: a
    catalog or var-file option pointed at a secrets file must not print the secret.
    Only words of the schema itself (and a key one edit away from one) are quoted.
    """
    data = _dates_to_text(data)
    error = next(iter(sorted(_validator(schema_name).iter_errors(data), key=str)), None)
    if error is not None:
        names = _schema_words(schema_name)
        where = "/".join(_place(p, names) for p in error.absolute_path) or "(top level)"
        raise PolicyDataError(f"{source}: {where}: {_expected(error)}")
    return data


@cache
def _schema_words(schema_name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The property names a schema defines, and its propertyNames patterns."""
    names: set[str] = set()
    patterns: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            pattern = node.get("propertyNames", {}).get("pattern") if isinstance(node.get("propertyNames"), dict) \
                else None
            patterns.extend([pattern] if pattern else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_validator(schema_name).schema)
    return frozenset(names), tuple(patterns)


def _place(part: Any, words: tuple[frozenset[str], tuple[str, ...]]) -> str:
    names, patterns = words
    if isinstance(part, int) or part in names or any(re.fullmatch(p, str(part)) for p in patterns):
        return str(part)
    return "(a key)"


def _expected(error: Any) -> str:
    """What the schema wants where the data fails it, in the schema's words only."""
    import difflib

    kind, want = error.validator, error.validator_value
    if kind == "type":
        return "expected " + " or ".join(want if isinstance(want, list) else [want])
    if kind == "enum":
        return "expected one of " + ", ".join(map(str, want))
    if kind == "required":
        missing = [k for k in want if not isinstance(error.instance, dict) or k not in error.instance]
        return f"missing required key {', '.join(missing)}"
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [str(k) for k in error.instance if k not in allowed]
        near = [(k, m[0]) for k in extra if (m := difflib.get_close_matches(k, allowed, 1, 0.75))]
        if near:
            return f"unknown key '{near[0][0]}' (did you mean '{near[0][1]}'?)"
        # A key spelt like an option name is structure, safe to show; anything else may be data.
        named = [k for k in extra if _OPTION_LIKE.fullmatch(k)]
        shown = f"unknown key '{named[0]}'" if named else "unknown key"
        return f"{shown} (allowed: {', '.join(allowed)})" if allowed else f"{shown}: no keys allowed here"
    if kind == "pattern":  # also a key failing propertyNames: the path then ends above it
        return f"does not match {want}"
    messages = {"minimum": f"must be at least {want}", "maximum": f"must be at most {want}",
                "minLength": "must not be empty" if want == 1 else f"must be at least {want} characters long",
                "minItems": f"must have at least {want} item(s)", "minProperties": f"must have at least {want} key(s)",
                "format": f"is not a valid {want}", "const": f"{want} was expected",
                "anyOf": "is none of the allowed forms", "oneOf": "is none of the allowed forms"}
    return messages.get(kind, f"does not pass the schema's {kind} check")


def read_yaml(path: Path, loader: Any = None) -> Any:
    """A YAML (or JSON) file's data; any failure is one PolicyDataError naming file and line,
    never quoting the file's text (it may be any file a path option names)."""
    import yaml  # here, not above: `--version` reads the catalog's date without it

    from .confine import withheld
    from .discover import read_text

    # read_text refuses FIFOs and devices, which would stall the run, and oversized files.
    text, problem = read_text(path, str(path), MAX_DATA_BYTES)
    if text is None:
        raise PolicyDataError(f"{path}: {problem.message if problem else 'cannot read'}")
    try:
        return yaml.load(text, Loader=loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem_text = withheld(str(getattr(exc, "problem", None) or "syntax error"))
        raise PolicyDataError(f"{path}{line}: not valid YAML: {problem_text}") from exc


def load_yaml(path: Path, schema_name: str, loader: Any = None) -> Any:
    """Read a YAML (or JSON) data file and validate it."""
    return validate(read_yaml(path, loader), schema_name, str(path))
