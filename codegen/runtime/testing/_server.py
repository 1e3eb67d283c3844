"""A Groq-compatible HTTP/1.1 server on loopback, scripted reply by reply (stdlib + msgspec only)."""

from __future__ import annotations

import contextlib
import http
import socket
import socketserver
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypeAlias
from urllib.parse import parse_qsl, urlsplit

import msgspec

from ._payloads import (
    DEFAULT_EMBEDDING_MODEL,
    KNOWN_MODELS,
    chat_completion,
    chat_completion_chunks,
    embeddings_response,
    error_body,
    model_deleted,
    model_object,
    models_list,
    new_request_id,
    reranking_response,
    response_events,
    response_object,
    speech_audio,
    transcription,
)
from ._state import GroqState

__all__ = [
    "Frame",
    "Headers",
    "MockGroqServer",
    "RecordedRequest",
    "Reply",
    "ReplySource",
    "UploadedFile",
    "default_reply",
    "error_event",
    "parse_multipart",
    "sse_event",
]

# Writes of this size keep a 20,000-chunk stream to a few dozen syscalls.
_BLOCK = 256 * 1024
_DONE = b"data: [DONE]\n\n"
# The ways a client going away shows up in the handler thread; none of them is the server's fault.
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
_encode = msgspec.json.Encoder().encode


class Frame(bytes):
    """Bytes that `Reply.sse` sends verbatim: an already framed event, comment or any raw fragment.

    Build them with `sse_event` / `error_event`, or directly, e.g. ``Frame(b": keep-alive\\n\\n")``.
    """

    __slots__ = ()


def _data_lines(data: Any) -> bytes:
    if isinstance(data, bytes):
        payload = data
    elif isinstance(data, str):
        payload = data.encode()
    else:
        payload = _encode(data)
    # Several lines of data must each get their own `data:` field to survive framing.
    return b"".join(b"data: " + line + b"\n" for line in payload.split(b"\n"))


def sse_event(
    data: Any = None,
    *,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
    eol: bytes = b"\n",
) -> Frame:
    """Frame one server-sent event.

    Args:
        data: A dict/list (JSON-encoded), str or bytes (sent as is; newlines become several ``data:``
            lines); ``None`` for an event without data (a client does not dispatch it).
        event: An ``event:`` field, e.g. ``"error"``.
        id: An ``id:`` field.
        retry: A ``retry:`` field.
        comment: A ``:`` comment line placed first.
        eol: The line terminator to use (``b"\\r\\n"`` or ``b"\\r"`` to test a client's framer).
    """
    out = b""
    if comment is not None:
        out += b": " + comment.encode() + b"\n"
    if event is not None:
        out += b"event: " + event.encode() + b"\n"
    if id is not None:
        out += b"id: " + id.encode() + b"\n"
    if retry is not None:
        out += b"retry: %d\n" % retry
    if data is not None:
        out += _data_lines(data)
    out += b"\n"
    return Frame(out.replace(b"\n", eol) if eol != b"\n" else out)


def error_event(
    message: str = "Service unavailable",
    *,
    type: str = "internal_server_error",
    code: str | None = None,
    event: bool = False,
    **extra: Any,
) -> Frame:
    """A mid-stream error as Groq sends it after a 200: ``data: {"error": {...}}``.

    With ``event=True`` the frame also carries ``event: error``, the other form seen in the wild.
    """
    return sse_event(error_body(message, type=type, code=code, **extra), event="error" if event else None)


