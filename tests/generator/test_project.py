"""The project's own habits: pre-commit runs what `make lint` runs, and the changelog knows the version."""

from __future__ import annotations

import re
from typing import Any

import fastgroq
import pytest

from tests.conftest import ROOT


def recipe(target: str) -> list[str]:
    """The commands of a Makefile target, with ``$(PY)`` spelled as the hooks spell it."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        commands.append(line[1:].replace("$(PY)", ".venv/bin/python"))
    return commands


def test_pre_commit_hooks_are_make_lint_with_the_pinned_tools() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads .pre-commit-config.yaml")
    config: dict[str, Any] = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"]), "hooks must use .venv's pinned tools"
    assert all(hook["language"] == "system" and hook["pass_filenames"] is False for hook in hooks)
    assert [hook["entry"] for hook in hooks] == recipe("lint")


def test_the_changelog_has_unreleased_and_the_current_version() -> None:
    version = fastgroq.__version__  # pyproject.toml's, through the generator (the drift check sees to it)
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert version in headings, f"pyproject.toml says {version}; CHANGELOG.md has no section for it"
