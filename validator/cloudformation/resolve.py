"""Resolve intrinsic functions to the strings a value can take.

A value resolves to a list of `Part`s, one per possibility (`Fn::If` branches, parameter
`AllowedValues`, mapping keys that depend on an unknown region). What cannot be known
statically stays in the text as a `${Name}` placeholder, so that the rest of a string, say
an inference-profile ARN whose account is `${AWS::AccountId}`, is still seen; a value that
is nothing but placeholders becomes an unresolved `Candidate` with the reason.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from ..model import Candidate, Mark, Origin
from ..textmarks import at, joined, placed, sliced
from .load import LoadError, Node
from .options import TemplateOptions

MAX_CANDIDATES = 64
_MAX_DEPTH = 100  # intrinsics nested deeper than this are not worth following
# Text that Fn::Sub and Fn::Join may build for one template, in total. A real template
# builds about its own size; nested `Fn::Sub: ["${A}${A}", {A: ...}]` doubles per level
# and would build gigabytes from a kilobyte of YAML.
MAX_BUILT_CHARS = 32 * 1024 * 1024

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:([^{}]*)\}\}")
_PROFILE_TYPE = "AWS::Bedrock::ApplicationInferenceProfile"
# What `Ref` and these `Fn::GetAtt` attributes of an application inference profile return
# is the profile, which is opaque; the model behind it is its `ModelSource.CopyFrom`.
_PROFILE_ATTRIBUTES = frozenset(
    {"InferenceProfileArn", "InferenceProfileId", "InferenceProfileIdentifier", "Arn"}
)


@dataclass(frozen=True, slots=True)
class Part:
    """One possible value while resolving.

    `reason` explains the first placeholder left in `text`; `known` is False when the text
    holds nothing resolved (only placeholders and punctuation). `marks` say where the
    text is written (see `model.Mark`).
    """

    text: str
    origin: Origin | None = None
    line: int | None = None
    reason: str | None = None
    known: bool = True
    marks: tuple[Mark, ...] = ()

    def candidate(self) -> Candidate:
        if self.reason is not None and not self.known:
            return Candidate(None, self.origin, self.reason)
        return Candidate(self.text, self.origin, self.reason, self.line, self.marks)


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def placeholder(name: str, reason: str) -> Part:
    return Part("${" + name + "}", reason=reason, known=False)


def literal(text: str, line: int | None = None, marks: tuple[Mark, ...] = ()) -> Part:
    """A string as written, with any `{{resolve:...}}` dynamic reference made a placeholder."""
    found = _DYNAMIC_REFERENCE.search(text)
    if found is None:
        return Part(text, None, line, None, _has_content(text), marks)
    reason = f"dynamic reference {found.group(0)} cannot be resolved statically"
    shown = _DYNAMIC_REFERENCE.sub(lambda m: "${resolve:" + m.group(1) + "}", text)
    # The text's length changed: its first mark says where it starts.
    return Part(shown, None, line, reason, _has_content(_DYNAMIC_REFERENCE.sub("", text)), marks[:1])


def elsewhere(part: Part, origin: Origin | None) -> Part:
    """The part as a value written at `origin`, no longer where it is used."""
    return replace(part, origin=origin, line=None, marks=())


class ExpansionError(LoadError):
    """Intrinsic functions that build more text than any real template does."""


class Budget:
    """The characters of text one template's intrinsic functions may still build."""

    def __init__(self, limit: int = MAX_BUILT_CHARS) -> None:
        self.limit = self.left = limit

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise ExpansionError(
                f"Fn::Sub and Fn::Join would build more than {self.limit // (1024 * 1024)} MB of text:"
                " refused as a substitution bomb"
            )


def combine(pieces: Iterable[list[Part]], budget: Budget, separator: str = "") -> list[Part]:
    """Every concatenation of one choice per piece (capped), keeping the first origin/reason."""
    choices = [p if p else [Part("", known=False)] for p in pieces]
    result = []
    for combo in itertools.islice(itertools.product(*choices), MAX_CANDIDATES):
        # Counted before the text is built: a bomb stops here, not in a memory error.
        budget.spend(sum(len(p.text) for p in combo) + len(separator) * (len(combo) - 1))
        pieces_marks = []
        for number, p in enumerate(combo):
            if number and separator:
                pieces_marks.append((separator, ()))
            pieces_marks.append((p.text, p.marks))
        result.append(
            Part(
                separator.join(p.text for p in combo),
                next((p.origin for p in combo if p.origin), None),
                next((p.line for p in combo if p.line), None),
                next((p.reason for p in combo if p.reason), None),
                any(p.known for p in combo) or _has_content(separator),
                joined(pieces_marks),
            )
        )
    return result


