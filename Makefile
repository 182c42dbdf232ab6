# The README's two quick-start commands: `make run` and `make test`.
# Both create .venv if missing and (re)install the project whenever pyproject.toml is newer
# than the last install. `make test PYTEST_ARGS='-k intro -x'` passes arguments to pytest.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(VENV)/bin/python:
	@echo "make: creating $(VENV)"
	@$(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); \
	  echo "make: '$(PYTHON) -m venv' failed; install it with: apt-get install python3-venv" >&2; \
	  exit 1; }

$(STAMP): pyproject.toml $(VENV)/bin/python
	@echo "make: installing the project and its dev tools into $(VENV)"
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(VENV)/bin/python -m bot

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks $(or $(BENCH),search)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
