# Two commands for a fresh machine: `make start` (set up + run on defaults) and `make test` (set up + run the tests).
# For developers: `make test-snel`, the inner loop without browser, llama.cpp and servers (tests marked `traag`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: start test test-snel testomgeving index clean

start: $(VENV)/.basis
	$(BIN)/python app.py

test: $(VENV)/.test
	$(BIN)/python -m pytest -q

test-snel: $(VENV)/.dev
	$(BIN)/python -m pytest -q -m "not traag"

index: $(VENV)/.basis
	$(BIN)/assistent indexeer

$(VENV)/.basis: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

# The fast lane only needs the test tools; the extras it lacks make their tests skip.
$(VENV)/.dev: $(VENV)/.basis
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# Tests also need the extras (llama.cpp, sentence-transformers with CPU torch), the small GGUF and Chromium.
$(VENV)/.test: $(VENV)/.basis scripts/testomgeving.sh
	bash scripts/testomgeving.sh $(BIN)
	touch $@

clean:
	rm -rf $(VENV) index/chroma index/.indexeer.lock .modellen .wheels
