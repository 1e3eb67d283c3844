"""Every response recorded from the live Groq API, replayed over loopback, decodes with nothing lost.

``../shared/real-traffic/corpus.jsonl`` (read where it is, never copied here) holds 134 responses other
projects recorded from api.groq.com: completions, SSE streams (tool calls, reasoning, compound tools, errors
mid-stream) and error bodies, with their status and headers. Each one is served as recorded by
``fastgroq.testing.MockGroqServer`` and read through the client, which must:

* decode every key and value of the raw JSON onto the typed result (no silent loss), with no repair (the
  schema models what the API sends);
* fold a stream into the same content, reasoning, tool-call arguments and usage as a plain fold of the raw
  events written here;
* raise the official SDK's exception class for a recorded error, with the server's message and code; for
  an error inside a stream, ``StreamError`` after every chunk before it.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastgroq
import msgspec
import pytest
from fastgroq import APIStatusError, Groq, StreamError
from fastgroq.testing import MockGroqServer, Reply

from tests.client_helpers import ClientPerKind, make_client

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "real-traffic" / "corpus.jsonl"
RECORDINGS: list[dict[str, Any]] = (
    [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if CORPUS.exists()
    else []
)
# Framing is the server's business: the mock sets its own, the body is served decoded.
FRAMING_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection"}
# The official SDK's classes for the statuses (its _exceptions.py); anything else is APIStatusError.
STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: fastgroq.BadRequestError,
    401: fastgroq.AuthenticationError,
    403: fastgroq.PermissionDeniedError,
    404: fastgroq.NotFoundError,
    409: fastgroq.ConflictError,
    422: fastgroq.UnprocessableEntityError,
    429: fastgroq.RateLimitError,
}


def recording_id(index: int, record: dict[str, Any]) -> str:
    name = record["source"].rsplit("/", 1)[-1].rsplit(".", 1)[0][:40]
    return f"{index:03d}-{record['kind']}-{record['status']}-{name}"


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[MockGroqServer, Groq]]:
    with MockGroqServer() as server:
        clients = ClientPerKind(lambda: make_client(server))
        yield server, clients.as_client()
        clients.close()
        assert not server.errors, server.errors


@pytest.mark.sync_only
def test_the_whole_corpus_is_here() -> None:
    if not CORPUS.exists():
        pytest.skip(f"the real-traffic corpus is not at {CORPUS}")
    assert len(RECORDINGS) == 134
    assert {r["kind"] for r in RECORDINGS} == {"json", "sse", "error"}


# --- a plain reading of the raw bytes, written independently of the client ----------------------------------


def raw_events(body: str) -> list[tuple[str, Any]]:
    """(event name, decoded data) of each SSE event, up to ``[DONE]``."""
    events: list[tuple[str, Any]] = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if not data:
            continue
        text = "\n".join(data)
        if text == "[DONE]":
            break
        events.append((name, json.loads(text)))
    return events


def reference_fold(events: list[dict[str, Any]]) -> tuple[dict[int, dict[str, Any]], Any]:
    """Per choice index: content, reasoning and tool calls (id, name, joined arguments); and the last usage."""
    choices: dict[int, dict[str, Any]] = {}
    usage = None
    for event in events:
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            state = choices.setdefault(choice["index"], {"content": "", "reasoning": "", "tool_calls": {}})
            state["content"] += delta.get("content") or ""
            state["reasoning"] += delta.get("reasoning") or ""
            for fragment in delta.get("tool_calls") or []:
                call = state["tool_calls"].setdefault(fragment["index"], {"id": None, "name": None, "arguments": ""})
                function = fragment.get("function") or {}
                call["id"] = call["id"] or fragment.get("id")
                call["name"] = call["name"] or function.get("name")
                call["arguments"] += function.get("arguments") or ""
        if (event.get("x_groq") or {}).get("usage"):
            usage = event["x_groq"]["usage"]
        if event.get("usage"):
            usage = event["usage"]
    return choices, usage


def client_fold(chunks: list[Any]) -> dict[int, dict[str, Any]]:
    completion = fastgroq.accumulate_chunks(chunks)
    folded: dict[int, dict[str, Any]] = {}
    for choice in completion.choices:
        message = choice.message
        folded[choice.index] = {
            "content": message.content or "",
            "reasoning": message.reasoning or "",
            "tool_calls": {
                i: {"id": call.id, "name": call.function.name, "arguments": call.function.arguments}
                for i, call in enumerate(message.tool_calls or ())
            },
        }
    return folded


@functools.cache
def wire_names(cls: type[msgspec.Struct]) -> dict[str, str]:
    """JSON key -> attribute name of a Struct's fields (msgspec.structs.fields resolves annotations: slow)."""
    return {f.encode_name: f.name for f in msgspec.structs.fields(cls)}


