# The README's two quick-start commands: `make run` and `make test`.
# `make test` runs ruff, the import-layer contract (pyproject.toml) and pytest.
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

$(STAMP): pyproject.toml devtools/fakeslack/pyproject.toml $(VENV)/bin/python
	@echo "make: installing the project, the fake Slack and the dev tools into $(VENV)"
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -e ./devtools/fakeslack -e '.[sandbox,dev]'
	@touch $@

# With Slack credentials (environment or .env) the bot; without, the sandbox.
run: $(STAMP)
	@if $(VENV)/bin/python -m bot configured; then \
	  exec $(VENV)/bin/python -m bot; \
	else \
	  echo "Starting the sandbox instead (python -m sandbox)"; \
	  exec $(VENV)/bin/python -m sandbox; \
	fi

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks $(or $(BENCH),search)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
