"""A 2xx response whose body is JSON always gives the typed result: values that do not match are repaired.

The repair (``fastgroq._repair``) runs only after the typed decode failed. These tests check what it does to
each kind of bad value, that it is reported (``fastgroq.repairs``, ``Stream.repairs``, one WARNING per kind),
that the envelope is still enforced, and that the fast path never touches it.
"""

from __future__ import annotations

import enum
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import fastgroq
import msgspec
import pytest
from fastgroq import APIResponseValidationError, ChatCompletion, Groq, Stream
from fastgroq._repair import Repair, Unrepairable, decode_repaired
from fastgroq.testing import MockGroqServer, Reply, chat_completion, chat_completion_chunks, models_list
from hypothesis import given, settings, strategies as st

from tests.client_helpers import create

COMPLETION = msgspec.json.Decoder(ChatCompletion)


@pytest.fixture(autouse=True)
def fresh_log_memory() -> Iterator[None]:
    """Each kind of repair is logged once per process: forget what earlier tests logged."""
    import fastgroq._repair

    fastgroq._repair._logged.clear()
    yield
    fastgroq._repair._logged.clear()


def absent(value: object) -> bool:
    """An optional response field that reads as its default."""
    return value is None


def completion(**changes: Any) -> dict[str, Any]:
    body = chat_completion("Hello there", request_id="req_repair")
    body["usage_breakdown"] = {"models": [{"model": "m", "usage": dict(body["usage"])}]}
    top = [{"token": "Hi", "logprob": -2.5, "bytes": [72, 105]}]
    body["choices"][0]["logprobs"] = {
        "content": [
            {"token": "Hello", "logprob": -0.1, "bytes": [72, 101, 108, 108, 111], "top_logprobs": top},
            {"token": " there", "logprob": -0.2, "bytes": None, "top_logprobs": top},
        ]
    }
    body.update(changes)
    return body


def null_top_logprobs(body: dict[str, Any]) -> dict[str, Any]:
    """The second token's ``top_logprobs`` (a required array) sent as null."""
    body["choices"][0]["logprobs"]["content"][1]["top_logprobs"] = None
    return body


TOP = "$.choices[0].logprobs.content[1].top_logprobs"


def repair(body: dict[str, Any], tp: type = ChatCompletion, envelope: tuple[str, ...] = ("choices",)) -> Any:
    data = msgspec.json.encode(body)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(data, type=tp)  # the fast path refuses it, or this test checks nothing
    return decode_repaired(msgspec.json.Decoder(tp).decode, tp, data, envelope)


# --- what each kind of bad value becomes --------------------------------------------------------------------


def test_null_where_the_schema_says_array_becomes_an_empty_list() -> None:
    result, found = repair(null_top_logprobs(completion()))
    tokens = result.choices[0].logprobs.content
    assert tokens[1].top_logprobs == [] and tokens[1].token == " there"
    assert tokens[0].top_logprobs[0].token == "Hi"
    assert found == [Repair(TOP, "list[TopLogprob]", "null", "set to []")]
    # Everything else came through untouched.
    assert result.choices[0].message.content == "Hello there"
    assert result.usage.total_tokens == 20


def test_string_where_the_schema_says_number_in_a_required_field() -> None:
    body = completion()
    body["usage"]["prompt_tokens"] = "eighteen"
    result, found = repair(body)
    assert result.usage.prompt_tokens == 0
    assert result.usage.completion_tokens == body["usage"]["completion_tokens"]
    [r] = found
    assert (r.path, r.expected, r.got, r.action) == ("$.usage.prompt_tokens", "int", 'string "eighteen"', "set to 0")


def test_object_where_the_schema_says_string_in_an_optional_field_is_dropped() -> None:
    body = completion()
    body["choices"][0]["message"]["content"] = {"text": "hi"}
    result, found = repair(body)
    assert absent(result.choices[0].message.content)
    [r] = found
    assert r.path == "$.choices[0].message.content"
    assert r.expected == "str | None"
    assert r.got == "object with keys text"
    assert r.action == "dropped, reads as None"


def test_wrong_value_of_an_optional_object_is_dropped_and_its_siblings_kept() -> None:
    result, found = repair(completion(x_groq="req_as_a_string"))
    assert absent(result.x_groq)
    assert [r.path for r in found] == ["$.x_groq"]
    assert result.id.startswith("chatcmpl-")


