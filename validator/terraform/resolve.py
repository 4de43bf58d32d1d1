"""Resolve a Terraform root module, and the modules it calls, into neutral `Resource`s.

Variables take the value Terraform would give them (environment, tfvars files in
Terraform's order, `--var-file`, `--var`, a module argument, else the default), locals
and other resources' arguments are evaluated on demand, and every attribute of every
resource and data source becomes a `Leaf` with all the values it can take.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ..model import Candidate, Leaf, Mark, Origin, Resource, Span
from ..modelid import parse_model
from .evaluate import (
    MAX_CANDIDATES,
    Evaluator,
    Val,
    as_text,
    combos,
    map_value,
    members,
    select,
    unknown,
    with_step,
    written,
)
from .override import merge_overrides
from .parse import template_expr
from .syntax import Attribute, Block, Call, ConfigFile, Expr, ListX, MapX, Ref

# Meta-arguments configure Terraform itself; they never hold a model.
META_ARGUMENTS = {"provider", "providers", "count", "for_each", "depends_on", "lifecycle", "provisioner",
                  "connection", "source", "version"}
MAX_MODULE_DEPTH = 16
# Module instances one root may create: far above real trees, and it bounds a fan-out of
# modules calling each other several times (12 levels x 3 calls is half a million).
MAX_MODULE_INSTANCES = 1000


@dataclass
class _Budget:
    left: int = MAX_MODULE_INSTANCES


@dataclass(frozen=True)
class TerraformOptions:
    """Values from outside the code: `--var`, `--var-file`s already parsed, `TF_VAR_*`."""

    variables: Mapping[str, str] = field(default_factory=dict)
    var_files: tuple[ConfigFile, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModuleFiles:
    """The parsed files of one module directory; `tfvars` only count for a root module."""

    directory: Path
    files: tuple[ConfigFile, ...]
    tfvars: tuple[ConfigFile, ...] = ()


@dataclass(frozen=True)
class Loader:
    """How the resolver reaches other directories without doing I/O itself.

    `load(dir)` parses a module directory (None when it has no Terraform files);
    `installed(root, key)` finds a downloaded module under `.terraform/modules`;
    `refusal(path)` says why a path outside the project root is not read.
    """

    load: Callable[[Path], ModuleFiles | None]
    installed: Callable[[Path, str], Path | None]
    read: Callable[[Path], str | None] = lambda _path: None
    refusal: Callable[[Path], str | None] = lambda _path: None


@dataclass(frozen=True, slots=True)
class _Written:
    expr: Expr
    file: str
    line: int


# Computed attributes that stand for an argument of the same resource: the model a
# custom model, inference profile or provisioned throughput was made from.
_DERIVED = {
    ("aws_bedrock_inference_profile", "arn"): "model_source.copy_from",
    ("awscc_bedrock_application_inference_profile", "inference_profile_arn"): "model_source.copy_from",
    ("awscc_bedrock_application_inference_profile", "inference_profile_identifier"): "model_source.copy_from",
    ("aws_bedrock_provisioned_model_throughput", "provisioned_model_arn"): "model_arn",
    ("aws_bedrock_provisioned_model_throughput", "id"): "model_arn",
    ("aws_ssm_parameter", "insecure_value"): "value",
}


class Module:
    """One module instance: its declarations, the values given to it and its evaluator."""

    def __init__(self, source: ModuleFiles, inputs: Mapping[str, Val | list[Val]], prefix: str,
                 regions: Mapping[str, str | None], loader: Loader, root: Path,
                 ancestors: tuple[Path, ...] = (), budget: _Budget | None = None) -> None:
        self.source, self.prefix, self.loader, self.root = source, prefix, loader, root
        self.budget = budget or _Budget()
        # The directories of the modules that led here: a module that calls one of them
        # again (Terraform refuses the cycle) is not followed.
        self.ancestors = (*ancestors, source.directory.resolve())
        self.variables: dict[str, _Written | None] = {}
        self.types: dict[str, Expr] = {}
        self.locals: dict[str, _Written] = {}
        self.outputs: dict[str, _Written] = {}
        # Terraform refuses a second block with the same address; both are kept, so the
        # model of neither goes unchecked.
        self.blocks: dict[tuple[str, str, str], list[tuple[Block, str]]] = {}
        self.calls: dict[str, tuple[Block, str]] = {}
        self.provider_blocks: dict[str, Block] = {}
        for f in merge_overrides(source.files):
            self._declare(f)
        self.inputs = {k: v if isinstance(v, list) else [v] for k, v in inputs.items()}
        self._cache: dict[str, list[Val]] = {}
        self._busy: set[str] = set()
        self._children: dict[str, Module | None] = {}
        self.evaluator = Evaluator(self._lookup, {"file": self._file, "templatefile": self._templatefile,
                                                  "fileexists": self._fileexists})
        self.regions = {**regions, **self._own_regions()}

    def _declare(self, f: ConfigFile) -> None:
        for block in f.blocks:
            name = block.labels[0] if block.labels else ""
            if block.type == "variable" and name:
                default = block.attribute("default")
                self.variables[name] = default and _Written(default.expr, default.file or f.path, default.line)
                kind = block.attribute("type")
                if kind is not None:
                    self.types[name] = kind.expr
            elif block.type == "locals":
                for a in block.attributes:
                    self.locals[a.name] = _Written(a.expr, a.file or f.path, a.line)
            elif block.type == "output" and name and block.attribute("value"):
                value = block.attribute("value")
                self.outputs[name] = _Written(value.expr, value.file or f.path, value.line)  # type: ignore[union-attr]
            elif block.type == "provider" and name:
                self.provider_blocks[_provider_name(block, name)] = block
            elif block.type in ("resource", "data") and len(block.labels) == 2:
                self.blocks.setdefault((block.type, *block.labels), []).append((block, f.path))  # type: ignore[arg-type]
            elif block.type == "module" and name:
                self.calls[name] = (block, f.path)

    def _own_regions(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name, block in self.provider_blocks.items():
            region = block.attribute("region")
            out[name] = self.single_text(region.expr) if region else None
        return out

    def single_text(self, node: Expr) -> str | None:
        """The value of an expression when it has exactly one known string value."""
        known = {v.value for v in self.eval(node) if v.known and isinstance(v.value, str)}
        return known.pop() if len(known) == 1 else None

    def eval(self, node: Expr) -> list[Val]:
        return self.evaluator.eval(node)

    def _file(self, path: str) -> str:
        # Terraform reads relative paths from its working directory: the root module's.
        target = Path(path) if Path(path).is_absolute() else self.root / path
        text = self.loader.read(target)
        if text is None:
            raise ValueError(self.loader.refusal(target) or f"cannot read {path}")
        return text

    def _fileexists(self, path: str) -> bool:
        """Whether the file can be read; a file the scan may not read raises (unknown),
        so `fileexists(x) ? file(x) : default` keeps both branches."""
        target = Path(path) if Path(path).is_absolute() else self.root / path
        if self.loader.read(target) is not None:
            return True
        refusal = self.loader.refusal(target)
        if refusal:
            raise ValueError(refusal)
        return False

    def _templatefile(self, path: str, variables: Mapping[str, Any]) -> str:
        """Render a template file with its variables; unknown pieces stay as `${?}`."""
        template = template_expr(self._file(path))

        def lookup(ref: Ref) -> list[Val]:
            name = str(ref.parts[0])
            return [select(Val(variables[name]), ref.parts[1:])] if name in variables else [unknown(ref.text)]

        return as_text(self.evaluator.with_lookup(lookup).eval(template)[0].value)

    def scoped(self, block: Block, instance: str | int | None = None) -> Evaluator:
        """An evaluator where `each.*` and `count.index` range over the block's instances
        (over the one `instance` when it is given and exists)."""
        bindings = self._instances(block, instance)
        if not bindings:
            return self.evaluator

        def lookup(ref: Ref) -> list[Val]:
            key = ".".join(str(p) for p in ref.parts[:2])
            if key in bindings:
                return [select(v, ref.parts[2:]) for v in bindings[key]]
            return self._lookup(ref)

        return self.evaluator.with_lookup(lookup)

    def _instances(self, block: Block, instance: str | int | None = None) -> dict[str, list[Val]]:
        for_each, count = block.attribute("for_each"), block.attribute("count")
        if for_each is not None:
            keys: list[Val] = []
            values: list[Val] = []
            for val in self.eval(for_each.expr):
                if val.known and isinstance(val.value, (dict, list)):
                    pairs = val.value.items() if isinstance(val.value, dict) else ((v, v) for v in val.value)
                    chosen = [(k, v) for k, v in pairs if instance is None or k == instance]
                    keys += [Val(k, val.origin) for k, _ in chosen]
                    values += [Val(v, val.origin) for _, v in chosen]
                else:
                    keys.append(val)
                    values.append(val)
            return {"each.key": _distinct(keys, "each.key"), "each.value": _distinct(values, "each.value")}
        if count is not None:
            if isinstance(instance, int):
                return {"count.index": [Val(instance)]}
            counts = [v.value for v in self.eval(count.expr) if v.known and isinstance(v.value, int)]
            return {"count.index": _indexes(max(counts, default=0))} if counts else {}
        return {}

    # -- references -----------------------------------------------------------------

    def _lookup(self, ref: Ref) -> list[Val]:
        head, parts = ref.parts[0], ref.parts
        if head == "var" and len(parts) > 1:
            vals = self._memo(f"var.{parts[1]}", lambda: self._variable(str(parts[1])))
            return [select(v, parts[2:]) for v in vals]
        if head == "local" and len(parts) > 1:
            vals = self._memo(f"local.{parts[1]}", lambda: self._local(str(parts[1])))
            return [select(v, parts[2:]) for v in vals]
        if head == "module" and len(parts) > 2:
            if str(parts[1]) in self.calls and _repeated(self.calls[str(parts[1])][0]) and len(parts) > 3:
                parts = (*parts[:2], *parts[3:])  # `module.m["k"].out`: every instance has the output
            name, output = str(parts[1]), str(parts[2])
            vals = self._memo(f"module.{name}.{output}", lambda: self._module_output(name, output))
            return [select(v, parts[3:]) for v in vals]
        if head == "data" and len(parts) >= 3:
            return self._memo(ref.text, lambda: self._resource_attr("data", str(parts[1]), str(parts[2]), parts[3:]))
        if len(parts) >= 2 and "_" in str(head) and isinstance(parts[1], str):
            return self._memo(ref.text, lambda: self._resource_attr("resource", str(head), str(parts[1]), parts[2:]))
        if head == "path" and len(parts) == 2 and parts[1] in ("module", "root", "cwd"):
            # Absolute, so `file("${path.module}/x")` does not depend on how the scan path was spelled.
            return [Val(str((self.source.directory if parts[1] == "module" else self.root).resolve()))]
        if ref.text == "terraform.workspace":
            return [unknown("`terraform.workspace` is the workspace selected at run time")]
        if head in ("each", "count", "self", "path", "terraform"):
            return [unknown(f"`{ref.text}` depends on the instance and is not evaluated statically")]
        return [unknown(f"`{ref.text}` is not evaluated statically")]

    def _memo(self, key: str, compute: Callable[[], list[Val]]) -> list[Val]:
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
        kind = self.types.get(name)
        vals = self._variable_value(name)
        return vals if kind is None else [map_value(v, lambda x: _typed(x, kind)) for v in vals]  # type: ignore[arg-type]

    def _variable_value(self, name: str) -> list[Val]:
        if name in self.inputs:
            return [with_step(v, f"var.{name}", "", 0) for v in self.inputs[name]]
        if name not in self.variables:
            return [unknown(f"variable `{name}` is not declared")]
        written = self.variables[name]
        if written is None:
            return [unknown(f"variable `{name}` has no default and no value was given")]
        vals = [with_step(v, f"variable {name} default", written.file, written.line) for v in self.eval(written.expr)]
        # A null default means "unset": the value comes from outside, where the scan cannot see.
        return [unknown(f"variable `{name}` defaults to null and no value was given")
                if v.known and v.value is None else v for v in vals]

    def _local(self, name: str) -> list[Val]:
        written = self.locals.get(name)
        if written is None:
            return [unknown(f"local `{name}` is not declared")]
        return [with_step(v, f"local.{name}", written.file, written.line) for v in self.eval(written.expr)]

    def _module_output(self, name: str, output: str) -> list[Val]:
        child = self.child(name) if name in self.calls else None
        if child is None:
            return [unknown(f"outputs of module `{name}` are not available")]
        written = child.outputs.get(output)
        if written is None:
            return [unknown(f"module `{name}` has no output `{output}`")]
        step = f"module.{name}.{output}"
        return [with_step(v, step, written.file, written.line) for v in child.eval(written.expr)]

    def _resource_attr(self, kind: str, rtype: str, name: str, rest: tuple[str | int, ...]) -> list[Val]:
        entry = self.blocks.get((kind, rtype, name), [None])[0]
        address = f"{'data.' if kind == 'data' else ''}{rtype}.{name}"
        if entry is None:
            return [unknown(f"`{address}` is not declared in this module")]
        block, path = entry
        if not rest:
            return [with_step(v, address, path, block.line) for v in self._resource_object(block)]
        scope = self.scoped(block)
        if len(rest) > 1 and _repeated(block) and (isinstance(rest[0], int) or not _has(block, str(rest[0]))):
            # `aws_x.y[0].arn`, `aws_x.y["k"].arn`: that instance, or every one when it is not known
            scope = self.scoped(block, rest[0]) if self._instances(block, rest[0]) else scope
            rest = rest[1:]
        attr = str(rest[0])
        vals = self._attribute_value(block, rtype, attr, scope)
        if vals is None:
            return [unknown(f"`{address}.{attr}` is known only after apply")]
        return [select(with_step(v, f"{address}.{attr}", path, block.line), rest[1:]) for v in vals]

    def _resource_object(self, block: Block) -> list[Val]:
        """A whole resource as a value (`values(aws_x.y)[*].arn`): its arguments, per instance
        for `for_each` (a map) and `count` (a list)."""
        def instance(scope: Evaluator) -> list[Val]:
            names = [a.name for a in block.attributes if a.name not in META_ARGUMENTS]
            options = [scope.eval(a.expr) for a in block.attributes if a.name not in META_ARGUMENTS]
            return [Val(dict(zip(names, (v.value for v in combo), strict=True)), _first(combo))
                    for combo in combos(options)]

        bindings = self._instances(block)
        keys = bindings.get("each.key") or bindings.get("count.index")
        if not keys:
            return instance(self.scoped(block))
        known = [k for k in keys if k.known]
        per_key = [instance(self.scoped(block, k.value)) for k in known]
        if block.attribute("count") is not None:
            return [Val([v.value for v in combo], _first(combo)) for combo in combos(per_key)]
        return [Val({str(k.value): v.value for k, v in zip(known, combo, strict=True)}, _first(combo))
                for combo in combos(per_key)]

    def _attribute_value(self, block: Block, rtype: str, attr: str, scope: Evaluator) -> list[Val] | None:
        if rtype == "aws_bedrock_foundation_model" and attr in ("model_arn", "model_id"):
            ids = self._block_path(block, "model_id", scope) or []
            if attr == "model_id":
                return ids
            region = self.region_of(block) or "${?}"
            return [_derive(v, lambda t: f"arn:aws:bedrock:{region}::foundation-model/{t}") for v in ids]
        if rtype == "aws_bedrock_inference_profile" and block.type == "data":
            return self._profile_attribute(block, attr, scope)
        if rtype == "aws_bedrock_custom_model" and attr in ("custom_model_arn", "id"):
            region = self.region_of(block) or "${?}"
            bases = self._block_path(block, "base_model_identifier", scope) or []
            return [_derive(v, lambda t: f"arn:aws:bedrock:{region}:${{?}}:custom-model/{_base_id(t)}/${{?}}")
                    for v in bases]
        derived = _DERIVED.get((rtype, attr))
        return self._block_path(block, derived or attr, scope)

    def _profile_attribute(self, block: Block, attr: str, scope: Evaluator) -> list[Val] | None:
        """`data "aws_bedrock_inference_profile"`: its ARN and models come from its ID."""
        ids = self._block_path(block, "inference_profile_id", scope) or []
        region = self.region_of(block) or "${?}"
        if attr in ("inference_profile_id", "id"):
            return ids
        if attr in ("inference_profile_arn", "arn"):
            return [_derive(v, lambda t: t if t.startswith("arn:") else
                            f"arn:aws:bedrock:{region}:${{?}}:inference-profile/{t}") for v in ids]
        if attr == "models":
            return [map_value(v, lambda t: [{"model_arn": f"arn:aws:bedrock:${{?}}::foundation-model/{_base_id(t)}"}])
                    for v in ids]
        return None

    def _block_path(self, block: Block, dotted: str, scope: Evaluator) -> list[Val] | None:
        head, _, rest = dotted.partition(".")
        attribute = block.attribute(head)
        if attribute is not None:
            vals = scope.eval(attribute.expr)
            return [select(v, tuple(rest.split("."))) for v in vals] if rest else vals
        nested = next((b for b in block.blocks if b.type == head), None)
        return self._block_path(nested, rest, scope) if nested is not None and rest else None

    # -- providers and modules ------------------------------------------------------

    def region_of(self, block: Block) -> str | None:
        """The region of the provider configuration a resource uses, when it is known."""
        provider = block.attribute("provider")
        if provider is not None and isinstance(provider.expr, Ref):
            return self.regions.get(provider.expr.text)
        # Terraform's implied provider is the resource type's prefix: awscc_bedrock_agent -> awscc.
        implied = block.labels[0].split("_", 1)[0] if block.labels else "aws"
        return self.regions.get(implied)

    def child(self, name: str) -> Module | None:
        """The module a `module` block calls, instantiated with its arguments (once)."""
        if name not in self._children:
            self._children[name] = self._instantiate(name)
        return self._children[name]

    def _instantiate(self, name: str) -> Module | None:
        block, path = self.calls[name]
        directory = self.module_directory(name)
        source = self.loader.load(directory) if directory is not None else None
        if source is None or len(self.ancestors) >= MAX_MODULE_DEPTH or \
                source.directory.resolve() in self.ancestors or self.budget.left <= 0:
            return None
        self.budget.left -= 1
        scope = self.scoped(block)
        inputs = {a.name: [with_step(v, f"module.{name} argument {a.name}", a.file or path, a.line, place=True)
                           for v in scope.eval(a.expr)]
                  for a in block.attributes if a.name not in META_ARGUMENTS}
        return Module(source, inputs, f"{self.prefix}module.{name}.", self._child_regions(block), self.loader,
                      self.root, self.ancestors, self.budget)

    def module_directory(self, name: str) -> Path | None:
        block, _ = self.calls[name]
        src = block.attribute("source")
        text = self.single_text(src.expr) if src else None
        if text is None:
            return None
        if text.startswith(("./", "../")):
            return self.source.directory / text
        key = ".".join(p for p in (self.prefix + name).split(".") if p != "module")
        return self.loader.installed(self.root, key)

    def _child_regions(self, block: Block) -> dict[str, str | None]:
        regions = {name: region for name, region in self.regions.items() if "." not in name}
        providers = block.attribute("providers")
        if providers is not None and isinstance(providers.expr, MapX):
            for child_name, value in providers.expr.items:
                if isinstance(value, Ref):
                    regions[child_name] = self.regions.get(value.text)
        return regions


def _typed(value: Any, kind: Expr) -> Any:
    """A variable's value with the defaults of its type's `optional(type, default)` filled in."""
    if not isinstance(kind, Call) or not kind.args:
        return value
    if kind.name == "object" and isinstance(kind.args[0], MapX) and isinstance(value, dict):
        out = dict(value)
        for key, member in kind.args[0].items:
            if isinstance(member, Call) and member.name == "optional" and member.args:
                if out.get(key) is None and len(member.args) > 1:
                    defaults = [v.value for v in Evaluator(_no_refs).eval(member.args[1]) if v.known]
                    out[key] = defaults[0] if defaults else None
                member = member.args[0]
            if key in out:
                out[key] = _typed(out[key], member)
        return out
    if kind.name == "map" and isinstance(value, dict):
        return {k: _typed(v, kind.args[0]) for k, v in value.items()}
    if kind.name in ("list", "set") and isinstance(value, list):
        return [_typed(v, kind.args[0]) for v in value]
    return value


def _first(vals: Sequence[Val]) -> Origin | None:
    return next((v.origin for v in vals if v.origin is not None), None)


def _repeated(block: Block) -> bool:
    return block.attribute("count") is not None or block.attribute("for_each") is not None


def _has(block: Block, name: str) -> bool:
    return block.attribute(name) is not None or any(b.type == name for b in block.blocks)


def _provider_name(block: Block, name: str) -> str:
    alias = block.attribute("alias")
    if alias is None:
        return name
    values = [v.value for v in Evaluator(_no_refs).eval(alias.expr) if v.known]
    return f"{name}.{values[0]}" if values else name


def _no_refs(ref: Ref) -> list[Val]:
    return [unknown(f"`{ref.text}` cannot be used here")]


def _derive(val: Val, build: Callable[[str], str]) -> Val:
    if not val.known or not isinstance(val.value, str):
        return val
    return Val(build(val.value), val.origin, val.reason, True, None)


def _base_id(text: str) -> str:
    parsed = parse_model(text)
    return parsed.model_id if parsed is not None and parsed.model_id else text


def _indexes(count: int) -> list[Val]:
    """`count.index` of `count` instances: never one value per instance, since a hostile
    `count = 1000000000` would take gigabytes. Past MAX_CANDIDATES the rest is one unknown,
    within the MAX_CANDIDATES values an expression keeps, so it is never cut off unseen."""
    if count <= MAX_CANDIDATES:
        return [Val(i) for i in range(count)]
    return [*(Val(i) for i in range(MAX_CANDIDATES - 1)),
            unknown(f"count.index of {count} instances: past {MAX_CANDIDATES - 1} it is not evaluated")]


def _distinct(vals: list[Val], name: str) -> list[Val]:
    """Instances are counted by the distinct values they take: a resource repeated over
    the same model a thousand times is one reference, and a huge `for_each` a bounded set."""
    seen: dict[str, Val] = {}
    for val in vals:
        key = json.dumps([val.known, val.value, val.reason], sort_keys=True, default=str)
        seen.setdefault(key, val)
        if len(seen) > MAX_CANDIDATES:
            return [*list(seen.values())[:MAX_CANDIDATES - 1],
                    unknown(f"`{name}` takes more than {MAX_CANDIDATES - 1} values: the rest are not evaluated")]
    return list(seen.values())


def root_inputs(tfvars: Sequence[ConfigFile], options: TerraformOptions) -> dict[str, Val]:
    """A root module's variable values, later sources winning as in Terraform."""
    values: dict[str, Val] = {}
    for key, text in options.env.items():
        if key.startswith("TF_VAR_"):
            values[key[7:]] = Val(text, Origin("<environment>", 0, (key,)))
    for f in (*tfvars, *options.var_files):
        for a in f.attributes:
            val = Evaluator(_no_refs).eval(a.expr)[0]
            values[a.name] = with_step(val, f"{PurePosixPath(f.path).name}: {a.name}", f.path, a.line)
    for name, text in options.variables.items():
        values[name] = Val(text, Origin("<command line>", 0, (f"--var {name}",)))
    return values


