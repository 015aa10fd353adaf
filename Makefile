# betalab: two commands on a fresh machine — `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-numerics-avx2 browser lint sdk openapi bench venv clean

$(STAMP): pyproject.toml clients/python/setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q -e clients/python
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/betalab serve

# Everything the suite needs, Chromium included (installed when missing and root with apt).
test: $(STAMP) browser
	$(BIN)/python -m pytest -q

browser:
	@scripts/ensure-chromium

# The numerical equivalence tests (fused vs single, resume, metrics) with every kernel library held
# to AVX2: oneDNN, MKL and ATen's own vector code. CI runs them after `make test`. The cpu_policy
# tests stay out: they check decisions made from the CPU's reported features, not kernels.
AVX2 := ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2
test-numerics-avx2: $(STAMP)
	$(AVX2) $(BIN)/python -m pytest -q -m "numerics and not cpu_policy"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check vae_core api worker persistence betalab_cli
	$(BIN)/mypy
	$(BIN)/lint-imports

openapi: $(STAMP)
	$(BIN)/python -m api.export_openapi openapi/openapi.json

# Offline and deterministic: the committed spec, the committed config, the venv's ruff for
# formatting. tests/clients/test_sdk.py runs the same command and compares the trees.
sdk: openapi
	rm -rf clients/python
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/openapi-python-client generate \
		--path openapi/openapi.json --config openapi/client-config.yaml \
		--meta setup --output-path clients/python

# Each prints one JSON line last; api.py needs PostgreSQL and Redis on loopback.
bench: $(STAMP)
	$(BIN)/python bench/dataset.py --json
	$(BIN)/python bench/train.py --json
	$(BIN)/python bench/metrics.py --json
	$(BIN)/python bench/fused.py --json
	$(BIN)/python bench/api.py --json
	$(BIN)/python bench/worker.py --json
	$(BIN)/python bench/service_precision.py --json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
