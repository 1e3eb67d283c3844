"""Shared paths and fixtures. The generated package is imported from generated/ (see pytest's pythonpath)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastgroq import Groq
from fastgroq.testing import MockGroqServer

from tests.client_helpers import client_fixture, serve

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT.parent / "shared" / "upstream" / "groq-openapi-2.1.yaml"
SEED = ROOT.parent / "shared" / "seed" / "go-api-v0.2.0.txt"
PYTHON = sys.executable


# A module of generator tests says so with this line: under `-m "not generator"` (the Python lanes other than
# the generator's, which lack its toolchain) it is not even imported, and the summary says it was left out.
GENERATOR_MODULE_MARK = "pytestmark = pytest.mark.generator"
_LEFT_OUT = pytest.StashKey[list[str]]()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not collection_path.name.startswith("test_") or "not generator" not in (config.option.markexpr or ""):
        return None
    if GENERATOR_MODULE_MARK not in collection_path.read_text(encoding="utf-8"):
        return None
    config.stash.setdefault(_LEFT_OUT, []).append(collection_path.name)
    return True


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    left_out = config.stash.get(_LEFT_OUT, [])
    if left_out:
        version = ".".join(map(str, sys.version_info[:3]))
        terminalreporter.write_line(
            f"not run on Python {version}: {', '.join(sorted(left_out))} (generator tests; they run in .venv)"
        )


@pytest.fixture
def server() -> Iterator[MockGroqServer]:
    """A Groq-compatible server on 127.0.0.1 for one test."""
    yield from serve()


@pytest.fixture
def client(server: MockGroqServer) -> Iterator[Groq]:
    """A client of ``server`` without retries (tests of retries build their own)."""
    yield from client_fixture(server)
