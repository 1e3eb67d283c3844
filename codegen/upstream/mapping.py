"""The schema side: where each type and operation is written, and the ``x-upstream`` record of each.

Every ``$def`` and every operation says which node of the upstream document it corresponds to:
``x-upstream: '#/components/schemas/CreateChatCompletionRequest'`` (a JSON pointer, which may point inside
another schema, e.g. ``.../properties/choices/items``), or ``x-upstream: null`` when upstream has no
counterpart. Names are never matched by guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..load import LOCAL_REF, Schema, SchemaError
from . import pointer
from .shape import Node

KEY = "x-upstream"


@dataclass(frozen=True)
class SchemaSide:
    schema: Schema
    files: dict[str, str]
    """area -> the file's path from the repository root (``chat`` -> ``schema/chat.yaml``)."""
    def_upstream: dict[str, str | None]
    """type name -> its x-upstream pointer."""
    op_upstream: dict[str, str | None]
    """operation id -> its x-upstream pointer."""

    def def_location(self, name: str) -> str:
        return f"{self.files[self.schema.def_area[name]]}#/$defs/{pointer.escape(name)}"

    def op_location(self, op_id: str) -> str:
        return f"{self.files[self.schema.operation_area[op_id]]}#/x-operations/{pointer.escape(op_id)}"

    def follow(self, ref: str) -> Node:
        """Follow a bundled ``$ref`` (``#/$defs/Name``) to the type and its location."""
        name = ref.removeprefix(LOCAL_REF)
        return Node(self.schema.defs[name], self.def_location(name))


def build(schema: Schema) -> SchemaSide:
    files = {source.area: source.relpath for source in schema.sources}
    side = SchemaSide(schema=schema, files=files, def_upstream={}, op_upstream={})
    for name, spec in schema.defs.items():
        side.def_upstream[name] = _record(spec, side.def_location(name))
    for op_id, spec in schema.operations.items():
        side.op_upstream[op_id] = _record(spec, side.op_location(op_id))
    return side


def _record(spec: Any, where: str) -> str | None:
    if not isinstance(spec, dict) or KEY not in spec:
        raise SchemaError(f"{where}: no {KEY} (a JSON pointer into the upstream document, or null if it has none)")
    value = spec[KEY]
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(f"{where}: {KEY} must be a JSON pointer string such as '#/components/schemas/Name', or null")
    try:
        pointer.tokens(value)
    except ValueError as exc:
        raise SchemaError(f"{where}: {KEY}: {exc}") from None
    return value