def test_missing_required_fields_get_the_empty_value_of_their_type() -> None:
    body = completion()
    del body["id"], body["created"]
    del body["choices"][0]["message"]["role"]
    result, found = repair(body)
    assert (result.id, result.created, result.choices[0].message.role) == ("", 0, "")
    assert {r.path: r.got for r in found} == {
        "$.choices[0].message.role": "nothing (the field is missing)",
        "$.created": "nothing (the field is missing)",
        "$.id": "nothing (the field is missing)",
    }


def test_an_item_that_cannot_be_repaired_is_removed_from_its_array() -> None:
    good = chat_completion("second")["choices"][0]
    body = completion()
    body["choices"] = [body["choices"][0], 7, {**good, "index": 2}]
    result, found = repair(body)
    assert [c.index for c in result.choices] == [0, 2]
    assert found == [Repair("$.choices[1]", "ChatCompletionChoice", "number 7", "removed from the array")]


def test_several_repairs_in_one_body_are_each_reported() -> None:
    body = null_top_logprobs(completion(created="yesterday"))
    body["choices"][0]["index"] = None
    body["choices"][0]["message"]["tool_calls"] = [{"id": "call_1", "type": "function", "function": "f(x)"}]
    result, found = repair(body)
    assert sorted(r.path for r in found) == [
        "$.choices[0].index",
        TOP,
        "$.choices[0].message.tool_calls[0].function",
        "$.created",
    ]
    call = result.choices[0].message.tool_calls[0]
    assert call.id == "call_1" and call.function.name == "" and call.function.arguments == ""


def test_repairs_re_encode_to_what_the_repaired_body_holds() -> None:
    body = null_top_logprobs(completion())
    result, _ = repair(body)
    again = msgspec.json.decode(msgspec.json.encode(result))
    body["choices"][0]["logprobs"]["content"][1]["top_logprobs"] = []
    del body["choices"][0]["logprobs"]["content"][1]["bytes"]  # null: a response re-encodes without it
    assert again["choices"] == body["choices"]
    assert again["usage_breakdown"] == body["usage_breakdown"]


# --- generic rules, on types of this test (the repair is driven by any Struct's types) ----------------------


class Color(enum.Enum):
    red = "red"
    blue = "blue"


class Text(msgspec.Struct, tag_field="type", tag="text"):
    text: str


class Image(msgspec.Struct, tag_field="type", tag="image"):
    url: str


class Box(msgspec.Struct, kw_only=True):
    parts: list[Text | Image]
    color: Color
    kind: Literal["a", "b"]
    by_name: dict[str, Text | Image] = msgspec.field(default_factory=dict)
    tags: Annotated[list[str], msgspec.Meta(max_length=2)] = msgspec.field(default_factory=list)
    inner: Text | None = None
    either: str | Text | None = None
    count: int | None = None


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    name: str


def test_unknown_union_tags_are_removed_and_known_ones_kept() -> None:
    body = {
        "parts": [{"type": "text", "text": "a"}, {"type": "video", "src": "x"}, {"type": "image", "url": "u"}],
        "color": "red",
        "kind": "a",
        "by_name": {"good": {"type": "text", "text": "t"}, "bad": {"type": "audio"}},
    }
    result, found = repair(body, Box, ())
    assert result.parts == [Text(text="a"), Image(url="u")]
    assert result.by_name == {"good": Text(text="t")}
    assert [(r.path, r.action) for r in found] == [
        ("$.parts[1]", "removed from the array"),
        ('$.by_name["bad"]', "removed from the object"),
    ]
    assert found[0].expected == "Text | Image"


def test_closed_enum_literal_constraint_and_nested_union_member() -> None:
    body = {
        "parts": [],
        "color": "green",
        "kind": "z",
        "tags": ["x", "y", "z"],
        "inner": {"type": "text", "text": 5},
        "either": {"type": "text", "text": None},
        "count": "3",
    }
    result, found = repair(body, Box, ())
    assert result.color is Color.red  # a closed enum's first member: it has no "unknown" value
    assert result.kind == "a"
    assert result.tags == []  # too long for its constraint
    assert result.inner == Text(text="")  # repaired inside: the object was right, one value was not
    assert result.either == Text(text="")
    assert result.count is None
    assert [r.path for r in found] == [
        "$.color",
        "$.kind",
        "$.tags",
        "$.inner.text",
        "$.either.text",
        "$.count",
    ]


