"""Fold streamed chunks into the ``ChatCompletion`` the same request would have returned unstreamed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import msgspec

from ._exceptions import GroqError

if TYPE_CHECKING:
    from .types import ChatCompletion, ChatCompletionChunk

__all__ = ["accumulate_chunks"]


class _ToolCall:
    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []


class _Choice:
    __slots__ = (
        "annotations",
        "content",
        "executed_tools",
        "finish_reason",
        "function_args",
        "function_name",
        "logprobs",
        "reasoning",
        "role",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.role: str | None = None
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.tool_calls: dict[int, _ToolCall] = {}
        self.finish_reason: Any = None
        self.executed_tools: dict[int, Any] = {}
        self.annotations: list[Any] = []
        self.function_name: str | None = None
        self.function_args: list[str] = []
        self.logprobs: list[Any] = []


def _fold_delta(state: _Choice, delta: Any) -> None:
    role = delta.role
    if state.role is None and role is not None:
        state.role = str(role)
    content = delta.content
    if content:
        state.content.append(content)
    reasoning = delta.reasoning
    if reasoning:
        state.reasoning.append(reasoning)
    if delta.tool_calls:
        _fold_tool_calls(state, delta.tool_calls)
    executed = delta.executed_tools
    if executed:
        for tool in executed:
            # Compound models stream a tool twice (call, then result) under one index: keep the latest.
            state.executed_tools[tool.index] = tool
    annotations = delta.annotations
    if annotations:
        state.annotations.extend(annotations)
    function_call = delta.function_call
    if function_call is not None:
        name = function_call.name
        if state.function_name is None and name is not None:
            state.function_name = name
        args = function_call.arguments
        if args:
            state.function_args.append(args)


def _fold_tool_calls(state: _Choice, fragments: Iterable[Any]) -> None:
    for fragment in fragments:
        call = state.tool_calls.get(fragment.index)
        if call is None:
            call = state.tool_calls[fragment.index] = _ToolCall()
        # The first fragment of a call carries id, type and name; later ones only more arguments.
        if call.id is None and fragment.id is not None:
            call.id = fragment.id
        if call.type is None and fragment.type is not None:
            call.type = str(fragment.type)
        function = fragment.function
        if function is not None:
            if call.name is None and function.name is not None:
                call.name = function.name
            if function.arguments:
                call.arguments.append(function.arguments)


def _message(state: _Choice) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": state.role or "assistant",
        # Unstreamed responses carry content null (not "") when the model only called tools.
        "content": "".join(state.content) if state.content else None,
    }
    if state.reasoning:
        message["reasoning"] = "".join(state.reasoning)
    if state.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or "",
                "type": call.type or "function",
                "function": {"name": call.name or "", "arguments": "".join(call.arguments)},
            }
            for _, call in sorted(state.tool_calls.items())
        ]
    if state.executed_tools:
        message["executed_tools"] = list(state.executed_tools.values())
    if state.annotations:
        message["annotations"] = state.annotations
    if state.function_name is not None or state.function_args:
        message["function_call"] = {"name": state.function_name or "", "arguments": "".join(state.function_args)}
    return message


class _Accumulator:
    """What the chunks of one stream add up to, chunk by chunk."""

    __slots__ = ("choices", "fingerprint", "first", "groq_id", "usage")

    def __init__(self) -> None:
        self.first: ChatCompletionChunk | None = None
        self.choices: dict[int, _Choice] = {}
        self.usage: Any = None
        self.fingerprint: str | None = None
        self.groq_id: str | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        if self.first is None:
            self.first = chunk
        for choice in chunk.choices or ():
            state = self.choices.get(choice.index)
            if state is None:
                state = self.choices[choice.index] = _Choice()
            _fold_delta(state, choice.delta)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
            logprobs = choice.logprobs
            if logprobs is not None and logprobs.content:
                state.logprobs.extend(logprobs.content)
        x_groq = chunk.x_groq
        if x_groq is not None:
            if self.groq_id is None and x_groq.id:
                self.groq_id = x_groq.id
            if x_groq.usage is not None:
                self.usage = x_groq.usage
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.system_fingerprint:
            self.fingerprint = chunk.system_fingerprint

    def fields(self, first: ChatCompletionChunk) -> dict[str, Any]:
        """The completion as a dict for ``msgspec.convert``."""
        choice_dicts: list[dict[str, Any]] = []
        for index, state in sorted(self.choices.items()):
            choice_dicts.append(
                {
                    "index": index,
                    "message": _message(state),
                    # Placeholder for a stream cut before its last chunk; replaced by None below.
                    "finish_reason": state.finish_reason if state.finish_reason is not None else "stop",
                    "logprobs": {"content": state.logprobs} if state.logprobs else None,
                }
            )
        fields: dict[str, Any] = {
            "id": first.id,
            "object": "chat.completion",
            "created": first.created,
            "model": first.model,
            "choices": choice_dicts,
        }
        if self.usage is not None:
            fields["usage"] = self.usage
        if self.fingerprint is not None:
            fields["system_fingerprint"] = self.fingerprint
        if self.groq_id is not None:
            fields["x_groq"] = {"id": self.groq_id}
        return fields


def accumulate_chunks(chunks: Iterable[ChatCompletionChunk], *, request_id: str | None = None) -> ChatCompletion:
    """Fold a stream's chunks into one ``ChatCompletion``.

    Content and reasoning are concatenated; tool calls are merged by index with their arguments joined
    (id, type and name come from the first fragment that has them); the last finish_reason, usage (top
    level or ``x_groq.usage``) and system_fingerprint win; id, model and created come from the first chunk.
    The result's ``_request_id`` is ``request_id`` if given, else the first ``x_groq.id`` seen.

    Raises:
        ValueError: ``chunks`` was empty.
    """
    acc = _Accumulator()
    for chunk in chunks:
        acc.add(chunk)
    if acc.first is None:
        raise ValueError("accumulate_chunks() needs at least one chunk")
    from .types import ChatCompletion  # imported here: importing fastgroq imports no types module

    # convert() (not the constructors) so enum fields get their enum values and any field the schema
    # adds later keeps its default; Structs taken from the chunks pass through or convert by attribute.
    try:
        completion = msgspec.convert(acc.fields(acc.first), ChatCompletion, from_attributes=True)
    except msgspec.ValidationError as exc:
        raise GroqError(f"the chunks do not fold into a ChatCompletion: {exc}") from exc
    for built, (_, state) in zip(completion.choices, sorted(acc.choices.items()), strict=True):
        if state.finish_reason is None:
            cast(Any, built).finish_reason = None
    completion._request_id = request_id or acc.groq_id  # type: ignore[attr-defined]
    return completion
