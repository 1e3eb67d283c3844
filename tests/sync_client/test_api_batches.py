"""Batches, files, reranking and fine tunings against the mock server's simulated account (``server.state``):
the batch lifecycle (validating -> in_progress -> finalizing -> completed with ``request_counts`` moving, and
the failed, expired and cancelled paths), the result files it leaves, and each area's own rules.
"""

from __future__ import annotations

import json
from typing import Any, Final

import fastgroq
import msgspec
import pytest
from fastgroq import Groq, RequestValidationError
from fastgroq.testing import GroqState, MockGroqServer, Reply
from fastgroq.types import Batch, BatchCreateResponse, BatchListResponse, ChatCompletion, FileObject
from fastgroq.types.batch_list_response import Data, DataRequestCounts

from tests.client_helpers import make_client

ENDPOINT: Final = "/v1/chat/completions"


def request_line(custom_id: str, content: str = "What is 2+2?") -> str:
    body = {"model": "llama-3.1-8b-instant", "messages": [{"role": "user", "content": content}]}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body})


INPUT = "\n".join(request_line(f"request-{i}") for i in range(1, 5)) + "\n"


def create(client: Groq, file_id: str, **extra: Any) -> Batch:
    return client.batches.create(input_file_id=file_id, endpoint=ENDPOINT, completion_window="24h", **extra)


def jsonl(state: GroqState, file_id: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in state.file_content(file_id).splitlines()]


# --- the lifecycle ------------------------------------------------------------------------------------------


def test_a_batch_runs_to_completion_with_request_counts_moving(server: MockGroqServer, client: Groq) -> None:
    input_file = server.state.add_file(INPUT)
    batch = create(client, input_file["id"], metadata={"job": "nightly"})
    assert isinstance(batch, BatchCreateResponse)  # the official SDK's name for the same type
    assert (batch.status, batch.object, batch.endpoint, batch.metadata) == (
        "validating",
        "batch",
        ENDPOINT,
        {"job": "nightly"},
    )
    assert batch.request_counts is not None and batch.request_counts.total == 4
    assert batch.expires_at == batch.created_at + 24 * 3600
    assert batch.output_file_id is None and batch.in_progress_at is None

    seen = []
    for _ in range(5):
        server.state.advance_batch(batch.id)
        now = client.batches.retrieve(batch.id)
        assert now.request_counts is not None
        seen.append((now.status, now.request_counts.completed, now.request_counts.failed))
    assert seen == [
        ("in_progress", 0, 0),
        ("in_progress", 2, 0),
        ("in_progress", 3, 0),
        ("finalizing", 4, 0),
        ("completed", 4, 0),
    ]
    assert now.in_progress_at and now.finalizing_at and now.completed_at
    assert now.error_file_id is None and now.output_file_id is not None

    # The output file is a file of the account, one result line per request, matched by custom_id.
    output = client.files.info(now.output_file_id)
    assert (output.purpose, output.filename) == ("batch_output", f"{batch.id}_output.jsonl")
    lines = jsonl(server.state, now.output_file_id)
    assert [line["custom_id"] for line in lines] == ["request-1", "request-2", "request-3", "request-4"]
    assert all(line["response"]["status_code"] == 200 and line["error"] is None for line in lines)
    assert lines[0]["response"]["body"]["model"] == "llama-3.1-8b-instant"
    assert output.bytes == len(server.state.file_content(now.output_file_id))
    assert {f.id for f in client.files.list().data} == {input_file["id"], now.output_file_id}
    assert server.state.advance_batch(batch.id)["status"] == "completed"  # a finished batch stays so


