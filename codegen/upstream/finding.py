"""A finding: one difference between the upstream document and the schema."""

from __future__ import annotations

from dataclasses import dataclass

# In the order the report lists them.
KINDS = (
    "missing-operation",
    "missing-schema",
    "missing-property",
    "removed-property",
    "missing-enum-value",
    "type-changed",
    "required-changed",
    "nullable-changed",
    "description-changed",  # only with --descriptions
)


@dataclass(frozen=True, order=True)
class Finding:
    """``upstream`` is a JSON pointer into the upstream document (where the node is, or would be);
    ``schema`` says where it maps in ``schema/`` (``schema/chat.yaml#/$defs/...``), or None."""

    kind: str
    upstream: str
    schema: str | None
    detail: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "upstream": self.upstream, "schema": self.schema, "detail": self.detail}
