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


def test_the_lowest_lane_installs_the_lower_bounds_of_pyproject() -> None:
    """requirements-lowest.txt (what the 3.10 lane runs on) pins exactly pyproject.toml's lower bounds."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r"^dependencies = \[(.*)\]$", pyproject, re.MULTILINE)
    assert match is not None
    bounds = dict(re.findall(r'"([A-Za-z0-9_.-]+)>=([0-9.]+)"', match.group(1)))
    # The optional extra (aiohttp, for AsyncGroq) is proven at its lower bound too.
    extras = re.search(r"^\[project\.optional-dependencies\]\n(.*?)\n\n", pyproject, re.MULTILINE | re.DOTALL)
    assert extras is not None
    bounds |= dict(re.findall(r'"([A-Za-z0-9_.-]+)>=([0-9.]+)"', extras.group(1)))
    lines = (ROOT / "requirements-lowest.txt").read_text(encoding="utf-8").splitlines()
    # A pin marked "# transitive" is what a lowest bound needs of its own dependencies, not a bound of ours.
    pins = dict(
        line.split("==", 1) for line in lines if line and not line.startswith("#") and "# transitive" not in line
    )

    def release(version: str) -> tuple[int, ...]:
        parts = [int(p) for p in version.split(".")]
        return tuple(parts + [0] * (3 - len(parts)))

    assert bounds and {name: release(v) for name, v in pins.items()} == {n: release(v) for n, v in bounds.items()}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "LOWEST_LANE := 3.10" in makefile and "3.10" in re.findall(r"^LANES := (.*)$", makefile, re.M)[0]
    assert any("requirements-lowest.txt" in command for command in recipe(".venv-%/.installed"))