def test_failed_requests_go_to_the_error_file(server: MockGroqServer, client: Groq) -> None:
    batch = create(client, server.state.add_file(INPUT)["id"])
    server.state.advance_batch(batch.id)
    server.state.advance_batch(batch.id, completed=3, failed=1)
    assert server.state.advance_batch(batch.id)["status"] == "completed"
    now = client.batches.retrieve(batch.id)
    assert now.request_counts == DataRequestCounts(total=4, completed=3, failed=1)
    assert now.output_file_id and now.error_file_id
    (error,) = jsonl(server.state, now.error_file_id)
    assert (error["custom_id"], error["response"]["status_code"]) == ("request-4", 400)
    assert error["response"]["body"]["error"]["type"] == "invalid_request_error"


def test_a_polling_loop_finishes_with_auto_advance(server: MockGroqServer, client: Groq) -> None:
    server.state.auto_advance = True
    batch = create(client, server.state.add_file(INPUT)["id"])
    statuses = []
    while batch.status not in ("completed", "failed", "expired", "cancelled"):
        batch = client.batches.retrieve(batch.id)
        statuses.append(batch.status)
    assert statuses == ["in_progress", "in_progress", "in_progress", "finalizing", "completed"]


def test_an_invalid_input_file_fails_validation_with_line_numbers(server: MockGroqServer, client: Groq) -> None:
    bad = (
        request_line("ok")
        + "\nnot json\n"
        + json.dumps({"custom_id": "x", "method": "GET", "url": "/v1/models", "body": {}})
    )
    batch = create(client, server.state.add_file(bad)["id"])
    server.state.advance_batch(batch.id)
    failed = client.batches.retrieve(batch.id)
    assert failed.status == "failed" and failed.failed_at is not None
    assert failed.errors is not None and failed.errors.object == "list"
    assert [(e.line, e.code) for e in failed.errors.data or []] == [(2, "invalid_request"), (3, "invalid_url")]
    assert failed.output_file_id is None and failed.in_progress_at is None


def test_fail_and_expire(server: MockGroqServer, client: Groq) -> None:
    file_id = server.state.add_file(INPUT)["id"]
    first, second = create(client, file_id), create(client, file_id)
    server.state.fail_batch(first.id, "quota exceeded")
    failed = client.batches.retrieve(first.id)
    assert (
        failed.status == "failed"
        and failed.errors
        and failed.errors.data
        and failed.errors.data[0].message == "quota exceeded"
    )
    server.state.advance_batch(second.id)
    server.state.advance_batch(second.id)  # half done
    server.state.expire_batch(second.id)
    expired = client.batches.retrieve(second.id)
    assert expired.status == "expired" and expired.expired_at is not None
    assert expired.request_counts is not None and expired.request_counts.completed == 2
    assert expired.output_file_id and len(jsonl(server.state, expired.output_file_id)) == 2
    with pytest.raises(ValueError, match="only a pending batch expires"):
        server.state.expire_batch(second.id)


