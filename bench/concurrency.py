"""Cases 8 and 9: many requests at once. 8: `AsyncGroq` against the official async client (httpx, and
aiohttp through `DefaultAioHttpClient`); 9: one sync client shared by threads against the official sync client.

Conventions, besides those of cases.py:
- Every client gets a connection pool as large as the concurrency of the case (64 for 8a, 128 for 8b, the
  thread count for 9), all of it kept alive, and opens it before it is measured (one request per connection,
  all at once): the figures are the steady state of a warm pool, not the cost of connecting, and no client
  queues for a connection another one would have had. The SDKs' defaults differ (see bench/README.md).
- The official SDK's samples take seconds each (64 streams of 2,000 chunks are 128,000 chunks, 10-20 s for
  groq), so it is sampled in the middle round(s) only (`Settings.slow_rounds`), in turn with the others;
  fastgroq and the reference pipeline are sampled every round.
- All of case 8 runs on one event loop (the default asyncio loop), which every client is bound to.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import payloads
from cases import (
    Clients,
    Measure,
    Result,
    Settings,
    alternate,
    minimal_frame,
    report,
    report_checks,
    touch,
    touch_completion,
)

GROQ_HTTPX, GROQ_AIOHTTP, MINIMAL = "groq httpx", "groq aiohttp", "minimal aiohttp pipeline"
NOTES = {
    GROQ_HTTPX: "groq.AsyncGroq, its default httpx transport",
    GROQ_AIOHTTP: "groq.AsyncGroq(http_client=DefaultAioHttpClient())",
}


def _headers(accept: str) -> dict[str, str]:
    return {"content-type": "application/json", "authorization": "Bearer bench", "accept": accept}


# ---------------------------------------------------------------------------------------------- case 8


class AsyncClients:
    """The async clients of case 8, made on its event loop, each with a pool of ``pool`` connections."""

    def __init__(self, clients: Clients, loop: asyncio.AbstractEventLoop) -> None:
        self.clients = clients
        self.loop = loop
        self._open: list[Callable[[], Awaitable[object]]] = []

    def names(self) -> list[str]:
        fastgroqs = ["fastgroq"] if self.clients.fastgroq_module else []
        if self.clients.baseline_name and hasattr(self.clients.baseline_module, "AsyncGroq"):
            fastgroqs.append(self.clients.baseline_name)  # a baseline from before AsyncGroq has no row
        return [*fastgroqs, GROQ_HTTPX, GROQ_AIOHTTP]

    def make(self, name: str, scenario: str, pool: int) -> Any:
        return self.loop.run_until_complete(self._make(name, scenario, pool))

    async def _make(self, name: str, scenario: str, pool: int) -> Any:
        root = self.clients.root
        if name in (GROQ_HTTPX, GROQ_AIOHTTP):
            import groq
            import httpx

            limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
            http = groq.DefaultAsyncHttpxClient if name == GROQ_HTTPX else groq.DefaultAioHttpClient
            client = groq.AsyncGroq(
                api_key="bench", base_url=f"{root}/{scenario}", max_retries=0, http_client=http(limits=limits)
            )
        elif name == MINIMAL:
            import aiohttp

            client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=pool))
        else:
            module = self.clients.fastgroq_module if name == "fastgroq" else self.clients.baseline_module
            client = module.AsyncGroq(
                api_key="bench", base_url=f"{root}/{scenario}/openai/v1", max_retries=0, max_connections=pool
            )
        self._open.append(client.close)
        return client

    def close(self) -> None:
        for close in self._open:
            self.loop.run_until_complete(close())


def _open_pool(loop: asyncio.AbstractEventLoop, name: str, client: Any, url: str, pool: int) -> Callable[[], None]:
    """A warm-up: ``pool`` cheap requests at once (GET .../models), so every connection of the pool is open."""

    async def one() -> None:
        if name == MINIMAL:
            async with client.get(url.rsplit("/chat/", 1)[0] + "/models", headers=_headers("application/json")) as r:
                await r.read()
        else:
            await client.models.list()

    return lambda: _at_once(loop, one, pool)


def _at_once(loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]], k: int) -> None:
    """``k`` calls at once on ``loop`` (gathered inside it: a gather made outside would take another loop)."""

    async def run() -> None:
        await asyncio.gather(*(call() for _ in range(k)))

    loop.run_until_complete(run())


def case_async(result: Result, clients: Clients, s: Settings) -> None:
    """8a: concurrent streams, aggregate chunks/s; 8b: small requests with many in flight, requests/s and CPU."""
    if not clients.fastgroq_module:
        print("\n8  async: skipped, fastgroq is not importable")
        return
    loop = asyncio.new_event_loop()
    aclients = AsyncClients(clients, loop)
    try:
        _case_async_streams(result, aclients, s)
        _case_async_requests(result, aclients, s)
    finally:
        aclients.close()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _case_async_streams(result: Result, aclients: AsyncClients, s: Settings) -> None:
    n, k, loop = s.async_stream_chunks, s.async_streams, aclients.loop
    case, scenario = "8a", f"content-{n}"
    url = f"{aclients.clients.root}/{scenario}/openai/v1/chat/completions"
    m0, c0 = len(result.measures), len(result.checks)
    fns: dict[str, Callable[[], float]] = {}
    warm: dict[str, Callable[[], object]] = {}
    for name in [*aclients.names(), MINIMAL]:
        client = aclients.make(name, scenario, k)
        one = _minimal_stream(aclients.clients.fastgroq_module, client, url) if name == MINIMAL else _sdk_stream(client)
        fns[name] = _streams_sample(loop, one, k, n)
        open_pool = _open_pool(loop, name, client, url, k)
        # The pool's connections, then one whole stream: every code path has run once before a sample.
        warm[name] = lambda open_pool=open_pool, one=one: (open_pool(), loop.run_until_complete(one()))
    samples = alternate(fns, s.rounds, s.warmup, warm=warm, slow=(GROQ_HTTPX, GROQ_AIOHTTP), slow_rounds=s.slow_rounds)
    notes = {
        **NOTES,
        MINIMAL: "bare aiohttp readany + bytes.replace + one msgspec list decode per read, no checks",
    }
    title = f"{k} concurrent streams of {n:,} chunks (asyncio)"
    for name, values in samples.items():
        result.measures.append(Measure(case, title, name, "chunks/s", values, notes.get(name, "")))
    report(result, case, f"async: {k} concurrent streams of {n:,} chunks, aggregate chunks/s", m0)
    result.ratio(case, "fastgroq/groq httpx chunks/s", (case, "fastgroq"), (case, GROQ_HTTPX), ">=", 40)
    result.ratio(case, "fastgroq/groq aiohttp chunks/s", (case, "fastgroq"), (case, GROQ_AIOHTTP), ">=", 40)
    result.ratio(case, "fastgroq/minimal aiohttp pipeline chunks/s", (case, "fastgroq"), (case, MINIMAL), "", None)
    result.ratio(case, "groq aiohttp/groq httpx chunks/s", (case, GROQ_AIOHTTP), (case, GROQ_HTTPX), "", None)
    aclients.clients.baseline_ratio(result, case, "chunks/s")
    report_checks(result, c0)


def _sdk_stream(client: Any) -> Callable[[], Awaitable[int]]:
    async def one() -> int:
        stream = await client.chat.completions.create(**payloads.SMALL_REQUEST, stream=True)
        count = 0
        async for chunk in stream:
            touch(chunk)
            count += 1
        return count

    return one


def _minimal_stream(fg: Any, session: Any, url: str) -> Callable[[], Awaitable[int]]:
    """Case 1's minimal pipeline on aiohttp: the least an aiohttp client must do, with no SDK checks."""
    import msgspec

    decode = msgspec.json.Decoder(list[fg.types.ChatCompletionChunk]).decode
    body = payloads.dumps({**payloads.SMALL_REQUEST, "stream": True})
    headers = _headers("text/event-stream")

    async def one() -> int:
        count = 0
        tail = b""
        async with session.post(url, data=body, headers=headers) as response:
            while data := await response.content.readany():
                tail, events = minimal_frame(tail, data)
                if events:
                    for chunk in decode(events):
                        touch(chunk)
                        count += 1
        return count

    return one


