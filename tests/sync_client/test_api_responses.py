"""``responses.create`` (POST /responses, Groq's OpenAI-compatible Responses API), end to end against the loopback
server: the JSON answer and the stream of typed events, with every chat rule: a strict request validated before
sending, a tolerant answer (repairs), typed errors with request ids (in the stream too), truncation detected,
retries, timeouts, raw and streaming responses, with_options.
"""

from __future__ import annotations

from typing import Any

import fastgroq
import msgspec
import pytest
from fastgroq import Groq, RequestValidationError
from fastgroq.testing import MockGroqServer, Reply, response_events, response_object, sse_event
from fastgroq.types import (
    Response,
    ResponseCompletedEvent,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
)

from tests.client_helpers import is_stream, make_client

MODEL = "openai/gpt-oss-20b"
FAST = {"retry-after-ms": "1"}


def text_of(response: Response) -> str:
    return "".join(c.text for item in response.output if isinstance(item, ResponseOutputMessage) for c in item.content)


# --- the JSON answer ----------------------------------------------------------------------------------------------


def test_a_response_is_typed_and_only_what_was_set_is_sent(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(response_object("Hi!", model=MODEL), headers={"x-request-id": "req_r"}))
    response = client.responses.create(model=MODEL, input="Tell me a fun fact about the moon", temperature=0.2)
    assert isinstance(response, Response)
    assert (response.status, response.model, text_of(response)) == ("completed", MODEL, "Hi!")
    assert response.usage is not None and response.usage.total_tokens > 0
    assert response._request_id == "req_r"  # type: ignore[attr-defined]
    request = server.last_request
    assert (request.method, request.path) == ("POST", "/openai/v1/responses")
    assert request.json() == {"model": MODEL, "input": "Tell me a fun fact about the moon", "temperature": 0.2}


def test_input_items_tools_and_structured_output(server: MockGroqServer, client: Groq) -> None:
    call = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    server.enqueue(Reply.json(response_object(None, model=MODEL, reasoning="Think.", function_call=call)))
    items: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": '{"temp": 21}'},
    ]
    response = client.responses.create(
        model=MODEL,
        input=items,
        instructions="Answer in French.",
        tools=[{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        text={"format": {"type": "json_schema", "name": "weather", "schema": {"type": "object"}, "strict": True}},
        reasoning={"effort": "low"},
        max_output_tokens=100,
        metadata={"job": "7"},
    )
    reasoning, function_call = response.output
    assert isinstance(reasoning, ResponseReasoningItem) and reasoning.content and reasoning.content[0].text == "Think."
    assert isinstance(function_call, ResponseFunctionToolCall)
    assert (function_call.name, function_call.arguments) == ("get_weather", '{"city": "Paris"}')
    sent = server.last_request.json()
    assert sent["input"] == items and sent["tool_choice"]["function"] == {"name": "get_weather"}


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"temperature": 3}, "$.temperature"),
        ({"top_p": -1}, "$.top_p"),
        ({"input": [{"role": "user", "content": "x", "mood": "happy"}]}, "$.input[0]"),
        ({"input": [{"role": "robot", "content": "x"}]}, "$.input[0].role"),
        ({"tool_choice": "sometimes"}, "$.tool_choice"),
        ({"text": {"format": {"type": "yaml"}}}, "$.text.format"),
        ({"truncation": "middle"}, "$.truncation"),
        ({"tools": [{"type": "web_search", "name": "s"}] * 1}, "$.tools[0].type"),
    ],
)
def test_requests_the_api_refuses_are_refused_before_sending(
    server: MockGroqServer, client: Groq, params: dict[str, Any], where: str
) -> None:
    arguments: dict[str, Any] = {"model": MODEL, "input": "x", **params}
    with pytest.raises(RequestValidationError) as info:
        client.responses.create(**arguments)
    assert (info.value.path or "").startswith(where), info.value
    assert server.requests == []


def test_errors_retries_raw_and_repairs(server: MockGroqServer) -> None:
    with make_client(server, max_retries=1) as client:
        server.enqueue(
            Reply.error(404, "The model `x` does not exist", code="model_not_found", headers={"x-request-id": "r1"})
        )
        with pytest.raises(fastgroq.NotFoundError) as info:
            client.responses.create(model="x", input="hi")
        assert (info.value.code, info.value.request_id) == ("model_not_found", "r1")
        bad = response_object("ok")
        bad["usage"]["total_tokens"] = "many"
        server.enqueue(Reply.error(503, "busy", headers=FAST), Reply.json(bad))
        response = client.responses.create(model=MODEL, input="hi")
        assert [r.path for r in fastgroq.repairs(response)] == ["$.usage.total_tokens"]
        raw = client.responses.with_raw_response.create(model=MODEL, input="hi")
        assert raw.status_code == 200 and isinstance(raw.parse(), Response)
        with client.with_streaming_response.responses.create(model=MODEL, input="hi") as streamed:
            assert streamed.json()["object"] == "response"
        server.enqueue(Reply.json({"not": "a response"}))
        with pytest.raises(fastgroq.APIResponseValidationError):
            client.responses.create(model=MODEL, input="hi")  # no `output`: the envelope
        server.enqueue(Reply.json(response_object()).delayed(1.0))
        with pytest.raises(fastgroq.APITimeoutError):
            client.with_options(timeout=0.05, max_retries=0).responses.create(model=MODEL, input="hi")


