"""Child process of case 7a: upload one file with one SDK, print `<seconds> <ru_maxrss before KiB> <ru_maxrss after KiB>`.

A fresh interpreter per measurement, so the peak belongs to this upload alone (ru_maxrss never goes down); the
peak before the upload (the SDK imported, its client built) is printed too, so the rise is the upload's own.
Usage: python bench/uploadchild.py SDK PORT PATH, started through `launch()` (see memchild.py for why).
"""

from __future__ import annotations

import pathlib
import resource
import subprocess
import sys
import time


def main() -> None:
    sdk, port, path = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
    root = f"http://127.0.0.1:{port}/upload"
    if sdk == "fastgroq":
        import fastgroq

        client: object = fastgroq.Groq(api_key="bench", base_url=f"{root}/openai/v1", max_retries=0, timeout=120)
    else:
        import groq

        client = groq.Groq(api_key="bench", base_url=root, max_retries=0, timeout=120)
    # A one-byte upload first: the imports an SDK defers to its first request (urllib3, ssl, its types) and the
    # connection are then paid for, so the rise below is the big upload's own.
    small = path.with_name("warm-up.jsonl")
    small.write_bytes(b"\n")
    client.files.create(file=small, purpose="batch")  # type: ignore[attr-defined]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    created = client.files.create(file=path, purpose="batch")  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    if created.id is None:
        raise SystemExit("no file id in the answer")
    print(elapsed, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def launch(sdk: str, port: int, path: str, env: dict[str, str]) -> tuple[float, int, int]:
    """Run this script in a grandchild of a small interpreter, so that its ru_maxrss starts from zero."""
    trampoline = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    out = subprocess.run(
        [sys.executable, "-c", trampoline, sys.executable, __file__, sdk, str(port), path],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds, before, after = out.split()
    return float(seconds), int(before), int(after)


if __name__ == "__main__":
    main()
