# Two commands for a newcomer: `make run` (install + start on embedded defaults) and `make test`.
# Every install is pinned by constraints.txt (the image uses the same file); `make constraints` renews it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
BENCH_ROUNDS ?= 5
FUZZ_EXAMPLES ?= 1000
LOAD_SECONDS ?= 60
LOAD_CLIENTS ?= 16
PIPELINE_EXAMPLES ?= 10000

.PHONY: install run test bench fuzz fuzz-pipeline load docker-check constraints

$(BIN)/osteocds: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,postgres]'
	touch $@

install: $(BIN)/osteocds

run: install
	$(BIN)/osteocds serve --dev --host $(HOST) --port $(PORT)

# CI's single command. With OSTEOCDS_TEST_DATABASE_URL set (.ci/run starts a PostgreSQL 15 cluster and sets
# it) the store, replay-cache and feedback tests run on PostgreSQL as well as SQLite.
test: install
	$(BIN)/pytest

# the service against its floor on the real server (latency, throughput with wrk, RSS); wrk is Debian's package
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } || \
		{ echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python benchmarks/http_latency.py --rounds $(BENCH_ROUNDS)

# schemathesis against /openapi.json of a real server: boundary cases, then FUZZ_EXAMPLES per operation (>= 10,000 cases)
fuzz: install
	$(BIN)/python benchmarks/fuzz.py --examples $(FUZZ_EXAMPLES)

# hypothesis over random FHIR records through the whole pipeline with the safety invariants, PIPELINE_EXAMPLES per
# property, random seed (make test runs 40, derandomised)
fuzz-pipeline: install
	PIPELINE_EXAMPLES=$(PIPELINE_EXAMPLES) $(BIN)/pytest -p no:cacheprovider tests/test_pipeline_invariants.py

# locust, headless, against gunicorn on loopback: mixed hooks and patients, slow clients alongside
load: install
	$(BIN)/python benchmarks/load.py --seconds $(LOAD_SECONDS) --clients $(LOAD_CLIENTS) $(if $(LOAD_DATABASE_URL),--database-url $(LOAD_DATABASE_URL))

# builds the image and checks the container (needs root and Debian's docker.io; see the script's header)
docker-check:
	../shared/tools/docker-check.sh

constraints: install
	{ echo "# Pinned versions for the image and CI (pip install -c constraints.txt ...); renew with make constraints"; \
	  $(BIN)/pip freeze --exclude-editable | sort; } > constraints.txt.new && mv constraints.txt.new constraints.txt