# --- the stream ---------------------------------------------------------------------------------------------------


def test_a_stream_of_typed_events(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(response_events(["Hel", "lo"]), named=True, done=False, headers={"x-request-id": "req_s"}))
    stream = client.responses.create(model=MODEL, input="hi", stream=True)
    assert is_stream(stream)
    with stream:
        events: list[ResponseStreamEvent] = list(stream)
    assert [e.type for e in events][:2] == ["response.created", "response.in_progress"]
    assert [e.delta for e in events if isinstance(e, ResponseTextDeltaEvent)] == ["Hel", "lo"]
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert stream.request_id == "req_s" and stream.usage == events[-1].response.usage
    assert stream.closed and stream.repairs == ()
    assert server.last_request.json()["stream"] is True
    assert server.last_request.headers["Accept"] == "text/event-stream"


def test_iter_text_and_get_final_response(server: MockGroqServer, client: Groq) -> None:
    stream = client.responses.create(model=MODEL, input="hi", stream=True)
    assert "".join(stream.iter_text()) == "Hello! How can I help you today?"
    final = client.responses.create(model=MODEL, input="hi", stream=True).get_final_response()
    assert isinstance(final, Response) and text_of(final) == "Hello! How can I help you today?"
    assert final._request_id is not None  # type: ignore[attr-defined]
    with pytest.raises(fastgroq.GroqError, match="get_final_response"):
        client.responses.create(model=MODEL, input="hi", stream=True).get_final_completion()


def test_events_arriving_byte_by_byte_read_the_same(server: MockGroqServer, client: Groq) -> None:
    events = response_events(["a", "b", "c"])
    server.enqueue(Reply.sse(events, named=True, done=False, drip=5))
    assert len(list(client.responses.create(model=MODEL, input="hi", stream=True))) == len(events)


def test_an_error_event_raises_a_typed_stream_error(server: MockGroqServer, client: Groq) -> None:
    events = response_events(["a", "b"])
    error = {
        "type": "error",
        "sequence_number": 5,
        "code": "server_error",
        "message": "Model overloaded",
        "param": None,
    }
    server.enqueue(Reply.sse([*events[:5], error, *events[5:]], named=True, done=False, headers={"x-request-id": "q"}))
    seen = []
    with pytest.raises(fastgroq.StreamError) as info:
        for event in client.responses.create(model=MODEL, input="hi", stream=True):
            seen.append(event)
    assert len(seen) == 5
    assert (info.value.message, info.value.code, info.value.request_id) == ("Model overloaded", "server_error", "q")


def test_a_failed_response_raises_and_a_cut_stream_is_incomplete(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(response_events(["a"], status="failed"), named=True, done=False))
    with pytest.raises(fastgroq.StreamError, match="The model failed to respond"):
        list(client.responses.create(model=MODEL, input="hi", stream=True))
    server.enqueue(Reply.sse(response_events(["a", "b"])[:6], named=True, done=False, chunked=False))
    with pytest.raises(fastgroq.IncompleteStreamError):
        list(client.responses.create(model=MODEL, input="hi", stream=True))
    server.enqueue(Reply.sse(response_events(["a", "b"]), named=True, done=False).reset_after(after_events=4))
    with pytest.raises(fastgroq.APIConnectionError):
        list(client.responses.create(model=MODEL, input="hi", stream=True))


def test_unknown_events_are_skipped_and_listed(server: MockGroqServer, client: Groq) -> None:
    events = response_events(["a"])
    events.insert(2, {"type": "response.mcp_call.in_progress", "sequence_number": 2, "item_id": "mcp_1"})
    server.enqueue(Reply.sse([*events, sse_event(comment="keep-alive")], named=True, done=False))
    stream = client.responses.create(model=MODEL, input="hi", stream=True)
    assert len(list(stream)) == len(events) - 1
    assert [r.action for r in fastgroq.repairs(stream)] == ["event skipped"]


def test_the_stream_through_raw_and_streaming_responses(server: MockGroqServer, client: Groq) -> None:
    raw = client.responses.with_raw_response.create(model=MODEL, input="hi", stream=True)
    stream = raw.parse()
    assert "".join(stream.iter_text()) == "Hello! How can I help you today?"
    with client.responses.with_streaming_response.create(model=MODEL, input="hi", stream=True) as response:
        lines = list(response.iter_lines())
    assert lines[0] == "event: response.created" and lines[1].startswith("data: {")
    body = msgspec.json.decode(lines[1].removeprefix("data: "))
    assert body["type"] == "response.created"


def test_event_types_narrow_as_in_openai_code(server: MockGroqServer, client: Groq) -> None:
    """``event.type`` is each event's tag (a class attribute): code written for OpenAI's SDK reads the same."""
    text = ""
    for event in client.responses.create(model=MODEL, input="hi", stream=True):
        if event.type == "response.output_text.delta":
            text += event.delta  # narrowed to ResponseTextDeltaEvent, for mypy too
        elif event.type == "response.completed":
            assert event.response.status == "completed"
    assert text == "Hello! How can I help you today?"
    assert ResponseTextDeltaEvent.type == "response.output_text.delta"
    assert "type" not in [f.name for f in msgspec.structs.fields(ResponseTextDeltaEvent)]  # a tag, not a field
