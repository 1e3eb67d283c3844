"""Every operation against Prism's dynamic mock of Groq's OpenAPI document: opt-in (it needs Node and the npm
package), skipped unless ``FASTGROQ_PRISM_URL`` names a running mock::

    npx @stoplight/prism-cli mock -d -p 4010 ../shared/upstream/groq-openapi-2.1.yaml &
    FASTGROQ_PRISM_URL=http://127.0.0.1:4010 .venv/bin/python -m pytest tests/sync_client/test_against_prism.py

Prism answers each request with a random value of the operation's response schema (``-d``, dynamic), so every
call gets a new body; each must come back typed. ``tests/types/test_random_responses.py`` is the offline
equivalent that ``make test`` runs (hypothesis drawing from the same document).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from fastgroq import Groq
from fastgroq._response import BinaryAPIResponse

PRISM = os.environ.get("FASTGROQ_PRISM_URL", "")
pytestmark = pytest.mark.skipif(not PRISM, reason="set FASTGROQ_PRISM_URL to a running `prism mock -d` of the document")

CALLS: dict[str, Callable[[Groq], Any]] = {
    "chat.completions.create": lambda c: c.chat.completions.create(
        model="llama-3.3-70b-versatile", messages=[{"role": "user", "content": "hi"}]
    ),
    "models.list": lambda c: c.models.list(),
    "models.retrieve": lambda c: c.models.retrieve("llama-3.3-70b-versatile"),
    "models.delete": lambda c: c.models.delete("ft:llama-3.1-8b-instant:org:m"),
    "embeddings.create": lambda c: c.embeddings.create(model="nomic-embed-text-v1_5", input=["a", "b"]),
    "batches.create": lambda c: c.batches.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    ),
    "batches.list": lambda c: c.batches.list(),
    "batches.retrieve": lambda c: c.batches.retrieve("batch_1"),
    "batches.cancel": lambda c: c.batches.cancel("batch_1"),
    "files.create": lambda c: c.files.create(file=("in.jsonl", b"{}\n"), purpose="batch"),
    "files.list": lambda c: c.files.list(),
    "files.info": lambda c: c.files.info("file_1"),
    "files.delete": lambda c: c.files.delete("file_1"),
    "files.content": lambda c: c.files.content("file_1"),
    "audio.speech.create": lambda c: c.audio.speech.create(model="playai-tts", input="Hi", voice="Fritz-PlayAI"),
    "audio.transcriptions.create": lambda c: c.audio.transcriptions.create(
        file=("a.wav", b"RIFF"), model="whisper-large-v3"
    ),
    "audio.translations.create": lambda c: c.audio.translations.create(
        file=("a.wav", b"RIFF"), model="whisper-large-v3"
    ),
    "responses.create": lambda c: c.responses.create(model="openai/gpt-oss-20b", input="hi"),
    "reranking.create": lambda c: c.reranking.create(model="m", query="q", docs=["a", "b"]),
    "fine_tunings.list": lambda c: c.fine_tunings.list(),
    "fine_tunings.create": lambda c: c.fine_tunings.create(name="n", base_model="llama-3.1-8b-instant"),
    "fine_tunings.get": lambda c: c.fine_tunings.get("ft_1"),
    "fine_tunings.delete": lambda c: c.fine_tunings.delete("ft_1"),
}


def test_every_operation_is_called() -> None:
    assert len(CALLS) == 23


@pytest.mark.parametrize("name", sorted(CALLS))
def test_prisms_random_answers_come_back_typed(name: str) -> None:
    with Groq(api_key="gsk_prism_0123456789abcdef", base_url=PRISM, max_retries=0) as client:
        for _ in range(5):  # a new random body each time
            result = CALLS[name](client)
            assert isinstance(result, BinaryAPIResponse) or hasattr(result, "__struct_fields__"), result
