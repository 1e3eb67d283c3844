"""fastgroq benchmark: fastgroq against the official `groq` SDK and `openai`, side by side on loopback.

    .venv/bin/python bench/run.py                 # the full run (`make bench`), a few minutes on 2 cores
    .venv/bin/python bench/run.py --quick         # smoke run, well under a minute (figures not comparable)
    .venv/bin/python bench/run.py --rounds 9 --cases 1,3 --out /tmp/results
    .venv/bin/python bench/run.py --profile       # cProfile of the fastgroq stream case, top entries
    .venv/bin/python bench/run.py --baseline main # also fastgroq as generated at main: before/after, one run

One server process (bench/server.py) serves identical pre-encoded bytes to every client; the clients run
alternately after a warm-up; medians are reported with the ratio of each pair and PASS/FAIL against the
targets. Results go to OUT/latest.md, OUT/latest.json and OUT/latest.png.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Benchmark the checkout's generated package, whether or not the venv has it installed.
sys.path[:0] = [str(BENCH), str(ROOT / "generated")]

import cases  # noqa: E402
import concurrency  # noqa: E402
import payloads  # noqa: E402


def load_fastgroq() -> tuple[Any, str]:
    """fastgroq while the runtime is being finished may not import yet: the rest of the bench still runs."""
    try:
        import fastgroq

        fastgroq.Groq  # noqa: B018 - the client must exist, not only the package
        return fastgroq, ""
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


BASELINE_PACKAGE = "fastgroq_baseline"


def load_baseline(ref: str, folder: Path) -> tuple[Any, str]:
    """fastgroq as generated at git ``ref``, imported as ``fastgroq_baseline``: (module, its short commit).

    ``generated/fastgroq`` at that commit is extracted into ``folder`` under the other name; the package only
    imports itself relatively, so both versions live side by side in this process, each with its own types,
    decoders and connection pools.
    """
    import io
    import tarfile

    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--short", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if rev.returncode != 0:
        raise SystemExit(f"--baseline {ref}: not a commit of this repository ({rev.stderr.strip()})")
    commit = rev.stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "generated/fastgroq"], capture_output=True
    )
    if archive.returncode != 0:
        raise SystemExit(f"--baseline {ref}: no generated/fastgroq at {commit} ({archive.stderr.decode().strip()})")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    (folder / "generated" / "fastgroq").rename(folder / BASELINE_PACKAGE)
    sys.path.append(str(folder))
    module = importlib.import_module(BASELINE_PACKAGE)
    module.Groq  # noqa: B018 - the client must exist, not only the package
    return module, commit


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def fastgroq_version() -> str:
    text = (ROOT / "generated" / "fastgroq" / "_version.py").read_text() if (ROOT / "generated").exists() else ""
    match = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", text)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "generated"], capture_output=True, text=True
    )
    commit = rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    return f"{match.group(1) if match else '?'} (checkout {commit})"


def machine_info() -> dict[str, str]:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores{', ' + cpu if cpu else ''}",
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        # Other work on a shared machine skews a run: a load near the core count at the start says so.
        "load": "load average {:.2f} {:.2f} {:.2f} at start".format(*os.getloadavg()),
        "fastgroq": fastgroq_version(),
        **{name: version(name) for name in ("groq", "openai", "msgspec", "urllib3", "httpx", "pydantic")},
    }


@contextlib.contextmanager
def server_process():
    """Start bench/server.py in its own process; yield its port; stop it on the way out."""
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.strip().isdigit():
            raise RuntimeError(f"benchmark server did not start (said {line!r})")
        yield int(line)
    finally:
        if proc.stdin:
            proc.stdin.close()  # the server exits when its stdin closes
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settings_for(args: argparse.Namespace) -> cases.Settings:
    if args.quick:
        s = cases.Settings(
            rounds=1,
            warmup=1,
            stream_chunks=2_000,
            min_time=0.05,
            cold_runs=3,
            memory_big=100_000,
            memory_small=1_000,
            memory_rounds=1,
            groq_sse=False,
            upload_mb=10,
            upload_rounds=1,
            batch_lines=10_000,
            batch_rounds=1,
            embed_inputs=256,
            async_streams=16,
            async_stream_chunks=500,
            async_requests=256,
            async_in_flight=32,
            threads=4,
            thread_requests=200,
        )
    else:
        s = cases.Settings()
    if args.rounds:
        s.rounds = args.rounds
    return s


def write_markdown(path: Path, info: dict[str, str], result: cases.Result, settings: cases.Settings, note: str) -> None:
    lines = [
        "# fastgroq benchmark",
        "",
        f"{info['date']} on {info['machine']}; {info['python']}; {info['os']}; {info['load']}.",
        "",
        "Versions: "
        + ", ".join(f"{k} {info[k]}" for k in ("fastgroq", "groq", "openai", "msgspec", "urllib3", "httpx", "pydantic"))
        + "."
        + (f" Baseline: {info['baseline']}, measured as another client." if "baseline" in info else ""),
        "",
        f"Rounds: {settings.rounds} alternated after {settings.warmup} warm-up; figures are medians. "
        f"One loopback server process serves identical pre-encoded bytes (chunked) to every client.",
    ]
    if note:
        lines += ["", f"**Note:** {note}"]
    lines += ["", "## Targets", "", "| Case | Ratio | Value | Target | Result |", "| --- | --- | ---: | --- | --- |"]
    for c in result.checks:
        value = "n/a" if c.value is None else f"{c.value:,.2f}"
        target = f"{c.op} {c.target:g}" if c.target is not None else ""
        lines.append(f"| {c.case} | {c.label} | {value} | {target} | {c.verdict} |")
    lines += [
        "",
        "## Measurements",
        "",
        "| Case | What | Client | Median | Min to max | Unit | Notes |",
        "| --- | --- | --- | ---: | ---: | --- | --- |",
    ]
    for m in result.measures:
        spread = f"{cases.fmt(min(m.samples))} to {cases.fmt(max(m.samples))}"
        lines.append(f"| {m.case} | {m.title} | {m.client} | {cases.fmt(m.median)} | {spread} | {m.unit} | {m.note} |")
    path.write_text("\n".join(lines) + "\n")


def write_json(path: Path, info: dict[str, str], result: cases.Result, settings: cases.Settings, note: str) -> None:
    data = {
        "info": info,
        "settings": settings.__dict__,
        "note": note,
        "measures": [{**m.__dict__, "median": m.median} for m in result.measures],
        "checks": [{**c.__dict__, "passed": c.passed, "verdict": c.verdict} for c in result.checks],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_chart(path: Path, info: dict[str, str], result: cases.Result) -> None:
    """Grouped bars for cases 1 (chunks/s) and 2 (decodes/s), log scale: the clients differ by 10-100x."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {
        "fastgroq": "#f55036",
        "groq": "#4a4a4a",
        "openai": "#10a37f",
        "bound": "#8fb3ff",
        "minimal": "#c7d3f0",
        "other": "#bbbbbb",
    }
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    panels = [
        (["1a", "1b"], "Case 1: stream consumption (chunks/s)"),
        (["2a", "2b"], "Case 2: large responses (decodes/s)"),
    ]
    for ax, (case_ids, title) in zip(axes, panels, strict=True):
        groups = [(cid, [m for m in result.measures if m.case == cid]) for cid in case_ids]
        groups = [(cid, ms) for cid, ms in groups if ms]
        if not groups:
            ax.set_visible(False)
            continue
        width = 0.8 / max(len(ms) for _, ms in groups)
        for gi, (_cid, ms) in enumerate(groups):
            for bi, m in enumerate(ms):
                key = m.client.split()[0] if m.client.split()[0] in colours else "other"
                x = gi + (bi - (len(ms) - 1) / 2) * width
                hatch = "//" if "decode" in m.client or "validate" in m.client else None
                ax.bar(x, m.median, width * 0.95, color=colours[key], hatch=hatch, edgecolor="white")
                ax.text(
                    x,
                    m.median,
                    f"{m.client}\n{cases.fmt(m.median)}",
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                    rotation=90,
                )
        ax.set_yscale("log")
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([textwrap.fill(f"{cid}: {ms[0].title}", 34) for cid, ms in groups], fontsize=7.5)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", which="both", alpha=0.3)
        values = [m.median for _, ms in groups for m in ms]
        # Room below the smallest bar (log bars have no zero) and above the tallest for its rotated label.
        ax.set_ylim(min(values) / 3, max(values) * 25)
    fig.suptitle(
        f"fastgroq {info['fastgroq']} vs groq {info['groq']} vs openai {info['openai']} — {info['date']}, {info['machine'][:60]}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def profile_stream(port: int, fastgroq: Any, chunks: int) -> None:
    """cProfile of fastgroq consuming the content stream: where the runtime spends its time."""
    import cProfile
    import pstats

    client = fastgroq.Groq(
        api_key="bench", base_url=f"http://127.0.0.1:{port}/content-{chunks}/openai/v1", max_retries=0
    )

    def consume() -> None:
        for chunk in client.chat.completions.create(**payloads.SMALL_REQUEST, stream=True):
            cases.touch(chunk)

    consume()  # warm-up: connection, server-side build
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        consume()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"\ncProfile: fastgroq consuming 3 x {chunks:,}-chunk content streams")
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fast smoke run (small payloads, one round)")
    parser.add_argument("--rounds", type=int, default=0, help="measured rounds per case (default 5; 1 with --quick)")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="folder for latest.md/.json/.png")
    parser.add_argument("--cases", default="1,2,3,4,5,6,7,8,9", help="comma-separated case numbers to run")
    parser.add_argument("--profile", action="store_true", help="only profile the fastgroq stream case")
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also run fastgroq as generated at git REF (a branch, tag or commit), as another client "
        "alternating with the current one: before/after figures in one run",
    )
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)  # progress shows up live even when piped to a file
    settings = settings_for(args)
    fastgroq, import_error = load_fastgroq()
    info = machine_info()
    baseline, baseline_name = None, ""
    baseline_folder = contextlib.ExitStack()
    if args.baseline:
        import tempfile

        folder = Path(baseline_folder.enter_context(tempfile.TemporaryDirectory(prefix="fastgroq-baseline-")))
        baseline, commit = load_baseline(args.baseline, folder)
        baseline_name = f"baseline {commit}"
        info["baseline"] = f"fastgroq {getattr(baseline, '__version__', '?')} at {args.baseline} ({commit})"
    note = ""
    if import_error:
        note = f"fastgroq could not be imported ({import_error}); its rows are missing and its targets read n/a."
    selected = {c.strip() for c in args.cases.split(",")}

    print("fastgroq benchmark" + (" (--quick: smoke run, figures not comparable)" if args.quick else ""))
    for key, value in info.items():
        print(f"  {key:<9} {value}")
    if note:
        print(f"  NOTE     {note}")

    result = cases.Result()
    with baseline_folder, server_process() as port:
        if args.profile:
            if not fastgroq:
                print("cannot profile: " + import_error)
                return 1
            profile_stream(port, fastgroq, settings.stream_chunks)
            return 0
        clients = cases.Clients(port, fastgroq, baseline, baseline_name)
        steps = {
            "1": lambda: cases.case_stream(result, clients, settings),
            "2": lambda: cases.case_large(result, clients, settings),
            "3": lambda: cases.case_small_request(result, clients, settings),
            "4": lambda: cases.case_cold_start(result, clients, settings),
            "5": lambda: cases.case_memory(result, clients, settings, port),
            "6": lambda: cases.case_sse(result, clients, settings),
            "7": lambda: cases.case_files(result, clients, settings, port),
            "8": lambda: concurrency.case_async(result, clients, settings),
            "9": lambda: concurrency.case_threads(result, clients, settings),
        }
        failed = []
        for number, step in steps.items():
            if number not in selected:
                continue
            try:
                step()
            except Exception:
                # One broken case (e.g. a runtime feature still in progress) must not hide the others.
                failed.append(number)
                print(f"\ncase {number} failed:")
                traceback.print_exc()
        if failed:
            note = (note + " " if note else "") + f"Case(s) {', '.join(failed)} raised an error (see console output)."

    args.out.mkdir(parents=True, exist_ok=True)
    write_markdown(args.out / "latest.md", info, result, settings, note)
    write_json(args.out / "latest.json", info, result, settings, note)
    write_chart(args.out / "latest.png", info, result)

    print("\nSummary of targets")
    cases.report_checks(result, 0)
    print(f"\nWrote {args.out / 'latest.md'}, latest.json and latest.png")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
