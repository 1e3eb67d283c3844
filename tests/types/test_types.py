"""The generated types in ``fastgroq.types``: what they accept, what they send, and what they refuse.

Read the test names as the rules:

1. every public type imports and msgspec can build a decoder for it; no Struct silently lost its fields;
2. every type and field of the seed (Go api v0.2.0) is still reachable, under the wire name the real API uses;
3. decoding a real response and encoding it again loses no known field and no value;
4. responses are forward compatible: unknown fields are ignored, unknown enum values keep their string;
5. a request sends exactly what the caller set, and ``null`` only where the API accepts it;
6. a request that breaks a documented limit fails validation with a message naming the JSON path and the limit.

The client validates a request by encoding it and decoding the bytes with
``msgspec.json.Decoder(ChatCompletionRequest)``; the tests do exactly the same (see ``validate``).
"""

from __future__ import annotations

import ast
import enum
import json
import re
import typing
from pathlib import Path
from typing import Any, cast

import msgspec
import pytest
from fastgroq import types as T
from hypothesis import given, settings, strategies as st

from codegen import load
from tests.conftest import ROOT, SEED, UPSTREAM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The generated modules that define the types, one per schema area (fastgroq/types/_areas/<area>.py).
AREA_FILES = sorted((Path(T.__file__).parent / "_areas").glob("[!_]*.py"))
SCHEMA_DEFS: dict[str, Any] = load.read_schema(ROOT / "schema").defs

COMPLETIONS: dict[str, Any] = json.loads((FIXTURES / "completions.json").read_text(encoding="utf-8"))
CHUNKS: dict[str, Any] = json.loads((FIXTURES / "chunks.json").read_text(encoding="utf-8"))
ERRORS: dict[str, Any] = json.loads((FIXTURES / "errors.json").read_text(encoding="utf-8"))

REQUEST_DECODER = msgspec.json.Decoder(T.ChatCompletionRequest)
# Any: the request types accept plain dicts where their annotations name the TypedDict-like Structs.
USER_HI: Any = {"role": "user", "content": "Hi"}


def _kwargs(name: str, value: object) -> dict[str, Any]:
    """One keyword argument chosen at run time (typed Any: each parameter has its own type)."""
    return {name: value}


def validate(request: T.ChatCompletionRequest) -> T.ChatCompletionRequest:
    """Validate a request the way the client does: encode it, then decode the bytes strictly."""
    return REQUEST_DECODER.decode(msgspec.json.encode(request))


def wire(obj: Any) -> Any:
    """What goes over the wire for ``obj``, parsed back into plain JSON values."""
    return json.loads(msgspec.json.encode(obj))


def decode(payload: Any, type_: Any) -> Any:
    return msgspec.json.decode(json.dumps(payload).encode(), type=type_)


def wire_names(struct_type: type[msgspec.Struct]) -> set[str]:
    return {f.encode_name for f in msgspec.structs.fields(struct_type)}


# --------------------------------------------------------------------------------------------------------------
# 1. Every public type imports and decodes
# --------------------------------------------------------------------------------------------------------------


def _names_defined_in_types_py() -> list[str]:
    """Top-level names that the area modules define (classes, type aliases, seed aliases), not their imports."""
    names: list[str] = []
    for node in (n for path in AREA_FILES for n in ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.Assign):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return [n for n in names if not n.startswith("_")]


PUBLIC_NAMES = _names_defined_in_types_py()
STRUCTS = {
    name: obj
    for name, obj in ((n, getattr(T, n)) for n in T.__all__)
    if isinstance(obj, type)
    and issubclass(obj, msgspec.Struct)
    and obj.__module__.startswith(f"{T.__name__}._areas.")
    and obj.__name__ == name
}


def test_types_module_defines_the_expected_public_surface() -> None:
    assert len(PUBLIC_NAMES) >= 90, PUBLIC_NAMES
    for name in (
        "ChatCompletionRequest",
        "ChatCompletion",
        "ChatCompletionChunk",
        "ErrorResponse",
        "ModelListResponse",
    ):
        assert name in PUBLIC_NAMES


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_type_imports_and_a_json_decoder_builds_for_it(name: str) -> None:
    obj = getattr(T, name)
    is_struct = isinstance(obj, type) and issubclass(obj, msgspec.Struct)
    is_enum = isinstance(obj, type) and issubclass(obj, enum.Enum)
    is_alias = typing.get_origin(obj) is not None  # Annotated[...], list[...], dict[...], unions
    assert is_struct or is_enum or is_alias, f"{name} is neither a Struct, an enum nor a type alias: {obj!r}"
    msgspec.json.Decoder(obj)  # raises TypeError for unions msgspec cannot decode


def test_every_struct_of_the_schema_is_generated() -> None:
    object_defs = {name for name, d in SCHEMA_DEFS.items() if d.get("type") == "object" and "properties" in d}
    assert object_defs, "the schema defines no object types"
    missing = sorted(object_defs - set(STRUCTS))
    assert missing == [], f"$defs with properties but no Struct: {missing}"


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_every_struct_has_exactly_the_properties_its_schema_declares(name: str) -> None:
    schema = SCHEMA_DEFS[name]
    declared = set(schema.get("properties", {}))
    config = STRUCTS[name].__struct_config__
    generated = wire_names(STRUCTS[name]) | ({config.tag_field} if config.tag_field else set())
    assert generated == declared, f"{name}: generated {sorted(generated)} vs schema {sorted(declared)}"


def test_a_struct_without_fields_is_a_tagged_struct_whose_schema_has_only_the_tag() -> None:
    empty = {name: s for name, s in STRUCTS.items() if not msgspec.structs.fields(s)}
    assert empty, "expected the tag-only response formats (`text`, `json_object`) to be field-less Structs"
    for name, struct in empty.items():
        config = struct.__struct_config__
        assert config.tag_field is not None, f"{name} has no fields and no tag: data would be dropped silently"
        assert set(SCHEMA_DEFS[name]["properties"]) == {config.tag_field}, name


# --------------------------------------------------------------------------------------------------------------
# 2. The seed's vocabulary (Go api v0.2.0) is still reachable, under the real wire names
# --------------------------------------------------------------------------------------------------------------

