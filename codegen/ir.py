"""The intermediate representation: what the templates need, derived from the schema.

The hand-written schema says what the API is; this module derives what the generator needs on top:
which types travel in requests and which in responses (from the operations, by following ``$ref``),
the msgspec options and enum openness each side implies, the resource tree of the client, and the
seed's names for types. Everything here is plain data so the templates stay free of logic.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .load import (
    Schema,
    SchemaError as SchemaError,  # raised here too; one class for every schema problem
    SchemaSource,
)

REF_PREFIX = "#/$defs/"

# Request bodies are checked by decoding them before they are sent: unknown keys must fail (the API
# rejects them with a 400) and unset fields must not be encoded (the API would take a default we did
# not choose). Response types are decoded in the hot path and never form cycles, so the garbage
# collector need not track them (msgspec measures ~15% faster decoding).
SIDE_OPTIONS: dict[str, dict[str, Any]] = {
    "request": {"forbid_unknown_fields": True, "omit_defaults": True},
    # Re-encoding a response (to_json(), msgspec.json.encode) leaves out its None fields, and its repr
    # shows only what the server sent: absent and null are both None on this side (see _response_fields).
    "response": {"gc": False, "omit_defaults": True, "repr_omit_defaults": True},
}

# The private package of fastgroq.types holding one generated module per schema area (_areas/chat.py).
AREAS_PACKAGE = "_areas"

# Every response Struct derives from the runtime's one base class (to_dict(), to_json(), model_dump()...).
RESPONSE_BASE_CLASS = "fastgroq._models.BaseModel"

# Where an operation lives unless its `root` says otherwise: its `path` is relative to this (the API root).
DEFAULT_ROOT = "/openai/v1"
# What a 2xx body is: JSON decoded into the operation's `response` type; `binary`, the bytes as they come (a
# BinaryAPIResponse, or streamed to disk); `text`, a str. A JSON operation may answer text for some values of one
# request field (`text_response: {field, values}`: transcriptions with `response_format="text"`).
RESPONSE_KINDS = ("json", "binary", "text")
# How a request body is encoded: JSON, or multipart/form-data (fields as form fields, files as file parts).
REQUEST_ENCODINGS = ("json", "multipart")
# How an event stream is read (`stream.protocol`): `chat` (chunks; `data: [DONE]` ends it; request id, usage and
# errors in `x_groq`), `responses` (events tagged by `type`; a terminal event ends it; usage in its `response`).
STREAM_PROTOCOLS = ("chat", "responses")
# Names a generated method already uses for itself: no parameter may take them.
RESERVED_PARAMS = frozenset({"self", "request", "extra_headers", "extra_query", "extra_body", "timeout", "fields"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class PathParam:
    """A ``{name}`` segment of an operation's path: a positional ``str`` argument, percent-encoded when sent."""

    name: str
    description: str


