"""``python -m codegen upstream-diff``: what Groq's OpenAPI document has that ``schema/`` lacks or contradicts.

One concept per module:
    pointer.py     JSON pointers (RFC 6901): escape, join, resolve, "is below"
    document.py    the upstream OpenAPI 3.x document: read, check, resolve ``$ref``, list operations
    finding.py     a finding: kind, upstream pointer, schema location, detail
    shape.py       the comparable form of a schema node, in which equal spellings look the same
    mapping.py     the schema side: locations of types and operations, their ``x-upstream`` records
    compare.py     the structural comparison of two nodes, stopping where ``x-upstream`` says they meet
    operations.py  operations: missing ones, and the request and response of each covered one
    deviations.py  ``x-deviation`` declarations, and sorting findings into findings and known deviations
    report.py      the text report for people and the JSON report for tools
    cli.py         arguments and exit status
"""

from __future__ import annotations

from . import cli
from .diff import Result, diff

__all__ = ["Result", "cli", "diff"]