def test_cancel_goes_through_cancelling_to_cancelled(server: MockGroqServer, client: Groq) -> None:
    batch = create(client, server.state.add_file(INPUT)["id"])
    server.state.advance_batch(batch.id)
    server.state.advance_batch(batch.id)
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at is not None
    server.state.advance_batch(batch.id)
    cancelled = client.batches.retrieve(batch.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert cancelled.output_file_id and len(jsonl(server.state, cancelled.output_file_id)) == 2
    with pytest.raises(fastgroq.BadRequestError, match="Cannot cancel a batch with status 'cancelled'"):
        client.batches.cancel(batch.id)


def test_list_batches_newest_first_with_the_official_item_type(server: MockGroqServer, client: Groq) -> None:
    file_id = server.state.add_file(INPUT)["id"]
    ids = [create(client, file_id).id for _ in range(3)]
    listed = client.batches.list()
    assert isinstance(listed, BatchListResponse) and listed.object == "list"
    assert [b.id for b in listed.data] == ids[::-1]
    assert all(isinstance(b, Data) for b in listed.data)  # batch_list_response.Data is the same Batch type


def test_the_server_refuses_what_groq_refuses(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(fastgroq.BadRequestError, match="input file file_nope not found"):
        create(client, "file_nope")
    file_id = server.state.add_file(INPUT)["id"]
    for window in ("1h", "8d", "soon"):
        with pytest.raises(fastgroq.BadRequestError) as info:
            client.batches.create(input_file_id=file_id, endpoint=ENDPOINT, completion_window=window)
        assert info.value.param == "completion_window"
    with pytest.raises(fastgroq.NotFoundError) as not_found:
        client.batches.retrieve("batch_nope")
    assert not_found.value.request_id is not None


def test_batch_requests_the_api_refuses_are_refused_before_sending(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(RequestValidationError) as info:
        client.batches.create(input_file_id="f", endpoint="/v1/embeddings", completion_window="24h")  # type: ignore[call-overload]
    assert info.value.path == "$.endpoint"
    with pytest.raises(RequestValidationError) as info:
        client.batches.create(input_file_id="f", endpoint=ENDPOINT, completion_window="24h", metadata={"n": 1})  # type: ignore[call-overload]
    assert info.value.path == "$.metadata[...]"  # msgspec names a map value so
    with pytest.raises(TypeError, match="completion_window"):
        client.batches.create(input_file_id="f", endpoint=ENDPOINT)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="batch_id"):
        client.batches.retrieve("")
    with pytest.raises(ValueError, match="batch_id"):
        client.batches.cancel("")
    assert server.requests == []


# --- files --------------------------------------------------------------------------------------------------


def test_files_info_list_and_delete(server: MockGroqServer, client: Groq) -> None:
    added = server.state.add_file(INPUT, filename="requests.jsonl")
    info = client.files.info(added["id"])
    assert isinstance(info, FileObject)
    assert (info.id, info.filename, info.purpose, info.bytes, info.object) == (
        added["id"],
        "requests.jsonl",
        "batch",
        len(INPUT),
        "file",
    )
    assert [f.id for f in client.files.list().data] == [added["id"]]
    deleted = client.files.delete(added["id"])
    assert (deleted.id, deleted.deleted, deleted.object) == (added["id"], True, "file")
    assert client.files.list().data == []
    with pytest.raises(fastgroq.NotFoundError, match=f"file {added['id']} not found"):
        client.files.info(added["id"])
    with pytest.raises(fastgroq.NotFoundError):
        client.files.delete(added["id"])


def test_a_file_purpose_the_schema_does_not_know_still_decodes(server: MockGroqServer, client: Groq) -> None:
    added = server.state.add_file("x", purpose="fine_tuning")
    info = client.files.info(added["id"])
    assert info.purpose == "fine_tuning" and info.purpose is not None and not info.purpose.is_known


@pytest.mark.sync_only
def test_the_result_files_are_served_by_content_for_the_second_half_of_the_files_api(server: MockGroqServer) -> None:
    # files.content (a binary download) is not generated yet; the mock already serves the bytes.
    import urllib.request

    added = server.state.add_file(INPUT)
    with urllib.request.urlopen(f"{server.base_url}/files/{added['id']}/content") as response:
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.read() == INPUT.encode()


# --- reranking ----------------------------------------------------------------------------------------------


def test_reranking_ranks_by_relevance(server: MockGroqServer, client: Groq) -> None:
    docs = ["The weather is nice today", "Machine learning is a subset of artificial intelligence"]
    result = client.reranking.create(
        model="qwen3-reranker-4b", query="artificial intelligence", docs=docs, instruction="Find AI documents"
    )
    assert [r.doc for r in result.results] == docs[::-1]
    assert result.results[0].score == 1.0 and result.results[1].score == 0.0
    assert server.last_request.json()["instruction"] == "Find AI documents"


@pytest.mark.parametrize(
    ("docs", "where"),
    [([], "$.docs"), (["x"] * 101, "$.docs"), (["ok", ""], "$.docs[1]"), ("one string", "$.docs")],
)
def test_reranking_requests_the_api_refuses_are_refused_before_sending(
    server: MockGroqServer, client: Groq, docs: Any, where: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        client.reranking.create(model="qwen3-reranker-4b", query="q", docs=docs)
    assert info.value.path == where
    assert server.requests == []


# --- fine tunings -------------------------------------------------------------------------------------------


def test_fine_tunings_live_under_v1_for_every_base_url_convention(server: MockGroqServer) -> None:
    for base_url in (server.base_url, server.root_url, server.root_url + "/"):
        with make_client(server, base_url=base_url) as client:
            created = client.fine_tunings.create(
                input_file_id="file_1", name="test-1", type="lora", base_model="llama-3.1-8b-instant"
            )
            assert server.last_request.path == "/v1/fine_tunings"
            assert created.data is not None and created.data.fine_tuned_model == "llama-3.1-8b-instant:ft:test-1"
            assert created.id is not None
            assert client.fine_tunings.retrieve(created.id).data == created.data
            assert server.last_request.path == f"/v1/fine_tunings/{created.id}"
            assert created.id in {t.id for t in client.fine_tunings.list().data or []}
            deleted = client.fine_tunings.delete(id=created.id)
            assert deleted.deleted is True and server.last_request.method == "DELETE"
            with pytest.raises(fastgroq.NotFoundError):
                client.fine_tunings.retrieve(created.id)
    with make_client(server, base_url=server.root_url + "/gateway") as client:
        client.fine_tunings.list()
        assert server.last_request.path == "/gateway/v1/fine_tunings"
        client.models.list()
        assert server.last_request.path == "/gateway/openai/v1/models"


def test_fine_tunings_answers_without_any_field_decode(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.json({}))
    empty = client.fine_tunings.retrieve("ft_x")
    assert (empty.id, empty.object, empty.data) == (None, None, None)


# --- end to end through the client only: upload, run, download -------------------------------------------------


class OutputResponse(msgspec.Struct):
    status_code: int
    body: ChatCompletion


class OutputLine(msgspec.Struct):
    """A line of a batch's output file, as a caller decodes it: the completion typed."""

    custom_id: str
    response: OutputResponse


def test_the_batch_lifecycle_end_to_end_through_the_client(server: MockGroqServer, client: Groq) -> None:
    """files.create -> batches.create -> batches.retrieve (polling) -> files.content of the output and error
    files, each line's body decoded into a typed ChatCompletion: nothing but the client's own calls."""
    uploaded = client.files.create(file=("requests.jsonl", INPUT.encode()), purpose="batch")
    assert uploaded.id is not None and uploaded.purpose == "batch" and uploaded.bytes == len(INPUT)
    batch = create(client, uploaded.id)
    server.state.advance_batch(batch.id)  # validating -> in_progress
    server.state.advance_batch(batch.id, completed=3, failed=1)  # every request done -> finalizing
    server.state.auto_advance = True
    while batch.status not in ("completed", "failed", "expired", "cancelled"):
        batch = client.batches.retrieve(batch.id)  # the polling loop: each retrieve moves it one step
    assert batch.status == "completed"
    assert batch.request_counts is not None and (batch.request_counts.completed, batch.request_counts.failed) == (3, 1)
    assert batch.output_file_id is not None and batch.error_file_id is not None
    assert client.files.info(batch.output_file_id).purpose == "batch_output"

    decoder = msgspec.json.Decoder(OutputLine)
    lines = [decoder.decode(line) for line in client.files.content(batch.output_file_id).iter_lines()]
    assert [line.custom_id for line in lines] == ["request-1", "request-2", "request-3"]
    assert all(line.response.status_code == 200 and line.response.body.choices for line in lines)
    with client.files.with_streaming_response.content(batch.error_file_id) as response:
        errors = [json.loads(line) for line in response.iter_lines()]
    assert [(e["custom_id"], e["response"]["status_code"]) for e in errors] == [("request-4", 400)]
    assert {f.id for f in client.files.list().data} == {uploaded.id, batch.output_file_id, batch.error_file_id}
