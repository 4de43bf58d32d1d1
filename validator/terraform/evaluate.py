"""Evaluate Terraform expressions statically, keeping every value an expression can take.

A conditional yields both branches, a variable yields the value Terraform would pick, and
anything that needs AWS or `apply` yields an unknown with the reason. Each value carries
the place it was written, so a finding can point back at a tfvars line or a default.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..model import Mark, Origin, Span
from ..modelid import could_mention_model
from ..textmarks import joined
from .functions import FUNCTIONS, MAX_ITEMS, as_text
from .syntax import Call, Cond, Expr, ForX, Index, ListX, Lit, MapX, Op, Opaque, Ref, Splat, Template

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
    # For a collection: the same shape as `value` with the line each scalar was written
    # on (None where not known), so a model in a map literal is traced to its own line.
    lines: Any = None
    # Where each part of a text written at the use site is (see `model.Mark`); without
    # marks, all of it is on `line`.
    marks: tuple[Mark, ...] = ()


def unknown(reason: str) -> Val:
    return Val(None, reason=reason, known=False)


def with_step(val: Val, step: str, file: str, line: int, place: bool = False) -> Val:
    """Record that the value passed through `step`; a value written here starts its origin.

    `place` marks a step that is a place of its own in the chain (a module argument).
    """
    if not val.known:
        return val
    steps = (Span(file, line),) if place else ()
    # Past a variable or local the text is no longer where it is used: drop its line.
    if val.origin is None:
        return replace(val, origin=Origin(file, line, (step,), steps), line=None, marks=())
    origin = replace(val.origin, chain=(*val.origin.chain, step), steps=(*val.origin.steps, *steps))
    return replace(val, origin=origin, line=None, marks=())


Lookup = Callable[[Ref], list[Val]]

# Functions that take an unevaluated argument or need its unknown parts.
_SPECIAL = ("try", "can")
# A map or list looked up by a key that is not known statically can yield any of its
# values, as `Fn::FindInMap` with an unknown key does.
_BY_KEY = {"lookup": 1, "element": 1}
# Arguments that are pieces of text put into a string: an unknown one becomes `${?}` there,
# as in a template, so `replace(arn, "us-east-1", local.region)` keeps the model it names.
_PIECES: dict[str, Callable[[int], bool]] = {
    "format": lambda i: i > 0, "replace": lambda i: i == 2, "join": lambda i: i == 0,
}
_PIECE = "${?}"


class Evaluator:
    """Evaluates expressions of one module; `lookup` answers `var.`, `local.` and other refs."""

    def __init__(self, lookup: Lookup, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._lookup = lookup
        self._functions = {**FUNCTIONS, **(functions or {})}

    def with_lookup(self, lookup: Lookup) -> Evaluator:
        """The same functions over other names (instances of `for_each`, template variables)."""
        return Evaluator(lookup, self._functions)

    def bind(self, names: Mapping[str, Val | list[Val]]) -> Evaluator:
        """This evaluator with local names (a for-expression's, a `dynamic` block's iterator)
        on top; a name bound to several values takes each of them."""
        outer = self._lookup
        bound = {k: v if isinstance(v, list) else [v] for k, v in names.items()}

        def lookup(ref: Ref) -> list[Val]:
            head = str(ref.parts[0])
            return [select(v, ref.parts[1:]) for v in bound[head]] if head in bound else outer(ref)

        return self.with_lookup(lookup)

    def eval(self, node: Expr) -> list[Val]:
        method = getattr(self, "_" + type(node).__name__.lower())
        return [_capped(v) for v in _distinct(method(node))[:MAX_CANDIDATES]]

    def _lit(self, node: Lit) -> list[Val]:
        return [Val(node.value, line=node.line, marks=node.marks)]

    def _opaque(self, node: Opaque) -> list[Val]:
        reason = f"expression `{_short(node.text)}` is not evaluated statically"
        return [unknown(reason), *_salvage(v for part in node.parts for v in self.eval(part))]

    def _ref(self, node: Ref) -> list[Val]:
        return self._lookup(node)

    def _cond(self, node: Cond) -> list[Val]:
        # Both branches can deploy, so both are references, whatever the condition says.
        return self.eval(node.then) + self.eval(node.other)

    def _template(self, node: Template) -> list[Val]:
        return [_join(combo, node.body_line, node.places) for combo in combos([self.eval(p) for p in node.parts])]

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

    def _splat(self, node: Splat) -> list[Val]:
        out: list[Val] = []
        for target in self.eval(node.target):
            if not target.known and isinstance(node.target, Ref):
                # `aws_x.y[*].arn`: every instance's attribute is the block's one expression.
                out += [map_value(v, lambda x: [x]) for v in self.eval(Ref((*node.target.parts, *node.steps),
                                                                            node.line))]
            elif not target.known:
                out.append(target)
            else:
                items = [] if target.value is None else target.value if isinstance(target.value, list) else \
                    [target.value]
                picked = [select(Val(i, target.origin), node.steps) for i in items]
                out.append(Val([v.value for v in picked], target.origin))
                out += [v for v in picked if not v.known][:1]
        return out

    def _forx(self, node: ForX) -> list[Val]:
        out: list[Val] = []
        for coll in self.eval(node.collection):
            if not coll.known or not isinstance(coll.value, (list, dict)):
                reason = coll.reason if not coll.known else "a for-expression needs a list or map"
                blank = unknown(reason or "the collection is not known")
                scope = self.bind({n: blank for n in (node.key_var, node.value_var) if n})
                parts = [v for x in (node.key, node.value) if x is not None for v in scope.eval(x)]
                out += [blank, *_salvage(parts)]
                continue
            out += self._for_known(node, coll)
        return out

    def _for_known(self, node: ForX, coll: Val) -> list[Val]:
        elements: list[list[tuple[Val | None, Val]]] = []
        for key, item in members(coll)[:MAX_ITEMS]:
            names = {node.value_var: item}
            if node.key_var:
                names[node.key_var] = Val(key, coll.origin)
            scope = self.bind(names)
            if node.cond is not None and all(v.known and v.value is False for v in scope.eval(node.cond)):
                continue
            values = scope.eval(node.value)
            keys: list[Val | None] = list(scope.eval(node.key)) if node.key is not None else [None]
            elements.append([(k, v) for k in keys for v in values][:MAX_CANDIDATES])
        return [self._for_result(node, list(combo)) for combo in combos(elements)]

    @staticmethod
    def _for_result(node: ForX, combo: list[tuple[Val | None, Val]]) -> Val:
        origin = _first_origin(v for _, v in combo)
        if node.key is None:
            return Val([v.value for _, v in combo], origin)
        result: dict[str, Any] = {}
        for key, value in combo:
            name = as_text(key.value) if key is not None and key.known else "${?}"
            if node.group:
                result.setdefault(name, []).append(value.value)
            else:
                result[name] = value.value
        return Val(result, origin)

    def _op(self, node: Op) -> list[Val]:
        options = [self.eval(o) for o in node.operands]
        out = []
        for combo in combos(options):
            missing = next((v for v in combo if not v.known), None)
            if missing is not None:
                out.append(missing)
                continue
            try:
                out.append(Val(_operate(node.op, [v.value for v in combo])))
            except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
                out.append(unknown(f"operator {node.op} cannot be evaluated: {exc}"))
        return out

    def _call(self, node: Call) -> list[Val]:
        if node.name in _SPECIAL:
            return self._try(node) if node.name == "try" else self._can(node)
        args = [self.eval(a) for a in node.args]
        func = self._functions.get(node.name)
        if func is None:
            return [unknown(f"function {node.name}() is not supported"), *_salvage(v for a in args for v in a)]
        out = []
        for combo in combos(args):
            missing = next((v for v in combo if not v.known), None)
            if missing is not None and not _pieces_only(node.name, combo):
                out += _by_unknown_key(node.name, combo) or [missing, *_salvage(combo)]
                continue
            try:
                value = func(*(v.value if v.known else _PIECE for v in combo))
            except Exception as exc:  # any failure of a function on odd input means "unknown"
                out += [unknown(f"{node.name}() cannot be evaluated: {_short(str(exc))}"), *_salvage(combo)]
                continue
            reason = missing.reason if missing is not None else _last_reason(combo)
            out.append(Val(value, origin=_first_origin(combo), reason=reason, line=None))
        return out

    def _try(self, node: Call) -> list[Val]:
        """The first argument that evaluates; an argument that cannot be known may fail in
        Terraform too, so the ones after it count as well."""
        out: list[Val] = []
        last: list[Val] = []
        for arg in node.args:
            vals = self.eval(arg)
            out += [v for v in vals if v.known]
            if all(v.known for v in vals):
                return out
            last = [v for v in vals if not v.known]
        return out + last[:1]

    def _can(self, node: Call) -> list[Val]:
        vals = [v for a in node.args for v in self.eval(a)]
        return [Val(True)] if all(v.known for v in vals) else [Val(True), Val(False)]


def combos(options: list[list[Any]]) -> list[list[Any]]:
    """Combinations of one choice per position, at most MAX_CANDIDATES of them.

    When the full product is larger, the combinations walk the choices side by side, so
    every choice of every position is still in one of them (the product's first rows
    would only vary the last positions, and the others' models would be lost).
    """
    if any(not o for o in options):
        return []
    total = 1
    for o in options:
        total *= len(o)
        if total > MAX_CANDIDATES:
            width = max(len(o) for o in options)
            return [[o[min(i, len(o) - 1)] for o in options] for i in range(min(width, MAX_CANDIDATES))]
    return [list(c) for c in itertools.product(*options)]


def select(val: Val, path: tuple[str | int, ...]) -> Val:
    """An attribute or element inside a value: `var.cfg.models[0]`; a scalar written in a
    collection literal takes the line it was written on as its origin's."""
    if not val.known or not path:
        return val
    value, lines = val.value, val.lines
    for step in path:
        try:
            key = int(step) if isinstance(value, list) else step
            value = value[key]
        except (KeyError, IndexError, TypeError, ValueError):
            return unknown(f"attribute [{step!r}] not found")
        lines = _sub_lines(lines, key)
    return _placed(Val(value, val.origin, val.reason, val.known, val.line), lines)


def _sub_lines(lines: Any, key: Any) -> Any:
    try:
        return lines[key] if isinstance(lines, (dict, list)) else None
    except (KeyError, IndexError, TypeError):
        return None


def _placed(val: Val, lines: Any) -> Val:
    if isinstance(lines, int) and not isinstance(lines, bool):
        if val.origin is not None:
            return replace(val, origin=replace(val.origin, line=lines), lines=None)
        return replace(val, line=lines, lines=None)
    return replace(val, lines=lines)


def members(val: Val) -> list[tuple[Any, Val]]:
    """A known collection's keys (indexes for a list) and member values, each with its line."""
    items = val.value.items() if isinstance(val.value, dict) else enumerate(val.value)
    return [(k, _placed(Val(v, val.origin), _sub_lines(val.lines, k))) for k, v in items]


def _distinct(vals: list[Val]) -> list[Val]:
    out, seen = [], set()
    for v in vals:
        try:
            key = (repr(v.value), v.origin, v.reason, v.known, v.line)
        except RecursionError:
            key = (id(v),)  # type: ignore[assignment]
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _salvage(vals: Iterable[Val]) -> list[Val]:
    """Known values inside an expression that failed, that name a model: still candidates."""
    out = []
    for v in vals:
        if v.known and v.value is not None and could_mention_model(as_text(v.value)[:MAX_VALUE_CHARS]):
            out.append(v)
    return out


def _pieces_only(name: str, combo: list[Val]) -> bool:
    """Whether every unknown argument is a piece of text put into a known string."""
    piece = _PIECES.get(name)
    return piece is not None and all(v.known or piece(i) for i, v in enumerate(combo))


def _by_unknown_key(name: str, combo: list[Val]) -> list[Val] | None:
    position = _BY_KEY.get(name)
    if position is None or len(combo) <= position or not combo[0].known or combo[position].known:
        return None
    return [*_every(combo[0]), *(v for v in combo[position + 1 :] if v.known)]


def _every(target: Val) -> list[Val]:
    if not isinstance(target.value, (dict, list)):
        return [unknown("a lookup needs a map or list")]
    return [v for _, v in members(target)[:MAX_CANDIDATES]]


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
    ">=": operator.ge, "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "%": operator.mod,
}