def _streams_sample(
    loop: asyncio.AbstractEventLoop, one: Callable[[], Awaitable[int]], k: int, expected: int
) -> Callable[[], float]:
    async def run() -> float:
        start = time.perf_counter()
        counts = await asyncio.gather(*(one() for _ in range(k)))
        elapsed = time.perf_counter() - start
        if any(c != expected for c in counts):
            raise AssertionError(f"streams of {sorted(set(counts))} chunks, expected {expected}")
        return sum(counts) / elapsed

    return lambda: loop.run_until_complete(run())


def _case_async_requests(result: Result, aclients: AsyncClients, s: Settings) -> None:
    n, k, loop = s.async_requests, s.async_in_flight, aclients.loop
    case, scenario = "8b", "small"
    url = f"{aclients.clients.root}/{scenario}/openai/v1/chat/completions"
    m0, c0 = len(result.measures), len(result.checks)
    fns: dict[str, Callable[[], float]] = {}
    warm: dict[str, Callable[[], object]] = {}
    cpu: dict[str, list[float]] = {}
    for name in [*aclients.names(), MINIMAL]:
        client = aclients.make(name, scenario, k)
        call = _minimal_call(aclients.clients.fastgroq_module, client, url) if name == MINIMAL else _sdk_call(client)
        cpu[name] = []
        fns[name] = _requests_sample(loop, call, n, k, cpu[name])
        # One request per connection, all at once: the pool is open and every code path has run.
        warm[name] = lambda call=call: _at_once(loop, call, k)
    samples = alternate(fns, s.rounds, s.warmup, warm=warm, slow=(GROQ_HTTPX, GROQ_AIOHTTP), slow_rounds=s.slow_rounds)
    notes = {**NOTES, MINIMAL: "bare aiohttp post + read + msgspec decode into ChatCompletion, no checks"}
    title = f"{n:,} small requests, {k} in flight (asyncio)"
    for name, values in samples.items():
        result.measures.append(Measure(case, title, name, "requests/s", values, notes.get(name, "")))
    for name, values in cpu.items():
        result.measures.append(Measure(case, title, f"{name} CPU", "us CPU/request", values, "time.process_time"))
    report(result, case, f"async: {n:,} small requests with {k} in flight: requests/s and client CPU per request", m0)
    result.ratio(case, "fastgroq/groq httpx requests/s", (case, "fastgroq"), (case, GROQ_HTTPX), ">=", 10)
    result.ratio(
        case, "groq httpx/fastgroq CPU per request", (case, f"{GROQ_HTTPX} CPU"), (case, "fastgroq CPU"), ">=", 10
    )
    result.ratio(case, "fastgroq/groq aiohttp requests/s", (case, "fastgroq"), (case, GROQ_AIOHTTP), "", None)
    result.ratio(
        case, "groq aiohttp/fastgroq CPU per request", (case, f"{GROQ_AIOHTTP} CPU"), (case, "fastgroq CPU"), "", None
    )
    result.ratio(
        case, "fastgroq/minimal pipeline CPU per request", (case, "fastgroq CPU"), (case, f"{MINIMAL} CPU"), "", None
    )
    aclients.clients.baseline_ratio(result, case, "requests/s")
    report_checks(result, c0)


