"""Every JSON operation beyond chat, end to end against the loopback server: what goes on the wire, the typed
result, and the rules that hold for chat (typed errors with request ids, retries, raw and streaming responses,
repaired bad values, with_options), driven by one table. Each area's own behaviour is tested below the table.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import fastgroq
import msgspec
import pytest
from fastgroq import Groq, RequestValidationError
from fastgroq.testing import (
    MockGroqServer,
    Reply,
    embedding_vector,
    embeddings_response,
    model_deleted,
    reranking_response,
)
from fastgroq.types import (
    Batch,
    BatchListResponse,
    CreateEmbeddingResponse,
    DeleteFineTuningResponse,
    Embedding,
    EmbeddingCreateRequest,
    FileDeleteResponse,
    FileListResponse,
    FileObject,
    ListFineTuningsResponse,
    ModelDeleted,
    ReadFineTuningResponse,
    RerankingResponse,
)

from tests.client_helpers import make_client

FAST = {"retry-after-ms": "1"}
EMBED_MODEL = "nomic-embed-text-v1_5"
TUNED = "ft:llama-3.1-8b-instant:org:my-model"
BATCH = {
    "id": "batch_01jh6xa7reempvjyh6n3yst2zw",
    "object": "batch",
    "endpoint": "/v1/chat/completions",
    "input_file_id": "file_01jh6x76wtemjr74t1fh0faj5t",
    "completion_window": "24h",
    "status": "validating",
    "created_at": 1736472600,
    "expires_at": 1736559000,
    "request_counts": {"total": 0, "completed": 0, "failed": 0},
}
FILE = {
    "id": "file_01jh6x76wtemjr74t1fh0faj5t",
    "object": "file",
    "bytes": 966,
    "created_at": 1736472501,
    "filename": "batch_file.jsonl",
    "purpose": "batch",
}
TUNING = {
    "id": "ft_1",
    "name": "test-1",
    "base_model": "llama-3.1-8b-instant",
    "type": "lora",
    "input_file_id": "file_1",
    "fine_tuned_model": "llama-3.1-8b-instant:ft:test-1",
    "created_at": 1736472600.0,
}
DOCS = ["Machine learning is a subset of AI", "The weather is nice today"]


@dataclass(frozen=True)
class Case:
    """One operation: how to call it, what must go on the wire, and a good answer to serve."""

    name: str
    call: Callable[[Any], Any]
    method: str
    path: str
    reply: dict[str, Any]
    result_type: type[Any]
    body: dict[str, Any] | None = None
    query: dict[str, str] = field(default_factory=dict)
    bad: tuple[str | int, ...] = ()
    """A path into ``reply`` (keys, list indices) whose value is replaced by a wrong type (the repair rule)."""


CASES = [
    Case(
        "models.delete",
        lambda c: c.models.delete(TUNED),
        "DELETE",
        "/openai/v1/models/ft:llama-3.1-8b-instant:org:my-model",  # colons kept, as the official SDK keeps them
        model_deleted(TUNED),
        ModelDeleted,
        bad=("deleted",),
    ),
    Case(
        "embeddings.create",
        lambda c: c.embeddings.create(model=EMBED_MODEL, input=["a", "b"]),
        "POST",
        "/openai/v1/embeddings",
        embeddings_response(["a", "b"]),
        CreateEmbeddingResponse,
        body={"model": EMBED_MODEL, "input": ["a", "b"]},
        bad=("usage", "total_tokens"),
    ),
    Case(
        "batches.create",
        lambda c: c.batches.create(
            input_file_id=FILE["id"], endpoint="/v1/chat/completions", completion_window="24h", metadata={"job": "7"}
        ),
        "POST",
        "/openai/v1/batches",
        BATCH,
        Batch,
        body={
            "input_file_id": FILE["id"],
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"job": "7"},
        },
        bad=("request_counts", "total"),
    ),
    Case(
        "batches.retrieve",
        lambda c: c.batches.retrieve(BATCH["id"]),
        "GET",
        f"/openai/v1/batches/{BATCH['id']}",
        BATCH,
        Batch,
        bad=("expires_at",),
    ),
    Case(
        "batches.list",
        lambda c: c.batches.list(),
        "GET",
        "/openai/v1/batches",
        {"object": "list", "data": [BATCH]},
        BatchListResponse,
        bad=("object",),
    ),
    Case(
        "batches.cancel",
        lambda c: c.batches.cancel(BATCH["id"]),
        "POST",
        f"/openai/v1/batches/{BATCH['id']}/cancel",
        {**BATCH, "status": "cancelling", "cancelling_at": 1736472700},
        Batch,
        bad=("cancelling_at",),
    ),
    Case(
        "files.list",
        lambda c: c.files.list(),
        "GET",
        "/openai/v1/files",
        {"object": "list", "data": [FILE]},
        FileListResponse,
        bad=("object",),
    ),
    Case(
        "files.info",
        lambda c: c.files.info(FILE["id"]),
        "GET",
        f"/openai/v1/files/{FILE['id']}",
        FILE,
        FileObject,
        bad=("bytes",),
    ),
    Case(
        "files.delete",
        lambda c: c.files.delete(FILE["id"]),
        "DELETE",
        f"/openai/v1/files/{FILE['id']}",
        {"id": FILE["id"], "object": "file", "deleted": True},
        FileDeleteResponse,
        bad=("deleted",),
    ),
    Case(
        "reranking.create",
        lambda c: c.reranking.create(model="qwen3-reranker-4b", query="artificial intelligence", docs=DOCS),
        "POST",
        "/openai/v1/reranking",
        reranking_response("machine learning", DOCS),
        RerankingResponse,
        body={"model": "qwen3-reranker-4b", "query": "artificial intelligence", "docs": DOCS},
        bad=("results", 0, "score"),
    ),
    Case(
        "fine_tunings.list",
        lambda c: c.fine_tunings.list(),
        "GET",
        "/v1/fine_tunings",  # outside /openai/v1
        {"object": "list", "data": [TUNING]},
        ListFineTuningsResponse,
        bad=("object",),
    ),
    Case(
        "fine_tunings.create",
        lambda c: c.fine_tunings.create(
            input_file_id="file_1", name="test-1", type="lora", base_model="llama-3.1-8b-instant"
        ),
        "POST",
        "/v1/fine_tunings",
        {"id": "ft_1", "object": "fine_tuning", "data": TUNING},
        ReadFineTuningResponse,
        body={"input_file_id": "file_1", "name": "test-1", "type": "lora", "base_model": "llama-3.1-8b-instant"},
        bad=("data", "created_at"),
    ),
    Case(
        "fine_tunings.retrieve",
        lambda c: c.fine_tunings.retrieve("ft_1"),
        "GET",
        "/v1/fine_tunings/ft_1",
        {"id": "ft_1", "object": "fine_tuning", "data": TUNING},
        ReadFineTuningResponse,
        bad=("id",),
    ),
    Case(
        "fine_tunings.delete",
        lambda c: c.fine_tunings.delete(id="ft_1"),  # the keyword form of Groq's API reference
        "DELETE",
        "/v1/fine_tunings/ft_1",
        {"id": "ft_1", "object": "fine_tuning", "deleted": True},
        DeleteFineTuningResponse,
        bad=("deleted",),
    ),
]
IDS = [case.name for case in CASES]


def _resource(client: Any, name: str) -> Any:
    """``client.models`` for ``models.delete``."""
    *path, _ = name.split(".")
    for part in path:
        client = getattr(client, part)
    return client


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_request_on_the_wire_and_the_typed_result(server: MockGroqServer, client: Groq, case: Case) -> None:
    server.enqueue(Reply.json(case.reply, headers={"x-request-id": "req_ok"}))
    result: Any = case.call(client)
    assert isinstance(result, case.result_type)
    assert result.to_dict() == case.reply
    assert result._request_id == "req_ok"
    (request,) = server.requests
    assert (request.method, request.path, request.query) == (case.method, case.path, case.query)
    assert request.headers["Authorization"].startswith("Bearer ")
    if case.body is None:
        assert request.body == b""
        assert "content-type" not in request.headers
    else:
        assert request.json() == case.body
        assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_an_error_is_typed_and_carries_the_request_id(server: MockGroqServer, client: Groq, case: Case) -> None:
    server.enqueue(Reply.error(404, "not found here", code="not_found", headers={"x-request-id": "req_404"}))
    with pytest.raises(fastgroq.NotFoundError) as info:
        case.call(client)
    error = info.value
    assert (error.status_code, error.request_id, error.code) == (404, "req_404", "not_found")
    assert error.body == {"error": {"message": "not found here", "type": "invalid_request_error", "code": "not_found"}}
    assert error.request is not None and error.request.method == case.method
    assert error.request.url.endswith(case.path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_5xx_is_retried_with_the_same_request(server: MockGroqServer, case: Case) -> None:
    server.enqueue(Reply.error(503, "busy", headers=FAST), Reply.json(case.reply))
    with make_client(server, max_retries=1) as client:
        assert isinstance(case.call(client), case.result_type)
    first, second = server.requests
    assert (first.method, first.target, first.body) == (second.method, second.target, second.body)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_raw_and_streaming_responses(server: MockGroqServer, client: Groq, case: Case) -> None:
    server.route(case.method, case.path, Reply.json(case.reply, headers={"x-request-id": "req_raw"}))
    raw = case.call(_Twin(client, "with_raw_response"))
    assert (raw.status_code, raw.request_id) == (200, "req_raw")
    assert raw.parse() == case.call(client)
    with case.call(_Twin(client, "with_streaming_response")) as response:
        assert response.headers["x-request-id"] == "req_raw"
        assert response.json() == case.reply
    with case.call(_Twin(client, "with_streaming_response", on_client=True)) as response:
        assert isinstance(response.parse(), case.result_type)


class _Twin:
    """``client.X.with_raw_response`` (or ``client.with_raw_response.X``) wherever a case's lambda says ``c.X``."""

    def __init__(self, client: Groq, twin: str, *, on_client: bool = False) -> None:
        self._client, self._twin, self._on_client = client, twin, on_client

    def __getattr__(self, name: str) -> Any:
        if self._on_client:
            return getattr(getattr(self._client, self._twin), name)
        return _TwinResource(getattr(self._client, name), self._twin)


