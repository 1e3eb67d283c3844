"""``python -m codegen upstream-diff``: what Groq's OpenAPI document has that schema/ lacks or contradicts.

The upstream documents are read from ../shared by path (never copied here). Mutated copies are written by
the tests, one change each, and each change (and only it) must be reported; rewrites that mean nothing must
report nothing.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen import load
from codegen.upstream import Result, diff, pointer
from codegen.upstream.finding import KINDS, Finding
from codegen.upstream.report import as_text
from tests.conftest import PYTHON, ROOT, UPSTREAM

# The generator runs on one Python, with its toolchain (.venv); the other Python lanes do not import this module.
pytestmark = pytest.mark.generator

HISTORY = UPSTREAM.parent / "history"
MARCH_2026 = HISTORY / "groq-openapi-2.1-2026-03-20.yaml"
DECEMBER_2024 = HISTORY / "groq-openapi-2.0-2024-12-23.yaml"
S = "#/components/schemas/"
REQUEST = S + "CreateChatCompletionRequest"
# The operations the schema covers, by their x-upstream record.
COVERED = {str(spec["x-upstream"]) for spec in load.read_schema().operations.values()}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "codegen", "upstream-diff", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    assert UPSTREAM.exists(), f"the upstream OpenAPI document is read from {UPSTREAM} (../shared beside the checkout)"
    data: dict[str, Any] = yaml.safe_load(UPSTREAM.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def baseline() -> Result:
    return diff(UPSTREAM)


def upstream_operations(data: dict[str, Any]) -> set[str]:
    return {
        pointer.join("#", "paths", path, method)
        for path, item in data["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }


# --------------------------------------------------------------------------------------------------------------
# The current document: every operation covered, every difference declared
# --------------------------------------------------------------------------------------------------------------


def test_the_current_document_has_no_finding(baseline: Result, document: dict[str, Any]) -> None:
    report = as_text(baseline, "schema/*.yaml")
    assert baseline.findings == [], report
    assert upstream_operations(document) == COVERED, report  # all 23 operations
    assert len(COVERED) == 23
    assert baseline.notes == [], report  # no declared deviation left that matches nothing


def test_every_deliberate_difference_is_a_known_deviation_with_its_reason(baseline: Result) -> None:
    known = {(f.kind, f.upstream.removeprefix(S)) for f in baseline.known_deviations}
    assert ("removed-property", "CreateChatCompletionStreamResponse/properties/usage") in known
    assert ("removed-property", "CreateChatCompletionRequest/properties/stream_options") in known
    assert ("removed-property", "Model/properties/context_window") in known
    assert ("required-changed", "ChatCompletionResponseMessage/properties/content") in known
    assert ("nullable-changed", "CreateChatCompletionResponse/properties/usage_breakdown") in known
    assert ("type-changed", "#/paths/~1openai~1v1~1chat~1completions/post/responses/200/content") in known
    assert all("; on purpose: " in f.detail and f.schema for f in baseline.known_deviations)


def test_every_type_and_operation_records_its_upstream_counterpart(document: dict[str, Any]) -> None:
    schema = load.read_schema()
    records = {name: spec["x-upstream"] for name, spec in schema.defs.items()}
    records |= {op_id: spec["x-upstream"] for op_id, spec in schema.operations.items()}
    unresolved = {name: where for name, where in records.items() if where and pointer.resolve(document, where) is None}
    assert unresolved == {}
    assert len(COVERED) == len(schema.operations) >= 3  # no two operations claim one upstream operation


# --------------------------------------------------------------------------------------------------------------
# The command: exit status, JSON shape, text report, bad input
# --------------------------------------------------------------------------------------------------------------


def test_json_report_has_the_documented_shape(tmp_path: Path, document: dict[str, Any]) -> None:
    result = run(str(UPSTREAM), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["upstream", "findings", "known_deviations"]
    assert data["upstream"] == {
        "title": "GroqCloud API",
        "version": "2.1",
        "sha256": "ea91f46f212ab4ed66f8278cbe43999c377a76217fa0c980d9cea9470c3ea8de",
    }
    assert data["findings"] == []
    for entry in data["known_deviations"]:
        assert list(entry) == ["kind", "upstream", "schema", "detail"]
        assert entry["kind"] in KINDS and entry["upstream"].startswith("#/")
        assert entry["schema"].startswith("schema/")
    mutated = _copy(document)
    _operation_added(mutated)
    result = run(str(_write(tmp_path, mutated)), "--json")
    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert list(finding) == ["kind", "upstream", "schema", "detail"]
    assert (finding["kind"], finding["schema"]) == ("missing-operation", None)


def test_text_report_groups_findings_and_ends_with_a_summary(
    tmp_path: Path, document: dict[str, Any], baseline: Result
) -> None:
    known = len(baseline.known_deviations)
    result = run(str(UPSTREAM))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "upstream: GroqCloud API 2.1 (sha256 ea91f46f212a) against schema/*.yaml"
    assert "  Model (type, schema/models.yaml)" in lines  # known deviations grouped by type
    assert lines[-1] == f"no findings; {known} known deviations"
    mutated = _copy(document)
    _operation_added(mutated)
    _new_property(mutated)
    lines = run(str(_write(tmp_path, mutated))).stdout.splitlines()
    assert "Operations schema/ does not cover" in lines
    # One line a finding: kind, upstream pointer, what it is (here: method, path, operationId, summary).
    operations = [line for line in lines if line.startswith("  missing-operation   #/paths/")]
    assert len(operations) == 1
    assert all(re.fullmatch(r"  missing-operation   #/paths/\S+  [A-Z]+ /\S+ \(\w+\): .+", line) for line in operations)
    assert lines[-1] == f"2 findings (1 missing-operation, 1 missing-property); {known} known deviations"


def test_no_findings_exits_0(tmp_path: Path, document: dict[str, Any], baseline: Result) -> None:
    data = _copy(document)
    data["paths"] = {
        path: {key: value for key, value in item.items() if key not in HTTP or _covered(path, key)}
        for path, item in data["paths"].items()
        if any(_covered(path, method) for method in item)
    }
    result = run(str(_write(tmp_path, data)))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"no findings; {len(baseline.known_deviations)} known deviations"


HTTP = ("get", "put", "post", "delete", "patch")


def _covered(path: str, method: str) -> bool:
    return pointer.join("#", "paths", path, method) in COVERED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"\xff\xfe\x00binary", "not YAML or JSON"),
        (b"openapi: 3.0.1\npaths: {a: [unclosed\n", "not valid YAML or JSON: did not find expected ',' or ']' (line 3"),
        (b"just: a mapping\n", "not an OpenAPI 3.x document"),
        (b'{"swagger": "2.0", "info": {}, "paths": {}}', "not an OpenAPI 3.x document"),
        (b"- a\n- list\n", "not an OpenAPI 3.x document"),
        (
            b"openapi: 3.0.1\ninfo: {title: t}\npaths: {/x: {get: {}}}\npaths: {}\n",
            "found duplicate key 'paths' (line 4, column 1)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "upstream.yaml"
    if content is not None:
        path.write_bytes(content)
    result = run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("upstream-diff: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_type_without_an_upstream_record_is_bad_input(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    for source in (ROOT / "schema").glob("*.yaml"):
        text = source.read_text()
        (schema / source.name).write_text(text.replace("    x-upstream: '#/components/schemas/BrowserResult'\n", ""))
    result = run(str(UPSTREAM), "--schema", str(schema))
    assert result.returncode == 2
    assert result.stderr == (
        "upstream-diff: schema/chat.yaml#/$defs/BrowserResult: no x-upstream "
        "(a JSON pointer into the upstream document, or null if it has none)\n"
    )


def test_an_operation_whose_method_or_path_disagrees_with_its_upstream_record_is_a_finding(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", schema)
    models = schema / "models.yaml"
    text = models.read_text()
    models.write_text(
        text.replace("method: DELETE\n    path: /models/{model}", "method: POST\n    path: /models/{model}")
    )
    result = diff(UPSTREAM, schema_dir=schema)
    (finding,) = [f for f in result.findings if f.kind != "missing-operation"]
    assert finding == Finding(
        "type-changed",
        "#/paths/~1openai~1v1~1models~1{model}/delete",
        "schema/models.yaml#/x-operations/deleteModel",
        "upstream: DELETE /openai/v1/models/{model}; schema: POST /openai/v1/models/{model}",
    )


# --------------------------------------------------------------------------------------------------------------
# The published history: real changes
# --------------------------------------------------------------------------------------------------------------


def test_march_2026_differs_from_today_only_in_ways_that_mean_nothing(baseline: Result) -> None:
    # One model id added to an open enum (any model id is accepted) and one $ref wrapped in allOf.
    march = diff(MARCH_2026)
    assert march.findings == baseline.findings
    assert march.known_deviations == baseline.known_deviations
    assert march.upstream.sha256.startswith("2c4683b6")


def test_march_2026_with_descriptions_is_silent_about_the_model_id_the_schema_knows() -> None:
    march = diff(MARCH_2026, descriptions=True)
    assert [f for f in march.findings if f.detail.startswith("upstream lists")] == []


def test_december_2024_reports_what_the_schema_has_that_2_0_did_not() -> None:
    old = diff(DECEMBER_2024)
    found = {(f.kind, f.upstream.removeprefix(S)) for f in old.findings}
    missing_operations = {f.upstream for f in old.findings if f.kind == "missing-operation"}
    december = yaml.safe_load(DECEMBER_2024.read_text(encoding="utf-8"))
    assert missing_operations == upstream_operations(december) - COVERED
    assert ("removed-property", "CreateChatCompletionRequest/properties/reasoning_format") in found
    assert ("removed-property", "ChatCompletionResponseMessage/properties/reasoning") in found
    assert ("type-changed", "ChatCompletionRequestSystemMessage/properties/content") in found
    assert ("removed-property", "XGroq/properties/usage_breakdown") in found
    # The operations 2.0 did not have yet (batches, files, reranking, fine tunings) are noted, not findings.
    operations = {op_id: spec["x-upstream"] for op_id, spec in load.read_schema().operations.items()}
    absent = {op_id for op_id, where in operations.items() if pointer.resolve(december, where) is None}
    assert {"createBatch", "listFiles", "createReranking", "listFineTunings"} <= absent
    assert {n for n in old.notes if not n.startswith("x-deviation")} == {
        f"{op_id}: x-upstream {operations[op_id]} is not in this upstream document" for op_id in absent
    }
    # In 2.0 the system message took only role `system`: the declaration about `developer` has nothing to match.
    # Nor had it a usage breakdown for the declaration about its null `models` to match.
    # (Declarations about what 2.0 did not have at all, the Responses API, match nothing either.)
    declared = [n for n in old.notes if n.startswith("x-deviation")]
    assert all(pointer.resolve(december, n.rsplit("(", 1)[1][:-1]) is None for n in declared if "responses" in n)
    assert [n for n in declared if "responses" not in n] == [
        "x-deviation at schema/chat.yaml#/$defs/ChatCompletionSystemMessageParam/properties/role matches no "
        "difference with this document (#/components/schemas/ChatCompletionRequestSystemMessage/properties/role)",
        "x-deviation at schema/chat.yaml#/$defs/UsageBreakdown/properties/models matches no difference with "
        "this document (#/components/schemas/ChatCompletionUsageBreakdown/properties/models)",
    ]
    assert old.upstream.version == "2.0"


# --------------------------------------------------------------------------------------------------------------
# Mutated copies: each change, and only it, is reported
# --------------------------------------------------------------------------------------------------------------


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    # Through JSON: the YAML aliases (one object at two places) become independent copies.
    copied: dict[str, Any] = json.loads(json.dumps(data))
    return copied


def _write(tmp_path: Path, data: dict[str, Any], as_yaml: bool = False) -> Path:
    path = tmp_path / ("upstream.yaml" if as_yaml else "upstream.json")
    path.write_text(yaml.safe_dump(data, sort_keys=False) if as_yaml else json.dumps(data), encoding="utf-8")
    return path


def _changes(before: Result, after: Result) -> tuple[set[Finding], set[Finding]]:
    assert set(after.known_deviations) == set(before.known_deviations)
    return set(after.findings) - set(before.findings), set(before.findings) - set(after.findings)


def _schemas(data: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = data["components"]["schemas"]
    return schemas


def _new_property(data: dict[str, Any]) -> None:
    _schemas(data)["CompletionUsage"]["properties"]["carbon_grams"] = {"type": "number"}


def _new_enum_value(data: dict[str, Any]) -> None:
    _schemas(data)["CreateChatCompletionRequest"]["properties"]["reasoning_effort"]["enum"].append("maximal")


def _made_required(data: dict[str, Any]) -> None:
    _schemas(data)["CreateChatCompletionRequest"]["required"].append("temperature")


def _type_changed(data: dict[str, Any]) -> None:
    _schemas(data)["CompletionUsage"]["properties"]["prompt_tokens"]["type"] = "string"


def _operation_added(data: dict[str, Any]) -> None:
    data["paths"]["/openai/v1/chat/completions/{id}"] = {
        "get": {"operationId": "getChatCompletion", "summary": "Get a stored completion.", "responses": {}}
    }


def _property_removed(data: dict[str, Any]) -> None:
    del _schemas(data)["CreateChatCompletionRequest"]["properties"]["seed"]


def _union_member_added(data: dict[str, Any]) -> None:
    _schemas(data)["ChatCompletionRequestMessage"]["oneOf"].append({"$ref": S + "ChatCompletionRequestMoodMessage"})
    _schemas(data)["ChatCompletionRequestMoodMessage"] = {
        "type": "object",
        "properties": {"role": {"type": "string", "enum": ["mood"]}, "mood": {"type": "string"}},
        "required": ["role"],
    }


def _parameter_added(data: dict[str, Any]) -> None:
    # Declared for the whole path, as OpenAPI allows: it applies to GET /models.
    data["paths"]["/openai/v1/models"]["parameters"] = [{"name": "limit", "in": "query", "schema": {"type": "integer"}}]


def _made_nullable(data: dict[str, Any]) -> None:
    _schemas(data)["CompletionUsage"]["properties"]["total_tokens"]["nullable"] = True


def _form_field_added(data: dict[str, Any]) -> None:
    _schemas(data)["CreateFileRequest"]["properties"]["expires_after"] = {"type": "integer"}


def _binary_media_type_changed(data: dict[str, Any]) -> None:
    content = data["paths"]["/openai/v1/audio/speech"]["post"]["responses"]["200"]["content"]
    content["audio/mpeg"] = content.pop("audio/wav")


def _text_answer_added(data: dict[str, Any]) -> None:
    content = data["paths"]["/openai/v1/files/{file_id}/content"]["get"]["responses"]["200"]["content"]
    content["text/plain"] = {"schema": {"type": "string"}}


MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], Finding]] = {
    "form field added to an upload": (
        _form_field_added,
        Finding(
            "missing-property",
            S + "CreateFileRequest/properties/expires_after",
            "schema/files.yaml#/$defs/FileCreateRequest/properties/expires_after",
            "integer",
        ),
    ),
    "binary answer's media type changed": (
        _binary_media_type_changed,
        Finding(
            "type-changed",
            "#/paths/~1openai~1v1~1audio~1speech/post/responses/200/content",
            "schema/audio.yaml#/x-operations/createSpeech/response",
            "upstream: audio/mpeg; schema: audio/wav",
        ),
    ),
    "text answer added": (
        _text_answer_added,
        Finding(
            "type-changed",
            "#/paths/~1openai~1v1~1files~1{file_id}~1content/get/responses/200/content",
            "schema/files.yaml#/x-operations/downloadFile/response",
            "upstream: application/octet-stream, text/plain; schema: application/octet-stream",
        ),
    ),
    "new property": (
        _new_property,
        Finding(
            "missing-property",
            S + "CompletionUsage/properties/carbon_grams",
            "schema/chat.yaml#/$defs/CompletionUsage/properties/carbon_grams",
            "number",
        ),
    ),
    "new enum value": (
        _new_enum_value,
        Finding(
            "missing-enum-value",
            REQUEST + "/properties/reasoning_effort/enum/5",
            "schema/chat.yaml#/$defs/ReasoningEffort/enum",
            '"maximal" is not among the schema\'s values ("none", "default", "low", "medium", "high")',
        ),
    ),
    "property made required": (
        _made_required,
        Finding(
            "required-changed",
            REQUEST + "/properties/temperature",
            "schema/chat.yaml#/$defs/ChatCompletionRequest/properties/temperature",
            "upstream requires it; the schema says the opposite",
        ),
    ),
    "type changed": (
        _type_changed,
        Finding(
            "type-changed",
            S + "CompletionUsage/properties/prompt_tokens",
            "schema/chat.yaml#/$defs/CompletionUsage/properties/prompt_tokens",
            "upstream: string; schema: integer",
        ),
    ),
    "operation added": (
        _operation_added,
        Finding(
            "missing-operation",
            "#/paths/~1openai~1v1~1chat~1completions~1{id}/get",
            None,
            "GET /openai/v1/chat/completions/{id} (getChatCompletion): Get a stored completion.",
        ),
    ),
    "property removed": (
        _property_removed,
        Finding(
            "removed-property",
            REQUEST + "/properties/seed",
            "schema/chat.yaml#/$defs/ChatCompletionRequest/properties/seed",
            "upstream has no property `seed` here",
        ),
    ),
    "union member added": (
        _union_member_added,
        Finding(
            "missing-schema",
            S + "ChatCompletionRequestMessage/oneOf/5",
            "schema/chat.yaml#/$defs/ChatCompletionMessageParam",
            "union member ChatCompletionRequestMoodMessage has no counterpart",
        ),
    ),
    "parameter added": (
        _parameter_added,
        Finding(
            "missing-property",
            "#/paths/~1openai~1v1~1models/parameters/0",
            "schema/models.yaml#/x-operations/listModels/parameters/limit",
            "query parameter `limit`",
        ),
    ),
    "made nullable": (
        _made_nullable,
        Finding(
            "nullable-changed",
            S + "CompletionUsage/properties/total_tokens",
            "schema/chat.yaml#/$defs/CompletionUsage/properties/total_tokens",
            "upstream: may be null; the schema says the opposite",
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_one_change_is_reported_and_nothing_else(
    name: str, tmp_path: Path, document: dict[str, Any], baseline: Result
) -> None:
    mutate, expected = MUTATIONS[name]
    data = _copy(document)
    mutate(data)
    new, gone = _changes(baseline, diff(_write(tmp_path, data)))
    assert (new, gone) == ({expected}, set())


def _wrap_ref_in_all_of(data: dict[str, Any]) -> None:
    usage = _schemas(data)["CreateChatCompletionResponse"]["properties"]["usage"]
    _schemas(data)["CreateChatCompletionResponse"]["properties"]["usage"] = {"allOf": [usage]}


def _unwrap_all_of(data: dict[str, Any]) -> None:
    # The reverse of the March 2026 change, and XGroq's usage written as anyOf with a null member.
    breakdown = _schemas(data)["CreateChatCompletionResponse"]["properties"]["usage_breakdown"]
    breakdown["$ref"] = breakdown.pop("allOf")[0]["$ref"]
    usage = _schemas(data)["XGroq"]["properties"]["usage"]
    _schemas(data)["XGroq"]["properties"]["usage"] = {"anyOf": [usage.pop("allOf")[0], {"type": "null"}], **usage}
    del _schemas(data)["XGroq"]["properties"]["usage"]["nullable"]


def _reverse_keys(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _reverse_keys(data[key]) for key in reversed(list(data))}
    if isinstance(data, list):
        return [_reverse_keys(item) for item in data]
    return data


def _nullable_as_null_type(data: Any) -> None:
    """Every ``type: X, nullable: true`` becomes ``type: [X, 'null']``, the 2020-12 spelling."""
    if isinstance(data, dict):
        if data.get("nullable") is True and isinstance(data.get("type"), str):
            del data["nullable"]
            data["type"] = [data["type"], "null"]
        for value in data.values():
            _nullable_as_null_type(value)
    elif isinstance(data, list):
        for item in data:
            _nullable_as_null_type(item)


def _inline_a_ref(data: dict[str, Any]) -> None:
    properties = _schemas(data)["CreateChatCompletionResponse"]["properties"]
    properties["usage"] = copy.deepcopy(_schemas(data)["CompletionUsage"])
    properties["x_groq"] = copy.deepcopy(_schemas(data)["XGroqNonStreaming"])


def _reorder_enum_and_required(data: dict[str, Any]) -> None:
    request = _schemas(data)["CreateChatCompletionRequest"]
    request["required"].reverse()
    request["properties"]["reasoning_effort"]["enum"].reverse()


NO_OPS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "$ref wrapped in allOf": _wrap_ref_in_all_of,
    "allOf unwrapped, nullable as a null member": _unwrap_all_of,
    "keys reordered": _reverse_keys,
    "nullable spelled as a null type": _nullable_as_null_type,
    "$ref replaced by an inlined copy": _inline_a_ref,
    "enum values and required reordered": _reorder_enum_and_required,
}


@pytest.mark.parametrize("name", sorted(NO_OPS))
def test_a_rewrite_that_means_nothing_reports_nothing(
    name: str, tmp_path: Path, document: dict[str, Any], baseline: Result
) -> None:
    data = _copy(document)
    rewritten = NO_OPS[name](data)
    data = rewritten if rewritten is not None else data
    assert _changes(baseline, diff(_write(tmp_path, data, as_yaml=name == "keys reordered"))) == (set(), set())


def test_a_mutation_inside_an_inlined_copy_is_still_found(
    tmp_path: Path, document: dict[str, Any], baseline: Result
) -> None:
    data = _copy(document)
    _inline_a_ref(data)
    _schemas(data)["CreateChatCompletionResponse"]["properties"]["usage"]["properties"]["total_tokens"]["type"] = (
        "number"
    )
    new, gone = _changes(baseline, diff(_write(tmp_path, data)))
    assert gone == set()
    assert {(f.kind, f.upstream) for f in new} == {
        ("type-changed", S + "CreateChatCompletionResponse/properties/usage/properties/total_tokens")
    }


# --------------------------------------------------------------------------------------------------------------
# --descriptions
# --------------------------------------------------------------------------------------------------------------


def test_descriptions_only_with_the_flag(tmp_path: Path, document: dict[str, Any], baseline: Result) -> None:
    data = _copy(document)
    model = _schemas(data)["CreateChatCompletionRequest"]["properties"]["model"]
    model["anyOf"][1]["enum"].append("groq/next-model")
    path = _write(tmp_path, data)
    # A model id added to an open enum: every string is accepted, so it is no finding...
    assert _changes(baseline, diff(path)) == (set(), set())
    # ...but the description that lists the known ids is out of date.
    described = diff(path, descriptions=True)
    assert {f.kind for f in described.findings} == {"description-changed"}
    assert described.known_deviations == baseline.known_deviations
    listed = [f for f in described.findings if "groq/next-model" in f.detail]
    assert [(f.upstream, f.detail) for f in listed] == [
        (REQUEST + "/properties/model", 'upstream lists "groq/next-model"; the description does not')
    ]
