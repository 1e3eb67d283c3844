"""tests/official_sdk_code.py (code written for the official SDK) run against the loopback server.

`make typecheck` checks the same module with `mypy --strict`; here it must also behave: the last chunk of
every stream has no content (``delta.content is None``, not a sentinel), a tool-call-only message has
``content is None``, and the serialisation methods give what the official SDK's give.
"""

from __future__ import annotations

import json

import pytest
from fastgroq import Groq
from fastgroq.testing import MockGroqServer, Reply, chat_completion, chat_completion_chunks, models_list

from tests import official_sdk_code as user

# Code written for the official sync client, as its users write it: about Groq alone.
pytestmark = pytest.mark.sync_only


def test_stream_loop_with_is_not_none_check(server: MockGroqServer, client: Groq) -> None:
    chunks = chat_completion_chunks(["Hel", "lo"], include_usage_chunk=True)
    assert chunks[-2]["choices"][0]["delta"] == {}  # the last delta is empty: content is absent
    server.enqueue(Reply.sse(chunks))
    assert user.stream_text(client, "hi") == "Hello"


def test_stream_loop_with_or_empty_string(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"], include_usage_chunk=True)))
    assert user.stream_text_or_empty(client, "hi") == "Hello"


def test_content_or_empty_string_and_none_check(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("Hi there ")))
    assert user.complete(client, "hi") == "Hi there "
    server.enqueue(Reply.json(chat_completion(None)))
    assert user.complete(client, "hi") == ""
    absent = chat_completion(None)
    del absent["choices"][0]["message"]["content"]
    server.enqueue(Reply.json(absent))
    assert user.content_or_fallback(client, "hi") == "(no content)"


def test_tool_calls_loop(server: MockGroqServer, client: Groq) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    server.enqueue(Reply.json(chat_completion(None, tool_calls=[call], finish_reason="tool_calls")))
    assert user.tool_arguments(client, "weather?") == [{"id": "call_1", "name": "get_weather", "city": "Paris"}]
    server.enqueue(Reply.json(chat_completion("no tools needed")))
    assert user.tool_arguments(client, "weather?") == []


def test_usage_none_check_and_optional_timing(server: MockGroqServer, client: Groq) -> None:
    body = chat_completion("x", prompt_tokens=7, completion_tokens=3)
    server.enqueue(Reply.json(body))
    assert user.token_counts(client, "hi") == (7, 10, pytest.approx(body["usage"]["total_time"]))  # type: ignore[comparison-overlap]
    del body["usage"]
    server.enqueue(Reply.json(body))
    assert user.token_counts(client, "hi") == (0, 0, None)


def test_finish_reason_is_a_string_and_reasoning_is_none_when_absent(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("x", finish_reason="length")))
    reason, reasoning = user.finish_reason_and_reasoning(client, "hi")
    assert reason == "length" and reasoning is None


def test_to_dict_to_json_and_model_dump_as_the_official_sdk_gives_them(server: MockGroqServer, client: Groq) -> None:
    body = chat_completion("Hi")
    body["choices"][0]["logprobs"] = None  # sent as null: the official to_dict() would keep it, see README
    server.enqueue(Reply.json(body))
    as_dict, as_json, dumped, dumped_json = user.serialized(client, "hi")
    without_null_logprobs = {**body, "choices": [{k: v for k, v in body["choices"][0].items() if k != "logprobs"}]}
    assert as_dict == without_null_logprobs
    assert json.loads(as_json) == without_null_logprobs
    assert as_json.startswith('{\n  "')  # indent=2 by default, as the official to_json()
    assert dumped == without_null_logprobs
    assert json.loads(dumped_json) == without_null_logprobs


def test_models_list(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(models_list(["a", "b"])))
    assert user.model_ids(client) == ["a", "b"]


def test_code_annotated_with_the_official_module_paths(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("Hi", prompt_tokens=5, completion_tokens=1)))
    server.enqueue(Reply.sse(chat_completion_chunks(["a", "b"])))
    assert user.typed_roundtrip(client, "hi") == ("Hi", 6, ["a", "b"])
    server.enqueue(Reply.json(models_list(["m1"])))
    (model,) = client.models.list().data
    assert user.describe(model) == f"m1 ({model.owned_by}, {model.created})"


def test_tool_loop_with_the_official_message_params(server: MockGroqServer, client: Groq) -> None:
    call = {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
    server.enqueue(Reply.json(chat_completion(None, tool_calls=[call], finish_reason="tool_calls")))
    server.enqueue(Reply.json(chat_completion("Sunny in Oslo.")))
    answer, messages = user.tool_loop(client, "Weather in Oslo?")
    assert answer == "Sunny in Oslo."
    sent = server.requests[-1].json()["messages"]
    assert sent == messages  # the TypedDicts are the dicts that went on the wire
    assert sent[2] == {"role": "assistant", "content": None, "tool_calls": [call]}
    assert sent[3] == {"role": "tool", "tool_call_id": "call_9", "content": user.get_weather("Oslo")}