# (seed type, seed JSON field, our type, our wire name). Where the seed is wrong, the real API's name wins
# (NOTES.md section 1): suggestions_count is `n`, the usage timings are queue/prompt/completion/total_time.
SEED_FIELDS: list[tuple[str, str, str, str]] = [
    ("ChatCompletionRequest", "frequency_penalty", "ChatCompletionRequest", "frequency_penalty"),
    ("ChatCompletionRequest", "logprobs", "ChatCompletionRequest", "logprobs"),
    ("ChatCompletionRequest", "max_completion_tokens", "ChatCompletionRequest", "max_completion_tokens"),
    ("ChatCompletionRequest", "messages", "ChatCompletionRequest", "messages"),
    ("ChatCompletionRequest", "model", "ChatCompletionRequest", "model"),
    ("ChatCompletionRequest", "suggestions_count", "ChatCompletionRequest", "n"),
    ("ChatCompletionRequest", "parallel_tool_calls", "ChatCompletionRequest", "parallel_tool_calls"),
    ("ChatCompletionRequest", "presence_penalty", "ChatCompletionRequest", "presence_penalty"),
    ("ChatCompletionRequest", "reasoning_format", "ChatCompletionRequest", "reasoning_format"),
    ("ChatCompletionRequest", "response_format", "ChatCompletionRequest", "response_format"),
    ("ChatCompletionRequest", "seed", "ChatCompletionRequest", "seed"),
    ("ChatCompletionRequest", "service_tier", "ChatCompletionRequest", "service_tier"),
    ("ChatCompletionRequest", "stop", "ChatCompletionRequest", "stop"),
    ("ChatCompletionRequest", "stream", "ChatCompletionRequest", "stream"),
    ("ChatCompletionRequest", "stream_options", "ChatCompletionRequest", "stream_options"),
    ("ChatCompletionRequest", "temperature", "ChatCompletionRequest", "temperature"),
    ("ChatCompletionRequest", "tool_choice", "ChatCompletionRequest", "tool_choice"),
    ("ChatCompletionRequest", "tools", "ChatCompletionRequest", "tools"),
    ("ChatCompletionRequest", "top_logprobs", "ChatCompletionRequest", "top_logprobs"),
    ("ChatCompletionRequest", "top_p", "ChatCompletionRequest", "top_p"),
    ("ChatCompletionRequest", "user", "ChatCompletionRequest", "user"),
    ("ChatCompletionResponse", "id", "ChatCompletion", "id"),
    ("ChatCompletionResponse", "created", "ChatCompletion", "created"),
    ("ChatCompletionResponse", "model", "ChatCompletion", "model"),
    ("ChatCompletionResponse", "object", "ChatCompletion", "object"),
    ("ChatCompletionResponse", "system_fingerprint", "ChatCompletion", "system_fingerprint"),
    ("ChatCompletionResponse", "choices", "ChatCompletion", "choices"),
    ("ChatCompletionResponse", "usage", "ChatCompletion", "usage"),
    ("ChatCompletionChoice", "finish_reason", "ChatCompletionChoice", "finish_reason"),
    ("ChatCompletionChoice", "index", "ChatCompletionChoice", "index"),
    ("ChatCompletionChoice", "logprobs", "ChatCompletionChoice", "logprobs"),
    ("ChatCompletionChoice", "message", "ChatCompletionChoice", "message"),
    ("ChatCompletionChoiceLogProbs", "content", "ChoiceLogprobs", "content"),
    ("ChatCompletionChunkChoice", "finish_reason", "ChatCompletionChunkChoice", "finish_reason"),
    ("ChatCompletionChunkChoice", "logprobs", "ChatCompletionChunkChoice", "logprobs"),
    ("ChatCompletionChunkChoice", "index", "ChatCompletionChunkChoice", "index"),
    ("ChatCompletionChunkChoice", "delta", "ChatCompletionChunkChoice", "delta"),
    ("ChatCompletionChunkDelta", "content", "ChoiceDelta", "content"),
    ("ChatCompletionChunkResponse", "id", "ChatCompletionChunk", "id"),
    ("ChatCompletionChunkResponse", "choices", "ChatCompletionChunk", "choices"),
    ("ChatCompletionChunkResponse", "created", "ChatCompletionChunk", "created"),
    ("ChatCompletionChunkResponse", "model", "ChatCompletionChunk", "model"),
    ("ChatCompletionChunkResponse", "object", "ChatCompletionChunk", "object"),
    ("ChatCompletionChunkResponse", "system_fingerprint", "ChatCompletionChunk", "system_fingerprint"),
    ("ChatCompletionChunkResponse", "x_groq", "ChatCompletionChunk", "x_groq"),
    ("ChatCompletionMessage", "content", "ChatCompletionMessage", "content"),
    ("ChatCompletionMessage", "role", "ChatCompletionMessage", "role"),
    ("ChatCompletionMessage", "reasoning", "ChatCompletionMessage", "reasoning"),
    ("ChatCompletionMessage", "tool_calls", "ChatCompletionMessage", "tool_calls"),
    ("ChatCompletionTokenLogprob", "token", "ChatCompletionTokenLogprob", "token"),
    ("ChatCompletionTokenLogprob", "bytes", "ChatCompletionTokenLogprob", "bytes"),
    ("ChatCompletionTokenLogprob", "logprob", "ChatCompletionTokenLogprob", "logprob"),
    ("ChatCompletionTokenLogprob", "top_logprobs", "ChatCompletionTokenLogprob", "top_logprobs"),
    ("ChatCompletionTokenTopLogprob", "token", "TopLogprob", "token"),
    ("ChatCompletionTokenTopLogprob", "bytes", "TopLogprob", "bytes"),
    ("ChatCompletionTokenTopLogprob", "logprob", "TopLogprob", "logprob"),
    ("ChatCompletionToolCall", "id", "ChatCompletionMessageToolCall", "id"),
    ("ChatCompletionToolCall", "type", "ChatCompletionMessageToolCall", "type"),
    ("ChatCompletionToolCall", "function", "ChatCompletionMessageToolCall", "function"),
    ("ChatCompletionUsage", "completion_tokens", "CompletionUsage", "completion_tokens"),
    ("ChatCompletionUsage", "prompt_tokens", "CompletionUsage", "prompt_tokens"),
    ("ChatCompletionUsage", "total_tokens", "CompletionUsage", "total_tokens"),
    ("ChatCompletionUsage", "generation_time", "CompletionUsage", "completion_time"),
    ("ChatCompletionUsage", "processing_time", "CompletionUsage", "prompt_time"),
    ("ChatCompletionUsage", "queued_time", "CompletionUsage", "queue_time"),
    ("ChatCompletionUsage", "total_time", "CompletionUsage", "total_time"),
    ("ChatCompletionXGroq", "id", "XGroq", "id"),
    ("ChatCompletionXGroq", "error", "XGroq", "error"),
    ("ChatCompletionXGroq", "usage", "XGroq", "usage"),
    ("StreamOptions", "include_usage", "StreamOptions", "include_usage"),
]