def _sdk_call(client: Any) -> Callable[[], Awaitable[object]]:
    async def call() -> object:
        return touch_completion(await client.chat.completions.create(**payloads.SMALL_REQUEST))

    return call


def _minimal_call(fg: Any, session: Any, url: str) -> Callable[[], Awaitable[object]]:
    import msgspec

    decode = msgspec.json.Decoder(fg.types.ChatCompletion).decode
    body = payloads.dumps(payloads.SMALL_REQUEST)
    headers = _headers("application/json")

    async def call() -> object:
        async with session.post(url, data=body, headers=headers) as response:
            return touch_completion(decode(await response.read()))

    return call


def _requests_sample(
    loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[object]], n: int, k: int, cpu: list[float]
) -> Callable[[], float]:
    """``k`` workers take the ``n`` requests from one shared iterator: ``k`` in flight until the last ones."""

    async def run() -> float:
        todo = iter(range(n))

        async def worker() -> None:
            for _ in todo:
                await call()

        start, start_cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(k)))
        elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
        cpu.append(used / n * 1e6)
        return n / elapsed

    return lambda: loop.run_until_complete(run())


# ---------------------------------------------------------------------------------------------- case 9


def case_threads(result: Result, clients: Clients, s: Settings) -> None:
    """9a: small requests from many threads sharing one sync client; 9b: one stream per thread."""
    if not clients.fastgroq_module:
        print("\n9  threads: skipped, fastgroq is not importable")
        return
    with ThreadPoolExecutor(s.threads, thread_name_prefix="bench") as pool:
        _case_thread_requests(result, clients, s, pool)
        _case_thread_streams(result, clients, s, pool)


def _sync_client(clients: Clients, name: str, scenario: str, pool: int) -> Any:
    root = clients.root
    if name == "groq":
        import groq
        import httpx

        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        return groq.Groq(
            api_key="bench",
            base_url=f"{root}/{scenario}",
            max_retries=0,
            http_client=groq.DefaultHttpxClient(limits=limits),
        )
    module = clients.fastgroq_module if name == "fastgroq" else clients.baseline_module
    return module.Groq(api_key="bench", base_url=f"{root}/{scenario}/openai/v1", max_retries=0, max_connections=pool)


