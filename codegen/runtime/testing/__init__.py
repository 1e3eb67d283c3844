"""`fastgroq.testing`: a Groq-compatible HTTP server on loopback, and realistic payloads, for your tests.

Example (pytest)::

    import pytest
    from fastgroq.testing import MockGroqServer, Reply, chat_completion_chunks

    @pytest.fixture
    def groq_server():
        with MockGroqServer() as server:
            yield server

    def test_streaming(groq_server):
        groq_server.enqueue(Reply.sse(chat_completion_chunks(["Hel", "lo"], request_id="req_x")))
        ...  # point your client at groq_server.base_url (or .root_url) and stream
        assert groq_server.requests[0].json()["stream"] is True

Only the standard library and msgspec are used; the server runs in daemon threads on 127.0.0.1.
"""

from ._payloads import (
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_MODEL,
    KNOWN_MODELS,
    chat_completion,
    chat_completion_chunks,
    embedding_vector,
    embeddings_response,
    error_body,
    model_deleted,
    model_object,
    models_list,
    new_request_id,
    reranking_response,
    response_events,
    response_object,
    speech_audio,
    transcription,
    usage,
)
from ._server import (
    Frame,
    Headers,
    MockGroqServer,
    RecordedRequest,
    Reply,
    ReplySource,
    UploadedFile,
    default_reply,
    error_event,
    parse_multipart,
    sse_event,
)
from ._state import GroqState

__all__ = [
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "Frame",
    "GroqState",
    "Headers",
    "MockGroqServer",
    "RecordedRequest",
    "Reply",
    "ReplySource",
    "UploadedFile",
    "chat_completion",
    "chat_completion_chunks",
    "default_reply",
    "embedding_vector",
    "embeddings_response",
    "error_body",
    "error_event",
    "model_deleted",
    "model_object",
    "models_list",
    "new_request_id",
    "parse_multipart",
    "reranking_response",
    "response_events",
    "response_object",
    "speech_audio",
    "sse_event",
    "transcription",
    "usage",
]
