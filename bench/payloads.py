"""Deterministic payloads shaped like real Groq responses, shared by the server and the benchmark.

The server process and the benchmark process both build the payloads from these functions. They are pure
functions of their arguments (no clock, no randomness), so the "bound" measurements decode exactly the
bytes that the server sends to the clients.

A content stream is periodic: content event i (1 <= i <= n-2) is `content_event((i - 1) % PERIOD)`. The
server therefore never holds more than one block of PERIOD events, however long the stream (the
1,000,000-chunk memory case would otherwise need ~300 MB pre-encoded), and the bytes are the same either way.
"""

from __future__ import annotations

import json
from typing import Any

# Fixed identity of every chunk of one stream, as Groq sends it (id and created do not change per chunk).
COMPLETION_ID = "chatcmpl-7f3c9a2e-5b1d-4e8a-9c6f-2d4b8a1e0f37"
REQUEST_ID = "req_01kb3w9x7ffq8v2m4n6p0r5t1y"
CREATED = 1764316800
MODEL = "meta-llama/llama-4-maverick-17b-128e-instruct"
FINGERPRINT = "fp_8f4c2b9a1d"
PERIOD = 1000

_SENTENCE = (
    "the quick brown fox jumps over a lazy dog while streaming tokens arrive from the model at high "
    "speed and every chunk carries one small piece of the answer with its id object created model fingerprint"
)
_WORDS = _SENTENCE.split()


def dumps(obj: Any) -> bytes:
    # Compact separators, as the real API sends: the size per chunk matters for a throughput figure.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": COMPLETION_ID,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    chunk.update(extra)
    return chunk


def _usage(completion_tokens: int) -> dict[str, Any]:
    return {
        "queue_time": 0.019826425,
        "prompt_tokens": 182,
        "prompt_time": 0.010391627,
        "completion_tokens": completion_tokens,
        "completion_time": round(completion_tokens / 600, 9),
        "total_tokens": 182 + completion_tokens,
        "total_time": round(0.010391627 + completion_tokens / 600, 9),
    }


def first_event() -> bytes:
    return dumps(_chunk({"role": "assistant", "content": ""}, x_groq={"id": REQUEST_ID}))


def last_event(completion_tokens: int, finish_reason: str = "stop") -> bytes:
    return dumps(_chunk({}, finish_reason, x_groq={"id": REQUEST_ID, "usage": _usage(completion_tokens)}))


def content_event(k: int) -> bytes:
    # Three words per delta keeps an event near 300 bytes with its SSE framing, like real Groq chunks.
    words = [_WORDS[(k * 3 + j) % len(_WORDS)] for j in range(3)]
    return dumps(_chunk({"content": " " + " ".join(words) + f" {k:04d}"}))


def content_block() -> list[bytes]:
    """The PERIOD content events that repeat through every content stream."""
    return [content_event(k) for k in range(PERIOD)]


def content_stream(n: int) -> list[bytes]:
    """The JSON payloads of an n-chunk content stream (first: role and x_groq.id; last: usage)."""
    block = content_block()
    middle = [block[i % PERIOD] for i in range(n - 2)]
    return [first_event(), *middle, last_event(n - 2)]


def reasoning_tools_stream(n: int) -> list[bytes]:
    """A reasoning model that thinks, then calls tools: 60% reasoning deltas, then tool-call fragments.

    Tool calls arrive as Groq streams them: a first fragment with id, type, name and empty arguments, then
    argument fragments of a few characters each, 50 fragments per call.
    """
    events = [first_event()]
    n_reasoning = (n - 2) * 6 // 10
    for k in range(n_reasoning):
        w = _WORDS[k % len(_WORDS)]
        events.append(dumps(_chunk({"reasoning": f" {w} {k}"})))
    fragments = n - 2 - n_reasoning
    per_call = 50
    call = 0
    while fragments > 0:
        events.append(
            dumps(
                _chunk(
                    {
                        "tool_calls": [
                            {
                                "index": call,
                                "id": f"call_{call:06d}abcdef",
                                "type": "function",
                                "function": {"name": "search_documents", "arguments": ""},
                            }
                        ]
                    }
                )
            )
        )
        fragments -= 1
        for j in range(min(per_call - 1, fragments)):
            piece = '{"query": "' if j == 0 else f"part {j} of {call} "
            events.append(dumps(_chunk({"tool_calls": [{"index": call, "function": {"arguments": piece}}]})))
            fragments -= 1
        call += 1
    events.append(last_event(n - 2, "tool_calls"))
    return events


def sse_body(events: list[bytes], done: bool = True) -> bytes:
    """The text/event-stream body: one `data:` line per event, ended by [DONE] unless done=False."""
    return b"".join(b"data: " + e + b"\n\n" for e in events) + (b"data: [DONE]\n\n" if done else b"")


