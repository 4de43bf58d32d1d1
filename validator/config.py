"""The run's settings: one frozen object built from the command line and a config file.

A config file (`.iac-check.yaml`, or `[tool.iac-check]` in `pyproject.toml`) uses the scan
options' long names as keys; the command line wins over it (SPEC section 7). Paths written
in a config file are relative to the file, so the same file works from any directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from .confine import Gate
from .days import parse_day
from .deadline import DEFAULT_SECONDS, MAX_SECONDS, PARSE_SECONDS
from .policydata import PolicyDataError, read_yaml

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
FAIL_ON = ("error", "warning", "note", "never")
CONFIG_NAME = ".iac-check.yaml"
PYPROJECT = "pyproject.toml"
TIMELINE_DAYS = 180

# Keys whose values name files: a config file's relative paths are relative to it.
_PATH_KEYS = ("paths", "var-file", "parameters-file", "catalog", "baseline", "write-baseline")
# Repeatable options: the command line's values come after the config's (later wins).
_LIST_KEYS = ("var-file", "parameters-file", "catalog", "exclude")


class _TextDates(yaml.SafeLoader):
    """Keeps `2025-02-30` as text, for `date.fromisoformat` to reject by key, where PyYAML would crash."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ConfigError(Exception):
    """A config file or option value that cannot be used (exit code 2); the message names the key."""


@dataclass(frozen=True)
class Settings:
    as_of: date
    paths: tuple[str, ...] = (".",)
    format: str = "text"
    output: str | None = None
    fail_on: str = "error"
    fail_within: int = 0
    region: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    var_files: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    parameters_files: tuple[str, ...] = ()
    catalogs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    jobs: int = 0
    color: bool = True
    quiet: bool = False
    verbose: bool = False
    max_file_bytes: int = 10 * 1024 * 1024
    deny: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None
    severity: dict[str, str] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()
    extra_outputs: tuple[tuple[str, str], ...] = ()
    """`--output FORMAT=FILE`: more reports from the same scan, each (format, file)."""
    baseline: str | None = None
    write_baseline: str | None = None
    days: int = TIMELINE_DAYS
    cache_dir: str | None = None
    allow_empty: bool = False
    """No Terraform or CloudFormation file under the paths is a clean scan, not exit code 2."""
    parse_timeout: float = PARSE_SECONDS
    timeout: float = DEFAULT_SECONDS
    root: str | None = None
    """`--root DIR`: the project root every read stays inside (default: the git work tree)."""
    trusted: bool = False
    """`--trusted`: only `--config` configures the run, and nothing in the tree hides BDR001."""


@dataclass(frozen=True)
class ModelPolicy:
    """The organisation's `deny:` / `allow:` lists of model IDs or globs (rule BDR010)."""

    deny: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None

    def denies(self, model_id: str) -> bool:
        if any(fnmatchcase(model_id, p) for p in self.deny):
            return True
        return self.allow is not None and not any(fnmatchcase(model_id, p) for p in self.allow)


@dataclass(frozen=True)
class ConfigFile:
    """A validated config: its keys as written, with file paths made relative to the current directory."""

    path: Path
    values: Mapping[str, Any]


# -- finding and reading config files ---------------------------------------------------------

def find_config(starts: Sequence[Path]) -> Path | None:
    """The nearest config above each start in turn (the scan root, then the current directory).

    In one directory `.iac-check.yaml` wins over `pyproject.toml`; a `pyproject.toml` without
    a `[tool.iac-check]` table is not a config and the search goes on upward.
    """
    for start in starts:
        for directory in (start, *start.parents):
            if (directory / CONFIG_NAME).is_file():
                return _own(directory / CONFIG_NAME)
            pyproject = directory / PYPROJECT
            if pyproject.is_file() and _own(pyproject) and _pyproject_table(pyproject) is not None:
                return pyproject
    return None


def _own(path: Path) -> Path:
    """A config found in a tree must be a file of that tree, not a symlink out of it."""
    refused = Gate.at(path.parent, "its directory").refusal(path)
    if refused is not None:
        raise ConfigError(f"{path}: not read: the config file is {refused}")
    return path