def resolve_root(source: ModuleFiles, loader: Loader, options: TerraformOptions) -> list[Resource]:
    """Every resource of a root module and of the modules it calls, resolved."""
    module = Module(source, root_inputs(source.tfvars, options), "", {}, loader, source.directory)
    return list(_module_resources(module))


def _module_resources(module: Module) -> Iterator[Resource]:
    for (kind, rtype, name), entries in module.blocks.items():
        for block, path in entries:
            yield _resource(module, kind, rtype, name, block, path)
    for name, (block, path) in module.calls.items():
        child = module.child(name)
        if child is not None:
            yield from _module_resources(child)
        else:
            yield _unfollowed_call(module, name, block, path)


def _resource(module: Module, kind: str, rtype: str, name: str, block: Block, path: str) -> Resource:
    address = module.prefix + (f"{rtype}.{name}" if kind == "resource" else f"data.{rtype}.{name}")
    leaves = tuple(_leaves(module.scoped(block), block, (), path))
    rtype_key = rtype if kind == "resource" else f"data.{rtype}"
    return Resource(address, rtype_key, Span(path, block.line), leaves, module.region_of(block), None,
                    block.end_line)


def _unfollowed_call(module: Module, name: str, block: Block, path: str) -> Resource:
    """A module that cannot be read: its arguments are the closest place a model is used."""
    src = block.attribute("source")
    where = module.single_text(src.expr) if src else None
    directory = module.module_directory(name) if where else None
    refused = module.loader.refusal(directory) if directory is not None else None
    reason = (refused or f"module source `{where}` is not available locally (run `terraform init` to scan it)"
              if where else "the module source cannot be resolved")
    if refused is not None:
        reason = f"{reason} (its models are unknown; --root widens the project)"
    leaves = tuple(leaf for a in block.attributes if a.name not in META_ARGUMENTS
                   for leaf in _attribute_leaves(module.evaluator, a, (a.name,), path))
    return Resource(f"{module.prefix}module.{name}", "module", Span(path, block.line), leaves,
                    module.regions.get("aws"), None, block.end_line, unresolved=reason, refused=refused is not None)