def _token_logprob(k: int) -> dict[str, Any]:
    token = " " + _WORDS[k % len(_WORDS)]
    top = []
    for j in range(5):
        t = " " + _WORDS[(k + j * 7) % len(_WORDS)]
        top.append({"token": t, "logprob": -0.01 - j * 1.37 - (k % 13) / 100, "bytes": list(t.encode())})
    return {"token": token, "logprob": top[0]["logprob"], "bytes": list(token.encode()), "top_logprobs": top}


def completion_logprobs(n: int = 8000) -> bytes:
    """A non-streamed completion of n tokens with logprobs (5 top_logprobs each)."""
    content = [_token_logprob(k) for k in range(n)]
    body = {
        "id": COMPLETION_ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(c["token"] for c in content)},
                "logprobs": {"content": content},
                "finish_reason": "length",
            }
        ],
        "usage": _usage(n),
        "system_fingerprint": FINGERPRINT,
        "x_groq": {"id": REQUEST_ID},
    }
    return dumps(body)


def completion_tools(n_calls: int = 200, n_executed: int = 20, n_results: int = 10) -> bytes:
    """A non-streamed completion with many tool calls, plus server-side executed search tools."""
    text = " ".join(_WORDS)
    tool_calls = [
        {
            "id": f"call_{i:06d}abcdef",
            "type": "function",
            "function": {
                "name": "search_documents",
                "arguments": json.dumps(
                    {"query": f"{_WORDS[i % len(_WORDS)]} {i}", "limit": 10, "filters": {"lang": "en"}}
                ),
            },
        }
        for i in range(n_calls)
    ]
    executed = [
        {
            "index": i,
            "type": "search",
            "arguments": json.dumps({"query": f"{_WORDS[i % len(_WORDS)]} news"}),
            "output": f"Found {n_results} results. " + text,
            "search_results": {
                "results": [
                    {
                        "title": f"Result {j} for query {i}: {text[:60]}",
                        "url": f"https://example.com/articles/{i}/{j}",
                        "content": (text + " ") * 3,
                        "score": round(0.99 - j * 0.03, 4),
                    }
                    for j in range(n_results)
                ]
            },
        }
        for i in range(n_executed)
    ]
    body = {
        "id": COMPLETION_ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "reasoning": (text + " ") * 20,
                    "tool_calls": tool_calls,
                    "executed_tools": executed,
                },
                "logprobs": None,
                "finish_reason": "tool_calls",
            }
        ],
        "usage": _usage(4000),
        "system_fingerprint": FINGERPRINT,
        "x_groq": {"id": REQUEST_ID},
    }
    return dumps(body)


def completion_small() -> bytes:
    """The reply to the small request of case 3: one short answer, as Groq sends it."""
    body = {
        "id": COMPLETION_ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Paris is the capital of France."},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(9),
        "system_fingerprint": FINGERPRINT,
        "x_groq": {"id": REQUEST_ID},
    }
    return dumps(body)


# The request every client sends in the HTTP cases (what a typical application sends).
SMALL_REQUEST: dict[str, Any] = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "temperature": 0.2,
    "max_completion_tokens": 256,
}


# -- case 7: files, batches and embeddings ------------------------------------------------------------------------

FILE_ID = "file_01kb3w9x7ffq8v2m4n6p0r5t1y"


def file_object(size: int = 0) -> bytes:
    """The reply to POST /files: the uploaded file's object."""
    body = {
        "id": FILE_ID,
        "object": "file",
        "bytes": size,
        "created_at": CREATED,
        "filename": "upload.jsonl",
        "purpose": "batch",
    }
    return dumps(body)


def batch_output(n: int = 100_000) -> bytes:
    """A batch's output file (GET /files/{id}/content): ``n`` JSONL result lines, each a whole chat completion."""
    lines = []
    for i in range(n):
        words = " ".join(_WORDS[(i + k) % len(_WORDS)] for k in range(12))
        completion = {
            "id": f"chatcmpl-{i:08d}-5b1d-4e8a-9c6f-2d4b8a1e0f37",
            "object": "chat.completion",
            "created": CREATED,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": words},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(12),
            "system_fingerprint": FINGERPRINT,
            "x_groq": {"id": f"req_{i:026d}"},
        }
        line = {
            "id": f"batch_req_{i:026d}",
            "custom_id": f"request-{i}",
            "response": {"status_code": 200, "request_id": f"req_{i:026d}", "body": completion},
            "error": None,
        }
        lines.append(dumps(line))
    return b"\n".join(lines) + b"\n"


def embeddings(n: int = 2048, dimensions: int = 768) -> bytes:
    """The reply to POST /embeddings for ``n`` inputs: one ``dimensions``-float vector each (nomic-embed's 768)."""
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": [round(((i * 31 + k * 17) % 2001 - 1000) / 1000 * 0.0613, 8) for k in range(dimensions)],
        }
        for i in range(n)
    ]
    body = {
        "object": "list",
        "data": data,
        "model": "nomic-embed-text-v1_5",
        "usage": {"prompt_tokens": n * 8, "total_tokens": n * 8},
    }
    return dumps(body)
