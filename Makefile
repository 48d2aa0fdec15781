# Two commands on a fresh machine (Python >= 3.11 and pip): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check

.PHONY: demo test lint format bench clean hooks

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install when pyproject.toml changes; the stamp files record what is installed.
$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[reports]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[reports,notebooks,dev,bench]"
	touch $@ $(VENV)/.demo-installed

## make demo: write the synthetic demo county into data/demo and run the whole job on it
## (shared outputs in reports/demo; data/raw, where a real extract goes, is never touched)
demo: $(VENV)/.demo-installed
	$(PY) -m lotdesign demo

## make test: install the test extras if needed and run the whole suite (notebooks included)
test: $(VENV)/.test-installed
	$(PY) -m pytest -n 2 --nbmake tests notebooks

lint: $(VENV)/.test-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.test-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(VENV)/.test-installed
	$(PY) benchmarks/bench_lots.py
	$(PY) benchmarks/bench_travel.py
	$(PY) benchmarks/bench_roads.py
	$(PY) benchmarks/bench_demo.py

clean:
	rm -rf data/demo reports/demo

## make hooks: strip notebook outputs on commit (nbstripout git filter, configured by .gitattributes)
hooks: $(VENV)/.test-installed
	$(VENV)/bin/nbstripout --install --attributes .gitattributes