class _TwinResource:
    def __init__(self, resource: Any, twin: str) -> None:
        self._resource, self._twin = resource, twin

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._resource, name)
        if callable(attr):
            return getattr(getattr(self._resource, self._twin), name)
        return _TwinResource(attr, self._twin)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_bad_value_is_repaired_not_refused(server: MockGroqServer, client: Groq, case: Case) -> None:
    body = msgspec.json.decode(msgspec.json.encode(case.reply))
    holder = body
    for key in case.bad[:-1]:
        holder = holder[key]
    holder[case.bad[-1]] = {"not": "this type"}
    server.enqueue(Reply.json(body))
    result = case.call(client)
    (repair,) = fastgroq.repairs(result)
    assert repair.path == "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in case.bad)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_body_without_its_envelope_is_refused(server: MockGroqServer, client: Groq, case: Case) -> None:
    server.enqueue(Reply.json([1, 2, 3], headers={"x-request-id": "req_bad"}))
    with pytest.raises(fastgroq.APIResponseValidationError) as info:
        case.call(client)
    assert info.value.request_id == "req_bad"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_per_call_options_and_with_options(server: MockGroqServer, client: Groq, case: Case) -> None:
    server.route(case.method, case.path, Reply.json(case.reply))
    case.call(client.with_options(default_headers={"x-team": "a"}, default_query={"trace": "1"}))
    request = server.last_request
    assert request.headers["x-team"] == "a"
    assert request.query == {**case.query, "trace": "1"}
    server.enqueue(Reply.json(case.reply).delayed(1.0))
    with pytest.raises(fastgroq.APITimeoutError):
        case.call(client.with_options(timeout=0.05, max_retries=0))


