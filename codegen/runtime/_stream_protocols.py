"""How an event stream is read, per operation (``Operation.stream_protocol``, from the schema's ``stream.protocol``).

``StreamDecoder`` frames and batch-decodes any stream the same way; what a decoded event *means* differs by API:

* ``chat`` (chat completions): ``data: [DONE]`` ends the stream; ``x_groq`` carries the request id, the usage and
  an in-band error (``x_groq.error``), and a top-level ``usage`` the usage of ``stream_options.include_usage``;
  an ``event:`` field other than ``error`` marks an event for future use, which is skipped.
* ``responses`` (the Responses API): events are tagged by ``type`` (the ``event:`` field repeats it); a terminal
  event ends the stream (``response.completed``, ``response.incomplete``, ``response.failed``; a ``data: [DONE]``
  is accepted too); the usage is in the terminal event's ``response.usage``; an ``error`` event or
  ``response.failed`` is an in-band error; an event type this version does not know is skipped.

Each protocol looks only at the few events that matter (``inspect``), with one attribute or type test per
event, so no Python code runs per event beyond that; and it knows how to hand out the text of a stream
(``iter_text``) and fold it into a final result (``final``). No I/O: both clients use these as they are.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from . import _stream_errors as cold
from ._outcome import MALFORMED

if TYPE_CHECKING:
    from ._operation import Operation
    from ._stream_decoder import StreamDecoder

__all__ = ["ChatProtocol", "ResponsesProtocol", "StreamProtocol", "protocol_for"]


class StreamProtocol:
    """What the events of one kind of stream mean. Subclasses: ``ChatProtocol``, ``ResponsesProtocol``."""

    name = ""
    named_events = False
    """Whether ``event: <name>`` events carry chunks (the Responses API) or are skipped (chat, except ``error``)."""
    terminal = "data: [DONE]"
    """What ends the stream, as error messages name it."""

    def inspect(self, d: StreamDecoder, chunks: list[Any], first: int) -> int:
        """Track the stream's request id and usage; return how many of ``chunks`` to hand out when one of them
        ends the stream (``d.done``) or reports an error (``d.error``, raised after those), else -1 (all).
        ``first`` is the event index of ``chunks[0]``."""
        raise NotImplementedError

    def skip(self, payload: bytes) -> str | None:
        """For an event that did not decode: the name of its type when it is one this version does not know
        (the event is then skipped), else None."""
        return None

    def iter_text(self, chunks: Iterator[Any]) -> Iterator[str]:
        """The text the chunks carry, piece by piece."""
        raise NotImplementedError

    def final(self, chunks: list[Any], request_id: str | None) -> Any:
        """The stream's result once every chunk is in."""
        raise NotImplementedError


class ChatProtocol(StreamProtocol):
    """Chat completion chunks: ``data: [DONE]`` ends them; ``x_groq`` and ``usage`` carry the rest."""

    name = "chat"

    def inspect(self, d: StreamDecoder, chunks: list[Any], first: int) -> int:
        # Only chunks carrying x_groq or a top-level usage (normally the first and the last of a stream) get past
        # the filter, which costs a few tens of nanoseconds per chunk: far less than scanning the bytes for keys
        # (a substring search over JSON runs at ~200 ns per chunk, because quotes are everywhere).
        for chunk in [c for c in chunks if c.x_groq or c.usage]:
            x_groq = chunk.x_groq
            if x_groq:
                if x_groq.error:
                    bad = next(i for i, c in enumerate(chunks) if c is chunk)
                    d.error = cold.chunk_error(d, chunk, first + bad)
                    return bad
                if d.request_id is None and x_groq.id:
                    d.request_id = x_groq.id
                if x_groq.usage:
                    d.usage = x_groq.usage
            if chunk.usage:
                d.usage = chunk.usage
        return -1

    def iter_text(self, chunks: Iterator[Any]) -> Iterator[str]:
        for chunk in chunks:
            for choice in chunk.choices or ():
                content = choice.delta.content
                if content:
                    yield content

    def final(self, chunks: list[Any], request_id: str | None) -> Any:
        from ._accumulate import accumulate_chunks

        return accumulate_chunks(chunks, request_id=request_id)


_TERMINAL = ("response.completed", "response.incomplete")
_FAILED = "response.failed"
_ERROR = "error"
_TEXT_DELTA = "response.output_text.delta"


class _Tag(msgspec.Struct):
    type: str = ""


_tag_decoder = msgspec.json.Decoder(_Tag)


class ResponsesProtocol(StreamProtocol):
    """Responses API events, tagged by ``type``: a terminal event ends them and carries the final Response."""

    name = "responses"
    named_events = True
    terminal = "a terminal event (response.completed, response.incomplete or response.failed)"

    def __init__(self, event_type: Any) -> None:
        self.members = {_tag_of(cls): cls for cls in _members(event_type)}
        self._terminal = frozenset(self.members[t] for t in _TERMINAL if t in self.members)
        self._failed = self.members.get(_FAILED)
        self._error = self.members.get(_ERROR)
        self._text_delta = self.members.get(_TEXT_DELTA)
        self._watch = self._terminal | {c for c in (self._failed, self._error) if c is not None}

    def inspect(self, d: StreamDecoder, chunks: list[Any], first: int) -> int:
        watch = self._watch
        for index in [i for i, c in enumerate(chunks) if type(c) in watch]:
            event = chunks[index]
            kind = type(event)
            if kind in self._terminal:
                usage = getattr(event.response, "usage", None)
                if usage is not None:
                    d.usage = usage
                d.done = True
                return index + 1
            d.error = cold.response_error(d, event, first + index, failed=kind is self._failed)
            return index
        return -1

    def skip(self, payload: bytes) -> str | None:
        try:
            tag = _tag_decoder.decode(payload).type
        except MALFORMED:  # not JSON, invalid UTF-8, nested too deep: the event is reported where it is decoded
            return None
        return tag if tag and tag not in self.members else None

    def iter_text(self, chunks: Iterator[Any]) -> Iterator[str]:
        delta = self._text_delta
        for event in chunks:
            if type(event) is delta:
                yield event.delta

    def final(self, chunks: list[Any], request_id: str | None) -> Any:
        for event in reversed(chunks):
            if type(event) in self._terminal:
                response = event.response
                if request_id is not None:
                    with contextlib.suppress(AttributeError):  # a Struct without dict=True cannot carry it
                        response._request_id = request_id
                return response
        return None


def _members(tp: Any) -> list[Any]:
    """The Structs of a (possibly Annotated) union, or ``[tp]``."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    args = typing.get_args(tp)
    if not args:
        return [tp]
    return [m for arg in args for m in _members(arg)]


def _tag_of(cls: Any) -> str:
    config = getattr(cls, "__struct_config__", None)
    return str(getattr(config, "tag", "") or "")


_CHAT = ChatProtocol()


def protocol_for(op: Operation) -> StreamProtocol:
    """The protocol of an operation that streams (``Operation.protocol`` keeps one per operation)."""
    if op.stream_protocol == "responses":
        return ResponsesProtocol(op.stream_event_type)
    return _CHAT
