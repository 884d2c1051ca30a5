# Every target builds the project virtualenv first, so each works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench sanitize screenshots catalogue clean

# The editable install compiles the C scanner (src/icp_footer/_speedups.c) in place.
$(STAMP): pyproject.toml setup.py src/icp_footer/_speedups.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -c "import icp_footer._scan as s; assert s.COMPILED, 'the C scanner did not build'"
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
	$(BIN)/python tools/catalogue.py --check

# The Chinese message catalogue: extract every _() message, merge into the .po, compile the .mo.
catalogue: $(STAMP)
	$(BIN)/python tools/catalogue.py

# The C scanner built with AddressSanitizer and UBSan, run over the differential tests and the
# adversarial table; any report fails the run. Twice: with its SSE2 searches, and with the
# 64-bit-word ones that machines without SSE2 use (ICP_FOOTER_NO_SIMD).
SANITIZE_DIR := build/sanitize
sanitize: $(STAMP)
	for variant in "" -DICP_FOOTER_NO_SIMD; do \
	rm -rf $(SANITIZE_DIR) && mkdir -p $(SANITIZE_DIR)/icp_footer && \
	gcc -std=c99 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer $$variant \
		-fsanitize=address,undefined -fno-sanitize-recover=all -fPIC -shared \
		-I"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
		src/icp_footer/_speedups.c -o $(SANITIZE_DIR)/icp_footer/_speedups.abi3.so && \
	cp src/icp_footer/*.py src/icp_footer/py.typed src/icp_footer/psb-badge.svg $(SANITIZE_DIR)/icp_footer/ && \
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		PYTHONPATH=$(SANITIZE_DIR) ICP_FOOTER_SANITIZE=1 \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_scan.py tests/test_injector_dom.py \
		-k "compiled or switch" || exit 1; \
	done

screenshots: $(STAMP)
	ICP_FOOTER_SCREENSHOTS=docs $(BIN)/python -m pytest -q tests/test_browser.py tests/test_visual.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_injector
	$(BIN)/python -m benchmarks.bench_middleware
	$(BIN)/python -m benchmarks.bench_domains
	$(BIN)/python -m benchmarks.plot_throughput

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache src/icp_footer/*.so
