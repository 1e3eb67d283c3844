"""End-to-end tests of request building and response decoding against a real loopback server."""

from __future__ import annotations

from typing import Any, cast

import fastgroq
import msgspec
import pytest
from fastgroq import ChatCompletion, ChatCompletionRequest, Groq, RequestValidationError
from fastgroq.testing import MockGroqServer, Reply, chat_completion, model_object, models_list
from fastgroq.types import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
    Model,
    ModelListResponse,
)

from tests.client_helpers import MESSAGES, MODEL, create, is_raw_response, is_stream

SCOUT = "meta-llama/llama-4-scout-17b-16e-instruct"


# --- create() --------------------------------------------------------------------------------------------


def test_create_returns_chat_completion_with_request_id(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("Hi there", request_id="req_body"), headers={"x-request-id": "req_hdr"}))
    result = client.chat.completions.create(model=MODEL, messages=MESSAGES, temperature=0.5)
    assert isinstance(result, ChatCompletion)
    assert result.choices[0].message.content == "Hi there"
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    assert cast(Any, result)._request_id == "req_hdr"
    request = server.requests[0]
    assert request.method == "POST"
    assert request.path == "/openai/v1/chat/completions"
    assert request.json() == {"model": MODEL, "messages": MESSAGES, "temperature": 0.5}


def test_request_id_falls_back_to_x_groq_id(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion(request_id="req_from_body")))
    assert create(client)._request_id == "req_from_body"


def test_messages_as_structs_and_dicts_send_identical_json(server: MockGroqServer, client: Groq) -> None:
    as_dicts: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi", "name": "ann"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": [{"type": "text", "text": "and you?"}]},
    ]
    as_structs = [
        ChatCompletionSystemMessageParam(content="Be brief."),
        ChatCompletionUserMessageParam(content="Hi", name="ann"),
        ChatCompletionAssistantMessageParam(content="Hello!"),
        ChatCompletionUserMessageParam(content=[fastgroq.types.ChatCompletionContentPartTextParam(text="and you?")]),
    ]
    create(client, messages=as_dicts)
    create(client, messages=as_structs)
    first, second = server.requests
    assert first.json() == second.json()
    assert first.json()["messages"] == as_dicts
    assert first.body == second.body


def test_unset_fields_are_never_sent(server: MockGroqServer, client: Groq) -> None:
    create(client)
    create(client, max_completion_tokens=10, stop="END", seed=7)
    bare, some = server.requests
    assert set(bare.json()) == {"model", "messages"}
    assert bare.json()["messages"] == [{"role": "user", "content": "Hello"}]
    assert set(some.json()) == {"model", "messages", "max_completion_tokens", "stop", "seed"}
    assert some.json()["stop"] == "END"


def test_explicit_none_is_sent_as_null(server: MockGroqServer, client: Groq) -> None:
    create(client, temperature=None, tool_choice=None)
    body = server.requests[0].json()
    assert set(body) == {"model", "messages", "temperature", "tool_choice"}
    assert body["temperature"] is None and body["tool_choice"] is None
    assert b'"temperature":null' in server.requests[0].body


def test_prebuilt_request_accepted(server: MockGroqServer, client: Groq) -> None:
    request = ChatCompletionRequest(
        model=MODEL, messages=[ChatCompletionUserMessageParam(content="Hello")], top_p=0.9, user="u-1"
    )
    result = client.chat.completions.create(request, extra_headers={"X-Extra": "1"})
    assert isinstance(result, ChatCompletion)
    sent = server.requests[0]
    assert sent.json() == {"model": MODEL, "messages": MESSAGES, "top_p": 0.9, "user": "u-1"}
    assert sent.headers["X-Extra"] == "1"


def test_prebuilt_streaming_request_returns_stream(server: MockGroqServer, client: Groq) -> None:
    request = ChatCompletionRequest(model=MODEL, messages=[ChatCompletionUserMessageParam(content="Hi")], stream=True)
    with cast("fastgroq.Stream[Any]", client.chat.completions.create(request)) as stream:
        assert is_stream(stream)
        assert all(isinstance(c, fastgroq.ChatCompletionChunk) for c in stream)


