"""A tiny HTTP/1.1 server on loopback that answers chat-completion requests with pre-encoded bodies.

Run as its own process (`python bench/server.py`): it prints its port on the first line of stdout, then
serves until stdin closes or it is killed. Its CPU is therefore never counted against a client.

The scenario is the first path segment, and everything up to `/chat/completions` after it is ignored, so
every client reaches the same bytes whatever its base-URL convention:
    POST /content-20000/openai/v1/chat/completions   (groq appends /openai/v1; openai and fastgroq get it in base_url)

Why raw sockets and not http.server: BaseHTTPRequestHandler parses headers with the email package (tens of
microseconds per request), and the server must never be the bottleneck. Every response is framed with
chunked transfer encoding, as the real API does, and each body is encoded once and written with a few large
`sendall` calls.

Compression: with `BENCH_GZIP=1` in the environment, the JSON scenarios (cases 2a, 2b) are sent gzipped
(level 6, compressed once) to a request whose `Accept-Encoding` names gzip, as the real API may do (it
answers JSON with `Vary: Accept-Encoding`); event streams are always sent as they are. Off by default, so
figures stay comparable with earlier runs: fastgroq, groq and openai all ask for gzip on such requests.
"""

from __future__ import annotations

import gzip
import os
import socket
import socketserver
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Imported from this folder whether run as a script or a module.
import payloads

# Each chunked frame carries up to this many bytes: large enough that framing costs nothing.
FRAME = 256 * 1024

_SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
    b"cache-control: no-cache\r\nx-request-id: " + payloads.REQUEST_ID.encode() + b"\r\n\r\n"
)
_JSON_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n"
    b"x-request-id: " + payloads.REQUEST_ID.encode() + b"\r\n\r\n"
)
_JSON_GZIP_HEAD = _JSON_HEAD[:-2] + b"content-encoding: gzip\r\n\r\n"
_LAST = b"0\r\n\r\n"
GZIP = os.environ.get("BENCH_GZIP") == "1"


def frame(data: bytes) -> bytes:
    """Wrap data in chunked frames of at most FRAME bytes (no terminating zero frame)."""
    out = []
    for i in range(0, len(data), FRAME):
        piece = data[i : i + FRAME]
        out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
    return b"".join(out)


# A response is a list of (bytes, repeat) segments written in order: a long periodic stream repeats one
# pre-encoded block instead of holding the whole body.
Segments = list[tuple[bytes, int]]


def _content_stream(n: int) -> Segments:
    sse = payloads.sse_body
    block = payloads.content_block()
    middle = n - 2
    full, rest = divmod(middle, payloads.PERIOD)
    head = sse([payloads.first_event()], done=False)
    block_sse = sse(block, done=False)
    tail = sse([*block[:rest], payloads.last_event(middle)])
    if full <= 20:
        # Short enough to pre-encode whole (~6 MB for 20,000 chunks): one body, one sendall per FRAME.
        return [(_SSE_HEAD + frame(head + block_sse * full + tail) + _LAST, 1)]
    return [(_SSE_HEAD + frame(head), 1), (frame(block_sse), full), (frame(tail) + _LAST, 1)]


def _json(body: bytes, gzipped: bool) -> Segments:
    if gzipped:
        return [(_JSON_GZIP_HEAD + frame(gzip.compress(body, 6, mtime=0)) + _LAST, 1)]
    return [(_JSON_HEAD + frame(body) + _LAST, 1)]


# Case 7's scenarios and the path each answers (besides /chat/completions for the others).
ENDPOINTS = {"upload": "/files", "batchout": "/content", "embed": "/embeddings"}


def build(scenario: str, gzipped: bool = False) -> Segments | None:
    kind, _, count = scenario.partition("-")
    if kind == "upload":
        return [(_JSON_HEAD + frame(payloads.file_object()) + _LAST, 1)]
    if kind == "batchout":
        body = payloads.batch_output(int(count or 100_000))
        head = _JSON_HEAD.replace(b"application/json", b"application/octet-stream")
        return [(head + frame(body) + _LAST, 1)]
    if kind == "embed":
        return _json(payloads.embeddings(int(count or 2048)), gzipped)
    if kind == "content":
        return _content_stream(int(count))
    if kind == "tools":
        return [(_SSE_HEAD + frame(payloads.sse_body(payloads.reasoning_tools_stream(int(count)))) + _LAST, 1)]
    if kind == "logprobs":
        return _json(payloads.completion_logprobs(int(count or 8000)), gzipped)
    if kind == "toolcalls":
        return _json(payloads.completion_tools(int(count or 200)), gzipped)
    if kind == "small":
        return [(_JSON_HEAD + frame(payloads.completion_small()) + _LAST, 1)]
    return None


