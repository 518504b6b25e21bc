# Everything a fresh machine needs: `make run` and `make test` create the virtualenv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test console index bench-squad eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# Optional heavy parts: installed where the platform has wheels; without them the bot still works.
	$(PY) -m pip install --quiet -e '.[dev,fast]' || echo "note: the fast extra (PyStemmer) could not be installed here; nltk's stemmer is used"
	$(PY) -m pip install --quiet -e '.[dev,fast,semantic]' || echo "note: the semantic extra could not be installed here; semantic matching stays off"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot start

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q

console: $(STAMP)
	$(PY) -m bot console

index: $(STAMP)
	$(PY) -m bot index

eval: $(STAMP)
	$(PY) -m bot eval ../shared/eval/article-questions.jsonl

bench-squad: $(STAMP)
	$(PY) bench/squad.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .kb-cache
