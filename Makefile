# The commands people type. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UPSTREAM ?= ../shared/upstream/groq-openapi-2.1.yaml
# The package's tests also run on the lowest supported Python and the newest available (the generator's
# Python, .venv's, is the third lane). A lane's interpreter: `make PYTHON3.10=/path/to/python3.10`, else
# pyenv's newest 3.10.x, else a python3.10 on PATH that runs (a pyenv shim may not).
LANES := 3.10 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
lane-python = $(or $(PYTHON$(1)),$(shell ls -d $(PYENV_ROOT)/versions/$(1).*/bin/python$(1) 2>/dev/null | sort -V | tail -n 1),$(shell p=$$(command -v python$(1)) && "$$p" -c "" 2>/dev/null && echo "$$p"))

.PHONY: setup demo generate check-drift upstream-diff lint typecheck test test-main test-lanes $(LANES:%=test-py%) bench clean

# A fresh checkout: a virtual environment inside it, pinned tools from the package index, the package installed.
setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt requirements-test.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# The main job: regenerate the SDK, start the loopback Groq-compatible server, stream a chat completion.
demo: setup generate
	$(PY) examples/stream_demo.py

generate: setup
	$(PY) -m codegen generate

# What an upstream OpenAPI document has that schema/ lacks or contradicts (README, "Changing the API"):
# `make upstream-diff UPSTREAM=path/to/openapi.yaml`; ARGS="--json" or ARGS="--descriptions" pass options.
# The command exits 0 (no findings), 1 (findings) or 2 (bad input); make itself says Error 1 or 2 and exits 2.
upstream-diff: setup
	$(PY) -m codegen upstream-diff $(UPSTREAM) $(ARGS)

# Non-zero when generated/ or docs/ is not exactly what the generator produces from schema/ (missing, extra,
# different files).
check-drift: setup
	$(PY) -m codegen check

# The cheap checks of `make test`, exactly what the pre-commit hooks run (.pre-commit-config.yaml, same
# commands, same pinned tools from .venv): the drift check, ruff check and format, mypy on the package.
lint: setup
	$(PY) -m codegen check
	$(PY) -m ruff check codegen generated tests examples bench
	$(PY) -m ruff format --check codegen tests examples bench
	$(PY) -m mypy --strict generated/fastgroq

# The generated package, the generator, and the tests (among them code written for the official SDK, which must
# type-check unchanged).
typecheck: setup
	$(PY) -m mypy --strict generated/fastgroq
	$(PY) -m mypy --strict --python-version 3.11 --exclude 'codegen/(templates|runtime)/' codegen
	$(PY) -m mypy --strict --python-version 3.11 tests

# All the tests: lint (drift check, ruff, mypy on the package), typecheck (mypy's second run on the package
# is cached), then pytest on loopback sockets in every Python lane at once: .venv's (test-main), 3.10 and
# 3.13 (test-lanes). The tests mostly wait on sockets, so three lanes at once take little longer than one;
# each lane's output is printed whole when it ends.
test: setup
	$(MAKE) --no-print-directory lint typecheck
	$(MAKE) --no-print-directory -j3 --output-sync=target test-main test-lanes

test-main: setup
	$(PY) -m pytest

# pytest in .venv-3.10 and .venv-3.13, created on first use with only requirements-test.txt (the run-time
# dependencies and the test tools, pinned) and the package installed editable as in .venv. The generator's
# tests (marker `generator`) need its toolchain and run in .venv only. A missing interpreter fails when CI
# is set, and is skipped with a warning otherwise (no .installed is written, so the lane's pytest is skipped).
test-lanes: $(LANES:%=test-py%)

$(LANES:%=test-py%): test-py%: .venv-%/.installed
	@if [ -f .venv-$*/.installed ]; then \
		echo "tests on Python $* (.venv-$*), $$(.venv-$*/bin/python -c 'import msgspec, urllib3; print("msgspec", msgspec.__version__, "urllib3", urllib3.__version__)'):" && \
		.venv-$*/bin/python -m pytest -m "not generator"; \
	else \
		echo "WARNING: no Python $* (pyenv or PATH): its test lane was SKIPPED (CI fails instead)" >&2; \
	fi

# The lowest lane gets the lowest run-time dependencies pyproject.toml allows (requirements-lowest.txt) instead
# of the newest, so `make test` proves the lower bounds as well as the pins.
LOWEST_LANE := 3.10

.venv-%/.installed: requirements-test.txt requirements-lowest.txt pyproject.toml
	@py='$(call lane-python,$*)'; \
	if [ -z "$$py" ]; then \
		if [ -n "$${CI:-}" ]; then echo "error: no Python $* (pyenv or PATH), and CI runs every lane" >&2; exit 1; fi; \
		rm -f $@; exit 0; \
	fi; \
	set -ex; \
	rm -rf .venv-$*; \
	"$$py" -m venv .venv-$*; \
	.venv-$*/bin/python -c 'import sys; v = "%d.%d" % sys.version_info[:2]; assert v == "$*", f"{sys.executable} is Python {v}, not $*"'; \
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt; \
	if [ "$*" = "$(LOWEST_LANE)" ]; then \
		.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-lowest.txt; \
	fi; \
	.venv-$*/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .; \
	touch $@

bench: setup
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(LANES:%=.venv-%) .mypy_cache .ruff_cache .pytest_cache