@dataclass(frozen=True)
class QueryParam:
    """A query parameter: a typed keyword argument, validated against ``Operation.query_type`` before sending."""

    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class Operation:
    """One HTTP operation and the client method generated for it.

    The shape of the call, all from the schema: ``http_method``; ``root`` + ``path`` (``/openai/v1`` +
    ``/models/{model}``; ``root`` is where the operation lives relative to the host, ``path`` is relative to
    it); ``path_params`` in path order (positional arguments); ``query_params`` (keyword arguments, checked
    against ``query_type``, a request-side Struct the generator adds); the JSON body ``request_type``, if any;
    what a 2xx answer is (``response_kind``, ``response_type``) and, for operations that can stream, the flag
    and event type.
    """

    id: str
    resource: tuple[str, ...]
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    path_params: tuple[PathParam, ...]
    request_type: str | None
    response_type: str | None
    stream_flag: str | None
    stream_event_type: str | None
    area: str
    response_envelope: tuple[str, ...] = ()
    stream_event_envelope: tuple[str, ...] = ()
    root: str = DEFAULT_ROOT
    query_params: tuple[QueryParam, ...] = ()
    query_type: str | None = None
    response_kind: str = "json"
    accept: str | None = None
    """The media type asked for (``Accept``) when it is not JSON: ``audio/wav``, ``application/octet-stream``."""
    text_field: str | None = None
    """The request field whose values in ``text_values`` make the answer ``text/plain`` (a ``str``)."""
    text_values: tuple[str, ...] = ()
    json_values: tuple[str, ...] = ()
    """The other values the field takes (the answer is then JSON): for the typed overloads."""
    request_encoding: str = "json"
    file_fields: tuple[str, ...] = ()
    """Multipart requests: the fields sent as file parts (``format: binary`` in the schema)."""
    stream_protocol: str = "chat"
    aliases: tuple[str, ...] = ()
    """Other names of the method on its resource (``fine_tunings.get`` for ``fine_tunings.retrieve``)."""

    @property
    def const_name(self) -> str:
        """Module-level name of the operation's runtime descriptor, e.g. ``CREATE_CHAT_COMPLETION``."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.id).upper()

    @property
    def full_path(self) -> str:
        """The path from the host root, as the upstream document writes it (``/openai/v1/models/{model}``)."""
        return self.root + self.path


@dataclass
class Resource:
    """A node of the client's attribute tree (``client.chat.completions``)."""

    path: tuple[str, ...]
    operations: list[Operation] = field(default_factory=list)
    children: dict[str, Resource] = field(default_factory=dict)

    @property
    def attr(self) -> str:
        return self.path[-1]

    @property
    def class_name(self) -> str:
        """The official SDK's name: the last part of the path (``Completions`` for ``chat.completions``)."""
        return self.path[-1].title().replace("_", "")

    @property
    def module_parts(self) -> tuple[str, ...]:
        """The module of the resource below ``fastgroq.resources``, at the official SDK's path: a resource with
        resources below it is a package holding a module of its own name (``chat/chat.py``), any other a module
        of its parent's package (``chat/completions.py``, ``models.py``)."""
        return (*self.path, self.path[-1]) if self.children else self.path

    def module(self, flavor: Flavor) -> str:
        """The dotted module of the resource's classes for one client, relative to ``fastgroq``:
        ``resources.chat.completions``, or ``resources.chat._async_completions`` for the async client."""
        *package, leaf = self.module_parts
        return ".".join(("resources", *package, flavor.module_prefix + leaf))

    def file(self, flavor: Flavor) -> str:
        """The file inside ``fastgroq/``: ``resources/chat/completions.py``."""
        return self.module(flavor).replace(".", "/") + ".py"

    @property
    def up(self) -> str:
        """The relative import prefix from the resource's module to ``fastgroq`` (``...`` from ``chat/x.py``)."""
        return "." * (len(self.module_parts) + 1)

    def relative(self, other: Resource, flavor: Flavor) -> str:
        """The relative import of ``other``'s module (a resource below this one) from this one's."""
        return "." + other.module(flavor).removeprefix(".".join(("resources", *self.path)) + ".")

    def family(self, flavor: Flavor) -> list[str]:
        """The resource's classes for one client: the resource and its raw and streaming twins."""
        name = flavor.prefix + self.class_name
        return [name, name + "WithRawResponse", name + "WithStreamingResponse"]

    def walk(self) -> Iterator[Resource]:
        """Children before parents, so each class is defined before the class that uses it."""
        for child in self.children.values():
            yield from child.walk()
        yield self


@dataclass(frozen=True)
class SeedAlias:
    alias: str
    target: str


@dataclass(frozen=True)
class Reexport:
    """One name of a module at the official SDK's path: ``name`` there is ``target`` of private ``module``.

    ``module`` is relative to ``fastgroq.types``: ``_areas.chat`` for the Structs of the chat area,
    ``_areas.chat_params`` for the TypedDict forms of its request types.
    """

    name: str
    target: str
    module: str


@dataclass
class SdkModule:
    """A module of ``fastgroq.types`` at the official SDK's path (``chat.chat_completion``), re-exporting types.

    ``path`` is relative to ``fastgroq.types``; a module that has modules below it is a package
    (``chat/__init__.py``). Built from the ``x-sdk-paths`` of every $def.
    """

    path: tuple[str, ...]
    names: list[Reexport] = field(default_factory=list)
    is_package: bool = False

    @property
    def file(self) -> str:
        """The file inside ``fastgroq/``: ``types/chat/chat_completion.py`` or ``types/chat/__init__.py``."""
        return (
            "/".join(("types", *self.path, "__init__.py"))
            if self.is_package
            else "/".join(("types", *self.path)) + ".py"
        )

    @property
    def dotted(self) -> str:
        return ".".join(("fastgroq.types", *self.path))

    @property
    def up(self) -> str:
        """The relative import prefix from this module to ``fastgroq.types`` (``..`` from ``types/chat/x.py``)."""
        return "." * (len(self.path) + (1 if self.is_package else 0))


