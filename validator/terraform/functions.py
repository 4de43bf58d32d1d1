"""Terraform's pure built-in functions, as Python functions over plain values.

Values are what the evaluator carries: str, int, float, bool, None, list (tuples and sets
alike) and dict (maps and objects). A function raises on input Terraform would refuse; the
evaluator turns that into an unknown value with the message. Unknown arguments never reach
a function: the evaluator answers for them. Everything that could grow without bound
(ranges, products, decoded documents, regular expressions) is bounded here, because the
arguments come from the code under review.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

# Far above a real configuration's lists, far below what exhausts memory.
MAX_ITEMS = 10_000
MAX_REGEX_INPUT = 64 * 1024
MAX_REGEX_PATTERN = 512
# No padding, precision or indentation builds a string longer than this (a million, as the
# evaluator keeps): `format("%999999999s", x)` would take a gigabyte and seconds.
MAX_BUILT_CHARS = 1_000_000
# Python's regular expressions backtrack: a quantified group that itself repeats, such as
# `(a+)+`, can take exponential time on a short input. Those patterns are refused.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)[*+{?]")


def as_text(value: Any) -> str:
    """How Terraform prints a value inside a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"{value!r} is not a bool")


def _items(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    raise ValueError("a list, set or map is required")


def _bounded(items: list[Any]) -> list[Any]:
    if len(items) > MAX_ITEMS:
        raise ValueError(f"more than {MAX_ITEMS} elements are not evaluated")
    return items


def _count_nodes(value: Any, limit: int = MAX_ITEMS * 10) -> None:
    """Refuse a decoded document bigger than `limit` values (YAML aliases can nest copies)."""
    stack, seen = [value], 0
    while stack:
        current = stack.pop()
        seen += 1
        if seen > limit:
            raise ValueError("the decoded document is too large to evaluate")
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _unique(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


# -- strings -----------------------------------------------------------------------------

_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def format_(fmt: str, *args: Any) -> str:
    """Terraform's `format`: the verbs real configurations use (%s %d %v %q %f %x %t)."""
    position = 0

    def verb(m: re.Match[str]) -> str:
        nonlocal position
        kind = m.group(5)
        if kind == "%":
            return "%"
        if m.group(1):
            position = int(m.group(1)) - 1
        if position >= len(args):
            raise ValueError("not enough arguments for the format string")
        value = args[position]
        position += 1
        width, precision, flags = m.group(3), m.group(4), m.group(2)
        if int(width or 0) > MAX_BUILT_CHARS or int(precision or 0) > MAX_BUILT_CHARS:
            raise ValueError("the format's width or precision is too large to evaluate")
        if kind in "sv":
            text = as_text(value) if kind == "s" or not isinstance(value, str) else value
            text = text[: int(precision)] if precision else text
        elif kind == "q":
            text = json.dumps(as_text(value))
        elif kind == "d":
            text = str(int(_number(value)))
        elif kind in "fFeEgG":
            text = f"{float(_number(value)):.{int(precision) if precision else 6}{kind}}"
        elif kind in "xX":
            text = (value.encode().hex() if isinstance(value, str) else f"{int(_number(value)):x}")
            text = text.upper() if kind == "X" else text
        elif kind == "t":
            text = as_text(_bool(value))
        else:
            raise ValueError(f"format verb %{kind} is not evaluated")
        if width:
            pad = "0" if "0" in flags and kind not in "sqv" else " "
            text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width), pad)
        return text

    return _VERB.sub(verb, fmt)


def formatlist(fmt: str, *args: Any) -> list[str]:
    lists = [a for a in args if isinstance(a, list)]
    lengths = {len(a) for a in lists}
    if len(lengths) > 1:
        raise ValueError("all lists must have the same length")
    length = lengths.pop() if lengths else 1
    return _bounded([format_(fmt, *(a[i] if isinstance(a, list) else a for a in args)) for i in range(length)])


