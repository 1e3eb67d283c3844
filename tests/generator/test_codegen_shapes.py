"""Call shapes the generator supports although Groq's API does not use them all today, proven on a small schema:
query parameters (typed keyword arguments, validated, encoded), several path parameters together with a body,
DELETE, and an operation rooted outside ``/openai/v1``. The schema below is generated into a temporary package,
which then talks to its own ``fastgroq.testing`` server in a subprocess (so it does not clash with the
``fastgroq`` under test), and the IR is checked for what the templates rely on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codegen import ir, load
from codegen.__main__ import build

pytestmark = pytest.mark.generator

COMMON = """
$schema: https://json-schema.org/draft/2020-12/schema
title: Shapes
x-error: {$ref: '#/$defs/ErrorResponse'}
$defs:
  ErrorResponse:
    x-upstream: null
    type: object
    properties: {error: {$ref: '#/$defs/ErrorObject'}}
    required: [error]
  ErrorObject:
    x-upstream: null
    type: object
    properties: {message: {type: string}, type: {type: string}, code: {type: [string, 'null']}}
    required: [message, type]
"""

SHAPES = """
$schema: https://json-schema.org/draft/2020-12/schema
x-operations:
  listThings:
    x-upstream: null
    method: GET
    path: /things
    client_method: things.list
    summary: List things, a page at a time.
    parameters:
      limit: {in: query, schema: {type: integer, minimum: 1, maximum: 100}, description: At most this many.}
      after: {in: query, schema: {type: string}, description: The last id of the previous page.}
      order: {in: query, schema: {type: string, enum: [asc, desc]}}
      archived: {in: query, schema: {type: boolean}}
      tag: {in: query, schema: {type: array, items: {type: string}}}
    response: {$ref: '#/$defs/ThingList'}
  searchThings:
    x-upstream: null
    method: GET
    path: /things/search
    client_method: things.search
    parameters:
      q: {in: query, required: true, schema: {type: string, minLength: 1}, description: What to look for.}
    response: {$ref: '#/$defs/ThingList'}
  updatePart:
    x-upstream: null
    method: POST
    path: /things/{thing_id}/parts/{part_id}
    client_method: things.parts.update
    summary: Update a part of a thing.
    parameters:
      part_id: {in: path, schema: {type: string}, description: The part.}
      thing_id: {in: path, schema: {type: string}, description: The thing.}
      dry_run: {in: query, schema: {type: boolean}}
    request: {$ref: '#/$defs/PartUpdate'}
    response: {$ref: '#/$defs/Thing'}
  deleteThing:
    x-upstream: null
    method: DELETE
    path: /things/{thing_id}
    client_method: things.delete
    parameters:
      thing_id: {in: path, schema: {type: string}}
    response: {$ref: '#/$defs/Thing'}
  exportThing:
    x-upstream: null
    method: GET
    path: /things/{thing_id}/export
    client_method: things.export
    client_aliases: [download]
    parameters:
      thing_id: {in: path, schema: {type: string}}
    response_kind: text
    accept: text/csv
  listJobs:
    x-upstream: null
    method: GET
    root: /v1
    path: /jobs
    client_method: jobs.list
    response: {$ref: '#/$defs/ThingList'}
$defs:
  PartUpdate:
    x-upstream: null
    type: object
    properties:
      name: {type: string, maxLength: 10}
      size: {type: integer, minimum: 0}
      unit: {type: string}
      kind: {type: string}
    required: [name]
    x-required-when:
      - {property: kind, equals: sized, required: [size, unit]}
  Thing:
    x-upstream: null
    type: object
    x-msgspec: {dict: true}
    properties: {id: {type: string}, name: {type: string}, deleted: {type: boolean}}
    required: [id]
    x-envelope: [id]
  ThingList:
    x-upstream: null
    type: object
    x-msgspec: {dict: true}
    properties: {object: {type: string}, data: {type: array, items: {$ref: '#/$defs/Thing'}}}
    required: [data]
    x-envelope: [data]
"""

# Runs inside the generated package's interpreter; each check prints nothing unless it fails.
SCRIPT = r"""
import inspect, json
import msgspec
import fastgroq
from fastgroq import Groq, RequestValidationError
from fastgroq.testing import MockGroqServer, Reply

