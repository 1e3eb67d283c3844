"""Benchmark cases 1 to 7 (8 and 9, many requests at once, are in concurrency.py). Each returns `Measure`s (medians of alternated rounds) and `Check`s (ratios).

Conventions that keep the comparison fair:
- Every client gets the same bytes from the same server process (see server.py) and must touch every chunk
  and consume the whole stream (`touch`), so no client wins by skipping work.
- Clients are measured alternately (A B C A B C ...) after a warm-up round, so drift in machine load hits
  all of them alike; the figure reported is the median of the rounds.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import memchild
import payloads
import uploadchild

BENCH = Path(__file__).resolve().parent
GENERATED = BENCH.parent / "generated"


@dataclass
class Settings:
    rounds: int = 5
    warmup: int = 1
    stream_chunks: int = 20_000
    min_time: float = 0.25  # seconds of work per sample for the short operations (cases 2 and 3)
    cold_runs: int = 10
    memory_big: int = 1_000_000
    memory_small: int = 1_000
    memory_rounds: int = 2
    groq_sse: bool = True
    upload_mb: int = 100
    upload_rounds: int = 3
    batch_lines: int = 100_000
    batch_rounds: int = 3
    embed_inputs: int = 2048
    async_streams: int = 64  # case 8a: concurrent streams of async_stream_chunks chunks (and 9b's stream length)
    async_stream_chunks: int = 2_000
    async_requests: int = 2_000  # case 8b: small requests, async_in_flight at a time
    async_in_flight: int = 128
    threads: int = 16  # case 9: threads sharing one sync client
    thread_requests: int = 1_600
    slow_rounds: int = 1  # cases 8 and 9: rounds in which the official SDK (seconds per sample) is sampled


@dataclass
class Measure:
    case: str  # "1a"
    title: str  # "stream: content deltas"
    client: str  # "fastgroq", "groq", "openai", "bound", ...
    unit: str
    samples: list[float]
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass
class Check:
    case: str
    label: str  # "fastgroq/groq chunks/s"
    value: float | None  # None: a side could not be measured (fastgroq not importable yet)
    op: str  # ">=" or "<=" (or "" for an informative ratio)
    target: float | None

    @property
    def passed(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.op == ">=" else self.value <= self.target

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "n/a" if self.target is not None else "info"}[self.passed]


@dataclass
class Result:
    measures: list[Measure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def find(self, case: str, client: str) -> Measure | None:
        return next((m for m in self.measures if m.case == case and m.client == client), None)

    def ratio(self, case: str, label: str, num: tuple[str, str], den: tuple[str, str], op: str, target: float | None):
        a, b = self.find(*num), self.find(*den)
        value = a.median / b.median if a and b and b.median else None
        self.checks.append(Check(case, label, value, op, target))


# ---------------------------------------------------------------------------------------------- helpers


def alternate(
    fns: dict[str, Callable[[], float]],
    rounds: int,
    warmup: int,
    *,
    warm: dict[str, Callable[[], object]] | None = None,
    slow: Collection[str] = (),
    slow_rounds: int = 1,
) -> dict[str, list[float]]:
    """Run every function once per round, in turn; return each one's samples (warm-up rounds dropped).

    Every other round runs in reverse order (A B C, C B A, ...), so no client always runs right after the
    same other one (and pays for the garbage it left, or gets a warmer cache than it).

    ``warm[name]``, if given, is that client's warm-up instead of a sample. A client named in ``slow`` (one
    sample takes seconds, as the official SDKs' do in cases 8 and 9) is sampled only in the middle
    ``slow_rounds`` rounds, still in turn with the others.
    """
    warm = warm or {}
    for _ in range(warmup):
        for name, fn in fns.items():
            warm.get(name, fn)()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    order = list(fns.items())
    first_slow = max(0, (rounds - slow_rounds) // 2)
    for round_ in range(rounds):
        for name, fn in order if round_ % 2 == 0 else reversed(order):
            if name in slow and not first_slow <= round_ < first_slow + slow_rounds:
                continue
            samples[name].append(fn())
    return samples


def per_second(op: Callable[[], object], min_time: float) -> Callable[[], float]:
    """A sample = how many times op ran per second, repeating it for at least min_time."""

    def sample() -> float:
        count = 0
        start = time.perf_counter()
        while True:
            op()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                return count / elapsed

    return sample


def cpu_us_per_call(op: Callable[[], object], min_time: float) -> Callable[[], float]:
    """A sample = CPU time of this process per call, in microseconds.

    process_time counts every thread of the client process and nothing of the server process, which is
    exactly the client-side cost of a request.
    """

    def sample() -> float:
        count = 0
        start = time.process_time()
        while True:
            op()
            count += 1
            used = time.process_time() - start
            if used >= min_time:
                return used / count * 1e6

    return sample


def touch(chunk: Any) -> int:
    """Read what an application reads from a chunk; the same code for msgspec Structs and pydantic models.

    Absent fields are None in every SDK; `reasoning` is a Groq extension that the openai types lack, hence
    getattr.
    """
    choices = chunk.choices
    if not choices:
        return 0
    delta = choices[0].delta
    content = delta.content
    if content:
        return len(content)
    reasoning = getattr(delta, "reasoning", None)
    if reasoning:
        return len(reasoning)
    calls = delta.tool_calls
    if calls:
        return len(calls[0].function.arguments or "")
    return 0


def touch_completion(completion: Any) -> int:
    message = completion.choices[0].message
    logprobs = completion.choices[0].logprobs
    n = len(message.content or "") + len(message.tool_calls or ())
    if logprobs:
        n += len(logprobs.content)
    return n


class Clients:
    """One client per (SDK, scenario), reused across rounds so connection pools stay warm.

    With a baseline (``run.py --baseline REF``), ``baseline`` is fastgroq as generated at another commit,
    imported under another package name, and measured as one more client (named ``baseline_name``) beside
    the current one: before and after in the same run, against the same server process.
    """

    def __init__(self, port: int, fastgroq: Any, baseline: Any = None, baseline_name: str = "") -> None:
        self.root = f"http://127.0.0.1:{port}"
        self.fastgroq_module = fastgroq
        self.baseline_module = baseline
        self.baseline_name = baseline_name if baseline is not None else ""
        self._cache: dict[tuple[str, str], Any] = {}

    def get(self, sdk: str, scenario: str) -> Any:
        key = (sdk, scenario)
        if key not in self._cache:
            self._cache[key] = self._make(sdk, scenario)
        return self._cache[key]

    def _make(self, sdk: str, scenario: str) -> Any:
        if sdk == "groq":
            import groq

            # The official SDK's base_url is the host root; it appends /openai/v1 to every path itself.
            return groq.Groq(api_key="bench", base_url=f"{self.root}/{scenario}", max_retries=0)
        if sdk == "openai":
            import openai

            return openai.OpenAI(api_key="bench", base_url=f"{self.root}/{scenario}/openai/v1", max_retries=0)
        if sdk in ("fastgroq", self.baseline_name):
            module = self.fastgroq_module if sdk == "fastgroq" else self.baseline_module
            return module.Groq(api_key="bench", base_url=f"{self.root}/{scenario}/openai/v1", max_retries=0)
        raise ValueError(sdk)

    def sdks(self) -> list[str]:
        fastgroqs = (["fastgroq"] if self.fastgroq_module else []) + (
            [self.baseline_name] if self.baseline_name else []
        )
        return [*fastgroqs, "groq", "openai"]

    def baseline_ratio(self, result: Result, case: str, unit: str, suffix: str = "", op: str = "") -> None:
        """fastgroq against the baseline, informative (a ratio > 1 is faster for rates, slower for costs)."""
        if self.baseline_name:
            name = self.baseline_name
            result.ratio(
                case, f"fastgroq/{name}{suffix} {unit}", (case, f"fastgroq{suffix}"), (case, name + suffix), op, None
            )


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def report(result: Result, case: str, title: str, start: int) -> None:
    """Print the measures and checks added since index `start` of result.measures."""
    print(f"\n{case}  {title}")
    measures = result.measures[start:]
    width = max((len(m.client) for m in measures), default=0)
    for m in measures:
        note = f"  ({m.note})" if m.note else ""
        print(f"    {m.client:<{width}} {fmt(m.median):>12} {m.unit}{note}")


def report_checks(result: Result, start: int) -> None:
    for c in result.checks[start:]:
        value = "n/a" if c.value is None else f"{c.value:,.2f}"
        target = f"{c.op} {c.target:g}" if c.target is not None else ""
        print(f"    {c.case:<3}{c.label:<50} {value:>10}  {target:<8} {c.verdict}")


# ---------------------------------------------------------------------------------------------- case 1


def case_stream(result: Result, clients: Clients, s: Settings) -> None:
    """Chunks per second over a whole stream, end to end through each SDK, and the msgspec-only bound."""
    n = s.stream_chunks
    streams = {
        "1a": ("stream: content deltas", f"content-{n}", payloads.content_stream(n)),
        "1b": ("stream: reasoning + tool-call fragments", f"tools-{n}", payloads.reasoning_tools_stream(n)),
    }
    fg = clients.fastgroq_module
    for case, (title, scenario, events) in streams.items():
        m0, c0 = len(result.measures), len(result.checks)
        fns: dict[str, Callable[[], float]] = {}
        for sdk in clients.sdks():
            fns[sdk] = _stream_sample(clients.get(sdk, scenario), len(events))
        if fg:
            fns["bound"] = _bound_sample(fg, events)
            fns["minimal pipeline"] = _pipeline_sample(
                fg, f"{clients.root}/{scenario}/openai/v1/chat/completions", len(events)
            )
        samples = alternate(fns, s.rounds, s.warmup)
        notes = {
            "bound": "msgspec Decoder(ChatCompletionChunk) on pre-split payloads",
            "minimal pipeline": "bare urllib3 read1 + bytes.replace + one msgspec list decode per read, no checks",
        }
        for client, values in samples.items():
            note = notes.get(client, "")
            result.measures.append(Measure(case, f"{title} ({n:,} chunks)", client, "chunks/s", values, note))
        report(result, case, title, m0)
        result.ratio(case, "fastgroq/groq chunks/s", (case, "fastgroq"), (case, "groq"), ">=", 50)
        result.ratio(case, "fastgroq/bound chunks/s", (case, "fastgroq"), (case, "bound"), ">=", 0.8)
        result.ratio(
            case, "fastgroq/minimal pipeline chunks/s", (case, "fastgroq"), (case, "minimal pipeline"), "", None
        )
        result.ratio(case, "minimal pipeline/bound chunks/s", (case, "minimal pipeline"), (case, "bound"), "", None)
        result.ratio(case, "fastgroq/openai chunks/s", (case, "fastgroq"), (case, "openai"), "", None)
        result.ratio(case, "openai/groq chunks/s", (case, "openai"), (case, "groq"), "", None)
        clients.baseline_ratio(result, case, "chunks/s")
        report_checks(result, c0)


def _stream_sample(client: Any, expected: int) -> Callable[[], float]:
    def sample() -> float:
        start = time.perf_counter()
        stream = client.chat.completions.create(**payloads.SMALL_REQUEST, stream=True)
        count = 0
        for chunk in stream:
            touch(chunk)
            count += 1
        elapsed = time.perf_counter() - start
        if count != expected:
            raise AssertionError(f"{type(client).__module__}: {count} chunks, expected {expected}")
        return count / elapsed

    return sample


def _bound_sample(fg: Any, events: list[bytes]) -> Callable[[], float]:
    import msgspec

    decode = msgspec.json.Decoder(fg.types.ChatCompletionChunk).decode

    def sample() -> float:
        start = time.perf_counter()
        for data in events:
            touch(decode(data))
        return len(events) / (time.perf_counter() - start)

    return sample


def minimal_frame(tail: bytes, data: bytes) -> tuple[bytes, bytes]:
    """The least framing an SSE reader can do, as the minimal pipelines (sync and async) do it per read: the
    new tail (an unfinished event) and the complete ``data:`` events of ``tail + data`` as one JSON array
    (``b""`` when none), ``[DONE]`` left out. No checks: a reference, not a parser."""
    data = tail + data
    last = data.rfind(b"\n\n")
    if last < 0:
        return data, b""
    block = data[6:last].replace(b"\n\ndata: ", b",")
    if block == b"[DONE]":
        block = b""
    elif block.endswith(b",[DONE]"):
        block = block[:-7]
    return data[last + 2 :], b"[" + block + b"]" if block else b""


def _pipeline_sample(fg: Any, url: str, expected: int) -> Callable[[], float]:
    """The least any urllib3-based client must do, with none of an SDK's checks: a second, reachable bound.

    Read 64 KiB at a time, cut at the last event boundary, turn the `data: ` events into one JSON array with
    a single bytes.replace, decode it with one msgspec call. It assumes the plain shape of this stream (one
    `data:` line per event, LF only, no errors), which an SDK may not.
    """
    import msgspec
    import urllib3

    pool = urllib3.PoolManager()
    decode = msgspec.json.Decoder(list[fg.types.ChatCompletionChunk]).decode
    body = payloads.dumps({**payloads.SMALL_REQUEST, "stream": True})
    headers = {"content-type": "application/json", "authorization": "Bearer bench", "accept": "text/event-stream"}

    def sample() -> float:
        start = time.perf_counter()
        response = pool.request("POST", url, body=body, headers=headers, preload_content=False)
        count = 0
        tail = b""
        while data := response.read1(65536):
            tail, events = minimal_frame(tail, data)
            if events:
                for chunk in decode(events):
                    touch(chunk)
                    count += 1
        response.release_conn()
        elapsed = time.perf_counter() - start
        if count != expected:
            raise AssertionError(f"minimal pipeline: {count} chunks, expected {expected}")
        return count / elapsed

    return sample


# ---------------------------------------------------------------------------------------------- case 2


def case_large(result: Result, clients: Clients, s: Settings) -> None:
    """Large non-streamed responses: end to end per SDK, and the decode step alone."""
    bodies = {
        "2a": ("completion with 8,000 logprobs x 5 top", "logprobs-8000", payloads.completion_logprobs(8000)),
        "2b": (
            "completion with 200 tool calls + 20 executed searches",
            "toolcalls-200",
            payloads.completion_tools(200),
        ),
    }
    for case, (title, scenario, body) in bodies.items():
        m0, c0 = len(result.measures), len(result.checks)
        samples = alternate(_large_fns(clients, scenario, body, s.min_time), s.rounds, s.warmup)
        for client, values in samples.items():
            note = {
                f"{clients.baseline_name} decode": "the baseline runtime's decode of the same body",
                "groq decode": "json.loads + groq._models.construct_type (the SDK's real path)",
                "openai decode": "json.loads + openai._models.construct_type",
                "fastgroq decode": "the runtime's decode: cached Decoder(ChatCompletion), GC paused >= 256 KiB",
                "groq model_validate": "json.loads + ChatCompletion.model_validate (strict path, reference)",
            }.get(client, "request + response through the SDK")
            result.measures.append(
                Measure(case, f"{title} ({len(body) / 1e6:.2f} MB)", client, "decodes/s", values, note)
            )
        report(result, case, title, m0)
        result.ratio(case, "fastgroq/groq e2e decodes/s", (case, "fastgroq e2e"), (case, "groq e2e"), ">=", 20)
        result.ratio(case, "fastgroq/groq decode-only", (case, "fastgroq decode"), (case, "groq decode"), ">=", 20)
        result.ratio(case, "fastgroq/openai e2e decodes/s", (case, "fastgroq e2e"), (case, "openai e2e"), "", None)
        clients.baseline_ratio(result, case, "decodes/s", " e2e")
        clients.baseline_ratio(result, case, "decodes/s", " decode")
        report_checks(result, c0)


def _operation(package: str, name: str) -> Any:
    """An operation's descriptor in ``package``: the index ``_endpoints`` (resources per module, lazy) or, in
    a baseline generated before that, the one module ``_resources``."""
    try:
        return getattr(importlib.import_module(package + "._endpoints"), name)
    except ImportError:
        return getattr(importlib.import_module(package + "._resources"), name)


def _large_fns(clients: Clients, scenario: str, body: bytes, min_time: float) -> dict[str, Callable[[], float]]:
    import groq._models
    import groq.types.chat
    import openai._models
    import openai.types.chat

    request = payloads.SMALL_REQUEST
    fns: dict[str, Callable[[], float]] = {}
    for sdk in clients.sdks():
        client = clients.get(sdk, scenario)
        fns[f"{sdk} e2e"] = per_second(
            lambda c=client: touch_completion(c.chat.completions.create(**request)), min_time
        )
    # The decode step alone, as each SDK does it on a 200 reply: for fastgroq, the runtime's own decode
    # (the operation's cached Decoder, with the GC paused for a big body), not a bare msgspec call.
    fg = clients.fastgroq_module
    if fg:
        from fastgroq._endpoints import CREATE_CHAT_COMPLETION
        from fastgroq._outcome import decode_json as _decode

        decoder = CREATE_CHAT_COMPLETION.response_decoder
        fns["fastgroq decode"] = per_second(lambda: touch_completion(_decode(decoder, body)), min_time)
    base = clients.baseline_module
    if base:
        # The baseline's own decode step, as its runtime does it: _outcome.decode_json, or before the core
        # was split _base_client._decode (older runtimes have neither).
        base_decoder = _operation(base.__name__, "CREATE_CHAT_COMPLETION").response_decoder
        try:
            base_decode = importlib.import_module(base.__name__ + "._outcome").decode_json
        except ImportError:
            base_client = importlib.import_module(base.__name__ + "._base_client")
            base_decode = getattr(base_client, "_decode", lambda dec, data: dec.decode(data))
        fns[f"{clients.baseline_name} decode"] = per_second(
            lambda: touch_completion(base_decode(base_decoder, body)), min_time
        )
    # groq and openai (Stainless) call response.json() then construct_type(), which builds the models
    # without validation (strict validation is off by default): that is the path measured.
    groq_type, openai_type = groq.types.chat.ChatCompletion, openai.types.chat.ChatCompletion
    fns["groq decode"] = per_second(
        lambda: touch_completion(groq._models.construct_type(type_=groq_type, value=json.loads(body))), min_time
    )
    fns["openai decode"] = per_second(
        lambda: touch_completion(openai._models.construct_type(type_=openai_type, value=json.loads(body))), min_time
    )
    # For reference only: full pydantic validation (what _strict_response_validation=True would do).
    fns["groq model_validate"] = per_second(
        lambda: touch_completion(groq_type.model_validate(json.loads(body))), min_time
    )
    return fns


# ---------------------------------------------------------------------------------------------- case 3


def case_small_request(result: Result, clients: Clients, s: Settings) -> None:
    """Client CPU for one small request, the server answering at once from another process."""
    import urllib3

    m0, c0 = len(result.measures), len(result.checks)
    fns: dict[str, Callable[[], float]] = {}
    for sdk in clients.sdks():
        client = clients.get(sdk, "small")
        fns[sdk] = cpu_us_per_call(
            lambda c=client: c.chat.completions.create(**payloads.SMALL_REQUEST).choices[0].message.content, s.min_time
        )
    # The bound: the same bytes through a bare PoolManager, the reply read but not decoded.
    pool = urllib3.PoolManager()
    url = f"{clients.root}/small/openai/v1/chat/completions"
    body = payloads.dumps(payloads.SMALL_REQUEST)
    headers = {"content-type": "application/json", "authorization": "Bearer bench", "accept": "application/json"}
    fns["bare urllib3"] = cpu_us_per_call(
        lambda: pool.request("POST", url, body=body, headers=headers).data, s.min_time
    )
    samples = alternate(fns, s.rounds, s.warmup)
    for client, values in samples.items():
        note = "PoolManager.request, same bytes, reply read, not decoded" if client == "bare urllib3" else ""
        result.measures.append(Measure("3", "small request, client CPU", client, "us CPU/request", values, note))
    report(result, "3", "small request: client CPU per request (build, validate, encode, send, receive, decode)", m0)
    result.ratio("3", "groq/fastgroq CPU per request", ("3", "groq"), ("3", "fastgroq"), ">=", 2.5)
    result.ratio("3", "fastgroq/bare-urllib3 CPU per request", ("3", "fastgroq"), ("3", "bare urllib3"), "<=", 1.2)
    result.ratio("3", "openai/fastgroq CPU per request", ("3", "openai"), ("3", "fastgroq"), "", None)
    clients.baseline_ratio(result, "3", "CPU per request")
    report_checks(result, c0)


# ---------------------------------------------------------------------------------------------- case 4


def child_env() -> dict[str, str]:
    """The environment of child interpreters: the checkout's generated package first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(GENERATED), env.get("PYTHONPATH", "")) if p)
    return env