def _resolve(seed_type: str, our_type: str) -> Any:
    by_seed, by_ours = getattr(T, seed_type, None), getattr(T, our_type, None)
    assert by_seed is not None or by_ours is not None, f"neither {seed_type} nor {our_type} is in fastgroq.types"
    if by_seed is not None and by_ours is not None:
        assert by_seed is by_ours, f"{seed_type} and {our_type} name different types"
    return by_ours if by_ours is not None else by_seed


@pytest.mark.parametrize(
    ("seed_type", "seed_field", "our_type", "our_wire"), SEED_FIELDS, ids=[f"{r[0]}.{r[1]}" for r in SEED_FIELDS]
)
def test_seed_field_is_reachable_under_its_real_wire_name(
    seed_type: str, seed_field: str, our_type: str, our_wire: str
) -> None:
    struct = _resolve(seed_type, our_type)
    assert our_wire in wire_names(struct), f"{struct.__name__} has no field sent as {our_wire!r}"
    if seed_field != our_wire:  # the seed's name is wrong: the server would reject or ignore it
        assert seed_field not in wire_names(struct)


def test_seed_type_names_are_importable_aliases() -> None:
    seed_types = {row[0] for row in SEED_FIELDS} | {
        "ChatCompletionChoiceFinishReason",
        "ServiceTier",
        "ReasoningFormat",
    }
    seed_types |= {"ResponseFormat", "Stop"}
    missing = sorted(name for name in seed_types if not hasattr(T, name))
    assert missing == []


def _seed_json_fields() -> set[tuple[str, str]]:
    text = SEED.read_text(encoding="utf-8")
    found: set[tuple[str, str]] = set()
    for match in re.finditer(r"^type (\w+) struct \{(.*?)^\}", text, flags=re.M | re.S):
        for field_name in re.findall(r'json:"(\w+)', match.group(2)):
            found.add((match.group(1), field_name))
    return found


@pytest.mark.skipif(not SEED.exists(), reason=f"the seed documentation is not at {SEED}")
def test_seed_table_lists_every_json_field_the_seed_documents() -> None:
    documented = _seed_json_fields()
    assert len(documented) > 60, "the seed parser found too few fields"
    table = {(row[0], row[1]) for row in SEED_FIELDS}
    assert documented - table == set()


def test_seed_finish_reasons_are_known_values() -> None:
    finish_reason = _resolve("ChatCompletionChoiceFinishReason", "FinishReason")
    for value in ("stop", "length", "tool_calls", "function_call"):
        assert finish_reason(value).is_known
        assert finish_reason(value) == value


def test_seed_service_tiers_are_accepted_by_the_request() -> None:
    allowed = set(typing.get_args(typing.get_args(T.ServiceTier)[0]))
    assert {"on_demand", "auto", "flex"} <= allowed
    for tier in ("on_demand", "auto", "flex"):
        assert validate(T.ChatCompletionRequest(model="m", messages=[USER_HI], service_tier=tier)).service_tier == tier


def test_seed_reasoning_format_is_a_string_choice() -> None:
    allowed = set(typing.get_args(typing.get_args(T.ReasoningFormat)[0]))
    assert allowed == {"hidden", "raw", "parsed"}
    assert wire(T.ChatCompletionRequest(model="m", messages=[USER_HI], reasoning_format="parsed"))[
        "reasoning_format"
    ] == ("parsed")


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        (T.ResponseFormatText(), {"type": "text"}),
        (T.ResponseFormatJSONObject(), {"type": "json_object"}),
        ({"type": "json_object"}, {"type": "json_object"}),
    ],
    ids=["text", "json_object", "json_object_as_dict"],
)
def test_seed_response_format_is_an_object_with_a_type_not_a_bare_string(response_format: Any, expected: Any) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], response_format=response_format)
    assert wire(request)["response_format"] == expected
    assert wire(validate(request))["response_format"] == expected


def test_seed_response_format_as_a_bare_string_is_refused() -> None:
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], response_format="json_object")  # type: ignore[arg-type]
    with pytest.raises(msgspec.ValidationError, match=r"\$\.response_format"):
        validate(request)


@pytest.mark.parametrize("stop", ["\n\n", ["END"], ["a", "b", "c", "d"]], ids=["string", "one", "four"])
def test_seed_stop_is_a_string_or_up_to_four_strings(stop: Any) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], stop=stop)
    assert validate(request).stop == stop
    assert wire(request)["stop"] == stop


def test_seed_constants_exist_with_the_seed_values() -> None:
    from fastgroq import _constants

    assert _constants.DEFAULT_ENDPOINT == "https://api.groq.com/openai/v1"
    assert _constants.CHAT_COMPLETION_ROUTE == "/chat/completions"
    assert _constants.CHAT_COMPLETION_STREAM_PREFIX == "data: "

    import fastgroq

    assert fastgroq.DEFAULT_ENDPOINT == _constants.DEFAULT_ENDPOINT
    assert fastgroq.CHAT_COMPLETION_ROUTE == _constants.CHAT_COMPLETION_ROUTE
    assert fastgroq.CHAT_COMPLETION_STREAM_PREFIX == _constants.CHAT_COMPLETION_STREAM_PREFIX


# --------------------------------------------------------------------------------------------------------------
# 3. Re-encoding a decoded response loses no known field and no value
# --------------------------------------------------------------------------------------------------------------


def without_nulls(value: Any) -> Any:
    """``value`` without its null fields: what re-encoding a response gives back (absent and null are None)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def response_wire(payload: Any) -> Any:
    """What ``msgspec.json.encode`` gives back for a decoded response: no null fields, and no field equal to
    its default (only a chunk's empty ``choices`` has a default other than None)."""
    expected = without_nulls(payload)
    if expected.get("object") == "chat.completion.chunk" and expected.get("choices") == []:
        del expected["choices"]
    return expected


def assert_round_trips(payload: Any, type_: Any) -> Any:
    decoded = decode(payload, type_)
    assert wire(decoded) == response_wire(payload), "re-encoding a decoded response lost or changed a known field"
    assert decoded.to_dict() == without_nulls(payload), "to_dict() lost or changed a known field"
    return decoded


def _upstream_example(path: str, method: str) -> Any:
    if not UPSTREAM.exists():
        pytest.skip(f"the upstream OpenAPI spec is not at {UPSTREAM}")
    yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the upstream OpenAPI spec")
    spec = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
    examples = spec["paths"][path][method]["x-groq-metadata"]["examples"]
    response = examples[0]["response"]
    return json.loads(response) if isinstance(response, str) else response


def test_upstream_chat_completion_example_round_trips() -> None:
    payload = _upstream_example("/openai/v1/chat/completions", "post")
    completion = assert_round_trips(payload, T.ChatCompletion)
    assert completion.id == payload["id"]
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content.startswith("Fast language models")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].logprobs is None
    assert completion.usage.queue_time == pytest.approx(0.037493756)
    assert completion.usage.total_tokens == 574
    assert completion.x_groq.id == "req_01jbd6g2qdfw2adyrt2az8hz4w"


