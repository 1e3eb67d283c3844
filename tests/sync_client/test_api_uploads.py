"""Multipart uploads, end to end against the loopback server: ``files.create``, ``audio.transcriptions.create`` and
``audio.translations.create``. A file argument is bytes, a path (``pathlib.Path`` or ``str``), an open binary file or
a ``(filename, content[, content_type])`` tuple, as in the official SDK; a path or a file is sent from disk as it is
read; form fields are validated like JSON fields before anything is sent; an upload is retried (or redirected) only
when its body can be sent again. Transcriptions and translations answer JSON, or a ``str`` for ``response_format="text"``.
"""

from __future__ import annotations

import io
import os
import pathlib
import threading
from typing import Any

import fastgroq
import pytest
from fastgroq import Groq, RequestValidationError
from fastgroq.testing import MockGroqServer, Reply, transcription
from fastgroq.types import FileObject, Transcription, Translation

from tests.client_helpers import make_client

FAST = {"retry-after-ms": "1"}
LINE = b'{"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m", "messages": []}}\n'
WHISPER = "whisper-large-v3"


@pytest.fixture
def jsonl(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "batch_input.jsonl"
    path.write_bytes(LINE * 3)
    return path


# --- files.create: every kind of file argument ---------------------------------------------------------------


def _uploaded(server: MockGroqServer) -> tuple[dict[str, Any], Any]:
    request = server.last_request
    assert (request.method, request.path) == ("POST", "/openai/v1/files")
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    return dict(request.form()), request.files()["file"]


def test_upload_from_a_path_a_path_string_and_file_from_path(
    server: MockGroqServer, client: Groq, jsonl: pathlib.Path
) -> None:
    for argument in (jsonl, str(jsonl), fastgroq.file_from_path(jsonl)):
        created = client.files.create(file=argument, purpose="batch")
        assert isinstance(created, FileObject)
        assert (created.filename, created.bytes, created.purpose) == ("batch_input.jsonl", len(LINE) * 3, "batch")
        form, upload = _uploaded(server)
        assert form == {"purpose": "batch"}
        assert (upload.filename, upload.content) == ("batch_input.jsonl", LINE * 3)
        request = server.last_request
        assert int(request.headers["Content-Length"]) == len(request.body)  # the size is known: not chunked
        assert "transfer-encoding" not in request.headers
        assert created.id is not None and server.state.file_content(created.id) == LINE * 3


def test_upload_from_an_open_file_from_where_it_stands(
    server: MockGroqServer, client: Groq, jsonl: pathlib.Path
) -> None:
    with open(jsonl, "rb") as file:
        file.readline()  # the upload starts at the file's position, as a read() would
        client.files.create(file=file, purpose="batch")
        assert not file.closed  # the caller's file stays the caller's
    _, upload = _uploaded(server)
    assert (upload.filename, upload.content) == ("batch_input.jsonl", LINE * 2)


def test_upload_from_bytes_and_from_tuples(server: MockGroqServer, client: Groq, jsonl: pathlib.Path) -> None:
    client.files.create(file=LINE, purpose="batch")
    _, upload = _uploaded(server)
    assert (upload.filename, upload.content_type, upload.content) == ("upload", "application/octet-stream", LINE)
    client.files.create(file=("mine.jsonl", LINE, "application/jsonl"), purpose="batch")
    _, upload = _uploaded(server)
    assert (upload.filename, upload.content_type, upload.content) == ("mine.jsonl", "application/jsonl", LINE)
    client.files.create(file=("renamed.jsonl", jsonl), purpose="batch")
    _, upload = _uploaded(server)
    assert (upload.filename, upload.content) == ("renamed.jsonl", LINE * 3)
    with open(jsonl, "rb") as file:
        client.files.create(file=("from_file.jsonl", file), purpose="batch")
    _, upload = _uploaded(server)
    assert (upload.filename, upload.content) == ("from_file.jsonl", LINE * 3)
    client.files.create(file=(None, io.BytesIO(LINE), "text/plain", {"X-Part": "1"}), purpose="batch")
    _, upload = _uploaded(server)
    assert (upload.filename, upload.content_type, upload.headers["x-part"]) == (None, "text/plain", "1")


def test_upload_from_a_stream_that_cannot_seek_is_chunked_and_never_retried(server: MockGroqServer) -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe, make_client(server, max_retries=2) as client:

        def write() -> None:
            os.write(write_end, LINE * 1000)
            os.close(write_end)

        writer = threading.Thread(target=write)
        writer.start()
        server.enqueue(Reply.error(503, "busy", headers=FAST))
        with pytest.raises(fastgroq.InternalServerError):
            client.files.create(file=("piped.jsonl", pipe), purpose="batch")
        writer.join()
    (request,) = server.requests  # not retried: the pipe cannot be read again
    assert request.headers["Transfer-Encoding"] == "chunked" and "content-length" not in request.headers
    assert request.files()["file"].content == LINE * 1000


def test_an_upload_that_can_be_replayed_is_retried_with_the_same_body(
    server: MockGroqServer, jsonl: pathlib.Path
) -> None:
    server.enqueue(Reply.error(503, "busy", headers=FAST), Reply.error(502, "bad gateway", headers=FAST))
    with make_client(server, max_retries=2) as client, open(jsonl, "rb") as file:
        file.readline()
        created = client.files.create(file=file, purpose="batch")
    first, second, third = server.requests
    assert first.body == second.body == third.body
    assert third.files()["file"].content == LINE * 2
    assert created.id is not None and server.state.file_content(created.id) == LINE * 2


def test_a_307_redirect_resends_a_replayable_upload_and_refuses_a_spent_one(
    server: MockGroqServer, client: Groq, jsonl: pathlib.Path
) -> None:
    moved = server.base_url + "/files"
    server.enqueue(Reply.raw(b"", status=307, headers={"location": moved}), path="/openai/v1/files")
    client.files.create(file=jsonl, purpose="batch")
    assert [r.files()["file"].content for r in server.requests] == [LINE * 3, LINE * 3]
    read_end, write_end = os.pipe()
    os.write(write_end, LINE)
    os.close(write_end)
    server.enqueue(Reply.raw(b"", status=307, headers={"location": moved}))
    with os.fdopen(read_end, "rb") as pipe, pytest.raises(fastgroq.APIConnectionError, match="cannot be read again"):
        client.files.create(file=("p.jsonl", pipe), purpose="batch")


@pytest.mark.parametrize(
    ("arguments", "where"),
    [
        ({"file": LINE, "purpose": "fine-tune"}, "$.purpose"),
        ({"file": 42, "purpose": "batch"}, "$.file"),
        ({"file": ("a.jsonl", "not bytes"), "purpose": "batch"}, "$.file"),
        ({"file": (None,), "purpose": "batch"}, "$.file"),
    ],
)
def test_uploads_the_api_refuses_are_refused_before_sending(
    server: MockGroqServer, client: Groq, arguments: dict[str, Any], where: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        client.files.create(**arguments)
    assert info.value.path == where
    assert isinstance(info.value, ValueError)
    assert server.requests == []


def test_a_missing_path_or_a_text_mode_file_is_refused_before_sending(
    server: MockGroqServer, client: Groq, jsonl: pathlib.Path
) -> None:
    with pytest.raises(FileNotFoundError):
        client.files.create(file=jsonl.with_name("nope.jsonl"), purpose="batch")
    with pytest.raises(TypeError, match="file"):
        client.files.create(purpose="batch")  # type: ignore[call-overload]  # a missing argument, as for chat
    with open(jsonl) as text_file, pytest.raises(RequestValidationError, match="binary mode"):
        client.files.create(file=text_file, purpose="batch")  # type: ignore[call-overload]
    assert server.requests == []


def test_upload_errors_are_typed_and_extra_body_adds_form_fields(server: MockGroqServer, client: Groq) -> None:
    server.enqueue(Reply.error(413, "Request Entity Too Large", headers={"x-request-id": "req_big"}))
    with pytest.raises(fastgroq.APIStatusError) as info:
        client.files.create(file=LINE, purpose="batch")
    assert (info.value.status_code, info.value.request_id) == (413, "req_big")
    assert info.value.request is not None and info.value.request.content == b""  # the file is not kept
    client.files.create(file=LINE, purpose="batch", extra_body={"expires_after": {"anchor": "created_at"}})
    assert server.last_request.form() == {"purpose": "batch", "expires_after[anchor]": "created_at"}


def test_upload_raw_streaming_and_options(server: MockGroqServer, client: Groq) -> None:
    raw = client.files.with_raw_response.create(file=LINE, purpose="batch")
    assert raw.status_code == 200 and raw.parse().bytes == len(LINE)
    with client.files.with_streaming_response.create(file=LINE, purpose="batch") as response:
        assert response.json()["purpose"] == "batch"
    client.with_options(default_headers={"x-team": "a"}).files.create(file=LINE, purpose="batch")
    assert server.last_request.headers["x-team"] == "a"
    server.enqueue(Reply.json({}).delayed(1.0))
    with pytest.raises(fastgroq.APITimeoutError):
        client.with_options(timeout=0.05).files.create(file=LINE, purpose="batch")


# --- audio.transcriptions.create / audio.translations.create ------------------------------------------------------


def test_transcription_as_json_from_a_file_and_its_form_fields(
    server: MockGroqServer, client: Groq, tmp_path: pathlib.Path
) -> None:
    audio = tmp_path / "sample_audio.m4a"
    audio.write_bytes(b"\x00\x00\x00 ftypM4A " + bytes(1000))
    result = client.audio.transcriptions.create(
        file=audio, model=WHISPER, language="en", prompt="Groq", temperature=0.0, response_format="json"
    )
    assert isinstance(result, Transcription)
    assert result.text == f"Transcribed text of sample_audio.m4a ({audio.stat().st_size} bytes)."
    assert result.x_groq is not None and result._request_id == result.x_groq.id  # type: ignore[attr-defined]
    request = server.last_request
    assert request.path == "/openai/v1/audio/transcriptions"
    assert request.form() == {
        "model": WHISPER,
        "language": "en",
        "prompt": "Groq",
        "temperature": "0.0",
        "response_format": "json",
    }
    upload = request.files()["file"]
    assert (upload.filename, upload.content_type, upload.content) == (
        "sample_audio.m4a",
        "audio/mp4",
        audio.read_bytes(),
    )


def test_transcription_verbose_json_with_word_timestamps(server: MockGroqServer, client: Groq) -> None:
    result = client.audio.transcriptions.create(
        file=("a.wav", b"RIFF"),
        model=WHISPER,
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert result.task == "transcribe" and result.duration is not None and result.segments and result.words
    assert server.last_request.form()["timestamp_granularities[]"] == ["word", "segment"]  # as the official SDK


def test_transcription_as_text_is_a_str(server: MockGroqServer, client: Groq) -> None:
    text = client.audio.transcriptions.create(file=b"RIFF", model=WHISPER, response_format="text")
    assert text == "Transcribed text of upload (4 bytes).\n"
    raw = client.audio.transcriptions.with_raw_response.create(file=b"RIFF", model=WHISPER, response_format="text")
    assert raw.parse() == text and raw.headers["content-type"].startswith("text/plain")
    with client.audio.transcriptions.with_streaming_response.create(
        file=b"RIFF", model=WHISPER, response_format="text"
    ) as response:
        assert response.parse() == text
    # A response_format in extra_body decides too.
    assert isinstance(
        client.audio.transcriptions.create(file=b"x", model=WHISPER, extra_body={"response_format": "text"}), str
    )


def test_transcription_of_a_url_and_its_errors(server: MockGroqServer, client: Groq) -> None:
    result = client.audio.transcriptions.create(url="https://example.com/a.mp3", model=WHISPER)
    assert result.text == "Transcribed text of https://example.com/a.mp3."
    assert server.last_request.files() == {}
    with pytest.raises(fastgroq.BadRequestError, match="either a file or a url"):
        client.audio.transcriptions.create(model=WHISPER)  # the server refuses neither, as the API does
    with pytest.raises(RequestValidationError) as info:
        client.audio.transcriptions.create(file=b"x", model=WHISPER, timestamp_granularities=["line"])  # type: ignore[list-item]
    assert info.value.path == "$.timestamp_granularities[0]"
    with pytest.raises(RequestValidationError) as info:
        client.audio.transcriptions.create(file=b"x", model=WHISPER, response_format="srt")  # type: ignore[call-overload]
    assert info.value.path == "$.response_format"


def test_transcription_is_retried_and_repaired(server: MockGroqServer, jsonl: pathlib.Path) -> None:
    bad = transcription("hello", request_id="req_1")
    bad["duration"] = "long"  # a wrong type: repaired to None, not refused
    server.enqueue(Reply.error(500, "oops", headers=FAST), Reply.json(bad, headers={"x-request-id": "req_1"}))
    with make_client(server, max_retries=1) as client:
        result = client.audio.transcriptions.create(file=jsonl, model=WHISPER)
    assert (result.text, result.duration) == ("hello", None)
    assert [r.path for r in fastgroq.repairs(result)] == ["$.duration"]
    assert server.requests[0].body == server.requests[1].body


def test_translation_as_json_and_text(server: MockGroqServer, client: Groq) -> None:
    result = client.audio.translations.create(file=("fr.mp3", b"ID3"), model=WHISPER, prompt="In English")
    assert isinstance(result, Translation)
    assert result.text == "Translated text of fr.mp3 (3 bytes)."
    assert server.last_request.path == "/openai/v1/audio/translations"
    assert server.last_request.files()["file"].content_type == "audio/mpeg"
    text = client.audio.translations.create(file=("fr.mp3", b"ID3"), model=WHISPER, response_format="text")
    assert text == "Translated text of fr.mp3 (3 bytes).\n"


def test_a_nan_form_field_is_refused_before_sending(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(RequestValidationError) as info:
        client.audio.transcriptions.create(file=b"x", model=WHISPER, temperature=float("nan"))
    assert info.value.path == "$.temperature"
    assert server.requests == []
