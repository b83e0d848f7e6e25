# The two set-up commands: `make run` and `make test` (README).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check

.PHONY: run test bench install install-test console clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Opens the console on the demo desk (a desk of its own, never the real one),
# filling it first if it is empty.
run: install
	$(VENV)/bin/dutydesk --demo demo --if-empty
	$(VENV)/bin/dutydesk --demo

test: install-test
	$(PY) -m pytest -q

bench: install-test
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Refresh the translation template after changing user-visible strings.
i18n: install-test
	$(VENV)/bin/pybabel extract -k _ -k N_ -k ngettext:1,2 --sort-output --project dutydesk \
	    -o dutydesk/i18n/locale/dutydesk.pot dutydesk