@dataclass(frozen=True)
class Flavor:
    """What the sync and the async client code differ in, and nothing else: ``async``/``await`` and names.

    ``_resources.py.jinja`` renders the resources of either client from one template; the two renderings
    differ only where a template reads one of these fields.
    """

    name: str
    module_prefix: str  # of the resource modules' names: ``completions`` / ``_async_completions``
    prefix: str  # of resource class names: ``Chat`` / ``AsyncChat``
    def_: str  # ``def`` / ``async def``
    await_: str  # ``""`` / ``"await "``
    client_class: str
    client_module: str
    stream: str
    stream_module: str
    raw_response: str
    response_context: str
    response_module: str
    binary_response: str
    streamed_binary_response: str
    groq_module: (
        str  # the generated module of the client class: ``_client`` (``Groq``) / ``_async_groq`` (``AsyncGroq``)
    )

    @property
    def is_async(self) -> bool:
        return self.name == "async"


SYNC = Flavor(
    name="sync",
    module_prefix="",
    prefix="",
    def_="def",
    await_="",
    client_class="SyncAPIClient",
    client_module="_sync_client",
    stream="Stream",
    stream_module="_streaming",
    raw_response="RawResponse",
    response_context="ResponseContextManager",
    response_module="_response",
    binary_response="BinaryAPIResponse",
    streamed_binary_response="StreamedBinaryAPIResponse",
    groq_module="_client",
)
ASYNC = Flavor(
    name="async",
    module_prefix="_async_",
    prefix="Async",
    def_="async def",
    await_="await ",
    client_class="AsyncAPIClient",
    client_module="_async_client",
    stream="AsyncStream",
    stream_module="_async_streaming",
    raw_response="AsyncRawResponse",
    response_context="AsyncResponseContextManager",
    response_module="_async_response",
    binary_response="AsyncBinaryAPIResponse",
    streamed_binary_response="AsyncStreamedBinaryAPIResponse",
    groq_module="_async_groq",
)


@dataclass
class API:
    """Everything the templates render from."""

    title: str
    description: str
    operations: list[Operation]
    resources: list[Resource]
    request_defs: list[str]
    response_defs: list[str]
    error_type: str
    seed_aliases: list[SeedAlias]
    models_schema: dict[str, Any]
    sources: list[SchemaSource]
    source_label: str
    def_areas: dict[str, str]
    """The area of every $def: the schema file it is written in (``chat`` for schema/chat.yaml)."""
    sdk_modules: list[SdkModule] = field(default_factory=list)
    """The official SDK's modules below ``fastgroq.types``, sorted by path (packages before their modules)."""
    root_exports: dict[str, Reexport] = field(default_factory=dict)
    """Every name ``fastgroq.types`` exports, lazily: each $def, each seed name, each official top-level name."""

    @property
    def areas(self) -> list[str]:
        return sorted(set(self.def_areas.values()))

    @property
    def top_sdk_modules(self) -> list[str]:
        """The official SDK's modules right below ``fastgroq.types`` (``chat``, ``model``, ``shared``...)."""
        return sorted({m.path[0] for m in self.sdk_modules})

    @property
    def param_areas(self) -> list[str]:
        """The areas with request types, each of which gets a module of TypedDict forms."""
        return sorted({self.def_areas[name] for name in self.request_defs})


