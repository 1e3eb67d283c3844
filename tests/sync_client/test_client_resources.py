"""The client's resources: at the official SDK's module paths, and imported only when first used.

1. ``import fastgroq`` and ``Groq(...)`` import no resource module, no types module, no async code; the first
   use of ``client.chat`` imports the chat area's resource modules and nothing of any other area;
2. the official SDK's resource modules and names import from ``fastgroq.resources`` (``from
   groq.resources.chat.completions import Completions``, ``AsyncCompletions``, ``...WithRawResponse``), and
   they are the classes the clients use.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import fastgroq
import pytest
from fastgroq.resources import AsyncChat, Chat, Models
from fastgroq.resources.audio.speech import AsyncSpeech, Speech
from fastgroq.resources.chat import AsyncCompletions, Completions, CompletionsWithRawResponse

from tests.conftest import ROOT

pytestmark = pytest.mark.sync_only


def _modules_after(code: str) -> list[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith(('fastgroq', 'asyncio', 'aiohttp')))))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return list(json.loads(result.stdout))


def _of(prefix: str, loaded: list[str]) -> list[str]:
    return [m for m in loaded if m == prefix or m.startswith(prefix + ".")]


def test_import_and_a_client_import_no_resource_no_types_and_nothing_only_some_programs_use() -> None:
    loaded = _modules_after("import fastgroq; fastgroq.Groq(api_key='x')")
    assert _of("fastgroq.resources", loaded) == []
    assert _of("fastgroq.types", loaded) == []
    lazy = ["fastgroq._accumulate", "fastgroq._repair", "fastgroq._files", "fastgroq._endpoints"]
    assert [m for m in loaded if m in lazy or "async" in m] == []


def test_the_first_use_of_a_resource_imports_its_area_and_no_other() -> None:
    loaded = _modules_after("import fastgroq; fastgroq.Groq(api_key='x').chat.completions")
    assert _of("fastgroq.resources", loaded) == [
        "fastgroq.resources",
        "fastgroq.resources.chat",
        "fastgroq.resources.chat.chat",
        "fastgroq.resources.chat.completions",
    ]
    assert _of("fastgroq.types", loaded) == []  # an operation's types come with its first call
    assert [m for m in loaded if "async" in m] == []
    loaded = _modules_after("import fastgroq; c = fastgroq.Groq(api_key='x'); c.models; c.with_raw_response.models")
    assert _of("fastgroq.resources", loaded) == ["fastgroq.resources", "fastgroq.resources.models"]
    loaded = _modules_after("import fastgroq; fastgroq.Groq(api_key='x').audio")
    assert _of("fastgroq.resources", loaded) == [
        "fastgroq.resources",
        "fastgroq.resources.audio",
        "fastgroq.resources.audio.audio",
        "fastgroq.resources.audio.speech",
        "fastgroq.resources.audio.transcriptions",
        "fastgroq.resources.audio.translations",
    ]


def test_an_official_path_imports_only_its_flavor() -> None:
    loaded = _modules_after("from fastgroq.resources.chat.completions import Completions")
    assert _of("fastgroq.resources", loaded) == [
        "fastgroq.resources",
        "fastgroq.resources.chat",
        "fastgroq.resources.chat.completions",
    ]
    loaded = _modules_after("from fastgroq.resources import Models")
    assert _of("fastgroq.resources", loaded) == ["fastgroq.resources", "fastgroq.resources.models"]


def test_the_resource_modules_are_attributes_as_in_the_official_sdk() -> None:
    # `import groq; groq.resources.chat.completions.Completions` works without importing the modules.
    code = "import fastgroq; assert fastgroq.resources.chat.completions.AsyncCompletions.__name__ == 'AsyncCompletions'"
    loaded = _modules_after(code)
    assert _of("fastgroq.resources", loaded) == [
        "fastgroq.resources",
        "fastgroq.resources.chat",
        "fastgroq.resources.chat._async_completions",
        "fastgroq.resources.chat.completions",
    ]


def test_the_resources_are_the_classes_at_the_official_paths() -> None:
    client = fastgroq.Groq(api_key="x" * 20)
    try:
        assert type(client.chat) is Chat
        assert type(client.chat.completions) is Completions
        assert type(client.audio.speech) is Speech
        assert type(client.models) is Models
        assert type(client.with_raw_response.chat.completions) is CompletionsWithRawResponse
        assert client.chat is client.chat  # created once
        assert client.with_raw_response is client.with_raw_response
    finally:
        client.close()
    assert AsyncChat.__module__ == "fastgroq.resources.chat._async_chat"
    assert AsyncCompletions.__module__ == "fastgroq.resources.chat._async_completions"
    assert AsyncSpeech.__name__ == "AsyncSpeech"
    with pytest.raises(AttributeError):
        _ = fastgroq.resources.chat.completions.NoSuchName  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = fastgroq.resources.NoSuchName  # type: ignore[attr-defined]


@pytest.mark.skipif(importlib.util.find_spec("groq") is None, reason="the official groq SDK is not installed")
def test_every_official_resource_module_and_name_imports_from_fastgroq() -> None:
    spec = importlib.util.find_spec("groq.resources")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    checked = 0
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        dotted = ".".join(("resources", *(parts[:-1] if parts[-1] == "__init__" else parts)))
        official = importlib.import_module(f"groq.{dotted}")
        names = getattr(official, "__all__", None) or [
            n for n, v in vars(official).items() if isinstance(v, type) and v.__module__ == official.__name__
        ]
        ours = importlib.import_module(f"fastgroq.{dotted}")
        for name in names:
            assert isinstance(getattr(ours, name, None), type), f"fastgroq.{dotted} has no class {name}"
            checked += 1
    assert checked > 80
