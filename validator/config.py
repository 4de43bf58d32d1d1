"""The run's settings: one frozen object built from the command line (and config files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
FAIL_ON = ("error", "warning", "note", "never")


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
    max_file_bytes: int = 10 * 1024 * 1024
    deny: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None
    severity: dict[str, str] = field(default_factory=dict)
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelPolicy:
    """The organisation's `deny:` / `allow:` lists of model IDs or globs (rule BDR010)."""

    deny: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None

    def denies(self, model_id: str) -> bool:
        if any(fnmatchcase(model_id, p) for p in self.deny):
            return True
        return self.allow is not None and not any(fnmatchcase(model_id, p) for p in self.allow)