def build(schema: Schema) -> API:
    defs = schema.defs
    if not defs:
        raise SchemaError(f"{schema.label}: no $defs")
    ops = [_operation(op_id, spec, defs, schema.operation_area[op_id]) for op_id, spec in schema.operations.items()]
    error_type = _def_name(schema.error, defs, "x-error")
    def_areas = dict(schema.def_area)
    # Each operation's query parameters become one request-side Struct, so they are typed and checked like a
    # body; it is generated into the operation's area (`fastgroq.types.ListThingsQuery`).
    query_defs = {op.query_type: _query_def(op, schema.operations[op.id]) for op in ops if op.query_type is not None}
    clash = sorted(set(query_defs) & set(defs))
    if clash:
        raise SchemaError(f"{schema.label}: {', '.join(clash)}: the name of an operation's query type is taken")
    defs = {**defs, **query_defs}
    def_areas |= {op.query_type: op.area for op in ops if op.query_type is not None}

    request_roots = [op.request_type for op in ops if op.request_type]
    request_roots += [op.query_type for op in ops if op.query_type]
    response_roots = [op.response_type for op in ops if op.response_type]
    response_roots += [op.stream_event_type for op in ops if op.stream_event_type]
    response_roots.append(error_type)
    request_defs = _reachable(request_roots, defs)
    response_defs = _reachable(response_roots, defs)
    shared = sorted(request_defs & response_defs)
    if shared:
        raise SchemaError(
            f"{schema.label}: {', '.join(shared)} used by both requests and responses; requests are strict "
            "and responses tolerant, so give each side its own $def"
        )
    unused = sorted(set(defs) - request_defs - response_defs)
    if unused:
        raise SchemaError(f"{schema.label}: $defs reached by no operation: {', '.join(unused)}")

    models_schema = schema.generator_document()
    models_schema["$defs"].update(copy.deepcopy(query_defs))
    for spec in models_schema["$defs"].values():
        for key in (SDK_PATHS, SDK_PARAM_PATHS):
            spec.pop(key, None)  # for the re-export modules, not for the types themselves
    for name in request_defs:
        _annotate(models_schema["$defs"][name], "request", f"$defs/{name}")
    for name in response_defs:
        _annotate(models_schema["$defs"][name], "response", f"$defs/{name}")

    aliases = [
        SeedAlias(alias=alias, target=name)
        for name, spec in sorted(defs.items())
        for alias in spec.get("x-seed-names", [])
    ]
    clash = sorted({a.alias for a in aliases} & set(defs))
    if clash:
        raise SchemaError(f"{schema.label}: seed names {', '.join(clash)} are also $defs names")

    sdk_modules, root_exports = _sdk_paths(defs, def_areas, request_defs, aliases, schema.label)

    return API(
        title=schema.title,
        description=schema.description,
        operations=ops,
        resources=_resource_tree(ops),
        request_defs=sorted(request_defs),
        response_defs=sorted(response_defs),
        error_type=error_type,
        seed_aliases=aliases,
        models_schema=models_schema,
        sources=list(schema.sources),
        source_label=schema.label,
        def_areas=def_areas,
        sdk_modules=sdk_modules,
        root_exports=root_exports,
    )


SDK_PATHS = "x-sdk-paths"
SDK_PARAM_PATHS = "x-sdk-param-paths"
_MODULE_PART = re.compile(r"[a-z][a-z0-9_]*")
_TYPE_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*")


def area_module(area: str) -> str:
    """The private module of an area's types, relative to ``fastgroq.types`` (``_areas.chat``)."""
    return f"{AREAS_PACKAGE}.{area}"


def params_module(area: str) -> str:
    """The private module of the TypedDict forms of an area's request types (``_areas.chat_params``)."""
    return f"{AREAS_PACKAGE}.{area}_params"