def _regex(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_REGEX_PATTERN or _NESTED_QUANTIFIER.search(pattern):
        raise ValueError("the regular expression is not evaluated (too long, or nested repetition)")
    # RE2's named groups are `(?P<name>...)` as in Python; the rest of the common syntax agrees.
    return re.compile(pattern)


def _subject(text: str) -> str:
    if len(text) > MAX_REGEX_INPUT:
        raise ValueError("the text is too long for a regular expression")
    return text


def _groups(m: re.Match[str]) -> Any:
    if m.re.groupindex:
        return {k: v or "" for k, v in m.groupdict().items()}
    if m.re.groups:
        return [g or "" for g in m.groups()]
    return m.group(0)


def regex(pattern: str, text: str) -> Any:
    m = _regex(pattern).search(_subject(text))
    if m is None:
        raise ValueError("pattern did not match any part of the given string")
    return _groups(m)


def regexall(pattern: str, text: str) -> list[Any]:
    return _bounded([_groups(m) for m in _regex(pattern).finditer(_subject(text))][: MAX_ITEMS + 1])


def replace(text: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        template = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", new.replace("\\", "\\\\"))
        out = _regex(old[1:-1]).sub(template, _subject(text))
    else:
        if old == "":
            raise ValueError("an empty search string is not evaluated")
        out = text.replace(old, new)
    return out


def substr(text: str, offset: int, length: int) -> str:
    offset, length = int(offset), int(length)
    if offset < 0:
        offset = max(len(text) + offset, 0)
    return text[offset:] if length < 0 else text[offset : offset + length]


def indent(spaces: int, text: str) -> str:
    if int(spaces) * max(1, text.count("\n")) > MAX_BUILT_CHARS:
        raise ValueError("the indented text is too long to evaluate")
    return text.replace("\n", "\n" + " " * int(spaces))


def title(text: str) -> str:
    return re.sub(r"\b[a-z]", lambda m: m.group(0).upper(), text)


def trim(text: str, chars: str) -> str:
    return text.strip(chars)


def chomp(text: str) -> str:
    return re.sub(r"(?:\r\n|\n|\r)+$", "", text)


# -- collections -------------------------------------------------------------------------


def coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    raise ValueError("no non-null, non-empty argument")


def coalescelist(*lists: Any) -> list[Any]:
    return next((lst for lst in lists if lst), [])


def compact(items: list[Any]) -> list[Any]:
    return [i for i in items if i not in (None, "")]


def concat(*lists: Any) -> list[Any]:
    return _bounded([i for lst in lists for i in _items(lst)])


def flatten(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    stack = [iter(items)]
    while stack:
        item = next(stack[-1], StopIteration)
        if item is StopIteration:
            stack.pop()
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            out.append(item)
    return _bounded(out)


def element(items: list[Any], index: int) -> Any:
    if not items:
        raise ValueError("cannot use element on an empty list")
    return items[int(index) % len(items)]


def index(items: list[Any], value: Any) -> int:
    return items.index(value)


def lookup(mapping: Mapping[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise ValueError(f"key {key!r} not found")


def merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise ValueError("merge takes maps or objects")
        out.update(m)
    return out


def zipmap(keys: list[Any], values: list[Any]) -> dict[str, Any]:
    if len(keys) != len(values):
        raise ValueError("keys and values must have the same length")
    return {as_text(k): v for k, v in zip(keys, values, strict=True)}


def setproduct(*sets: Any) -> list[list[Any]]:
    total = math.prod(len(_items(s)) for s in sets)
    if total > MAX_ITEMS:
        raise ValueError(f"a product of {total} elements is not evaluated")
    out: list[list[Any]] = [[]]
    for s in sets:
        out = [[*prefix, item] for prefix in out for item in _items(s)]
    return out


def slice_(items: list[Any], start: int, end: int) -> list[Any]:
    start, end = int(start), int(end)
    if not 0 <= start <= end <= len(items):
        raise ValueError("slice bounds out of range")
    return items[start:end]


def length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ValueError("length takes a string, list or map")


def one(items: list[Any]) -> Any:
    items = _items(items)
    if len(items) > 1:
        raise ValueError("must be a list, set or tuple with zero or one elements")
    return items[0] if items else None


def range_(*args: Any) -> list[int | float]:
    numbers = [_number(a) for a in args]
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    start, stop, step = numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else 1
    if step == 0:
        raise ValueError("step must not be zero")
    count = max(math.ceil((stop - start) / step), 0)
    if count > MAX_ITEMS:
        raise ValueError(f"a range of {count} numbers is not evaluated")
    return [start + i * step for i in range(count)]


def chunklist(items: list[Any], size: int) -> list[list[Any]]:
    size = int(size)
    if size <= 0:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]


def transpose(mapping: Mapping[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, values in mapping.items():
        for value in values:
            out.setdefault(value, []).append(key)
    return out


def matchkeys(values: list[Any], keys: list[Any], search: list[Any]) -> list[Any]:
    return [v for v, k in zip(values, keys, strict=True) if k in search]


def tomap(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("a map or object is required")
    return value


def tolist(value: Any) -> list[Any]:
    return list(_items(value)) if isinstance(value, list) else _raise("a list or set is required")


def _raise(message: str) -> Any:
    raise ValueError(message)


# -- encodings ---------------------------------------------------------------------------


def jsondecode(text: str) -> Any:
    value = json.loads(text)
    _count_nodes(value)
    return value


def yamldecode(text: str) -> Any:
    value = yaml.safe_load(text)
    _count_nodes(value)
    return value


def yamlencode(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=True, default_flow_style=False, allow_unicode=True)


def csvdecode(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = rows[0]
    return _bounded([dict(zip(header, row, strict=True)) for row in rows[1:]])


def arn_build(partition: str, service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def arn_parse(arn: str) -> dict[str, str]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"{arn!r} is not an ARN")
    return dict(zip(("arn", "partition", "service", "region", "account_id", "resource"), parts, strict=True))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # strings
    "format": format_,
    "formatlist": formatlist,
    "join": lambda sep, *lists: sep.join(as_text(i) for lst in lists for i in _items(lst)),
    "split": lambda sep, text: text.split(sep) if sep else list(text),
    "replace": replace,
    "lower": str.lower,
    "upper": str.upper,
    "title": title,
    "trim": trim,
    "trimspace": str.strip,
    "trimprefix": lambda text, prefix: text.removeprefix(prefix),
    "trimsuffix": lambda text, suffix: text.removesuffix(suffix),
    "chomp": chomp,
    "indent": indent,
    "substr": substr,
    "strrev": lambda text: text[::-1],
    "strcontains": lambda text, part: part in text,
    "startswith": lambda text, prefix: text.startswith(prefix),
    "endswith": lambda text, suffix: text.endswith(suffix),
    "regex": regex,
    "regexall": regexall,
    # collections
    "alltrue": lambda items: all(_bool(i) for i in items),
    "anytrue": lambda items: any(_bool(i) for i in items),
    "chunklist": chunklist,
    "coalesce": coalesce,
    "coalescelist": coalescelist,
    "compact": compact,
    "concat": concat,
    "contains": lambda items, value: value in _items(items),
    "distinct": lambda items: _unique(items),
    "element": element,
    "flatten": flatten,
    "index": index,
    "keys": lambda m: sorted(tomap(m)),
    "values": lambda m: [tomap(m)[k] for k in sorted(m)],
    "length": length,
    "lookup": lookup,
    "matchkeys": matchkeys,
    "merge": merge,
    "one": one,
    "range": range_,
    "reverse": lambda items: list(reversed(items)),
    "setintersection": lambda first, *rest: [i for i in _unique(first) if all(i in r for r in rest)],
    "setproduct": setproduct,
    "setsubtract": lambda a, b: [i for i in _unique(a) if i not in b],
    "setunion": lambda *sets: _bounded(_unique(i for s in sets for i in s)),
    "slice": slice_,
    "sort": lambda items: sorted(as_text(i) for i in items),
    "sum": lambda items: sum(_number(i) for i in items),
    "transpose": transpose,
    "zipmap": zipmap,
    # numbers
    "abs": lambda n: abs(_number(n)),
    "ceil": lambda n: math.ceil(_number(n)),
    "floor": lambda n: math.floor(_number(n)),
    "max": lambda *ns: max(_number(n) for n in ns),
    "min": lambda *ns: min(_number(n) for n in ns),
    "parseint": lambda text, base: int(text, int(base)),
    "signum": lambda n: (_number(n) > 0) - (_number(n) < 0),
    # types
    "tostring": lambda v: v if v is None else as_text(v) if not isinstance(v, (list, dict)) else _raise(
        "a collection cannot be converted to a string"),
    "tonumber": lambda v: v if v is None else _number(v),
    "tobool": lambda v: v if v is None else _bool(v),
    "tolist": tolist,
    "toset": lambda v: _unique(_items(v)),
    "tomap": tomap,
    # encodings
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "jsondecode": jsondecode,
    "yamlencode": yamlencode,
    "yamldecode": yamldecode,
    "base64encode": lambda text: base64.b64encode(text.encode()).decode(),
    "base64decode": lambda text: base64.b64decode(text, validate=True).decode(),
    "csvdecode": csvdecode,
    "urlencode": lambda text: urllib.parse.quote(text, safe=""),
    "urldecode": urllib.parse.unquote,
    # paths (no disk access)
    "basename": lambda path: path.rstrip("/").rsplit("/", 1)[-1],
    "dirname": lambda path: path.rsplit("/", 1)[0] if "/" in path else ".",
    # the AWS provider's functions
    "provider::aws::arn_build": arn_build,
    "provider::aws::arn_parse": arn_parse,
}
