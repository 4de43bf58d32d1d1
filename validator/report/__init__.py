"""Renderers: one module per output format, each a `render(report, options) -> str`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

from ..model import Finding, Report

if TYPE_CHECKING:
    from ..timeline import Timeline

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
LIFECYCLE_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html"


@dataclass(frozen=True)
class RenderOptions:
    """What a renderer may know beyond the report.

    `locations` maps a report's file names (relative to the scanned directory, SPEC 8) to
    paths from the current directory, which is what CI systems resolve against the
    repository; `timeline` is drawn by the markdown report. `verbose` lists notes in the
    text report. `category` names this scan among others of the same repository (SARIF
    `automationDetails.id`, e.g. one per root module).
    """

    fail_on: str = "error"
    color: bool = False
    locations: Mapping[str, str] = field(default_factory=dict)
    timeline: Timeline | None = None
    verbose: bool = False
    category: str = "iac-check/"

    def path(self, file: str) -> str:
        return self.locations.get(file, file)


def render(report: Report, fmt: str, options: RenderOptions) -> str:
    module = import_module(f".{fmt}_format", __name__)
    return module.render(report, options)


def origin_phrase(f: Finding, name: Callable[[str], str] = str) -> str:
    """"set in prod.tfvars:3" when the model was written somewhere else than where it is used
    (SPEC 8), so a reader is sent to the line to change; empty when it is the same place.
    `name` turns the report's file name into the one the format shows. A finding merged
    over several instances knows its first instance's origin only, and says so."""
    origin = f.origin
    if origin is None or (origin.file, origin.line) == (f.span.file, f.span.line):
        return ""
    names = instance_names(f)
    return f"set in {name(origin.file)}:{origin.line}" + (f" for {names[0]}" if names else "")


def instance_names(f: Finding) -> list[str]:
    """How the instances of a merged finding differ: `module.a` for `module.a.aws_x.this`.

    The resource address they share is cut from the end; an instance whose address is
    all shared is the root module's own (or the top-level stack's).
    """
    paths = [(i.resource or "").split(".") for i in f.instances]
    if len(paths) < 2:
        return []
    shared = 0
    while shared < min(map(len, paths)) and len({tuple(p[len(p) - shared - 1:]) for p in paths}) == 1:
        shared += 1
    return [".".join(p[:len(p) - shared]) or "root module" for p in paths]


def shared_resource(f: Finding) -> str | None:
    """The part of the resource address every instance has (the whole address for one)."""
    names = instance_names(f)
    if not names or f.resource is None:
        return f.resource
    own = names[0]
    return f.resource if own == "root module" else f.resource[len(own) + 1:]


def instances_phrase(f: Finding, shown: int = 5) -> str:
    """"in 4 module instances: module.a, module.b, ..." (empty for a single instance)."""
    names = instance_names(f)
    if not names:
        return ""
    kind = "module instances" if all(n.startswith("module.") or n == "root module" for n in names) else "instances"
    listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
    return f"in {len(names)} {kind}: {listed}"
