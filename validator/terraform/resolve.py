"""Resolve one Terraform module directory into neutral `Resource`s.

Variables take the value Terraform would give them (environment, tfvars files in
Terraform's order, `--var-file`, `--var`, else the default), locals are evaluated on
demand, and every attribute of every resource and data source becomes a `Leaf` with all
the values it can take.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Candidate, Leaf, Origin, Resource, Span
from .evaluate import Evaluator, Val, as_text, unknown, with_step
from .syntax import Attribute, Block, ConfigFile, Expr, ListX, MapX, Ref

# Meta-arguments configure Terraform itself; they never hold a model.
META_ARGUMENTS = {"provider", "count", "for_each", "depends_on", "lifecycle", "provisioner", "connection"}


@dataclass(frozen=True)
class TerraformOptions:
    """Values from outside the code: `--var`, `--var-file`s already parsed, `TF_VAR_*`."""

    variables: Mapping[str, str] = field(default_factory=dict)
    var_files: tuple[ConfigFile, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Written:
    expr: Expr
    file: str
    line: int


class Module:
    """The declarations of one module directory and the evaluator over them."""

    def __init__(self, files: Sequence[ConfigFile], tfvars: Sequence[ConfigFile], options: TerraformOptions):
        self.files = files
        self.variables: dict[str, _Written | None] = {}
        self.locals: dict[str, _Written] = {}
        self.blocks: dict[tuple[str, ...], tuple[Block, str]] = {}
        self.providers: dict[str, tuple[Block, str]] = {}
        for f in files:
            self._declare(f)
        self.inputs = self._inputs(tfvars, options)
        self._cache: dict[str, list[Val]] = {}
        self._busy: set[str] = set()
        self.evaluator = Evaluator(self._lookup)

    def _declare(self, f: ConfigFile) -> None:
        for block in f.blocks:
            if block.type == "variable" and block.labels:
                default = block.attribute("default")
                self.variables[block.labels[0]] = default and _Written(default.expr, f.path, default.line)
            elif block.type == "locals":
                for a in block.attributes:
                    self.locals[a.name] = _Written(a.expr, f.path, a.line)
            elif block.type == "provider" and block.labels:
                alias = block.attribute("alias")
                name = block.labels[0]
                if alias is not None:
                    name += "." + "".join(str(v.value) for v in Evaluator(_no_refs).eval(alias.expr))
                self.providers[name] = (block, f.path)
            elif block.type in ("resource", "data") and len(block.labels) == 2:
                self.blocks[(block.type, *block.labels)] = (block, f.path)

    def _inputs(self, tfvars: Sequence[ConfigFile], options: TerraformOptions) -> dict[str, Val]:
        values: dict[str, Val] = {}
        for key, text in options.env.items():
            if key.startswith("TF_VAR_"):
                values[key[7:]] = Val(text, Origin("<environment>", 0, (key,)))
        for f in (*tfvars, *options.var_files):
            for a in f.attributes:
                val = Evaluator(_no_refs).eval(a.expr)[0]
                values[a.name] = with_step(val, f"{Path(f.path).name}: {a.name}", f.path, a.line)
        for name, text in options.variables.items():
            values[name] = Val(text, Origin("<command line>", 0, (f"--var {name}",)))
        return values

    def _lookup(self, ref: Ref) -> list[Val]:
        head = ref.parts[0]
        if head == "var" and len(ref.parts) > 1:
            vals = self._memo(f"var.{ref.parts[1]}", lambda: self._variable(str(ref.parts[1])))
        elif head == "local" and len(ref.parts) > 1:
            vals = self._memo(f"local.{ref.parts[1]}", lambda: self._local(str(ref.parts[1])))
        else:
            return [unknown(f"`{ref.text}` is known only after apply")]
        return [_select(v, ref.parts[2:]) for v in vals]

    def _memo(self, key: str, compute) -> list[Val]:  # type: ignore[no-untyped-def]
        if key in self._cache:
            return self._cache[key]
        if key in self._busy:
            return [unknown(f"`{key}` refers to itself")]
        self._busy.add(key)
        try:
            self._cache[key] = compute()
        finally:
            self._busy.discard(key)
        return self._cache[key]

    def _variable(self, name: str) -> list[Val]:
        if name in self.inputs:
            return [with_step(self.inputs[name], f"var.{name}", "", 0)]
        if name not in self.variables:
            return [unknown(f"variable `{name}` is not declared")]
        written = self.variables[name]
        if written is None:
            return [unknown(f"variable `{name}` has no default and no value was given")]
        return [with_step(v, f"variable {name} default", written.file, written.line) for v in self.eval(written.expr)]

    def _local(self, name: str) -> list[Val]:
        written = self.locals.get(name)
        if written is None:
            return [unknown(f"local `{name}` is not declared")]
        return [with_step(v, f"local.{name}", written.file, written.line) for v in self.eval(written.expr)]

    def eval(self, node: Expr) -> list[Val]:
        return self.evaluator.eval(node)

    def region(self, block: Block) -> str | None:
        """The region of the provider configuration a resource uses, when it is known."""
        provider = block.attribute("provider")
        name = provider.expr.text if provider is not None and isinstance(provider.expr, Ref) else "aws"
        entry = self.providers.get(name)
        region = entry and entry[0].attribute("region")
        if not region:
            return None
        known = [v.value for v in self.eval(region.expr) if v.known and isinstance(v.value, str)]
        return known[0] if len(set(known)) == 1 else None


def _no_refs(ref: Ref) -> list[Val]:
    return [unknown(f"`{ref.text}` cannot be used here")]


def _select(val: Val, path: tuple[str | int, ...]) -> Val:
    value = val.value
    for step in path:
        if not val.known:
            return val
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return unknown(f"attribute [{step!r}] not found")
    return Val(value, val.origin, val.reason, val.known, val.line)


def resolve_module(
    files: Sequence[ConfigFile], tfvars: Sequence[ConfigFile], options: TerraformOptions
) -> list[Resource]:
    """Every resource and data source of a module, with its attribute values resolved."""
    module = Module(files, tfvars, options)
    resources = []
    for (kind, rtype, name), (block, path) in module.blocks.items():
        address = f"{rtype}.{name}" if kind == "resource" else f"data.{rtype}.{name}"
        rtype_key = rtype if kind == "resource" else f"data.{rtype}"
        leaves = tuple(_leaves(module, block, (), path))
        span = Span(path, block.line)
        resources.append(Resource(address, rtype_key, span, leaves, module.region(block), None, block.end_line))
    return resources


def _leaves(module: Module, block: Block, prefix: tuple[str, ...], path: str) -> Iterator[Leaf]:
    for attr in block.attributes:
        if not prefix and attr.name in META_ARGUMENTS:
            continue
        yield from _attribute_leaves(module, attr, (*prefix, attr.name), path)
    for child in block.blocks:
        if not prefix and child.type in META_ARGUMENTS:
            continue
        if child.type == "dynamic" and child.labels:
            for content in child.blocks:
                yield from _leaves(module, content, (*prefix, child.labels[0]), path)
        else:
            yield from _leaves(module, child, (*prefix, child.type), path)


def _attribute_leaves(module: Module, attr: Attribute, path: tuple[str, ...], file: str) -> Iterator[Leaf]:
    yield from _expr_leaves(module, attr.expr, path, Span(file, attr.line, attr.column))


def _expr_leaves(module: Module, node: Expr, path: tuple[str, ...], span: Span) -> Iterator[Leaf]:
    # Objects written in place (awscc's nested attributes) keep a line per element.
    if isinstance(node, MapX):
        for key, value in node.items:
            yield from _expr_leaves(module, value, (*path, key), Span(span.file, value.line))
        return
    if isinstance(node, ListX):
        for item in node.items:
            column = span.column if item.line == span.line else None
            yield from _expr_leaves(module, item, path, Span(span.file, item.line, column))
        return
    by_path: dict[tuple[str, ...], list[Candidate]] = {}
    for val in module.eval(node):
        for sub, cand in _flatten(val, ()):
            by_path.setdefault(sub, []).append(cand)
    for sub, cands in by_path.items():
        yield Leaf((*path, *sub), span, tuple(cands))


def _flatten(val: Val, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Candidate]]:
    """A resolved map or list spreads into one leaf per scalar inside it."""
    if not val.known:
        yield path, Candidate(None, None, val.reason)
        return
    if isinstance(val.value, dict):
        for k, v in val.value.items():
            yield from _flatten(Val(v, val.origin, val.reason), (*path, str(k)))
        return
    if isinstance(val.value, list):
        for v in val.value:
            yield from _flatten(Val(v, val.origin, val.reason), path)
        return
    if val.value is None:
        return
    yield path, Candidate(as_text(val.value), val.origin, val.reason, val.line)
