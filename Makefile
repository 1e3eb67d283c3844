# The commands people type. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UPSTREAM ?= ../shared/upstream/groq-openapi-2.1.yaml

.PHONY: setup demo generate check-drift upstream-diff lint typecheck test bench clean

# A fresh checkout: a virtual environment inside it, pinned tools from the package index, the package installed.
setup: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt pyproject.toml
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

# Non-zero when generated/ is not exactly what the generator produces from schema/ (missing, extra, different files).
check-drift: setup
	$(PY) -m codegen check

# The cheap checks of `make test`, exactly what the pre-commit hooks run (.pre-commit-config.yaml, same
# commands, same pinned tools from .venv): the drift check, ruff check and format, mypy on the package.
lint: setup
	$(PY) -m codegen check
	$(PY) -m ruff check codegen generated tests examples bench
	$(PY) -m ruff format --check codegen tests examples bench
	$(PY) -m mypy --strict generated/fastgroq

# The generated package, the generator, and code written for the official SDK (it must type-check unchanged).
typecheck: setup
	$(PY) -m mypy --strict generated/fastgroq
	$(PY) -m mypy --strict --python-version 3.11 --exclude 'codegen/(templates|runtime)/' codegen
	$(PY) -m mypy --strict tests/official_sdk_code.py tests/official_readme_patterns.py

# All the tests: lint (drift check, ruff, mypy on the package), mypy on the generator, then pytest on loopback sockets.
test: setup
	$(MAKE) --no-print-directory lint
	$(PY) -m mypy --strict --python-version 3.11 --exclude 'codegen/(templates|runtime)/' codegen
	$(PY) -m pytest

bench: setup
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
