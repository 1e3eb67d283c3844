"""The reports: text for people (grouped by operation and type, one line a finding, a summary last), and one
JSON object for tools."""

from __future__ import annotations

import json
from collections import Counter

from . import pointer
from .diff import Result
from .finding import KINDS, Finding

NOT_COVERED = "Operations schema/ does not cover"


def as_json(result: Result) -> str:
    data = {
        "upstream": {
            "title": result.upstream.title,
            "version": result.upstream.version,
            "sha256": result.upstream.sha256,
        },
        "findings": [f.as_dict() for f in result.findings],
        "known_deviations": [f.as_dict() for f in result.known_deviations],
    }
    return json.dumps(data, indent=2)


def as_text(result: Result, schema_label: str) -> str:
    up = result.upstream
    lines = [f"upstream: {up.title} {up.version} (sha256 {up.sha256[:12]}) against {schema_label}"]
    lines += _groups(result.findings)
    if result.known_deviations:
        lines += ["", "Known deviations (declared with x-deviation in schema/; not findings):"]
        lines += ["  " + line if line else line for line in _groups(result.known_deviations)]
    if result.notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in result.notes]
    lines += ["", summary(result)]
    return "\n".join(lines)


def summary(result: Result) -> str:
    counts = Counter(f.kind for f in result.findings)
    found = (
        f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} ("
        + ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
        + ")"
        if result.findings
        else "no findings"
    )
    known = len(result.known_deviations)
    return f"{found}; {known} known deviation{'s' if known != 1 else ''}"


def _groups(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    group = None
    for finding in findings:
        name = group_of(finding)
        if name != group:
            lines += ["", name]
            group = name
        lines.append(f"  {finding.kind:<19} {_short(finding)}  {finding.detail}")
    return lines


def group_of(finding: Finding) -> str:
    """The operation or type a finding belongs to: the first name in its schema location."""
    if finding.schema is None:
        return NOT_COVERED
    file, _, rest = finding.schema.partition("#/")
    parts = [pointer.unescape(p) for p in rest.split("/")]
    kind = "operation" if parts[0] == "x-operations" else "type"
    return f"{parts[1]} ({kind}, {file})" if len(parts) > 1 else file


def _short(finding: Finding) -> str:
    """The upstream pointer without the part every line of its group shares."""
    return finding.upstream.removeprefix("#/components/schemas/")
