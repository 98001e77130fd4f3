PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint check bench release clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/crampkg check
	$(BIN)/crampkg explain "calf cramp at night" "drinks little" "tap water only"

test: $(STAMP)
	@# the browser tests drive Debian's chromium (no browser download); install it when missing (root)
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy --strict src/crampkg
	@# coverage in every process: coverage's .pth hook (installed with it in the venv) starts it in
	@# each Python subprocess that inherits COVERAGE_PROCESS_START; COVERAGE_FILE keeps the data here
	rm -f .coverage .coverage.*
	COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml COVERAGE_FILE=$(CURDIR)/.coverage \
	  $(BIN)/coverage run -m pytest -n 2 tests
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/coverage combine -q
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/coverage report

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy --strict src/crampkg

check: $(STAMP)
	$(BIN)/crampkg check

release: $(STAMP)
	$(BIN)/crampkg build-release

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py
	$(BIN)/python benchmarks/text_bench.py
	$(BIN)/python benchmarks/load_test.py --requests 10000 --concurrency 16 --max-seconds 240

clean:
	rm -rf $(VENV) build dist .pytest_cache .coverage .coverage.*
