"""The main job: stream a chat completion through fastgroq from the Groq-compatible loopback server.

Run with `make demo`. No network and no API key are needed: `fastgroq.testing` serves the API's wire
format on 127.0.0.1, so this is exactly what the client does against api.groq.com.
"""

from __future__ import annotations

from fastgroq import Groq
from fastgroq.testing import MockGroqServer, Reply, chat_completion_chunks

PIECES = ["Fast ", "language ", "models ", "answer ", "while ", "you ", "are ", "still ", "asking."]


def main() -> None:
    with MockGroqServer() as server:
        server.enqueue(Reply.sse(chat_completion_chunks(PIECES, request_id="req_demo_01"), drip=64))
        with Groq(api_key="demo-key-not-secret", base_url=server.base_url) as client:
            stream = client.chat.completions.create(
                model="llama-3.3-70b-versatile",
                messages=[{"role": "user", "content": "Explain the importance of fast language models"}],
                stream=True,
            )
            with stream:
                print("tokens:     ", end="")
                for text in stream.iter_text():
                    print(text, end="|", flush=True)
                print()
            usage = stream.usage
            print(
                f"usage:      prompt={usage.prompt_tokens} completion={usage.completion_tokens} total={usage.total_tokens}"
            )
            print(f"timings:    queue={usage.queue_time}s total={usage.total_time}s")
            print(f"request id: {stream.request_id}")
            print(f"sent to:    {server.requests[0].method} {server.requests[0].path}")


if __name__ == "__main__":
    main()