def to_candidates(parts: Iterable[Part]) -> tuple[Candidate, ...]:
    return tuple(dict.fromkeys(p.candidate() for p in parts))


def dedupe(parts: Iterable[Part]) -> list[Part]:
    seen: dict[tuple[str, Origin | None], Part] = {}
    for part in parts:
        seen.setdefault((part.text, part.origin), part)
    return list(seen.values())[:MAX_CANDIDATES]


def intrinsic(node: Node) -> str | None:
    """The function name when `node` is an intrinsic call ({"Ref": ...} or {"Fn::X": ...})."""
    if isinstance(node.value, dict) and len(node.value) == 1:
        (name,) = node.value
        if name == "Ref" or name.startswith("Fn::"):
            return name
    return None


def _string(node: Node | None) -> str | None:
    return node.value if node is not None and isinstance(node.value, str) else None


class Resolver:
    """Resolves values of one template against its Parameters, Mappings and Resources."""

    def __init__(self, root: Node, file: str, options: TemplateOptions) -> None:
        self.file = file
        self.options = options
        self.parameters = _section(root, "Parameters")
        self.mappings = _section(root, "Mappings")
        self.resources = _section(root, "Resources")
        self._visiting: set[str] = set()  # profiles being followed, against cycles
        # Fn::ForEach loop variables in scope (`Ref: Var`, `${Var}`), innermost first.
        self.bindings: dict[str, list[Part]] = {}
        self.budget = Budget()
        # Parameters and pseudo parameters resolve the same way at every use.
        self._names: dict[str, list[Part]] = {}
        region = options.region or ""
        self.partition = (
            "aws-cn" if region.startswith("cn-")
            else "aws-us-gov" if region.startswith("us-gov-")
            else "aws"
        )

    # -- values ---------------------------------------------------------------------------

    def parts(self, node: Node, depth: int = 0) -> list[Part]:
        """Every string `node` can resolve to."""
        if depth > _MAX_DEPTH:
            return [placeholder("...", "intrinsic functions nested too deeply")]
        value = node.value
        if value is None:
            return []
        if isinstance(value, str):
            return [literal(value, node.text_line, node.marks)]  # the common case: a plain string
        if isinstance(value, list):
            # A list where a string is expected: each item is a possibility.
            return dedupe(p for item in value for p in self.parts(item, depth + 1))
        name = intrinsic(node)
        if name is None:
            return [placeholder("...", "a mapping where a string was expected")]
        handler = _HANDLERS.get(name)
        argument = value[name]
        if handler is None:
            return [placeholder(name, f"{name} cannot be resolved statically")]
        try:
            # A value written elsewhere (a parameter, a mapping) is used here, at the call.
            here = placed(node.line, node.column)
            return dedupe(p if p.marks else replace(p, marks=here) for p in handler(self, argument, depth + 1))
        except ExpansionError as exc:
            if exc.line is None:  # the innermost call that ran out of budget names the place
                exc.line, exc.column = node.line, node.column
            raise

    def first_text(self, node: Node, depth: int) -> str | None:
        """The single known text of a value used as a name or key, else None."""
        parts = self.parts(node, depth)
        if len(parts) == 1 and parts[0].reason is None:
            return parts[0].text
        return None

    def items(self, node: Node, depth: int) -> list[list[Part]] | None:
        """The items of a list value (each with its possibilities), None when unknowable."""
        if isinstance(node.value, list):
            items = [self.parts(item, depth + 1) for item in node.value]
            return [i for i in items if i]  # AWS::NoValue items drop out of lists
        name = intrinsic(node)
        if name is None:
            return None
        argument: Node = node.value[name]  # type: ignore[index]
        if name == "Fn::Split" and isinstance(argument.value, list) and len(argument.value) == 2:
            separator = self.first_text(argument.value[0], depth + 1)
            return _split(self.parts(argument.value[1], depth + 1), separator)
        if name == "Ref" and isinstance(argument.value, str) and self._is_list_parameter(
            argument.value
        ):
            return _split(self.parameter(argument.value, split=False), ",")
        if name == "Fn::FindInMap":
            found = self._map_values(argument, depth + 1)
            if found is not None and len(found) == 1 and isinstance(found[0][0].value, list):
                value, origin = found[0]
                return [[elsewhere(p, origin) for p in self.parts(i, depth + 1)]
                        for i in value.value]  # type: ignore[union-attr]
        return None

    def bound(self, name: str, values: list[Part]) -> Resolver:
        """This resolver with an `Fn::ForEach` loop variable set to `values`."""
        child = copy.copy(self)
        child.bindings = {**self.bindings, name: values}
        return child

    # -- names ----------------------------------------------------------------------------

    def name(self, name: str, depth: int) -> list[Part]:
        """What `Ref: name` (or `${name}` in Fn::Sub) stands for."""
        if name in self.bindings:
            return self.bindings[name]
        if name in self.parameters or name.startswith("AWS::"):
            cached = self._names.get(name)
            if cached is None:
                cached = self.parameter(name) if name in self.parameters else self.pseudo(name)
                self._names[name] = cached
            return cached
        if name in self.resources:
            if self._resource_type(name) == _PROFILE_TYPE:
                return self.profile_model(name, depth)
            return [placeholder(name, f"Ref to resource {name} is known only after deployment")]
        return [placeholder(name, f"Ref to {name}, which the template does not define")]

    def pseudo(self, name: str) -> list[Part]:
        region = self.options.region
        if name == "AWS::NoValue":
            return []
        if name == "AWS::Partition":
            return [Part(self.partition)]
        if name == "AWS::URLSuffix":
            return [Part("amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com")]
        if name == "AWS::Region" and region:
            return [Part(region)]
        if name == "AWS::Region":
            return [placeholder(name, "AWS::Region is not known (no region given)")]
        return [placeholder(name, f"{name} is known only at deploy time")]

    def parameter(self, name: str, split: bool = True) -> list[Part]:
        declaration = self.parameters[name]
        ptype = _string(declaration.get("Type")) or "String"
        override = self.options.parameters.get(name)
        default = declaration.get("Default")
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            source = override if override is not None else _string(default)
            return [placeholder(
                name, f"parameter {name} is read from SSM parameter {source} at deploy time"
            )]
        if override is not None:
            origin = self.options.parameter_origins.get(name) or Origin(
                self.file, declaration.key_line or declaration.line,
                (f"parameter {name} value given to iac-check",),
            )
            values = [Part(override, origin, None, None, _has_content(override))]
        elif default is not None and isinstance(default.value, str):
            origin = Origin(self.file, default.line, (f"parameter {name} default",))
            values = [Part(default.value, origin, None, None, _has_content(default.value))]
        else:
            allowed = declaration.get("AllowedValues")
            values = [
                Part(item.value, Origin(self.file, item.line, (f"parameter {name} allowed value",)),
                     None, None, _has_content(item.value))
                for item in (allowed.value if allowed is not None and allowed.is_list else [])
                if isinstance(item.value, str)
            ]
            if not values:
                return [placeholder(
                    name, f"parameter {name} has no Default and no value was given"
                )]
        if split and self._is_list_parameter(name):
            # At a use site a list parameter is each of its items.
            values = [replace(v, text=t.strip(), known=_has_content(t))
                      for v in values for t in v.text.split(",")]
        return values

    def profile_model(self, name: str, depth: int) -> list[Part]:
        """The model an application inference profile copies, with where it is written."""
        if name in self._visiting:
            return [placeholder(name, f"inference profile {name} refers to itself")]
        properties = self.resources[name].get("Properties")
        source = properties.get("ModelSource") if properties is not None else None
        copy_from = source.get("CopyFrom") if source is not None else None
        if copy_from is None:
            return [placeholder(name, f"inference profile {name} has no ModelSource.CopyFrom")]
        self._visiting.add(name)
        try:
            parts = self.parts(copy_from, depth + 1)
        finally:
            self._visiting.discard(name)
        step = f"{name}.ModelSource.CopyFrom"
        result = []
        for part in parts:
            origin = part.origin or Origin(self.file, copy_from.line)
            result.append(elsewhere(part, replace(origin, chain=(*origin.chain, step))))
        return result

    def _resource_type(self, name: str) -> str | None:
        return _string(self.resources[name].get("Type"))

    def _is_list_parameter(self, name: str) -> bool:
        declaration = self.parameters.get(name)
        ptype = (_string(declaration.get("Type")) if declaration is not None else None) or ""
        return ptype == "CommaDelimitedList" or ptype.startswith("List<")

    def _map_values(self, argument: Node, depth: int) -> list[tuple[Node, Origin]] | None:
        """The mapping entries `Fn::FindInMap` can select; None when the call is malformed."""
        if not isinstance(argument.value, list) or len(argument.value) < 3:
            return None
        map_name = self.first_text(argument.value[0], depth)
        table = self.mappings.get(map_name) if map_name else None
        if table is None or not table.is_map:
            return None
        found: list[tuple[Node, Origin]] = []
        for first in self._keys(table, argument.value[1], depth):
            level = table.get(first)
            if level is None or not level.is_map:
                continue
            for second in self._keys(level, argument.value[2], depth):
                value = level.get(second)
                if value is not None:
                    step = f"mapping {map_name}.{first}.{second}"
                    found.append((value, Origin(self.file, value.line, (step,))))
        return found[:MAX_CANDIDATES]

    def _keys(self, table: Node, key: Node, depth: int) -> list[str]:
        # A key that cannot be known (AWS::Region without --region) may be any of them.
        keys = []
        for part in self.parts(key, depth):
            if part.reason is None:
                keys.append(part.text)
            else:
                keys.extend(table.value)  # type: ignore[arg-type]
        return list(dict.fromkeys(keys))

    # -- DefinitionSubstitutions ------------------------------------------------------------

    def substitute(self, parts: list[Part], substitutions: Mapping[str, list[Part]]) -> list[Part]:
        """Replace `${Name}` for each DefinitionSubstitutions entry in every possibility."""
        if not substitutions:
            return parts
        result: list[Part] = []
        for part in parts:
            pieces: list[list[Part]] = []
            position = 0
            used: list[Part] = []
            for found in _SUB_VARIABLE.finditer(part.text):
                choices = substitutions.get(found.group(1).strip())
                if choices is None:
                    continue
                pieces.append([_slice(part, position, found.start())])
                # Used where `${Name}` stands; written where the substitution is.
                here = at(part.marks, part.text, found.start())
                pieces.append([replace(c, marks=here) for c in choices])
                used.extend(choices)
                position = found.end()
            if not pieces:
                result.append(part)
                continue
            pieces.append([_slice(part, position, len(part.text))])
            for combined in combine(pieces, self.budget):
                # Where the value was written is where the substituted text came from.
                origin = next((p.origin for p in used if p.origin), None) or part.origin
                still_open = part.reason if "${" in combined.text else None
                result.append(Part(combined.text, origin, part.line,
                                   combined.reason or still_open, combined.known, combined.marks))
        return dedupe(result)


