"""Help screens that read like the README: options show the value they take (DATE, FILE,
NAME=VALUE), never a type tag such as `<bool>` or `<list[str]>`.

Typer prints a parameter's type beside it unless the parameter has a metavar; a flag, which
takes no value, gets an empty one, and an argument (whose name already says what it takes)
gets no type column at all.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _untagged(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif type(param) is TyperArgument:
            param.__class__ = _Argument
        elif param.metavar is None:  # an option declared without one: its name, as the README writes it
            param.metavar = (param.name or "value").upper().replace("_", "-")
    return params


class Command(TyperCommand):
    """A command whose help has no type tags."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untagged(super().get_params(ctx))


class Group(TyperGroup):
    """A command group whose help has no type tags."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untagged(super().get_params(ctx))
