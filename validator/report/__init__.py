"""Renderers: one module per output format, each a `render(report, options) -> str`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from ..model import Report

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")


@dataclass(frozen=True)
class RenderOptions:
    fail_on: str = "error"
    color: bool = False


def render(report: Report, fmt: str, options: RenderOptions) -> str:
    module = import_module(f".{fmt}_format", __name__)
    return module.render(report, options)