class Reply:
    """One scripted HTTP response.

    Build replies with the class methods (`json`, `error`, `raw`, `sse`, `sse_raw`, `reset`) and add
    faults with the modifiers, which return a new reply and can be chained::

        Reply.json({"ok": True}, headers={"x-request-id": "req_1"})
        Reply.error(429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after": "1"})
        Reply.raw(b"<html>502 Bad Gateway</html>", status=502, content_type="text/html")
        Reply.sse(chat_completion_chunks(["Hel", "lo"]), drip=7)        # 7 bytes per write
        Reply.sse(chunks, chunked=False).truncated(after_events=2)     # close-delimited, cut after 2 events
        Reply.sse(chunks).reset_after(100)                             # RST in the middle of an event
        Reply.json({}).delayed(3.0)                                    # headers only after 3 s
        Reply.json(chat_completion()).compressed("gzip")               # Content-Encoding: gzip
        Reply.sse(chunks).stalled(after_events=1, seconds=5.0)         # pause mid-stream
        Reply.reset()                                                  # RST instead of any response

    A reply is immutable and can be served any number of times.

    Attributes:
        status: The HTTP status code.
        headers: Response headers as given (framing headers are added when sending unless given here).
        body: The complete body.
        framing: ``"length"`` (Content-Length), ``"chunked"`` or ``"close"`` (body ends when the
            connection closes).
    """

    __slots__ = (
        "_abort",
        "_abort_after",
        "_drip",
        "_event_delay",
        "_frames",
        "_headers_delay",
        "_reset_first",
        "_stall",
        "body",
        "framing",
        "headers",
        "status",
    )

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    framing: Literal["length", "chunked", "close"]
    _frames: tuple[bytes, ...] | None
    _event_delay: float
    _drip: int | None
    _headers_delay: float
    _reset_first: bool
    _abort: Literal["truncate", "reset"] | None
    _abort_after: int
    _stall: tuple[int, float] | None

    def __init__(
        self,
        status: int = 200,
        body: bytes = b"",
        *,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        framing: Literal["length", "chunked", "close"] = "length",
    ) -> None:
        """A plain response; prefer the class methods, which set the content type and framing for you."""
        self.status = status
        self.body = body
        if headers is None:
            self.headers = ()
        elif isinstance(headers, Mapping):
            self.headers = tuple((str(k), str(v)) for k, v in headers.items())
        else:
            self.headers = tuple((str(k), str(v)) for k, v in headers)
        self.framing = framing
        self._frames = None
        self._event_delay = 0.0
        self._drip = None
        self._headers_delay = 0.0
        self._reset_first = False
        self._abort = None
        self._abort_after = 0
        self._stall = None

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.framing} {len(self.body)} bytes>"

    # --- constructors -------------------------------------------------------------------------------

    @classmethod
    def json(
        cls,
        obj: Any,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        chunked: bool = False,
    ) -> Reply:
        """A JSON body (``application/json``), with Content-Length unless ``chunked=True``."""
        return cls._typed(status, _encode(obj), "application/json", headers, "chunked" if chunked else "length")

    @classmethod
    def error(
        cls,
        status: int,
        message: str = "Invalid request",
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> Reply:
        """A Groq error body ``{"error": {"message", "type", ...}}`` with the given status.

        `type` defaults to what Groq uses for the status (``invalid_request_error`` for 4xx, ...).
        """
        if type is None:
            # Groq's 429s say which limit was hit ("tokens" or "requests").
            type = "tokens" if status == 429 else "internal_server_error" if status >= 500 else "invalid_request_error"
        return cls.json(error_body(message, type=type, code=code, param=param, **extra), status=status, headers=headers)

    @classmethod
    def raw(
        cls,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str | None = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | None = None,
        chunked: bool = False,
        close_delimited: bool = False,
    ) -> Reply:
        """Any body with any content type, e.g. an HTML error page from a proxy (``content_type=None`` omits it)."""
        data = body.encode() if isinstance(body, str) else bytes(body)
        framing: Literal["length", "chunked", "close"] = "length"
        if chunked:
            framing = "chunked"
        elif close_delimited:
            framing = "close"
        return cls._typed(status, data, content_type, headers, framing)

    @classmethod
    def sse(
        cls,
        events: Iterable[Any],
        *,
        done: bool = True,
        chunked: bool = True,
        delay: float = 0.0,
        drip: int | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        named: bool = False,
    ) -> Reply:
        """A ``text/event-stream`` body, encoded once when the reply is built.

        Args:
            events: Each item is one event: a dict/list (sent as ``data: {json}``), a str/bytes payload
                (sent as ``data: ...``), or a `Frame` sent verbatim (see `sse_event`, `error_event`).
            done: Append ``data: [DONE]``.
            chunked: Transfer-Encoding: chunked (as Groq does); False gives a close-delimited body (no
                Content-Length, the connection is closed at the end).
            delay: Seconds to wait before each event (each is then written and flushed on its own).
            drip: Write at most this many bytes per write, flushing each, so events split across reads.
            status: HTTP status.
            headers: Extra response headers.
            named: Put an ``event: <type>`` line before each dict event that has a ``type`` (as the Responses
                API streams: ``event: response.output_text.delta`` then its ``data:``).
        """
        frames = [
            item
            if isinstance(item, Frame)
            else sse_event(item, event=str(item["type"]))
            if named and isinstance(item, dict) and "type" in item
            else _data_lines(item) + b"\n"
            for item in events
        ]
        if done:
            frames.append(_DONE)
        reply = cls._typed(status, b"".join(frames), "text/event-stream", headers, "chunked" if chunked else "close")
        reply._frames = tuple(frames)
        reply._event_delay = delay
        reply._drip = drip
        return reply

    @classmethod
    def sse_raw(
        cls,
        body: bytes,
        *,
        chunked: bool = True,
        drip: int | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """A pre-framed ``text/event-stream`` body sent byte for byte (chunked or close-delimited)."""
        reply = cls._typed(status, bytes(body), "text/event-stream", headers, "chunked" if chunked else "close")
        reply._drip = drip
        return reply

    @classmethod
    def reset(cls) -> Reply:
        """Reset the connection (TCP RST) after reading the request, before any byte of response."""
        reply = cls(status=0)
        reply._reset_first = True
        return reply

    @classmethod
    def _typed(
        cls,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: Mapping[str, str] | None,
        framing: Literal["length", "chunked", "close"],
    ) -> Reply:
        merged: dict[str, str] = {}
        if content_type is not None:
            merged["content-type"] = content_type
        if content_type == "text/event-stream":
            merged["cache-control"] = "no-cache"
        given = dict(headers or {})
        lowered = {k.lower() for k in given}
        merged = {k: v for k, v in merged.items() if k not in lowered}
        merged.update(given)
        return cls(status, body, headers=merged, framing=framing)

    # --- modifiers (each returns a new reply) --------------------------------------------------------

    def _copy(self) -> Reply:
        new = Reply.__new__(Reply)
        for name in Reply.__slots__:
            setattr(new, name, getattr(self, name))
        return new

    def _offset(self, after: int | None, after_events: int | None) -> int:
        if (after is None) == (after_events is None):
            raise TypeError("give exactly one of `after` (body bytes) and `after_events`")
        if after is not None:
            return after
        assert after_events is not None
        if self._frames is None:
            raise TypeError("`after_events` needs a reply built by Reply.sse")
        return sum(len(frame) for frame in self._frames[:after_events])

    def delayed(self, seconds: float) -> Reply:
        """Wait this long after reading the request before sending the status line (a read timeout)."""
        new = self._copy()
        new._headers_delay = seconds
        return new

    def truncated(self, after: int | None = None, *, after_events: int | None = None) -> Reply:
        """Close the connection (FIN) after this many body bytes, or after this many SSE events.

        The status line and headers are sent in full; a chunked body loses its terminating chunk and a
        Content-Length body comes up short, so clients see a protocol error; a close-delimited body just
        ends early (as a proxy cutting the stream would look).
        """
        new = self._copy()
        new._abort = "truncate"
        new._abort_after = self._offset(after, after_events)
        return new

    def reset_after(self, after: int | None = None, *, after_events: int | None = None) -> Reply:
        """Reset the connection (TCP RST) after this many body bytes, or after this many SSE events."""
        new = self._copy()
        new._abort = "reset"
        new._abort_after = self._offset(after, after_events)
        return new

    def stalled(self, after: int | None = None, *, after_events: int | None = None, seconds: float) -> Reply:
        """Pause for `seconds` after this many body bytes (or SSE events), then send the rest."""
        new = self._copy()
        new._stall = (self._offset(after, after_events), seconds)
        return new

    def compressed(self, encoding: Literal["gzip", "deflate"] = "gzip") -> Reply:
        """A copy whose body is compressed (``gzip`` or ``deflate``) and sent with ``Content-Encoding``.

        Whatever the request's ``Accept-Encoding`` says, as a server or proxy that compresses anyway would.
        An SSE reply's events are then sent as one compressed body (``delay`` and ``after_events`` no
        longer apply; ``after`` counts compressed bytes).
        """
        import zlib

        if encoding == "gzip":
            compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip container, no file name or time
        elif encoding == "deflate":
            compressor = zlib.compressobj(6, zlib.DEFLATED, 15)  # zlib container, as HTTP's "deflate"
        else:
            raise ValueError(f"encoding must be 'gzip' or 'deflate', not {encoding!r}")
        new = self.with_headers({"content-encoding": encoding})
        new.body = compressor.compress(self.body) + compressor.flush()
        new._frames = None
        return new

    def with_headers(self, headers: Mapping[str, str]) -> Reply:
        """A copy with these headers added (replacing any of the same name, case-insensitively)."""
        new = self._copy()
        lowered = {k.lower() for k in headers}
        new.headers = tuple((k, v) for k, v in self.headers if k.lower() not in lowered) + tuple(headers.items())
        return new

    # --- sending -------------------------------------------------------------------------------------

    def _pieces(self) -> Iterator[tuple[float, bytes]]:
        """(pause before, bytes) for each write of the body."""
        if self._frames is not None and self._event_delay > 0:
            parts: Iterable[tuple[float, bytes]] = ((self._event_delay, f) for f in self._frames)
        else:
            parts = ((0.0, self.body),)
        size = self._drip or _BLOCK
        for pause, data in parts:
            if len(data) <= size:
                yield pause, data
                continue
            view = memoryview(data)
            for start in range(0, len(data), size):
                yield (pause if start == 0 else 0.0), bytes(view[start : start + size])


class Headers(Mapping[str, str]):
    """Request headers: a read-only mapping with case-insensitive lookup (repeated headers joined by ", ").

    `items()` gives the original spelling; `raw` keeps every (name, value) pair in order.
    """

    __slots__ = ("_map", "raw")

    def __init__(self, raw: Iterable[tuple[str, str]]) -> None:
        self.raw: list[tuple[str, str]] = list(raw)
        self._map: dict[str, tuple[str, str]] = {}
        for name, value in self.raw:
            key = name.lower()
            if key in self._map:
                value = self._map[key][1] + ", " + value
                name = self._map[key][0]
            self._map[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._map[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._map

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._map.values())

    def __len__(self) -> int:
        return len(self._map)

    def get_all(self, name: str) -> list[str]:
        """Every value sent for `name`, in order."""
        key = name.lower()
        return [v for k, v in self.raw if k.lower() == key]

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class RecordedRequest:
    """One request as the server received it.

    Attributes:
        method: ``"POST"``, ``"GET"``...
        target: The request target exactly as sent (path and query).
        path: The path, without the query string (e.g. ``"/openai/v1/chat/completions"``).
        query: The query parameters (the last value wins for a repeated name).
        query_string: The raw query string.
        headers: Case-insensitive `Headers`.
        body: The raw body (chunked request bodies are de-chunked).
        connection: Number of the TCP connection it came on (1 for the first accepted), to check reuse.
    """

    __slots__ = ("_multipart", "body", "connection", "headers", "method", "path", "query", "query_string", "target")

    def __init__(self, method: str, target: str, headers: Headers, body: bytes, connection: int) -> None:
        self.method = method
        self.target = target
        parts = urlsplit(target)
        self.path = parts.path
        self.query_string = parts.query
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.connection = connection
        self._multipart: tuple[list[tuple[str, str]], dict[str, UploadedFile]] | None = None

    def json(self) -> Any:
        """The body decoded as JSON."""
        return msgspec.json.decode(self.body)

    @property
    def is_multipart(self) -> bool:
        """Whether the body is ``multipart/form-data`` (an upload)."""
        return self.headers.get("content-type", "").lower().startswith("multipart/form-data")

    def form_fields(self) -> list[tuple[str, str]]:
        """The form fields of a ``multipart/form-data`` body, in order: ``[("model", "whisper-large-v3"), ...]``
        (a list sent as the official SDK sends it repeats ``name[]``). ValueError for another body."""
        return self._parsed()[0]

    def form(self) -> dict[str, str | list[str]]:
        """The form fields of a ``multipart/form-data`` body by name; a repeated name (``name[]``) gives a list."""
        out: dict[str, str | list[str]] = {}
        for name, value in self.form_fields():
            if name in out:
                previous = out[name]
                out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                out[name] = [value] if name.endswith("[]") else value
        return out

    def files(self) -> dict[str, UploadedFile]:
        """The file parts of a ``multipart/form-data`` body by field name (``files()["file"].content``)."""
        return self._parsed()[1]

    def _parsed(self) -> tuple[list[tuple[str, str]], dict[str, UploadedFile]]:
        if self._multipart is None:
            self._multipart = parse_multipart(self.body, self.headers.get("content-type", ""))
        return self._multipart

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.target} {len(self.body)} bytes conn={self.connection}>"


class UploadedFile:
    """One file part of a ``multipart/form-data`` request, as the server received it.

    Attributes:
        name: The form field (``file``).
        filename: The ``filename`` of its Content-Disposition, or None.
        content_type: Its ``Content-Type``, or None.
        content: Its bytes.
        headers: Every header of the part.
    """

    __slots__ = ("content", "content_type", "filename", "headers", "name")

    def __init__(
        self, name: str, filename: str | None, content_type: str | None, content: bytes, headers: Headers
    ) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.content = content
        self.headers = headers

    def __repr__(self) -> str:
        return f"<UploadedFile {self.name}={self.filename!r} {self.content_type} {len(self.content)} bytes>"


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """``form-data; name="file"; filename="a.wav"`` -> ("form-data", {"name": "file", "filename": "a.wav"})."""
    head, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, _, raw = item.strip().partition("=")
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = raw[1:-1].replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n").replace("\\\\", "\\")
        params[key.lower()] = raw
    return head.strip().lower(), params


def parse_multipart(body: bytes, content_type: str) -> tuple[list[tuple[str, str]], dict[str, UploadedFile]]:
    """(form fields in order, files by field name) of a ``multipart/form-data`` body.

    Raises ValueError when ``content_type`` is not multipart/form-data with a boundary, or the body is not
    framed by it.
    """
    kind, params = _header_params(content_type)
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise ValueError(f"not a multipart/form-data body: Content-Type {content_type!r}")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2 or not chunks[-1].startswith(b"--"):
        raise ValueError("the multipart body does not end with its closing boundary")
    fields: list[tuple[str, str]] = []
    files: dict[str, UploadedFile] = {}
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise ValueError("a part of the multipart body is not framed by CRLF")
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("a part of the multipart body has no blank line after its headers")
        headers = Headers(
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in head.decode("utf-8").split("\r\n"))
        )
        _, disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name", "")
        if "filename" in disposition or "content-type" in headers:
            files[name] = UploadedFile(name, disposition.get("filename"), headers.get("content-type"), content, headers)
        else:
            fields.append((name, content.decode("utf-8")))
    return fields, files


ReplySource: TypeAlias = Reply | Callable[[RecordedRequest], Reply]
"""What the server can be given: a `Reply`, or a function building one from the request."""


def _path_matches(path: str, pattern: str) -> bool:
    pattern = "/" + pattern.lstrip("/")
    return path == pattern or path.endswith(pattern)


def _json_params(request: RecordedRequest, headers: dict[str, str]) -> dict[str, Any] | Reply:
    """The JSON object a POST carries, or the 400 Groq answers when the body is not one."""
    try:
        params = request.json()
    except msgspec.DecodeError:
        return Reply.error(400, "Failed to parse request body as JSON", headers=headers)
    if not isinstance(params, dict):
        return Reply.error(400, "Request body must be a JSON object", headers=headers)
    return params


def _speech_reply(request: RecordedRequest, headers: dict[str, str]) -> Reply:
    """POST /audio/speech: `speech_audio` in the requested format (the server's default is mp3)."""
    from ._payloads import SPEECH_CONTENT_TYPES

    params = _json_params(request, headers)
    if isinstance(params, Reply):
        return params
    missing = [k for k in ("model", "input", "voice") if not isinstance(params.get(k), str) or not params[k]]
    if missing:
        return Reply.error(
            400, f"'{missing[0]}' : property '{missing[0]}' is missing", param=missing[0], headers=headers
        )
    fmt = str(params.get("response_format") or "mp3")
    if fmt not in SPEECH_CONTENT_TYPES:
        return Reply.error(400, "'response_format' : value is not one of the allowed values", headers=headers)
    body = speech_audio(
        params["input"],
        response_format=fmt,
        sample_rate=int(params.get("sample_rate") or 48_000),
        speed=float(params.get("speed") or 1.0),
    )
    return Reply.raw(body, content_type=SPEECH_CONTENT_TYPES[fmt], headers=headers, chunked=True)


def _audio_text_reply(request: RecordedRequest, request_id: str, headers: dict[str, str]) -> Reply:
    """POST /audio/transcriptions and /translations (multipart): a `transcription` naming the audio it got, as
    JSON (``json``, ``verbose_json``) or text/plain (``text``)."""
    try:
        form, files = request.form(), request.files()
    except ValueError as exc:
        return Reply.error(400, f"request Content-Type isn't multipart/form-data: {exc}", headers=headers)
    if not isinstance(form.get("model"), str) or not form["model"]:
        return Reply.error(400, "'model' : property 'model' is missing", param="model", headers=headers)
    audio = files.get("file")
    url = form.get("url")
    if audio is None and not url:
        return Reply.error(400, "either a file or a url must be provided", headers=headers)
    source = f"{audio.filename} ({len(audio.content)} bytes)" if audio is not None else str(url)
    translate = request.path.endswith("/translations")
    text = f"{'Translated' if translate else 'Transcribed'} text of {source}."
    fmt = form.get("response_format") or "json"
    if fmt == "text":
        return Reply.raw(text + "\n", content_type="text/plain; charset=utf-8", headers=headers)
    if fmt not in ("json", "verbose_json"):
        return Reply.error(400, "'response_format' : value is not one of the allowed values", headers=headers)
    granularities = form.get("timestamp_granularities[]") or []
    body = transcription(
        text,
        request_id=request_id,
        verbose=fmt == "verbose_json",
        task="translate" if translate else "transcribe",
        language="english" if translate else str(form.get("language") or "english"),
        words="word" in granularities,
    )
    return Reply.json(body, headers=headers)


def _responses_reply(request: RecordedRequest, headers: dict[str, str]) -> Reply:
    """POST /responses: a `response_object`, or with ``"stream": true`` its `response_events` (named, no [DONE])."""
    params = _json_params(request, headers)
    if isinstance(params, Reply):
        return params
    for name in ("model", "input"):
        if not params.get(name):
            return Reply.error(400, f"'{name}' : property '{name}' is missing", param=name, headers=headers)
    model = str(params["model"])
    if params.get("stream"):
        return Reply.sse(response_events(model=model), named=True, done=False, headers=headers)
    return Reply.json(response_object(model=model), headers=headers)


def default_reply(request: RecordedRequest) -> Reply:
    """What the server answers when nothing is queued or routed: a small fake Groq.

    ``POST .../chat/completions`` gets a chat completion (streamed when the body says ``"stream": true``,
    with a usage-only chunk when ``stream_options.include_usage`` is set); ``POST .../embeddings`` one
    `embedding_vector` per input; ``POST .../reranking`` the documents scored by `reranking_response`;
    ``POST .../responses`` a `response_object` (streamed as `response_events` with ``"stream": true``);
    ``POST .../audio/speech`` a `speech_audio` file (chunked, as Groq sends it); ``POST .../audio/transcriptions``
    and ``.../translations`` (multipart uploads) a `transcription` naming the file received (text/plain with
    ``response_format=text``);
    ``GET .../models`` the `KNOWN_MODELS`, ``GET .../models/{id}`` one of them
    and ``DELETE .../models/{id}`` its deletion (a 404 ``model_not_found`` for another id); anything else
    Groq's 404 ``unknown_url`` body.
    """
    request_id = new_request_id()
    headers = {"x-request-id": request_id}
    post = request.method == "POST"
    if post and request.path.endswith("/audio/speech"):
        return _speech_reply(request, headers)
    if post and request.path.endswith(("/audio/transcriptions", "/audio/translations")):
        return _audio_text_reply(request, request_id, headers)
    if post and request.path.endswith("/responses"):
        return _responses_reply(request, headers)
    if post and request.path.endswith(("/chat/completions", "/embeddings", "/reranking")):
        params = _json_params(request, headers)
        if isinstance(params, Reply):
            return params
        if request.path.endswith("/reranking"):
            docs = params.get("docs")
            if not isinstance(docs, list) or not docs or not isinstance(params.get("query"), str):
                return Reply.error(400, "'docs' : value must be a non-empty array of strings", headers=headers)
            return Reply.json(reranking_response(params["query"], [str(d) for d in docs]), headers=headers)
        if request.path.endswith("/embeddings"):
            inputs = params.get("input")
            if not isinstance(inputs, (str, list)) or not inputs:
                return Reply.error(400, "'input' : value must be a non-empty string or array", headers=headers)
            body = embeddings_response(
                [str(text) for text in inputs] if isinstance(inputs, list) else inputs,
                model=str(params.get("model") or DEFAULT_EMBEDDING_MODEL),
                encoding_format=str(params.get("encoding_format") or "float"),
            )
            return Reply.json(body, headers=headers)
        model = str(params.get("model") or "llama-3.3-70b-versatile")
        if params.get("stream"):
            options = params.get("stream_options") or {}
            include = bool(isinstance(options, dict) and options.get("include_usage"))
            chunks = chat_completion_chunks(model=model, request_id=request_id, include_usage_chunk=include)
            return Reply.sse(chunks, headers=headers)
        return Reply.json(chat_completion(model=model, request_id=request_id), headers=headers)
    if request.method == "GET" and request.path.endswith("/models"):
        return Reply.json(models_list(), headers=headers)
    model_id = _model_id(request.path)
    if model_id and request.method in ("GET", "DELETE"):
        if model_id not in KNOWN_MODELS:
            message = f"The model `{model_id}` does not exist or you do not have access to it."
            return Reply.error(404, message, code="model_not_found", headers=headers)
        body = model_object(model_id) if request.method == "GET" else model_deleted(model_id)
        return Reply.json(body, headers=headers)
    message = f"Unknown request URL: {request.method} {request.path}. Please check the URL for typos."
    return Reply.error(404, message, code="unknown_url", headers=headers)


def _model_id(path: str) -> str | None:
    """The id in ``.../models/{id}`` (percent-decoded; ids may hold a ``/``, sent as ``%2F``), else None."""
    from urllib.parse import unquote

    _, sep, tail = path.rpartition("/models/")
    return unquote(tail) if sep and tail else None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Closing must never wait for a handler stuck in a stall or a keep-alive read.
    block_on_close = False
    owner: MockGroqServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._accepted(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.owner._forget(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS) or self.owner._stopping.is_set():
            return
        self.owner._error(exc)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log on stderr in test output

    def handle(self) -> None:
        with contextlib.suppress(*_DISCONNECTS):
            super().handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        owner = self.server.owner
        body = self._read_body()
        request = RecordedRequest(
            self.command, self.path, Headers(self.headers.items()), body, owner._connection_number(self.connection)
        )
        try:
            reply = owner._reply_for(request)
        except Exception as exc:  # a user callback failed: answer 500 and keep the error for the test
            owner._error(exc)
            reply = Reply.error(500, "mock server: reply callback failed: " + "".join(traceback.format_exception(exc)))
        owner._record(request)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def _rst(self) -> None:
        self.close_connection = True
        sock = self.connection
        with contextlib.suppress(OSError):
            # Linger 0 turns close() into an RST. rfile is a makefile() that holds the socket open, so it
            # goes first; closing it here (not at shutdown_request) avoids the FIN of shutdown(SHUT_WR).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            sock.close()

    def _send(self, reply: Reply) -> None:
        owner = self.server.owner
        if reply._headers_delay and owner._stopping.wait(reply._headers_delay):
            self.close_connection = True
            return
        if reply._reset_first:
            self._rst()
            return
        sock: socket.socket = self.connection
        send = sock.sendall
        has_body = self.command != "HEAD" and reply.status not in (204, 304) and reply.status >= 200
        framing = reply.framing
        if framing == "close" or reply._abort is not None:
            self.close_connection = True
        head = self._head(reply, framing)
        if not has_body:
            send(head)
            return
        if (
            framing == "length"
            and reply._abort is None
            and reply._stall is None
            and reply._drip is None
            and len(reply.body) <= _BLOCK
        ):
            send(head + reply.body)
            return
        send(head)
        self._send_body(reply, framing == "chunked")

    def _send_body(self, reply: Reply, chunked: bool) -> None:
        """The body piece by piece, with the reply's pauses, stall and abort."""
        owner = self.server.owner
        send = self.connection.sendall
        stall_at, stall_for = reply._stall if reply._stall is not None else (-1, 0.0)
        end_at = reply._abort_after if reply._abort is not None else -1
        sent = 0
        if sent == stall_at and owner._stopping.wait(stall_for):
            return
        if sent == end_at:
            self._abort(reply)
            return
        for pause, piece in reply._pieces():
            if pause and owner._stopping.wait(pause):
                self.close_connection = True
                return
            while piece:
                cut = len(piece)
                for limit in (stall_at, end_at):
                    if sent < limit < sent + cut:
                        cut = limit - sent
                out, piece = (piece, b"") if cut == len(piece) else (piece[:cut], piece[cut:])
                send(b"%x\r\n%s\r\n" % (len(out), out) if chunked else out)
                sent += cut
                if sent == stall_at and owner._stopping.wait(stall_for):
                    self.close_connection = True
                    return
                if sent == end_at:
                    self._abort(reply)
                    return
        if chunked:
            send(b"0\r\n\r\n")

    def _abort(self, reply: Reply) -> None:
        self.close_connection = True
        if reply._abort == "reset":
            self._rst()

    def _head(self, reply: Reply, framing: str) -> bytes:
        try:
            reason = http.HTTPStatus(reply.status).phrase
        except ValueError:
            reason = "Unknown"
        given = {name.lower() for name, _ in reply.headers}
        lines = [f"HTTP/1.1 {reply.status} {reason}"]
        if "date" not in given:
            lines.append("date: " + formatdate(usegmt=True))
        if framing == "length" and "content-length" not in given:
            lines.append(f"content-length: {len(reply.body)}")
        elif framing == "chunked" and "transfer-encoding" not in given:
            lines.append("transfer-encoding: chunked")
        if self.close_connection and "connection" not in given:
            lines.append("connection: close")
        lines.extend(f"{name}: {value}" for name, value in reply.headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class MockGroqServer:
    """A Groq-compatible HTTP/1.1 server on 127.0.0.1 (random port), for testing code that calls Groq.

    Use it as a context manager (or call `start` / `close`)::

        with MockGroqServer() as server:
            client = Groq(api_key="test", base_url=server.base_url)
            server.enqueue(Reply.json(chat_completion("Hi"), headers={"x-request-id": "req_1"}))
            client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[...])
            assert server.requests[0].json()["model"] == "llama-3.3-70b-versatile"

    Each request gets, in order of precedence: the first queued reply whose filters match it (`enqueue`,
    consumed once), else the most recent matching route (`route`, served every time), else `default`
    (by default a small fake Groq: the files, batches and fine tunings of `state`, a `GroqState` that
    remembers them and moves batches through their lifecycle, then `default_reply` for everything else).
    Requests are accepted under any path prefix
    (``/openai/v1/chat/completions`` and ``/v1/chat/completions`` alike) and recorded with their exact
    path. Connections are kept alive between requests; `connections_accepted` counts TCP connections.

    Errors raised by reply callbacks, and unexpected handler errors, are collected in `errors` (the
    request gets a 500); client disconnects are silent.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, default: ReplySource | None = None) -> None:
        """Create the server (not yet listening; `start` or ``with`` does that).

        Args:
            host: Interface to bind; loopback by default.
            port: TCP port; 0 picks a free one.
            default: Reply (or function of the request) used when nothing is queued or routed.
        """
        self.host = host
        self._port = port
        self.state = GroqState()
        """The simulated account behind the default replies: files, batches (their lifecycle), fine tunings."""
        self.default: ReplySource = default if default is not None else self._stateful_default
        self._lock = threading.Condition()
        self._queue: list[tuple[ReplySource, str | None, str | None]] = []
        self._routes: list[tuple[str | None, str, ReplySource]] = []
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._open: dict[socket.socket, int] = {}
        self.errors: list[BaseException] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> MockGroqServer:
        """Bind and start serving in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._stopping.clear()
        # close() waits for the serving loop to look at its stop flag, which it does every poll_interval: a
        # short one makes closing a server (once per test in a suite) take ~3 ms instead of ~30.
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.005}, name="MockGroqServer", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and drop every open connection (stalled or delayed handlers wake up and quit)."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> MockGroqServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- addresses -----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port (after `start`)."""
        if self._httpd is None:
            raise RuntimeError("MockGroqServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        """The bare host root, e.g. ``http://127.0.0.1:PORT`` (the official SDK's `base_url` form)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:PORT/openai/v1`` (the OpenAI-style `base_url` form)."""
        return self.root_url + "/openai/v1"

    # --- scripting -----------------------------------------------------------------------------------

    def enqueue(self, *replies: ReplySource, method: str | None = None, path: str | None = None) -> None:
        """Queue replies, each served once, in order.

        With `method` and/or `path` the replies only go to matching requests (`path` matches the end of
        the request path, e.g. ``"/chat/completions"`` or ``"/openai/v1/models"``); others pass them by.
        """
        with self._lock:
            self._queue.extend((reply, method.upper() if method else None, path) for reply in replies)

    def route(self, method: str | None, path: str, reply: ReplySource) -> None:
        """Answer every request for `method` (``None``: any) and `path` (matched on the end of the
        request path) with `reply`, unless a queued reply matches first. Later routes win."""
        with self._lock:
            self._routes.append((method.upper() if method else None, path, reply))

    def reset(self) -> None:
        """Forget queued replies, routes, recorded requests, errors and the `state` (connections stay open)."""
        with self._lock:
            self.state = GroqState(auto_advance=self.state.auto_advance)
            self._queue.clear()
            self._routes.clear()
            self._requests.clear()
            self.errors.clear()

    @property
    def pending_replies(self) -> int:
        """How many queued replies have not been served yet."""
        with self._lock:
            return len(self._queue)

    # --- inspection ----------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a snapshot)."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request (IndexError if none yet)."""
        with self._lock:
            return self._requests[-1]

    @property
    def connections_accepted(self) -> int:
        """How many TCP connections the server has accepted (1 if a client reused one connection)."""
        with self._lock:
            return self._connections

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now (a handler finishing closes its connection)."""
        with self._lock:
            return len(self._open)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least `n` requests were received; return them. TimeoutError after `timeout` s."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"expected {n} requests, got {len(self._requests)} within {timeout} s")
            return list(self._requests)

    # --- called from handler threads ------------------------------------------------------------------

    def _stateful_default(self, request: RecordedRequest) -> Reply:
        """The default `default`: the files, batches and fine tunings of `state`, else `default_reply`."""
        reply = self.state.handle(request)
        return reply if reply is not None else default_reply(request)

    def _accepted(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            # Each write (a drip, a delayed event) must leave at once, not wait for Nagle.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._connections += 1
            self._open[sock] = self._connections

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.pop(sock, None)

    def _connection_number(self, sock: socket.socket) -> int:
        with self._lock:
            return self._open.get(sock, 0)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()

    def _error(self, exc: BaseException | None) -> None:
        if exc is not None:
            with self._lock:
                self.errors.append(exc)

    def _reply_for(self, request: RecordedRequest) -> Reply:
        source: ReplySource | None = None
        with self._lock:
            for i, (reply, method, path) in enumerate(self._queue):
                if (method is None or method == request.method) and (path is None or _path_matches(request.path, path)):
                    source = reply
                    del self._queue[i]
                    break
            else:
                for method, path, reply in reversed(self._routes):
                    if (method is None or method == request.method) and _path_matches(request.path, path):
                        source = reply
                        break
        if source is None:
            source = self.default
        return source if isinstance(source, Reply) else source(request)
