# Entry points for a fresh machine: `make demo` and `make test`; `make package` builds the desktop bundle.
# Each creates .venv when it is missing and installs what it needs into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# One stamp per set of extras, so `make demo` installs the app alone and a later `make test` still adds
# the test tools (and `make package` the build tools); each is redone when pyproject.toml changes.
APP_STAMP := $(VENV)/.stamp-app
TEST_STAMP := $(VENV)/.stamp-test
PACKAGE_STAMP := $(VENV)/.stamp-package
BUNDLE := dist/ctctdesk/ctctdesk

.PHONY: install demo test lint bench package icons screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@ $(APP_STAMP)

$(PACKAGE_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[package,postgres]'
	@touch $@ $(APP_STAMP)

install: $(TEST_STAMP)

demo: $(APP_STAMP)
	$(PY) -m ctctdesk --demo

# The import contract ([tool.importlinter] in pyproject.toml) first: it takes a second and says at once
# when a change breaks the layering. The bundle's own tests (tests/package) run only when `make package`
# has built dist/ctctdesk.
test: $(TEST_STAMP)
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check ctctdesk tests benchmarks packaging docs
	$(VENV)/bin/lint-imports

bench: $(APP_STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# dist/ctctdesk/ (the one-folder bundle) and dist/ctctdesk-VERSION-linux-ARCH.tar.gz (with install.sh),
# then the bundle checks itself.
package: $(PACKAGE_STAMP)
	@bash packaging/linux/build-deps.sh
	@start=$$(date +%s); \
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build \
		packaging/ctctdesk.spec && \
	echo "bundle built in $$(( $$(date +%s) - start )) s: dist/ctctdesk is $$(du -sh dist/ctctdesk | cut -f1)"
	bash packaging/linux/make-tarball.sh dist/ctctdesk dist
	$(BUNDLE) --self-test

# The PNG sizes, .ico and .icns from ctctdesk/resources/ctctdesk.svg (outputs are committed).
icons: $(PACKAGE_STAMP)
	$(PY) packaging/make_icons.py

# docs/screenshots/*.png from the demo, offscreen (regenerate when the GUI changes).
screenshots: $(APP_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/make_screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .import_linter_cache