def _leaves(scope: Evaluator, block: Block, prefix: tuple[str, ...], path: str) -> Iterator[Leaf]:
    for attr in block.attributes:
        if not prefix and attr.name in META_ARGUMENTS:
            continue
        yield from _attribute_leaves(scope, attr, (*prefix, attr.name), path)
    for child in block.blocks:
        if not prefix and child.type in META_ARGUMENTS:
            continue
        if child.type == "dynamic" and child.labels:
            inner = scope.bind({_iterator_name(child): _iterations(scope, child)})
            for content in child.blocks:
                yield from _leaves(inner, content, (*prefix, child.labels[0]), path)
        else:
            yield from _leaves(scope, child, (*prefix, child.type), path)


def _iterator_name(dynamic: Block) -> str:
    """`iterator = name` when given, else the block's label (`setting.value`)."""
    given = dynamic.attribute("iterator")
    if given is not None and isinstance(given.expr, Ref) and len(given.expr.parts) == 1:
        return str(given.expr.parts[0])
    return dynamic.labels[0]


def _iterations(scope: Evaluator, dynamic: Block) -> list[Val]:
    """The iterator's values, `{key, value}` each: distinct ones only, so a huge `for_each`
    stays bounded; an unknown collection is one iteration whose key and value are unknown."""
    for_each = dynamic.attribute("for_each")
    if for_each is None:
        return [unknown(f"dynamic `{dynamic.labels[0]}` has no for_each")]
    out: list[Val] = []
    for coll in scope.eval(for_each.expr):
        if not coll.known or not isinstance(coll.value, (dict, list)):
            out.append(coll if not coll.known else unknown("for_each needs a map or a set"))
            continue
        pairs = coll.value.items() if isinstance(coll.value, dict) else ((v, v) for v in coll.value)
        out += [Val({"key": k, "value": v}, coll.origin) for k, v in pairs]
    return _distinct(out, f"dynamic {dynamic.labels[0]}")