def test_unknown_fields_of_a_strict_struct_are_dropped() -> None:
    result, found = repair({"name": "n", "extra": 1}, Strict, ())
    assert result == Strict(name="n")
    assert found == [Repair("$.extra", "no such field", "number 1", "dropped")]


def test_repair_str_names_path_expected_got_and_action() -> None:
    r = Repair("$.a", "int", "null", "set to 0", chunk_index=3)
    assert str(r) == "chunk 3 $.a: expected int, got null; set to 0"


# --- the envelope: what cannot be repaired ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2]", "not an object"),
        (b'"a string"', "not an object"),
        (b"{}", "has no `choices`"),
        (b'{"choices": null, "id": "x"}', "`choices` is null"),
        (b'{"choices": {"0": {}}}', "`choices` is object"),
    ],
    ids=["array", "string", "empty-object", "null-choices", "object-choices"],
)
def test_a_broken_envelope_is_unrepairable(body: bytes, message: str) -> None:
    with pytest.raises(Unrepairable, match=message):
        decode_repaired(COMPLETION.decode, ChatCompletion, body, ("choices",))


def test_not_json_is_a_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_repaired(COMPLETION.decode, ChatCompletion, b'{"choices": [', ("choices",))


# --- through the client, over loopback ------------------------------------------------------------------


def test_the_generated_operations_declare_their_envelope() -> None:
    """From ``x-envelope`` in the schema: what a 2xx body of each operation cannot do without."""
    from fastgroq._endpoints import CREATE_CHAT_COMPLETION, LIST_MODELS, RETRIEVE_MODEL

    assert CREATE_CHAT_COMPLETION.response_envelope == ("choices",)
    assert CREATE_CHAT_COMPLETION.stream_event_envelope == ()
    assert LIST_MODELS.response_envelope == ("data",)
    assert RETRIEVE_MODEL.response_envelope == ("id",)


def test_client_returns_the_repaired_completion_and_logs_once(
    server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fastgroq")
    body = null_top_logprobs(completion())
    server.enqueue(Reply.json(body, headers={"x-request-id": "req_1"}))
    server.enqueue(Reply.json(body, headers={"x-request-id": "req_2"}))
    first = create(client)
    second = create(client)
    for result in (first, second):
        assert isinstance(result, ChatCompletion)
        logprobs = result.choices[0].logprobs
        assert logprobs is not None and logprobs.content is not None
        assert logprobs.content[1].top_logprobs == []
        assert [r.path for r in fastgroq.repairs(result)] == [TOP]
    warnings = [r for r in caplog.records if r.name == "fastgroq" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    text = warnings[0].getMessage()
    assert TOP in text and "list[TopLogprob]" in text and "null" in text
    assert "createChatCompletion" in text and "req_1" in text


def test_a_good_response_has_no_repairs(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(completion()))
    assert fastgroq.repairs(create(client)) == ()


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"choices": [', b"[]", b"{}", b'{"choices": "nope", "id": "x"}', b"null"],
    ids=["text", "truncated", "array", "no-choices", "choices-string", "null"],
)
def test_client_refuses_a_body_without_its_envelope(server: MockGroqServer, client: Groq, body: bytes) -> None:
    server.enqueue(Reply.raw(body, content_type="application/json", headers={"x-request-id": "req_bad"}))
    with pytest.raises(APIResponseValidationError) as info:
        create(client)
    err = info.value
    assert err.status_code == 200 and err.request_id == "req_bad"
    assert "ChatCompletion" in str(err) and err.body == body.decode()


def test_raw_response_parse_repairs_too(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(completion(created=None)))
    raw = client.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "x"}])
    result = raw.parse()
    assert result.created == 0
    assert [r.path for r in fastgroq.repairs(result)] == ["$.created"]


def test_with_streaming_response_parse_repairs_too(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json(null_top_logprobs(completion())))
    messages = [{"role": "user", "content": "x"}]
    with client.chat.completions.with_streaming_response.create(model="m", messages=messages) as response:
        result = response.parse()
    assert [r.path for r in fastgroq.repairs(result)] == [TOP]


def chunk_bodies() -> list[dict[str, Any]]:
    return chat_completion_chunks(["Hel", "lo", " wor", "ld"], request_id="req_stream")


