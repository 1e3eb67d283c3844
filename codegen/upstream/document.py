"""The upstream OpenAPI 3.x document: read it, check it is one, resolve its ``$ref``, list its operations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..load import SchemaError, parse_yaml
from . import pointer

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class BadInput(Exception):
    """The upstream document cannot be compared: missing, unreadable, or not an OpenAPI 3.x document."""


@dataclass(frozen=True)
class UpstreamOperation:
    method: str
    path: str
    pointer: str
    operation_id: str
    summary: str
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class UpstreamDocument:
    data: dict[str, Any]
    sha256: str

    @property
    def title(self) -> str:
        return str(self.data["info"].get("title", ""))

    @property
    def version(self) -> str:
        return str(self.data["info"].get("version", ""))

    def at(self, where: str) -> Any | None:
        return pointer.resolve(self.data, where)

    def follow(self, ref: str) -> tuple[Any, str]:
        """The node a ``$ref`` names, and its pointer. Only local references (``#/...``) exist here."""
        target = self.at(ref) if ref.startswith(pointer.ROOT + "/") else None
        if target is None:
            raise BadInput(f"$ref {ref!r} does not resolve inside the upstream document")
        return target, ref

    def operations(self) -> Iterator[UpstreamOperation]:
        for path, item in self.data["paths"].items():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                spec = item.get(method)
                if isinstance(spec, dict):
                    yield UpstreamOperation(
                        method=method,
                        path=str(path),
                        pointer=pointer.join(pointer.ROOT, "paths", path, method),
                        operation_id=str(spec.get("operationId", "")),
                        summary=" ".join(str(spec.get("summary", "")).split()),
                        spec=spec,
                    )


def read(path: Path) -> UpstreamDocument:
    """Read ``path`` (YAML or JSON); ``BadInput`` with a one-line reason if it is not an OpenAPI 3.x document."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = parse_yaml(raw.decode("utf-8"), str(path))
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not YAML or JSON (not UTF-8 text)") from None
    except SchemaError as exc:
        raise BadInput(str(exc).replace("not valid YAML", "not YAML or JSON", 1)) from None
    if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3."):
        raise BadInput(f"{path}: not an OpenAPI 3.x document (no `openapi: 3.x` at the top)")
    if not isinstance(data.get("info"), dict) or not isinstance(data.get("paths"), dict):
        raise BadInput(f"{path}: not an OpenAPI 3.x document (`info` and `paths` must be mappings)")
    return UpstreamDocument(data=data, sha256=hashlib.sha256(raw).hexdigest())
