"""The client core: configuration, request building and validation, the retry loop, response decoding.

The generated ``Groq`` subclasses ``APIClient`` and only adds resources; every generated method ends in
``APIClient.request(op, ...)`` with a module-level ``Operation`` describing the endpoint.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from ._constants import (
    ACCEPT_ENCODING,
    API_ROOT_PATH,
    DEFAULT_ENDPOINT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_REDIRECTS,
    MIN_SECRET_LENGTH,
    Timeout,
    TimeoutLike,
)
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    GroqError,
    RequestValidationError,
    status_error_class,
)
from ._http import HTTPRequest, HTTPResponse
from ._response import RawResponse
from ._retry import RetryPolicy
from ._streaming import Stream, snippet
from ._transport import Transport, transport_errors, wrap_transport_error
from ._version import __version__

if TYPE_CHECKING:
    import logging
    import ssl

    import urllib3

__all__ = [
    "NOT_GIVEN",
    "APIClient",
    "NotGiven",
    "Omit",
    "Operation",
    "RequestOptions",
    "Timeout",
    "TimeoutLike",
    "drop_not_given",
    "normalize_base_url",
    "not_given",
    "omit",
]

# Bound by _setup_logging() when the first request is sent: importing logging costs ~3.5 ms (~4% of
# `import fastgroq; Groq()` wall time) that start-up should not pay, and nothing logs before a request;
# the first request imports urllib3 anyway (~70 ms), next to which this is noise.
log: logging.Logger
_DEBUG = 10  # logging.DEBUG

_C = TypeVar("_C", bound="APIClient")

# One encoder for every request: it is stateless between calls and safe to share across threads.
_ENCODER = msgspec.json.Encoder()
_MSGSPEC_PATH = re.compile(r" - at `(\$[^`]*)`$")
# Bodies at least this big are decoded with the cyclic GC paused (see _decode).
_GC_PAUSE_BYTES = 256 * 1024
_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class NotGiven:
    """Sentinel for "not given" where None is a meaningful value (``with_options(timeout=...)``), as in the
    official SDK. Passed as a request parameter (``temperature=NOT_GIVEN``) it means "not sent"."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()
not_given = NOT_GIVEN


class Omit:
    """The official SDK's ``omit``: as a request parameter, "do not send it"; as a header value in
    ``extra_headers`` or ``default_headers``, "remove this header"."""

    _instance: Omit | None = None

    def __new__(cls) -> Omit:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "omit"

    def __bool__(self) -> bool:
        return False


omit = Omit()


