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
    parameters: tuple[tuple[Any, str], ...]
    """The parameters of the path and of the operation (the operation's win), with their pointers."""

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
            shared = _parameters(item, pointer.join(pointer.ROOT, "paths", path))
            for method in HTTP_METHODS:
                spec = item.get(method)
                if isinstance(spec, dict):
                    where = pointer.join(pointer.ROOT, "paths", path, method)
                    yield UpstreamOperation(
                        method=method,
                        path=str(path),
                        pointer=where,
                        operation_id=str(spec.get("operationId", "")),
                        summary=" ".join(str(spec.get("summary", "")).split()),
                        spec=spec,
                        parameters=tuple({**shared, **_parameters(spec, where)}.values()),
                    )


def _parameters(holder: dict[str, Any], where: str) -> dict[tuple[str, str], tuple[Any, str]]:
    """``holder``'s parameters by (name, location), each with its pointer (a ``$ref`` is followed later)."""
    found: dict[tuple[str, str], tuple[Any, str]] = {}
    params = holder.get("parameters")
    for i, param in enumerate(params if isinstance(params, list) else []):
        key = (str(param.get("name", i)), str(param.get("in", ""))) if isinstance(param, dict) else (str(i), "")
        found[key] = (param, pointer.join(where, "parameters", i))
    return found


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
        raise BadInput(str(exc).replace("not valid YAML", "not valid YAML or JSON", 1)) from None
    if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3."):
        raise BadInput(f"{path}: not an OpenAPI 3.x document (no `openapi: 3.x` at the top)")
    if not isinstance(data.get("info"), dict) or not isinstance(data.get("paths"), dict):
        raise BadInput(f"{path}: not an OpenAPI 3.x document (`info` and `paths` must be mappings)")
    return UpstreamDocument(data=data, sha256=hashlib.sha256(raw).hexdigest())
