"""Smoke test: the benchmark harness runs end to end in ``--quick`` mode.

No timing assertions: only that it exits cleanly and reports a figure for every tool.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
TOOLS = ("icp-footer", "icp-footer (pure Python)", "naive", "lol-html", "selectolax", "bs4")
CHUNKINGS = ("whole", "64K", "4K")


def test_bench_injector_quick(tmp_path: Path) -> None:
    """``python -m benchmarks.bench_injector --quick --json`` exits 0 with complete figures."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_injector", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(out.read_text(encoding="utf-8"))

    throughput = results["throughput"]
    assert set(throughput) == {"home_20k", "portal", "big_markup", "big_data"}
    for doc, per_chunking in throughput.items():
        assert set(per_chunking) == set(CHUNKINGS), doc
        for chunking, cells in per_chunking.items():
            for tool in TOOLS:
                cell = cells[tool]
                assert isinstance(cell["mb_s"], float), (doc, chunking, tool)
                assert cell["runs"] >= 1, (doc, chunking, tool)

    correctness = results["correctness"]
    assert "error" not in correctness, correctness.get("error")
    for tool in TOOLS:
        fig = correctness[tool]
        assert isinstance(fig["correct"], int), tool
        assert fig["total"] > 0, tool
        assert 0 <= fig["correct"] <= fig["total"], tool

    for doc in ("big_markup", "big_data"):
        for tool in TOOLS:
            assert "delta_kib" in results["memory"]["rss"][doc][tool], (doc, tool)


def test_plot_throughput_quick(tmp_path: Path) -> None:
    """``python -m benchmarks.plot_throughput --quick`` writes a PNG with every tool's line."""
    out = tmp_path / "throughput.png"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.plot_throughput", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    for tool in ("icp-footer", "icp-footer (pure Python)", "lol-html", "naive"):
        assert tool in proc.stdout


def test_bench_domains_tiny(tmp_path: Path) -> None:
    """``python -m benchmarks.bench_domains --quick --size 200`` reports every figure."""
    out = tmp_path / "domains.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_domains",
            "--quick",
            "--size",
            "200",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["meta"]["size"] == 200
    assert results["file_bytes"] > 200 * 20
    assert results["build"]["seconds"] > 0
    assert list(results["reload"]) == ["reload, every entry changed", "reload, one entry changed"]
    for reload in results["reload"].values():
        assert reload["seconds"] > 0
    for table in ("big", "small"):
        memory = results["memory"][table]
        assert 0 < memory["retained_bytes"] <= memory["peak_bytes"], table
    assert results["memory"]["big"]["retained_bytes"] > results["memory"]["small"]["retained_bytes"]
    lookups = results["lookup_ns"]
    assert list(lookups) == [
        "10 entries, ICP_FOOTER_DOMAINS",
        "10 entries, file",
        "200 entries, file",
    ]
    for cells in lookups.values():
        assert set(cells) == {"hit", "sub-domain hit", "miss"}
        assert all(isinstance(ns, float) and ns > 0 for ns in cells.values())
    assert set(results["ratio_big_to_small"]) == {"hit", "sub-domain hit", "miss"}
    assert "ratio 200 entries, file / 10 entries, file" in proc.stdout
