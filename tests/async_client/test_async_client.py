"""What the async client adds to the behaviour tests both clients share (tests/sync_client/, run against
``AsyncGroq`` too): its call shape in a real event loop, the optional extra, cancellation, event loops, exit.

Each test runs its own event loop (``asyncio.run``) against the loopback server; nothing is patched.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
from typing import Any

import fastgroq
import pytest
from fastgroq import AsyncGroq, AsyncStream, ChatCompletion, GroqError, StreamError
from fastgroq.testing import MockGroqServer, Reply, chat_completion, chat_completion_chunks, error_event

from tests.client_helpers import API_KEY, MESSAGES, MODEL, wait_until

PIECES = ["Hel", "lo", " wor", "ld"]


def make(server: MockGroqServer, **options: Any) -> AsyncGroq:
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", fastgroq.Timeout(connect=2.0, read=5.0))
    return AsyncGroq(api_key=API_KEY, base_url=server.base_url, trust_env=False, **options)


def run(python: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(python), *args], capture_output=True, text=True, timeout=60
    )


# --- the package, and the extra ---------------------------------------------------------------------------------


def test_import_fastgroq_imports_neither_asyncio_nor_aiohttp() -> None:
    done = run(
        """
        import sys
        import fastgroq
        client = fastgroq.Groq(api_key="k")
        print(sorted(m for m in ("asyncio", "aiohttp") if m in sys.modules))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_async_clients_first_use_of_a_resource_imports_its_area_and_no_other() -> None:
    done = run(
        """
        import sys
        import fastgroq
        fastgroq.AsyncGroq(api_key="k").chat.completions
        print(" ".join(sorted(m for m in sys.modules if m.startswith("fastgroq.resources"))))
        """
    )
    assert done.returncode == 0, done.stderr
    # The sync module of the area too: the async module takes the operations' descriptors from it.
    assert done.stdout.split() == [
        "fastgroq.resources",
        "fastgroq.resources.chat",
        "fastgroq.resources.chat._async_chat",
        "fastgroq.resources.chat._async_completions",
        "fastgroq.resources.chat.completions",
    ]


