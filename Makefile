# The two sacred commands: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format bench clean setup check golden

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/backtest run configs/demo.toml --force

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The CI methodology gate: re-run each gated config and compare it with its golden file
# (exit 1 on drift, 2 on error). `make golden` regenerates the golden files on purpose (it
# prints what moved first): review `git diff results/golden/` before committing.
GATED := demo
ifneq ($(wildcard ../shared/data/prices/NVDA.csv),)
GATED += shared-files
else
$(info note: ../shared/data/prices is absent: the shared-files gate is skipped)
endif

check: $(STAMP)
	@for name in $(GATED); do \
		echo "== backtest check configs/$$name.toml"; \
		$(BIN)/backtest check configs/$$name.toml --golden results/golden/$$name.json || exit $$?; \
	done

golden: $(STAMP)
	@for name in $(GATED); do \
		$(BIN)/backtest check configs/$$name.toml --golden results/golden/$$name.json --update \
			|| exit $$?; \
	done

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