def _slice(part: Part, start: int, end: int) -> Part:
    text = part.text[start:end]
    return Part(text, known=_has_content(text), marks=sliced(part.marks, part.text, start, end))


def _split(parts: list[Part], separator: str | None) -> list[list[Part]] | None:
    """A fully known single string cut into list items; None otherwise."""
    if not separator or len(parts) != 1 or parts[0].reason is not None:
        return None
    whole, items, start = parts[0], [], 0
    for piece in whole.text.split(separator):
        lead = len(piece) - len(piece.lstrip())
        marks = sliced(whole.marks, whole.text, start + lead, start + len(piece))
        items.append([replace(whole, text=piece.strip(), known=_has_content(piece), marks=marks)])
        start += len(piece) + len(separator)
    return items


def _section(root: Node, name: str) -> dict[str, Node]:
    section = root.get(name)
    return section.value if section is not None and isinstance(section.value, dict) else {}


# -- intrinsic functions --------------------------------------------------------------------


def _ref(r: Resolver, arg: Node, depth: int) -> list[Part]:
    if not isinstance(arg.value, str):
        return [placeholder("Ref", "Ref to a name that is not a string")]
    return r.name(arg.value, depth)


def _sub(r: Resolver, arg: Node, depth: int) -> list[Part]:
    template, variables = arg, {}
    if isinstance(arg.value, list) and arg.value:
        template = arg.value[0]
        if len(arg.value) > 1 and isinstance(arg.value[1].value, dict):
            variables = arg.value[1].value
    cache: dict[str, list[Part]] = {}
    result: list[Part] = []
    for part in r.parts(template, depth):
        pieces: list[list[Part]] = []
        position = 0
        for found in _SUB_VARIABLE.finditer(part.text):
            pieces.append([_slice(part, position, found.start())])
            name = found.group(1).strip()
            here = at(part.marks, part.text, found.start())
            if name.startswith("!"):  # ${!Literal} is the text ${Literal}
                pieces.append([Part("${" + name[1:] + "}", marks=here)])
            else:
                if name not in cache:
                    cache[name] = _sub_variable(r, name, variables, depth)
                # A value written elsewhere is used where `${Name}` stands.
                pieces.append([p if p.marks else replace(p, marks=here) for p in cache[name]])
            position = found.end()
        pieces.append([_slice(part, position, len(part.text))])
        for combined in combine(pieces, r.budget):
            result.append(replace(combined, origin=combined.origin or part.origin, line=part.line))
    return result


