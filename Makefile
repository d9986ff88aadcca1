# Two commands for a newcomer: `make run` (install + start on embedded defaults) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
BENCH_N ?= 50

.PHONY: install run test bench

$(BIN)/osteocds: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/osteocds

run: install
	$(BIN)/osteocds serve --dev --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/http_latency.py -n $(BENCH_N)
