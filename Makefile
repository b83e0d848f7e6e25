# The two set-up commands: `make run` and `make test` (README).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check

.PHONY: run test bench reliability install install-test bytecode console clean fonts

$(PY):
	$(PYTHON) -m venv $(VENV)

# Bytecode is compiled at install (an editable install leaves dutydesk's own
# modules to be compiled by the first run that imports each: a cold CLI run
# then pays for it); `bytecode` runs on every make run/test, so a pulled or
# edited source is compiled before it is timed or used.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -q -e '.[test]'
	touch $@ $(VENV)/.installed

bytecode: | $(PY)
	$(PY) -m compileall -q dutydesk

install: $(VENV)/.installed bytecode
install-test: $(VENV)/.installed-test bytecode

# Opens the console on the demo desk (a desk of its own, never the real one),
# filling it first if it is empty, acting as the demo's duty commander (DC1),
# never as the operating-system login.
DEMO_ACTOR := DC1
run: install
	-@$(MAKE) --no-print-directory fonts
	$(VENV)/bin/dutydesk --demo --actor $(DEMO_ACTOR) demo --if-empty
	$(VENV)/bin/dutydesk --demo --actor $(DEMO_ACTOR)

# The checks that keep the shape (pyproject.toml: ruff's rules, the import
# contracts, the strictly typed modules), then the suite.
test: install-test fonts
	$(VENV)/bin/ruff check dutydesk bench tests
	$(VENV)/bin/ruff format --check dutydesk bench tests
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

# PDF reports embed a CJK font.  Installs Debian's fonts-wqy-microhei (5 MB) when
# no CJK font is there yet; does nothing when one is.  Needs root (or sudo) and apt.
CJK_FONTS := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc \
             /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@for f in $(CJK_FONTS) $$DUTYDESK_PDF_FONT; do [ -f "$$f" ] && exit 0; done; \
	if command -v apt-get >/dev/null 2>&1; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    echo "installing fonts-wqy-microhei (CJK font for PDF reports)"; \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null; }; \
	else echo "warning: no CJK font and no apt-get; PDF reports need DUTYDESK_PDF_FONT" >&2; fi

bench: install-test
	$(PY) -m bench

# Proofs with figures (issue 11): 50 kill -9s during writes, 60 during imports,
# 8 writers x 200 notes beside a 300 000-row import, the fault cases, fuzzing
# with more examples, tamper and escape cases; prints the figures, exit 1 if one
# is off.  The short forms run in `make test` (tests/test_reliability_short.py).
# Mounts small tmpfs folders when run as root (a full disk), else limits file sizes.
reliability: install-test
	$(PY) -m bench.reliability

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Refresh the translation template after changing user-visible strings.
i18n: install-test
	$(VENV)/bin/pybabel extract -k _ -k N_ -k ngettext:1,2 -k NP_:1c,2 --sort-output --project dutydesk \
	    -o dutydesk/i18n/locale/dutydesk.pot dutydesk
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -D dutydesk \
	    -i dutydesk/i18n/locale/dutydesk.pot -d dutydesk/i18n/locale
	$(VENV)/bin/pybabel compile -D dutydesk -d dutydesk/i18n/locale --statistics
