"""Where each character of a folded YAML scalar is written (SPEC 8).

A `>` block and a plain or quoted scalar written over several lines are folded on loading:
a line break becomes a space, blank lines become newlines, the indentation goes, and
escapes (`\\x41`, `''`) shrink. So the loaded text cannot be mapped to the file by counting
newlines. Instead each written line is cut to its content, decoded, and found in the
loaded text in order; only whitespace may lie between two lines' pieces. Each piece found
is a `Mark` with its line and column. Where the file and the loaded text part (a form this
walk does not know), the rest keeps an approximate line and no column: never a wrong
exact place.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from yaml.scanner import Scanner

from ..model import Mark, line_breaks

# Whitespace that folding leaves between two written lines' pieces (PyYAML makes every line
# break `\n` but keeps U+2028 and U+2029).
_FOLDED = re.compile(r"[ \t\n\u2028\u2029]*")
_WHITESPACE = " \t\n\u2028\u2029"
# An anchor or tag written before the scalar (`!Sub`, `&model`), which its start includes.
_PROPERTIES = re.compile(r"(?:[!&][^ \t\r\n\x85\u2028\u2029]*[ \t\r\n\x85\u2028\u2029]+)*")

# A written line's content -> (its decoded text, [(offset in it, offset in the line)] where
# escapes end), or None when it cannot be decoded.
Decoder = Callable[[str], "tuple[str, list[tuple[int, int]]] | None"]


@dataclass(frozen=True, slots=True)
class Piece:
    """The decoded content of one written line, and where it starts in the file."""

    text: str
    shifts: list[tuple[int, int]]  # (offset in text, columns from `column`) where escapes end
    line: int
    column: int


def folded_marks(value: str, text: str, start: int, end: int, style: str | None,
                 line_starts: Sequence[int]) -> tuple[Mark, ...] | None:
    """Marks for a `>` block (`style` ">") or a multi-line flow scalar written in
    `text[start:end]` (start and end marks of the node); None when nothing matches."""
    span = _content(text, start, end, style)
    if span is None:
        return None
    first, last, decode = span
    return _align(value, _pieces(text, first, last, decode, line_starts))


def _content(text: str, start: int, end: int, style: str | None) -> tuple[int, int, Decoder] | None:
    """Where the written lines are, and how to decode them."""
    content = _PROPERTIES.match(text, start, end).end()  # type: ignore[union-attr]
    opener = text[content : content + 1]
    if style == ">":
        header = line_breaks("yaml").search(text, content, end)
        return (header.end(), end, _as_written) if header else None
    if style in ("'", '"') and opener == style:
        if text[end - 1 : end] != style:
            return None
        return content + 1, end - 1, _single_quoted if style == "'" else _double_quoted
    if style in (None, "", "'") and opener not in ("'", '"'):  # a tagged plain scalar is loaded as `'`
        return content, end, _as_written
    return None


def _pieces(text: str, first: int, last: int, decode: Decoder, line_starts: Sequence[int]) -> Iterator[Piece | None]:
    """The content of each written line of `text[first:last]`; None for one that cannot be decoded."""
    line = bisect.bisect_right(line_starts, first)
    begin = first
    for found in (*line_breaks("yaml").finditer(text, first, last), None):
        stop = found.start() if found else last
        left, right = begin, stop
        while left < right and text[left] in " \t":
            left += 1
        while right > left and text[right - 1] in " \t":
            right -= 1
        if left < right:
            decoded = decode(text[left:right])
            column = left - line_starts[line - 1] + 1
            yield None if decoded is None else Piece(decoded[0], decoded[1], line, column)
        if found is not None:
            line, begin = line + 1, found.end()


def _align(value: str, pieces: Iterator[Piece | None]) -> tuple[Mark, ...] | None:
    marks: list[Mark] = []
    at, line = 0, None
    for piece in pieces:
        if piece is None:
            return _parted(marks, at, line)
        line = piece.line
        body = piece.text.lstrip(_WHITESPACE)
        if not body:
            continue  # only escaped whitespace: folding may have merged it with its neighbours
        found = _FOLDED.match(value, at).end() - (len(piece.text) - len(body))  # type: ignore[union-attr]
        if found < at or not value.startswith(piece.text, found):
            return _parted(marks, at, line)
        marks.extend(Mark(found + offset, piece.line, piece.column + shift) for offset, shift in piece.shifts)
        at = found + len(piece.text)
    if _FOLDED.match(value, at).end() != len(value):  # type: ignore[union-attr]
        return _parted(marks, at, line)
    return tuple(marks) if marks else None


def _parted(marks: list[Mark], at: int, line: int | None) -> tuple[Mark, ...] | None:
    """What was matched, then an approximate line from where the walk lost the text."""
    if not marks or line is None:
        return None
    return (*marks, Mark(at, line, None, True))


def _as_written(raw: str) -> tuple[str, list[tuple[int, int]]]:
    return raw, [(0, 0)]


def _single_quoted(raw: str) -> tuple[str, list[tuple[int, int]]]:
    """`it''s`: each doubled quote is one character."""
    shifts = [(0, 0)]
    decoded = raw.replace("''", "'")
    found = raw.find("''")
    while found >= 0:
        shifts.append((found + 2 - len(shifts), found + 2))
        found = raw.find("''", found + 2)
    return decoded, shifts


def _double_quoted(raw: str) -> tuple[str, list[tuple[int, int]]] | None:
    """Escapes as PyYAML reads them; a `\\` ending the line joins it to the next."""
    out: list[str] = []
    shifts = [(0, 0)]
    size, position = 0, 0
    found = raw.find("\\")
    while found >= 0:
        out.append(raw[position:found])
        size += found - position
        code = raw[found + 1 : found + 2]
        if not code:  # an escaped line break: nothing, and the next line follows at once
            return "".join(out), shifts
        if code in Scanner.ESCAPE_REPLACEMENTS:
            out.append(Scanner.ESCAPE_REPLACEMENTS[code])
            position = found + 2
        elif code in Scanner.ESCAPE_CODES:
            position = found + 2 + Scanner.ESCAPE_CODES[code]
            digits = raw[found + 2 : position]
            if len(digits) != Scanner.ESCAPE_CODES[code] or not all(c in "0123456789abcdefABCDEF" for c in digits):
                return None
            number = int(digits, 16)
            if number > 0x10FFFF:
                return None
            out.append(chr(number))
        else:
            return None
        size += 1
        shifts.append((size, position))
        found = raw.find("\\", position)
    out.append(raw[position:])
    return "".join(out), shifts
