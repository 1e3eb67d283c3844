"""Requests: refuse only what the API refuses (issue 7, section 2), checked on the wire of the loopback server.

1. every request body of the real-traffic corpus that Groq answered with 200 passes the client's validation and
   goes out unchanged;
2. the conversation loop: a response message (reasoning, tool calls, executed tools, annotations) appended back
   into ``messages`` as it is, as ``to_dict()`` or as ``model_dump()``; a tool message with ``name``;
3. the official SDK's message param constructors (TypedDicts), used the way its docs use them;
4. what the API refuses is still refused before sending.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastgroq import Groq, RequestValidationError
from fastgroq.testing import MockGroqServer, Reply, chat_completion
from fastgroq.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCallParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionToolParam,
    ChatCompletionUserMessageParam,
)
from fastgroq.types.shared_params import FunctionDefinition

from tests.conftest import ROOT

CORPUS = ROOT.parent / "shared" / "real-traffic" / "corpus.jsonl"
MODEL = "openai/gpt-oss-120b"


def _served_requests() -> list[tuple[str, dict[str, Any]]]:
    if not CORPUS.exists():
        return []
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        (f"{i}:{r['source'].rsplit('/', 1)[-1]}", r["request"])
        for i, r in enumerate(records)
        if r["status"] == 200 and isinstance(r.get("request"), dict)
    ]


SERVED = _served_requests()


@pytest.mark.sync_only
@pytest.mark.skipif(not CORPUS.exists(), reason=f"the real-traffic corpus is not at {CORPUS}")
def test_the_corpus_has_the_served_requests() -> None:
    assert len(SERVED) >= 100


@pytest.mark.parametrize("request_body", [r for _, r in SERVED], ids=[i for i, _ in SERVED])
def test_every_request_groq_served_passes_validation_and_goes_out_unchanged(
    server: MockGroqServer, client: Groq, request_body: dict[str, Any]
) -> None:
    result = client.chat.completions.create(**request_body)
    if request_body.get("stream"):
        list(result)
    assert server.requests[-1].json() == request_body


# --------------------------------------------------------------------------------------------------------------
# The conversation loop
# --------------------------------------------------------------------------------------------------------------

TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
EXECUTED = {
    "index": 0,
    "type": "search",
    "arguments": '{"query": "Paris weather"}',
    "output": "Sunny",
    "search_results": {"results": [{"title": "Paris", "url": "https://weather.example/paris", "score": 0.9}]},
}
ANNOTATION = {"type": "function_citation", "function_citation": {"start_index": 0, "end_index": 5, "tool_call_id": "c"}}


def _rich_completion() -> dict[str, Any]:
    body = chat_completion(None, model=MODEL, tool_calls=[TOOL_CALL], finish_reason="tool_calls")
    message = body["choices"][0]["message"]
    message.update(reasoning="The user wants the weather.", executed_tools=[EXECUTED], annotations=[ANNOTATION])
    return body


def _second_turn(server: MockGroqServer, client: Groq, append: Any) -> list[Any]:
    server.enqueue(Reply.json(_rich_completion()))
    messages: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]
    completion = client.chat.completions.create(model=MODEL, messages=messages, tools=[_weather_tool()])
    message = completion.choices[0].message
    messages.append(append(message))
    for call in message.tool_calls or []:
        # Groq's tool-use documentation: the tool message carries the function's name.
        messages.append({"tool_call_id": call.id, "role": "tool", "name": call.function.name, "content": "Sunny"})
    client.chat.completions.create(model=MODEL, messages=messages, tools=[_weather_tool()])
    sent: list[Any] = server.requests[-1].json()["messages"]
    return sent


def _weather_tool() -> dict[str, Any]:
    return {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def test_the_response_message_goes_back_as_it_is(server: MockGroqServer, client: Groq) -> None:
    sent = _second_turn(server, client, lambda message: message)
    expected = {k: v for k, v in _rich_completion()["choices"][0]["message"].items() if v is not None}
    assert sent[1] == expected  # its null content is a None field: not sent
    assert sent[2] == {"tool_call_id": "call_1", "role": "tool", "name": "get_weather", "content": "Sunny"}


def test_the_response_message_goes_back_as_to_dict(server: MockGroqServer, client: Groq) -> None:
    sent = _second_turn(server, client, lambda message: message.to_dict())
    assert sent[1] == {k: v for k, v in _rich_completion()["choices"][0]["message"].items() if v is not None}


def test_the_response_message_goes_back_as_model_dump_with_its_nulls(server: MockGroqServer, client: Groq) -> None:
    sent = _second_turn(server, client, lambda message: message.model_dump())
    assert sent[1]["content"] is None and sent[1]["function_call"] is None  # sent as given: null
    assert sent[1]["reasoning"] == "The user wants the weather."
    assert sent[1]["executed_tools"][0]["search_results"]["results"][0]["title"] == "Paris"
    assert sent[1]["tool_calls"] == [TOOL_CALL]


def test_an_assistant_message_with_a_channel(server: MockGroqServer, client: Groq) -> None:
    history = {"role": "assistant", "content": "Hi", "channel": "final", "reasoning": None}
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}, history])
    assert server.requests[-1].json()["messages"][1] == history


# --------------------------------------------------------------------------------------------------------------
# The official SDK's param constructors (TypedDicts)
# --------------------------------------------------------------------------------------------------------------


def test_the_official_param_constructors_build_what_goes_on_the_wire(server: MockGroqServer, client: Groq) -> None:
    messages: list[ChatCompletionMessageParam] = [
        ChatCompletionSystemMessageParam(role="system", content="You are terse."),
        ChatCompletionUserMessageParam(role="user", content="Weather in Paris?", name="ada"),
        ChatCompletionAssistantMessageParam(
            role="assistant",
            content=None,
            tool_calls=[
                ChatCompletionMessageToolCallParam(
                    id="call_1", type="function", function={"name": "get_weather", "arguments": "{}"}
                )
            ],
        ),
        ChatCompletionToolMessageParam(role="tool", tool_call_id="call_1", content="Sunny"),
    ]
    tool = ChatCompletionToolParam(
        type="function", function=FunctionDefinition(name="get_weather", parameters={"type": "object"})
    )
    assert isinstance(messages[0], dict) and messages[1]["content"] == "Weather in Paris?"
    client.chat.completions.create(model=MODEL, messages=messages, tools=[tool])
    body = server.requests[-1].json()
    assert body["messages"] == messages
    assert body["tools"] == [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    ]


# --------------------------------------------------------------------------------------------------------------
# Still refused before sending
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        {"role": "assistant", "content": "x", "reasoning_content": "not a Groq field"},
        {"role": "tool", "content": "x"},  # no tool_call_id
        {"role": "user", "content": "x", "tool_calls": []},
        {"role": "critic", "content": "x"},
    ],
    ids=["unknown-assistant-key", "tool-without-id", "user-with-tool-calls", "unknown-role"],
)
def test_what_the_api_refuses_is_refused_before_sending(
    server: MockGroqServer, client: Groq, message: dict[str, Any]
) -> None:
    with pytest.raises(RequestValidationError, match=r"messages\[0\]"):
        client.chat.completions.create(model=MODEL, messages=[message])
    assert server.requests == []
