"""Evaluate Terraform expressions statically, keeping every value an expression can take.

A conditional yields both branches, a variable yields the value Terraform would pick, and
anything that needs AWS or `apply` yields an unknown with the reason. Each value carries
the place it was written, so a finding can point back at a tfvars line or a default.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..model import Origin
from .syntax import Call, Cond, Expr, Index, ListX, Lit, MapX, Opaque, Ref, Template

MAX_CANDIDATES = 64
# No real model reference is a megabyte long; a bigger value is what a hostile configuration
# builds (doubling locals, replace() blow-ups) to exhaust memory, so it stays unknown.
MAX_VALUE_CHARS = 1_000_000
_TOO_LONG = f"the value is longer than {MAX_VALUE_CHARS // 1_000_000} million characters and is not evaluated"


@dataclass(frozen=True, slots=True)
class Val:
    """One possible value; `known` is False when it cannot be found statically (`reason`)."""

    value: Any
    origin: Origin | None = None
    reason: str | None = None
    known: bool = True
    line: int | None = None


def unknown(reason: str) -> Val:
    return Val(None, reason=reason, known=False)


def with_step(val: Val, step: str, file: str, line: int) -> Val:
    """Record that the value passed through `step`; a value written here starts its origin."""
    if not val.known:
        return val
    # Past a variable or local the text is no longer where it is used: drop its line.
    if val.origin is None:
        return replace(val, origin=Origin(file, line, (step,)), line=None)
    return replace(val, origin=replace(val.origin, chain=(*val.origin.chain, step)), line=None)


Lookup = Callable[[Ref], list[Val]]


class Evaluator:
    """Evaluates expressions of one module; `lookup` answers `var.`, `local.` and other refs."""

    def __init__(self, lookup: Lookup, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._lookup = lookup
        self._functions = {**FUNCTIONS, **(functions or {})}

    def with_lookup(self, lookup: Lookup) -> Evaluator:
        """The same functions over other names (instances of `for_each`, template variables)."""
        return Evaluator(lookup, self._functions)

    def eval(self, node: Expr) -> list[Val]:
        method = getattr(self, "_" + type(node).__name__.lower())
        return [_capped(v) for v in method(node)[:MAX_CANDIDATES]]

    def _lit(self, node: Lit) -> list[Val]:
        return [Val(node.value, line=node.line)]

    def _opaque(self, node: Opaque) -> list[Val]:
        return [unknown(f"expression `{node.text}` is not evaluated statically")]

    def _ref(self, node: Ref) -> list[Val]:
        return self._lookup(node)

    def _cond(self, node: Cond) -> list[Val]:
        # Both branches can deploy, so both are references, whatever the condition says.
        return self.eval(node.then) + self.eval(node.other)

    def _template(self, node: Template) -> list[Val]:
        choices = [[Val(p, line=node.body_line)] if isinstance(p, str) else self.eval(p) for p in node.parts]
        out = []
        for combo in itertools.islice(itertools.product(*choices), MAX_CANDIDATES):
            out.append(_join(combo, node.body_line))
        return out

    def _listx(self, node: ListX) -> list[Val]:
        return _combine([self.eval(i) for i in node.items], list)

    def _mapx(self, node: MapX) -> list[Val]:
        keys = [k for k, _ in node.items]
        return _combine([self.eval(v) for _, v in node.items], lambda vs: dict(zip(keys, vs, strict=False)))

    def _index(self, node: Index) -> list[Val]:
        out = []
        for target, key in itertools.product(self.eval(node.target), self.eval(node.key)):
            out.extend(_index_value(target, key))
        return out

    def _call(self, node: Call) -> list[Val]:
        func = self._functions.get(node.name)
        if func is None:
            return [unknown(f"function {node.name}() is not evaluated statically")]
        args = [self.eval(a) for a in node.args]
        out = []
        for combo in itertools.islice(itertools.product(*args), MAX_CANDIDATES):
            missing = next((v for v in combo if not v.known), None)
            if missing is not None:
                out.append(missing)
                continue
            try:
                value = func(*(v.value for v in combo))
            except Exception as exc:  # any failure of a function on odd input means "unknown"
                out.append(unknown(f"{node.name}() cannot be evaluated: {exc}"))
                continue
            out.append(Val(value, origin=_first_origin(combo), line=None))
        return out


def _first_origin(vals: Iterable[Val]) -> Origin | None:
    return next((v.origin for v in vals if v.origin is not None), None)


def _capped(val: Val) -> Val:
    if val.known and isinstance(val.value, (str, list, dict)) and len(val.value) > MAX_VALUE_CHARS:
        return unknown(_TOO_LONG)
    return val


def _join(parts: tuple[Val, ...], line: int) -> Val:
    if sum(len(v.value) for v in parts if v.known and isinstance(v.value, str)) > MAX_VALUE_CHARS:
        return unknown(_TOO_LONG)
    missing = next((v for v in parts if not v.known), None)
    if missing is not None:
        if _has_literal_text(parts):
            # Keep the literal text around the unknown part, so an ARN with an
            # unresolved account or region still shows the model it names.
            text = "".join(as_text(v.value) if v.known else "${?}" for v in parts)
            return Val(text, origin=_main_origin(parts), reason=missing.reason, line=line)
        return missing
    origin = _main_origin(parts)
    return Val("".join(as_text(v.value) for v in parts), origin=origin, line=None if origin else line)


def _main_origin(parts: tuple[Val, ...]) -> Origin | None:
    """The origin of the longest interpolated piece: in an ARN that is the model, not the region."""
    pieces = [v for v in parts if v.origin is not None]
    return max(pieces, key=lambda v: len(as_text(v.value))).origin if pieces else None


def _has_literal_text(parts: tuple[Val, ...]) -> bool:
    return any(v.known and isinstance(v.value, str) and v.value for v in parts)


def as_text(value: Any) -> str:
    """How Terraform prints a value inside a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _combine(options: list[list[Val]], build: Callable[[list[Any]], Any]) -> list[Val]:
    out = []
    for combo in itertools.islice(itertools.product(*options), MAX_CANDIDATES):
        # Unknown members stay inside the collection as None: one unknown tag must not
        # hide the known model IDs beside it.
        out.append(Val(build([v.value for v in combo]), origin=_first_origin(combo), line=None))
    return out or [Val(build([]))]