def _sub_variable(r: Resolver, name: str, variables: dict[str, Node], depth: int) -> list[Part]:
    if name in variables:
        return r.parts(variables[name], depth)
    if name.startswith("resolve:"):
        return [placeholder(name, f"dynamic reference {{{{{name}}}}} cannot be resolved statically")]
    if name in r.bindings or name in r.parameters or name.startswith("AWS::") or name in r.resources:
        return r.name(name, depth)
    resource, dot, attribute = name.partition(".")
    if dot and resource in r.resources:
        return _attribute(r, resource, attribute, depth)
    return [placeholder(name, f"Fn::Sub variable {name} is not defined")]


def _join(r: Resolver, arg: Node, depth: int) -> list[Part]:
    if not isinstance(arg.value, list) or len(arg.value) != 2:
        return [placeholder("Fn::Join", "Fn::Join needs a separator and a list")]
    separator = r.first_text(arg.value[0], depth)
    items = r.items(arg.value[1], depth)
    if separator is None or items is None:
        return [placeholder("Fn::Join", "Fn::Join over a list that cannot be resolved statically")]
    pieces: list[list[Part]] = []
    for number, item in enumerate(items):
        if number:
            pieces.append([Part(separator, known=False)])
        pieces.append(item)
    return combine(pieces, r.budget)