def case_cold_start(result: Result, clients: Clients, s: Settings) -> None:
    """Whole-process wall time of a fresh interpreter that imports the SDK and builds one client."""
    m0, c0 = len(result.measures), len(result.checks)
    codes = {
        "fastgroq": "import fastgroq; fastgroq.Groq(api_key='bench')",
        "groq": "import groq; groq.Groq(api_key='bench')",
        "openai": "import openai; openai.OpenAI(api_key='bench')",
        "python -c pass": "pass",
    }
    if not clients.fastgroq_module:
        del codes["fastgroq"]
    env = child_env()
    if clients.baseline_module:
        base = clients.baseline_module
        codes[clients.baseline_name] = f"import {base.__name__} as f; f.Groq(api_key='bench')"
        # The baseline's folder holds the renamed package; it goes after the checkout's generated/.
        folder = str(Path(base.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join((env["PYTHONPATH"], folder))
    # Cold means a new process, not uncompiled code: an installed package has its .pyc files. The checkout's
    # generated/ has none when PYTHONDONTWRITEBYTECODE is set (as it is here), which would charge fastgroq
    # for compiling ~5,000 lines on every start. A private cache prefix, filled by the warm-up round, gives
    # every package compiled bytecode without writing into the checkout.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = tempfile.mkdtemp(prefix="fastgroq-bench-pyc-")
    env["PYTHONPYCACHEPREFIX"] = cache

    def run(code: str) -> Callable[[], float]:
        def sample() -> float:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True)
            return (time.perf_counter() - start) * 1e3

        return sample

    try:
        samples = alternate({name: run(code) for name, code in codes.items()}, s.cold_runs, 1)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for client, values in samples.items():
        note = "interpreter start alone, for reference" if client == "python -c pass" else "import + first client"
        result.measures.append(Measure("4", "cold start", client, "ms wall", values, note))
    report(result, "4", "cold start: import + first client construction (whole process)", m0)
    result.ratio("4", "fastgroq/groq import wall", ("4", "fastgroq"), ("4", "groq"), "<=", 0.25)
    clients.baseline_ratio(result, "4", "import wall")
    fast, groq_, bare = result.find("4", "fastgroq"), result.find("4", "groq"), result.find("4", "python -c pass")
    if fast and groq_ and bare:
        # The same ratio without the interpreter's own start-up, which neither package can change.
        net = (fast.median - bare.median) / (groq_.median - bare.median)
        result.checks.append(Check("4", "fastgroq/groq import, net of interpreter start", net, "", None))
    report_checks(result, c0)


# ---------------------------------------------------------------------------------------------- case 5


def case_memory(result: Result, clients: Clients, s: Settings, port: int) -> None:
    """Peak RSS of a fresh process consuming a long stream against a short one (fastgroq only)."""
    m0, c0 = len(result.measures), len(result.checks)
    if not clients.fastgroq_module:
        print("\n5  memory: skipped, fastgroq is not importable")
        result.checks.append(Check("5", f"{s.memory_big:,}/{s.memory_small:,} chunks peak RSS", None, "<=", 1.2))
        return
    env = child_env()

    hwm: dict[int, list[float]] = {s.memory_small: [], s.memory_big: []}

    def run(n: int) -> Callable[[], float]:
        def sample() -> float:
            chunks, maxrss, vmhwm = memchild.launch(port, n, env)
            if chunks != n:
                raise AssertionError(f"memory child consumed {chunks} chunks, expected {n}")
            hwm[n].append(vmhwm / 1024)
            return maxrss / 1024

        return sample

    names = {f"fastgroq {s.memory_small:,} chunks": s.memory_small, f"fastgroq {s.memory_big:,} chunks": s.memory_big}
    samples = alternate({name: run(n) for name, n in names.items()}, s.memory_rounds, 0)
    for (client, values), n in zip(samples.items(), names.values(), strict=True):
        note = f"ru_maxrss; VmHWM {statistics.median(hwm[n]):.1f} MiB"
        result.measures.append(Measure("5", "peak RSS consuming a stream", client, "MiB peak RSS", values, note))
    report(result, "5", "memory: peak RSS of a fresh process consuming a stream", m0)
    big, small = list(names)
    result.ratio("5", f"{s.memory_big:,}/{s.memory_small:,} chunks peak RSS", ("5", big), ("5", small), "<=", 1.2)
    report_checks(result, c0)


# ---------------------------------------------------------------------------------------------- case 6


def load_sse_decoder() -> Any:
    """fastgroq._sse.SSEDecoder; loaded from its file alone if the package itself does not import yet.

    The framer depends on msgspec only, so it can be measured while the rest of the runtime is unfinished.
    """
    try:
        from fastgroq._sse import SSEDecoder

        return SSEDecoder
    except Exception:
        import importlib.util

        spec = importlib.util.spec_from_file_location("fastgroq_sse_standalone", GENERATED / "fastgroq" / "_sse.py")
        if spec is None or spec.loader is None:
            raise
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # msgspec.Struct subclasses need their module registered
        spec.loader.exec_module(module)
        return module.SSEDecoder


def case_sse(result: Result, clients: Clients, s: Settings) -> None:
    """Time per byte of the SSE framer for read sizes from one byte to a whole body, against 64 KiB reads."""
    m0, c0 = len(result.measures), len(result.checks)
    SSEDecoder = load_sse_decoder()
    body = payloads.sse_body(payloads.content_stream(20_000))
    big_event = b"data: " + b"x" * (4 * 1024 * 1024) + b"\n\n"
    # A 200 KB prefix cut on an event boundary, and a 4x smaller one to show that the cost stays linear.
    small = body[: body.index(b"\n\n", 200_000) + 2]
    tiny = body[: body.index(b"\n\n", 50_000) + 2]

    def split(data: bytes, size: int) -> list[bytes]:
        # Pieces are cut before timing: the measure is the framer, not the slicing.
        return [data[i : i + size] for i in range(0, len(data), size)]

    variants = {
        "64 KiB reads, 20,000 events (normal)": split(body, 65536),
        "4 MiB event, 1 KiB reads": split(big_event, 1024),
        "20,000 events, one read": [body],
        "200 KB, 1 byte per read": split(small, 1),
        "50 KB, 1 byte per read": split(tiny, 1),
    }

    def run(pieces: list[bytes]) -> Callable[[], float]:
        total = sum(map(len, pieces))

        def sample() -> float:
            decoder = SSEDecoder()
            feed = decoder.feed
            start = time.perf_counter()
            for piece in pieces:
                feed(piece)
            return (time.perf_counter() - start) / total * 1e9

        return sample

    samples = alternate({name: run(p) for name, p in variants.items()}, s.rounds, s.warmup)
    for name, values in samples.items():
        note = "= ns per feed() call" if "1 byte" in name else ""
        result.measures.append(Measure("6", "SSE framing", f"fastgroq {name}", "ns/byte", values, note))
    if s.groq_sse:
        from groq._streaming import SSEDecoder as GroqSSE

        def groq_run(pieces: list[bytes]) -> Callable[[], float]:
            total = sum(map(len, pieces))

            def sample() -> float:
                start = time.perf_counter()
                for _ in GroqSSE().iter_bytes(iter(pieces)):
                    pass
                return (time.perf_counter() - start) / total * 1e9

            return sample

        groq_variants = {
            "groq 64 KiB reads, 20,000 events": variants["64 KiB reads, 20,000 events (normal)"],
            "groq 4 MiB event, 1 KiB reads": variants["4 MiB event, 1 KiB reads"],
        }
        # One round: the official framer is quadratic on the big event (most of a second per run).
        g = alternate({name: groq_run(p) for name, p in groq_variants.items()}, 1, 0)
        for name, values in g.items():
            total_ms = values[0] * sum(map(len, groq_variants[name])) / 1e6
            result.measures.append(Measure("6", "SSE framing", name, "ns/byte", values, f"{total_ms:,.0f} ms per run"))
    report(result, "6", "SSE framing: time per byte by read size (fastgroq._sse.SSEDecoder.feed)", m0)
    normal = ("6", "fastgroq 64 KiB reads, 20,000 events (normal)")
    for name in list(variants)[1:4]:
        result.ratio("6", f"{name} / normal, per byte", ("6", f"fastgroq {name}"), normal, "<=", 2)
    # Linearity at a fixed read size: one-byte reads have a fixed per-call cost, so they are compared with
    # themselves on a 4x smaller body (1.0 = linear; a quadratic framer would give ~4).
    result.ratio(
        "6",
        "1 byte per read: 200 KB / 50 KB, per byte",
        ("6", "fastgroq 200 KB, 1 byte per read"),
        ("6", "fastgroq 50 KB, 1 byte per read"),
        "<=",
        2,
    )
    if s.groq_sse:
        result.ratio(
            "6",
            "groq/fastgroq, 4 MiB event in 1 KiB reads",
            ("6", "groq 4 MiB event, 1 KiB reads"),
            ("6", "fastgroq 4 MiB event, 1 KiB reads"),
            "",
            None,
        )
    report_checks(result, c0)


# ---------------------------------------------------------------------------------------------- case 7


def case_files(result: Result, clients: Clients, s: Settings, port: int) -> None:
    """Uploads, batch output files and embeddings: 7a a 100 MB upload (time and peak RSS, fresh processes),
    7b a batch output file of 100,000 lines downloaded and decoded into typed completions, 7c the embeddings of
    2,048 inputs (decode time)."""
    _case_upload(result, clients, s, port)
    _case_batch_output(result, clients, s)
    _case_embeddings(result, clients, s)


def _case_upload(result: Result, clients: Clients, s: Settings, port: int) -> None:
    m0, c0 = len(result.measures), len(result.checks)
    env = child_env()
    size = s.upload_mb * 1_000_000
    rises: dict[str, list[float]] = {}
    peaks: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="fastgroq-bench-") as folder:
        path = Path(folder) / "batch_input.jsonl"
        with open(path, "wb") as out:
            line = payloads.dumps({"custom_id": "request-0", "method": "POST", "url": "/v1/chat/completions"}) + b"\n"
            out.write(line * (size // len(line)) + b"\n" * (size % len(line)))

        def run(sdk: str) -> Callable[[], float]:
            def sample() -> float:
                seconds, before, after = uploadchild.launch(sdk, port, str(path), env)
                rises.setdefault(sdk, []).append((after - before) / 1024)
                peaks.setdefault(sdk, []).append(after / 1024)
                return seconds

            return sample

        sdks = [sdk for sdk in ("fastgroq", "groq") if sdk in clients.sdks()]
        samples = alternate({sdk: run(sdk) for sdk in sdks}, s.upload_rounds, 0)
    title = f"upload a {s.upload_mb} MB file (files.create from a path)"
    for sdk, values in samples.items():
        note = f"peak RSS {statistics.median(peaks[sdk]):.1f} MiB"
        result.measures.append(Measure("7a", title, sdk, "s", values, note))
        result.measures.append(
            Measure("7a", title, f"{sdk} RSS rise", "MiB", rises[sdk], "peak RSS during the upload minus before it")
        )
    report(result, "7a", title, m0)
    result.ratio("7a", "fastgroq/groq upload time", ("7a", "fastgroq"), ("7a", "groq"), "<=", 1.0)
    result.ratio("7a", "fastgroq/groq RSS rise", ("7a", "fastgroq RSS rise"), ("7a", "groq RSS rise"), "", None)
    rise = result.find("7a", "fastgroq RSS rise")
    result.checks.append(
        Check("7a", "fastgroq RSS rise, share of the file", rise.median / (size / 2**20) if rise else None, "<=", 0.1)
    )
    report_checks(result, c0)


def _case_batch_output(result: Result, clients: Clients, s: Settings) -> None:
    import groq.types.chat
    import msgspec

    m0, c0 = len(result.measures), len(result.checks)
    n = s.batch_lines
    scenario = f"batchout-{n}"
    fns: dict[str, Callable[[], float]] = {}
    fg = clients.fastgroq_module
    if fg:
        # As the README decodes an output file: a Struct for the line (gc=False, like fastgroq's response types),
        # the completion typed, one decode_lines call with the cyclic GC paused as the runtime does for big bodies.
        response = msgspec.defstruct("Response", [("status_code", int), ("body", fg.types.ChatCompletion)], gc=False)
        line_type = msgspec.defstruct("Line", [("custom_id", str), ("response", response)], gc=False)
        decoder = msgspec.json.Decoder(line_type)
        client = clients.get("fastgroq", scenario)

        def fastgroq_sample() -> float:
            start = time.perf_counter()
            data = client.files.content(payloads.FILE_ID).content
            gc.disable()
            try:
                lines = decoder.decode_lines(data)
            finally:
                gc.enable()
            total = sum(touch_completion(line.response.body) for line in lines)
            elapsed = time.perf_counter() - start
            _expect(len(lines), n, total)
            return elapsed

        fns["fastgroq"] = fastgroq_sample
    groq_client = clients.get("groq", scenario)
    groq_type = groq.types.chat.ChatCompletion

    def groq_sample(build: Callable[[Any], Any]) -> Callable[[], float]:
        def sample() -> float:
            start = time.perf_counter()
            text = groq_client.files.content(payloads.FILE_ID).text()
            completions = [build(json.loads(line)["response"]["body"]) for line in text.splitlines()]
            total = sum(touch_completion(c) for c in completions)
            elapsed = time.perf_counter() - start
            _expect(len(completions), n, total)
            return elapsed

        return sample

    # A caller of the official SDK types each completion with model_validate (pydantic-core's validation; the
    # SDK's own unvalidated construct_type is slower here, ~3.5x at 10,000 lines, so it is not the comparison).
    fns["groq + json + model_validate"] = groq_sample(groq_type.model_validate)
    samples = alternate(fns, s.batch_rounds, 1)
    title = f"batch output file of {n:,} lines: download + decode into typed completions"
    notes = {
        "fastgroq": "files.content + msgspec Decoder(Line).decode_lines (GC paused), the completion typed",
        "groq + json + model_validate": "files.content().text() + json.loads per line + ChatCompletion.model_validate",
    }
    for client_name, values in samples.items():
        result.measures.append(Measure("7b", title, client_name, "s", values, notes[client_name]))
    report(result, "7b", title, m0)
    result.ratio("7b", "groq/fastgroq time", ("7b", "groq + json + model_validate"), ("7b", "fastgroq"), "", None)
    report_checks(result, c0)


def _expect(count: int, n: int, total: int) -> None:
    if count != n or total <= 0:
        raise AssertionError(f"{count} lines decoded, expected {n}")


def _case_embeddings(result: Result, clients: Clients, s: Settings) -> None:
    import groq._models
    import groq.types

    m0, c0 = len(result.measures), len(result.checks)
    n = s.embed_inputs
    scenario = f"embed-{n}"
    body = payloads.embeddings(n)
    inputs = [f"input {i}" for i in range(n)]
    fns: dict[str, Callable[[], float]] = {}
    fg = clients.fastgroq_module

    def timed(op: Callable[[], Any]) -> Callable[[], float]:
        def sample() -> float:
            start = time.perf_counter()
            result_ = op()
            elapsed = time.perf_counter() - start
            if len(result_.data) != n:
                raise AssertionError(f"{len(result_.data)} embeddings, expected {n}")
            return elapsed * 1000

        return sample

    if fg:
        from fastgroq._endpoints import CREATE_EMBEDDING
        from fastgroq._outcome import decode_json

        decoder = CREATE_EMBEDDING.response_decoder
        fns["fastgroq decode"] = timed(lambda: decode_json(decoder, body))
        fg_client = clients.get("fastgroq", scenario)
        fns["fastgroq e2e"] = timed(lambda: fg_client.embeddings.create(model="nomic-embed-text-v1_5", input=inputs))
    groq_type = groq.types.CreateEmbeddingResponse
    fns["groq decode"] = timed(lambda: groq._models.construct_type(type_=groq_type, value=json.loads(body)))
    groq_client = clients.get("groq", scenario)
    fns["groq e2e"] = timed(lambda: groq_client.embeddings.create(model="nomic-embed-text-v1_5", input=inputs))
    samples = alternate(fns, s.rounds, s.warmup)
    title = f"embeddings of {n:,} inputs x 768 floats ({len(body) / 1e6:.1f} MB)"
    notes = {
        "fastgroq decode": "the runtime's decode: cached Decoder(CreateEmbeddingResponse)",
        "groq decode": "json.loads + groq._models.construct_type (the SDK's real path)",
    }
    for client_name, values in samples.items():
        result.measures.append(
            Measure("7c", title, client_name, "ms", values, notes.get(client_name, "request + response"))
        )
    report(result, "7c", title, m0)
    result.ratio("7c", "groq/fastgroq decode time", ("7c", "groq decode"), ("7c", "fastgroq decode"), "", None)
    result.ratio("7c", "groq/fastgroq e2e time", ("7c", "groq e2e"), ("7c", "fastgroq e2e"), "", None)
    report_checks(result, c0)
