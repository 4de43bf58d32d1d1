"""JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure DevOps, ...).

One testsuite per file, one testcase per model reference, and a `failure` when a finding
at or above `--fail-on` is about that reference; its `message` and `type` are the most
severe finding's, since that is the headline dashboards show. Findings below `--fail-on`
are written in their testcase's `system-out` (viewers show it with the test; a
suite-level one they hide). A finding that applies to several module instances is on each
instance's testcase. The shape follows the Jenkins/Surefire JUnit schema (required
attributes, `properties` first, `system-out` and `system-err` last, at most one result
element per testcase). Findings that belong to no reference (a parse error, an expired
suppression) get a testcase of their own. Timestamps come from as-of, so the report is
reproducible.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..model import SEVERITY_RANK, Finding, Reference, Report
from ..rules import BY_ID
from . import RenderOptions
from .safe import clean

Key = tuple[str, str | None, str | None, str | None, str | None]


def render(report: Report, options: RenderOptions) -> str:
    root = ET.Element("testsuites")
    cases = _cases(report)
    for number, file in enumerate(sorted(cases)):
        root.append(_suite(file, number, cases[file], report, options))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _key(file: str, resource: str | None, attribute: str | None, model: str | None, raw: str | None) -> Key:
    return (file, resource, attribute, model, raw)


def _cases(report: Report) -> dict[str, list[tuple[Reference | None, list[Finding]]]]:
    """Per file, each reference with its findings, then the findings about no reference."""
    by_file: dict[str, list[tuple[Reference | None, list[Finding]]]] = defaultdict(list)
    slots: dict[Key, list[tuple[Reference | None, list[Finding]]]] = defaultdict(list)
    for ref in report.references:
        case: tuple[Reference | None, list[Finding]] = (ref, [])
        by_file[ref.span.file].append(case)
        slots[_key(ref.span.file, ref.resource, ref.attribute, ref.model_id, ref.raw)].append(case)
    for f in report.findings:
        placed = False
        for instance in f.every_instance:
            candidates = slots.get(_key(f.span.file, instance.resource, f.attribute, f.model_id, f.raw))
            if candidates:
                # Same model in the same attribute twice (e.g. an IAM policy): the one on the finding's line.
                case = next((c for c in candidates if c[0] and c[0].span.line == f.span.line), candidates[0])
                case[1].append(f)
                placed = True
        if not placed:
            by_file[f.span.file].append((None, [f]))
    return by_file


def _suite(file: str, number: int, cases: list[tuple[Reference | None, list[Finding]]],
           report: Report, options: RenderOptions) -> ET.Element:
    name = clean(options.path(file))
    elements = [_case(ref, findings, name, options) for ref, findings in cases]
    failed = sum(1 for e in elements if e.find("failure") is not None)
    skipped = sum(1 for e in elements if e.find("skipped") is not None)
    suite = ET.Element("testsuite", {
        "name": name, "timestamp": f"{report.as_of.isoformat()}T00:00:00", "hostname": "localhost",
        "tests": str(len(elements)), "failures": str(failed), "errors": "0", "skipped": str(skipped),
        "time": "0", "package": name, "id": str(number),
    })
    properties = ET.SubElement(suite, "properties")
    for key, value in (("as_of", report.as_of.isoformat()), ("catalog_updated", report.catalog_updated.isoformat()),
                       ("fail_on", options.fail_on), ("tool_version", report.tool_version)):
        ET.SubElement(properties, "property", {"name": key, "value": value})
    suite.extend(elements)
    below = sum(1 for _, findings in cases for f in findings if not f.fails(options.fail_on))
    told = f"{below} finding(s) below --fail-on {options.fail_on}: see their testcases' output." if below else ""
    ET.SubElement(suite, "system-out").text = told
    ET.SubElement(suite, "system-err").text = ""
    return suite


def _case(ref: Reference | None, findings: list[Finding], classname: str, options: RenderOptions) -> ET.Element:
    case = ET.Element("testcase", {"name": _name(ref, findings), "classname": classname, "time": "0"})
    ranked = sorted(findings, key=lambda f: -SEVERITY_RANK[f.severity])
    failing = [f for f in ranked if f.fails(options.fail_on)]
    if failing:
        failure = ET.SubElement(case, "failure", {
            "message": clean(failing[0].message), "type": failing[0].rule_id,
        })
        failure.text = "\n".join(_line(f, options) for f in ranked)
    elif findings and all(f.suppressed for f in findings):
        ET.SubElement(case, "skipped", {"message": "suppressed: " + clean(findings[0].suppression_reason)})
    elif findings:
        ET.SubElement(case, "system-out").text = "\n".join(_line(f, options) for f in ranked)
    return case


def _name(ref: Reference | None, findings: list[Finding]) -> str:
    if ref is not None:
        subject = ".".join(clean(p) for p in (ref.resource, ref.attribute) if p)
        model = clean(ref.model_id or ref.raw) or "unresolved model"
        return f"{subject} {model} (line {ref.span.line})"
    f = findings[0]
    return f"{f.rule_id} {BY_ID[f.rule_id].NAME} (line {f.span.line})"


def _line(f: Finding, options: RenderOptions) -> str:
    state = "suppressed" if f.suppressed else f.severity
    return f"{clean(options.path(f.span.file))}:{f.span.line}: {state} {f.rule_id}: {clean(f.message)}"
