"""Operations: which upstream operations the schema does not cover, and, for each one it covers, whether
the request body, the success response and the parameters agree."""

from __future__ import annotations

from typing import Any

from . import pointer
from .compare import Comparison
from .document import UpstreamOperation
from .shape import Node

JSON = "application/json"
EVENT_STREAM = "text/event-stream"
MULTIPART = "multipart/form-data"
TEXT = "text/plain"
# What a binary or text answer is, as OpenAPI writes it: the schema of the media type upstream declares.
BINARY_BODY = {"type": "string", "format": "binary"}
TEXT_BODY = {"type": "string"}
DEFAULT_ROOT = "/openai/v1"  # as codegen/ir.py: an operation's `path` is relative to its `root`


def compare(comparison: Comparison) -> None:
    side = comparison.side
    covered = {where: op_id for op_id, where in side.op_upstream.items() if where}
    for operation in comparison.upstream.operations():
        op_id = covered.get(operation.pointer)
        if op_id is None:
            summary = f": {operation.summary}" if operation.summary else ""
            comparison.add(
                "missing-operation", operation.pointer, None, f"{operation.label} ({operation.operation_id}){summary}"
            )
        else:
            _operation(comparison, operation, op_id)
    for op_id, where in side.op_upstream.items():
        if where and comparison.upstream.at(where) is None:
            comparison.notes.append(f"{op_id}: x-upstream {where} is not in this upstream document")


def _operation(comparison: Comparison, operation: UpstreamOperation, op_id: str) -> None:
    spec = comparison.side.schema.operations[op_id]
    here = comparison.side.op_location(op_id)
    where = f"{str(spec.get('method', '')).upper()} {spec.get('root', DEFAULT_ROOT)}{spec.get('path', '')}"
    if where != operation.label:
        comparison.add("type-changed", operation.pointer, here, f"upstream: {operation.label}; schema: {where}")
    request = _content(comparison, operation.spec.get("requestBody"), pointer.join(operation.pointer, "requestBody"))
    _bodies(comparison, request, f"{here}/request", _request_media(spec))
    response = _content(comparison, *_success(operation.spec.get("responses"), operation.pointer))
    _bodies(comparison, response, f"{here}/response", _response_media(spec))
    _parameters(comparison, operation, spec.get("parameters", {}), here)


def _request_media(spec: dict[str, Any]) -> dict[str, Any]:
    """The request body's media type and schema, as codegen/ir.py reads the operation (`request_encoding`)."""
    if "request" not in spec:
        return {}
    return {MULTIPART if spec.get("request_encoding") == "multipart" else JSON: spec["request"]}


def _response_media(spec: dict[str, Any]) -> dict[str, Any]:
    """The 2xx answer's media types and schemas: JSON (and text/plain for `text_response`, the event stream for
    `stream`), or for a binary or text `response_kind` the media type it asks for (`accept`)."""
    kind = spec.get("response_kind", "json")
    if kind == "binary":
        return {str(spec.get("accept")): BINARY_BODY}
    if kind == "text":
        return {str(spec.get("accept", TEXT)): TEXT_BODY}
    ours = {JSON: spec["response"]}
    if "text_response" in spec:
        ours[TEXT] = TEXT_BODY
    if "stream" in spec:
        ours[EVENT_STREAM] = spec["stream"]["event"]
    return ours


def _content(comparison: Comparison, holder: Any, where: str) -> tuple[dict[str, Any], str]:
    """The ``content`` map of a request body or response (following a ``$ref``), and where it is."""
    if isinstance(holder, dict) and isinstance(holder.get("$ref"), str):
        holder, where = comparison.upstream.follow(holder["$ref"])
    content = holder.get("content") if isinstance(holder, dict) else None
    return (content if isinstance(content, dict) else {}), pointer.join(where, "content")


def _bodies(comparison: Comparison, content: tuple[dict[str, Any], str], here: str, ours: dict[str, Any]) -> None:
    theirs, where = content
    if set(theirs) != set(ours):
        comparison.add("type-changed", where, here, f"upstream: {_types(theirs)}; schema: {_types(ours)}")
    for media_type in sorted(set(theirs) & set(ours) - {EVENT_STREAM}):
        media = theirs[media_type]
        if isinstance(media, dict) and "schema" in media:
            mine = here if media_type in (JSON, MULTIPART) else f"{here}/{pointer.escape(media_type)}"
            comparison.nodes(
                Node(media["schema"], pointer.join(where, media_type, "schema")), Node(ours[media_type], mine)
            )


def _types(content: dict[str, Any]) -> str:
    return ", ".join(sorted(content)) or "no body"


def _success(responses: Any, operation: str) -> tuple[Any, str]:
    """The first 2xx response (``200``, ``201``, ``2XX``, written as a string or a number) and where it is."""
    codes = {str(code): response for code, response in responses.items()} if isinstance(responses, dict) else {}
    code = min((c for c in codes if c.startswith("2")), default="200")
    return codes.get(code), pointer.join(operation, "responses", code)


def _parameters(comparison: Comparison, operation: UpstreamOperation, ours: dict[str, Any], here: str) -> None:
    theirs: dict[str, tuple[Any, str]] = {}
    for param, where in operation.parameters:
        if isinstance(param, dict) and isinstance(param.get("$ref"), str):
            param, where = comparison.upstream.follow(param["$ref"])
        if isinstance(param, dict) and "name" in param:
            theirs[str(param["name"])] = (param, where)
    for name, (param, where) in theirs.items():
        mine = f"{here}/parameters/{pointer.escape(name)}"
        if name not in ours:
            comparison.add("missing-property", where, mine, f"{param.get('in', '')} parameter `{name}`")
        elif isinstance(param.get("schema"), dict):
            comparison.nodes(
                Node(param["schema"], pointer.join(where, "schema")),
                Node(ours[name].get("schema", {}), f"{mine}/schema"),
            )
    for name in ours:
        if name not in theirs:
            comparison.add(
                "removed-property",
                pointer.join(operation.pointer, "parameters"),
                f"{here}/parameters/{pointer.escape(name)}",
                f"upstream has no parameter `{name}`",
            )
