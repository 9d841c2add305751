# The README's two commands: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: test lint typecheck unit demo schema clean conformance

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[sandbox]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/campaigns schema --check
	$(BIN)/pytest -n 2

# The sandbox's contract tests against a real Dograh (docs/sandbox.md, "Conformance"). The
# tests of the sandbox itself (its admin API, fault injection, units and command) say nothing
# about Dograh and are not selected. The run ends with a counted line: ran, skipped and why.
CONFORMANCE_TESTS := tests/sandbox tests/conformance "tests/commands/test_import.py::test_round_trip_on_the_target"
SANDBOX_ITSELF := tests/sandbox/test_admin.py tests/sandbox/test_faults.py tests/sandbox/test_units.py tests/sandbox/test_command.py
conformance: $(VENV)/.installed-test
	@if [ -z "$$DOGRAH_TEST_API_URL" ] || [ -z "$$DOGRAH_TEST_API_KEY" ]; then \
		echo "make conformance needs DOGRAH_TEST_API_URL and DOGRAH_TEST_API_KEY (a Dograh URL and an API key of a test organization)."; \
		exit 1; \
	fi
	$(BIN)/pytest -n 2 -rs $(CONFORMANCE_TESTS) $(addprefix --ignore=,$(SANDBOX_ITSELF))

demo: $(VENV)/.installed-demo
	./scripts/demo.sh

schema: $(VENV)/.installed-test
	$(BIN)/campaigns schema

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/apply.py
	$(BIN)/python bench/hours.py
	$(BIN)/python bench/answer_size.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
