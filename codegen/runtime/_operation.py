"""``Operation``: one API endpoint as the generator describes it, with its decoders built on first use.

Every generated method ends in ``client.request(operation, ...)`` with a module-level ``Operation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import msgspec

from ._constants import API_ROOT_PATH
from ._exceptions import GroqError

__all__ = ["Operation"]


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
            ``base_url`` names) for nearly all; ``/v1`` for ``/v1/fine_tunings``. See ``BaseClient.prefix``.
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