# --- models.delete ------------------------------------------------------------------------------------------


def test_models_delete_by_default_and_an_empty_id(server: MockGroqServer, client: Groq) -> None:
    deleted = client.models.delete("meta-llama/llama-4-scout-17b-16e-instruct")
    assert deleted == ModelDeleted(id="meta-llama/llama-4-scout-17b-16e-instruct", object="model", deleted=True)
    assert server.last_request.target == "/openai/v1/models/meta-llama%2Fllama-4-scout-17b-16e-instruct"
    with pytest.raises(ValueError, match="non-empty value for path parameter 'model'"):
        client.models.delete("")
    assert len(server.requests) == 1


def test_models_delete_of_an_unknown_model_is_a_typed_404(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(
        Reply.error(404, "The model `nope` does not exist", code="model_not_found", headers={"x-request-id": "r"})
    )
    with pytest.raises(fastgroq.NotFoundError) as info:
        client.models.delete(model="nope")
    assert info.value.code == "model_not_found"


# --- embeddings.create --------------------------------------------------------------------------------------


def test_embeddings_of_one_string_and_of_many(server: MockGroqServer, client: Groq) -> None:
    one = client.embeddings.create(model=EMBED_MODEL, input="hello world")
    assert isinstance(one.data[0], Embedding)
    assert one.data[0].embedding == embedding_vector("hello world")
    assert (one.model, one.object, one.usage.prompt_tokens) == (EMBED_MODEL, "list", 2)
    many = client.embeddings.create(model=EMBED_MODEL, input=["a", "b", "c"], user="u1")
    assert [e.index for e in many.data] == [0, 1, 2]
    assert server.requests[1].json() == {"model": EMBED_MODEL, "input": ["a", "b", "c"], "user": "u1"}


def test_embeddings_as_base64(server: MockGroqServer, client: Groq) -> None:
    result = client.embeddings.create(model=EMBED_MODEL, input="x", encoding_format="base64")
    encoded = result.data[0].embedding
    assert isinstance(encoded, str)
    raw = base64.b64decode(encoded)
    assert list(struct.unpack(f"<{len(raw) // 4}f", raw)) == embedding_vector("x")
    assert server.last_request.json()["encoding_format"] == "base64"


def test_embeddings_prebuilt_request_and_not_given(server: MockGroqServer, client: Groq) -> None:
    client.embeddings.create(EmbeddingCreateRequest(model=EMBED_MODEL, input="x"))
    client.embeddings.create(model=EMBED_MODEL, input="x", user=fastgroq.NOT_GIVEN)  # type: ignore[call-overload]
    assert [r.json() for r in server.requests] == [{"model": EMBED_MODEL, "input": "x"}] * 2
    with pytest.raises(TypeError, match="not both"):
        client.embeddings.create(EmbeddingCreateRequest(model=EMBED_MODEL, input="x"), user="u")  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"input": []}, "$.input"),  # an empty array: the API refuses it
        ({"input": ["x"] * 2049}, "$.input"),  # more than 2048 inputs
        ({"input": 42}, "$.input"),
        ({"input": "x", "encoding_format": "float16"}, "$.encoding_format"),
        ({"input": "x", "user": 7}, "$.user"),
    ],
)
def test_embeddings_requests_the_api_refuses_are_refused_before_sending(
    server: MockGroqServer, client: Groq, params: dict[str, Any], where: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        client.embeddings.create(model=EMBED_MODEL, **params)
    assert info.value.path == where
    assert server.requests == []


def test_embeddings_unknown_parameter_is_a_type_error_and_extra_body_passes_it(
    server: MockGroqServer, client: Groq
) -> None:
    with pytest.raises(TypeError, match="dimensions"):
        client.embeddings.create(model=EMBED_MODEL, input="x", dimensions=256)  # type: ignore[call-overload]
    client.embeddings.create(model=EMBED_MODEL, input="x", extra_body={"dimensions": 256})
    assert server.last_request.json() == {"model": EMBED_MODEL, "input": "x", "dimensions": 256}


def test_embeddings_default_answer_of_the_mock_server_refuses_what_the_api_does(
    server: MockGroqServer, client: Groq
) -> None:
    with pytest.raises(fastgroq.BadRequestError):
        client.embeddings.create(model=EMBED_MODEL, input="x", extra_body={"input": []})