def _operate(op: str, values: list[Any]) -> Any:
    if op in ("&&", "||"):
        left, right = (_truth(v) for v in values)
        return (left and right) if op == "&&" else (left or right)
    if len(values) == 1:
        return (not _truth(values[0])) if op == "!" else -_arith(values[0])
    if op in ("==", "!="):
        return _BINARY[op](values[0], values[1])
    result = _BINARY[op](_arith(values[0]), _arith(values[1]))
    return int(result) if isinstance(result, float) and result.is_integer() and op != "/" else result


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"{value!r} is not a bool")


def _arith(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return float(text) if any(c in text for c in ".eE") else int(text)


def map_value(val: Val, build: Callable[[Any], Any]) -> Val:
    """A known value transformed, keeping where it came from; an unknown one as it is."""
    return replace(val, value=build(val.value)) if val.known else val


def _last_reason(vals: Sequence[Val]) -> str | None:
    """Why part of a value is unknown: the last part's reason, since an ARN names its model last."""
    return next((v.reason for v in reversed(vals) if v.reason), None)


def _first_origin(vals: Iterable[Val]) -> Origin | None:
    return next((v.origin for v in vals if v.origin is not None), None)


def _capped(val: Val) -> Val:
    if val.known and isinstance(val.value, (str, list, dict)) and len(val.value) > MAX_VALUE_CHARS:
        return unknown(_TOO_LONG)
    return val


def _join(parts: tuple[Val, ...] | list[Val], line: int, places: tuple[tuple[Mark, ...], ...]) -> Val:
    if sum(len(v.value) for v in parts if v.known and isinstance(v.value, str)) > MAX_VALUE_CHARS:
        return unknown(_TOO_LONG)
    missing = next((v for v in reversed(parts) if not v.known), None)
    if missing is not None:
        if _has_literal_text(parts):
            # Keep the literal text around the unknown part, so an ARN with an
            # unresolved account or region still shows the model it names.
            texts = [as_text(v.value) if v.known else _PIECE for v in parts]
            return Val("".join(texts), origin=_main_origin(parts), reason=missing.reason, line=line,
                       marks=_joined_marks(parts, texts, places))
        return missing
    origin = _main_origin(parts)
    texts = [as_text(v.value) for v in parts]
    return Val("".join(texts), origin=origin, line=None if origin else line,
               marks=_joined_marks(parts, texts, places))


def _joined_marks(parts: tuple[Val, ...] | list[Val], texts: list[str],
                  places: tuple[tuple[Mark, ...], ...]) -> tuple[Mark, ...]:
    """Where each piece of a template's text is: its literal pieces where they are written,
    values from elsewhere placed at their interpolation (their origin says where)."""
    return joined((text, written(v) or place) for v, text, place in zip(parts, texts, places, strict=True))


def written(val: Val) -> tuple[Mark, ...]:
    """Where a value's text is written at its use site; () when it was written elsewhere."""
    if val.marks or val.line is None or val.origin is not None:
        return val.marks
    return (Mark(0, val.line),)


def _main_origin(parts: tuple[Val, ...] | list[Val]) -> Origin | None:
    """The origin of the longest interpolated piece: in an ARN that is the model, not the region."""
    pieces = [v for v in parts if v.origin is not None]
    return max(pieces, key=lambda v: len(as_text(v.value))).origin if pieces else None


def _has_literal_text(parts: tuple[Val, ...] | list[Val]) -> bool:
    return any(v.known and isinstance(v.value, str) and v.value for v in parts)


def _combine(options: list[list[Val]], build: Callable[[list[Any]], Any]) -> list[Val]:
    out = []
    for combo in combos(options):
        # Unknown members stay inside the collection as None: one unknown tag must not
        # hide the known model IDs beside it.
        # Lines are kept only for a literal written in one place: members from elsewhere
        # carry origins of their own, whose file the lines would not be in.
        literal = all(v.origin is None for v in combo)
        lines = build([v.lines if v.lines is not None else v.line for v in combo]) if literal else None
        out.append(Val(build([v.value for v in combo]), origin=_first_origin(combo), reason=_last_reason(combo),
                       line=None, lines=lines))
    return out or [Val(build([]))]


def _index_value(target: Val, key: Val) -> list[Val]:
    if target.known and not key.known and isinstance(target.value, (dict, list)):
        return _every(target)
    if not target.known or not key.known:
        return [target if not target.known else key]
    if not isinstance(key.value, (str, int, float)) or isinstance(key.value, bool):
        return [unknown(f"index [{key.value!r}] not found")]
    found = select(target, (key.value if isinstance(target.value, dict) else int(key.value),))
    return [found if found.origin or not key.origin else replace(found, origin=key.origin)]
