# Two commands do everything: `make book` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# extra flags: CI passes NBMAKE_FLAGS=--overwrite so the book build reuses the outputs
NBMAKE_FLAGS ?=
BOOK_FLAGS ?=

.PHONY: install test unit notebooks book book-strict browser lint clean colab-cell colab-test \
	gpu-check wheels

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## make test: lint, the unit tests of covtut, then every notebook executed by nbmake
test: $(STAMP)
	$(BIN)/ruff check covtut tests book _ext
	COVTUT_QUIET=1 $(BIN)/python -m pytest tests book/*.ipynb --nbmake --nbmake-timeout=600 $(NBMAKE_FLAGS)

unit: $(STAMP)
	COVTUT_QUIET=1 $(BIN)/python -m pytest tests

## make book: build the HTML book, executing every notebook (cached between builds)
book: $(STAMP)
	COVTUT_QUIET=1 $(BIN)/jupyter-book build . $(BOOK_FLAGS)
	@echo "The book: file://$(CURDIR)/_build/html/index.html"

## warnings as errors, as CI builds it
book-strict: BOOK_FLAGS = -W -n --keep-going
book-strict: book

## check the rendered book in a real browser (needs Debian's chromium)
browser: $(STAMP)
	COVTUT_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -p no:randomly

## make colab-cell: write _config.yml's repository address into every chapter's first cell
## (after pointing `repository:` at a fork, or at a tag that freezes the book for a course)
colab-cell: $(STAMP)
	$(BIN)/python _ext/first_cell.py

## make colab-test: every chapter as on Colab: alone in an empty folder, in a fresh virtual
## environment with only Colab's kinds of packages (older numpy, pandas, matplotlib), its
## first cell installing covtut from a copy of this checkout (tests/colab/run_notebooks.py)
colab-test: $(STAMP)
	$(BIN)/python tests/colab/run_notebooks.py $(COLAB_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check covtut tests book _ext

clean:
	rm -rf _build .pytest_cache