THINGS = {"object": "list", "data": [{"id": "t1", "name": "one"}]}
THING = {"id": "t1", "name": "new"}

with MockGroqServer() as server:
    server.route("GET", "/things", Reply.json(THINGS))
    server.route("GET", "/things/search", Reply.json(THINGS))
    server.route("GET", "/jobs", Reply.json(THINGS))
    server.route("POST", "/parts/p%2F2", Reply.json(THING))
    server.route("DELETE", "/things/t1", Reply.json({**THING, "deleted": True}))
    client = Groq(api_key="k", base_url=server.base_url, max_retries=0)

    # Query parameters: only what the caller gave, typed values encoded as the API reads them.
    assert client.things.list().data[0].id == "t1"
    assert server.last_request.target == "/openai/v1/things"
    client.things.list(limit=5, after="t0", archived=False, order="desc", tag=["a", "b"])
    assert server.last_request.target == (
        "/openai/v1/things?limit=5&after=t0&order=desc&archived=false&tag=a&tag=b"
    ), server.last_request.target
    client.things.list(limit=fastgroq.NOT_GIVEN, after="x", extra_query={"after": "y", "more": 1})
    assert server.last_request.query_string == "after=y&more=1", server.last_request.query_string
    client.with_options(default_query={"trace": "1"}).things.search(q="hi")
    assert server.last_request.query_string == "trace=1&q=hi"
    # Validated before sending, like a body.
    count = len(server.requests)
    for bad, where in [({"limit": 0}, "$.limit"), ({"limit": "5"}, "$.limit"), ({"order": "up"}, "$.order")]:
        try:
            client.things.list(**bad)
        except RequestValidationError as exc:
            assert exc.path == where, (bad, exc.path)
            assert "invalid query parameters" in str(exc)
        else:
            raise AssertionError(bad)
    try:
        client.things.search(q="")
    except RequestValidationError as exc:
        assert exc.path == "$.q"
    else:
        raise AssertionError("empty q")
    assert len(server.requests) == count
    sig = inspect.signature(client.things.list)
    assert [p.kind.name for p in sig.parameters.values()][:5] == ["KEYWORD_ONLY"] * 5
    assert inspect.signature(client.things.search).parameters["q"].default is inspect.Parameter.empty
    assert isinstance(fastgroq.types.ListThingsQuery(limit=3), msgspec.Struct)

    # Two path parameters (in path order, percent-encoded), a body and a query parameter together.
    thing = client.things.parts.update("t 1", "p/2", name="new", dry_run=True)
    assert thing.name == "new" and thing._request_id is None
    request = server.last_request
    assert request.target == "/openai/v1/things/t%201/parts/p%2F2?dry_run=true", request.target
    assert request.json() == {"name": "new"}
    assert list(inspect.signature(client.things.parts.update).parameters)[:3] == ["thing_id", "part_id", "request"]
    client.things.parts.update(part_id="p/2", thing_id="t", request=fastgroq.types.PartUpdate(name="n", size=1))
    assert server.last_request.json() == {"name": "n", "size": 1}
    for bad in [{"name": "x" * 11}, {"name": "ok", "size": -1}]:
        try:
            client.things.parts.update("t", "p/2", **bad)
        except RequestValidationError:
            pass
        else:
            raise AssertionError(bad)
    # x-required-when: with kind "sized", size and unit are required (each named), else neither.
    for missing, given in [("size", {"unit": "cm"}), ("unit", {"size": 3})]:
        try:
            client.things.parts.update("t", "p/2", name="n", kind="sized", **given)
        except RequestValidationError as exc:
            assert f"`{missing}` is required when `kind` is 'sized'" in str(exc) and exc.path == "$", str(exc)
        else:
            raise AssertionError(missing)
    client.things.parts.update("t", "p/2", name="n", kind="sized", size=3, unit="cm")
    client.things.parts.update("t", "p/2", name="n", kind="plain")
    assert server.last_request.json() == {"name": "n", "kind": "plain"}
    try:
        client.things.parts.update("t", "", name="x")
    except ValueError as exc:
        assert "part_id" in str(exc)
    else:
        raise AssertionError("empty part_id")
    raw = client.things.parts.with_raw_response.update("t", "p/2", name="new")
    assert raw.status_code == 200 and raw.parse().id == "t1"
    with client.with_streaming_response.things.parts.update("t", "p/2", name="new") as response:
        assert response.json() == THING

    # A text answer (response_kind: text): a str, decoded with the charset of Content-Type; an alias.
    server.route("GET", "/things/t1/export", Reply.raw("id,name\nt1,één\n".encode("latin-1"), content_type="text/csv; charset=latin-1"))
    csv = client.things.export("t1")
    assert csv == "id,name\nt1,één\n", csv
    assert server.last_request.headers["Accept"] == "text/csv"
    assert client.things.with_raw_response.export("t1").parse() == csv
    assert client.things.download(thing_id="t1") == csv

    # DELETE.
    deleted = client.things.delete("t1")
    assert deleted.deleted is True and server.last_request.method == "DELETE"
    assert server.last_request.body == b""

    # An operation rooted at /v1 (not /openai/v1), for each way of writing base_url.
    root = server.root_url
    for base, target in [
        (server.base_url, "/v1/jobs"),
        (root, "/v1/jobs"),
        (root + "/gateway/", "/gateway/v1/jobs"),
        (root + "/gateway/openai/v1", "/gateway/v1/jobs"),
        (root + "/v1", "/v1/jobs"),
        (root + "/compat/v1", "/compat/v1/jobs"),
    ]:
        c = Groq(api_key="k", base_url=base, max_retries=0)
        c.jobs.list()
        assert server.last_request.target == target, (base, server.last_request.target)
        c.base_url = base  # assigning applies the same rule
        c.jobs.list()
        assert server.last_request.target == target
    assert not server.errors