def assert_reachable(raw: Any, obj: Any, path: str = "$") -> None:
    """Every key and value of ``raw`` (decoded JSON) can be read on ``obj`` (the typed result), unchanged."""
    if isinstance(raw, dict):
        if isinstance(obj, msgspec.Struct):
            names = wire_names(type(obj))
            config = obj.__struct_config__
            for key, value in raw.items():
                if key == config.tag_field:
                    assert value == config.tag, f"{path}.{key}: tag {value!r} decoded as {config.tag!r}"
                    continue
                assert key in names, f"{path}.{key} is not on {type(obj).__name__}: the schema drops it"
                assert_reachable(value, getattr(obj, names[key]), f"{path}.{key}")
        else:
            assert isinstance(obj, dict), f"{path}: an object decoded as {type(obj).__name__}"
            assert obj.keys() == raw.keys(), f"{path}: keys {sorted(raw)} decoded as {sorted(obj)}"
            for key, value in raw.items():
                assert_reachable(value, obj[key], f"{path}.{key}")
    elif isinstance(raw, list):
        assert isinstance(obj, list) and len(obj) == len(raw), f"{path}: an array of {len(raw)} decoded as {obj!r}"
        for i, (value, item) in enumerate(zip(raw, obj, strict=True)):
            assert_reachable(value, item, f"{path}[{i}]")
    elif raw is None:
        assert obj is None, f"{path}: null decoded as {obj!r}"
    elif isinstance(raw, bool):
        assert obj is raw, f"{path}: {raw!r} decoded as {obj!r}"
    else:
        assert not isinstance(obj, bool) and obj == raw, f"{path}: {raw!r} decoded as {obj!r}"
        if isinstance(raw, str):
            assert str(obj) == raw, f"{path}: {raw!r} reads as {str(obj)!r}"


def typed_error(err: Exception) -> Any:
    """The decoded error object of an exception (``e.error``, or ``e.body`` where it still holds it)."""
    for name in ("error", "body"):
        value = getattr(err, name, None)
        if isinstance(value, msgspec.Struct):
            return value
    raise AssertionError(f"{type(err).__name__} carries no typed error object")


def replay(server: MockGroqServer, record: dict[str, Any]) -> None:
    headers = {k: v for k, v in record["headers"].items() if k.lower() not in FRAMING_HEADERS}
    body = record["body"].encode("utf-8")
    if record["kind"] == "sse":
        server.enqueue(Reply.sse_raw(body, status=record["status"], headers=headers))
    else:
        server.enqueue(Reply.raw(body, status=record["status"], content_type=None, headers=headers))


def request_for(record: dict[str, Any]) -> dict[str, Any]:
    # The recorded request is not resent (one was refused by the API itself): the response is under test.
    model = (record.get("request") or {}).get("model") or "llama-3.3-70b-versatile"
    return {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": record["kind"] == "sse"}


# --- the replay -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(RECORDINGS)), ids=[recording_id(i, r) for i, r in enumerate(RECORDINGS)])
def test_recorded_response(loopback: tuple[MockGroqServer, Groq], index: int, caplog: pytest.LogCaptureFixture) -> None:
    server, client = loopback
    record = RECORDINGS[index]
    caplog.set_level(logging.WARNING, logger="fastgroq")
    replay(server, record)
    if record["kind"] == "json":
        check_completion(client, record)
    elif record["kind"] == "sse":
        check_stream(client, record)
    else:
        check_error(client, record)
    assert not [r for r in caplog.records if r.name == "fastgroq"], "a recorded response needed a repair"


def check_completion(client: Groq, record: dict[str, Any]) -> None:
    raw = json.loads(record["body"])
    completion = client.chat.completions.create(**request_for(record))
    assert fastgroq.repairs(completion) == ()
    assert_reachable(raw, completion)
    expected_id = record["headers"].get("x-request-id") or (raw.get("x_groq") or {}).get("id")
    assert completion._request_id == expected_id


def check_stream(client: Groq, record: dict[str, Any]) -> None:
    events = raw_events(record["body"])
    error_at = next((i for i, (name, data) in enumerate(events) if name == "error" or "error" in data), None)
    chunk_events = [data for _, data in events[:error_at]]
    stream = client.chat.completions.create(**request_for(record))
    chunks: list[Any] = []
    with stream:
        if error_at is None:
            chunks.extend(stream)
        else:
            with pytest.raises(StreamError) as info:
                chunks.extend(stream)
            raw_error = events[error_at][1]["error"]
            err = info.value
            assert err.message == raw_error["message"]
            assert err.code == raw_error.get("code")
            assert err.event_index == error_at
            assert_reachable(raw_error, typed_error(err))
    assert stream.repairs == ()
    assert len(chunks) == len(chunk_events)
    for i, (data, chunk) in enumerate(zip(chunk_events, chunks, strict=True)):
        assert_reachable(data, chunk, f"event {i}: $")
    folded, usage = reference_fold(chunk_events)
    assert client_fold(chunks) == folded
    if usage is None:
        assert stream.usage is None
    else:
        assert_reachable(usage, stream.usage)
    first_id = next((e["x_groq"]["id"] for e in chunk_events if (e.get("x_groq") or {}).get("id")), None)
    assert stream.request_id == (record["headers"].get("x-request-id") or first_id)


def check_error(client: Groq, record: dict[str, Any]) -> None:
    raw = json.loads(record["body"])
    expected = STATUS_CLASSES.get(record["status"], APIStatusError)
    with pytest.raises(APIStatusError) as info:
        client.chat.completions.create(**request_for(record))
    err = info.value
    assert type(err) is expected, f"{record['status']} raised {type(err).__name__}, not {expected.__name__}"
    assert err.status_code == record["status"]
    assert err.message == raw["error"]["message"]
    assert err.code == raw["error"].get("code")
    assert_reachable(raw["error"], typed_error(err))
    if isinstance(err.body, dict):  # the decoded JSON body, as the official SDK gives it
        assert err.body == raw
    assert err.request_id == record["headers"].get("x-request-id")
