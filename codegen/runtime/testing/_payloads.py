"""Realistic Groq payloads (completions, stream chunks, embeddings, errors, ...) for tests and the mock server."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterable
from typing import Any

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "chat_completion",
    "chat_completion_chunks",
    "embedding_vector",
    "embeddings_response",
    "error_body",
    "model_deleted",
    "model_object",
    "models_list",
    "new_request_id",
    "reranking_response",
    "response_events",
    "response_object",
    "speech_audio",
    "transcription",
    "usage",
]

DEFAULT_MODEL = "llama-3.3-70b-versatile"
DEFAULT_EMBEDDING_MODEL = "nomic-embed-text-v1_5"
_FINGERPRINT = "fp_mock0000"
_counter = itertools.count(1)


def new_request_id() -> str:
    """Return a fresh request id shaped like Groq's (``req_`` + 26 lowercase alphanumerics)."""
    return "req_" + uuid.uuid4().hex[:26]


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4()}"


def usage(
    prompt_tokens: int = 18,
    completion_tokens: int = 5,
    *,
    queue_time: float = 0.017_4,
    prompt_time: float = 0.001_9,
    completion_time: float = 0.012_5,
) -> dict[str, Any]:
    """A usage object with Groq's real timing fields (seconds) and consistent totals."""
    return {
        "queue_time": queue_time,
        "prompt_tokens": prompt_tokens,
        "prompt_time": prompt_time,
        "completion_tokens": completion_tokens,
        "completion_time": completion_time,
        "total_tokens": prompt_tokens + completion_tokens,
        "total_time": round(prompt_time + completion_time, 6),
    }