print(json.dumps({"ok": True}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = tmp_path_factory.mktemp("schema")
    (schema / "common.yaml").write_text(COMMON)
    (schema / "shapes.yaml").write_text(SHAPES)
    out = tmp_path_factory.mktemp("generated")
    build(out, schema)
    return out


def test_the_generated_package_sends_every_shape_as_the_schema_says(package: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(package), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": True}


def _api(tmp_path: Path, shapes: str = SHAPES) -> ir.API:
    (tmp_path / "common.yaml").write_text(COMMON)
    (tmp_path / "shapes.yaml").write_text(shapes)
    return ir.build(load.read_schema(tmp_path))


def test_the_ir_says_where_each_operation_lives_and_what_it_takes(tmp_path: Path) -> None:
    ops = {op.id: op for op in _api(tmp_path).operations}
    update = ops["updatePart"]
    assert (update.http_method, update.root, update.path) == (
        "POST",
        "/openai/v1",
        "/things/{thing_id}/parts/{part_id}",
    )
    assert [p.name for p in update.path_params] == ["thing_id", "part_id"]  # path order, not declaration order
    assert [q.name for q in update.query_params] == ["dry_run"]
    assert (update.request_type, update.query_type, update.response_kind) == ("PartUpdate", "UpdatePartQuery", "json")
    assert ops["listJobs"].full_path == "/v1/jobs"
    assert ops["searchThings"].query_params[0].required
    assert ops["deleteThing"].query_type is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("path: /things/{thing_id}\n", "path: /things/{id}\n", r"has parameters \['id'\], declared in: path"),
        ("root: /v1\n", "root: /v1/\n", "root '/v1/' must be"),
        ("method: DELETE", "method: TRACE", "not one the client sends"),
        ("dry_run: {in: query", "dry_run: {in: header", "`in` must be `path` or `query`"),
        ("dry_run: {in: query", "timeout: {in: query", "not usable as a Python argument name"),
        ("dry_run: {in: query", "name: {in: query", "name named twice among path, body and query"),
        ("accept: text/csv", "accept: csv", "accept 'csv' is a media type"),
        ("response_kind: text\n", "response_kind: pdf\n", "response_kind 'pdf' is not one of"),
        ("response_kind: text\n", "response_kind: text\n    response: {$ref: '#/$defs/Thing'}\n", "has no `response`"),
        ("client_aliases: [download]", "client_aliases: [export]", "other method names"),
    ],
)
def test_shapes_the_generator_cannot_honour_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SHAPES
    with pytest.raises(ir.SchemaError, match=message):
        api = _api(tmp_path, SHAPES.replace(old, new, 1))
        build(tmp_path / "out", tmp_path)  # name clashes are found once the types exist
        del api
