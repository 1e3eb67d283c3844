"""Preparing a request, without sending it: URL (API root, path parameters, query), headers, body
encoding and validation, all in one ``PreparedRequest`` value (like httpx's ``build_request``).

``BaseClient.build_request`` puts these pieces together with the client's configuration; the sync and async
clients send what it returns. Nothing here does I/O.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

import msgspec

from ._constants import API_ROOT_PATH, DEFAULT_ENDPOINT, Timeout, TimeoutLike
from ._exceptions import GroqError, RequestValidationError
from ._http import HTTPRequest
from ._sentinels import Omit, drop_not_given

if TYPE_CHECKING:
    from ._files import MultipartBody
    from ._operation import Operation

__all__ = [
    "PreparedRequest",
    "RequestOptions",
    "build_url",
    "check_api_key",
    "check_header",
    "check_query",
    "custom_headers_from_env",
    "encode_body",
    "encode_multipart",
    "encode_query",
    "merge_headers",
    "normalize_base_url",
    "request_from_fields",
]

# One encoder for every request: it is stateless between calls and safe to share across threads.
_ENCODER = msgspec.json.Encoder()
_MSGSPEC_PATH = re.compile(r" - at `(\$[^`]*)`$")
_SEGMENT_SAFE = "!$&'()*+,;=:@"
_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# RFC 9110: a header name is a token; a value is visible characters, spaces and tabs (obs-text, bytes 0x80-0xFF,
# allowed as http.client sends values as latin-1). CR, LF and NUL would end or corrupt the header.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_HEADER_CHAR = re.compile(r"[^\t\x20-\x7e\x80-\xff]")


@dataclass(frozen=True)
class RequestOptions:
    """Per-request overrides.

    Attributes:
        extra_headers: Headers added to (or replacing, case-insensitively) the client's.
        extra_query: Query parameters added to the client's ``default_query``.
        extra_body: Top-level JSON keys merged into the body after validation. An escape hatch for
            parameters this version does not know: they are NOT checked.
        timeout: Overrides the client's timeout for this request.
        max_retries: Overrides the client's ``max_retries`` for this request.
    """

    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, object] | None = None
    extra_body: Mapping[str, object] | None = None
    timeout: float | Timeout | TimeoutLike | None = None
    max_retries: int | None = None


NO_OPTIONS = RequestOptions()


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request ready to go on the wire: what a transport sends, what a retry sends again.

    Attributes:
        method: ``POST``, ``GET``, ...
        url: The full URL, query included.
        headers: Every header to send (``Authorization`` included).
        content: The encoded body: bytes (JSON), a ``MultipartBody`` (an upload, whose file parts are read
            from disk as it is sent), or None for none.
        timeout: Connect and read timeouts.
        stream: Whether the caller asked for an event stream (``Accept: text/event-stream``).
        result: What the 2xx answer is: ``json`` (decoded into the operation's type), ``text`` (a ``str``) or
            ``binary`` (a ``BinaryAPIResponse``); see ``Operation.result_kind``.
        origin: ``(scheme, netloc)`` of ``url``: which connection pool serves it.
        secret: The API key when it is long enough to be worth redacting from what a server echoes back
            (see ``MIN_SECRET_LENGTH``), else ``""``.
    """

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | MultipartBody | None
    timeout: Timeout
    origin: tuple[str, str]
    stream: bool = False
    secret: str = field(default="", repr=False)
    result: str = "json"

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again (a retry, a 307/308 redirect): always, but for an upload from a
        file that cannot seek (a pipe) once it has been read from."""
        content = self.content
        return content is None or isinstance(content, bytes) or content.replayable

    def view(self) -> HTTPRequest:
        """The request as errors and raw responses show it (``e.request``), the key redacted.

        An upload's ``content`` is empty there: its files are read only as they are sent.
        """
        content = self.content if isinstance(self.content, bytes) else None
        return HTTPRequest(self.method, self.url, self.headers, content, secret=self.secret)

    def redact(self, data: bytes) -> bytes:
        """``data`` with the API key replaced by ``[REDACTED]`` (a server may echo the request back)."""
        secret = self.secret
        return data.replace(secret.encode(), b"[REDACTED]") if secret else data


def normalize_base_url(url: str) -> str:
    """The API root for ``url``: a URL whose path ends in ``/v1`` is the API root as is; any other URL gets
    ``/openai/v1`` appended, as the official SDK does with every path.

    ``https://api.groq.com`` (the official SDK's spelling) and ``https://api.groq.com/openai/v1`` (the
    OpenAI convention) both give ``https://api.groq.com/openai/v1``; ``http://host:8000/v1`` stays as it is;
    a gateway's ``http://gateway/prefix`` gives ``http://gateway/prefix/openai/v1``. Trailing slashes are
    ignored, and applying the rule twice changes nothing.

    Credentials in the URL (``http://user:pass@host``) are refused: the ``Authorization`` header carries the
    API key, so they could not be sent as well (the official SDK sends them as basic auth *instead of* the
    key), and a URL is shown in reprs, logs and errors. Nothing of them is repeated in the error.
    """
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        raise TypeError(f"base_url must be a str such as {DEFAULT_ENDPOINT!r}, not {type(url).__name__}")
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError as exc:
        raise GroqError(f"base_url is not a valid URL: {exc}") from None
    if "@" in parts.netloc:
        raise GroqError(
            "base_url must not contain credentials (user:password@host): the Authorization header carries the "
            "API key; send a gateway's own credentials with default_headers, and a proxy's in the proxy URL"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GroqError(f"base_url must be an http(s) URL such as {DEFAULT_ENDPOINT!r}, got {url!r}")
    if parts.query or parts.fragment:
        raise GroqError(f"base_url must not have a query or fragment, got {url!r}")
    bad = _BAD_HEADER_CHAR.search(text) or re.search(r"\s", text)
    if bad:
        raise GroqError(f"base_url must not contain whitespace or control characters, got {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path += API_ROOT_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def check_api_key(value: object) -> str:
    """``value`` if it can be sent as ``Authorization: Bearer <value>``; else a ``TypeError`` or ``GroqError``
    that says what is wrong without showing the key (it would end up in logs and tracebacks)."""
    if not isinstance(value, str):
        raise TypeError(f"api_key must be a str, not {type(value).__name__}")
    if not value:
        raise GroqError("api_key must be a non-empty string")
    bad = _BAD_HEADER_CHAR.search(value) or re.search(r"[ \t]", value)
    if bad:
        char = bad.group()
        hint = " (a key read from a file keeps its line break: strip() it)" if char in "\r\n" else ""
        raise GroqError(
            f"api_key contains {_describe_char(char)} at position {bad.start()} of {len(value)}, which cannot "
            f"be sent in a header{hint}; the key is not shown"
        )
    return value


def _describe_char(char: str) -> str:
    names = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\x00": "a NUL", " ": "a space", "\t": "a tab"}
    return names.get(char) or f"the character U+{ord(char):04X}"


def check_header(name: object, value: object, error: type[Exception] = GroqError, where: str = "header") -> str:
    """The header value to send for ``name``, checked: a name that is an HTTP token and a value without CR, LF,
    NUL or characters HTTP cannot carry. ``error`` (``GroqError`` for the client's options,
    ``RequestValidationError`` for ``extra_headers``) names the header but never shows the value, which may
    be a credential."""
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        raise error(f"{where} name {name!r} is not a valid HTTP header name")
    text = value if isinstance(value, str) else str(value)
    bad = _BAD_HEADER_CHAR.search(text)
    if bad:
        raise error(
            f"{where} {name!r} has {_describe_char(bad.group())} at position {bad.start()} of its value, which "
            "cannot be sent in a header; the value is not shown"
        )
    return text


def custom_headers_from_env() -> dict[str, str]:
    """``GROQ_CUSTOM_HEADERS``, as the official SDK reads it: one ``Name: value`` per line."""
    value = os.environ.get("GROQ_CUSTOM_HEADERS")
    headers: dict[str, str] = {}
    if value is not None:
        for line in value.split("\n"):
            name, colon, rest = line.partition(":")
            if colon and name.strip():
                headers[name.strip()] = rest.strip()
    return headers


def merge_headers(
    target: dict[str, str], extra: Mapping[str, str], error: type[Exception] = GroqError, where: str = "header"
) -> None:
    """Add ``extra`` to ``target``, replacing case-insensitively; a None or ``omit`` value removes the header.

    Each name and value is checked (``check_header``): ``error`` is raised for one that cannot be sent.
    """
    # HTTP header names are case-insensitive: an override must replace, not duplicate.
    lowered = {name.lower(): name for name in target}
    for name, value in extra.items():
        if not isinstance(name, str):
            raise error(f"{where} name {name!r} is not a valid HTTP header name")
        existing = lowered.get(name.lower())
        if existing is not None:
            del target[existing]
        if value is None or isinstance(value, Omit):
            continue
        target[name] = check_header(name, value, error, where)
        lowered[name.lower()] = name


def _query_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def encode_query(*queries: Mapping[str, object] | None) -> str:
    """The query string of the merged mappings (later ones win); None values are left out, lists repeat."""
    from urllib.parse import urlencode

    merged: dict[str, object] = {}
    for query in queries:
        if query:
            merged.update(query)
    pairs: list[tuple[str, str]] = []
    for name, value in merged.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((name, _query_value(item)) for item in value)
        else:
            pairs.append((name, _query_value(value)))
    return urlencode(pairs)


def _path_param(op: Operation, params: Mapping[str, Any], name: str) -> str:
    from urllib.parse import quote

    if name not in params:
        raise GroqError(f"{op.name}: missing path parameter {name!r}")
    value = str(params[name])
    if not value:
        # As the official SDK: a ValueError before anything is sent.
        raise RequestValidationError(
            f"{op.name}: expected a non-empty value for path parameter {name!r} but received {value!r}"
        )
    if value in (".", ".."):
        # Quoting leaves dots alone, and a dot-segment would address another endpoint.
        raise RequestValidationError(f"{op.name}: path parameter {name!r} must not be {value!r}")
    # RFC 3986's path-segment characters stay as they are, as in the official SDK (groq._utils._path): a
    # fine-tuned model id keeps its colons (`/models/ft:llama-3.1-8b-instant:org:name`); `/`, `?`, `#`, `%`
    # and the rest are percent-encoded.
    return quote(value, safe=_SEGMENT_SAFE)


def check_query(op: Operation, query: Mapping[str, object]) -> dict[str, object]:
    """The query parameters the caller gave, checked against ``op.query_type`` (nothing is sent otherwise).

    Values ``UNSET``, ``NOT_GIVEN`` or ``omit`` are left out.
    """
    given = drop_not_given(query)
    if op.query_type is not None:
        try:
            msgspec.convert(given, op.query_type)
        except msgspec.ValidationError as exc:
            message = str(exc)
            match = _MSGSPEC_PATH.search(message)
            raise RequestValidationError(
                f"{op.name}: invalid query parameters: {message}", path=match.group(1) if match else None
            ) from exc
    return given


def build_url(prefix: str, op: Operation, path_params: Mapping[str, Any] | None, query: str) -> str:
    """``prefix`` (where the operation's root is) + its path, parameters percent-encoded, + ``?query`` if any."""
    path = op.path
    if "{" in path:
        params = path_params or {}
        path = _PATH_PARAM.sub(lambda match: _path_param(op, params, match.group(1)), path)
    url = prefix + path
    return f"{url}?{query}" if query else url


def _validate(op: Operation, content: bytes) -> None:
    """Decode ``content`` with the operation's request type: every schema constraint, before anything is sent."""
    decoder = op.request_decoder
    if decoder is None:
        return
    try:
        decoder.decode(content)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _MSGSPEC_PATH.search(message)
        raise RequestValidationError(
            f"{op.name}: invalid request: {message}", path=match.group(1) if match else None
        ) from exc
    except msgspec.DecodeError as exc:  # pragma: no cover - the encoder emitted unparsable JSON
        raise RequestValidationError(f"{op.name}: invalid request: {exc}") from exc


def encode_multipart(op: Operation, body: object, extra_body: Mapping[str, object] | None) -> MultipartBody:
    """The multipart/form-data body of an upload: validated like a JSON body, then ``extra_body`` added (unchecked).

    The form fields are checked against the operation's request type with each file argument standing in as
    empty bytes; a file argument is checked for its kind (bytes, a path, an open binary file, a tuple) and a path
    for existence, but no file is read. Raises ``RequestValidationError`` (naming the field), or
    ``FileNotFoundError`` for a path that does not exist.
    """
    from ._files import FileArgumentError, multipart_body

    if isinstance(body, Mapping):
        given = {str(k): v for k, v in body.items()}
    else:
        fields = getattr(body, "__struct_fields__", ())
        given = {name: getattr(body, name) for name in fields}
    given = drop_not_given({k: v for k, v in given.items() if v is not msgspec.UNSET})
    files = {name: given.pop(name) for name in op.file_fields if name in given}
    _refuse_unsendable(op, given, "request")
    if extra_body:
        _refuse_unsendable(op, extra_body, "extra_body")
    try:
        form = msgspec.to_builtins(given)
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        raise RequestValidationError(f"{op.name}: the request's fields cannot be encoded: {exc}") from exc
    _validate(op, _ENCODER.encode({**form, **dict.fromkeys(files, b"")}))
    if extra_body:
        form.update(msgspec.to_builtins(dict(extra_body)))
    try:
        return multipart_body(form, files)
    except FileArgumentError as exc:
        raise RequestValidationError(f"{op.name}: {exc}", path=f"$.{exc.field}") from exc


def encode_body(op: Operation, body: object, extra_body: Mapping[str, object] | None) -> bytes:
    """The JSON body, validated against the operation's request type, then ``extra_body`` merged in (unchecked).

    Raises ``RequestValidationError`` (naming the path, e.g. ``$.temperature``) when the body breaks the schema.
    """
    _refuse_unsendable(op, body, "request")
    try:
        content = _ENCODER.encode(body)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
        raise RequestValidationError(f"{op.name}: the request cannot be encoded as JSON: {exc}") from exc
    # Round-tripping through the request type applies every schema constraint (ranges, unknown keys inside dicts
    # the caller passed, union tags) before anything goes on the wire.
    _validate(op, content)
    if extra_body:
        _refuse_unsendable(op, extra_body, "extra_body")
        merged = msgspec.json.decode(content)
        if not isinstance(merged, dict):
            raise RequestValidationError(f"{op.name}: extra_body needs a JSON object body")
        merged.update(extra_body)
        try:
            content = _ENCODER.encode(merged)
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
            raise RequestValidationError(f"{op.name}: extra_body cannot be encoded as JSON: {exc}") from exc
    return content


# Values whose JSON is what they are, and that hold nothing else: the walk below skips them at once.
_PLAIN = frozenset({str, int, bool, type(None)})
# A Struct field left UNSET is not encoded at all: nothing to check (a request type has ~36 fields, most unset).
_PLAIN_FIELD = _PLAIN | {type(msgspec.UNSET)}
_BINARY = (bytes, bytearray, memoryview)
_DICT = {dict}


def _unsendable(value: Any) -> tuple[object, list[str | int]] | None:
    """The first value msgspec would change silently, a NaN or infinite float (encoded as ``null``) or binary
    data (encoded as base64), with its path (innermost key first); None when there is none."""
    kind = type(value)
    if kind is float:
        return None if value - value == 0.0 else (value, [])  # inf - inf and nan - nan are NaN
    items: Any
    plain = _PLAIN
    # A container of plain values only (most messages: {"role": str, "content": str}) is cleared by one C-level
    # pass (map, issuperset), without a Python step per value.
    if kind is dict:
        if _PLAIN.issuperset(map(type, value.values())):
            return None
        items = value.items()
    elif kind is list or kind is tuple:
        kinds = set(map(type, value))
        if kinds <= _PLAIN:
            return None
        if kinds == _DICT and _PLAIN.issuperset(map(type, chain.from_iterable(map(dict.values, value)))):
            return None  # a list of flat dicts (the messages of a conversation), in one pass
        items = enumerate(value)
    elif isinstance(value, msgspec.Struct):
        values = msgspec.structs.astuple(value)  # in C; the fields in __struct_encode_fields__ order
        if _PLAIN_FIELD.issuperset(map(type, values)):
            return None
        items = zip(value.__struct_encode_fields__, values, strict=True)
        plain = _PLAIN_FIELD
    elif isinstance(value, _BINARY):
        return value, []
    elif isinstance(value, float):  # a float subclass (numpy.float64)
        return None if value - value == 0.0 else (value, [])
    else:
        return None
    for key, item in items:
        if type(item) not in plain:
            found = _unsendable(item)
            if found is not None:
                found[1].append(key)
                return found
    return None


def _refuse_unsendable(op: Operation, body: object, where: str) -> None:
    """``RequestValidationError`` naming the path of a value JSON cannot carry as it is.

    msgspec encodes ``float("nan")`` and infinities as ``null`` and bytes as base64 text: sent, a request
    would silently mean something else (``temperature=nan`` would ask for the server default, ``content=b"hi"``
    would send ``"aGk="``). The official SDK refuses NaN with a plain ``ValueError`` and sends bytes as a list of
    integers (``[104, 105]``). Costs ~3 us for a small request and ~15 us for a conversation of 100 messages
    (a flat dict, a list of them, or a Struct's fields, most of them UNSET, are cleared in one C-level pass;
    walking the ~36 fields of a request type one by one cost ~14 us).
    """
    try:
        found = _unsendable(body)
    except RecursionError:  # nested past the recursion limit: the encoder refuses it next
        return
    if found is None:
        return
    value, keys = found
    path = "$" if where == "request" else "$(extra_body)"
    for key in reversed(keys):
        path += f"[{key}]" if isinstance(key, int) else f".{key}"
    if isinstance(value, _BINARY):
        problem = (
            f"{type(value).__name__} cannot be sent as JSON text (msgspec would send it as base64): decode it "
            "(data.decode()), or send an image as a data URL"
        )
    else:
        problem = f"{value!r} is not a number JSON can carry (it would be sent as null)"
    raise RequestValidationError(f"{op.name}: invalid {where}: {problem} - at `{path}`", path=path)


def request_from_fields(op: Operation, fields: Mapping[str, Any]) -> Any:
    """``op``'s request type built from a method's keyword arguments.

    Not validated here (the whole request is checked once it is encoded, before it is sent), except for what the
    type checks when it is built: a rule of the schema's ``x-required-when`` (``__post_init__``) raises
    ``RequestValidationError`` here, as it does when a request is decoded. A missing or unknown keyword stays a
    ``TypeError``, as for any Python call.
    """
    request_type = op.request_type
    assert request_type is not None
    try:
        return request_type(**fields)
    except ValueError as exc:
        raise RequestValidationError(f"{op.name}: invalid request: {exc}", path="$") from exc
