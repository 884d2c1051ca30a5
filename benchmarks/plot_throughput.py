"""Plot throughput by page size: icp-footer (both scanners), lol-html and the naive ``rfind``.

Portal-style pages (markup, a site footer, then inline script) from 20 KB to 4 MB, each streamed
in 64 KB chunks, best of several runs; the figure goes to ``docs/throughput.png`` (``--out``
elsewhere, ``--quick`` for three small sizes). Run ``python -m benchmarks.plot_throughput`` from
the repository root; ``make bench`` does. Figures are informative only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen: render straight to the PNG
import matplotlib.pyplot as plt

from benchmarks import documents
from benchmarks.bench_injector import (
    BENCH_SNIPPET,
    ICP,
    ICP_PURE,
    RUNNERS,
    Runner,
    _discard,
    _split,
)

TOOLS = (ICP, ICP_PURE, "lol-html", "naive")
SIZES = (20_000, 60_000, 240_000, 1_000_000, 4_000_000)
QUICK_SIZES = (20_000, 60_000, 240_000)
CHUNK = 64 * 1024


def throughput(runner: Runner, chunks: list[bytes], budget: float) -> float:
    """MB/s, best run within about ``budget`` seconds (at least two runs)."""
    size = sum(map(len, chunks))
    best, spent, runs = float("inf"), 0.0, 0
    while runs < 2 or spent < budget:
        started = time.perf_counter()
        runner(chunks, BENCH_SNIPPET, _discard, ())
        took = time.perf_counter() - started
        best, spent, runs = min(best, took), spent + took, runs + 1
    return size / best / 1e6


def measure(sizes: Iterable[int], budget: float) -> dict[str, list[tuple[int, float]]]:
    figures: dict[str, list[tuple[int, float]]] = {tool: [] for tool in TOOLS}
    for size in sizes:
        chunks = _split(documents.portal(size), CHUNK)
        actual = sum(map(len, chunks))
        for tool in TOOLS:
            figures[tool].append((actual, throughput(RUNNERS[tool], chunks, budget)))
    return figures


def plot(figures: dict[str, list[tuple[int, float]]], out: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for tool, points in figures.items():
        xs, ys = zip(*points, strict=True)
        label = f"{tool} (compiled scanner)" if tool == ICP else tool
        ax.plot([x / 1000 for x in xs], ys, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("portal page size (KB), 64 KB chunks")
    ax.set_ylabel("MB/s (higher is better)")
    ax.set_title("Throughput by page size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("docs/throughput.png"))
    parser.add_argument("--quick", action="store_true", help="three small sizes, short runs")
    args = parser.parse_args(argv)
    figures = measure(QUICK_SIZES if args.quick else SIZES, 0.05 if args.quick else 1.0)
    for tool, points in figures.items():
        print(
            f"{tool:<26}" + "".join(f"{size / 1000:>9.0f} KB {rate:8.1f}" for size, rate in points)
        )
    plot(figures, args.out)
    print(f"plot: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