def _sdk_paths(
    defs: dict[str, Any], areas: dict[str, str], request_defs: set[str], aliases: list[SeedAlias], label: str
) -> tuple[list[SdkModule], dict[str, Reexport]]:
    """The re-export modules at the official SDK's paths, and the names ``fastgroq.types`` exports.

    ``fastgroq.types`` keeps every name it has always exported (each $def and seed name, the Structs)
    and adds the official SDK's top-level names (``x-sdk-paths`` entries without a module, like
    ``Model``). ``x-sdk-param-paths`` are the paths where the official SDK has a request type as a
    TypedDict (``ChatCompletionUserMessageParam(role="user", content="hi")`` builds a dict): there the
    TypedDict form of the request type is re-exported.
    """
    root = {name: Reexport(name, name, area_module(areas[name])) for name in defs}
    for alias in aliases:
        root[alias.alias] = Reexport(alias.alias, alias.target, area_module(areas[alias.target]))
    modules: dict[tuple[str, ...], SdkModule] = {}
    entries = [
        (target, key, dotted)
        for target, spec in sorted(defs.items())
        for key in (SDK_PATHS, SDK_PARAM_PATHS)
        for dotted in spec.get(key, [])
    ]
    for target, key, dotted in entries:
        *path, name = str(dotted).split(".")
        where = f"{label}: $defs/{target}/{key}: {dotted!r}"
        if not _TYPE_NAME.fullmatch(name) or not all(_MODULE_PART.fullmatch(part) for part in path):
            raise SchemaError(f"{where}: expected lower_case module names and a CapWords type name")
        if key == SDK_PARAM_PATHS:
            if target not in request_defs:
                raise SchemaError(f"{where}: only request types have a TypedDict form")
            export = Reexport(name, target, params_module(areas[target]))
        else:
            export = Reexport(name, target, area_module(areas[target]))
        if not path:
            if name in root and root[name] != export:
                raise SchemaError(f"{where}: fastgroq.types.{name} is already {root[name].target}")
            root[name] = export
            continue
        module = modules.setdefault(tuple(path), SdkModule(tuple(path)))
        if any(e.name == name for e in module.names):
            raise SchemaError(f"{where}: {'.'.join(path)}.{name} is given twice")
        module.names.append(export)
    for module_path in list(modules):
        for depth in range(1, len(module_path)):
            modules.setdefault(module_path[:depth], SdkModule(module_path[:depth])).is_package = True
    clash = sorted(".".join(p) for p in modules if len(p) == 1 and p[0] in root)
    if clash:
        raise SchemaError(f"{label}: {SDK_PATHS}: modules {', '.join(clash)} would hide names of fastgroq.types")
    for module in modules.values():
        module.names.sort(key=lambda e: e.name)
    return [modules[p] for p in sorted(modules)], dict(sorted(root.items()))


_PATH_SEGMENT = re.compile(r"{([^{}]*)}")
_ROOT = re.compile(r"(/[A-Za-z0-9_.~-]+)*")


def _operation(op_id: str, spec: dict[str, Any], defs: dict[str, Any], area: str) -> Operation:
    where = f"x-operations.{op_id}"
    path = spec["path"]
    root = spec.get("root", DEFAULT_ROOT)
    if not isinstance(root, str) or not _ROOT.fullmatch(root):
        raise SchemaError(f"{where}: root {root!r} must be '' or a path like '/v1' (no trailing slash)")
    if not isinstance(path, str) or not path.startswith("/"):
        raise SchemaError(f"{where}: path {path!r} must start with '/' (it is relative to the root {root!r})")
    params = spec.get("parameters", {})
    for name, param in params.items():
        if not _IDENTIFIER.fullmatch(name) or name in RESERVED_PARAMS:
            raise SchemaError(f"{where}.parameters.{name}: not usable as a Python argument name")
        if not isinstance(param, dict) or param.get("in") not in ("path", "query"):
            raise SchemaError(f"{where}.parameters.{name}: `in` must be `path` or `query`")
    in_path = [name for name, p in params.items() if p["in"] == "path"]
    segments = _PATH_SEGMENT.findall(path)
    if sorted(segments) != sorted(in_path) or len(set(segments)) != len(segments):
        raise SchemaError(f"{where}: path {path} has parameters {segments}, declared in: path {sorted(in_path)}")
    query = {name: p for name, p in params.items() if p["in"] == "query"}
    method = str(spec["method"]).upper()
    if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise SchemaError(f"{where}: method {spec['method']!r} is not one the client sends")
    kind = spec.get("response_kind", "json")
    if kind not in RESPONSE_KINDS:
        raise SchemaError(f"{where}: response_kind {kind!r} is not one of {', '.join(RESPONSE_KINDS)}")
    stream = spec.get("stream")
    *resource, method_name = spec["client_method"].split(".")
    if kind == "json":
        response_type: str | None = _def_name(spec.get("response", {}), defs, f"{where}.response")
    elif "response" in spec:
        raise SchemaError(f"{where}: a {kind} answer has no `response` type")
    else:
        response_type = None
    stream_event_type = _def_name(stream["event"], defs, f"{where}.stream.event") if stream else None
    protocol = stream.get("protocol", "chat") if stream else "chat"
    if protocol not in STREAM_PROTOCOLS:
        raise SchemaError(f"{where}.stream.protocol: {protocol!r} is not one of {', '.join(STREAM_PROTOCOLS)}")
    request_type = _def_name(spec["request"], defs, f"{where}.request") if "request" in spec else None
    encoding = spec.get("request_encoding", "json")
    if encoding not in REQUEST_ENCODINGS or (encoding != "json" and request_type is None):
        raise SchemaError(f"{where}: request_encoding {encoding!r} needs a `request` and one of {REQUEST_ENCODINGS}")
    aliases = tuple(spec.get("client_aliases", ()))
    if not all(isinstance(a, str) and _IDENTIFIER.fullmatch(a) and a != method_name for a in aliases):
        raise SchemaError(f"{where}.client_aliases: {aliases!r}: other method names of the same resource")
    return Operation(
        id=op_id,
        resource=tuple(resource),
        method_name=method_name,
        http_method=method,
        path=path,
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        # In the order the path names them: the method's positional arguments.
        path_params=tuple(PathParam(name, params[name].get("description", "")) for name in segments),
        request_type=request_type,
        response_type=response_type,
        stream_flag=stream["flag"] if stream else None,
        stream_event_type=stream_event_type,
        area=area,
        response_envelope=_envelope(response_type, defs) if response_type else (),
        stream_event_envelope=_envelope(stream_event_type, defs) if stream_event_type else (),
        root=root,
        query_params=tuple(
            QueryParam(name, p.get("description", ""), bool(p.get("required", False))) for name, p in query.items()
        ),
        query_type=(op_id[0].upper() + op_id[1:] + "Query") if query else None,
        response_kind=kind,
        accept=_accept(spec, kind, where),
        **_text_response(spec, request_type, defs, kind, stream, where),
        request_encoding=encoding,
        file_fields=_file_fields(request_type, defs) if encoding == "multipart" else (),
        stream_protocol=protocol,
        aliases=aliases,
    )


