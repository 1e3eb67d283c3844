"""Shared fixtures. The generated package is imported from generated/ (see pytest's pythonpath)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT.parent / "shared" / "upstream" / "groq-openapi-2.1.yaml"
SEED = ROOT.parent / "shared" / "seed" / "go-api-v0.2.0.txt"
PYTHON = sys.executable