_cache: dict[tuple[str, bool], Segments | None] = {}
_lock = threading.Lock()
_NOT_FOUND = b'{"error":{"message":"unknown benchmark scenario","type":"invalid_request_error"}}'
_404 = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
    len(_NOT_FOUND),
    _NOT_FOUND,
)


# Any scenario answers GET .../models with a short list: cases 8 and 9 open a client's connections with it
# before measuring (a cheap request per connection, whatever the scenario the client's base URL names).
_MODELS = b'{"object":"list","data":[{"id":"%s","object":"model","created":%d,"owned_by":"Meta","active":true}]}' % (
    payloads.MODEL.encode(),
    payloads.CREATED,
)
_MODELS_REPLY: Segments = [(_JSON_HEAD + frame(_MODELS) + _LAST, 1)]


def response_for(path: str, gzipped: bool = False) -> Segments | None:
    scenario = path.lstrip("/").split("/", 1)[0]
    if path.endswith("/models"):
        return _MODELS_REPLY
    if not path.endswith(ENDPOINTS.get(scenario.partition("-")[0], "/chat/completions")):
        return None
    key = (scenario, gzipped)
    with _lock:
        if key not in _cache:
            # Built on first use, so a scenario costs nothing until asked for; the warm-up round pays it.
            _cache[key] = build(scenario, gzipped)
        return _cache[key]


class Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        try:
            while True:  # keep-alive: one request after another on the same connection
                while b"\r\n\r\n" not in buf:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                path = lines[0].split(b" ")[1].decode()
                length = 0
                gzipped = chunked = False
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"transfer-encoding":
                        chunked = b"chunked" in value.lower()
                    elif GZIP and name == b"accept-encoding":
                        gzipped = b"gzip" in value.lower()
                # The request body is not needed (the path selects the reply): skipped as it arrives, never
                # held, so a 100 MB upload costs the server nothing but the reads.
                skipped = _skip_chunked(sock, buf) if chunked else _skip(sock, buf, length)
                if skipped is None:
                    return
                buf = skipped
                segments = response_for(path, gzipped)
                if segments is None:
                    sock.sendall(_404)
                    continue
                for data, repeat in segments:
                    for _ in range(repeat):
                        sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return  # a client that stops reading mid-stream is not an error here


def _skip(sock: socket.socket, buf: bytes, length: int) -> bytes | None:
    """Read past ``length`` body bytes (some already in ``buf``); what follows them, or None if the peer left."""
    if len(buf) >= length:
        return buf[length:]
    left = length - len(buf)
    while left:
        data = sock.recv(min(left, 1 << 20))
        if not data:
            return None
        left -= len(data)
    return b""


def _skip_chunked(sock: socket.socket, buf: bytes) -> bytes | None:
    """Read past a chunked body; what follows it, or None if the peer left."""
    while True:
        while b"\r\n" not in buf:
            data = sock.recv(65536)
            if not data:
                return None
            buf += data
        size_line, _, buf = buf.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        rest = _skip(sock, buf, size + 2)  # the chunk and its CRLF
        if rest is None:
            return None
        buf = rest
        if size == 0:
            return buf


class Server(socketserver.ThreadingTCPServer):
    """One thread per connection. Cases 8 and 9 open up to 128 connections at once (64 streams, 128 requests
    in flight): the listen backlog is well above that, because the accepting thread also starts a thread per
    connection, and on a loaded 2-core machine a backlog of 20 overflowed (a dropped SYN costs the client a
    1 s retransmit). The kernel caps it at net.core.somaxconn (4096 here)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def main() -> None:
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Exit when the parent closes our stdin (or dies): no orphan server is ever left behind.
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
