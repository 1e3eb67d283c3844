"""The official SDK's module paths: ``from groq.types.chat import ChatCompletion`` works as ``s/groq/fastgroq/``.

1. every ``x-sdk-paths`` entry of the schema imports from ``fastgroq.types`` and is the type it names (the
   Struct); every ``x-sdk-param-paths`` entry is the TypedDict form of a request type, as the official SDK's
   params are;
2. they are the official SDK's paths and names (checked against ``groq`` itself when it is installed);
3. ``fastgroq.types`` keeps exporting every name it exported before (each $def, each seed name);
4. ``import fastgroq`` and a client import no types module; a module path imports only the areas it needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from typing import Any

import msgspec
import pytest
from fastgroq import types as T

from codegen import ir, load
from tests.conftest import ROOT

API = ir.build(load.read_schema(ROOT / "schema"))
DEFS = load.read_schema(ROOT / "schema").defs
SCHEMA_PATHS = sorted((str(path), name) for name, spec in DEFS.items() for path in spec.get("x-sdk-paths", []))
PARAM_PATHS = sorted((str(path), name) for name, spec in DEFS.items() for path in spec.get("x-sdk-param-paths", []))


def params_module(target: str) -> Any:
    """The module holding the TypedDict forms of the request types of ``target``'s area."""
    return importlib.import_module(f"fastgroq.types._areas.{API.def_areas[target]}_params")


def resolve(dotted: str) -> Any:
    module, _, name = f"fastgroq.types.{dotted}".rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_path_of_the_schema_is_generated() -> None:
    assert len(SCHEMA_PATHS) >= 60 and len(PARAM_PATHS) >= 50
    for path, target in SCHEMA_PATHS:
        assert resolve(path) is getattr(T, target), path
    for path, target in PARAM_PATHS:
        assert resolve(path) is getattr(params_module(target), target), path
        assert target in API.request_defs


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("from fastgroq.types.chat import ChatCompletion", "ChatCompletion"),
        ("from fastgroq.types.chat import ChatCompletionChunk", "ChatCompletionChunk"),
        ("from fastgroq.types.chat import ChatCompletionMessage", "ChatCompletionMessage"),
        ("from fastgroq.types.chat.chat_completion import Choice", "ChatCompletionChoice"),
        ("from fastgroq.types.chat.chat_completion_chunk import Choice", "ChatCompletionChunkChoice"),
        ("from fastgroq.types.chat.chat_completion_chunk import ChoiceDelta", "ChoiceDelta"),
        ("from fastgroq.types.chat.chat_completion import XGroq", "XGroqNonStreaming"),
        ("from fastgroq.types.chat.chat_completion_chunk import XGroq", "XGroq"),
        (
            "from fastgroq.types.chat.chat_completion_message_tool_call import Function",
            "ChatCompletionMessageToolCallFunction",
        ),
        ("from fastgroq.types import Model", "Model"),
        ("from fastgroq.types import CompletionUsage", "CompletionUsage"),
        ("from fastgroq.types.shared import ErrorObject", "ErrorObject"),
        ("from fastgroq.types.shared import FunctionDefinition", "FunctionDefinition"),
    ],
)
def test_the_imports_of_code_written_for_the_official_sdk(statement: str, expected: str) -> None:
    namespace: dict[str, Any] = {}
    exec(statement, namespace)
    (name,) = (k for k in namespace if k != "__builtins__")
    assert namespace[name] is getattr(T, expected)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("from fastgroq.types.chat import ChatCompletionMessageParam", "ChatCompletionMessageParam"),
        ("from fastgroq.types.chat import ChatCompletionUserMessageParam", "ChatCompletionUserMessageParam"),
        ("from fastgroq.types.chat import CompletionCreateParams", "ChatCompletionRequest"),
        ("from fastgroq.types.chat.completion_create_params import ResponseFormat", "ResponseFormat"),
        ("from fastgroq.types.shared_params import FunctionDefinition", "FunctionDefinition"),
        ("from fastgroq.types import EmbeddingCreateParams", "EmbeddingCreateRequest"),
    ],
)
def test_the_official_params_are_typed_dicts(statement: str, expected: str) -> None:
    namespace: dict[str, Any] = {}
    exec(statement, namespace)
    (name,) = (k for k in namespace if k != "__builtins__")
    assert namespace[name] is getattr(params_module(expected), expected)
    assert namespace[name] is not getattr(T, expected)  # fastgroq.types keeps the Struct under that name


def test_modules_and_packages_are_attributes_too() -> None:
    import fastgroq
    import fastgroq.types.chat.chat_completion
    import fastgroq.types.shared.error_object

    assert fastgroq.types.chat.chat_completion.Choice is T.ChatCompletionChoice
    assert fastgroq.types.shared.error_object.Debug is T.DebugData
    assert {"chat", "shared", "model"} <= set(dir(T))
    with pytest.raises(AttributeError, match="NoSuchType"):
        _ = T.NoSuchType  # type: ignore[attr-defined]


def test_every_module_says_what_it_exports() -> None:
    for module in API.sdk_modules:
        imported = importlib.import_module(module.dotted)
        assert sorted(imported.__all__) == sorted(e.name for e in module.names), module.dotted


@pytest.mark.skipif(importlib.util.find_spec("groq") is None, reason="the official groq SDK is not installed")
def test_the_paths_are_the_official_sdks() -> None:
    for path, _ in SCHEMA_PATHS + PARAM_PATHS:
        module, _, name = f"groq.types.{path}".rpartition(".")
        assert hasattr(importlib.import_module(module), name), f"groq has no {module}.{name}"


def test_every_name_exported_before_is_still_exported() -> None:
    defs = load.read_schema(ROOT / "schema").defs
    seed = [alias for spec in defs.values() for alias in spec.get("x-seed-names", [])]
    for name in [*defs, *seed]:
        assert name in T.__all__
        exec(f"from fastgroq.types import {name}", {})
    assert T.ChatCompletionResponse is T.ChatCompletion


def _modules_after(code: str) -> list[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith('fastgroq'))))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return list(json.loads(result.stdout))


def test_importing_fastgroq_and_making_a_client_imports_no_types() -> None:
    code = "import fastgroq; fastgroq.Groq(api_key='x'); assert 'ChatCompletion' not in vars(fastgroq.types)"
    loaded = _modules_after(code)
    assert "fastgroq.types" in loaded  # the package itself: names only
    assert [m for m in loaded if m.startswith("fastgroq.types.")] == []


def test_an_official_path_imports_only_the_areas_it_needs() -> None:
    loaded = _modules_after("from fastgroq.types.chat import ChatCompletion")
    areas = sorted(m for m in loaded if m.startswith("fastgroq.types._areas."))
    # The chat package also re-exports the chat params (TypedDicts); not the models area.
    assert areas == ["fastgroq.types._areas.chat", "fastgroq.types._areas.chat_params", "fastgroq.types._areas.common"]
    loaded = _modules_after("from fastgroq.types import Model")
    assert sorted(m for m in loaded if m.startswith("fastgroq.types._areas.")) == ["fastgroq.types._areas.models"]


def test_the_top_level_types_of_fastgroq_are_there_when_asked_for() -> None:
    import fastgroq

    assert fastgroq.ChatCompletion is T.ChatCompletion
    assert fastgroq.ChatCompletionRequest is T.ChatCompletionRequest
    assert msgspec.json.Decoder(fastgroq.ModelListResponse)
    with pytest.raises(AttributeError):
        _ = fastgroq.NoSuchType  # type: ignore[attr-defined]