def test_async_groq_without_aiohttp_names_the_extra() -> None:
    # sys.modules["aiohttp"] = None makes `import aiohttp` fail as it does where it is not installed.
    done = run(
        """
        import sys
        sys.modules["aiohttp"] = None
        import fastgroq
        fastgroq.Groq(api_key="k")  # the sync client does not need it
        try:
            fastgroq.AsyncGroq(api_key="k")
        except fastgroq.GroqError as e:
            print(type(e).__name__, e)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("GroqError AsyncGroq needs aiohttp")
    assert "pip install 'fastgroq[aiohttp]'" in done.stdout


# --- the call shape -----------------------------------------------------------------------------------------------


def test_the_official_async_call_shape(server: MockGroqServer) -> None:
    server.enqueue(
        Reply.json(chat_completion("Hi"), headers={"x-request-id": "req_1"}),
        Reply.sse(chat_completion_chunks(PIECES, request_id="req_s", prompt_tokens=7)),
        Reply.sse(chat_completion_chunks(PIECES)),
        Reply.sse(chat_completion_chunks(PIECES)),
    )

    async def main() -> None:
        async with make(server) as client:
            completion = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
            assert isinstance(completion, ChatCompletion)
            assert completion.choices[0].message.content == "Hi"
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            assert isinstance(stream, AsyncStream)
            async with stream:
                assert [t async for t in stream.iter_text()] == PIECES
            assert stream.closed and stream.request_id == "req_s"
            assert stream.usage is not None and stream.usage.prompt_tokens == 7
            assert stream.repairs == ()
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            final = await stream.get_final_completion()
            assert final.choices[0].message.content == "".join(PIECES)
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            chunks = [chunk async for chunk in stream]
            assert len(chunks) == len(PIECES) + 2
            assert fastgroq.accumulate_chunks(chunks).choices[0].message.content == "".join(PIECES)
        assert server.connections_accepted == 1  # one pooled connection for all four

    asyncio.run(main())


def test_with_options_shares_the_session_and_close_closes_it(server: MockGroqServer) -> None:
    async def main() -> None:
        client = make(server)
        quick = client.with_options(timeout=3.0, max_retries=1)
        assert isinstance(quick, AsyncGroq) and quick.max_retries == 1
        await quick.chat.completions.create(model=MODEL, messages=MESSAGES)
        await client.models.list()
        assert server.connections_accepted == 1
        await quick.close()  # a copy leaves the shared session open
        await client.models.list()
        await client.close()
        wait_until(lambda: server.open_connections == 0, message="the closed client's connections closing")

    asyncio.run(main())


def test_many_concurrent_requests_on_one_client(server: MockGroqServer) -> None:
    """20 tasks share 4 connections (max_connections): each waits for a free one, none fails or crosses."""

    async def main() -> list[str | None]:
        # The mock server's listen backlog is small: 4 connections at once keep it from refusing any.
        async with make(server, max_connections=4) as client:
            results = await asyncio.gather(
                *(
                    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": str(i)}])
                    for i in range(20)
                )
            )
            return [r.choices[0].message.content for r in results]

    assert len(asyncio.run(main())) == 20
    assert len(server.requests) == 20
    assert server.connections_accepted <= 4


def test_error_mid_stream_after_the_chunks_before_it(server: MockGroqServer) -> None:
    events: list[Any] = [*chat_completion_chunks(PIECES)[:3], error_event("boom", code="tool_use_failed")]
    server.enqueue(Reply.sse(events))

    async def main() -> list[Any]:
        received: list[Any] = []
        async with make(server) as client:
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            with pytest.raises(StreamError) as info:
                async for chunk in stream:
                    received.append(chunk)
            assert info.value.code == "tool_use_failed"
        return received

    assert len(asyncio.run(main())) == 3


# --- cancellation, event loops, exit --------------------------------------------------------------------------


def test_cancelling_a_task_mid_stream_closes_its_connection(server: MockGroqServer) -> None:
    # ~30 s of events, one every 50 ms: the server notices the client hanging up at its next write.
    server.enqueue(Reply.sse(chat_completion_chunks(["tok"] * 600), delay=0.05))

    async def main() -> None:
        async with make(server) as client:
            got_one = asyncio.Event()
            streams: list[AsyncStream[Any]] = []  # kept alive: closing must not wait for garbage collection

            async def consume() -> None:
                stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
                streams.append(stream)
                async for _chunk in stream:
                    got_one.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(got_one.wait(), timeout=10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert streams[0].closed
            # The connection was closed, not drained or put back: the server's handler ends long before the
            # 30 s stream would, and the next request needs a new connection.
            for _ in range(500):
                if server.open_connections == 0:
                    break
                await asyncio.sleep(0.01)
            assert server.open_connections == 0
            assert (await client.models.list()).data
            assert server.connections_accepted == 2
            assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    asyncio.run(main())


def test_a_second_event_loop_is_a_clear_error_not_a_hang(server: MockGroqServer) -> None:
    """openai-python #769: the official client hangs or fails obscurely when a second loop uses it."""
    client = make(server)

    async def call() -> Any:
        return await client.models.list()

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(call()).data  # the client belongs to this loop now
        failure: list[BaseException] = []

        def other_loop() -> None:
            try:
                asyncio.run(call())
            except BaseException as exc:
                failure.append(exc)

        thread = threading.Thread(target=other_loop)
        thread.start()
        thread.join(timeout=30)
        assert len(failure) == 1 and isinstance(failure[0], GroqError)
        assert "in use in another event loop" in str(failure[0]) and "one client per event loop" in str(failure[0])
        with pytest.raises(GroqError, match="another event loop"):
            asyncio.run(call())  # the same from this thread, while the first loop is open
        assert loop.run_until_complete(call()).data  # the first loop still has it
    finally:
        loop.close()


def test_a_client_whose_loop_closed_starts_over_in_the_next(server: MockGroqServer) -> None:
    """The official README's shape, run twice (a script, a job per task): each asyncio.run gets a new session."""
    client = make(server)

    async def call() -> Any:
        return await client.models.list()

    assert asyncio.run(call()).data
    assert asyncio.run(call()).data
    loop = asyncio.new_event_loop()
    loop.run_until_complete(call())
    loop.close()  # by hand: the session is not closed inside it
    assert asyncio.run(call()).data
    assert server.connections_accepted == 4


EXIT_SCRIPT = """
import asyncio, sys
from fastgroq import AsyncGroq

client = AsyncGroq(api_key="k", base_url=sys.argv[1], max_retries=0)   # as the official README: never closed

async def main():
    await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    stream = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    async for _ in stream:
        pass
    half = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    await half.__anext__()   # left open

if sys.argv[2] == "run":
    asyncio.run(main())
else:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(main())
    loop.close()             # closed by hand, without shutting its async generators down
print("done")
"""


@pytest.mark.parametrize("how", ["run", "closed-by-hand"])
def test_no_event_loop_closed_noise_at_exit(server: MockGroqServer, how: str) -> None:
    done = run(EXIT_SCRIPT, server.base_url, how)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    # openai-python #1254: "Event loop is closed" tracebacks, or aiohttp's "Unclosed client session".
    assert done.stderr == ""


def test_retries_wait_without_blocking_the_loop(server: MockGroqServer) -> None:
    """While one request waits 1 s to retry a 429, another request on the same client is answered."""
    server.enqueue(Reply.error(429, "slow down", headers={"retry-after-ms": "1000"}), Reply.json(chat_completion("A")))
    finished: list[str] = []

    async def main() -> None:
        async with make(server, max_retries=1) as client:

            async def call(name: str) -> None:
                await client.chat.completions.create(model=MODEL, messages=MESSAGES)
                finished.append(name)

            slow = asyncio.create_task(call("retried"))
            while not server.requests:
                await asyncio.sleep(0.005)
            await call("meanwhile")  # time.sleep in the retry would hold this until the retry was sent
            await slow

    asyncio.run(main())
    assert finished == ["meanwhile", "retried"]
    assert len(server.requests) == 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 3.12+: fork() in a process with threads (the server's)
def test_a_forked_child_opens_its_own_connections(server: MockGroqServer) -> None:
    """As the sync client (issue 10): after a fork the child never reads from the parent's pooled sockets."""
    client = make(server)

    async def call(who: str) -> Any:
        return await client.chat.completions.create(model=MODEL, messages=MESSAGES, extra_headers={"X-Who": who})

    loop = asyncio.new_event_loop()  # the parent's loop stays open across the fork
    try:
        loop.run_until_complete(call("parent-1"))  # the session now holds one idle connection
        pid = os.fork()
        if pid == 0:  # the child: one request in its own loop, then leave without running anything of pytest's
            code = 2
            try:
                code = 0 if asyncio.run(call("child")).choices else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        loop.run_until_complete(call("parent-2"))
        loop.run_until_complete(client.close())
    finally:
        loop.close()
    connection = {r.headers["X-Who"]: r.connection for r in server.requests}
    assert connection["child"] != connection["parent-1"]
    assert connection["parent-2"] == connection["parent-1"]


def test_a_closed_client_refuses_to_send(server: MockGroqServer) -> None:
    async def main() -> None:
        client = make(server)
        await client.models.list()
        await client.close()
        with pytest.raises(GroqError, match="closed"):
            await client.models.list()

    asyncio.run(main())
    assert len(server.requests) == 1
