"""Recognise and normalise Bedrock model IDs and ARNs.

Model IDs look like `[geo.]provider.name[:version][:variant]`; ARNs wrap them in several
resource kinds. Everything the catalog compares is the bare foundation-model version:
geo prefixes of inference profiles and variant suffixes (context windows such as `:200k`,
`:mm`, `:512`) are stripped, the base model inside a custom-model ARN is taken out, and the
ARN's region is kept. The geo prefix is kept apart: it bounds the regions a profile runs in.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from dataclasses import dataclass

# Providers whose IDs are recognised in free text; in a known model attribute any
# `provider.name` shape counts, so a new provider still reaches BDR004.
PROVIDERS = (
    "ai21", "amazon", "anthropic", "cohere", "deepseek", "google", "luma", "meta", "minimax",
    "mistral", "moonshot", "moonshotai", "nvidia", "openai", "qwen", "stability", "twelvelabs",
    "writer", "xai", "zai",
)
GEO_PREFIXES = ("us-gov", "us", "eu", "apac", "jp", "au", "ca", "in", "global")
EVERY_REGION = "*"
"""The reach of a `global.` profile and of an ARN whose region is `*`: every region."""
# The regions a geographic inference profile can be called from: a name ending in "-" is a
# prefix of region names, anything else one region. `global.` profiles run everywhere.
GEOGRAPHY: dict[str, tuple[str, ...]] = {
    "us": ("us-east-", "us-west-"),
    "us-gov": ("us-gov-",),
    "eu": ("eu-",),
    "apac": ("ap-",),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
    "ca": ("ca-",),
    "in": ("ap-south-1", "ap-south-2"),
}

_SEG = r"[a-z0-9][a-z0-9-]{0,62}"
_MODEL = rf"{_SEG}\.{_SEG}(?:\.{_SEG}){{0,2}}(?::[a-z0-9-]{{1,63}}){{0,2}}"
_PLACEHOLDER = r"\$\{[^}]{1,200}\}"
# The Bedrock ARN resource types a request can call as its model. Every other type
# (model-customization-job, agent, knowledge-base, guardrail, flow, prompt, ...) names no
# model: it is never a reference, whatever text it holds.
MODEL_KINDS = (
    "foundation-model", "inference-profile", "application-inference-profile", "custom-model",
    "imported-model", "provisioned-model", "custom-model-deployment", "default-prompt-router",
    "prompt-router",
)
# partition:bedrock:region:account: of any Bedrock ARN, placeholders and wildcards included.
ARN_HEAD = (
    r"arn:(?P<partition>aws(?:-[a-z]+){0,2}|" + _PLACEHOLDER + r"):bedrock:"
    r"(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d|" + _PLACEHOLDER + r"|\*)?:"
    r"(?P<account>\d{12}|" + _PLACEHOLDER + r"|\*)?:"
)
ARN_REST = r"(?P<rest>[A-Za-z0-9._:/*?${}-]*[A-Za-z0-9*}])"
_ARN = re.compile(
    ARN_HEAD + r"(?P<kind>" + "|".join(sorted(MODEL_KINDS, key=len, reverse=True)) + r")/" + ARN_REST
)
# A Bedrock Marketplace model runs on a SageMaker endpoint, whose ARN a model attribute
# accepts; it names no catalog model.
_MARKETPLACE = re.compile(
    r"arn:aws(?:-[a-z]+){0,2}:sagemaker:(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d):\d{12}:endpoint/[A-Za-z0-9-]{1,63}"
)
_FREE_ID = re.compile(
    r"(?<![A-Za-z0-9._/:-])"
    r"(?P<id>(?:(?:" + "|".join(GEO_PREFIXES) + r")\.)?"
    r"(?:" + "|".join(PROVIDERS) + r")\." + _SEG + r"(?:\." + _SEG + r"){0,2}"
    r"(?::[a-z0-9-]{1,63}){0,2})"
    r"(?![A-Za-z0-9_.-]*[A-Za-z0-9_])"
)
_ANCHORED_ID = re.compile(rf"^(?:(?:{'|'.join(GEO_PREFIXES)})\.)?{_MODEL}$")
# A variant after the `:N` version: a context window (`:200k`), multimodal (`:mm`), an
# embedding size (`:512`); all share the version's lifecycle.
_VARIANT = re.compile(r"^(?P<base>.+:\d+):[a-z0-9]+$")
_GEO = re.compile(rf"^(?P<geo>{'|'.join(GEO_PREFIXES)})\.(?=[a-z0-9-]+\.)")


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model named by a string.

    `model_id` is None when the string names no specific foundation model: a wildcard,
    an unresolved placeholder, an opaque application-profile or provisioned-model ARN.
    `custom` is True when the model is the base of a custom model. `geo` is the prefix of a
    cross-region inference profile ("eu", "global"), `any_region` marks an ARN whose region
    is `*`.
    """

    raw: str
    model_id: str | None
    region: str | None = None
    kind: str = "model-id"
    custom: bool = False
    wildcard: bool = False
    placeholder: bool = False
    geo: str | None = None
    any_region: bool = False

    @property
    def reach(self) -> str | None:
        """Where the reference can run beyond its own region: a geography, every region
        (EVERY_REGION), or None when only the reference's region counts."""
        if self.geo == "global":
            return EVERY_REGION
        return self.geo or (EVERY_REGION if self.any_region else None)

    @property
    def model_start(self) -> int:
        """Where the model is written inside `raw`: in an ARN, its model or profile ID (with
        the geography prefix, where a profile ID starts), else the start."""
        if not self.raw.startswith("arn:"):
            return 0
        inside = self.raw.rfind(self.model_id) if self.model_id else -1
        if inside < 0:
            return self.raw.rfind("/") + 1
        if self.geo and self.raw.endswith(f"/{self.geo}.", 0, inside):
            return inside - len(self.geo) - 1
        return inside


