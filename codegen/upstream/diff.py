"""Run the whole comparison: the upstream document against ``schema/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import load
from . import deviations, document, mapping, operations
from .compare import Comparison
from .finding import KINDS, Finding


@dataclass(frozen=True)
class Result:
    upstream: document.UpstreamDocument
    findings: list[Finding]
    known_deviations: list[Finding]
    notes: list[str]
    """What is neither a finding nor a deviation: declarations that match no difference, ``x-upstream``
    pointers this document does not have."""


def diff(upstream_path: Path, schema_dir: Path = load.SCHEMA_DIR, descriptions: bool = False) -> Result:
    """Compare; raises ``document.BadInput`` or ``load.SchemaError`` when either side cannot be read."""
    upstream = document.read(upstream_path)
    side = mapping.build(load.read_schema(schema_dir))
    declared = deviations.declarations(side)
    comparison = Comparison(upstream, side, descriptions)
    operations.compare(comparison)
    comparison.types()
    findings, known, unused = deviations.classify(sorted(set(comparison.findings), key=order), declared)
    notes = comparison.notes + [
        f"x-deviation at {d.where} matches no difference with this document ({d.upstream})" for d in unused
    ]
    return Result(upstream=upstream, findings=findings, known_deviations=known, notes=notes)


def order(finding: Finding) -> tuple[int, str, str, int]:
    """Operations first, then by place in the schema, then by place upstream."""
    return (0 if finding.schema is None else 1, finding.schema or "", finding.upstream, KINDS.index(finding.kind))
