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

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples

clean:
	rm -rf $(VENV) .pytest_cache