def _accept(spec: dict[str, Any], kind: str, where: str) -> str | None:
    """The media type a binary or text operation asks for (``accept``); JSON operations ask for JSON."""
    accept = spec.get("accept")
    if accept is not None and (kind == "json" or not isinstance(accept, str) or "/" not in accept):
        raise SchemaError(f"{where}: accept {accept!r} is a media type, for binary or text answers only")
    if kind == "binary" and accept is None:
        raise SchemaError(f"{where}: a binary answer says its media type (`accept: audio/wav`)")
    return accept


def _text_response(
    spec: dict[str, Any], request_type: str | None, defs: dict[str, Any], kind: str, stream: Any, where: str
) -> dict[str, Any]:
    """``text_response: {field, values}``: the request values of one field that make a JSON operation answer text."""
    text = spec.get("text_response")
    if text is None:
        return {}
    where = f"{where}.text_response"
    if kind != "json" or stream or request_type is None:
        raise SchemaError(f"{where}: only a JSON operation with a request body and no stream answers text on request")
    field_name, values = text.get("field"), text.get("values")
    prop = defs[request_type].get("properties", {}).get(field_name)
    if prop is not None and "$ref" in prop:
        prop = defs[_def_name(prop, defs, where)]
    enum = prop.get("enum") if isinstance(prop, dict) else None
    if not isinstance(enum, list) or not isinstance(values, list) or not values or not set(values) < set(enum):
        raise SchemaError(f"{where}: `field` names a request property with an enum, `values` some of its values")
    return {
        "text_field": field_name,
        "text_values": tuple(values),
        "json_values": tuple(v for v in enum if v not in values),
    }


def _file_fields(request_type: str | None, defs: dict[str, Any]) -> tuple[str, ...]:
    """The properties of a multipart request sent as files: ``{type: string, format: binary}``."""
    assert request_type is not None
    props = defs[request_type].get("properties", {})
    return tuple(name for name, prop in props.items() if prop.get("format") == "binary")


def _query_def(op: Operation, spec: dict[str, Any]) -> dict[str, Any]:
    """The request-side type of an operation's query parameters: one property per parameter."""
    params = {name: p for name, p in spec.get("parameters", {}).items() if p["in"] == "query"}
    properties = {}
    for name, param in params.items():
        prop = dict(param.get("schema", {}))
        if param.get("description"):
            prop["description"] = param["description"]
        properties[name] = prop
    node: dict[str, Any] = {
        "description": f"The query parameters of {op.resource[-1]}.{op.method_name}() ({op.http_method} {op.full_path}).",
        "type": "object",
        "properties": properties,
    }
    required = [name for name, param in params.items() if param.get("required")]
    if required:
        node["required"] = required
    return node