def test_upstream_models_list_example_round_trips() -> None:
    payload = _upstream_example("/openai/v1/models", "get")
    models = assert_round_trips(payload, T.ModelListResponse)
    assert models.object == "list"
    assert len(models.data) == len(payload["data"]) > 0
    first = models.data[0]
    assert (first.id, first.object, first.owned_by, first.context_window) == ("gemma2-9b-it", "model", "Google", 8192)
    assert first.public_apps is None


@pytest.mark.parametrize("name", sorted(COMPLETIONS))
def test_completion_fixture_round_trips(name: str) -> None:
    assert_round_trips(COMPLETIONS[name], T.ChatCompletion)


@pytest.mark.parametrize("name", sorted(CHUNKS))
def test_chunk_fixture_round_trips(name: str) -> None:
    assert_round_trips(CHUNKS[name], T.ChatCompletionChunk)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_fixture_round_trips(name: str) -> None:
    assert_round_trips(ERRORS[name], T.ErrorResponse)


def test_completion_with_tool_calls() -> None:
    completion = decode(COMPLETIONS["tool_calls"], T.ChatCompletion)
    choice = completion.choices[0]
    assert choice.finish_reason == T.FinishReason.tool_calls
    assert choice.message.content is None  # absent, not an empty string
    calls = choice.message.tool_calls
    assert [c.id for c in calls] == ["call_d5wg", "call_k2pq"]
    assert calls[0].type == "function" and calls[0].type.is_known
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"location": "Paris", "unit": "celsius"}
    assert isinstance(calls[0], T.ChatCompletionToolCall)  # the seed's name


def test_completion_with_reasoning() -> None:
    completion = decode(COMPLETIONS["reasoning"], T.ChatCompletion)
    message = completion.choices[0].message
    assert message.content == "The answer is 42."
    assert message.reasoning.startswith("The user asks")
    assert completion.usage.completion_tokens_details.reasoning_tokens == 45
    assert completion.usage.prompt_tokens_details.cached_tokens == 64
    assert completion.usage.queue_time is None


def test_completion_with_executed_tools_search_browser_code_and_charts() -> None:
    completion = decode(COMPLETIONS["executed_tools"], T.ChatCompletion)
    assert completion.system_fingerprint is None
    assert completion.choices[0].logprobs is None  # absent in the payload
    search, browser, code = completion.choices[0].message.executed_tools
    assert (search.index, search.type) == (0, "search")
    assert search.search_results.results[0].score == pytest.approx(0.91)
    assert search.search_results.results[1].url == "https://forecast.example/fr/paris"
    assert search.search_results.images == ["https://weather.example/sun.png"]
    assert browser.browser_results[0].live_view_url == "https://live.example/session/abc"
    assert code.output is None
    single, multi = code.code_results
    assert single.png.startswith("iVBOR")
    assert single.chart.type == T.ChartType.bar
    assert [e.label for e in single.chart.elements] == ["Q1", "Q2"]
    assert single.chart.elements[1].value == pytest.approx(12.25)
    line, box, pie = multi.charts
    assert line.elements[0].points == [[0.0, 1.5], [1.0, 2.5], [2.0, 3.0]]
    assert line.x_tick_labels == ["a", "b", "c"]
    assert box.type == "box_and_whisker" and box.elements[0].outliers == [9.5, 11.0]
    assert box.elements[0].median == 3.0
    assert pie.elements[1].angle == 240.0


def test_completion_with_document_and_function_citations() -> None:
    message = decode(COMPLETIONS["annotations"], T.ChatCompletion).choices[0].message
    document, function = message.annotations
    assert document.type == T.AnnotationType.document_citation
    assert document.document_citation.document_id == "doc_contract"
    assert (document.document_citation.start_index, document.document_citation.end_index) == (0, 27)
    assert function.type == "function_citation"
    assert function.function_citation.tool_call_id == "call_d5wg"
    assert function.document_citation is None


def test_completion_with_logprobs_and_nullable_bytes() -> None:
    logprobs = decode(COMPLETIONS["logprobs"], T.ChatCompletion).choices[0].logprobs
    assert isinstance(logprobs, T.ChatCompletionChoiceLogProbs)
    assert logprobs.content is not None
    hello, eot = logprobs.content
    assert hello.bytes is not None
    assert hello.token == "Hello" and hello.logprob == pytest.approx(-0.0123)
    assert bytes(hello.bytes).decode() == "Hello"
    assert [t.token for t in hello.top_logprobs] == ["Hello", "Hi", "<|reserved|>"]
    assert hello.top_logprobs[1].bytes == [72, 105]
    assert hello.top_logprobs[2].bytes is None
    assert hello.top_logprobs[2].logprob == -9999.0
    assert eot.bytes is None and eot.top_logprobs == []


def test_completion_with_usage_details_breakdown_x_groq_mcp_tools_and_service_tier() -> None:
    completion = decode(COMPLETIONS["usage_and_metadata"], T.ChatCompletion)
    usage = completion.usage
    assert isinstance(usage, T.ChatCompletionUsage)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (2048, 556, 2604)
    assert usage.queue_time == pytest.approx(0.037493756)
    assert usage.prompt_time == pytest.approx(0.000680594)
    assert usage.completion_time == pytest.approx(0.463333333)
    assert usage.total_time == pytest.approx(0.464013927)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 1024
    assert usage.completion_tokens_details is not None and usage.completion_tokens_details.reasoning_tokens == 128
    breakdown = completion.usage_breakdown.models
    assert [m.model for m in breakdown] == ["openai/gpt-oss-120b", "llama-3.3-70b-versatile"]
    assert breakdown[0].usage.total_time == pytest.approx(0.4)
    assert breakdown[1].usage.total_time is None
    x_groq = completion.x_groq
    assert x_groq.id == "req_meta_1" and x_groq.seed == 1234567
    assert (x_groq.usage.sram_cached_tokens, x_groq.usage.dram_cached_tokens) == (512, 512)
    assert x_groq.debug.output_tokens == ["Done", "."]
    assert x_groq.debug.input_token_ids == [128000, 9906]
    (listing,) = completion.mcp_list_tools
    assert listing.server_label == "deepwiki"
    assert listing.tools[0].input_schema["required"] == ["repoName"]
    assert listing.tools[0].annotations == {"readOnlyHint": True}
    assert listing.tools[1].annotations is None
    assert completion.service_tier == T.ResponseServiceTier.on_demand
    assert completion.choices[0].finish_reason == "length"


