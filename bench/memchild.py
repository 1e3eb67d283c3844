"""Child process of case 5: consume one fastgroq stream, print `<chunks> <ru_maxrss KiB> <VmHWM KiB>`.

A fresh interpreter per measurement, so the peak belongs to this stream alone (ru_maxrss never goes down).
Usage: python bench/memchild.py PORT CHUNKS

Start it through `launch()` below, not straight from the benchmark process: Linux carries ru_maxrss across
execve, and subprocess starts children with vfork, so a child exec'd by the (large) benchmark process would
report the benchmark's own peak. VmHWM (the peak of this process's current address space) is printed too
as a cross-check; the two agree when the launch is clean.
"""

from __future__ import annotations

import resource
import subprocess
import sys


def main() -> None:
    import fastgroq  # here, not at the top: the benchmark imports this module for launch() only

    port, n = int(sys.argv[1]), int(sys.argv[2])
    client = fastgroq.Groq(api_key="bench", base_url=f"http://127.0.0.1:{port}/content-{n}/openai/v1", max_retries=0)
    stream = client.chat.completions.create(
        model="bench", messages=[{"role": "user", "content": "Count to a million."}], stream=True
    )
    count = 0
    touched = 0
    for chunk in stream:
        # Touch each chunk as an application would, without keeping any of them.
        if chunk.choices:
            touched += len(chunk.choices[0].delta.content or "")
        count += 1
    # Linux reports both in KiB.
    with open("/proc/self/status") as status:
        hwm = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, hwm)


def launch(port: int, n: int, env: dict[str, str]) -> tuple[int, int, int]:
    """Run this script in a grandchild of a small interpreter, so that its ru_maxrss starts from zero."""
    trampoline = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    out = subprocess.run(
        [sys.executable, "-c", trampoline, sys.executable, __file__, str(port), str(n)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    chunks, maxrss, hwm = map(int, out.split())
    return chunks, maxrss, hwm


if __name__ == "__main__":
    main()