def _attribute_leaves(scope: Evaluator, attr: Attribute, path: tuple[str, ...], file: str) -> Iterator[Leaf]:
    yield from _expr_leaves(scope, attr.expr, path, Span(attr.file or file, attr.line, attr.column))


def _expr_leaves(scope: Evaluator, node: Expr, path: tuple[str, ...], span: Span) -> Iterator[Leaf]:
    if isinstance(node, Call) and node.name == "jsonencode" and len(node.args) == 1 \
            and isinstance(node.args[0], (MapX, ListX)):
        # A policy or definition written in place: each value inside keeps its own line
        # (SPEC 8), under the attribute that holds the JSON.
        yield from _encoded_leaves(scope, node.args[0], path, span)
        return
    # Objects written in place (awscc's nested attributes) keep a line per element.
    if isinstance(node, MapX):
        for number, (key, value) in enumerate(node.items):
            yield from _expr_leaves(scope, value, (*path, key), _place(span.file, node.keys_at, number, value.line))
        return
    if isinstance(node, ListX):
        for number, item in enumerate(node.items):
            yield from _expr_leaves(scope, item, path, _place(span.file, node.items_at, number, item.line))
        return
    by_path: dict[tuple[str, ...], list[Candidate]] = {}
    for val in scope.eval(node):
        for sub, cand in _flatten(val, ()):
            by_path.setdefault(sub, []).append(cand)
    for sub, cands in by_path.items():
        yield Leaf((*path, *sub), span, tuple(cands))


