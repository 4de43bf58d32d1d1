"""Find model references in resolved resources.

Two ways in: attributes the table says hold a model (direct references, where any value
counts, resolved or not), and every other string scanned for model IDs and Bedrock ARNs
(indirect references: IAM policies, environment variables, state machine definitions).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from .attributes import ResourceSpec
from .model import Candidate, Leaf, Mark, Reference, Resource, Span, Usage, mark_at
from .modelid import ModelRef, could_mention_model, find_models, parse_model
from .textmarks import within

COMMITMENTS = ("OneMonth", "SixMonths")
# Attributes (Terraform and CloudFormation) whose text deploys nothing.
_QUIET = frozenset({"description", "Description", "tags", "tags_all", "Tags"})


def extract(
    resources: Iterable[Resource], table: Mapping[str, ResourceSpec], default_region: str | None
) -> list[Reference]:
    """Every model reference in the resources, deduplicated, in file order."""
    seen: set[tuple[object, ...]] = set()
    out: list[Reference] = []
    for resource in resources:
        for ref in _resource_refs(resource, table.get(resource.type), default_region):
            key = (ref.span, ref.resource, ref.attribute, ref.raw, ref.model_id, ref.origin, ref.unresolved)
            if key not in seen:
                seen.add(key)
                out.append(ref)
    return out


def _resource_refs(resource: Resource, spec: ResourceSpec | None, region: str | None) -> Iterator[Reference]:
    commitment, commitment_span = _commitment(resource, spec)
    context = _Context(resource, spec, resource.region or region, commitment, commitment_span)
    if resource.unresolved is not None and (resource.refused or _may_hold_model(resource)):
        yield context.unfollowed()
    for leaf in resource.leaves:
        if _QUIET.intersection(leaf.path):
            continue  # read by people, never by Bedrock: the accounting stage makes it a mention
        direct = spec is not None and spec.holds_model(leaf.path)
        for cand in leaf.candidates:
            yield from (context.direct(leaf, cand) if direct else context.indirect(leaf, cand))


def _commitment(resource: Resource, spec: ResourceSpec | None) -> tuple[str | None, Span | None]:
    if spec is None or spec.commitment is None:
        return None, None
    for leaf in resource.leaves:
        if leaf.path == spec.commitment:
            texts = [c.text for c in leaf.candidates if c.text in COMMITMENTS]
            # Of several possible terms, the longest is the one that can outlive the model.
            return (max(texts, key=COMMITMENTS.index) if texts else None), leaf.span
    return None, None


def _may_hold_model(resource: Resource) -> bool:
    """An unfollowed module matters when its inputs look model-related."""
    return any(
        "model" in "_".join(leaf.path).lower() or any(c.text and could_mention_model(c.text) for c in leaf.candidates)
        for leaf in resource.leaves
    )


class _Context:
    """What every reference of one resource shares."""

    def __init__(self, resource: Resource, spec: ResourceSpec | None, region: str | None,
                 commitment: str | None, commitment_span: Span | None) -> None:
        self.resource, self.spec, self.region = resource, spec, region
        self.commitment, self.commitment_span = commitment, commitment_span

    def unfollowed(self) -> Reference:
        """BDR005 for content the scan could not read, such as a module not downloaded."""
        return Reference(
            span=self.resource.span, resource=self.resource.address, resource_type=self.resource.type,
            attribute="source", raw=None, model_id=None, usage="on-demand", region=self.region,
            unresolved=self.resource.unresolved, attribute_line=self.resource.span.line,
            construct_path=self.resource.construct_path,
        )

    def direct(self, leaf: Leaf, cand: Candidate) -> Iterator[Reference]:
        if cand.text is None:
            yield self._ref(leaf, None, cand, unresolved=cand.reason or "value cannot be resolved")
            return
        parsed = parse_model(cand.text)
        if parsed is not None:
            start = cand.text.find(parsed.raw)
            yield self._ref(leaf, parsed, cand, max(start, 0) + parsed.model_start)
            return
        if "${" in cand.text:
            yield self._ref(leaf, None, cand, unresolved=cand.reason or f"`{cand.text}` cannot be resolved")
            return
        yield from self.indirect(leaf, cand, direct=True)

    def indirect(self, leaf: Leaf, cand: Candidate, direct: bool = False) -> Iterator[Reference]:
        text = cand.text
        if not text or not could_mention_model(text):
            return
        for match in find_models(text):
            yield self._ref(leaf, match.ref, cand, match.start + match.ref.model_start, direct=direct)

    def _ref(self, leaf: Leaf, parsed: ModelRef | None, cand: Candidate, offset: int | None = None,
             unresolved: str | None = None, direct: bool = True) -> Reference:
        """A reference to the model at `offset` of the candidate's text (None: the whole value)."""
        span = leaf.span if offset is None else _span_at(leaf, cand, offset)
        if unresolved is None and parsed is not None and parsed.placeholder:
            unresolved = cand.reason or f"the model in `{parsed.raw}` cannot be resolved"
        usage = self._usage(parsed, direct)
        provisioned = usage in ("provisioned", "provisioned-custom")
        return Reference(
            span=span,
            resource=self.resource.address,
            resource_type=self.resource.type,
            attribute=leaf.dotted,
            raw=parsed.raw if parsed else cand.text,
            model_id=parsed.model_id if parsed else None,
            usage=usage,
            region=(parsed.region if parsed else None) or self.region,
            origin=None if _written_here(cand, parsed, offset) else cand.origin,
            direct=direct,
            unresolved=unresolved,
            commitment=self.commitment if provisioned and direct else None,
            commitment_span=self.commitment_span if provisioned and direct else None,
            action=self.resource.action,
            wildcard=bool(parsed and parsed.wildcard),
            attribute_line=leaf.span.line,
            construct_path=self.resource.construct_path,
        )

    def _usage(self, parsed: ModelRef | None, direct: bool) -> Usage:
        usage: Usage = self.spec.usage if (self.spec and direct) else "on-demand"
        if usage == "provisioned" and parsed is not None and parsed.custom:
            return "provisioned-custom"
        return usage


def _written_here(cand: Candidate, parsed: ModelRef | None, offset: int | None) -> bool:
    """Whether the model is written whole at the use site though the text has an origin: the
    origin is then another piece's (an ARN's region from a parameter or a variable), not the
    model's, and the place to change the model is here."""
    if parsed is None or offset is None or cand.origin is None:
        return False
    first = mark_at(cand.marks, offset)
    inside = within(cand.marks, offset, offset + len(parsed.raw) - parsed.model_start)
    return first is not None and _written(first) and all(_written(mark) for mark in inside)


def _written(mark: Mark) -> bool:
    return mark.line is not None and not mark.placed


def _span_at(leaf: Leaf, cand: Candidate, offset: int) -> Span:
    """Where the text at `offset` of the candidate is written; the leaf's own place when
    that part of the text was written elsewhere (its `origin` says where)."""
    line, column = cand.position(offset)
    if line is None:
        return leaf.span
    if column is None and line == leaf.span.line:
        column = leaf.span.column
    return Span(leaf.span.file, line, column)