def test_chunk_first_carries_role_and_request_id() -> None:
    chunk = decode(CHUNKS["first_role_and_request_id"], T.ChatCompletionChunk)
    assert isinstance(chunk, T.ChatCompletionChunkResponse)  # the seed's name
    assert chunk.object == T.ChatCompletionChunkObject.chat_completion_chunk
    assert chunk.x_groq is not None and chunk.x_groq.id == "req_stream_1"
    assert chunk.choices[0].delta.role == T.ChatCompletionRole.assistant
    assert chunk.choices[0].delta.content == ""
    assert chunk.choices[0].finish_reason is None
    assert chunk.usage is None


def test_chunk_content_delta() -> None:
    chunk = decode(CHUNKS["content_delta"], T.ChatCompletionChunk)
    delta = chunk.choices[0].delta
    assert isinstance(delta, T.ChatCompletionChunkDelta)
    assert delta.content == "Hello"
    assert delta.role is None
    assert chunk.x_groq is None


def test_chunk_reasoning_delta() -> None:
    delta = decode(CHUNKS["reasoning_delta"], T.ChatCompletionChunk).choices[0].delta
    assert delta.reasoning == "First, compute 6 * 7."
    assert delta.content is None


def test_chunk_tool_call_fragments_first_names_the_call_later_ones_carry_arguments_only() -> None:
    first = decode(CHUNKS["tool_call_first_fragment"], T.ChatCompletionChunk).choices[0].delta.tool_calls[0]
    later = decode(CHUNKS["tool_call_arguments_fragment"], T.ChatCompletionChunk).choices[0].delta.tool_calls[0]
    assert (first.index, first.id, first.type, first.function.name) == (0, "call_d5wg", "function", "get_weather")
    assert first.function.arguments == ""
    assert later.index == 0
    assert later.id is None and later.type is None
    assert later.function.name is None
    assert later.function.arguments == '{"location": "Par'


def test_chunk_executed_tools_delta() -> None:
    delta = decode(CHUNKS["executed_tools_delta"], T.ChatCompletionChunk).choices[0].delta
    (tool,) = delta.executed_tools
    assert tool.type == "search" and tool.output == "Sunny"
    assert tool.search_results.results[0].title == "Paris weather"


def test_chunk_final_has_finish_reason_and_x_groq_usage() -> None:
    chunk = decode(CHUNKS["final_with_finish_reason_and_usage"], T.ChatCompletionChunk)
    assert chunk.choices[0].finish_reason == T.FinishReason.stop
    assert chunk.choices[0].delta == T.ChoiceDelta()
    assert chunk.x_groq is not None and chunk.x_groq.id == "req_stream_1"
    assert chunk.x_groq.usage.total_tokens == 574
    assert chunk.x_groq.usage.completion_time == pytest.approx(0.46)


def test_chunk_include_usage_has_top_level_usage_and_no_choices() -> None:
    chunk = decode(CHUNKS["include_usage_final"], T.ChatCompletionChunk)
    assert chunk.choices == []
    assert chunk.usage.prompt_tokens == 18
    assert chunk.usage.queue_time == pytest.approx(0.02)


def test_chunk_without_choices_decodes_to_an_empty_list() -> None:
    payload = {"id": "chatcmpl-ka", "object": "chat.completion.chunk", "created": 1730246000, "model": "m"}
    chunk = decode(payload, T.ChatCompletionChunk)
    assert chunk.choices == []
    # Nothing known is lost; to_dict() gives the missing list back as the empty list it stands for.
    assert chunk.to_dict() == {**payload, "choices": []}
    assert wire(chunk) == response_wire(payload)


def test_error_tool_use_failed_keeps_the_failed_generation() -> None:
    error = decode(ERRORS["tool_use_failed"], T.ErrorResponse).error
    assert error.code == "tool_use_failed"
    assert error.type == "invalid_request_error"
    assert error.failed_generation.startswith("<function=get_weather>")
    assert error.param is None


def test_error_json_validate_failed_keeps_param_and_schema_path() -> None:
    error = decode(ERRORS["json_validate_failed"], T.ErrorResponse).error
    assert (error.code, error.param) == ("json_validate_failed", "response_format")
    assert error.schema_path == "/properties/age/type"
    assert error.schema_path_segments == ["properties", "age", "type"]
    assert error.failed_generation == '{"age": "forty"}'


def test_error_rate_limit_with_null_param() -> None:
    error = decode(ERRORS["rate_limit_exceeded"], T.ErrorResponse).error
    assert error.code == "rate_limit_exceeded"
    assert error.param is None


