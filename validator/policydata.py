"""Load the YAML data files under `policies/` and check them against their JSON Schemas.

What changes (lifecycle dates, the attribute table) lives in data; a broken data file
must stop the run with its name and the reason, never half-load.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


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
    """Check already-loaded data against a bundled schema; dates become ISO strings."""
    data = _dates_to_text(data)
    error = next(iter(sorted(_validator(schema_name).iter_errors(data), key=str)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise PolicyDataError(f"{source}: {where}: {error.message}")
    return data


def read_yaml(path: Path, loader: Any = None) -> Any:
    """A YAML (or JSON) file's data; any failure is one PolicyDataError naming file and line."""
    import yaml  # here, not above: `--version` reads the catalog's date without it

    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyDataError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise PolicyDataError(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc


def load_yaml(path: Path, schema_name: str, loader: Any = None) -> Any:
    """Read a YAML (or JSON) data file and validate it."""
    return validate(read_yaml(path, loader), schema_name, str(path))
