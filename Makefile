# lamina: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-torch test-jax lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned, so a CPU build is used and no CUDA build is pulled in.
	$(PY) -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[jax,test,demo]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo_digits.py

test: $(STAMP)
	LAMINA_BACKEND=torch $(PY) -m pytest -q -n 2 -m "not slow" tests
	LAMINA_BACKEND=jax XLA_FLAGS=--xla_force_host_platform_device_count=2 \
		$(PY) -m pytest -q -n 2 -m "not slow" tests

test-torch: $(STAMP)
	LAMINA_BACKEND=torch $(PY) -m pytest -q tests

test-jax: $(STAMP)
	LAMINA_BACKEND=jax $(PY) -m pytest -q tests

# Benchmarks run in their own virtualenv: Keras 3 and optax are installed only there, never
# as lamina dependencies. `make bench BENCH_ARGS="--workloads mlp tiny"` runs a subset.
BENCH_VENV := .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml constraints.txt bench/requirements.txt
	test -x $(BENCH_PY) || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet --upgrade pip
	$(BENCH_PY) -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(BENCH_PY) -m pip install --quiet -c constraints.txt -e ".[jax]"
	$(BENCH_PY) -m pip install --quiet -c constraints.txt -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_PY) bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples

clean:
	rm -rf $(VENV) .venv-bench .pytest_cache
