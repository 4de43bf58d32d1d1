"""Renderers: one module per output format, each a `render(report, options) -> str`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

from ..model import Report

if TYPE_CHECKING:
    from ..timeline import Timeline

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
LIFECYCLE_PAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html"


@dataclass(frozen=True)
class RenderOptions:
    """What a renderer may know beyond the report.

    `locations` maps a report's file names (relative to the scanned directory, SPEC 8) to
    paths from the current directory, which is what CI systems resolve against the
    repository; `timeline` is drawn by the markdown report.
    """

    fail_on: str = "error"
    color: bool = False
    locations: Mapping[str, str] = field(default_factory=dict)
    timeline: Timeline | None = None

    def path(self, file: str) -> str:
        return self.locations.get(file, file)


def render(report: Report, fmt: str, options: RenderOptions) -> str:
    module = import_module(f".{fmt}_format", __name__)
    return module.render(report, options)
