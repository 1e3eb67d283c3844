"""Code written for the official `groq` SDK, with only the import changed.

`make typecheck` runs `mypy --strict` on this module, so the habits below must type-check against
fastgroq's types (no `UnsetType` on a response, `X | None` where the official SDK has `Optional[X]`);
tests/test_official_sdk_code.py runs the same functions against the loopback server.
Keep it written the way the official SDK's users write it, not the way fastgroq would suggest: with `fastgroq`
replaced by `groq` it type-checks against the official SDK (1.7.0) too (`mypy --strict --python-executable`
pointed at an environment that has `groq`).
"""

from __future__ import annotations

import json
from typing import Any

from fastgroq import Groq
from fastgroq.types import CompletionUsage, Model
from fastgroq.types.chat import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCallParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionToolParam,
    ChatCompletionUserMessageParam,
)
from fastgroq.types.chat.chat_completion import Choice
from fastgroq.types.chat.chat_completion_chunk import ChoiceDelta

MODEL = "llama-3.3-70b-versatile"


def stream_text(client: Groq, prompt: str) -> str:
    """The official README's streaming loop, with the `is not None` check people write around it."""
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        stream=True,
    )
    text = ""
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        if delta.content is not None:
            text += delta.content
        if chunk.choices[0].finish_reason is not None:
            break
    return text


def stream_text_or_empty(client: Groq, prompt: str) -> str:
    """The other common spelling: `chunk.choices[0].delta.content or ""`."""
    stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}], stream=True)
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def complete(client: Groq, prompt: str) -> str:
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    return completion.choices[0].message.content or ""


def content_or_fallback(client: Groq, prompt: str) -> str:
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    message = completion.choices[0].message
    if message.content is None:
        return "(no content)"
    return message.content.strip()


def tool_arguments(client: Groq, prompt: str) -> list[dict[str, Any]]:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    )
    calls = completion.choices[0].message.tool_calls
    if not calls:
        return []
    result: list[dict[str, Any]] = []
    for call in calls:
        arguments: dict[str, Any] = json.loads(call.function.arguments)
        result.append({"id": call.id, "name": call.function.name, **arguments})
    return result


def token_counts(client: Groq, prompt: str) -> tuple[int, int, float | None]:
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    usage = completion.usage
    if usage is None:
        return (0, 0, None)
    return (usage.prompt_tokens, usage.total_tokens, usage.total_time)


def finish_reason_and_reasoning(client: Groq, prompt: str) -> tuple[str, str | None]:
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    choice = completion.choices[0]
    reason: str = choice.finish_reason
    return (reason, choice.message.reasoning)


def serialized(client: Groq, prompt: str) -> tuple[dict[str, object], str, dict[str, Any], str]:
    completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}])
    as_dict: dict[str, object] = completion.to_dict()
    as_json: str = completion.to_json()
    dumped: dict[str, Any] = completion.model_dump(exclude_none=True)
    dumped_json: str = completion.model_dump_json(indent=2, exclude_unset=True)
    return (as_dict, as_json, dumped, dumped_json)


def model_ids(client: Groq) -> list[str]:
    return [model.id for model in client.models.list().data if model.owned_by]


# Annotations with the official SDK's module paths and names.


def first_choice(completion: ChatCompletion) -> Choice:
    return completion.choices[0]


def message_of(completion: ChatCompletion) -> ChatCompletionMessage:
    return first_choice(completion).message


def delta_of(chunk: ChatCompletionChunk) -> ChoiceDelta | None:
    return chunk.choices[0].delta if chunk.choices else None


def total_tokens(usage: CompletionUsage | None) -> int:
    return usage.total_tokens if usage is not None else 0


def describe(model: Model) -> str:
    return f"{model.id} ({model.owned_by}, {model.created})"


def typed_roundtrip(client: Groq, prompt: str) -> tuple[str, int, list[str]]:
    completion: ChatCompletion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}]
    )
    stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": prompt}], stream=True)
    pieces: list[str] = []
    for chunk in stream:
        delta = delta_of(chunk)
        if delta is not None and delta.content:
            pieces.append(delta.content)
    return (message_of(completion).content or "", total_tokens(completion.usage), pieces)


# The tool loop with the official SDK's message params (TypedDicts), typed as its users type it.

WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def get_weather(city: str) -> str:
    return json.dumps({"city": city, "sky": "sunny"})


def tool_loop(client: Groq, prompt: str) -> tuple[str, list[ChatCompletionMessageParam]]:
    messages: list[ChatCompletionMessageParam] = [
        ChatCompletionSystemMessageParam(role="system", content="Use the tools."),
        ChatCompletionUserMessageParam(role="user", content=prompt),
    ]
    response = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="auto")
    response_message = response.choices[0].message
    tool_calls = response_message.tool_calls or []
    messages.append(
        ChatCompletionAssistantMessageParam(
            role="assistant",
            content=response_message.content,
            tool_calls=[
                ChatCompletionMessageToolCallParam(
                    id=call.id,
                    type="function",
                    function={"name": call.function.name, "arguments": call.function.arguments},
                )
                for call in tool_calls
            ],
        )
    )
    for call in tool_calls:
        arguments = json.loads(call.function.arguments)
        messages.append(
            ChatCompletionToolMessageParam(role="tool", tool_call_id=call.id, content=get_weather(arguments["city"]))
        )
    final = client.chat.completions.create(model=MODEL, messages=messages)
    return (final.choices[0].message.content or "", messages)
