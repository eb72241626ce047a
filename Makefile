# The two commands: `make demo` runs the product on its embedded defaults, `make test` passes the
# tests. Each creates or updates .venv and installs the project with its dev dependencies first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chromium demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) chromium

# The portal's browser tests drive Debian's chromium through playwright (no browser download);
# the CJK font makes their screenshots legible.
chromium:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

demo: install
	$(BIN)/datalab demo

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python benchmarks/storage.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
