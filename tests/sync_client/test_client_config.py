"""End-to-end tests of client configuration against a real loopback server (fastgroq.testing.MockGroqServer)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import fastgroq
import pytest
from fastgroq import Groq, GroqError, Timeout
from fastgroq.testing import MockGroqServer, Reply, chat_completion, models_list

from tests.client_helpers import API_KEY, MESSAGES, MODEL, create, is_client, make_client, make_groq, wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GROQ_API_KEY", "GROQ_BASE_URL", "GROQ_LOG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- api_key ---------------------------------------------------------------------------------------------


def test_api_key_from_argument(server: MockGroqServer, clean_env: pytest.MonkeyPatch) -> None:
    with make_groq(api_key="gsk_from_arg", base_url=server.base_url, max_retries=0, trust_env=False) as client:
        create(client)
    assert server.requests[0].headers["Authorization"] == "Bearer gsk_from_arg"


def test_api_key_from_environment(server: MockGroqServer, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("GROQ_API_KEY", "gsk_from_env")
    with make_groq(base_url=server.base_url, max_retries=0, trust_env=False) as client:
        create(client)
    assert server.requests[0].headers["Authorization"] == "Bearer gsk_from_env"


def test_api_key_argument_wins_over_environment(server: MockGroqServer, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("GROQ_API_KEY", "gsk_from_env")
    with make_groq(api_key="gsk_from_arg", base_url=server.base_url, max_retries=0, trust_env=False) as client:
        create(client)
    assert server.requests[0].headers["Authorization"] == "Bearer gsk_from_arg"


@pytest.mark.parametrize("env_value", [None, ""])
def test_missing_api_key_fails_at_construction(clean_env: pytest.MonkeyPatch, env_value: str | None) -> None:
    if env_value is not None:
        clean_env.setenv("GROQ_API_KEY", env_value)
    with pytest.raises(GroqError) as info:
        make_groq()
    assert "GROQ_API_KEY" in str(info.value)
    assert "api_key" in str(info.value)


# --- base_url --------------------------------------------------------------------------------------------


def test_base_url_from_argument(server: MockGroqServer, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("GROQ_BASE_URL", "http://127.0.0.1:9/never-used")
    with make_client(server, base_url=server.base_url) as client:
        assert client.base_url == server.base_url
        create(client)
    assert server.requests[0].path == "/openai/v1/chat/completions"


def test_base_url_from_environment(server: MockGroqServer, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("GROQ_BASE_URL", server.root_url)
    with make_groq(api_key=API_KEY, max_retries=0, trust_env=False) as client:
        assert client.base_url == server.base_url
        create(client)
    assert server.requests[0].path == "/openai/v1/chat/completions"


def test_base_url_default(clean_env: pytest.MonkeyPatch) -> None:
    with make_groq(api_key=API_KEY) as client:
        assert client.base_url == "https://api.groq.com/openai/v1"
        assert client.base_url == fastgroq.DEFAULT_ENDPOINT


@pytest.mark.parametrize(
    "spelling",
    ["base_url", "base_url/", "root_url", "root_url/", "root_url//"],
)
def test_both_base_url_spellings_reach_the_chat_route(server: MockGroqServer, spelling: str) -> None:
    name, _, slashes = spelling.partition("/")
    url = getattr(server, name) + ("/" + slashes if spelling.endswith("/") else "")
    with make_client(server, base_url=url) as client:
        assert client.base_url == server.base_url
        result = create(client)
        client.models.list()
    assert isinstance(result, fastgroq.ChatCompletion)
    assert [r.path for r in server.requests] == ["/openai/v1/chat/completions", "/openai/v1/models"]


@pytest.mark.parametrize("suffix", ["/v1", "/v1/"])
def test_openai_compatible_v1_root(server: MockGroqServer, suffix: str) -> None:
    with make_client(server, base_url=server.root_url + suffix) as client:
        assert client.base_url == server.root_url + "/v1"
        create(client)
    assert server.requests[0].path == "/v1/chat/completions"


def test_invalid_base_url_is_a_clear_error() -> None:
    with pytest.raises(GroqError, match="base_url"):
        make_groq(api_key=API_KEY, base_url="api.groq.com")


@pytest.mark.sync_only
def test_seed_constants_importable() -> None:
    from fastgroq import CHAT_COMPLETION_ROUTE, CHAT_COMPLETION_STREAM_PREFIX, DEFAULT_ENDPOINT

    assert DEFAULT_ENDPOINT == "https://api.groq.com/openai/v1"
    assert CHAT_COMPLETION_ROUTE == "/chat/completions"
    assert CHAT_COMPLETION_STREAM_PREFIX == "data: "
    assert DEFAULT_ENDPOINT + CHAT_COMPLETION_ROUTE == "https://api.groq.com/openai/v1/chat/completions"


# --- headers, query and body options ---------------------------------------------------------------------


def test_standard_headers_sent(server: MockGroqServer, client: Groq) -> None:
    create(client)
    headers = server.requests[0].headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == f"fastgroq/{fastgroq.__version__}"
    assert len(headers.get_all("Authorization")) == 1


def test_get_requests_send_no_content_type(server: MockGroqServer, client: Groq) -> None:
    client.models.list()
    request = server.requests[0]
    assert request.method == "GET"
    assert request.body == b""
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"


def test_default_and_extra_headers_query_body_reach_the_server(server: MockGroqServer) -> None:
    with make_client(
        server,
        default_headers={"X-Team": "core", "user-agent": "my-app/1.0"},
        default_query={"tenant": "acme", "flag": True},
    ) as client:
        create(
            client,
            extra_headers={"X-Trace": "t-1", "x-team": "override"},
            extra_query={"debug": 1},
            extra_body={"custom_param": {"a": [1, 2]}},
        )
        create(client)
    first, second = server.requests
    assert first.headers["X-Trace"] == "t-1"
    assert first.headers.get_all("X-Team") == ["override"]
    assert first.headers["User-Agent"] == "my-app/1.0"
    assert len(first.headers.get_all("User-Agent")) == 1
    assert first.query == {"tenant": "acme", "flag": "true", "debug": "1"}
    assert first.json()["custom_param"] == {"a": [1, 2]}
    assert first.json()["model"] == MODEL
    # Per-request options do not leak into the next request.
    assert "X-Trace" not in second.headers
    assert second.headers["X-Team"] == "core"
    assert second.query == {"tenant": "acme", "flag": "true"}
    assert "custom_param" not in second.json()


def test_with_options_returns_a_configured_copy_sharing_the_pool(server: MockGroqServer) -> None:
    base = make_client(server, default_headers={"X-Base": "1"})
    try:
        copy = base.with_options(default_headers={"X-Copy": "2"}, default_query={"q": "x"}, max_retries=1)
        assert copy is not base
        assert copy.max_retries == 1 and base.max_retries == 0
        create(base)
        create(copy)
        create(base)
        base_req, copy_req, base_again = server.requests
        assert "X-Copy" not in base_req.headers and base_req.query == {}
        assert copy_req.headers["X-Copy"] == "2"
        assert copy_req.headers["X-Base"] == "1"
        assert copy_req.query == {"q": "x"}
        assert copy_req.headers["Authorization"] == f"Bearer {API_KEY}"
        assert base_again.headers.get("X-Copy") is None
        # One TCP connection served all three requests: the copy shares the pool.
        assert server.connections_accepted == 1
        assert {r.connection for r in server.requests} == {1}
        # Closing the copy leaves the shared pool usable by the original.
        copy.close()
        create(base)
        assert server.connections_accepted == 1
    finally:
        base.close()


def test_a_copy_made_after_the_resources_were_used_sends_with_its_own_options(server: MockGroqServer) -> None:
    # The resources are created on first use and kept on the client: a copy must not keep the original's.
    base = make_client(server)
    try:
        create(base)
        base.with_raw_response.chat.completions.create(model=MODEL, messages=MESSAGES)
        base.with_streaming_response.models.list()
        copy = base.with_options(api_key="gsk_copy", default_headers={"X-Copy": "1"})
        create(copy)
        copy.with_raw_response.chat.completions.create(model=MODEL, messages=MESSAGES)
        with copy.with_streaming_response.models.list() as response:
            response.parse()
        create(base)
        keys = [r.headers["Authorization"] for r in server.requests]
        assert keys == [f"Bearer {API_KEY}"] * 2 + ["Bearer gsk_copy"] * 3 + [f"Bearer {API_KEY}"]
        assert [r.headers.get("X-Copy") for r in server.requests[2:]] == ["1", "1", "1", None]
    finally:
        base.close()


def test_with_options_new_api_key_and_timeout(server: MockGroqServer, client: Groq) -> None:
    other = client.with_options(api_key="gsk_other", timeout=7.0)
    assert other.timeout == Timeout(connect=5.0, read=7.0)
    create(other)
    assert server.requests[0].headers["Authorization"] == "Bearer gsk_other"
    assert client.api_key == API_KEY


def test_close_closes_pooled_connections(server: MockGroqServer) -> None:
    client = make_client(server)
    create(client)
    assert server.open_connections == 1
    client.close()
    wait_until(lambda: server.open_connections == 0, message="server seeing the client close its connection")


def test_context_manager_closes(server: MockGroqServer) -> None:
    with make_client(server) as client:
        assert is_client(client)
        create(client)
        assert server.open_connections == 1
    wait_until(lambda: server.open_connections == 0, message="server seeing the client close its connection")


def test_one_client_shared_by_8_threads(server: MockGroqServer) -> None:
    def echo(request):  # type: ignore[no-untyped-def]
        text = request.json()["messages"][0]["content"]
        return Reply.json(chat_completion(text), headers={"x-request-id": "req_" + text})

    server.route("POST", "/chat/completions", echo)
    errors: list[BaseException] = []
    results: dict[int, list[tuple[str, str | None]]] = {}
    with make_client(server, max_connections=8) as client:
        barrier = threading.Barrier(8)

        def worker(n: int) -> None:
            try:
                barrier.wait()
                got = []
                for i in range(50):
                    text = f"t{n}-{i}"
                    completion = create(client, messages=[{"role": "user", "content": text}])
                    got.append((completion.choices[0].message.content, completion._request_id))
                results[n] = got
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    assert len(server.requests) == 400
    for n in range(8):
        assert results[n] == [(f"t{n}-{i}", f"req_t{n}-{i}") for i in range(50)]
    assert server.connections_accepted <= 8


# --- the API key never leaks -----------------------------------------------------------------------------


def test_api_key_not_in_repr(server: MockGroqServer, client: Groq) -> None:
    assert API_KEY not in repr(client)
    assert API_KEY not in str(client)
    assert API_KEY not in repr(client.with_options(max_retries=1))


_ECHO = f"you sent Authorization: Bearer {API_KEY}"
_LEAK_CASES = {
    "401 json": (Reply.error(401, f"Invalid API Key {API_KEY}", code="invalid_api_key"), False),
    "502 html": (Reply.raw(f"<html>{_ECHO}</html>", status=502, content_type="text/html"), False),
    "200 invalid json": (Reply.raw(f'{{"id": "{API_KEY}"', status=200, content_type="application/json"), False),
    "reset": (Reply.reset(), False),
    "timeout": (Reply.json(chat_completion()).delayed(2), False),
    "stream error event": (Reply.sse([{"error": {"message": _ECHO, "type": "x", "failed_generation": _ECHO}}]), True),
    "stream invalid event": (Reply.sse([f'{{"id": "{API_KEY}"']), True),
}


def _provoke(server: MockGroqServer, client: Groq, case: str) -> BaseException:
    reply, stream = _LEAK_CASES[case]
    server.enqueue(reply)
    with pytest.raises(fastgroq.GroqError) as info:
        if stream:
            for _chunk in create(client, stream=True, timeout=0.2):
                pass
        else:
            create(client, timeout=0.2)
    return info.value


def _assert_no_key(exc: BaseException) -> None:
    texts = [str(exc), repr(exc), str(getattr(exc, "body", "")), repr(getattr(exc, "body", ""))]
    for text in texts:
        assert API_KEY not in text, f"{type(exc).__name__} leaks the key: {text}"


@pytest.mark.parametrize("case", list(_LEAK_CASES))
def test_api_key_not_in_errors(server: MockGroqServer, client: Groq, case: str) -> None:
    _assert_no_key(_provoke(server, client, case))


def test_api_key_not_in_request_validation_error(server: MockGroqServer, client: Groq) -> None:
    with pytest.raises(fastgroq.RequestValidationError) as info:
        create(client, temperature=API_KEY)
    _assert_no_key(info.value)
    assert server.requests == []


def test_api_key_not_in_debug_log(server: MockGroqServer, client: Groq, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # root: catches "fastgroq" and urllib3
    with caplog.at_level(logging.DEBUG, logger="fastgroq"):
        create(client)
        create(client.with_options(max_retries=1), extra_headers={"retry-after-ms": "1"})
        client.models.list()
        for case in ("401 json", "502 html", "reset", "timeout"):
            _provoke(server, client, case)
    fastgroq_records = [r for r in caplog.records if r.name.startswith("fastgroq")]
    assert fastgroq_records, "expected debug records on logger 'fastgroq'"
    assert API_KEY not in caplog.text
    for record in caplog.records:
        assert API_KEY not in record.getMessage()


@pytest.mark.sync_only
def test_api_key_not_in_groq_log_debug_output(server: MockGroqServer) -> None:
    """GROQ_LOG=debug (read once per process) in a child process talking to this test's server."""
    script = textwrap.dedent(
        """
        import sys
        from fastgroq import Groq
        client = Groq(base_url=sys.argv[1], max_retries=1, trust_env=False)
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        try:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        except Exception as exc:
            print("raised", type(exc).__name__, exc, file=sys.stderr)
        client.close()
        """
    )
    server.enqueue(Reply.json(chat_completion()), path="/chat/completions")
    server.enqueue(
        Reply.error(500, "boom", headers={"retry-after-ms": "1"}),
        Reply.error(401, f"bad key {API_KEY}"),
        path="/chat/completions",
    )
    env = {**os.environ, "GROQ_API_KEY": API_KEY, "GROQ_LOG": "debug"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "generated"), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", script, server.base_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    assert "DEBUG" in output and "fastgroq" in output, output
    assert "Retrying" in output, output
    assert "raised AuthenticationError" in output
    assert API_KEY not in output


def test_api_key_not_in_urls(server: MockGroqServer, client: Groq) -> None:
    create(client, extra_query={"x": "1"})
    client.models.list()
    server.enqueue(Reply.json(models_list([MODEL])["data"][0]), path="/models/" + MODEL)
    client.models.retrieve(MODEL)
    for stream_chunk in create(client, stream=True):
        assert stream_chunk is not None
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert API_KEY not in raw.url and API_KEY not in repr(raw)
    for request in server.requests:
        assert API_KEY not in request.target
        assert API_KEY not in request.body.decode()
