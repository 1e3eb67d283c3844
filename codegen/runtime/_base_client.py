"""``BaseClient``: the configuration both clients share, and building requests from it (no I/O).

``SyncAPIClient`` (``_sync_client``) adds sending over urllib3; the generated ``Groq`` subclasses it and
only adds resources. An async client subclasses ``BaseClient`` the same way with its own transport.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

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
from ._exceptions import APIConnectionError, APIError, APIStatusError, GroqError, RequestValidationError
from ._logs import DEBUG, logger
from ._outcome import redirect
from ._request import (
    NO_OPTIONS,
    PreparedRequest,
    RequestOptions,
    build_url,
    check_api_key,
    check_query,
    custom_headers_from_env,
    encode_body,
    encode_multipart,
    encode_query,
    merge_headers,
    normalize_base_url,
)
from ._retry import RetryPolicy
from ._sentinels import NOT_GIVEN, NotGiven
from ._version import __version__

if TYPE_CHECKING:
    import ssl

    from ._files import MultipartBody
    from ._operation import Operation

__all__ = ["BaseClient"]

_C = TypeVar("_C", bound="BaseClient")


class BaseClient:
    """Configuration shared by every resource, and ``build_request``.

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
    _transport: Any

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
        if api_key is None or api_key == "":
            raise GroqError(
                "The api_key client option must be set either by passing api_key to the client "
                "or by setting the GROQ_API_KEY environment variable"
            )
        if base_url is None:
            base_url = os.environ.get("GROQ_BASE_URL") or DEFAULT_ENDPOINT
        _check_options(default_headers, default_query, proxy, verify, trust_env)
        env_headers = custom_headers_from_env()
        if env_headers:
            default_headers = {**env_headers, **(default_headers or {})}
        # Everything that can be checked is checked before the transport (its pools) exists.
        self._closed = False
        self._configure(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            initial=True,
        )
        self._transport = self._make_transport(
            proxy=proxy, verify=verify, max_connections=max_connections, trust_env=trust_env
        )
        self._owns_transport = True
        self._init_resources()

    def _make_transport(
        self, *, proxy: str | None, verify: bool | str | ssl.SSLContext, max_connections: int, trust_env: bool
    ) -> Any:
        """The transport (connection pools) of a new client; each client kind provides its own."""
        raise NotImplementedError

    def _init_resources(self) -> None:
        """Called by ``__init__`` and on the copy ``with_options`` makes: the generated subclass, whose resources
        (``self.chat``, ...) are created on first use, drops those the copy inherited from the original."""

    def _configure(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: float | Timeout | TimeoutLike | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        default_query: Mapping[str, object] | None,
        initial: bool = False,
    ) -> None:
        if initial:
            self._default_headers: dict[str, str] = {}
            self._default_query: dict[str, object] = {}
        self._api_key = check_api_key(api_key)
        self.base_url = base_url
        self.timeout = Timeout.coerce(timeout)
        self._retry = RetryPolicy(max_retries=max_retries)
        self.max_retries = max_retries
        if default_headers is not None:
            self._default_headers = dict(default_headers)
        if default_query is not None:
            self._default_query = dict(default_query)
        self._build_headers()
        self._base_query = encode_query(self._default_query)

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
        merge_headers(headers, self._default_headers, GroqError, "default_headers")
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
        self._api_key = check_api_key(value)
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
        self._origin = (parts.scheme, parts.netloc)
        # The host root, for the few operations that live outside the API root (``/v1/fine_tunings``): the
        # API root without its ``/openai/v1`` (or, for an OpenAI-style ``.../v1`` root, without its ``/v1``).
        suffix = API_ROOT_PATH if normalized.endswith(API_ROOT_PATH) else "/v1"
        self._host_root = normalized[: -len(suffix)]

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
            merge_headers(headers, default_headers, GroqError, "default_headers")
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

    def __repr__(self) -> str:
        proxy = self._transport.proxy_description
        extra = f", proxy={proxy!r}" if proxy else ""
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries}{extra})"
        )

    # -- requests --------------------------------------------------------------------------------

    def prefix(self, op: Operation) -> str:
        """Where ``op.path`` is appended: ``base_url`` for operations under the API root (``/openai/v1``), else
        the host root followed by the operation's root (``https://api.groq.com`` + ``/v1``)."""
        return self._base_url if op.root == API_ROOT_PATH else self._host_root + op.root

    def build_request(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        body: object | None = None,
        stream: bool = False,
        options: RequestOptions | None = None,
    ) -> PreparedRequest:
        """The request for ``op`` as it will go on the wire: URL, headers, validated and encoded body, timeout.

        ``path_params`` fill the ``{name}`` segments of the path (percent-encoded); ``query`` holds the
        operation's query parameters (values ``UNSET``, ``NOT_GIVEN`` or ``omit`` are left out; the rest are
        checked against ``op.query_type``); ``body`` is the JSON body. Raises ``RequestValidationError`` when
        the body or the query breaks the schema (nothing is sent then).
        """
        if self._closed or self._transport.closed:
            raise GroqError(
                "Cannot send a request: the client has been closed (client.close() or the end of its `with` "
                "block); create a new client"
            )
        opts = options if options is not None else NO_OPTIONS
        given = check_query(op, query) if query else None
        # The client's default_query, the operation's own parameters, then extra_query (which wins).
        if given or opts.extra_query:
            encoded = encode_query(self._default_query, given, opts.extra_query)
        else:
            encoded = self._base_query
        url = build_url(self.prefix(op), op, path_params, encoded)
        content: bytes | MultipartBody | None = None
        headers = dict(self._stream_headers if stream else self._base_headers)
        if op.request_encoding == "multipart":
            # An upload: form fields and file parts, its files read from disk only as it is sent.
            content = encode_multipart(op, body if body is not None else {}, opts.extra_body)
            headers["Content-Type"] = content.content_type
            if content.length is not None:
                headers["Content-Length"] = str(content.length)
        elif body is not None or opts.extra_body:
            content = encode_body(op, body if body is not None else {}, opts.extra_body)
            headers["Content-Type"] = "application/json"
        if op.accept is not None:
            headers["Accept"] = op.accept  # a binary answer (audio/wav), as the official SDK asks for it
        if opts.extra_headers:
            merge_headers(headers, opts.extra_headers, RequestValidationError, "extra_headers")
        timeout = self.timeout if opts.timeout is None else Timeout.coerce(opts.timeout)
        result = op.result_kind(body, opts.extra_body)
        return PreparedRequest(op.method, url, headers, content, timeout, self._origin, stream, self._secret, result)

    def is_closed(self) -> bool:
        """Whether ``close()`` was called on this client, or on the client whose connection pool it shares (a
        method, as in the official SDK)."""
        return self._closed or bool(self._transport.closed)

    def retry_policy(self, options: RequestOptions | None = None) -> RetryPolicy:
        """The retry policy of a request: the client's, or one with ``options.max_retries``."""
        if options is None or options.max_retries is None:
            return self._retry
        return RetryPolicy(max_retries=options.max_retries)

    # -- what both drivers do the same way between two attempts ------------------------------------

    @staticmethod
    def _redirected(request: PreparedRequest, status: int, location: str, hop: int) -> PreparedRequest:
        """The request that follows redirect number ``hop`` (``_outcome.redirect``), or a non-retried error."""
        if hop == MAX_REDIRECTS:
            error = APIConnectionError(f"Exceeded the maximum of {MAX_REDIRECTS} redirects.", request=request.view())
            error.retryable = False
            raise error
        following = redirect(request, status, location)
        if following is None:
            error = APIConnectionError(f"Redirected to an unsupported URL: {location!r}", request=request.view())
            error.retryable = False
            raise error
        log = logger()
        if log.isEnabledFor(DEBUG):
            log.debug("%s redirected (%d) to %s %s", request.url, status, following.method, following.url)
        return following

    @staticmethod
    def _log_retry(request: PreparedRequest, retry: RetryPolicy, error: APIError) -> None:
        """The INFO line of a retry, before the driver sleeps ``retry.sleep``."""
        if isinstance(error, APIStatusError):
            reason = f"{error.status_code} {error.response.reason_phrase or ''}".strip()
        else:
            reason = str(error)
        logger().info(
            "Retrying %s %s in %.2f s (retry %d of %d) after %s",
            request.method,
            request.url,
            retry.sleep,
            retry.retries_taken,
            retry.max_retries,
            reason,
        )


def _check_options(
    default_headers: object, default_query: object, proxy: object, verify: object, trust_env: object
) -> None:
    """``TypeError`` naming the argument for an option of the wrong type (the others are checked where used)."""
    import sys

    # An SSLContext can only exist if its caller imported ssl: no need to import it here (start-up time).
    ssl = sys.modules.get("ssl")
    if default_headers is not None and not isinstance(default_headers, Mapping):
        raise TypeError(
            f"default_headers must be a mapping of header names to str, not {type(default_headers).__name__}"
        )
    if default_query is not None and not isinstance(default_query, Mapping):
        raise TypeError(f"default_query must be a mapping, not {type(default_query).__name__}")
    if proxy is not None and not isinstance(proxy, str):
        raise TypeError(f"proxy must be a str URL or None, not {type(proxy).__name__}")
    if not isinstance(verify, (bool, str)) and not (ssl is not None and isinstance(verify, ssl.SSLContext)):
        raise TypeError(
            f"verify must be True, False, a CA bundle path (str) or an ssl.SSLContext, not {type(verify).__name__}"
        )
    if not isinstance(trust_env, bool):
        raise TypeError(f"trust_env must be a bool, not {type(trust_env).__name__}")
