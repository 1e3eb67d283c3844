"""Binary answers, end to end against the loopback server: ``audio.speech.create`` and ``files.content`` return a
``BinaryAPIResponse`` (``content``, ``iter_bytes()``, ``write_to_file()``), and through ``with_streaming_response`` a
``StreamedBinaryAPIResponse`` whose body goes to disk as it arrives (``stream_to_file()``), never held whole.
Every chat rule holds: typed errors with request ids, validation before sending, retries, timeouts, with_options.
"""

from __future__ import annotations

import os
import pathlib
from typing import Any, TypedDict

import fastgroq
import pytest
from fastgroq import Groq
from fastgroq.testing import MockGroqServer, Reply, speech_audio

from tests.client_helpers import is_binary_response, make_client


class _Speech(TypedDict):
    model: str
    input: str
    voice: str


SPEECH: _Speech = {"model": "playai-tts", "input": "I love building fast things", "voice": "Fritz-PlayAI"}
FAST = {"retry-after-ms": "1"}


# --- audio.speech.create ---------------------------------------------------------------------------------------


def test_speech_is_a_binary_response_with_the_audio(server: MockGroqServer, client: Groq, tmp_path: Any) -> None:
    response = client.audio.speech.create(**SPEECH, response_format="wav", sample_rate=16000)
    assert is_binary_response(response)
    expected = speech_audio(SPEECH["input"], response_format="wav", sample_rate=16000)
    assert response.content == expected and response.content.startswith(b"RIFF")
    assert response.read() == response.parse() == expected
    assert b"".join(response.iter_bytes(1000)) == expected
    assert response.headers["content-type"] == "audio/wav"
    assert response.request_id is not None and response.request_id.startswith("req_")
    response.write_to_file(tmp_path / "speech.wav")
    response.write_to_file(str(tmp_path / "again.wav"))
    assert (tmp_path / "speech.wav").read_bytes() == (tmp_path / "again.wav").read_bytes() == expected
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/openai/v1/audio/speech")
    assert request.headers["Accept"] == "audio/wav"  # as the official SDK asks
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {**SPEECH, "response_format": "wav", "sample_rate": 16000}


def test_speech_through_with_raw_response_and_on_the_client(server: MockGroqServer, client: Groq) -> None:
    server.route(
        "POST", "/audio/speech", Reply.raw(b"ID3audio", content_type="audio/mpeg", headers={"x-request-id": "r"})
    )
    raw = client.audio.speech.with_raw_response.create(**SPEECH)
    assert is_binary_response(raw)
    assert (raw.status_code, raw.request_id, raw.content) == (200, "r", b"ID3audio")
    assert client.with_raw_response.audio.speech.create(**SPEECH).content == b"ID3audio"


def test_speech_streamed_to_a_file_is_never_held_in_memory(
    server: MockGroqServer, client: Groq, tmp_path: pathlib.Path
) -> None:
    audio = os.urandom(3 * 1024 * 1024 + 7)
    server.enqueue(Reply.raw(audio, content_type="audio/wav", chunked=True, headers={"x-request-id": "req_s"}))
    with client.audio.speech.with_streaming_response.create(**SPEECH) as response:
        assert is_binary_response(response, streamed=True)
        assert response.request_id == "req_s" and not response.is_closed
        response.stream_to_file(tmp_path / "big.wav", chunk_size=64 * 1024)
        assert response.content is None  # written piece by piece, not kept
        assert response.is_closed
    assert (tmp_path / "big.wav").read_bytes() == audio


def test_a_streamed_body_left_unread_is_closed_not_drained(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw(b"x" * 1_000_000, content_type="audio/wav", chunked=True).stalled(after=1000, seconds=5))
    with client.audio.speech.with_streaming_response.create(**SPEECH) as response:
        first = next(response.iter_bytes(100))
    assert first == b"x" * 100
    assert response.is_closed  # left the block at once, without waiting for the stalled rest


