# Every target builds the project virtualenv first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

DEMO_ENV := ICP_FOOTER_NUMBER="京ICP备12345678号-1" ICP_FOOTER_PSB="京公网安备 11010502030143号" ICP_FOOTER_OWNER="© 2026 示例公司 版权所有"

demo: $(STAMP)
	@echo "icp-footer demo: the Flask example on http://127.0.0.1:8000/ (Ctrl-C stops it)."
	@echo 'The FastAPI example: cd examples/fastapi_app && $(DEMO_ENV) ../../$(BIN)/uvicorn app:app --host 127.0.0.1 --port 8001'
	@echo "The injector alone on a sample page: $(BIN)/python examples/inject_sample.py"
	cd examples/flask_app && $(DEMO_ENV) ../../$(BIN)/gunicorn --bind 127.0.0.1:8000 --workers 2 app:app

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

screenshots: $(STAMP)
	ICP_FOOTER_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_browser.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_injector
	$(BIN)/python -m benchmarks.bench_middleware

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