def test_request_and_keywords_together_raise_type_error(server: MockGroqServer, client: Groq) -> None:
    request = ChatCompletionRequest(model=MODEL, messages=[ChatCompletionUserMessageParam(content="Hello")])
    with pytest.raises(TypeError, match="not both"):
        client.chat.completions.create(request, temperature=0.2)  # type: ignore[call-overload]
    assert server.requests == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"temperature": 3}, "temperature"),
        ({"n": 2}, "n"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"messages": [{"role": "user", "content": "hi", "bogus": 1}]}, "bogus"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "role"),
        ({"messages": []}, "messages"),
        ({"top_p": -0.1}, "top_p"),
        ({"unknown_option": 1}, "unknown_option"),
    ],
    ids=["temperature-3", "n-2", "5-stop-strings", "unknown-message-key", "bad-role", "empty-messages", "top_p", "kw"],
)
def test_constraint_violations_raise_before_sending(
    server: MockGroqServer, client: Groq, params: dict[str, Any], field: str
) -> None:
    if field == "unknown_option":
        # Not a keyword of create(): refused with a TypeError, as Python refuses an unknown keyword.
        with pytest.raises(TypeError, match="unknown_option"):
            create(client, **params)
    else:
        with pytest.raises(RequestValidationError) as info:
            create(client, **params)
        assert field in str(info.value)
        assert isinstance(info.value, ValueError)
        if field not in ("bogus", "role"):
            assert info.value.path is not None and field in info.value.path
    assert server.requests == []


def test_prebuilt_invalid_request_rejected_before_sending(server: MockGroqServer, client: Groq) -> None:
    # Struct constructors do not validate; create() must.
    request = ChatCompletionRequest(model=MODEL, messages=[ChatCompletionUserMessageParam(content="Hi")], temperature=9)
    with pytest.raises(RequestValidationError, match="temperature"):
        client.chat.completions.create(request)
    assert server.requests == []


def test_unencodable_value_is_request_validation_error(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(RequestValidationError):
        create(client, metadata={"k": object()})
    assert server.requests == []


# --- models ----------------------------------------------------------------------------------------------


def test_models_list(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(models_list([MODEL, SCOUT]), headers={"x-request-id": "req_models"}))
    result = client.models.list()
    assert isinstance(result, ModelListResponse)
    assert [m.id for m in result.data] == [MODEL, SCOUT]
    assert all(isinstance(m, Model) for m in result.data)
    assert cast(Any, result)._request_id == "req_models"
    request = server.requests[0]
    assert (request.method, request.path, request.body) == ("GET", "/openai/v1/models", b"")


def test_models_retrieve_with_slash_in_id(server: MockGroqServer, client: Groq) -> None:
    """The id is percent-encoded as one path segment (``/`` -> ``%2F``), as the official SDK 1.7.0's
    ``path_template`` does: ``GET /openai/v1/models/meta-llama%2Fllama-4-scout-17b-16e-instruct``."""
    server.enqueue(Reply.json(models_list([SCOUT])["data"][0]))
    result = client.models.retrieve(SCOUT)
    assert isinstance(result, Model)
    assert result.id == SCOUT
    request = server.requests[0]
    assert request.method == "GET"
    assert request.target == "/openai/v1/models/meta-llama%2Fllama-4-scout-17b-16e-instruct"


def test_models_retrieve_plain_id(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(models_list([MODEL])["data"][0]))
    assert client.models.retrieve(MODEL).id == MODEL
    assert server.requests[0].target == f"/openai/v1/models/{MODEL}"


@pytest.mark.parametrize("model", ["", ".", ".."])
def test_models_retrieve_empty_or_dot_segment_id_is_an_error(server: MockGroqServer, client: Groq, model: str) -> None:
    # A dot-segment survives percent-encoding and would address another endpoint with the caller's key.
    with pytest.raises(fastgroq.RequestValidationError, match="path parameter 'model'") as info:
        client.models.retrieve(model)
    # A ValueError, as the official SDK raises for an empty path parameter, and nothing was sent.
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError, match="path parameter 'model'"):
        client.models.with_raw_response.retrieve(model)
    assert server.requests == []


