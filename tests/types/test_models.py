"""The conventions of the response types and their base class, ``fastgroq._models.BaseModel``.

1. every response Struct derives from BaseModel and no request Struct does;
2. absent means None: no response field is annotated with ``UnsetType``; optional fields default to None;
3. ``to_dict()`` / ``to_json()`` / ``model_dump()`` / ``model_dump_json()`` take the official SDK's arguments
   with its defaults; equality and ``repr``.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import msgspec
import pytest
from fastgroq import _endpoints, types as T
from fastgroq._models import BaseModel

from .test_types import CHUNKS, COMPLETIONS, STRUCTS, decode, without_nulls

# Every operation's response and stream event, the error body; every request body and query type: from the
# operation descriptors the generator wrote (fastgroq._endpoints), so every new operation is covered.
_OPERATIONS = [getattr(_endpoints, name) for name in _endpoints._OPERATIONS]
RESPONSE_ROOTS = tuple(
    {t for op in _OPERATIONS for t in (op.response_type, op.stream_event_type) if t} | {T.ErrorResponse}
)
REQUEST_ROOTS = tuple({t for op in _OPERATIONS for t in (op.request_type, op.query_type) if t})


def _name(t: object) -> str:
    return t.__name__ if isinstance(t, type) else str(t)


def _reachable_structs(roots: tuple[type, ...]) -> set[type[msgspec.Struct]]:
    seen: set[type[msgspec.Struct]] = set()
    todo: list[Any] = list(roots)
    while todo:
        tp = todo.pop()
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            if tp in seen:
                continue
            seen.add(tp)
            todo.extend(typing.get_type_hints(tp, include_extras=True).values())
        else:
            todo.extend(typing.get_args(tp))
    return seen


RESPONSE_STRUCTS = _reachable_structs(RESPONSE_ROOTS)
REQUEST_STRUCTS = _reachable_structs(REQUEST_ROOTS)


def _mentions_unset(tp: Any) -> bool:
    return tp is msgspec.UnsetType or any(_mentions_unset(a) for a in typing.get_args(tp))


# --------------------------------------------------------------------------------------------------------------
# 1. One base class for responses
# --------------------------------------------------------------------------------------------------------------


def test_the_two_sides_are_found_and_do_not_overlap() -> None:
    assert len(RESPONSE_STRUCTS) >= 40 and len(REQUEST_STRUCTS) >= 20
    assert not RESPONSE_STRUCTS & REQUEST_STRUCTS
    assert set(STRUCTS.values()) == RESPONSE_STRUCTS | REQUEST_STRUCTS


@pytest.mark.parametrize("struct", sorted(RESPONSE_STRUCTS, key=_name), ids=_name)
def test_every_response_struct_derives_from_base_model(struct: type) -> None:
    assert issubclass(struct, BaseModel)


def test_no_request_struct_derives_from_base_model() -> None:
    assert [s.__name__ for s in REQUEST_STRUCTS if issubclass(s, BaseModel)] == []


# --------------------------------------------------------------------------------------------------------------
# 2. Absent means None on the response side; requests keep UNSET
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("struct", sorted(RESPONSE_STRUCTS, key=_name), ids=_name)
def test_no_response_field_is_unset_and_optional_ones_default_to_none(struct: type[msgspec.Struct]) -> None:
    for field in msgspec.structs.fields(struct):
        assert not _mentions_unset(field.type), f"{struct.__name__}.{field.name}: {field.type}"
        if field.required:
            continue
        # The one non-None default: a chunk's choices, absent on keep-alive frames, is an empty list.
        expected: Any = [] if (struct, field.name) == (T.ChatCompletionChunk, "choices") else None
        default = field.default_factory() if field.default is msgspec.NODEFAULT else field.default
        assert default == expected, f"{struct.__name__}.{field.name} defaults to {default!r}"


def test_request_fields_keep_unset_so_only_what_the_caller_set_is_sent() -> None:
    temperature = {f.name: f for f in msgspec.structs.fields(T.ChatCompletionRequest)}["temperature"]
    assert temperature.default is msgspec.UNSET and _mentions_unset(temperature.type)
    request = T.ChatCompletionRequest(model="m", messages=[T.ChatCompletionUserMessageParam(content="hi")])
    assert json.loads(msgspec.json.encode(request)) == {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    request = T.ChatCompletionRequest(model="m", messages=[], temperature=None)
    assert json.loads(msgspec.json.encode(request))["temperature"] is None  # an explicit None sends null


def test_absent_and_null_are_both_none_and_neither_is_re_encoded() -> None:
    absent = decode({"content": "x"}, T.ChoiceDelta)
    null = decode({"content": "x", "role": None, "tool_calls": None, "reasoning": None}, T.ChoiceDelta)
    assert absent == null
    assert (absent.role, absent.tool_calls, absent.reasoning, absent.executed_tools) == (None, None, None, None)
    assert msgspec.json.encode(null) == b'{"content":"x"}'


def test_required_but_nullable_fields_may_be_absent() -> None:
    payload = json.loads(json.dumps(COMPLETIONS["reasoning"]))
    del payload["choices"][0]["message"]["content"]
    del payload["choices"][0]["logprobs"]
    choice = decode(payload, T.ChatCompletion).choices[0]
    assert choice.message.content is None and choice.logprobs is None


# --------------------------------------------------------------------------------------------------------------
# 3. What code written for the official SDK calls on a response
# --------------------------------------------------------------------------------------------------------------


def completion() -> T.ChatCompletion:
    return decode(COMPLETIONS["reasoning"], T.ChatCompletion)  # type: ignore[no-any-return]


def test_to_dict_drops_what_the_server_did_not_set_and_gives_plain_values() -> None:
    payload = COMPLETIONS["reasoning"]
    result: dict[str, Any] = completion().to_dict()
    assert result == without_nulls(payload)
    assert type(result["object"]) is str and type(result["choices"][0]["finish_reason"]) is str
    assert completion().to_dict(mode="json") == result
    full: dict[str, Any] = completion().to_dict(exclude_unset=False)
    assert full["service_tier"] is None and full["choices"][0]["message"]["tool_calls"] is None


def test_to_json_is_indented_by_default_and_compact_on_request() -> None:
    text = completion().to_json()
    assert text.startswith('{\n  "choices": [\n    {')
    assert json.loads(text) == without_nulls(COMPLETIONS["reasoning"])
    compact = completion().to_json(indent=None)
    assert "\n" not in compact and json.loads(compact) == json.loads(text)
    assert json.loads(completion().to_json(exclude_unset=False))["usage_breakdown"] is None


def test_model_dump_keeps_every_field_unless_told_otherwise() -> None:
    dumped = completion().model_dump()
    assert set(dumped) == {f.name for f in msgspec.structs.fields(T.ChatCompletion)}
    assert dumped["system_fingerprint"] == COMPLETIONS["reasoning"]["system_fingerprint"]
    assert dumped["mcp_list_tools"] is None
    assert completion().model_dump(exclude_none=True) == without_nulls(COMPLETIONS["reasoning"])
    assert completion().model_dump(exclude_unset=True) == without_nulls(COMPLETIONS["reasoning"])
    assert completion().model_dump(mode="json", by_alias=True) == dumped
    with pytest.raises(ValueError, match="mode"):
        completion().model_dump(mode="yaml")


def test_model_dump_include_and_exclude_as_in_pydantic() -> None:
    c = completion()
    assert c.model_dump(include={"id", "model"}) == {"id": c.id, "model": c.model}
    assert "choices" not in c.model_dump(exclude={"choices"})
    nested = c.model_dump(include={"choices": {"__all__": {"message": {"content"}}}})
    assert nested == {"choices": [{"message": {"content": "The answer is 42."}}]}
    first = c.model_dump(include={"choices": {0: {"index"}}}, exclude_none=True)
    assert first == {"choices": [{"index": 0}]}
    assert (
        "reasoning"
        not in c.model_dump(exclude={"choices": {"__all__": {"message": {"reasoning"}}}})["choices"][0]["message"]
    )


def test_exclude_defaults_also_drops_a_chunks_empty_choices() -> None:
    chunk = decode(CHUNKS["include_usage_final"], T.ChatCompletionChunk)
    assert chunk.to_dict()["choices"] == []  # the server sent it: kept, as the official to_dict() keeps it
    assert "choices" not in chunk.model_dump(exclude_defaults=True)


def test_model_dump_json_is_compact_by_default_and_takes_indent_and_ensure_ascii() -> None:
    c = completion()
    text = c.model_dump_json(exclude_none=True)
    assert "\n" not in text and json.loads(text) == without_nulls(COMPLETIONS["reasoning"])
    assert c.model_dump_json(indent=4).startswith('{\n    "choices"')
    accented = msgspec.structs.replace(c.choices[0].message, content="café")
    assert '"café"' in accented.model_dump_json()
    assert '"caf\\u00e9"' in accented.model_dump_json(ensure_ascii=True)


def test_equality_copy_and_validate() -> None:
    assert completion() == completion()
    assert completion() != msgspec.structs.replace(completion(), id="other")
    copy = completion().model_copy(update={"id": "other"})
    assert copy.id == "other" and copy.choices == completion().choices
    deep = completion().model_copy(deep=True)
    assert deep == completion() and deep.choices[0] is not completion().choices[0]
    assert T.ChatCompletion.model_validate(completion().to_dict()) == completion()
    assert T.ChatCompletion.model_validate_json(completion().to_json()) == completion()


def test_repr_shows_what_the_server_sent_with_enums_as_strings() -> None:
    text = repr(decode({"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}, T.ChatCompletionChunkChoice))
    assert text == "ChatCompletionChunkChoice(delta=ChoiceDelta(content='Hi'), index=0, finish_reason='stop')"


def test_the_request_id_still_rides_on_top_level_responses() -> None:
    c = completion()
    c._request_id = "req_1"  # type: ignore[attr-defined]
    assert c._request_id == "req_1"  # type: ignore[attr-defined]
    assert "_request_id" not in c.to_dict() and c == completion()


FIXTURES = [(f"completion_{n}", p, T.ChatCompletion) for n, p in sorted(COMPLETIONS.items())] + [
    (f"chunk_{n}", p, T.ChatCompletionChunk) for n, p in sorted(CHUNKS.items())
]


@pytest.mark.parametrize(("payload", "type_"), [f[1:] for f in FIXTURES], ids=[f[0] for f in FIXTURES])
def test_the_fast_and_the_general_path_of_to_dict_agree(payload: Any, type_: Any) -> None:
    decoded = decode(payload, type_)
    general = decoded.model_dump(exclude_none=True, exclude=set())  # include/exclude take the Python walk
    assert decoded.to_dict() == general == without_nulls(payload)
    assert without_nulls(decoded.model_dump()) == general
    assert json.loads(decoded.to_json()) == general