def _index_value(target: Val, key: Val) -> list[Val]:
    if not target.known or not key.known:
        return [target if not target.known else key]
    try:
        value = target.value[key.value if isinstance(target.value, dict) else int(key.value)]
    except (KeyError, IndexError, TypeError, ValueError):
        return [unknown(f"index [{key.value!r}] not found")]
    return [Val(value, origin=target.origin or key.origin)]


def _format(fmt: str, *args: Any) -> str:
    out, it = [], iter(args)
    pieces = fmt.replace("%%", "\0").split("%")
    out.append(pieces[0])
    for piece in pieces[1:]:
        out.append(as_text(next(it)) + piece[1:] if piece else "%")
    return "".join(out).replace("\0", "%")


def _lookup_fn(mapping: Mapping[str, Any], key: str, *default: Any) -> Any:
    return mapping[key] if key in mapping or not default else default[0]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":")),
    "format": _format,
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "trimspace": lambda s: s.strip(),
    "replace": lambda s, old, new: s.replace(old, new),
    "join": lambda sep, items: sep.join(as_text(i) for i in items),
    "split": lambda sep, s: s.split(sep),
    "lookup": _lookup_fn,
    "element": lambda items, i: items[int(i) % len(items)],
    "coalesce": lambda *vals: next(v for v in vals if v not in (None, "")),
    "concat": lambda *lists: [i for lst in lists for i in lst],
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "tostring": as_text,
    "tolist": list,
    "toset": list,
    "values": lambda m: list(m.values()),
    "keys": lambda m: list(m.keys()),
}