def search_starts(paths: Sequence[str], cwd: Path) -> list[Path]:
    """Where the config search begins: the first scan path's directory, then the current one."""
    starts = []
    if paths:
        first = (cwd / paths[0]).resolve()
        if first.exists():
            starts.append(first if first.is_dir() else first.parent)
    return [*starts, cwd.resolve()]


def read_config(path: Path, cwd: Path) -> ConfigFile:
    """Load and validate a config file (`pyproject.toml` or YAML)."""
    from .policydata import PolicyDataError, validate

    if path.name == PYPROJECT:
        data, source = _pyproject_table(path), f"{path} [tool.iac-check]"
    else:
        data, source = _yaml_mapping(path), str(path)
    try:
        values = validate({} if data is None else data, "config.schema.json", source)
    except PolicyDataError as exc:
        raise ConfigError(str(exc)) from None
    _check_meaning(values, source)
    _check_confined(values, path, source)
    try:
        return ConfigFile(path, _rebased(values, path.parent, cwd))
    except ConfigError as exc:
        raise ConfigError(f"{source}: output: {exc}") from None


def _yaml_mapping(path: Path) -> Any:
    try:
        return read_yaml(path, _TextDates)
    except PolicyDataError as exc:
        raise ConfigError(str(exc)) from None


def _pyproject_table(path: Path) -> Any:
    """The `[tool.iac-check]` table, or None when the file has none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if "iac-check" not in text:
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10: the same parser as the `tomli` package
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ConfigError(f"{path}: reading [tool.iac-check] needs Python 3.11 or the tomli package") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    tool = document.get("tool")
    return tool.get("iac-check") if isinstance(tool, dict) else None


def _check_meaning(values: Mapping[str, Any], source: str) -> None:
    """What a schema cannot say: real calendar dates and rule IDs that exist."""
    from .rules import BY_ID

    if "as-of" in values:
        _date(values["as-of"], f"{source}: as-of")
    for rule_id in values.get("rules", {}):
        if rule_id not in BY_ID:
            raise ConfigError(f"{source}: rules/{rule_id}: no such rule (see `iac-check rules`)")


def _check_confined(values: Mapping[str, Any], path: Path, source: str) -> None:
    """A config's file paths stay inside its own directory tree (SPEC 5).

    A config in the tree under review is input, not authority: it must not make the scan
    read (and quote) a file of the machine, nor write a report over one. The message
    names the key and the path, never a file's content.
    """
    gate = Gate.at(path.parent, "the config file's directory")
    named = [(key, text) for key in _PATH_KEYS for text in _as_list(values.get(key, []))]
    try:
        named += [("output", parse_output(text)[1]) for text in _as_list(values.get("output", []))]
    except ConfigError as exc:
        raise ConfigError(f"{source}: output: {exc}") from None
    for key, text in named:
        refused = gate.refusal(text if os.path.isabs(text) else path.parent / text)
        if refused is not None:
            raise ConfigError(f"{source}: {key}: {text} is {refused}")


def _rebased(values: Mapping[str, Any], base: Path, cwd: Path) -> dict[str, Any]:
    """Relative file paths in a config file are relative to it; make them relative to `cwd`."""
    prefix = os.path.relpath(base.resolve(), cwd.resolve())

    def rebase(text: str) -> str:
        return text if os.path.isabs(text) else os.path.normpath(os.path.join(prefix, text))

    out = dict(values)
    for key in _PATH_KEYS:
        if isinstance(out.get(key), list):
            out[key] = [rebase(v) for v in out[key]]
        elif isinstance(out.get(key), str):
            out[key] = rebase(out[key])
    if "output" in out:
        out["output"] = [_rebase_output(v, rebase) for v in _as_list(out["output"])]
    return out


def _rebase_output(text: str, rebase: Any) -> str:
    fmt, file = parse_output(text)
    return f"{fmt}={rebase(file)}" if fmt else rebase(file)


# -- merging the command line over the config ------------------------------------------------

def parse_output(text: str) -> tuple[str | None, str]:
    """`FORMAT=FILE` names a format; anything else is a file for the `--format` report.

    A word before `=` that is no format is taken for a misspelt one rather than a file
    name, so `--output xml=report.xml` fails instead of writing text to an odd file.
    """
    fmt, sep, file = text.partition("=")
    if not sep or not re.fullmatch(r"[a-z]+", fmt):
        return None, text
    if fmt not in FORMATS or not file:
        raise ConfigError(f"--output {text!r}: use FILE or FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}")
    return fmt, file


def build_settings(given: Mapping[str, Any], config: ConfigFile | None, today: date) -> Settings:
    """Settings from the options given on the command line (keyed like the config), over the config.

    `given` holds only options that were actually given; `today` is the default as-of.
    """
    values = _merged(given, dict(config.values) if config else {})
    for key, choices in (("format", FORMATS), ("fail-on", FAIL_ON)):
        if values.get(key, choices[0]) not in choices:
            raise ConfigError(f"--{key} {values[key]!r}: choose one of {', '.join(choices)}")
    for key in ("timeout", "parse-timeout"):
        # Past a day a gate is stalled, not slow; `.inf` also broke the scan's watchdog.
        if key in values and not 0 < values[key] <= MAX_SECONDS:
            raise ConfigError(f"--{key} {values[key]!r}: give seconds, more than 0 and at most {MAX_SECONDS:g}")
    primary, extra = _outputs(values.get("output", []))
    rules: Mapping[str, Mapping[str, Any]] = values.get("rules", {})
    allow = values.get("allow")
    return Settings(
        as_of=_date(values["as-of"], "--as-of") if "as-of" in values else today,
        paths=tuple(values.get("paths") or (".",)),
        format=values.get("format", "text"),
        output=primary,
        fail_on=values.get("fail-on", "error"),
        fail_within=values.get("fail-within", 0),
        region=values.get("region"),
        variables=_strings(values.get("var", {})),
        var_files=tuple(values.get("var-file", ())),
        parameters=_strings(values.get("parameter", {})),
        parameters_files=tuple(values.get("parameters-file", ())),
        catalogs=tuple(values.get("catalog", ())),
        exclude=tuple(values.get("exclude", ())),
        jobs=values.get("jobs", 0),
        color=not values.get("no-color", False),
        quiet=values.get("quiet", False),
        verbose=values.get("verbose", False),
        max_file_bytes=values.get("max-file-bytes", 10 * 1024 * 1024),
        deny=tuple(values.get("deny", ())),
        allow=None if allow is None else tuple(allow),
        severity={rule: spec["severity"] for rule, spec in rules.items() if "severity" in spec},
        disabled=tuple(rule for rule, spec in rules.items() if spec.get("enabled") is False),
        extra_outputs=extra,
        baseline=values.get("baseline"),
        write_baseline=values.get("write-baseline"),
        days=values.get("days", TIMELINE_DAYS),
        # Only from the command line (the schema has no such key): a pull request that
        # could point the cache at files it ships could change what the scan sees.
        cache_dir=values.get("cache-dir"),
        allow_empty=values.get("allow-empty", False),
        parse_timeout=values.get("parse-timeout", PARSE_SECONDS),
        timeout=values.get("timeout", DEFAULT_SECONDS),
        # Only from the command line too: a config in the tree could widen it to `/`.
        root=values.get("root"),
        trusted=values.get("trusted", False),
    )


def _merged(given: Mapping[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    merged = dict(config)
    for key, value in given.items():
        if key in _LIST_KEYS:
            merged[key] = [*config.get(key, []), *value]
        elif key in ("var", "parameter"):
            merged[key] = {**config.get(key, {}), **value}
        elif key == "output":
            merged[key] = _output_over(_as_list(config.get(key, [])), value)
        else:
            merged[key] = value
    return merged


def _output_over(config: list[str], given: list[str]) -> list[str]:
    """The command line's outputs replace the config's plain file and its files for the same formats."""
    taken = {parse_output(v)[0] for v in given}
    return [v for v in config if parse_output(v)[0] not in taken] + list(given)


def _outputs(entries: Sequence[str]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    primary = None
    extra: list[tuple[str, str]] = []
    for entry in entries:
        fmt, file = parse_output(entry)
        if fmt is None:
            primary = file
        elif (fmt, file) not in extra:
            extra.append((fmt, file))
    return primary, tuple(extra)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _strings(values: Mapping[str, Any]) -> dict[str, str]:
    """Variable values as Terraform and CloudFormation spell them (YAML may give numbers or booleans)."""
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()}


def _date(text: str, where: str) -> date:
    try:
        return parse_day(text)
    except ValueError:
        raise ConfigError(f"{where} {text!r} is not a YYYY-MM-DD date") from None