def test_error_with_extra_top_level_keys_decodes_and_drops_only_the_extras() -> None:
    known = {"error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}}
    payload = {**known, "request_id": "req_01abc", "status": 401, "details": {"hint": "check GROQ_API_KEY"}}
    decoded = decode(payload, T.ErrorResponse)
    assert decoded.error.message == "Invalid API Key"
    assert decoded.error.code == "invalid_api_key"
    assert wire(decoded) == known


# --------------------------------------------------------------------------------------------------------------
# 4. Forward compatibility: what the server adds tomorrow decodes today
# --------------------------------------------------------------------------------------------------------------


def with_unknown_fields(value: Any, path: str = "$") -> Any:
    """A copy of ``value`` with an unknown key added to every object, at every depth."""
    if isinstance(value, dict):
        copy = {k: with_unknown_fields(v, f"{path}.{k}") for k, v in value.items()}
        copy["x_future_field"] = {"added_at": path, "nested": [1, {"deep": True}]}
        return copy
    if isinstance(value, list):
        return [with_unknown_fields(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def count_objects(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(count_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_objects(v) for v in value)
    return 0


# mcp_list_tools carries free-form JSON (input_schema, annotations) that keeps every key by design.
FORWARD_CASES = [
    *((f"completion_{n}", COMPLETIONS[n], T.ChatCompletion) for n in sorted(COMPLETIONS) if n != "usage_and_metadata"),
    *((f"chunk_{n}", CHUNKS[n], T.ChatCompletionChunk) for n in sorted(CHUNKS)),
    *((f"error_{n}", ERRORS[n], T.ErrorResponse) for n in sorted(ERRORS)),
]


@pytest.mark.parametrize(("payload", "type_"), [c[1:] for c in FORWARD_CASES], ids=[c[0] for c in FORWARD_CASES])
def test_unknown_fields_at_every_level_are_ignored(payload: Any, type_: Any) -> None:
    noisy = with_unknown_fields(payload)
    assert json.dumps(noisy).count('"x_future_field"') == count_objects(payload) >= 2
    decoded = decode(noisy, type_)
    assert decoded == decode(payload, type_)
    assert wire(decoded) == response_wire(payload)


def test_metadata_fixture_ignores_unknown_fields_outside_free_form_json() -> None:
    payload = COMPLETIONS["usage_and_metadata"]
    noisy = {**payload, "x_future_field": 1, "usage": {**payload["usage"], "x_future_field": 2}}
    noisy["x_groq"] = {**payload["x_groq"], "x_future_field": 3, "usage": {**payload["x_groq"]["usage"], "new": 4}}
    assert wire(decode(noisy, T.ChatCompletion)) == response_wire(payload)


def _completion(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(json.dumps(COMPLETIONS["reasoning"]))
    for dotted, value in overrides.items():
        target = payload
        *parents, leaf = dotted.split(".")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[leaf] = value
    return payload


@pytest.mark.parametrize(
    ("where", "value", "read"),
    [
        ("choices.0.finish_reason", "guardrail_triggered", lambda c: c.choices[0].finish_reason),
        ("service_tier", "priority", lambda c: c.service_tier),
        ("object", "chat.completion.v2", lambda c: c.object),
        ("choices.0.message.role", "critic", lambda c: c.choices[0].message.role),
    ],
    ids=["finish_reason", "service_tier", "object", "message_role"],
)
def test_unknown_enum_value_decodes_keeps_its_string_and_reencodes_unchanged(where: str, value: str, read: Any) -> None:
    payload = _completion(**{where: value})
    completion = decode(payload, T.ChatCompletion)
    member = read(completion)
    assert member == value
    assert str(member) == value
    assert member.is_known is False
    assert wire(completion) == response_wire(payload)


def test_content_filter_finish_reason_is_known() -> None:
    completion = decode(_completion(**{"choices.0.finish_reason": "content_filter"}), T.ChatCompletion)
    assert completion.choices[0].finish_reason == "content_filter"
    assert completion.choices[0].finish_reason.is_known is True


def test_unknown_finish_reason_in_a_chunk_decodes() -> None:
    payload = json.loads(json.dumps(CHUNKS["final_with_finish_reason_and_usage"]))
    payload["choices"][0]["finish_reason"] = "guardrail_triggered"
    chunk = decode(payload, T.ChatCompletionChunk)
    assert chunk.choices[0].finish_reason == "guardrail_triggered"
    assert chunk.choices[0].finish_reason.is_known is False
    assert wire(chunk) == response_wire(payload)


def test_new_model_id_decodes_and_reencodes_unchanged() -> None:
    payload = _completion(model="acme/hyperllama-9-1t-preview-2031")
    completion = decode(payload, T.ChatCompletion)
    assert completion.model == "acme/hyperllama-9-1t-preview-2031"
    assert wire(completion) == response_wire(payload)


def test_unknown_annotation_type_decodes_keeps_its_string_and_ignores_its_payload() -> None:
    annotation = {"type": "url_citation", "url_citation": {"url": "https://example.com", "start_index": 0}}
    payload = _completion(**{"choices.0.message.annotations": [annotation]})
    completion = decode(payload, T.ChatCompletion)
    (decoded,) = completion.choices[0].message.annotations
    assert decoded.type == "url_citation"
    assert decoded.type.is_known is False
    assert wire(decoded) == {"type": "url_citation"}


def test_unknown_tool_call_type_and_chart_type_decode() -> None:
    call = T.ChatCompletionMessageToolCall
    decoded = decode({"id": "c1", "type": "mcp", "function": {"name": "f", "arguments": "{}"}}, call)
    assert decoded.type == "mcp" and decoded.type.is_known is False
    chart = decode({"type": "heatmap", "elements": []}, T.Chart)
    assert chart.type == "heatmap" and chart.type.is_known is False
    assert wire(chart) == {"type": "heatmap", "elements": []}


def test_message_without_content_decodes() -> None:
    payload = _completion()
    del payload["choices"][0]["message"]["content"]
    message = decode(payload, T.ChatCompletion).choices[0].message
    assert message.content is None
    assert message.reasoning.startswith("The user asks")


def test_choice_without_logprobs_decodes() -> None:
    payload = _completion()
    del payload["choices"][0]["logprobs"]
    choice = decode(payload, T.ChatCompletion).choices[0]
    assert choice.logprobs is None
    assert wire(decode(payload, T.ChatCompletion)) == response_wire(payload)


@pytest.mark.parametrize("choices", [[], None], ids=["empty", "missing"])
def test_chunk_with_empty_or_missing_choices_decodes(choices: Any) -> None:
    payload: dict[str, Any] = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    if choices is not None:
        payload["choices"] = choices
    payload["x_groq"] = {"id": "req_x"}
    chunk = decode(payload, T.ChatCompletionChunk)
    assert chunk.choices == []
    assert chunk.x_groq.id == "req_x"


# --------------------------------------------------------------------------------------------------------------
# 5. Request encoding: send exactly what the caller set
# --------------------------------------------------------------------------------------------------------------


def test_minimal_request_encodes_only_model_and_messages() -> None:
    request = T.ChatCompletionRequest(model="llama-3.3-70b-versatile", messages=[USER_HI])
    assert (
        msgspec.json.encode(request)
        == b'{"messages":[{"role":"user","content":"Hi"}],"model":"llama-3.3-70b-versatile"}'
    )
    assert wire(validate(request)) == {"model": "llama-3.3-70b-versatile", "messages": [USER_HI]}


OPTIONAL_FIELD_SAMPLES: dict[str, Any] = {
    "citation_options": "enabled",
    "compound_custom": {
        "models": {"answering_model": "llama-3.3-70b-versatile"},
        "tools": {"enabled_tools": ["web_search"]},
    },
    "disable_tool_validation": True,
    "documents": [{"source": {"type": "text", "text": "The contract ends in 2026."}, "id": "doc_contract"}],
    "exclude_domains": ["example.org"],
    "frequency_penalty": 0.5,
    "function_call": "auto",
    "functions": [{"name": "get_weather", "parameters": {"type": "object"}}],
    "include_domains": ["example.com"],
    "include_reasoning": False,
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "max_completion_tokens": 1024,
    "max_tokens": 512,
    "metadata": {"team": "search"},
    "n": 1,
    "parallel_tool_calls": False,
    "presence_penalty": -0.5,
    "reasoning_effort": "low",
    "reasoning_format": "hidden",
    "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}},
    "search_settings": {"country": "france", "include_images": True},
    "seed": 42,
    "service_tier": "flex",
    "stop": ["\n\n", "END"],
    "store": False,
    "stream": True,
    "stream_options": {"include_usage": True},
    "temperature": 0.0,
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    "top_logprobs": 5,
    "top_p": 0.9,
    "user": "user-1234",
}

REQUIRED_REQUEST_FIELDS = {f.name for f in msgspec.structs.fields(T.ChatCompletionRequest) if f.required}
OPTIONAL_REQUEST_FIELDS = sorted(
    f.encode_name for f in msgspec.structs.fields(T.ChatCompletionRequest) if not f.required
)


def test_every_optional_request_field_has_a_sample_in_these_tests() -> None:
    assert {"model", "messages"} == REQUIRED_REQUEST_FIELDS
    assert set(OPTIONAL_FIELD_SAMPLES) == set(OPTIONAL_REQUEST_FIELDS)


@pytest.mark.parametrize("name", sorted(OPTIONAL_FIELD_SAMPLES))
def test_each_optional_request_field_set_explicitly_is_sent_and_valid(name: str) -> None:
    value = OPTIONAL_FIELD_SAMPLES[name]
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], **_kwargs(name, value))
    body = wire(request)
    assert set(body) == {"model", "messages", name}
    assert body[name] == value
    assert wire(validate(request)) == body


def _schema_accepts_null(prop: dict[str, Any]) -> bool:
    kinds = prop.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    return any(_schema_accepts_null(option) for option in prop.get("anyOf", []) + prop.get("oneOf", []))


REQUEST_PROPERTIES = SCHEMA_DEFS["ChatCompletionRequest"]["properties"]
NULLABLE_REQUEST_FIELDS = sorted(n for n in OPTIONAL_REQUEST_FIELDS if _schema_accepts_null(REQUEST_PROPERTIES[n]))
NON_NULLABLE_REQUEST_FIELDS = sorted(set(OPTIONAL_REQUEST_FIELDS) - set(NULLABLE_REQUEST_FIELDS))


def test_request_nullability_split_is_not_vacuous() -> None:
    assert {"temperature", "top_p", "stop", "tools", "user"} <= set(NULLABLE_REQUEST_FIELDS)
    assert "disable_tool_validation" in NON_NULLABLE_REQUEST_FIELDS


@pytest.mark.parametrize("name", NULLABLE_REQUEST_FIELDS)
def test_explicit_none_is_sent_as_null_where_the_api_accepts_null(name: str) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], **_kwargs(name, None))
    assert wire(request)[name] is None
    assert getattr(validate(request), name) is None


@pytest.mark.parametrize("name", NON_NULLABLE_REQUEST_FIELDS)
def test_explicit_none_fails_validation_where_the_api_refuses_null(name: str) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], **_kwargs(name, None))
    with pytest.raises(msgspec.ValidationError, match=rf"got `null` - at `\$\.{name}`"):
        validate(request)


