# netcomplaint: `make demo` and `make test` on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared
TIMESCALE_CHECK := $(SHARED)/tools/timescaledb-sql/check
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck pytest timescale-check sysdeps bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Debian packages the browser tests and the PDF report need (Chromium, CJK fonts, pdftoppm).
sysdeps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "please install the Debian packages:$$missing (browser tests and the PDF report need them)"; \
	  fi; \
	fi

demo: $(STAMP)
	$(BIN)/netcomplaint demo

test: $(STAMP) sysdeps lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

timescale-check: $(STAMP)
	$(TIMESCALE_CHECK) $$($(BIN)/python -m storage.timescale_files) \
	  storage/sql/checks/rollups_same_results.sql storage/sql/checks/timescale_info.sql

# every script, even after one misses its targets (exit 1); the ones that did are listed at the end
bench: $(STAMP)
	@failed=""; for script in bench/bench_*.py; do echo "== $$script"; \
	  $(BIN)/python $$script || failed="$$failed $$script"; done; \
	if [ -n "$$failed" ]; then echo "targets missed or errors in:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