@dataclass(frozen=True, slots=True)
class Match:
    """A model reference found inside a longer string, with its offset in that string."""

    start: int
    ref: ModelRef


def normalise_id(model_id: str) -> str:
    """Strip a cross-region geo prefix and a variant suffix from a model ID."""
    bare = _GEO.sub("", model_id)
    variant = _VARIANT.match(bare)
    return variant.group("base") if variant else bare


def geo_prefix(model_id: str) -> str | None:
    """The geography of a cross-region inference profile ID ("eu", "global"), else None."""
    found = _GEO.match(model_id)
    return found.group("geo") if found else None


def in_geography(geo: str, region: str) -> bool:
    """Whether a profile of geography `geo` can be called from `region`."""
    if geo == "global":
        return True
    return any(region.startswith(name) if name.endswith("-") else region == name for name in GEOGRAPHY[geo])


def _id_ref(raw: str) -> ModelRef:
    return ModelRef(raw, normalise_id(raw), geo=geo_prefix(raw))


def _is_placeholder(text: str) -> bool:
    return "${" in text or "*" in text


def _from_arn(m: re.Match[str]) -> ModelRef:
    raw, kind, rest = m.group(0), m.group("kind"), m.group("rest")
    region = m.group("region")
    any_region = region == "*"
    region = None if not region or _is_placeholder(region) else region
    if kind in ("foundation-model", "inference-profile"):
        if rest.endswith("*") or rest == "*":
            return ModelRef(raw, None, region, kind, wildcard=True)
        if "${" in rest:
            return ModelRef(raw, None, region, kind, placeholder=True)
        return ModelRef(raw, normalise_id(rest), region, kind, geo=geo_prefix(rest), any_region=any_region)
    if kind == "custom-model":
        base = rest.rsplit("/", 1)[0] if "/" in rest else rest
        if _is_placeholder(base):
            return ModelRef(raw, None, region, kind, custom=True, placeholder=True)
        if not _ANCHORED_ID.match(base):  # imported weights have no Bedrock base model
            return ModelRef(raw, None, region, kind, custom=True)
        return ModelRef(raw, normalise_id(base), region, kind, custom=True, any_region=any_region)
    return ModelRef(raw, None, region, kind, wildcard=rest.endswith("*"))


def parse_model(value: str) -> ModelRef | None:
    """Classify a whole attribute value: an ARN, a geo-prefixed profile ID or a bare ID."""
    text = value.strip()
    arn = _ARN.fullmatch(text)
    if arn:
        return _from_arn(arn)
    if _ANCHORED_ID.match(text):
        return _id_ref(text)
    marketplace = _MARKETPLACE.fullmatch(text)
    if marketplace:
        return ModelRef(text, None, marketplace.group("region"), "marketplace-endpoint")
    return None


# API Gateway and HTTP integrations that call Bedrock Runtime name the model in the path,
# often URL-encoded (`%3A` for the version's colon).
_RUNTIME_PATH = re.compile(
    r"(?:arn:aws(?:-[a-z]+){0,2}:apigateway:(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d|" + _PLACEHOLDER + r")?"
    r":bedrock-runtime:path|bedrock-runtime(?:-fips)?\.(?P<host>[a-z]{2,4}(?:-[a-z]+)+-\d)\.amazonaws\.com)"
    r"/model/(?P<id>[^/\s\"']{1,400})/(?:invoke(?:-with-response-stream)?|converse(?:-stream)?)(?![\w-])"
)


def _runtime_ref(m: re.Match[str]) -> ModelRef:
    model = urllib.parse.unquote(m.group("id"))
    region = m.group("region") or m.group("host")
    region = None if not region or "${" in region else region
    parsed = parse_model(model)
    # `raw` is the text as written (maybe URL-encoded): a report quotes what the file says.
    if parsed is None:
        return ModelRef(m.group("id"), None, region, placeholder="${" in model)
    return dataclasses.replace(parsed, raw=m.group("id"), region=parsed.region or region)


def find_models(text: str) -> list[Match]:
    """Every Bedrock model ARN, known-provider model ID or Bedrock Runtime path inside free text."""
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for m in _RUNTIME_PATH.finditer(text):
        found.append(Match(m.start("id"), _runtime_ref(m)))
        taken.append((m.start("id"), m.end("id")))
    for m in _ARN.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        found.append(Match(m.start(), _from_arn(m)))
        taken.append((m.start(), m.end()))
    for m in _FREE_ID.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        found.append(Match(m.start(), _id_ref(m.group("id"))))
    return sorted(found, key=lambda x: x.start)


def reach_of(raw: str) -> ModelRef | None:
    """A reference's text read again for what its model ID leaves out: the geo prefix of a
    profile and whether an ARN's region is `*` (None when the text names no model)."""
    parsed = parse_model(raw)
    if parsed is None:
        found = find_models(urllib.parse.unquote(raw))
        parsed = found[0].ref if found else None
    return parsed


def could_mention_model(text: str) -> bool:
    """Cheap test before the regexes: the text names bedrock or a known provider."""
    low = text.lower()
    return "bedrock" in low or any(p + "." in low for p in PROVIDERS)
