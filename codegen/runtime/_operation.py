"""``Operation``: one API endpoint as the generator describes it, with its decoders built on first use.

Every generated method ends in ``client.request(operation, ...)`` with a module-level ``Operation``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import msgspec

from ._constants import API_ROOT_PATH
from ._exceptions import GroqError

if TYPE_CHECKING:
    from ._stream_protocols import StreamProtocol

__all__ = ["Operation"]


@dataclass(frozen=True)
class Operation:
    """One API endpoint, as the generator describes it. Decoders are built on first use and cached.

    Attributes:
        name: The operationId (``createChatCompletion``).
        method: ``POST``, ``GET``, ``DELETE``, ...
        path: The path relative to ``root``, with ``{name}`` placeholders (``/models/{model}``).
        response_type: The type a 2xx JSON body decodes into; None for an operation whose answer is binary.
        request_type: The request body type (validated before sending), or None for bodiless requests.
        root: Where the operation lives, relative to the host root: ``/openai/v1`` (the API root, which
            ``base_url`` names) for nearly all; ``/v1`` for ``/v1/fine_tunings``. See ``BaseClient.prefix``.
        query_type: The type of the operation's query parameters (validated before sending), or None.
        stream_event_type: The type of each streamed ``data:`` event (a Struct, or a union of Structs tagged by
            ``type``), for operations that can stream.
        response_envelope: Fields of ``response_type`` that a 2xx body cannot do without (``x-envelope`` in
            the schema): a body that lacks one, or has a value there that cannot be repaired, is an
            ``APIResponseValidationError``; any other value that does not match is repaired (``_repair``).
        stream_event_envelope: The same for ``stream_event_type``.
        response_kind: What a 2xx body is: ``json`` (decoded into ``response_type``), ``binary`` (the bytes, as
            a ``BinaryAPIResponse``) or ``text`` (a ``str``).
        accept: The media type asked for when the answer is not JSON (``audio/wav``).
        text_field: The request field whose values in ``text_values`` make a JSON operation answer
            ``text/plain`` (``response_format="text"`` of a transcription): the result is then a ``str``.
        text_values: See ``text_field``.
        request_encoding: ``json``, or ``multipart`` (form fields, and ``file_fields`` sent as file parts).
        file_fields: The request fields sent as files in a multipart request.
        stream_protocol: How the event stream is read: ``chat`` (``data: [DONE]`` ends it; ``x_groq`` carries
            the request id, usage and errors) or ``responses`` (events tagged by ``type``; a terminal event
            ends it). See ``_stream_protocols``.
    """

    name: str
    method: str
    path: str
    response_type: type | None
    request_type: type | None = None
    stream_event_type: Any = None
    response_envelope: tuple[str, ...] = ()
    stream_event_envelope: tuple[str, ...] = ()
    root: str = API_ROOT_PATH
    query_type: type | None = None
    response_kind: str = "json"
    accept: str | None = None
    text_field: str | None = None
    text_values: frozenset[str] = frozenset()
    request_encoding: str = "json"
    file_fields: tuple[str, ...] = ()
    stream_protocol: str = "chat"

    # cached_property writes straight into the instance __dict__, which a frozen dataclass allows; built
    # lazily so importing the generated resources costs no decoder construction.
    @cached_property
    def response_decoder(self) -> msgspec.json.Decoder[Any]:
        if self.response_type is None:
            raise GroqError(f"operation {self.name} answers {self.response_kind}, not JSON")
        return msgspec.json.Decoder(self.response_type)

    @cached_property
    def request_decoder(self) -> msgspec.json.Decoder[Any] | None:
        return None if self.request_type is None else msgspec.json.Decoder(self.request_type)

    def result_kind(self, body: object, extra_body: Mapping[str, object] | None = None) -> str:
        """What the 2xx answer to a request with ``body`` will be: ``json``, ``text`` or ``binary``."""
        field = self.text_field
        if field is None:
            return self.response_kind
        value = getattr(body, field, None)
        if extra_body and field in extra_body:
            value = extra_body[field]
        return "text" if isinstance(value, str) and value in self.text_values else self.response_kind

    @cached_property
    def stream_decoder(self) -> msgspec.json.Decoder[Any]:
        if self.stream_event_type is None:
            raise GroqError(f"operation {self.name} does not stream")
        return msgspec.json.Decoder(self.stream_event_type)

    @cached_property
    def protocol(self) -> StreamProtocol:
        """How this operation's event stream is read (``_stream_protocols``)."""
        from ._stream_protocols import protocol_for

        return protocol_for(self)

    @cached_property
    def stream_batch_decoder(self) -> msgspec.json.Decoder[list[Any]]:
        if self.stream_event_type is None:
            raise GroqError(f"operation {self.name} does not stream")
        return msgspec.json.Decoder(list[self.stream_event_type])  # type: ignore[name-defined]
