"""Read the hand-written schema files and fingerprint them for the manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
TYPES_FILE = "types.schema.json"
OPERATIONS_FILE = "operations.schema.json"


@dataclass(frozen=True)
class SchemaSource:
    """One schema file: its path relative to the repository, its text and parsed JSON."""

    relpath: str
    text: str
    data: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def read_schema(schema_dir: Path = SCHEMA_DIR) -> tuple[SchemaSource, SchemaSource]:
    """Return the types and operations schema files."""
    return _read(schema_dir / TYPES_FILE), _read(schema_dir / OPERATIONS_FILE)


def _read(path: Path) -> SchemaSource:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"{path}: not valid JSON: {exc}") from exc
    return SchemaSource(relpath=f"{path.parent.name}/{path.name}", text=text, data=data)
