"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (SPEC section 8).

Every rule is described, whether it fired or not, so a viewer can explain any result; a
rule's help names the replacements for the models this run found and links to the AWS
lifecycle page. Results carry the finding's fingerprint, so code scanning keeps one alert
per problem across runs even when lines move, and suppressed findings stay visible as
accepted in-source suppressions. A finding that applies to several module instances is
one result that lists them as related locations (and in its message and properties).
`automationDetails.id` tells this scan from other scans of the same repository (code
scanning keeps one set of alerts per category).
"""

from __future__ import annotations

import json
from collections import defaultdict
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import PurePosixPath
from types import ModuleType
from typing import Any
from urllib.parse import quote

from ..model import Finding, Fix, Report
from ..rules import RULES, explanation
from . import LIFECYCLE_PAGE, RenderOptions, instance_names, instances_phrase
from .safe import clean

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "iacCheckFingerprint/v1"


def render(report: Report, options: RenderOptions) -> str:
    return json.dumps(document(report, options), indent=2) + "\n"


def document(report: Report, options: RenderOptions) -> dict[str, Any]:
    index = {rule.ID: i for i, rule in enumerate(RULES)}
    replacements = _replacements(report.findings)
    driver = {
        "name": "iac-check",
        "fullName": f"iac-check {report.tool_version}: Amazon Bedrock model lifecycle checks for infrastructure code",
        "informationUri": information_uri(),
        "version": report.tool_version,
        "semanticVersion": report.tool_version,
        "rules": [_rule(rule, replacements.get(rule.ID, {})) for rule in RULES],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": options.category},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.rule_id], options) for f in report.findings],
            "properties": {
                "asOf": report.as_of.isoformat(),
                "catalogUpdated": report.catalog_updated.isoformat(),
                "catalogEntries": report.catalog_entries,
                "filesScanned": report.files_scanned,
                "references": len(report.references),
                "baselineMatched": report.baseline_matched,
                "failOn": options.fail_on,
            },
        }],
    }


def information_uri() -> str:
    """The project's home page as the installed package declares it, else its registry page."""
    try:
        urls = metadata("iac-check").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    pages = [url.split(",", 1)[1].strip() for url in urls if "," in url]
    return pages[0] if pages else "https://pypi.org/project/iac-check/"


def _replacements(findings: tuple[Finding, ...]) -> dict[str, dict[str, str]]:
    """Per rule, each model this run found with the version to move to."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for f in findings:
        if f.model_id and f.replacement:
            found[f.rule_id][clean(f.model_id)] = clean(f.replacement)
    return found


def _rule(rule: ModuleType, replacements: dict[str, str]) -> dict[str, Any]:
    paragraphs = [" ".join(p.split()) for p in explanation(rule).split("\n\n")]
    pairs = sorted(replacements.items())
    text, markdown = list(paragraphs), list(paragraphs)
    if pairs:
        text.append("Replacements for the models in this run: " + "; ".join(f"{a} -> {b}" for a, b in pairs))
        listed = "\n".join(f"- `{a}` → `{b}`" for a, b in pairs)
        markdown.append(f"Replacements for the models in this run:\n\n{listed}")
    text.append(f"Model lifecycle dates: {LIFECYCLE_PAGE}")
    markdown.append(f"See the [Amazon Bedrock model lifecycle]({LIFECYCLE_PAGE}) page.")
    return {
        "id": rule.ID,
        "name": rule.NAME,
        "shortDescription": {"text": paragraphs[0].split(". ")[0].rstrip(".") + "."},
        "fullDescription": {"text": "\n\n".join(paragraphs)},
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)},
        "helpUri": LIFECYCLE_PAGE,
        "defaultConfiguration": {"level": rule.SEVERITY},
        "properties": {"tags": ["iac", "amazon-bedrock", "model-lifecycle"]},
    }


def _result(f: Finding, rule_index: int, options: RenderOptions) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(f.span.line, 1)}
    if f.span.column:
        region["startColumn"] = f.span.column
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": _uri(options.path(f.span.file))}, "region": region},
    }
    if f.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": clean(f.resource), "kind": "resource"}]
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": f.severity,
        "message": {"text": " ".join(p for p in (clean(f.message), _instances(f)) if p)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": _properties(f),
    }
    if f.fix is not None:
        result["fixes"] = [_fix(f.fix, options)]
    if f.instances:
        result["relatedLocations"] = [
            {"id": number, "physicalLocation": location["physicalLocation"],
             "logicalLocations": [{"fullyQualifiedName": clean(i.resource), "kind": "resource"}],
             "message": {"text": clean(name)}}
            for number, (i, name) in enumerate(zip(f.instances, instance_names(f), strict=True), 1)
        ]
        result["properties"]["instances"] = [clean(i.resource) for i in f.instances]
    if f.suppressed:
        result["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                   "justification": clean(f.suppression_reason)}]
    return result


def _fix(fix: Fix, options: RenderOptions) -> dict[str, Any]:
    """What `iac-check fix` changes, as a SARIF fix a viewer can apply."""
    deleted = {"startLine": fix.line, "startColumn": fix.column, "endLine": fix.line,
               "endColumn": fix.column + len(fix.old)}
    return {
        "description": {"text": clean(f"Replace {fix.old} with {fix.new}")},
        "artifactChanges": [{
            "artifactLocation": {"uri": _uri(options.path(fix.file))},
            "replacements": [{"deletedRegion": deleted, "insertedContent": {"text": clean(fix.new)}}],
        }],
    }


def _instances(f: Finding) -> str:
    phrase = instances_phrase(f)
    return f"(Applies {clean(phrase)}.)" if phrase else ""


def _uri(path: str) -> str:
    """A relative URI (resolved against the checkout by code scanning), or a file URI for an absolute path."""
    return PurePosixPath(path).as_uri() if path.startswith("/") else quote(path)


def _properties(f: Finding) -> dict[str, Any]:
    values = {"modelId": f.model_id, "raw": f.raw, "attribute": f.attribute, "usage": f.usage,
              "region": f.region, "lifecycle": f.lifecycle, "replacement": f.replacement,
              "legacyDate": f.legacy_date, "extendedAccessDate": f.extended_access_date, "eolDate": f.eol_date}
    return {key: clean(str(value)) for key, value in values.items() if value is not None}
