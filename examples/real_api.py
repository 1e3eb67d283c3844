"""The same call as the demo, against the real API: set GROQ_API_KEY and run this file."""

from __future__ import annotations

from fastgroq import Groq


def main() -> None:
    with Groq() as client:  # GROQ_API_KEY from the environment
        stream = client.chat.completions.create(
            model="llama-3.3-70b-versatile",
            messages=[{"role": "user", "content": "Explain the importance of fast language models"}],
            stream=True,
        )
        with stream:
            for text in stream.iter_text():
                print(text, end="", flush=True)
        print(f"\nusage: {stream.usage}\nrequest id: {stream.request_id}")


if __name__ == "__main__":
    main()