def test_models_retrieve_empty_id_says_non_empty(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(ValueError, match="expected a non-empty value for path parameter 'model'"):
        client.models.retrieve("")
    assert server.requests == []


# --- with_raw_response -----------------------------------------------------------------------------------

RATE_HEADERS = {
    "x-request-id": "req_raw",
    "x-groq-region": "us-east-1",
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-requests": "14399",
    "x-ratelimit-remaining-tokens": "5970",
    "x-ratelimit-reset-requests": "2m59.56s",
    "x-ratelimit-reset-tokens": "7.66s",
    "retry-after": "3",
}


def test_with_raw_response(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion("raw!"), headers=RATE_HEADERS))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert is_raw_response(raw)
    assert raw.status_code == 200
    assert raw.headers["X-Groq-Region"] == "us-east-1"
    assert raw.headers["content-type"] == "application/json"
    assert raw.request_id == "req_raw"
    assert raw.method == "POST"
    assert raw.url == server.base_url + "/chat/completions"
    limits = raw.rate_limits
    assert limits.limit_requests == 14400
    assert limits.limit_tokens == 6000
    assert limits.remaining_requests == 14399
    assert limits.remaining_tokens == 5970
    assert limits.reset_requests == pytest.approx(179.56)
    assert limits.reset_tokens == pytest.approx(7.66)
    assert limits.retry_after == pytest.approx(3.0)
    parsed = raw.parse()
    assert isinstance(parsed, ChatCompletion)
    assert parsed.choices[0].message.content == "raw!"
    assert cast(Any, parsed)._request_id == "req_raw"
    assert raw.parse() is parsed
    assert len(server.requests) == 1
    assert raw.content is not None
    assert msgspec.json.decode(raw.content)["choices"][0]["message"]["content"] == "raw!"


def test_with_raw_response_retry_after_ms_and_missing_headers(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(chat_completion(request_id="req_in_body"), headers={"retry-after-ms": "1500"}))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert raw.rate_limits.retry_after == pytest.approx(1.5)
    assert raw.rate_limits.limit_requests is None and raw.rate_limits.reset_tokens is None
    raw.parse()
    assert raw.request_id == "req_in_body"


def test_with_raw_response_models(server: MockGroqServer, client: Groq) -> None:
    raw = client.models.with_raw_response.list()
    assert raw.status_code == 200
    assert raw.request_id is not None and raw.request_id.startswith("req_")
    assert isinstance(raw.parse(), ModelListResponse)
    server.enqueue(Reply.json(models_list([SCOUT])["data"][0]))
    assert client.models.with_raw_response.retrieve(SCOUT).parse().id == SCOUT
    assert len(server.requests) == 2


def test_with_raw_response_invalid_body_raises_on_parse(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw(b"{}", content_type="application/json"))
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert raw.status_code == 200
    with pytest.raises(fastgroq.APIResponseValidationError):
        raw.parse()


@pytest.mark.parametrize(
    "value",
    ["ft:llama-3.1-8b-instant:org:my-model", "meta-llama/llama-4", "a b?c#d%e", "user@host;x=1,y", "ümlaut", "a.b"],
)
def test_path_parameters_are_encoded_as_the_official_sdk_encodes_them(
    server: MockGroqServer, client: Groq, value: str
) -> None:
    """RFC 3986's segment characters (``:``, ``@``, sub-delims) stay; ``/``, ``?``, ``#``, ``%``, spaces and
    non-ASCII are percent-encoded: ``groq._utils.path_template`` of groq 1.7.0 gives the same path."""
    official = pytest.importorskip("groq._utils")
    server.enqueue(Reply.json(model_object(value)))
    client.models.retrieve(value)
    assert server.last_request.target == official.path_template("/openai/v1/models/{model}", model=value)


def test_fine_tunings_get_is_retrieve_as_groqs_documentation_calls_it(server: MockGroqServer, client: Groq) -> None:
    created = client.fine_tunings.create(name="n", base_model="llama-3.1-8b-instant", input_file_id="f", type="lora")
    assert created.id is not None
    assert client.fine_tunings.get(id=created.id) == client.fine_tunings.retrieve(created.id)
    assert client.fine_tunings.with_raw_response.get(created.id).parse() == client.fine_tunings.get(created.id)
    assert client.fine_tunings.__class__.get is client.fine_tunings.__class__.retrieve  # a SyncView's too