def test_stream_repairs_a_bad_chunk_and_goes_on(
    server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fastgroq")
    events = chunk_bodies()
    events[3]["choices"][0]["delta"]["content"] = 7  # " wor" becomes a number
    events[4]["choices"][0]["delta"]["role"] = 5
    events[4]["created"] = "now"
    server.enqueue(Reply.sse(events))
    stream = create(client, stream=True)
    chunks = list(stream)
    assert len(chunks) == len(events)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hellold"
    assert absent(chunks[3].choices[0].delta.content)
    assert chunks[4].created == 0
    found = stream.repairs
    assert sorted((r.chunk_index, r.path) for r in found) == [
        (3, "$.choices[0].delta.content"),
        (4, "$.choices[0].delta.role"),
        (4, "$.created"),
    ]
    assert fastgroq.repairs(stream) == found
    assert stream.request_id == "req_stream" and stream.usage is not None
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 3


def test_the_same_repair_in_every_chunk_is_logged_once(
    server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fastgroq")
    events = chunk_bodies()
    for event in events[1:5]:
        event["choices"][0]["delta"]["content"] = {"text": event["choices"][0]["delta"]["content"]}
    server.enqueue(Reply.sse(events))
    stream = create(client, stream=True)
    assert len(list(stream)) == len(events)
    assert [r.chunk_index for r in stream.repairs] == [1, 2, 3, 4]
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "ChatCompletionChunk" in warning and "event 1" in warning and "req_stream" in warning
    assert "$.choices[0].delta.content" in warning and "expected str | None, got object with keys text" in warning


def test_stream_repairs_reach_the_final_completion(server: MockGroqServer, client: Groq) -> None:
    events = chunk_bodies()
    events[1]["choices"][0]["delta"]["tool_calls"] = "none"
    server.enqueue(Reply.sse(events))
    stream = create(client, stream=True)
    final = stream.get_final_completion()
    assert final.choices[0].message.content == "Hello world"
    assert final.usage is not None
    assert [r.path for r in fastgroq.repairs(final)] == ["$.choices[0].delta.tool_calls"]


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"42", b"{not json"])
def test_stream_event_that_is_not_an_object_still_fails(server: MockGroqServer, client: Groq, payload: bytes) -> None:
    events: list[Any] = chunk_bodies()
    events.insert(2, payload)
    server.enqueue(Reply.sse(events))
    received = []
    with pytest.raises(APIResponseValidationError) as info:
        for chunk in create(client, stream=True):
            received.append(chunk)
    assert len(received) == 2 and info.value.event_index == 2


def test_a_stream_that_matches_has_no_repairs(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.sse(chunk_bodies()))
    stream = create(client, stream=True)
    assert len(list(stream)) == 6
    assert stream.repairs == ()
    assert isinstance(stream, Stream)


def test_the_fast_path_never_runs_the_repair(server: MockGroqServer) -> None:
    """Zero extra work when the typed decode succeeds: the repair builds no plan, logs nothing, records nothing."""
    code = f"""
import fastgroq._repair as repair
from fastgroq import Groq, repairs
client = Groq(api_key="k" * 40, base_url={server.base_url!r}, max_retries=0)
result = client.chat.completions.create(model="m", messages=[{{"role": "user", "content": "x"}}])
stream = client.chat.completions.create(model="m", messages=[{{"role": "user", "content": "x"}}], stream=True)
assert len(list(stream)) == 6
assert repair._plans == {{}} and not repair._logged, "the repair ran on the fast path"
assert repairs(result) == () and repairs(stream) == ()
print("ok")
"""
    server.enqueue(Reply.json(completion()))
    server.enqueue(Reply.sse(chunk_bodies()))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "ok", done.stderr


def test_models_list_repairs_one_bad_model_and_keeps_the_rest(server: MockGroqServer, client: Groq) -> None:
    body = models_list()
    body["data"][0]["context_window"] = "131k"
    del body["data"][1]["created"]
    server.enqueue(Reply.json(body))
    listed = client.models.list()
    assert [m.id for m in listed.data] == [m["id"] for m in body["data"]]
    assert absent(listed.data[0].context_window) and listed.data[1].created == 0
    assert sorted(r.path for r in fastgroq.repairs(listed)) == ["$.data[0].context_window", "$.data[1].created"]