def _place(file: str, marks: tuple[Mark, ...], number: int, line: int) -> Span:
    """Where element `number` of a list or object written in place is."""
    at = marks[number] if number < len(marks) else None
    return Span(file, at.line, at.column) if at is not None and at.line else Span(file, line)


def _encoded_leaves(scope: Evaluator, node: Expr, path: tuple[str, ...], span: Span) -> Iterator[Leaf]:
    if isinstance(node, (MapX, ListX)):
        for item in (v for _, v in node.items) if isinstance(node, MapX) else node.items:
            yield from _encoded_leaves(scope, item, path, span)
        return
    cands = [cand for val in scope.eval(node) for _, cand in _flatten(val, ())]
    if cands:
        yield Leaf(path, span, tuple(cands))


def _flatten(val: Val, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Candidate]]:
    """A resolved map or list spreads into one leaf per scalar inside it."""
    if not val.known:
        yield path, Candidate(None, None, val.reason)
        return
    if isinstance(val.value, (dict, list)):
        for k, v in members(val):
            sub = (*path, str(k)) if isinstance(val.value, dict) else path
            yield from _flatten(replace(v, reason=val.reason), sub)
        return
    if val.value is None:
        return
    yield path, Candidate(as_text(val.value), val.origin, val.reason, marks=written(val))
