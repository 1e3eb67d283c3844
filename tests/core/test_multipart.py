"""``fastgroq._files``: the multipart/form-data body of an upload, on its own (no socket).

The body is a replayable stream of parts: its bytes are exactly what ``fastgroq.testing.parse_multipart`` (and so
any server) reads back; its length is known when every file's size is; a file is read block by block only as the
body is iterated, so iterating a large upload allocates a block at a time, never the file; bytes, paths and
seekable files replay from where they stood, a pipe does not once it has been read.
"""

from __future__ import annotations

import io
import os
import pathlib
import tracemalloc

import pytest
from fastgroq._files import BLOCK_SIZE, FileArgumentError, MultipartBody, file_from_path, multipart_body
from fastgroq.testing import parse_multipart


def _parse(body: MultipartBody) -> tuple[list[tuple[str, str]], dict[str, tuple[str | None, str | None, bytes]]]:
    fields, files = parse_multipart(bytes(body), body.content_type)
    return fields, {name: (f.filename, f.content_type, f.content) for name, f in files.items()}


def test_fields_are_sent_as_the_official_sdk_sends_them_and_read_back(tmp_path: pathlib.Path) -> None:
    path = tmp_path / 'a b"c.wav'
    path.write_bytes(b"RIFF" + bytes(100))
    body = multipart_body(
        {"model": "whisper", "temperature": 0.0, "stream": False, "tags": ["word", "segment"], "meta": {"k": 1}},
        {"file": path},
    )
    fields, files = _parse(body)
    assert fields == [
        ("model", "whisper"),
        ("temperature", "0.0"),
        ("stream", "false"),
        ("tags[]", "word"),
        ("tags[]", "segment"),
        ("meta[k]", "1"),
    ]
    assert files == {"file": ('a b"c.wav', "audio/x-wav", path.read_bytes())}
    assert body.length == len(bytes(body))
    assert body.content_type == f"multipart/form-data; boundary={body.boundary}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"abc", ("upload", "application/octet-stream", b"abc")),
        (("x.jsonl", b"abc"), ("x.jsonl", "application/octet-stream", b"abc")),
        (("x.txt", io.BytesIO(b"abc"), "text/plain"), ("x.txt", "text/plain", b"abc")),
        ((None, b"abc"), (None, "application/octet-stream", b"abc")),
    ],
)
def test_each_kind_of_file_argument(value: object, expected: tuple[str | None, str | None, bytes]) -> None:
    body = multipart_body({}, {"file": value})
    assert _parse(body)[1] == {"file": expected}
    assert body.length == len(bytes(body))


@pytest.mark.parametrize("value", [42, "no/such/path", ("a",), ("a", "text content"), io.StringIO("x")])
def test_a_file_argument_of_the_wrong_kind_is_refused(value: object) -> None:
    if isinstance(value, str):
        with pytest.raises(FileNotFoundError):  # a str is a path
            multipart_body({}, {"file": value})
        return
    with pytest.raises(FileArgumentError) as info:
        multipart_body({}, {"file": value})
    assert info.value.field == "file"


def test_a_large_file_is_read_a_block_at_a_time_never_whole(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.bin"
    size = 24 * BLOCK_SIZE + 5
    with open(path, "wb") as out:
        out.truncate(size)
    body = multipart_body({"purpose": "batch"}, {"file": file_from_path(path)})
    assert body.length is not None and body.length > size
    tracemalloc.start()
    try:
        total = largest = 0
        for chunk in body.chunks():
            total += len(chunk)
            largest = max(largest, len(chunk))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == body.length
    assert largest <= BLOCK_SIZE
    assert peak < 3 * BLOCK_SIZE  # a block or two in flight, not the 24 MiB file


def test_bytes_paths_and_seekable_files_replay_from_where_they_stood(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"line1\nline2\n")
    with open(path, "rb") as file:
        file.readline()
        body = multipart_body({}, {"a": b"x", "b": path, "c": file})
        first = bytes(body)
        assert body.replayable
        assert bytes(body) == first  # sent again, byte for byte
        assert _parse(body)[1]["c"][2] == b"line2\n"


def test_a_pipe_replays_only_until_it_is_read(tmp_path: pathlib.Path) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"piped")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        body = multipart_body({}, {"file": ("p", pipe)})
        assert body.length is None  # unknown size: sent with chunked transfer encoding
        assert body.replayable  # nothing read yet: a connection refused before sending may be retried
        assert _parse(body)[1]["file"][2] == b"piped"
        assert not body.replayable


def test_a_file_that_shrank_since_the_request_was_built_fails_rather_than_lie(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    body = multipart_body({}, {"file": path})
    path.write_bytes(b"01234")
    with pytest.raises(OSError, match="5 bytes before"):
        bytes(body)