def _select(r: Resolver, arg: Node, depth: int) -> list[Part]:
    if not isinstance(arg.value, list) or len(arg.value) != 2:
        return [placeholder("Fn::Select", "Fn::Select needs an index and a list")]
    items = r.items(arg.value[1], depth)
    if items is None:
        return [placeholder("Fn::Select", "Fn::Select over a list that cannot be resolved")]
    result: list[Part] = []
    for index in r.parts(arg.value[0], depth):
        text = index.text.strip()
        if index.reason is None and text.isdigit() and int(text) < len(items):
            result.extend(items[int(text)])
        else:
            result.append(placeholder("Fn::Select", f"Fn::Select index {text} is not in the list"))
    return result


def _find_in_map(r: Resolver, arg: Node, depth: int) -> list[Part]:
    found = r._map_values(arg, depth)
    result: list[Part] = []
    for value, origin in found or []:
        result.extend(elsewhere(p, origin) for p in r.parts(value, depth))
    if result:
        return result
    default = _find_in_map_default(arg)
    if default is not None:
        return r.parts(default, depth)
    return [placeholder("Fn::FindInMap", "Fn::FindInMap selects no entry of the mapping")]


def _find_in_map_default(arg: Node) -> Node | None:
    # AWS::LanguageExtensions adds a fourth argument {DefaultValue: ...}.
    if isinstance(arg.value, list) and len(arg.value) == 4:
        return arg.value[3].get("DefaultValue")
    return None


def _if(r: Resolver, arg: Node, depth: int) -> list[Part]:
    if not isinstance(arg.value, list) or len(arg.value) != 3:
        return [placeholder("Fn::If", "Fn::If needs a condition and two values")]
    return r.parts(arg.value[1], depth) + r.parts(arg.value[2], depth)


def _get_att(r: Resolver, arg: Node, depth: int) -> list[Part]:
    resource: str | None
    attribute: str | None
    if isinstance(arg.value, str):
        resource, _, attribute = arg.value.partition(".")
    elif isinstance(arg.value, list) and len(arg.value) == 2:
        resource = _string(arg.value[0])
        attribute = r.first_text(arg.value[1], depth)
    else:
        resource = attribute = None
    if not resource or not attribute:
        return [placeholder("Fn::GetAtt", "Fn::GetAtt with an unknown resource or attribute")]
    return _attribute(r, resource, attribute, depth)


def _attribute(r: Resolver, resource: str, attribute: str, depth: int) -> list[Part]:
    profile = resource in r.resources and r._resource_type(resource) == _PROFILE_TYPE
    if profile and attribute in _PROFILE_ATTRIBUTES:
        return r.profile_model(resource, depth)
    return [placeholder(f"{resource}.{attribute}",
                        f"Fn::GetAtt {resource}.{attribute} is known only after deployment")]


def _base64(r: Resolver, arg: Node, depth: int) -> list[Part]:
    # Keep the text before encoding: that is what a reader (and the model scan) needs.
    return r.parts(arg, depth)


def _import_value(r: Resolver, arg: Node, depth: int) -> list[Part]:
    export = r.first_text(arg, depth) or "?"
    return [placeholder(f"ImportValue:{export}",
                        f"Fn::ImportValue {export} is another stack's export")]


_HANDLERS = {
    "Ref": _ref,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::FindInMap": _find_in_map,
    "Fn::If": _if,
    "Fn::GetAtt": _get_att,
    "Fn::Base64": _base64,
    "Fn::ImportValue": _import_value,
}
