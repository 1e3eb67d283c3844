"""Multipart uploads: what a file argument may be (``FileTypes``, as in the official SDK), and the
``multipart/form-data`` body of a request as a replayable stream of parts (``MultipartBody``).

Part of the sans-I/O core: building a body reads no file. It only looks at each file (its size, and for an open
file its position), so the body knows its length and whether it can be sent again. The bytes are read when a
driver iterates ``MultipartBody.chunks()``: a path is opened and read block by block, an open file is read from
the position it had when the request was built, bytes are handed out as they are. So a 100 MB upload never sits
in memory, and a retry (or a 307/308 redirect) sends the same body again when every part can be replayed: bytes,
paths and seekable files can; a pipe or a socket cannot once it has been read from.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from typing import IO, Any, TypeAlias

__all__ = ["FileArgumentError", "FileContent", "FileTypes", "MultipartBody", "file_from_path", "multipart_body"]

FileContent: TypeAlias = IO[bytes] | bytes | os.PathLike[str]
"""A file's content: bytes, an open binary file, or a path-like object (read from disk when sent)."""

FileTypes: TypeAlias = (
    FileContent
    | str  # a path
    | tuple[str | None, FileContent]
    | tuple[str | None, FileContent, str | None]
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
"""What a file argument accepts, as in the official SDK, plus a path given as a string: bytes, a path
(``pathlib.Path`` or ``str``), an open binary file, or ``(filename, content[, content_type[, headers]])``."""

# Blocks of a file read per write: big enough that a 100 MB upload costs a few hundred Python calls, small enough
# that memory stays flat.
BLOCK_SIZE = 1024 * 1024
_CRLF = b"\r\n"


class FileArgumentError(TypeError):
    """A file argument of the wrong kind (``field`` names it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"file argument {field!r}: {message}")
        self.field = field


def file_from_path(path: str | os.PathLike[str]) -> tuple[str, os.PathLike[str]]:
    """``(filename, path)`` for a file on disk: uploaded from disk block by block when the request is sent.

    The official SDK's helper reads the file whole; this one keeps the path, so nothing is read before sending.
    """
    import pathlib

    file = pathlib.Path(path)
    return file.name, file


class _File:
    """One file of a body: where its bytes come from, how many there are, and whether they can be read again."""

    __slots__ = ("buffer", "path", "reader", "size", "start")

    def __init__(self, value: object, field: str) -> None:
        self.buffer: bytes | None = None
        self.path: str | None = None
        self.reader: IO[bytes] | None = None
        self.start = 0
        self.size: int | None
        if isinstance(value, (bytes, bytearray, memoryview)):
            self.buffer = bytes(value)
            self.size = len(self.buffer)
        elif isinstance(value, (str, os.PathLike)):
            self.path = os.fspath(value)
            self.size = os.stat(self.path).st_size  # FileNotFoundError before anything is sent
        elif callable(getattr(value, "read", None)):
            if isinstance(value, io.TextIOBase):
                raise FileArgumentError(field, "a file opened in text mode; open it in binary mode ('rb')")
            self.reader = value  # type: ignore[assignment]
            self.size = None
            self._measure(value)
        else:
            raise FileArgumentError(
                field,
                f"expected bytes, a path, an open binary file or a (filename, content) tuple, got {type(value).__name__}",
            )

    def _measure(self, reader: Any) -> None:
        """The position to send from and the bytes left, for a file that can seek (else its size stays unknown)."""
        try:
            if not reader.seekable():
                return
            self.start = reader.tell()
            try:
                end = os.fstat(reader.fileno()).st_size
            except (AttributeError, OSError, io.UnsupportedOperation):
                end = reader.seek(0, os.SEEK_END)
                reader.seek(self.start)
            self.size = max(0, end - self.start)
        except (AttributeError, OSError, io.UnsupportedOperation):
            self.size = None

    @property
    def replayable(self) -> bool:
        return self.reader is None or self.size is not None

    def blocks(self, block_size: int) -> Iterator[bytes]:
        if self.buffer is not None:
            if self.buffer:
                yield self.buffer
            return
        if self.path is not None:
            with open(self.path, "rb") as file:
                yield from _read_blocks(file, block_size, self.size)
            return
        reader = self.reader
        assert reader is not None
        if self.size is not None:
            reader.seek(self.start)
        yield from _read_blocks(reader, block_size, self.size)


def _read_blocks(reader: IO[bytes], block_size: int, size: int | None) -> Iterator[bytes]:
    """Up to ``size`` bytes (all, when None) in blocks; a file that grew is cut, so Content-Length holds."""
    left = size
    while left is None or left > 0:
        block = reader.read(block_size if left is None else min(block_size, left))
        if not block:
            break
        if not isinstance(block, bytes):
            raise TypeError("an upload's file must be opened in binary mode ('rb')")
        if left is not None:
            left -= len(block)
        yield block
    if left:
        raise OSError(f"the file ended {left} bytes before the size it had when the request was built")


class MultipartBody:
    """A ``multipart/form-data`` body: form fields, then file parts, framed by ``boundary``.

    Attributes:
        boundary: The boundary (in ``content_type``).
        content_type: ``multipart/form-data; boundary=...``.
        length: The body's size in bytes when every part's size is known (sent as Content-Length), else None
            (sent with chunked transfer encoding).
        fields: The form fields as sent (name, value), for views of the request.
        files: The file parts as sent: (field name, filename, content type).
    """

    __slots__ = ("_segments", "_started", "boundary", "content_type", "fields", "files", "length")

    def __init__(
        self, fields: list[tuple[str, str]], files: list[tuple[str, str | None, str | None, Any, Any]]
    ) -> None:
        self.boundary = os.urandom(16).hex()
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self.fields = fields
        self.files = [(name, filename, content_type) for name, filename, content_type, _, _ in files]
        dash = b"--" + self.boundary.encode("ascii")
        segments: list[bytes | _File] = []
        head = b""
        for name, value in fields:
            head += dash + _CRLF + b"Content-Disposition: form-data; " + _param("name", name) + _CRLF + _CRLF
            head += value.encode("utf-8") + _CRLF
        for name, filename, content_type, source, headers in files:
            head += dash + _CRLF + b"Content-Disposition: form-data; " + _param("name", name)
            if filename:
                head += b"; " + _param("filename", filename)
            head += _CRLF
            for header, value in [("Content-Type", content_type), *(headers or {}).items()]:
                if value is not None and header.lower() != "content-disposition":
                    head += f"{header}: {value}".encode() + _CRLF
            segments += [head + _CRLF, source]
            head = _CRLF
        segments.append(head + dash + b"--" + _CRLF)
        self._segments = segments
        sizes = [len(s) if isinstance(s, bytes) else s.size for s in segments]
        self.length: int | None = None if None in sizes else sum(s for s in sizes if s is not None)
        self._started = False

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent (again): every file can be read from its start again, or none was read yet."""
        return not self._started or all(s.replayable for s in self._segments if isinstance(s, _File))

    def chunks(self, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
        """The body's bytes, reading each file block by block (a new iterator sends the whole body again)."""
        self._started = True
        for segment in self._segments:
            if isinstance(segment, bytes):
                yield segment
            else:
                yield from segment.blocks(block_size)

    def __bytes__(self) -> bytes:
        """The whole body at once (reads every file): for tests and small bodies."""
        return b"".join(self.chunks())

    def __repr__(self) -> str:
        names = [name for name, _ in self.fields] + [name for name, _, _ in self.files]
        return f"<MultipartBody {names} length={self.length}>"


def _param(name: str, value: str) -> bytes:
    # As browsers and httpx quote a form-data parameter: the quote, CR and LF percent-encoded.
    quoted = value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return f'{name}="{quoted}"'.encode()


def _form_values(name: str, value: object) -> list[tuple[str, str]]:
    """A field as the official SDK sends it in a form: lists as ``name[]``, objects as ``name[key]``."""
    if isinstance(value, Mapping):
        return [pair for key, item in value.items() for pair in _form_values(f"{name}[{key}]", item)]
    if isinstance(value, (list, tuple)):
        return [pair for item in value for pair in _form_values(f"{name}[]", item)]
    if value is True:
        return [(name, "true")]
    if value is False:
        return [(name, "false")]
    return [(name, "" if value is None else str(value))]


def _file_part(name: str, value: object) -> tuple[str, str | None, str | None, _File, Any]:
    """(field, filename, content type, source, extra headers) of one file argument."""
    import mimetypes

    filename: str | None
    content_type: str | None = None
    headers: Any = None
    if isinstance(value, tuple):
        if not 2 <= len(value) <= 4 or isinstance(value[1], str):
            raise FileArgumentError(
                name,
                "expected (filename, content[, content_type[, headers]]) with bytes, a pathlib.Path or an open "
                "binary file as the content",
            )
        filename, content = value[0], value[1]
        content_type = value[2] if len(value) > 2 else None
        headers = value[3] if len(value) > 3 else None
        source = _File(content, name)
    else:
        source = _File(value, name)
        if source.buffer is not None:
            filename = "upload"
        else:
            filename = os.path.basename(
                str(source.path if source.path is not None else getattr(value, "name", "upload"))
            )
    if content_type is None:
        # Without a filename httpx sends no Content-Type, and the part then reads as a plain form field.
        content_type = (mimetypes.guess_type(filename)[0] if filename else None) or "application/octet-stream"
    return name, filename, content_type, source, headers


def multipart_body(fields: Mapping[str, object], files: Mapping[str, object]) -> MultipartBody:
    """The body of form ``fields`` (JSON values, sent as the official SDK sends them) and file arguments.

    Raises ``TypeError`` for a file argument of the wrong kind, ``OSError`` (``FileNotFoundError``) for a path
    that cannot be read; nothing is read from any file here.
    """
    form = [pair for name, value in fields.items() for pair in _form_values(name, value)]
    return MultipartBody(form, [_file_part(name, value) for name, value in files.items()])