@pytest.mark.parametrize(
    "message",
    [
        T.ChatCompletionUserMessageParam(content="Hi", name=None),  # type: ignore[arg-type]
        {"role": "user", "content": "Hi", "name": None},
    ],
    ids=["struct", "dict"],
)
def test_message_name_none_fails_validation(message: Any) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[cast(Any, message)])
    with pytest.raises(msgspec.ValidationError, match=r"Expected `str`, got `null` - at `\$\.messages\[0\]\.name`"):
        validate(request)


CONVERSATION_AS_STRUCTS: list[Any] = [
    T.ChatCompletionSystemMessageParam(content="You are terse."),
    T.ChatCompletionDeveloperMessageParam(content=[T.ChatCompletionContentPartTextParam(text="Answer in French.")]),
    T.ChatCompletionUserMessageParam(
        content=[
            T.ChatCompletionContentPartTextParam(text="What is in this image?"),
            T.ChatCompletionContentPartImageParam(
                image_url=T.ImageURL(url="https://example.com/cat.png", detail="low")
            ),
        ],
        name="alice",
    ),
    T.ChatCompletionAssistantMessageParam(
        tool_calls=[
            T.ChatCompletionMessageToolCallParam(
                function=T.ChatCompletionMessageToolCallFunctionParam(arguments='{"q": "cat"}', name="search"),
                id="call_1",
                type="function",
            )
        ]
    ),
    T.ChatCompletionToolMessageParam(content="A cat.", tool_call_id="call_1"),
]
# The same conversation as plain dicts, keys in the order the Structs encode them (tag first).
CONVERSATION_AS_DICTS: list[Any] = [
    {"role": "system", "content": "You are terse."},
    {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this image?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        ],
        "name": "alice",
    },
    {
        "role": "assistant",
        "tool_calls": [
            {"function": {"arguments": '{"q": "cat"}', "name": "search"}, "id": "call_1", "type": "function"}
        ],
    },
    {"role": "tool", "content": "A cat.", "tool_call_id": "call_1"},
]


def test_messages_as_structs_and_as_plain_dicts_encode_the_same_bytes() -> None:
    as_structs = T.ChatCompletionRequest(model="m", messages=CONVERSATION_AS_STRUCTS)
    as_dicts = T.ChatCompletionRequest(model="m", messages=CONVERSATION_AS_DICTS)
    assert wire(as_structs) == wire(as_dicts)
    assert msgspec.json.encode(as_structs) == msgspec.json.encode(as_dicts)
    assert validate(as_dicts) == validate(as_structs)
    assert validate(as_dicts).messages == CONVERSATION_AS_STRUCTS