def _in_threads(pool: ThreadPoolExecutor, threads: int, work: Callable[[], object]) -> float:
    """Run ``work`` in ``threads`` threads at once (released together); the wall time until all are done."""
    gate = threading.Barrier(threads + 1)

    def run() -> object:
        gate.wait()
        return work()

    futures = [pool.submit(run) for _ in range(threads)]
    gate.wait()
    start = time.perf_counter()
    for future in futures:
        future.result()
    return time.perf_counter() - start


def _sync_names(clients: Clients) -> list[str]:
    return [n for n in clients.sdks() if n != "openai"]


def _case_thread_requests(result: Result, clients: Clients, s: Settings, pool: ThreadPoolExecutor) -> None:
    n, t, case = s.thread_requests, s.threads, "9a"
    m0, c0 = len(result.measures), len(result.checks)
    fns: dict[str, Callable[[], float]] = {}
    warm: dict[str, Callable[[], object]] = {}
    cpu: dict[str, list[float]] = {}
    for name in _sync_names(clients):
        client = _sync_client(clients, name, "small", t)

        def call(client: Any = client) -> object:
            return touch_completion(client.chat.completions.create(**payloads.SMALL_REQUEST))

        cpu[name] = []
        fns[name] = _threads_requests_sample(pool, t, n, call, cpu[name])
        warm[name] = lambda call=call: _in_threads(pool, t, call)  # one request per thread: the pool is open
    samples = alternate(fns, s.rounds, s.warmup, warm=warm, slow=("groq",), slow_rounds=s.slow_rounds)
    title = f"{n:,} small requests from {t} threads sharing one client"
    for name, values in samples.items():
        note = "groq.Groq, httpx" if name == "groq" else ""
        result.measures.append(Measure(case, title, name, "requests/s", values, note))
    for name, values in cpu.items():
        result.measures.append(Measure(case, title, f"{name} CPU", "us CPU/request", values, "time.process_time"))
    report(result, case, f"threads: {n:,} small requests from {t} threads sharing one sync client", m0)
    result.ratio(case, "fastgroq/groq requests/s", (case, "fastgroq"), (case, "groq"), ">=", 3)
    result.ratio(case, "groq/fastgroq CPU per request", (case, "groq CPU"), (case, "fastgroq CPU"), "", None)
    clients.baseline_ratio(result, case, "requests/s")
    report_checks(result, c0)


def _threads_requests_sample(
    pool: ThreadPoolExecutor, t: int, n: int, call: Callable[[], object], cpu: list[float]
) -> Callable[[], float]:
    """``t`` threads take the ``n`` requests from one shared iterator (``next()`` on it is atomic)."""

    def sample() -> float:
        todo = iter(range(n))

        def work() -> None:
            for _ in todo:
                call()

        start_cpu = time.process_time()
        elapsed = _in_threads(pool, t, work)
        cpu.append((time.process_time() - start_cpu) / n * 1e6)
        return n / elapsed

    return sample


def _case_thread_streams(result: Result, clients: Clients, s: Settings, pool: ThreadPoolExecutor) -> None:
    n, t, case = s.async_stream_chunks, s.threads, "9b"
    scenario = f"content-{n}"
    m0, c0 = len(result.measures), len(result.checks)
    fns: dict[str, Callable[[], float]] = {}
    warm: dict[str, Callable[[], object]] = {}
    for name in _sync_names(clients):
        client = _sync_client(clients, name, scenario, t)

        def one(client: Any = client) -> int:
            count = 0
            for chunk in client.chat.completions.create(**payloads.SMALL_REQUEST, stream=True):
                touch(chunk)
                count += 1
            if count != n:
                raise AssertionError(f"{type(client).__module__}: {count} chunks, expected {n}")
            return count

        fns[name] = lambda one=one: n * t / _in_threads(pool, t, one)
        # One cheap request per thread (the pool is open), then one whole stream (every code path has run).
        warm[name] = lambda client=client, one=one: (_in_threads(pool, t, client.models.list), one())
    samples = alternate(fns, s.rounds, s.warmup, warm=warm, slow=("groq",), slow_rounds=s.slow_rounds)
    title = f"{t} concurrent streams of {n:,} chunks, one per thread"
    for name, values in samples.items():
        result.measures.append(
            Measure(case, title, name, "chunks/s", values, "groq.Groq, httpx" if name == "groq" else "")
        )
    report(result, case, f"threads: {t} concurrent streams of {n:,} chunks (one per thread), aggregate chunks/s", m0)
    result.ratio(case, "fastgroq/groq chunks/s", (case, "fastgroq"), (case, "groq"), ">=", 30)
    clients.baseline_ratio(result, case, "chunks/s")
    report_checks(result, c0)
