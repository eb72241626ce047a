# The two commands: `make demo` runs the product on its embedded defaults, `make test` passes the
# tests. Each creates or updates .venv and installs the project with its dev, k8s and spark extras
# first (the demo runs on DuckDB and needs no Java; the Spark tests skip, saying why, without it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install host-packages sandbox-host kms-client demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,k8s,spark]'
	touch $(STAMP)

install: $(STAMP) host-packages sandbox-host kms-client

# Debian packages, installed as root only when missing, quietly: the sandbox's isolation tools
# and Debian's python3 for kernel venvs, and chromium with a CJK font for the browser tests
# (driven through playwright; never `playwright install`), and Java 17 for the gateway's Spark
# engine and its cross-engine tests (the DuckDB default needs none) — the JDK, whose javac also
# builds the engine's KMS client for encrypted tables.
DEBS := bubblewrap nftables iproute2 util-linux passwd python3 python3-venv chromium \
	fonts-noto-cjk openjdk-17-jdk-headless
host-packages:
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	else echo "not root: Debian packages not installed (the hub will start degraded)"; fi

# The sandbox hub's own parts: the local configurable-http-proxy (npm) and the cached kernel
# environment.
sandbox-host: $(STAMP) host-packages
	@[ -x sandbox/proxy/node_modules/.bin/configurable-http-proxy ] || \
	  (cd sandbox/proxy && npm ci --no-audit --no-fund --loglevel=error)
	@if [ "$$(id -u)" = 0 ]; then $(BIN)/datalab sandbox build-env; fi

# The JVM KMS client Spark loads to read encrypted restricted tables (java/kms-client), compiled
# against pyspark's jars into build/java/; without a JDK it says so and the install goes on.
kms-client: $(STAMP) host-packages
	@$(BIN)/python -m lab.crypto.kms_jar

# The demo: the lab app on 127.0.0.1:8600 and the sandbox hub on 127.0.0.1:8610; Ctrl-C stops both.
demo: install
	$(BIN)/datalab sandbox demo

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
