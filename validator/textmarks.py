"""Carry `Mark`s along when text is cut and joined, so a model found in built text is
reported where its piece is written (a `Fn::Join` element, a `${Name}` in `Fn::Sub`)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import replace

from .model import Mark, locate, mark_at

NOT_HERE = (Mark(0, None),)
"""The marks of text that was not written at the use site (its origin says where)."""


def placed(line: int | None, column: int | None) -> tuple[Mark, ...]:
    """The marks of text put, all of it, at one place (see `Mark.placed`)."""
    return (Mark(0, line, column, placed=True),)


def at(marks: tuple[Mark, ...], text: str, offset: int) -> tuple[Mark, ...]:
    """The place of `text[offset]` as the marks of a text put there."""
    return placed(*locate(marks, text, offset))


def sliced(marks: tuple[Mark, ...], text: str, start: int, end: int) -> tuple[Mark, ...]:
    """The marks of `text[start:end]`, counted from its own start."""
    if not marks:
        return ()
    line, column = locate(marks, text, start)
    head = replace(mark_at(marks, start) or NOT_HERE[0], offset=0, line=line, column=column)
    rest = (replace(m, offset=m.offset - start) for m in within(marks, start, end))
    return (head, *rest)


def within(marks: tuple[Mark, ...], start: int, end: int) -> tuple[Mark, ...]:
    """The marks that begin strictly inside `start`..`end` (marks are in offset order: a
    heredoc of thousands of lines is cut into thousands of pieces)."""
    first = bisect.bisect_right(marks, start, key=lambda mark: mark.offset)
    return marks[first : bisect.bisect_left(marks, end, key=lambda mark: mark.offset)]


def joined(pieces: Iterable[tuple[str, tuple[Mark, ...]]]) -> tuple[Mark, ...]:
    """The marks of the concatenation of `pieces`; () when none of them has any."""
    out: list[Mark] = []
    offset, any_marks = 0, False
    for text, marks in pieces:
        any_marks = any_marks or bool(marks)
        out.extend(replace(m, offset=m.offset + offset) for m in (marks or NOT_HERE))
        offset += len(text)
    return tuple(out) if any_marks else ()
