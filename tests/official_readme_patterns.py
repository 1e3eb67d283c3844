"""The official `groq` README's client-side patterns (errors, retries, timeouts, raw and streamed responses,
client lifetime), written again here with only the import changed.

`make typecheck` runs `mypy --strict` on this module; tests/test_client_official_readme.py runs each
function against the loopback server. Keep it written the way the official SDK's users write it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import fastgroq as groq
from fastgroq import AsyncGroq, Groq

MESSAGES: list[Any] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Explain the importance of low latency LLMs"},
]
MODEL = "openai/gpt-oss-20b"


def basic_usage() -> str | None:
    client = Groq(
        api_key=os.environ.get("GROQ_API_KEY"),  # This is the default and can be omitted
    )
    chat_completion = client.chat.completions.create(messages=MESSAGES, model=MODEL)
    return chat_completion.choices[0].message.content


def handle_errors(client: Groq) -> str:
    try:
        client.chat.completions.create(messages=MESSAGES, model=MODEL)
    except groq.APIConnectionError as e:
        return f"The server could not be reached: {e.__cause__!r}"
    except groq.RateLimitError:
        return "A 429 status code was received; we should back off a bit."
    except groq.APIStatusError as e:
        return f"Another non-200-range status code was received: {e.status_code} {e.response}"
    return "ok"


def error_details(client: Groq) -> tuple[int, str, Any, str | None]:
    """What people read off a status error: the body as JSON, the response, the request id header."""
    try:
        client.chat.completions.create(messages=MESSAGES, model=MODEL)
    except groq.APIStatusError as e:
        body = e.body
        message = ""
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                message = str(error.get("message"))
        return (e.response.status_code, message, e.response.json(), e.response.headers.get("x-request-id"))
    raise AssertionError("expected an APIStatusError")


def configure_retries(base_url: str) -> str:
    client = Groq(
        base_url=base_url,
        # default is 2
        max_retries=0,
    )
    completion = client.with_options(max_retries=5).chat.completions.create(messages=MESSAGES, model=MODEL)
    return completion.id


def configure_timeouts(base_url: str) -> bool:
    client = Groq(base_url=base_url, timeout=20.0)
    client.with_options(timeout=5.0).chat.completions.create(messages=MESSAGES, model=MODEL)
    try:
        client.with_options(timeout=0.2, max_retries=0).chat.completions.create(messages=MESSAGES, model=MODEL)
    except groq.APITimeoutError:
        return True
    return False


def raw_response_headers(client: Groq) -> tuple[str | None, str]:
    response = client.chat.completions.with_raw_response.create(messages=MESSAGES, model=MODEL)
    header = response.headers.get("X-My-Header")
    completion = response.parse()  # get the object that `chat.completions.create()` would have returned
    return header, completion.id


def streaming_response_lines(client: Groq) -> tuple[str | None, list[str]]:
    with client.chat.completions.with_streaming_response.create(messages=MESSAGES, model=MODEL) as response:
        header = response.headers.get("X-My-Header")
        lines = list(response.iter_lines())
    return header, lines


def managed_client() -> str:
    with Groq() as client:
        # make requests here
        return client.chat.completions.create(messages=MESSAGES, model=MODEL).id
    # HTTP client is now closed


def installed_version() -> str:
    return groq.__version__


# --- Async usage (the official README's "Async usage" and "With aiohttp") ----------------------------------


def async_usage() -> str | None:
    client = AsyncGroq(
        api_key=os.environ.get("GROQ_API_KEY"),  # This is the default and can be omitted
    )

    async def main() -> str | None:
        chat_completion = await client.chat.completions.create(messages=MESSAGES, model=MODEL)
        return chat_completion.choices[0].message.content

    return asyncio.run(main())


def async_with_client() -> str:
    # The official README adds `http_client=DefaultAioHttpClient()`: fastgroq's AsyncGroq is always on aiohttp.
    async def main() -> str:
        async with AsyncGroq(
            api_key=os.environ.get("GROQ_API_KEY"),  # This is the default and can be omitted
        ) as client:
            chat_completion = await client.chat.completions.create(messages=MESSAGES, model=MODEL)
            return chat_completion.id

    return asyncio.run(main())


async def async_streaming(client: AsyncGroq) -> str:
    stream = await client.chat.completions.create(messages=MESSAGES, model=MODEL, stream=True)
    text = ""
    async for chunk in stream:
        text += chunk.choices[0].delta.content or ""
    return text


async def async_raw_response(client: AsyncGroq) -> tuple[str | None, str]:
    response = await client.chat.completions.with_raw_response.create(messages=MESSAGES, model=MODEL)
    completion = await response.parse()
    return response.headers.get("X-My-Header"), completion.id


async def async_streaming_response_lines(client: AsyncGroq) -> tuple[str | None, list[str]]:
    async with client.chat.completions.with_streaming_response.create(messages=MESSAGES, model=MODEL) as response:
        header = response.headers.get("X-My-Header")
        lines = [line async for line in response.iter_lines()]
    return header, lines


async def async_handle_errors(client: AsyncGroq) -> str:
    try:
        await client.chat.completions.create(messages=MESSAGES, model=MODEL)
    except groq.APIConnectionError as e:
        return f"The server could not be reached: {e.__cause__!r}"
    except groq.RateLimitError:
        return "A 429 status code was received; we should back off a bit."
    except groq.APIStatusError as e:
        return f"Another non-200-range status code was received: {e.status_code} {e.response}"
    return "ok"