def _envelope(name: str, defs: dict[str, Any]) -> tuple[str, ...]:
    """The properties a response of type ``name`` cannot do without (``x-envelope``), checked.

    The client repairs any other value of a 2xx body that does not match its type; a body without one of
    these (or with a value there that cannot be repaired) is an error. They must be required properties.
    """
    node = defs[name]
    envelope = node.get("x-envelope", [])
    required = set(node.get("required", []))
    if not isinstance(envelope, list) or not all(isinstance(p, str) for p in envelope):
        raise SchemaError(f"$defs/{name}: x-envelope must be a list of property names")
    stray = [p for p in envelope if p not in required]
    if stray:
        raise SchemaError(f"$defs/{name}: x-envelope names {stray}, which are not required properties")
    return tuple(envelope)


def _def_name(ref_holder: dict[str, Any], defs: dict[str, Any], where: str) -> str:
    ref = str(ref_holder.get("$ref", ""))
    if not ref.startswith(REF_PREFIX) or ref[len(REF_PREFIX) :] not in defs:
        raise SchemaError(f"{where}: {ref!r} is not a $ref to a type in $defs")
    return ref[len(REF_PREFIX) :]


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object below ``node``, without following ``$ref``."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def _reachable(roots: list[str], defs: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in _nodes(defs[name]):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF_PREFIX):
                todo.append(ref[len(REF_PREFIX) :])
    return seen


def _annotate(schema: dict[str, Any], side: str, where: str) -> None:
    """Add the msgspec options and enum openness of a side to every object and enum of one $def."""
    for node in list(_nodes(schema)):
        if _is_object(node):
            if not node.get("properties"):
                # datamodel-code-generator turns a property-less object into an empty Struct, which would
                # silently drop every key; an explicit empty additionalProperties makes it dict[str, Any].
                extra = node.get("additionalProperties", True)
                node["additionalProperties"] = {} if extra is True else extra
                if extra is False:
                    raise SchemaError(f"{where}: an object with no properties that admits no keys")
            else:
                if side == "response":
                    _response_fields(node)
                    node["customBasePath"] = RESPONSE_BASE_CLASS
                options = {**SIDE_OPTIONS[side], **node.get("x-msgspec", {})}
                if options.get("dict"):
                    # msgspec refuses gc=False with dict=True: an instance __dict__ may hold anything.
                    options.pop("gc", None)
                node["x-msgspec"] = options
        if side == "response" and "enum" in node:
            # The API adds enum values (finish reasons, service tiers) before the schema knows them:
            # decode unknown ones instead of failing the whole response.
            node["x-enum-field-as-literal"] = False
            node["x-open-enum"] = True


def _response_fields(node: dict[str, Any]) -> None:
    """Absent means None on the response side, as in the official SDK and in every Python user's habit.

    A property the server may leave out, or send as null, becomes ``X | None = None`` (no ``UnsetType``):
    datamodel-code-generator writes exactly that for a non-required property declared ``nullable`` under
    ``strict_nullable`` (codegen/models.py). A required property that admits null (``message.content``)
    is read the same way, since real payloads omit those too. A property with a non-null default
    (``choices: []``) becomes required-with-default, which the generator writes as ``X = default``.
    Required, non-nullable properties stay required.
    """
    required = set(node.get("required", []))
    for name, prop in node["properties"].items():
        if name in required and not _admits_null(prop):
            continue
        if prop.get("default") is not None:
            required.add(name)
            continue
        required.discard(name)
        prop["nullable"] = True
        prop.pop("default", None)
    if required:
        node["required"] = [name for name in node["properties"] if name in required]
    else:
        node.pop("required", None)


def _admits_null(prop: dict[str, Any]) -> bool:
    kind = prop.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind) or prop.get("nullable") is True:
        return True
    members = prop.get("anyOf", []) + prop.get("oneOf", [])
    return any(isinstance(m, dict) and _admits_null(m) for m in members)


def _is_object(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node


def _resource_tree(ops: list[Operation]) -> list[Resource]:
    roots: dict[str, Resource] = {}
    for op in ops:
        level = roots
        node: Resource | None = None
        for depth in range(len(op.resource)):
            key = op.resource[depth]
            node = level.setdefault(key, Resource(path=op.resource[: depth + 1]))
            level = node.children
        if node is None:
            raise SchemaError(f"x-operations.{op.id}: client_method needs a resource, e.g. 'models.list'")
        node.operations.append(op)
    return list(roots.values())
