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


@pytest.fixture
def server() -> Iterator[MockGroqServer]:
    """A Groq-compatible server on 127.0.0.1 for one test."""
    yield from serve()


@pytest.fixture
def client(server: MockGroqServer) -> Iterator[Groq]:
    """A client of ``server`` without retries (tests of retries build their own)."""
    yield from client_fixture(server)