def test_a_model_without_its_id_is_refused(server: MockGroqServer, client: Groq) -> None:
    model = models_list()["data"][0]
    del model["id"]
    server.enqueue(Reply.json(model))
    with pytest.raises(APIResponseValidationError, match="has no `id`"):
        client.models.retrieve("llama-3.3-70b-versatile")


# --- the schema side: x-envelope ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("envelope", "message"),
    [(["choices"], None), (["nope"], "not required properties"), ("choices", "must be a list")],
    ids=["required", "unknown", "not-a-list"],
)
def test_x_envelope_names_required_properties(envelope: Any, message: str | None) -> None:
    from codegen import ir

    defs = {
        "Resp": {
            "type": "object",
            "properties": {"choices": {"type": "array", "items": {"type": "string"}}},
            "required": ["choices"],
            "x-envelope": envelope,
        }
    }
    spec = {"method": "GET", "path": "/x", "client_method": "things.get", "response": {"$ref": "#/$defs/Resp"}}
    if message is None:
        assert ir._operation("getThing", spec, defs, "things").response_envelope == ("choices",)
    else:
        with pytest.raises(ir.SchemaError, match=message):
            ir._operation("getThing", spec, defs, "things")


# --- property: whatever values are wrong, the rest of the response survives -----------------------------------


def rich_completion() -> dict[str, Any]:
    """A completion using most response types: tool calls, executed tools, logprobs, usage breakdown, x_groq."""
    body = completion()
    message = body["choices"][0]["message"]
    message["reasoning"] = "think"
    message["tool_calls"] = [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    message["executed_tools"] = [
        {"index": 0, "type": "search", "arguments": "{}", "output": "o", "search_results": {"results": []}}
    ]
    body["x_groq"]["seed"] = 7
    body["id"], body["created"] = "chatcmpl-fixed", 1_700_000_000
    copy: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(body))  # no object shared between two places
    return copy


def leaves(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """(JSON path, value) of every scalar and empty container, in repair-path syntax."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def paths(value: Any, path: str = "$") -> Iterator[tuple[str, Any, Any]]:
    """(path, container, key) of every value below the root."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", value, key
            yield from paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield f"{path}[{i}]", value, i
            yield from paths(item, f"{path}[{i}]")


def under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


JSON_VALUES = [None, True, 0, -1.5, "", "text", [], [1, "x"], {}, {"unknown": 1}]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_wrong_values_are_repaired_and_nothing_else_changes(data: st.DataObject) -> None:
    body = rich_completion()
    original = msgspec.json.decode(msgspec.json.encode(body))
    mutated: list[str] = []
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        choices = list(paths(body))
        where, container, key = choices[data.draw(st.integers(0, len(choices) - 1), label="where")]
        if isinstance(container, dict) and data.draw(st.booleans(), label="delete"):
            del container[key]
        else:
            value = data.draw(st.sampled_from(JSON_VALUES), label="value")
            container[key] = msgspec.json.decode(msgspec.json.encode(value))  # a copy: later mutations stay here
        mutated.append(where)
    raw = msgspec.json.encode(body)
    try:
        result, found = decode_repaired(COMPLETION.decode, ChatCompletion, raw, ("choices",))
    except Unrepairable:
        # Only the envelope may be beyond repair: `choices` itself replaced or removed.
        assert any(m == "$.choices" for m in mutated), mutated
        return
    assert isinstance(result, ChatCompletion)
    # Every repair is at or above a value that was changed: nothing else is touched...
    for repair in found:
        assert any(under(m, repair.path) or under(repair.path, m) for m in mutated), (repair, mutated)
    # ...and every value no repair touched reads back as it arrived.
    after = msgspec.json.decode(msgspec.json.encode(result))
    arrived = dict(leaves(msgspec.json.decode(raw)))
    kept = dict(leaves(after))
    # (An item removed from an array moves the ones after it: that array counts as repaired.)
    repaired = [r.path.rsplit("[", 1)[0] if r.action == "removed from the array" else r.path for r in found]
    for path, value in arrived.items():
        if value is None or ".unknown" in path or any(under(path, r) or under(r, path) for r in repaired):
            continue  # null is omitted when re-encoding, a key the schema lacks is ignored, a repair is reported
        assert kept.get(path) == value, (path, value, kept.get(path), found)
    assert original  # the unmutated body is a valid completion (sanity of the fixture)
    COMPLETION.decode(msgspec.json.encode(original))
