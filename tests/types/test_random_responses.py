"""Random schema-valid answers for every operation decode: the offline equivalent of pointing the client at
``prism mock -d ../shared/upstream/groq-openapi-2.1.yaml`` (README, "Testing against Prism").

For each of the 23 operations, hypothesis draws 2xx bodies valid against the response schema of Groq's OpenAPI
document (``tests/schema_strategies.py``) and the client's own decoding (``_outcome.decode_body``, the repair rule
included) must turn each into the typed result, never an error: upstream's schema is what the server may send. The
streams are drawn the same way: chat chunks from upstream's ``CreateChatCompletionStreamResponse``, and the
Responses API's events (which upstream does not describe) from ``schema/responses.yaml``. Binary and text answers
are drawn as bytes and text and read back through the loopback server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from fastgroq import Timeout, _endpoints
from fastgroq._operation import Operation
from fastgroq._outcome import ErrorBody, decode_body
from fastgroq._request import PreparedRequest
from fastgroq._stream_decoder import StreamDecoder
from fastgroq.testing import MockGroqServer, Reply, sse_event
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.client_helpers import make_client
from tests.schema_strategies import Strategies

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "upstream" / "groq-openapi-2.1.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
STRATEGIES = Strategies(DOCUMENT)
OPERATIONS: dict[str, Operation] = {op.name: op for op in (getattr(_endpoints, n) for n in _endpoints._OPERATIONS)}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _upstream_content(op_id: str) -> dict[str, Any]:
    """The ``content`` map of the 2xx answer of the upstream operation with this operationId."""
    for item in DOCUMENT["paths"].values():
        for spec in item.values():
            if isinstance(spec, dict) and spec.get("operationId") == op_id:
                responses = {str(k): v for k, v in spec["responses"].items()}
                ok = responses[min(code for code in responses if code.startswith("2"))]
                return dict(ok.get("content", {}))
    raise KeyError(op_id)


JSON_OPERATIONS = sorted(name for name, op in OPERATIONS.items() if op.response_kind == "json")
_REQUEST = PreparedRequest("GET", "http://127.0.0.1/x", {}, None, Timeout(read=1.0), ("http", "127.0.0.1"))


def test_every_operation_is_drawn() -> None:
    assert len(OPERATIONS) == 23
    assert {name for name in OPERATIONS if name not in JSON_OPERATIONS} == {"createSpeech", "downloadFile"}


@pytest.mark.parametrize("op_id", JSON_OPERATIONS)
def test_random_upstream_valid_json_answers_decode(op_id: str) -> None:
    op = OPERATIONS[op_id]
    schema = _upstream_content(op_id)["application/json"]["schema"]

    @SETTINGS
    @given(body=STRATEGIES.of(schema))
    def check(body: Any) -> None:
        data = msgspec.json.encode(body)
        result = decode_body(op, _REQUEST, 200, "OK", {"x-request-id": "req_random"}, data, 0.0)
        assert op.response_type is not None and isinstance(result, op.response_type)

    check()


@SETTINGS
@given(chunks=st.lists(STRATEGIES.of({"$ref": "#/components/schemas/CreateChatCompletionStreamResponse"}), max_size=5))
def test_random_upstream_valid_chat_chunks_decode(chunks: list[Any]) -> None:
    body = b"".join(sse_event(chunk) for chunk in chunks) + b"data: [DONE]\n\n"
    decoder = _decoder(OPERATIONS["createChatCompletion"])
    out = decoder.feed(body) + decoder.flush()
    assert decoder.error is None or type(decoder.error).__name__ == "StreamError", decoder.error  # an x_groq.error
    if decoder.error is None:
        assert len(out) == len(chunks) and decoder.done


def _own_schema() -> dict[str, Any]:
    """``schema/*.yaml`` as one document: every file's ``$defs`` together, cross-file ``$ref`` made local."""
    defs: dict[str, Any] = {}
    for path in sorted((ROOT / "schema").glob("*.yaml")):
        defs.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("$defs", {}))
    text = msgspec.json.encode({"$defs": defs}).decode()
    for path in (ROOT / "schema").glob("*.yaml"):
        text = text.replace(f'"{path.name}#/$defs/', '"#/$defs/')
    own: dict[str, Any] = msgspec.json.decode(text)
    return own


OWN = Strategies(_own_schema())


@SETTINGS
@given(events=st.lists(OWN.of({"$ref": "#/$defs/ResponseStreamEvent"}), max_size=6))
def test_random_schema_valid_responses_events_decode(events: list[Any]) -> None:
    body = b"".join(sse_event(e, event=str(e["type"])) for e in events)
    decoder = _decoder(OPERATIONS["createResponse"])
    out = decoder.feed(body) + decoder.flush()
    ends = [
        i
        for i, e in enumerate(events)
        if e["type"] in ("response.completed", "response.incomplete", "error", "response.failed")
    ]
    if not ends:
        assert len(out) == len(events) and type(decoder.error).__name__ == "IncompleteStreamError"
    elif events[ends[0]]["type"] in ("error", "response.failed"):
        assert len(out) == ends[0] and type(decoder.error).__name__ == "StreamError"
    else:
        assert len(out) == ends[0] + 1 and decoder.done and decoder.error is None


def _decoder(op: Operation) -> StreamDecoder:
    return StreamDecoder(op, request=None, status_code=200, headers={}, secret="", error_decoder=ErrorBody.error_object)


# --- binary and text answers, through the loopback server -----------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[MockGroqServer]:
    with MockGroqServer() as server:
        yield server


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), text=st.text(max_size=200))
def test_random_binary_and_text_answers_read_back(server: MockGroqServer, data: bytes, text: str) -> None:
    with make_client(server) as client:
        server.enqueue(Reply.raw(data, content_type="application/octet-stream"))
        assert client.files.content("file_1").content == data
        server.enqueue(Reply.raw(data, content_type="audio/wav", chunked=True))
        assert client.audio.speech.create(model="m", input="x", voice="v").content == data
        server.enqueue(Reply.raw(text.encode(), content_type="text/plain; charset=utf-8"))
        assert client.audio.transcriptions.create(url="https://a/b.mp3", model="m", response_format="text") == text