@pytest.mark.parametrize(
    ("value", "tag_field", "tag"),
    [
        (T.ChatCompletionSystemMessageParam(content="x"), "role", "system"),
        (T.ChatCompletionDeveloperMessageParam(content="x"), "role", "developer"),
        (T.ChatCompletionUserMessageParam(content="x"), "role", "user"),
        (T.ChatCompletionAssistantMessageParam(content="x"), "role", "assistant"),
        (T.ChatCompletionToolMessageParam(content="x", tool_call_id="c"), "role", "tool"),
        (T.ChatCompletionFunctionMessageParam(content="x", name="f"), "role", "function"),
        (T.ChatCompletionContentPartTextParam(text="x"), "type", "text"),
        (T.ChatCompletionContentPartImageParam(image_url=T.ImageURL(url="https://x")), "type", "image_url"),
        (
            T.ChatCompletionContentPartDocumentParam(document=T.ChatCompletionContentPartDocument(data={"k": 1})),
            "type",
            "document",
        ),
        (T.ChatCompletionDocumentSourceTextParam(text="x"), "type", "text"),
        (T.ChatCompletionDocumentSourceJSONParam(data={"k": 1}), "type", "json"),
        (T.ResponseFormatText(), "type", "text"),
        (T.ResponseFormatJSONObject(), "type", "json_object"),
        (T.ResponseFormatJSONSchema(json_schema=T.JSONSchema(name="answer")), "type", "json_schema"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_tagged_union_member_encodes_its_tag(value: Any, tag_field: str, tag: str) -> None:
    encoded = wire(value)
    assert encoded[tag_field] == tag
    assert next(iter(encoded)) == tag_field  # the tag comes first


def test_tagged_request_parts_validate_inside_a_request() -> None:
    user = T.ChatCompletionUserMessageParam(
        content=[
            T.ChatCompletionContentPartTextParam(text="Summarise."),
            T.ChatCompletionContentPartDocumentParam(document=T.ChatCompletionContentPartDocument(data={"a": 1})),
        ]
    )
    request = T.ChatCompletionRequest(
        model="m", messages=[user], response_format=T.ResponseFormatJSONObject(), tool_choice="none"
    )
    body = wire(validate(request))
    assert [p["type"] for p in body["messages"][0]["content"]] == ["text", "document"]
    assert body["response_format"] == {"type": "json_object"}
    assert body["tool_choice"] == "none"


# --------------------------------------------------------------------------------------------------------------
# 6. Constraint violations are refused before anything is sent
# --------------------------------------------------------------------------------------------------------------

A_TOOL = {"type": "function", "function": {"name": "f"}}

FIELD_VIOLATIONS = [
    pytest.param({"temperature": 2.5}, "$.temperature", "<= 2.0", id="temperature_above_2"),
    pytest.param({"temperature": -0.1}, "$.temperature", ">= 0.0", id="temperature_below_0"),
    pytest.param({"top_p": 1.5}, "$.top_p", "<= 1.0", id="top_p_above_1"),
    pytest.param({"frequency_penalty": 3}, "$.frequency_penalty", "<= 2.0", id="frequency_penalty_above_2"),
    pytest.param({"frequency_penalty": -3}, "$.frequency_penalty", ">= -2.0", id="frequency_penalty_below_minus_2"),
    pytest.param({"presence_penalty": 3}, "$.presence_penalty", "<= 2.0", id="presence_penalty_above_2"),
    pytest.param({"presence_penalty": -3}, "$.presence_penalty", ">= -2.0", id="presence_penalty_below_minus_2"),
    pytest.param({"top_logprobs": 21}, "$.top_logprobs", "<= 20", id="top_logprobs_above_20"),
    pytest.param({"n": 2}, "$.n", "<= 1", id="n_other_than_1"),
    pytest.param({"stop": ["a", "b", "c", "d", "e"]}, "$.stop", "length <= 4", id="stop_with_5_strings"),
    pytest.param({"tools": [A_TOOL] * 129}, "$.tools", "length <= 128", id="tools_129_items"),
    pytest.param({"functions": [{"name": "f"}] * 129}, "$.functions", "length <= 128", id="functions_129_items"),
    pytest.param({"messages": []}, "$.messages", "length >= 1", id="messages_empty"),
]


@pytest.mark.parametrize(("overrides", "path", "limit"), FIELD_VIOLATIONS)
def test_request_field_outside_its_limit_fails_validation(overrides: dict[str, Any], path: str, limit: str) -> None:
    request = T.ChatCompletionRequest(**{"model": "m", "messages": [USER_HI], **overrides})
    with pytest.raises(msgspec.ValidationError) as excinfo:
        validate(request)
    message = str(excinfo.value)
    assert f"at `{path}`" in message
    assert limit in message


MESSAGE_VIOLATIONS = [
    pytest.param(
        {"role": "user", "content": "Hi", "nmae": "typo"},
        "$.messages[0]",
        "Object contains unknown field `nmae`",
        id="unknown_key_in_message",
    ),
    pytest.param({"role": "robot", "content": "Hi"}, "$.messages[0].role", "Invalid value 'robot'", id="unknown_role"),
    pytest.param(
        {"role": "user", "content": []}, "$.messages[0].content", "length >= 1", id="user_content_parts_empty"
    ),
    pytest.param(
        {"role": "system", "content": []}, "$.messages[0].content", "length >= 1", id="system_content_parts_empty"
    ),
    pytest.param(
        {"role": "tool", "content": [], "tool_call_id": "c"},
        "$.messages[0].content",
        "length >= 1",
        id="tool_content_parts_empty",
    ),
    pytest.param(
        {"role": "user", "content": [{"type": "text", "text": "x", "cache": True}]},
        "$.messages[0].content[0]",
        "Object contains unknown field `cache`",
        id="unknown_key_in_content_part",
    ),
    pytest.param(
        {"role": "user", "content": [{"type": "audio", "data": "x"}]},
        "$.messages[0].content[0].type",
        "Invalid value 'audio'",
        id="unknown_content_part_type",
    ),
]


@pytest.mark.parametrize(("message", "path", "expected"), MESSAGE_VIOLATIONS)
def test_invalid_message_fails_validation(message: dict[str, Any], path: str, expected: str) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[cast(Any, message)])
    with pytest.raises(msgspec.ValidationError) as excinfo:
        validate(request)
    text = str(excinfo.value)
    assert f"at `{path}`" in text
    assert expected in text


def test_unknown_top_level_request_key_fails_validation() -> None:
    body = b'{"model":"m","messages":[{"role":"user","content":"Hi"}],"suggestions_count":1}'
    with pytest.raises(msgspec.ValidationError, match="Object contains unknown field `suggestions_count`"):
        REQUEST_DECODER.decode(body)


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("temperature", 0.0, 2.0), ("top_p", 0.0, 1.0), ("frequency_penalty", -2.0, 2.0), ("presence_penalty", -2.0, 2.0)],
)
@settings(deadline=None)
@given(x=st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_float_parameter_is_valid_exactly_inside_its_range(name: str, low: float, high: float, x: float) -> None:
    request = T.ChatCompletionRequest(model="m", messages=[USER_HI], **_kwargs(name, x))
    if low <= x <= high:
        assert getattr(validate(request), name) == x
    else:
        with pytest.raises(msgspec.ValidationError, match=rf"at `\$\.{name}`"):
            validate(request)
