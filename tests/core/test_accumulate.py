"""Folding stream chunks into a ChatCompletion (fastgroq.accumulate_chunks)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from fastgroq import ChatCompletion, ChatCompletionChunk, accumulate_chunks

BASE = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1730246000,
    "model": "llama-3.3-70b-versatile",
}
USAGE = {
    "queue_time": 0.02,
    "prompt_tokens": 18,
    "prompt_time": 0.0007,
    "completion_tokens": 3,
    "completion_time": 0.46,
    "total_tokens": 21,
    "total_time": 0.4607,
}


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> ChatCompletionChunk:
    body: dict[str, Any] = {**BASE, **extra}
    if delta is not None:
        body["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    return msgspec.json.decode(msgspec.json.encode(body), type=ChatCompletionChunk)


def tool_fragment(index: int, **fields: Any) -> dict[str, Any]:
    return {"tool_calls": [{"index": index, **fields}]}


def text_stream() -> list[ChatCompletionChunk]:
    return [
        chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_1"}, system_fingerprint="fp_1"),
        chunk({"content": "Hello"}, system_fingerprint="fp_1"),
        chunk({"content": ", world"}, system_fingerprint="fp_1"),
        chunk({}, "stop", x_groq={"id": "req_1", "usage": USAGE}, system_fingerprint="fp_1"),
    ]


def test_text_stream() -> None:
    result = accumulate_chunks(text_stream())
    assert isinstance(result, ChatCompletion)
    assert (result.id, result.created, result.model) == ("chatcmpl-1", 1730246000, "llama-3.3-70b-versatile")
    assert result.object == "chat.completion"
    assert len(result.choices) == 1
    choice = result.choices[0]
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hello, world"
    assert not choice.message.tool_calls
    assert choice.finish_reason == "stop"
    assert result.usage
    assert result.usage.total_tokens == 21
    assert result.system_fingerprint == "fp_1"
    assert result.x_groq
    assert result.x_groq.id == "req_1"
    assert result._request_id == "req_1"  # type: ignore[attr-defined]


def test_explicit_request_id_wins() -> None:
    result = accumulate_chunks(text_stream(), request_id="req_header")
    assert result._request_id == "req_header"  # type: ignore[attr-defined]
    assert result.x_groq
    assert result.x_groq.id == "req_1"


def test_accepts_any_iterable() -> None:
    assert accumulate_chunks(iter(text_stream())).choices[0].message.content == "Hello, world"


def test_result_matches_the_unstreamed_shape() -> None:
    result = accumulate_chunks(text_stream())
    encoded = msgspec.to_builtins(result)
    assert encoded["choices"][0]["message"] == {"role": "assistant", "content": "Hello, world"}
    assert encoded["choices"][0]["finish_reason"] == "stop"
    assert encoded["choices"][0].get("logprobs") is None
    # It decodes back as a ChatCompletion: the fold never builds something the type rejects.
    assert msgspec.json.decode(msgspec.json.encode(result), type=ChatCompletion) == result


def test_tool_calls_merge_by_index() -> None:
    chunks = [
        chunk({"role": "assistant"}),
        chunk(tool_fragment(0, id="call_a", type="function", function={"name": "get_weather", "arguments": ""})),
        chunk(tool_fragment(0, function={"arguments": '{"location": "Par'})),
        chunk(tool_fragment(1, id="call_b", type="function", function={"name": "get_time", "arguments": "{}"})),
        chunk(tool_fragment(0, function={"arguments": 'is"}'})),
        chunk({}, "tool_calls"),
    ]
    result = accumulate_chunks(chunks)
    message = result.choices[0].message
    assert message.content is None
    assert message.tool_calls
    calls = [(c.id, c.type, c.function.name, c.function.arguments) for c in message.tool_calls]
    assert calls == [
        ("call_a", "function", "get_weather", '{"location": "Paris"}'),
        ("call_b", "function", "get_time", "{}"),
    ]
    assert result.choices[0].finish_reason == "tool_calls"


def test_later_fragments_do_not_overwrite_id_or_name() -> None:
    chunks = [
        chunk(tool_fragment(0, id="call_a", type="function", function={"name": "f", "arguments": "{"})),
        chunk(tool_fragment(0, id="call_other", function={"name": "g", "arguments": "}"})),
        chunk({}, "tool_calls"),
    ]
    call = accumulate_chunks(chunks).choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.id, call.function.name, call.function.arguments) == ("call_a", "f", "{}")


def test_reasoning_is_concatenated() -> None:
    chunks = [
        chunk({"role": "assistant", "reasoning": "First, "}),
        chunk({"reasoning": "compute 6 * 7."}),
        chunk({"content": "42"}),
        chunk({}, "stop"),
    ]
    message = accumulate_chunks(chunks).choices[0].message
    assert message.reasoning == "First, compute 6 * 7."
    assert message.content == "42"


def test_usage_from_the_include_usage_chunk() -> None:
    chunks = [chunk({"role": "assistant", "content": "Hi"}), chunk({}, "stop"), chunk(None, choices=[], usage=USAGE)]
    result = accumulate_chunks(chunks)
    assert result.usage
    assert result.usage.prompt_tokens == 18
    assert result.choices[0].message.content == "Hi"


def test_no_usage_stays_none() -> None:
    result = accumulate_chunks([chunk({"content": "Hi"}), chunk({}, "length")])
    assert result.usage is None
    assert result.choices[0].finish_reason == "length"
    assert result._request_id is None  # type: ignore[attr-defined]


def test_cut_stream_has_no_finish_reason() -> None:
    result = accumulate_chunks([chunk({"role": "assistant", "content": "Hel"})])
    assert result.choices[0].finish_reason is None
    assert result.choices[0].message.content == "Hel"


def test_unknown_finish_reason_survives() -> None:
    result = accumulate_chunks([chunk({"content": "x"}), chunk({}, "brand_new_reason")])
    assert result.choices[0].finish_reason == "brand_new_reason"


def test_executed_tools_are_kept() -> None:
    tool = {
        "index": 0,
        "type": "search",
        "arguments": '{"query": "weather in Paris"}',
        "output": "Sunny",
    }
    result = accumulate_chunks([chunk({"executed_tools": [tool]}), chunk({"content": "Sunny."}), chunk({}, "stop")])
    executed = result.choices[0].message.executed_tools
    assert executed
    assert len(executed) == 1
    assert msgspec.to_builtins(executed[0])["output"] == "Sunny"


def test_empty_input_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one chunk"):
        accumulate_chunks([])