def drop_not_given(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters without those passed as ``NOT_GIVEN`` or ``omit`` (code written for the official SDK)
    or left ``UNSET``."""
    return {
        name: value
        for name, value in fields.items()
        if value is not msgspec.UNSET and not isinstance(value, (NotGiven, Omit))
    }


@dataclass(frozen=True)
class Operation:
    """One API endpoint, as the generator describes it. Decoders are built on first use and cached.

    Attributes:
        name: The operationId (``createChatCompletion``).
        method: ``POST``, ``GET``, ``DELETE``, ...
        path: The path relative to ``root``, with ``{name}`` placeholders (``/models/{model}``).
        response_type: The type a 2xx JSON body decodes into.
        request_type: The request body type (validated before sending), or None for bodiless requests.
        root: Where the operation lives, relative to the host root: ``/openai/v1`` (the API root, which
            ``base_url`` names) for nearly all; ``/v1`` for ``/v1/fine_tunings``. See ``APIClient._prefix``.
        query_type: The type of the operation's query parameters (validated before sending), or None.
        stream_event_type: The type of each streamed ``data:`` event, for operations that can stream.
        response_envelope: Fields of ``response_type`` that a 2xx body cannot do without (``x-envelope`` in
            the schema): a body that lacks one, or has a value there that cannot be repaired, is an
            ``APIResponseValidationError``; any other value that does not match is repaired (``_repair``).
        stream_event_envelope: The same for ``stream_event_type``.
    """

    name: str
    method: str
    path: str
    response_type: type
    request_type: type | None = None
    stream_event_type: type | None = None
    response_envelope: tuple[str, ...] = ()
    stream_event_envelope: tuple[str, ...] = ()
    root: str = API_ROOT_PATH
    query_type: type | None = None

    # cached_property writes straight into the instance __dict__, which a frozen dataclass allows; built
    # lazily so importing the generated resources costs no decoder construction.
    @cached_property
    def response_decoder(self) -> msgspec.json.Decoder[Any]:
        return msgspec.json.Decoder(self.response_type)

    @cached_property
    def request_decoder(self) -> msgspec.json.Decoder[Any] | None:
        return None if self.request_type is None else msgspec.json.Decoder(self.request_type)

    @cached_property
    def stream_decoder(self) -> msgspec.json.Decoder[Any]:
        if self.stream_event_type is None:
            raise GroqError(f"operation {self.name} does not stream")
        return msgspec.json.Decoder(self.stream_event_type)

    @cached_property
    def stream_batch_decoder(self) -> msgspec.json.Decoder[list[Any]]:
        if self.stream_event_type is None:
            raise GroqError(f"operation {self.name} does not stream")
        return msgspec.json.Decoder(list[self.stream_event_type])  # type: ignore[name-defined]


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


_NO_OPTIONS = RequestOptions()


_logging_configured = False


def _setup_logging() -> None:
    """Bind the "fastgroq" logger, and honour ``GROQ_LOG=info|debug`` (once per process)."""
    global _logging_configured, log
    if _logging_configured:
        return
    import logging

    log = logging.getLogger("fastgroq")
    _logging_configured = True
    level = os.environ.get("GROQ_LOG", "").strip().lower()
    if level not in ("info", "debug"):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


def normalize_base_url(url: str) -> str:
    """The API root for ``url``: a URL whose path ends in ``/v1`` is the API root as is; any other URL gets
    ``/openai/v1`` appended, as the official SDK does with every path.

    ``https://api.groq.com`` (the official SDK's spelling) and ``https://api.groq.com/openai/v1`` (the
    OpenAI convention) both give ``https://api.groq.com/openai/v1``; ``http://host:8000/v1`` stays as it is;
    a gateway's ``http://gateway/prefix`` gives ``http://gateway/prefix/openai/v1``. Trailing slashes are
    ignored, and applying the rule twice changes nothing.
    """
    from urllib.parse import urlsplit

    text = str(url).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise GroqError(f"base_url must be an http(s) URL such as {DEFAULT_ENDPOINT!r}, got {url!r}")
    if parts.query or parts.fragment:
        raise GroqError(f"base_url must not have a query or fragment, got {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path += API_ROOT_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


def _custom_headers_from_env() -> dict[str, str]:
    """``GROQ_CUSTOM_HEADERS``, as the official SDK reads it: one ``Name: value`` per line."""
    value = os.environ.get("GROQ_CUSTOM_HEADERS")
    headers: dict[str, str] = {}
    if value is not None:
        for line in value.split("\n"):
            name, colon, rest = line.partition(":")
            if colon and name.strip():
                headers[name.strip()] = rest.strip()
    return headers


def _merge_headers(target: dict[str, str], extra: Mapping[str, str]) -> None:
    # HTTP header names are case-insensitive: an override must replace, not duplicate.
    lowered = {name.lower(): name for name in target}
    for name, value in extra.items():
        existing = lowered.get(name.lower())
        if existing is not None:
            del target[existing]
        if value is None or isinstance(value, Omit):
            continue
        target[name] = str(value)
        lowered[name.lower()] = name


def _query_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _encode_query(*queries: Mapping[str, object] | None) -> str:
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


class _ErrorDecoding:
    """Decoders for ``{"error": {...}}`` bodies, built on first use (they import the generated types)."""

    _response: msgspec.json.Decoder[Any] | None = None
    _object: msgspec.json.Decoder[Any] | None = None

    @classmethod
    def decoders(cls) -> tuple[msgspec.json.Decoder[Any], msgspec.json.Decoder[Any]]:
        if cls._response is None or cls._object is None:
            from .types import ErrorObject, ErrorResponse

            cls._object = msgspec.json.Decoder(ErrorObject)
            cls._response = msgspec.json.Decoder(ErrorResponse)
        return cls._response, cls._object

    @classmethod
    def error_object(cls, data: bytes) -> Any:
        """Decode an error object, tolerating a server that leaves out fields the schema requires."""
        _, decoder = cls.decoders()
        try:
            return decoder.decode(data)
        except msgspec.ValidationError:
            obj = msgspec.json.decode(data)
            if not isinstance(obj, dict):
                raise
            obj.setdefault("message", "")
            obj.setdefault("type", "")
            return decoder.decode(msgspec.json.encode(obj))

    @classmethod
    def parse(cls, data: bytes) -> tuple[str | None, object, Any]:
        """(server message, body, typed error) for an error response body.

        ``body`` is what the official SDK gives: the body decoded as JSON, else its stripped text (``""``
        for an empty body). The typed error is the ``ErrorObject`` under ``"error"``, or None.
        """
        text = data.decode("utf-8", "replace").strip()
        if not text:
            return None, "", None
        try:
            body = msgspec.json.decode(data)
        except msgspec.DecodeError:
            return None, text, None
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, str) and err:
                return err, body, None
            if isinstance(err, dict):
                message = err.get("message")
                try:
                    error = cls.error_object(msgspec.json.encode(err))
                except msgspec.DecodeError:
                    error = None
                return (message if isinstance(message, str) and message else None), body, error
            for key in ("message", "detail"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    return value, body, None
        return None, body, None


class APIClient:
    """Configuration, connection pool and request machinery shared by every resource.

    Args:
        api_key: Defaults to the ``GROQ_API_KEY`` environment variable; one or the other is required.
        base_url: Defaults to ``GROQ_BASE_URL``, then ``https://api.groq.com/openai/v1``. A URL whose path
            ends in ``/v1`` is the API root as is (``http://localhost:8000/v1``); any other URL gets
            ``/openai/v1`` appended, as the official SDK does (``https://api.groq.com``,
            ``http://gateway/prefix``).
        timeout: Read timeout in seconds (the longest gap between two reads), a ``Timeout`` with both
            connect and read, any object with ``connect`` and ``read`` attributes (an ``httpx.Timeout``), or
            None for no timeout. Default: 60 s read, 5 s connect.
        max_retries: Retries of connection errors, timeouts, 408, 409, 429 and 5xx. 0 disables.
        default_headers: Headers sent with every request (override the defaults case-insensitively), after
            those of ``GROQ_CUSTOM_HEADERS`` (one ``Name: value`` per line), as in the official SDK.
        default_query: Query parameters sent with every request.
        proxy: Proxy URL for every request. Without it, ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` apply
            (unless ``trust_env=False``).
        verify: TLS verification: True (system CAs), False, a CA bundle file or directory path, or an
            ``ssl.SSLContext``.
        max_connections: Connections kept per host; size it to the number of threads sharing the client.
        trust_env: Whether to read proxy settings from the environment.
    """

    timeout: Timeout
    max_retries: int

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | Timeout | TimeoutLike | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | None = None,
        verify: bool | str | ssl.SSLContext = True,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        trust_env: bool = True,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("GROQ_API_KEY") or None
        if not api_key:
            raise GroqError(
                "The api_key client option must be set either by passing api_key to the client "
                "or by setting the GROQ_API_KEY environment variable"
            )
        if base_url is None:
            base_url = os.environ.get("GROQ_BASE_URL") or DEFAULT_ENDPOINT
        env_headers = _custom_headers_from_env()
        if env_headers:
            default_headers = {**env_headers, **(default_headers or {})}
        self._transport = Transport(proxy=proxy, verify=verify, max_connections=max_connections, trust_env=trust_env)
        self._owns_transport = True
        self._default_headers: dict[str, str] = {}
        self._default_query: dict[str, object] = {}
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
        )
        self._init_resources()

    def _configure(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: float | Timeout | TimeoutLike | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        default_query: Mapping[str, object] | None,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url
        self.timeout = Timeout.coerce(timeout)
        self._retry = RetryPolicy(max_retries=max_retries)
        self.max_retries = max_retries
        if default_headers is not None:
            self._default_headers = dict(default_headers)
        if default_query is not None:
            self._default_query = dict(default_query)
        self._build_headers()
        self._base_query = _encode_query(self._default_query)

    def _build_headers(self) -> None:
        api_key = self._api_key
        # Only a value long enough to be a secret is redacted from bodies a server echoes back: a short test
        # key ("test") would otherwise turn "llama-test" into "llama-[REDACTED]". Header views never show it.
        self._secret = api_key if len(api_key) >= MIN_SECRET_LENGTH else ""
        headers: dict[str, str] = {
            "Accept": "application/json",
            # What the official SDK's httpx client sends; urllib3 decodes both. Groq answers JSON with
            # `Vary: Accept-Encoding`, and a large body (8,000 logprobs, 3.5 MB) gzips to ~7%.
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": f"fastgroq/{__version__}",
            "Authorization": f"Bearer {api_key}",
        }
        _merge_headers(headers, self._default_headers)
        self._base_headers = headers
        # Streams ask for no compression (http.client then sends `identity`) unless the caller set it:
        # gunzip costs ~1.7 ns per byte here, about a third more CPU on a stream read at ~640,000 chunks/s.
        stream_headers = dict(headers)
        stream_headers["Accept"] = "text/event-stream"
        if not any(name.lower() == "accept-encoding" for name in self._default_headers):
            del stream_headers["Accept-Encoding"]
        self._stream_headers = stream_headers

    @property
    def api_key(self) -> str:
        """The API key; assigning a new one applies to the next request."""
        return self._api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        if not value:
            raise GroqError("api_key must be a non-empty string")
        self._api_key = value
        if hasattr(self, "_base_headers"):
            self._build_headers()

    @property
    def base_url(self) -> str:
        """The API root every path is appended to (``https://api.groq.com/openai/v1``).

        Assigning a URL applies the same rule as the constructor: a path ending in ``/v1`` is the API root,
        any other URL gets ``/openai/v1`` appended.
        """
        return self._base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        from urllib.parse import urlsplit

        normalized = normalize_base_url(url)
        parts = urlsplit(normalized)
        self._base_url = normalized
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        # The host root, for the few operations that live outside the API root (``/v1/fine_tunings``): the
        # API root without its ``/openai/v1`` (or, for an OpenAI-style ``.../v1`` root, without its ``/v1``).
        suffix = API_ROOT_PATH if normalized.endswith(API_ROOT_PATH) else "/v1"
        self._host_root = normalized[: -len(suffix)]

    def _init_resources(self) -> None:
        """Attach resource namespaces (``self.chat``, ...); the generated subclass overrides this."""

    # -- configuration ---------------------------------------------------------------------------

    def with_options(
        self: _C,
        *,
        api_key: str | None | NotGiven = NOT_GIVEN,
        base_url: str | None | NotGiven = NOT_GIVEN,
        timeout: float | Timeout | TimeoutLike | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        set_default_query: Mapping[str, object] | None = None,
    ) -> _C:
        """A copy with some options changed, sharing this client's connection pool (``copy`` is the same).

        As in the official SDK: ``api_key``, ``base_url``, ``default_headers`` or ``default_query`` left out
        or None keep the current value; ``timeout=None`` means no timeout. ``default_headers`` and
        ``default_query`` are merged into the current ones (a header set to None or ``omit`` is removed);
        ``set_default_headers`` and ``set_default_query`` replace them. Closing the copy leaves the shared
        pool open; closing the original closes it.
        """
        import copy as copy_module

        if default_headers not in (None, NOT_GIVEN) and set_default_headers is not None:
            raise ValueError("The `default_headers` and `set_default_headers` arguments are mutually exclusive")
        if default_query not in (None, NOT_GIVEN) and set_default_query is not None:
            raise ValueError("The `default_query` and `set_default_query` arguments are mutually exclusive")
        clone = copy_module.copy(self)
        clone._owns_transport = False
        headers = dict(self._default_headers) if set_default_headers is None else dict(set_default_headers)
        if isinstance(default_headers, Mapping):
            _merge_headers(headers, default_headers)
        query = dict(self._default_query) if set_default_query is None else dict(set_default_query)
        if isinstance(default_query, Mapping):
            query.update(default_query)
        clone._default_headers = headers
        clone._default_query = query
        clone._configure(
            api_key=api_key if isinstance(api_key, str) else self.api_key,
            base_url=base_url if isinstance(base_url, str) else self.base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            default_headers=headers,
            default_query=query,
        )
        clone._init_resources()
        return clone

    copy = with_options

    def close(self) -> None:
        """Close the pooled connections (only the client that created the pool closes it)."""
        if self._owns_transport:
            self._transport.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        proxy = self._transport.proxy_description
        extra = f", proxy={proxy!r}" if proxy else ""
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries}{extra})"
        )

    # -- requests --------------------------------------------------------------------------------

    def _prefix(self, op: Operation) -> str:
        """Where ``op.path`` is appended: ``base_url`` for operations under the API root (``/openai/v1``), else
        the host root followed by the operation's root (``https://api.groq.com`` + ``/v1``)."""
        return self._base_url if op.root == API_ROOT_PATH else self._host_root + op.root

    def _url(
        self,
        op: Operation,
        path_params: Mapping[str, str] | None,
        extra_query: Mapping[str, object] | None,
        query: Mapping[str, object] | None = None,
    ) -> str:
        path = op.path
        if "{" in path:
            from urllib.parse import quote

            params = path_params or {}

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
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
                return quote(value, safe="")

            path = _PATH_PARAM.sub(substitute, path)
        url = self._prefix(op) + path
        # The client's default_query, the operation's own parameters, then extra_query (which wins).
        encoded = _encode_query(self._default_query, query, extra_query) if query or extra_query else self._base_query
        return f"{url}?{encoded}" if encoded else url

    def _query(self, op: Operation, query: Mapping[str, object]) -> dict[str, object]:
        """The query parameters the caller gave, checked against ``op.query_type`` (nothing is sent otherwise)."""
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

    def _encode(self, op: Operation, body: object, extra_body: Mapping[str, object] | None) -> bytes:
        try:
            content = _ENCODER.encode(body)
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
            raise RequestValidationError(f"{op.name}: the request cannot be encoded as JSON: {exc}") from exc
        decoder = op.request_decoder
        if decoder is not None:
            # Round-tripping through the request type applies every schema constraint (ranges, unknown
            # keys inside dicts the caller passed, union tags) before anything goes on the wire.
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
        if extra_body:
            merged = msgspec.json.decode(content)
            if not isinstance(merged, dict):
                raise RequestValidationError(f"{op.name}: extra_body needs a JSON object body")
            merged.update(extra_body)
            try:
                content = _ENCODER.encode(merged)
            except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as exc:
                raise RequestValidationError(f"{op.name}: extra_body cannot be encoded as JSON: {exc}") from exc
        return content

    def request(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        body: msgspec.Struct | None = None,
        stream: bool = False,
        options: RequestOptions | None = None,
        raw: bool = False,
        streaming_response: bool = False,
    ) -> Any:
        """Send ``op`` and return its decoded result.

        ``path_params`` fill the ``{name}`` segments of the path (percent-encoded); ``query`` holds the
        operation's query parameters (values ``UNSET``, ``NOT_GIVEN`` or ``omit`` are left out; the rest are
        checked against ``op.query_type``); ``body`` is the JSON body.

        Returns an ``op.response_type`` instance (with ``_request_id`` set), a ``Stream`` of
        ``op.stream_event_type`` when ``stream`` is true, or a ``RawResponse`` wrapping either when ``raw``
        is true. With ``streaming_response`` (``with_streaming_response``), a ``RawResponse`` whose body is
        not read until asked.

        Raises:
            RequestValidationError: ``body`` breaks the schema (nothing was sent).
            APIStatusError: a non-2xx response, after any retries.
            APIConnectionError: the connection failed or timed out, after any retries.
            APIResponseValidationError: a 2xx body did not decode into ``op.response_type``.
        """
        opts = options if options is not None else _NO_OPTIONS
        url = self._url(op, path_params, opts.extra_query, self._query(op, query) if query else None)
        content: bytes | None = None
        if body is not None or opts.extra_body:
            content = self._encode(op, body if body is not None else {}, opts.extra_body)
        headers = dict(self._stream_headers if stream else self._base_headers)
        if content is not None:
            headers["Content-Type"] = "application/json"
        if opts.extra_headers:
            _merge_headers(headers, opts.extra_headers)
        timeout = self.timeout if opts.timeout is None else Timeout.coerce(opts.timeout)
        policy = self._retry if opts.max_retries is None else RetryPolicy(max_retries=opts.max_retries)
        return self._send(op, url, content, headers, timeout, policy, stream, raw, streaming_response)

    def _send(
        self,
        op: Operation,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        timeout: Timeout,
        policy: RetryPolicy,
        stream: bool,
        raw: bool,
        streaming_response: bool = False,
    ) -> Any:
        if not _logging_configured:
            _setup_logging()
        first_method = method = op.method
        first_url, first_content, first_headers = url, content, headers
        u3_timeout = self._transport.timeout(timeout)
        retries_taken = 0
        while True:
            # Every attempt starts from the request as built; redirects are followed within an attempt.
            method, url, content, headers = first_method, first_url, first_content, first_headers
            start = time.monotonic()
            try:
                response, method, url, content, headers = self._open(method, url, content, headers, u3_timeout)
            except transport_errors() as exc:
                error = wrap_transport_error(exc, request=self._request_view(method, url, headers, content))
                if policy.can_retry(retries_taken) and policy.should_retry_error(error):
                    self._sleep_before_retry(method, url, policy, retries_taken, None, str(error))
                    retries_taken += 1
                    continue
                log.debug("%s %s failed after %.3f s: %s", method, url, time.monotonic() - start, error)
                raise error from exc
            elapsed = time.monotonic() - start
            status = response.status
            response_headers: Mapping[str, str] = response.headers
            request_id = response_headers.get("x-request-id")
            if log.isEnabledFor(_DEBUG):
                log.debug("%s %s -> %d (request id %s, %.3f s)", method, url, status, request_id, elapsed)

            if 200 <= status < 300 and (stream or streaming_response):
                request = self._request_view(method, url, headers, content)
                if stream:
                    return self._stream_result(op, response, elapsed, request, raw or streaming_response, retries_taken)
                return self._raw_result(op, response, None, elapsed, request, retries_taken)

            try:
                data = response.read()
            except transport_errors() as exc:
                response.close()
                error = wrap_transport_error(
                    exc, request_id=request_id, request=self._request_view(method, url, headers, content)
                )
                if policy.can_retry(retries_taken) and policy.should_retry_error(error):
                    self._sleep_before_retry(method, url, policy, retries_taken, None, str(error))
                    retries_taken += 1
                    continue
                raise error from exc
            response.release_conn()

            if 200 <= status < 300:
                if not raw:
                    try:
                        return _decode_body(op, status, response_headers, request_id, data, self._secret)
                    except APIResponseValidationError as exc:
                        request = self._request_view(method, url, headers, content)
                        self._attach_response(exc, status, response.reason, response_headers, data, elapsed, request)
                        raise
                request = self._request_view(method, url, headers, content)
                return self._raw_result(op, response, data, elapsed, request, retries_taken)

            if policy.can_retry(retries_taken) and policy.should_retry_status(status, response_headers):
                self._sleep_before_retry(
                    method, url, policy, retries_taken, response_headers, f"{status} {response.reason or ''}".strip()
                )
                retries_taken += 1
                continue
            raise self._status_error(
                status,
                response.reason,
                response_headers,
                data,
                elapsed,
                self._request_view(method, url, headers, content),
            )

    def _open(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        timeout: urllib3.Timeout,
    ) -> tuple[urllib3.BaseHTTPResponse, str, str, bytes | None, dict[str, str]]:
        """Send one request and follow redirects as the official SDK's httpx client does.

        307 and 308 repeat the request (method and body); 303, 302, and 301 after a POST, become a GET
        without a body. At most ``MAX_REDIRECTS`` are followed. ``Authorization`` never goes to another
        origin (scheme, host, port), except from ``http`` to ``https`` on the same host. Returns the final
        response and the request that got it.
        """
        transport = self._transport
        pool = transport.pool(self._scheme, self._netloc)
        for hop in range(MAX_REDIRECTS + 1):
            response: urllib3.BaseHTTPResponse = pool.urlopen(
                method,
                url,
                body=content,
                headers=headers,
                retries=transport.no_retries,
                redirect=False,
                preload_content=False,
                timeout=timeout,
            )
            if response.status not in _REDIRECT_STATUSES:
                return response, method, url, content, headers
            location = response.headers.get("location")
            if not location:
                return response, method, url, content, headers
            # A redirect's body is short: read it so the connection goes back to the pool.
            try:
                response.drain_conn()
                response.release_conn()
            except transport_errors():
                response.close()
            request = self._request_view(method, url, headers, content)
            if hop == MAX_REDIRECTS:
                error = APIConnectionError(f"Exceeded the maximum of {MAX_REDIRECTS} redirects.", request=request)
                error.retryable = False
                raise error
            method, url, content, headers = _redirect(method, url, content, headers, response.status, location)
            if url is None:
                error = APIConnectionError(f"Redirected to an unsupported URL: {location!r}", request=request)
                error.retryable = False
                raise error
            if log.isEnabledFor(_DEBUG):
                log.debug("%s redirected (%d) to %s %s", request.url, response.status, method, url)
            from urllib.parse import urlsplit

            parts = urlsplit(url)
            pool = transport.pool(parts.scheme, parts.netloc)
        raise AssertionError("unreachable")  # pragma: no cover

    def _raw_result(
        self,
        op: Operation,
        response: urllib3.BaseHTTPResponse,
        data: bytes | None,
        elapsed: float,
        request: HTTPRequest,
        retries_taken: int,
    ) -> RawResponse[Any]:
        """A ``RawResponse`` for a non-stream 2xx: with its body read (``data``), or unread (None)."""
        secret = self._secret
        reason = response.reason

        def parse(r: RawResponse[Any]) -> Any:
            body = r.read()
            try:
                return _decode_body(op, r.status_code, r.headers, r.headers.get("x-request-id"), body, secret)
            except APIResponseValidationError as exc:
                self._attach_response(exc, r.status_code, reason, r.headers, body, elapsed, request)
                raise

        return RawResponse(
            status_code=response.status,
            headers=response.headers,
            elapsed=elapsed,
            request=request,
            parser=parse,
            content=data,
            live=response if data is None else None,
            retries_taken=retries_taken,
            reason_phrase=reason or "",
        )

    def _stream_result(
        self,
        op: Operation,
        response: urllib3.BaseHTTPResponse,
        elapsed: float,
        request: HTTPRequest,
        raw: bool,
        retries_taken: int,
    ) -> Any:
        """A ``Stream`` over a 2xx event stream, or (``raw``) a ``RawResponse`` whose ``parse()`` makes it."""
        try:
            decoder = op.stream_decoder
            batch_decoder = op.stream_batch_decoder
        except GroqError:
            response.close()
            raise
        secret = self._secret

        def make_stream(r: RawResponse[Any]) -> Stream[Any]:
            stream: Stream[Any] = Stream(
                response=r._take_body(),
                raw=r,
                decoder=decoder,
                batch_decoder=batch_decoder,
                error_decoder=_ErrorDecoding.error_object,
                secret=secret,
                event_type=op.stream_event_type,
                envelope=op.stream_event_envelope,
            )
            r._attach_stream(stream)
            return stream

        raw_response: RawResponse[Any] = RawResponse(
            status_code=response.status,
            headers=response.headers,
            elapsed=elapsed,
            request=request,
            parser=None,
            live=response,
            retries_taken=retries_taken,
            reason_phrase=response.reason or "",
        )
        if raw:
            # The body stays unread until parse() makes the Stream, so read(), text() or iter_lines() work too.
            raw_response._parser = make_stream
            return raw_response
        # The Stream points at its RawResponse; a strong link back would make a cycle that keeps an
        # abandoned stream's connection open until the cycle collector runs, so the link back is weak.
        stream = make_stream(raw_response)
        weak = weakref.ref(stream)
        raw_response._parser = lambda r: weak()
        return stream

    def _sleep_before_retry(
        self,
        method: str,
        url: str,
        policy: RetryPolicy,
        retries_taken: int,
        headers: Mapping[str, str] | None,
        reason: str,
    ) -> None:
        wait = policy.wait(retries_taken, headers)
        log.info(
            "Retrying %s %s in %.2f s (retry %d of %d) after %s",
            method,
            url,
            wait,
            retries_taken + 1,
            policy.max_retries,
            reason,
        )
        if wait > 0:
            time.sleep(wait)

    def _request_view(self, method: str, url: str, headers: Mapping[str, str], content: bytes | None) -> HTTPRequest:
        """The request as errors and raw responses show it (built only when one of those needs it)."""
        return HTTPRequest(method, url, headers, content, secret=self._secret)

    def _redact(self, data: bytes) -> bytes:
        secret = self._secret
        return data.replace(secret.encode(), b"[REDACTED]") if secret else data

    def _attach_response(
        self,
        exc: APIResponseValidationError,
        status: int,
        reason: str | None,
        headers: Mapping[str, str],
        data: bytes,
        elapsed: float,
        request: HTTPRequest,
    ) -> None:
        exc.request = request
        exc.response = HTTPResponse(
            status,
            headers,
            self._redact(data),
            request=request,
            reason_phrase=reason or "",
            elapsed=timedelta(seconds=elapsed),
        )

    def _status_error(
        self,
        status: int,
        reason: str | None,
        headers: Mapping[str, str],
        data: bytes,
        elapsed: float,
        request: HTTPRequest,
    ) -> APIStatusError:
        data = self._redact(data)
        message, body, error = _ErrorDecoding.parse(data)
        if not message:
            label = f"{status} {reason}" if reason else str(status)
            if data.strip():
                message = f"HTTP {label} without an error message; body: {snippet(data)}"
            else:
                message = f"HTTP {label} with an empty body"
        response = HTTPResponse(
            status,
            headers,
            data,
            request=request,
            reason_phrase=reason or "",
            elapsed=timedelta(seconds=elapsed),
        )
        cls = status_error_class(status)
        return cls(message, response=response, body=body, error=error)


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80 if parts.scheme == "http" else None)
    return parts.scheme, (parts.hostname or "").lower(), port


def _redirect(
    method: str, url: str, content: bytes | None, headers: dict[str, str], status: int, location: str
) -> tuple[str, Any, bytes | None, dict[str, str]]:
    """The request that follows a redirect (httpx's rules); the URL is None when it is not http(s)."""
    from urllib.parse import urljoin, urlsplit

    target = urljoin(url, location.strip())
    if urlsplit(target).scheme not in ("http", "https") or not urlsplit(target).netloc:
        return method, None, content, headers
    new_method = method
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        new_method = "GET"
    new_headers = dict(headers)
    if new_method != method:
        content = None
        for name in [n for n in new_headers if n.lower() in ("content-type", "content-length", "transfer-encoding")]:
            del new_headers[name]
    old, new = _origin(url), _origin(target)
    if old != new and not (old == ("http", new[1], 80) and new == ("https", old[1], 443)):
        for name in [n for n in new_headers if n.lower() == "authorization"]:
            del new_headers[name]
    return new_method, target, content, new_headers


def _decode_body(
    op: Operation, status: int, headers: Mapping[str, str], request_id: str | None, data: bytes, secret: str
) -> Any:
    repairs: list[Any] | None = None
    try:
        result = _decode(op.response_decoder, data)
    except msgspec.ValidationError as exc:
        # JSON, but a value does not match the schema: repair it (the fast path above never gets here).
        from ._repair import decode_repaired, log_repairs

        try:
            result, repairs = decode_repaired(
                lambda repaired: _decode(op.response_decoder, repaired), op.response_type, data, op.response_envelope
            )
        except msgspec.DecodeError as error:
            raise _invalid_body(op, status, headers, request_id, data, secret, error) from exc
        log_repairs(
            repairs, f"the {status} response to {op.name}", context=f"request id {request_id}" if request_id else ""
        )
    except msgspec.DecodeError as exc:
        raise _invalid_body(op, status, headers, request_id, data, secret, exc) from exc
    if request_id is None:
        x_groq = getattr(result, "x_groq", None)
        groq_id = getattr(x_groq, "id", None) if x_groq else None
        if isinstance(groq_id, str):
            request_id = groq_id
    # Types without dict=True cannot carry it; RawResponse.request_id still can.
    with contextlib.suppress(AttributeError):
        result._request_id = request_id
        if repairs:
            result._repairs = tuple(repairs)
    return result


def _invalid_body(
    op: Operation,
    status: int,
    headers: Mapping[str, str],
    request_id: str | None,
    data: bytes,
    secret: str,
    exc: Exception,
) -> APIResponseValidationError:
    if secret:
        # A server may echo the request (and so the key) back; the snippet below must not carry it.
        data = data.replace(secret.encode(), b"[REDACTED]")
    return APIResponseValidationError(
        f"the {status} response to {op.name} does not match {op.response_type.__name__}: {exc}; body: {snippet(data)}",
        status_code=status,
        headers=headers,
        body=snippet(data, 2000),
        request_id=request_id,
    )


def _decode(decoder: msgspec.json.Decoder[Any], data: bytes) -> Any:
    """``decoder.decode(data)``, with the cyclic GC paused for a big body.

    Decoding a big body creates tens of thousands of lists (logprobs' ``bytes`` and ``top_logprobs``),
    each counted by the GC, which then runs collections that traverse the young objects and, every tenth
    time, the older generations (the application's whole heap): measured on 8,000 logprobs (3.5 MB),
    40 -> 29 ms, and 66 -> 28 ms with 300,000 live objects in the process. Pausing is process-wide, but
    msgspec holds the GIL for the whole call and runs no Python code (no hooks, no ``__post_init__``)
    except an open enum's ``_missing_`` for a value the schema does not know, so other threads hardly
    run while the GC is off. Only a GC that was enabled is paused and re-enabled; the
    allocations are counted and collected normally afterwards.
    """
    if len(data) < _GC_PAUSE_BYTES or not gc.isenabled():
        return decoder.decode(data)
    gc.disable()
    try:
        return decoder.decode(data)
    finally:
        gc.enable()
