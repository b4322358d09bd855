# The two commands: `make serve` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  ?= var/store

.PHONY: install test serve data check-data bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)
	@# WeasyPrint (the PDF reports) lays text out with Debian's pango.
	@ldconfig -p | grep -q libpangoft2-1.0 || (apt-get update && apt-get install -y libpango-1.0-0 libpangoft2-1.0-0)

test: install
	@# The browser tests drive Debian's chromium through Playwright (installed by pip from the test extra);
	@# no browser is ever downloaded by Playwright itself.
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	@# The remote-store tests start Virtuoso Open Source 7 (and Oxigraph's server, from the test extra) on 127.0.0.1.
	command -v virtuoso-t >/dev/null || (apt-get update && apt-get install -y virtuoso-opensource-7-bin)
	$(BIN)/ruff check service tests bench scripts docs
	$(BIN)/mypy
	@# Two test processes, each taking whole files (their module-scoped servers start once).
	$(BIN)/python -m pytest -n 2 --dist loadfile

serve: install
	$(BIN)/ppi serve --host 127.0.0.1 --port 8000 --store $(STORE)

data: install
	$(BIN)/ppi build-data

check-data: install
	$(BIN)/ppi build-data --check

bench: install
	$(BIN)/python bench/bench_stores.py
	$(BIN)/python bench/bench_kg.py

clean:
	rm -rf $(VENV) var bench/out