def chat_completion(
    content: str | None = "Hello! How can I help you today?",
    *,
    model: str = DEFAULT_MODEL,
    request_id: str | None = None,
    id: str | None = None,
    created: int | None = None,
    finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    prompt_tokens: int = 18,
    completion_tokens: int | None = None,
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` body as Groq returns it.

    Args:
        content: The assistant message text (``None`` gives ``"content": null``, as with tool calls).
        model: The model echoed back.
        request_id: Goes to ``x_groq.id``; a fresh ``req_...`` id when omitted.
        id: The completion id; a fresh ``chatcmpl-...`` id when omitted.
        created: Unix time; now when omitted.
        finish_reason: ``"stop"``, ``"length"``, ``"tool_calls"``...
        tool_calls: Added to the message when given.
        prompt_tokens: Usage figure.
        completion_tokens: Usage figure; a word count of `content` when omitted.
    """
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    if completion_tokens is None:
        completion_tokens = max(1, len((content or "").split()))
    return {
        "id": id or _completion_id(),
        "object": "chat.completion",
        "created": int(time.time()) if created is None else created,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
        "usage": usage(prompt_tokens, completion_tokens),
        "system_fingerprint": _FINGERPRINT,
        "x_groq": {"id": request_id or new_request_id()},
    }


def chat_completion_chunks(
    pieces: Iterable[str] = ("Hello", "!", " How can I help", " you today?"),
    *,
    model: str = DEFAULT_MODEL,
    request_id: str | None = None,
    id: str | None = None,
    created: int | None = None,
    finish_reason: str = "stop",
    usage: bool = True,
    include_usage_chunk: bool = False,
    prompt_tokens: int = 18,
) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed completion, shaped like Groq's.

    The first chunk carries ``delta.role`` (with empty content) and ``x_groq.id``; one chunk follows per
    piece of content; the last has an empty delta, the ``finish_reason`` and, when `usage` is true,
    ``x_groq.usage`` (with ``x_groq.id`` again). `include_usage_chunk` appends what
    ``stream_options={"include_usage": true}`` adds: a chunk with top-level ``usage`` and no choices.
    Feed the result to `Reply.sse`.
    """
    request_id = request_id or new_request_id()
    base = {
        "id": id or _completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()) if created is None else created,
        "model": model,
        "system_fingerprint": _FINGERPRINT,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    first = chunk({"role": "assistant", "content": ""})
    first["x_groq"] = {"id": request_id}
    chunks = [first]
    chunks.extend(chunk({"content": piece}) for piece in pieces)
    usage_obj = _usage(prompt_tokens, max(1, len(chunks) - 1))
    last = chunk({}, finish_reason)
    last["x_groq"] = {"id": request_id, "usage": usage_obj} if usage else {"id": request_id}
    chunks.append(last)
    if include_usage_chunk:
        chunks.append({**base, "choices": [], "usage": usage_obj, "x_groq": {"id": request_id}})
    return chunks


# `usage` is also a parameter name of chat_completion_chunks.
_usage = usage


def error_body(
    message: str = "Invalid request",
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A Groq error body: ``{"error": {"message", "type", "code"?, "param"?, ...extra}}``."""
    error: dict[str, Any] = {"message": message, "type": type}
    if code is not None:
        error["code"] = code
    if param is not None:
        error["param"] = param
    error.update(extra)
    return {"error": error}


def model_object(id: str = DEFAULT_MODEL, *, owned_by: str = "Meta", created: int | None = None) -> dict[str, Any]:
    """A ``GET /models/{model}`` body (also the items of `models_list`)."""
    return {
        "id": id,
        "object": "model",
        "created": 1_700_000_000 + next(_counter) if created is None else created,
        "owned_by": owned_by,
        "active": True,
        "context_window": 131_072,
    }


KNOWN_MODELS = (DEFAULT_MODEL, "llama-3.1-8b-instant", "meta-llama/llama-4-scout-17b-16e-instruct")
"""The models the mock server lists and knows by default."""


def models_list(ids: Iterable[str] = KNOWN_MODELS) -> dict[str, Any]:
    """A ``GET /models`` body."""
    return {"object": "list", "data": [model_object(model) for model in ids]}


def model_deleted(id: str) -> dict[str, Any]:
    """A ``DELETE /models/{model}`` body."""
    return {"id": id, "object": "model", "deleted": True}


def embedding_vector(text: str, dimensions: int = 8) -> list[float]:
    """A deterministic unit-length vector for `text` (same text, same vector), rounded to float32 precision."""
    import hashlib
    import math
    import struct

    raw = hashlib.sha256(text.encode()).digest() * (dimensions // 32 + 1)
    values = [(byte - 127.5) / 127.5 for byte in raw[:dimensions]]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    # Rounded through float32, so a base64 answer decodes to exactly these values.
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in values))
    return list(struct.unpack(f"<{dimensions}f", packed))


def embeddings_response(
    inputs: str | Iterable[str],
    *,
    model: str = DEFAULT_EMBEDDING_MODEL,
    dimensions: int = 8,
    encoding_format: str = "float",
) -> dict[str, Any]:
    """A ``POST /embeddings`` body: one `embedding_vector` per input, in order (base64 float32 on request)."""
    import base64
    import struct

    texts = [inputs] if isinstance(inputs, str) else list(inputs)
    data = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, dimensions)
        value: Any = vector
        if encoding_format == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "embedding": value, "index": index})
    tokens = sum(max(1, len(text.split())) for text in texts)
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def reranking_response(query: str, docs: Iterable[str]) -> dict[str, Any]:
    """A ``POST /reranking`` body: each document scored by the share of the query's words it contains (0 to 1),
    most relevant first (ties keep the documents' order)."""
    words = set(query.lower().split())
    scored = [
        {"doc": doc, "score": round(len(words & set(doc.lower().split())) / len(words), 4) if words else 0.0}
        for doc in docs
    ]
    return {"results": sorted(scored, key=lambda result: -result["score"])}


SPEECH_CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mulaw": "audio/basic",
}
"""The ``Content-Type`` of each ``response_format`` of POST /audio/speech."""


def speech_audio(text: str, *, response_format: str = "wav", sample_rate: int = 48_000, speed: float = 1.0) -> bytes:
    """A ``POST /audio/speech`` body: for ``wav``, a valid mono 16-bit WAV file of silence, 20 ms per character of
    `text` (at `speed`); for the other formats, deterministic bytes naming the format (not playable audio)."""
    import struct

    frames = int(sample_rate * 0.02 * max(1, len(text)) / (speed or 1.0))
    if response_format != "wav":
        return f"fastgroq-mock-{response_format}:".encode() + text.encode()[:64] + bytes(frames % 997)
    data_size = frames * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", data_size) + bytes(data_size)


def transcription(
    text: str = "Your transcribed text appears here.",
    *,
    request_id: str | None = None,
    verbose: bool = False,
    task: str = "transcribe",
    language: str = "english",
    words: bool = False,
) -> dict[str, Any]:
    """A ``POST /audio/transcriptions`` (or ``/translations``, with ``task="translate"``) JSON body: ``text`` and
    ``x_groq.id``; with ``verbose`` (``response_format="verbose_json"``) also the task, language, duration and one
    segment per sentence (cut at ". "; and each word's timestamps with `words`)."""
    body: dict[str, Any] = {"text": text, "x_groq": {"id": request_id or new_request_id()}}
    if not verbose:
        return body
    sentences = [part.strip() for part in text.split(". ") if part.strip()] or [""]
    segments, start = [], 0.0
    for index, sentence in enumerate(sentences):
        end = round(start + 0.3 * max(1, len(sentence.split())), 2)
        segments.append(
            {
                "id": index,
                "seek": 0,
                "start": start,
                "end": end,
                "text": " " + sentence,
                "tokens": [50365 + i for i in range(len(sentence.split()))],
                "temperature": 0.0,
                "avg_logprob": -0.2,
                "compression_ratio": 1.1,
                "no_speech_prob": 0.01,
            }
        )
        start = end
    body.update(task=task, language=language, duration=start, segments=segments)
    if words:
        body["words"] = [
            {"word": word, "start": round(0.3 * i, 2), "end": round(0.3 * (i + 1), 2)}
            for i, word in enumerate(text.split())
        ]
    return body


def _response_id() -> str:
    return "resp_" + uuid.uuid4().hex[:26]


def response_object(
    text: str | None = "Hello! How can I help you today?",
    *,
    model: str = DEFAULT_MODEL,
    id: str | None = None,
    status: str = "completed",
    created_at: int | None = None,
    input_tokens: int = 18,
    reasoning: str | None = None,
    function_call: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``POST /responses`` body as Groq returns it: one output message holding `text` (none when `text` is None),
    after a reasoning item when `reasoning` is given, and a function call item when `function_call`
    (``{"name", "arguments"}``) is given. With ``status="in_progress"`` (the first stream events) the output is empty
    and there is no usage; ``"incomplete"`` adds ``incomplete_details``."""
    output: list[dict[str, Any]] = []
    if status not in ("in_progress", "queued"):
        if reasoning is not None:
            output.append(
                {
                    "type": "reasoning",
                    "id": "rs_" + uuid.uuid4().hex[:26],
                    "summary": [],
                    "content": [{"type": "reasoning_text", "text": reasoning}],
                }
            )
        if text is not None:
            output.append(
                {
                    "type": "message",
                    "id": "msg_" + uuid.uuid4().hex[:26],
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            )
        if function_call is not None:
            output.append(
                {
                    "type": "function_call",
                    "id": "fc_" + uuid.uuid4().hex[:26],
                    "status": "completed",
                    "call_id": "call_" + uuid.uuid4().hex[:12],
                    **function_call,
                }
            )
    output_tokens = max(1, len((text or "").split()) + len((reasoning or "").split()))
    body: dict[str, Any] = {
        "id": id or _response_id(),
        "object": "response",
        "status": status,
        "created_at": int(time.time()) if created_at is None else created_at,
        "output": output,
        "previous_response_id": None,
        "model": model,
        "reasoning": {"effort": None, "summary": None},
        "max_output_tokens": None,
        "instructions": None,
        "text": {"format": {"type": "text"}},
        "tools": [],
        "tool_choice": "auto",
        "truncation": "disabled",
        "metadata": {},
        "temperature": 1,
        "top_p": 1,
        "user": None,
        "service_tier": "default",
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "usage": None,
        "parallel_tool_calls": True,
        "store": False,
    }
    if status not in ("in_progress", "queued"):
        body["usage"] = {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"cached_tokens": 0, "reasoning_tokens": len((reasoning or "").split())},
            "total_tokens": input_tokens + output_tokens,
        }
    return body


def response_events(
    pieces: Iterable[str] = ("Hello", "!", " How can I help", " you today?"),
    *,
    model: str = DEFAULT_MODEL,
    id: str | None = None,
    status: str = "completed",
) -> list[dict[str, Any]]:
    """The events of a streamed ``POST /responses`` (OpenAI's Responses streaming events, as Groq sends them):
    ``response.created``, ``response.in_progress``, ``response.output_item.added``, ``response.content_part.added``,
    one ``response.output_text.delta`` per piece, ``response.output_text.done``, ``response.content_part.done``,
    ``response.output_item.done``, then the terminal ``response.completed`` (``response.incomplete`` or
    ``response.failed`` with that `status`), each with its ``sequence_number``. Feed them to `Reply.sse` with
    ``named=True`` (``event: <type>`` lines) and ``done=False`` (the stream ends with its terminal event)."""
    pieces = list(pieces)
    text = "".join(pieces)
    final = response_object(text, model=model, id=id, status=status)
    response_id = final["id"]
    if status == "failed":
        final.update(output=[], usage=None, error={"code": "server_error", "message": "The model failed to respond."})
    item_id = final["output"][0]["id"] if final["output"] else "msg_" + uuid.uuid4().hex[:26]
    started = response_object(None, model=model, id=response_id, status="in_progress", created_at=final["created_at"])
    message: dict[str, Any] = {
        "type": "message",
        "id": item_id,
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    part = {"type": "output_text", "text": "", "annotations": []}
    where = {"item_id": item_id, "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
        {"type": "response.output_item.added", "output_index": 0, "item": message},
        {"type": "response.content_part.added", **where, "part": part},
    ]
    events += [{"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []} for piece in pieces]
    if status != "failed":
        done_part = {**part, "text": text}
        events += [
            {"type": "response.output_text.done", **where, "text": text, "logprobs": []},
            {"type": "response.content_part.done", **where, "part": done_part},
            {"type": "response.output_item.done", "output_index": 0, "item": final["output"][0]},
        ]
    events.append({"type": f"response.{status}", "response": final})
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]
