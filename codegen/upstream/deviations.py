"""Deliberate differences: ``x-deviation`` declarations, and sorting findings into findings and known deviations.

A declaration sits on the schema node it concerns (a type, a property, an operation, or an area file's root
for what has no node, such as an operation left out on purpose) and names the upstream node and the reason:

    x-deviation: {upstream: '#/components/schemas/Model/properties/active', reason: The API sends it.}

or a list of such mappings. A finding is a known deviation when a declaration's upstream pointer is at or
above the finding's, and the declaration's node is at or above the finding's place in the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..load import SchemaError
from . import pointer
from .finding import Finding
from .mapping import SchemaSide

KEY = "x-deviation"


@dataclass(frozen=True)
class Declaration:
    where: str
    """The schema node that carries it."""
    upstream: str
    reason: str


def declarations(side: SchemaSide) -> list[Declaration]:
    found: list[Declaration] = []
    for source in side.schema.sources:
        found += _declared(source.data, f"{source.relpath}#")
    return found


def _declared(node: Any, where: str) -> Iterator[Declaration]:
    if isinstance(node, dict):
        if KEY in node:
            yield from _parse(node[KEY], where)
        for key, value in node.items():
            if key != KEY:
                yield from _declared(value, pointer.join(where, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _declared(value, pointer.join(where, i))


def _parse(value: Any, where: str) -> Iterator[Declaration]:
    for item in value if isinstance(value, list) else [value]:
        upstream = item.get("upstream") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        if not isinstance(upstream, str) or not isinstance(reason, str) or not reason.strip():
            raise SchemaError(f"{where}: {KEY} needs `upstream` (a JSON pointer) and `reason` (why it differs)")
        try:
            pointer.tokens(upstream)
        except ValueError as exc:
            raise SchemaError(f"{where}: {KEY}: {exc}") from None
        yield Declaration(where=where, upstream=upstream, reason=" ".join(reason.split()))


def classify(
    findings: list[Finding], declared: list[Declaration]
) -> tuple[list[Finding], list[Finding], list[Declaration]]:
    """(findings, known deviations, declarations that match no difference)."""
    remaining: list[Finding] = []
    known: list[Finding] = []
    used: set[Declaration] = set()
    for finding in findings:
        match = next((d for d in declared if _covers(d, finding)), None)
        if match is None:
            remaining.append(finding)
        else:
            used.add(match)
            known.append(replace(finding, detail=f"{finding.detail}; on purpose: {match.reason}"))
    return remaining, known, [d for d in declared if d not in used]


def _covers(declaration: Declaration, finding: Finding) -> bool:
    if finding.kind == "description-changed":
        return False  # a declaration is about what the API does, never about wording
    if not pointer.is_within(finding.upstream, declaration.upstream):
        return False
    if finding.schema is None:
        return declaration.where.endswith("#")  # declared at an area file's root
    return pointer.is_within(finding.schema, declaration.where)
