"""Carry `Mark`s along when text is cut and joined, so a model found in built text is
reported where its piece is written (a `Fn::Join` element, a `${Name}` in `Fn::Sub`)."""

from __future__ import annotations

from collections.abc import Iterable

from .model import Mark, locate, mark_at

NOT_HERE = (Mark(0, None),)
"""The marks of text that was not written at the use site (its origin says where)."""


def point(line: int, column: int | None) -> tuple[Mark, ...]:
    """Text written, all of it, at one place."""
    return (Mark(0, line, column),)


def at(marks: tuple[Mark, ...], text: str, offset: int) -> tuple[Mark, ...]:
    """The place of `text[offset]` as the marks of a text written there."""
    line, column = locate(marks, text, offset)
    return NOT_HERE if line is None else (Mark(0, line, column),)


def sliced(marks: tuple[Mark, ...], text: str, start: int, end: int) -> tuple[Mark, ...]:
    """The marks of `text[start:end]`, counted from its own start."""
    if not marks:
        return ()
    first = mark_at(marks, start)
    if first is None or first.line is None:
        head = NOT_HERE[0]
    else:
        line, column = locate(marks, text, start)
        head = Mark(0, line, column, first.flows)
    rest = (Mark(m.offset - start, m.line, m.column, m.flows) for m in marks if start < m.offset < end)
    return (head, *rest)


def joined(pieces: Iterable[tuple[str, tuple[Mark, ...]]]) -> tuple[Mark, ...]:
    """The marks of the concatenation of `pieces`; () when none of them has any."""
    out: list[Mark] = []
    offset, any_marks = 0, False
    for text, marks in pieces:
        any_marks = any_marks or bool(marks)
        out.extend(Mark(m.offset + offset, m.line, m.column, m.flows) for m in (marks or NOT_HERE))
        offset += len(text)
    return tuple(out) if any_marks else ()