def test_speech_requests_the_api_refuses_are_refused_before_sending(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(fastgroq.RequestValidationError) as info:
        client.audio.speech.create(**SPEECH, speed=10)
    assert info.value.path == "$.speed"
    with pytest.raises(fastgroq.RequestValidationError) as info:
        client.audio.speech.create(**SPEECH, response_format="aac")  # type: ignore[call-overload]
    assert info.value.path == "$.response_format"
    with pytest.raises(fastgroq.RequestValidationError):
        client.audio.speech.create(model="playai-tts", input="x", voice="v", sample_rate=12345)  # type: ignore[call-overload]
    assert server.requests == []


def test_speech_errors_are_typed_with_request_ids(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(400, "voice not found", code="invalid_voice", headers={"x-request-id": "req_e"}))
    with pytest.raises(fastgroq.BadRequestError) as info:
        client.audio.speech.create(**SPEECH)
    assert (info.value.code, info.value.request_id, info.value.message) == ("invalid_voice", "req_e", "voice not found")
    # The mock refuses what the API refuses (a voice is required): a 400, typed.
    with pytest.raises(fastgroq.BadRequestError):
        client.audio.speech.create(**SPEECH, extra_body={"voice": ""})


def test_speech_is_retried_and_times_out(server: MockGroqServer) -> None:
    server.enqueue(Reply.error(503, "busy", headers=FAST), Reply.raw(b"RIFFok", content_type="audio/wav"))
    with make_client(server, max_retries=1) as client:
        response = client.audio.speech.create(**SPEECH)
        assert (response.content, response.retries_taken) == (b"RIFFok", 1)
        first, second = server.requests
        assert first.body == second.body
        server.enqueue(Reply.raw(b"late", content_type="audio/wav").delayed(1.0))
        with pytest.raises(fastgroq.APITimeoutError):
            client.with_options(timeout=0.05, max_retries=0).audio.speech.create(**SPEECH)


def test_speech_with_options_and_per_call_headers(server: MockGroqServer, client: Groq) -> None:
    client.with_options(default_headers={"x-team": "a"}).audio.speech.create(
        **SPEECH, extra_headers={"Accept": "audio/*"}, extra_query={"trace": "1"}
    )
    request = server.last_request
    assert (request.headers["x-team"], request.headers["Accept"], request.query) == ("a", "audio/*", {"trace": "1"})


# --- files.content -----------------------------------------------------------------------------------------------


def test_files_content_downloads_a_file_of_the_account(
    server: MockGroqServer, client: Groq, tmp_path: pathlib.Path
) -> None:
    data = b'{"custom_id": "a"}\n{"custom_id": "b"}\n'
    file_id = server.state.add_file(data)["id"]
    content = client.files.content(file_id)
    assert is_binary_response(content)
    assert content.content == data
    assert list(content.iter_lines()) == ['{"custom_id": "a"}', '{"custom_id": "b"}']
    content.write_to_file(tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == data
    (request,) = server.requests
    assert (request.method, request.path) == ("GET", f"/openai/v1/files/{file_id}/content")
    assert request.headers["Accept"] == "application/octet-stream"  # as the official SDK asks


def test_files_content_streamed_line_by_line_and_to_disk(
    server: MockGroqServer, client: Groq, tmp_path: pathlib.Path
) -> None:
    lines = [f'{{"custom_id": "request-{i}"}}' for i in range(20_000)]
    file_id = server.state.add_file("\n".join(lines) + "\n", purpose="batch_output")["id"]
    with client.files.with_streaming_response.content(file_id) as response:
        assert list(response.iter_lines()) == lines
    with client.files.with_streaming_response.content(file_id) as response:
        response.stream_to_file(tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_text().splitlines() == lines


def test_files_content_compressed_is_decoded(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw(b"abc" * 10_000, content_type="application/octet-stream").compressed("gzip"))
    assert client.files.content("file_1").content == b"abc" * 10_000


def test_files_content_of_an_unknown_file_is_a_typed_404(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(fastgroq.NotFoundError) as info:
        client.files.content("file_nope")
    assert info.value.request_id is not None
    with pytest.raises(ValueError, match="file_id"):
        client.files.content("")
    with pytest.raises(fastgroq.NotFoundError), client.files.with_streaming_response.content("file_nope"):
        pass  # the request is sent, and the status error raised, when the block is entered


def test_files_content_connection_dropped_mid_body_is_a_connection_error(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.raw(b"y" * 100_000, content_type="application/octet-stream").truncated(after=5000))
    with pytest.raises(fastgroq.APIConnectionError):
        client.files.content("file_1")
    server.enqueue(Reply.raw(b"y" * 100_000, content_type="application/octet-stream", chunked=True).reset_after(5000))
    with client.files.with_streaming_response.content("file_1") as response, pytest.raises(fastgroq.APIConnectionError):
        response.stream_to_file(os.devnull)
