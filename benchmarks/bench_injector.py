"""Benchmark icp-footer's streaming ``Injector`` against tools doing the same job.

The job: put a snippet just before ``</body>`` (icp-footer, by design, prefers the site
``<footer>``). Anchors:

* ``naive``: buffer every chunk, ``b"".join``, ``buf.lower().rfind(b"</body>")``, insert;
  leaves the document unchanged when there is no ``</body>`` (like nginx ``sub_filter``).
* ``lol-html``: ``lolhtml.HTMLRewriter`` with ``on("body")`` and ``Element.append`` (streaming).
* ``selectolax``: buffer, parse with lexbor, append the snippet's nodes to ``<body>``,
  serialise ``.html``.
* ``bs4``: buffer, ``BeautifulSoup(..., "html.parser")``, append to ``<body>``, ``str(soup)``.

Run ``python -m benchmarks.bench_injector`` from the repository root (``make bench``).
``--quick`` uses small documents, ``--json PATH`` writes every figure, ``--profile`` adds a
cProfile of icp-footer. Figures are informative only: nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import cProfile
import enum
import gc
import importlib
import io
import json
import logging
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import lolhtml
import selectolax
from bs4 import BeautifulSoup
from selectolax.lexbor import LexborHTMLParser

from benchmarks import documents
from icp_footer import _scan

logging.getLogger("bs4").setLevel(logging.ERROR)  # UnicodeDammit's "could not be decoded" notes

Sink = Callable[[bytes], object]
"""Where a tool writes its output chunks."""

Runner = Callable[[Iterable[bytes], bytes, Sink, Any], None]
"""``runner(chunks, snippet, sink, already_shown)``: stream ``chunks`` through one tool."""

MB = 1_000_000
CHUNKINGS: dict[str, int | None] = {"whole": None, "64K": 64 * 1024, "4K": 4 * 1024}
MEMORY_CHUNK = 64 * 1024
ICP = "icp-footer"
ICP_PURE = "icp-footer (pure Python)"
"""icp-footer with its pure-Python scanner; ``icp-footer`` is the one in use (compiled)."""
ANCHORS = (ICP_PURE, "naive", "lol-html", "selectolax", "bs4")
TOOLS = (ICP, *ANCHORS)
BUFFERING = frozenset({"naive", "selectolax", "bs4"})
"""Anchors that buffer the whole document, so chunking only changes one ``b"".join``."""

SLOW_SECONDS = 8.0
"""A buffering anchor whose single run takes longer is run once only (in the RSS subprocess)."""

BENCH_SNIPPET = (
    '<div class="icp-footer" style="text-align:center">'
    '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener">京ICP备12345678号-1</a>'
    "</div>"
).encode()


class _Result(Protocol):
    placement: object
    offset: int | None
    inserted: bool
    reason: str


class _Injector(Protocol):
    result: _Result

    def feed(self, chunk: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


def _load_injector() -> Callable[..., _Injector]:
    """Import ``icp_footer.injector.Injector`` or exit with a clear message."""
    try:
        module = importlib.import_module("icp_footer.injector")
    except ImportError as exc:
        sys.exit(f"bench_injector: cannot import icp_footer.injector ({exc}); nothing to benchmark")
    factory: Callable[..., _Injector] = module.Injector
    return factory


_INJECTOR = _load_injector()


# --------------------------------------------------------------------------------------------
# Tools


def run_icp(chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()) -> None:
    """Stream ``chunks`` through icp-footer's ``Injector``."""
    inj = _INJECTOR(snippet, already_shown=already_shown)
    feed = inj.feed
    for chunk in chunks:
        sink(feed(chunk))
    sink(inj.finish())


def run_icp_pure(
    chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()
) -> None:
    """:func:`run_icp` with the pure-Python scanner, whichever one is in use."""
    compiled, _scan.TagScanner = _scan.TagScanner, _scan.PyTagScanner
    try:
        inj = _INJECTOR(snippet, already_shown=already_shown)
    finally:
        _scan.TagScanner = compiled
    feed = inj.feed
    for chunk in chunks:
        sink(feed(chunk))
    sink(inj.finish())


def run_naive(chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()) -> None:
    """Buffer, find the last ``</body>`` case-insensitively, insert before it."""
    buf = b"".join(chunks)
    i = buf.lower().rfind(b"</body>")
    sink(buf if i < 0 else buf[:i] + snippet + buf[i:])


class _LolBodyHandler:
    """lol-html element handler appending the snippet as the last child of ``<body>``."""

    def __init__(self, snippet: str) -> None:
        self.snippet = snippet

    def element(self, e: Any) -> None:
        """Append the snippet to the matched ``<body>`` element."""
        e.append(self.snippet, lolhtml.ContentType.HTML)


def run_lolhtml(
    chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()
) -> None:
    """Stream ``chunks`` through lol-html, appending the snippet to ``<body>``."""
    rw = lolhtml.HTMLRewriter(cast(Any, sink))
    rw.on("body", _LolBodyHandler(snippet.decode("utf-8")))
    write = rw.write
    for chunk in chunks:
        write(chunk)
    rw.end()


def run_selectolax(
    chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()
) -> None:
    """Buffer, parse with lexbor, append the snippet's nodes to ``<body>``, serialise."""
    tree = LexborHTMLParser(b"".join(chunks))
    body = tree.body
    if body is None:  # a frameset document
        sink(tree.html.encode() if tree.html is not None else b"")
        return
    fragment = LexborHTMLParser(snippet, is_fragment=True, fragment_tag="body")
    if fragment.root is not None:
        for node in fragment.root.iter(include_text=True):
            body.insert_child(node)
    html = tree.html
    sink(html.encode("utf-8") if html is not None else b"")


def run_bs4(chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()) -> None:
    """Buffer, parse with BeautifulSoup's ``html.parser``, append to ``<body>``, ``str(soup)``."""
    buf = b"".join(chunks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(buf, "html.parser", from_encoding="utf-8")
        if soup.body is None:  # html.parser does not synthesise <body>
            sink(buf)
            return
        fragment = BeautifulSoup(snippet, "html.parser", from_encoding="utf-8")
        for child in list(fragment.contents):
            soup.body.append(child.extract())
    sink(str(soup).encode("utf-8"))


def run_null(chunks: Iterable[bytes], snippet: bytes, sink: Sink, already_shown: Any = ()) -> None:
    """Consume the chunks and do nothing: the memory baseline."""
    for chunk in chunks:
        sink(chunk)


RUNNERS: dict[str, Runner] = {
    ICP: run_icp,
    ICP_PURE: run_icp_pure,
    "naive": run_naive,
    "lol-html": run_lolhtml,
    "selectolax": run_selectolax,
    "bs4": run_bs4,
}
BASELINE = "(chunks only)"


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class Config:
    """Sizes and time budgets of one benchmark run."""

    quick: bool
    portal_size: int
    big_size: int
    cell_seconds: float
    max_runs_small: int
    max_runs_big: int

    def documents(self) -> dict[str, bytes]:
        """Generate the benchmark documents."""
        return {
            "home_20k": documents.home_20k(),
            "portal": documents.portal(self.portal_size),
            "big_markup": documents.big_markup(self.big_size),
            "big_data": documents.big_data(self.big_size),
        }


FULL = Config(False, 250_000, 20_000_000, 1.0, 25, 5)
QUICK = Config(True, 100_000, 300_000, 0.08, 3, 2)
BIG_DOCS = ("big_markup", "big_data")


def _split(doc: bytes, size: int | None) -> list[bytes]:
    """Split ``doc`` into chunks of ``size`` bytes (``None``: one chunk)."""
    if size is None:
        return [doc]
    return [doc[i : i + size] for i in range(0, len(doc), size)] or [b""]


def _lazy_chunks(doc: bytes, size: int) -> Iterator[bytes]:
    """Yield ``doc`` in ``size``-byte chunks, each made only when asked for."""
    view = memoryview(doc)
    for i in range(0, len(doc), size):
        yield view[i : i + size].tobytes()


def _discard(_: bytes) -> None:
    """Sink that drops output as it streams."""


# --------------------------------------------------------------------------------------------
# Throughput


@dataclass
class Cell:
    """Throughput of one tool on one document and chunking."""

    mb_s: float | None
    best_s: float | None
    runs: int
    note: str = ""


def _time_once(runner: Runner, chunks: list[bytes]) -> tuple[float, list[bytes]]:
    """Run ``runner`` once over pre-split ``chunks``; return seconds and the output parts."""
    out: list[bytes] = []
    t0 = time.perf_counter()
    runner(chunks, BENCH_SNIPPET, out.append, ())
    return time.perf_counter() - t0, out


def measure_cell(
    runner: Runner, doc: bytes, chunk_size: int | None, *, budget: float, max_runs: int
) -> tuple[Cell, bytes]:
    """Best-of-N throughput of ``runner``; N fits ``budget`` seconds. Also returns the output."""
    chunks = _split(doc, chunk_size)
    gc.collect()
    first, out = _time_once(runner, chunks)
    output = b"".join(out)
    del out
    best = first
    runs = 1
    target = min(max_runs, max(1, int(budget / max(first, 1e-9))))
    while runs < target:
        t, _ = _time_once(runner, chunks)
        best = min(best, t)
        runs += 1
    return Cell(len(doc) / best / MB, best, runs), output


def paired_ratio(doc: bytes, chunk_size: int | None, *, budget: float, max_runs: int) -> float:
    """icp-footer's throughput over lol-html's, from runs that take turns.

    On a shared machine the speed drifts over seconds; best-of-N cells measured one after the
    other can catch the two tools in different moments. Alternating runs, and taking each
    tool's best, compares them under the same conditions: the figure the targets use.
    """
    chunks = _split(doc, chunk_size)
    gc.collect()
    first_icp, _ = _time_once(run_icp, chunks)
    first_lol, _ = _time_once(run_lolhtml, chunks)
    best_icp, best_lol = first_icp, first_lol
    pairs = min(max_runs, max(1, int(budget / max(first_icp + first_lol, 1e-9))))
    for _ in range(pairs):
        best_icp = min(best_icp, _time_once(run_icp, chunks)[0])
        best_lol = min(best_lol, _time_once(run_lolhtml, chunks)[0])
    return best_lol / best_icp


# --------------------------------------------------------------------------------------------
# Memory


def tracemalloc_peak(runner: Runner, doc: bytes) -> int:
    """Peak bytes traced while streaming ``doc`` in 64 KiB lazy chunks, output discarded."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        runner(_lazy_chunks(doc, MEMORY_CHUNK), BENCH_SNIPPET, _discard, ())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def _max_rss_kib() -> int:
    """This process's peak resident set size in KiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def rss_worker(tool: str, path: str) -> None:
    """Subprocess entry: stream the file at ``path`` through ``tool``; print RSS delta as JSON.

    The document is read from disk in 64 KiB chunks, so it never sits in memory as a whole and
    the delta is the tool's own buffering (including native allocations, e.g. lol-html's Rust
    heap and lexbor's tree).
    """
    runner = run_null if tool == BASELINE else RUNNERS[tool]
    warm = documents.home_20k()
    runner(_split(warm, MEMORY_CHUNK), BENCH_SNIPPET, _discard, ())  # lazy init off the books
    del warm
    gc.collect()
    before = _max_rss_kib()

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            while chunk := f.read(MEMORY_CHUNK):
                yield chunk

    t0 = time.perf_counter()
    runner(chunks(), BENCH_SNIPPET, _discard, ())
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {"delta_kib": _max_rss_kib() - before, "baseline_kib": before, "seconds": seconds}
        )
    )


_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"
"""Starts the worker from a small interpreter: on Linux ``ru_maxrss`` survives ``exec``, so a
child exec'd straight from this (large) process would start with our peak as its own."""


def measure_rss(tool: str, path: Path) -> dict[str, Any]:
    """Run :func:`rss_worker` for ``tool`` in a fresh interpreter and return its figures."""
    root = Path(__file__).resolve().parents[1]
    worker = [sys.executable, "-m", "benchmarks.bench_injector", "--rss-worker", tool, str(path)]
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *worker],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


# --------------------------------------------------------------------------------------------
# Correctness


def _expected(case: Any, snippet: bytes) -> bytes:
    """The output a case asks for."""
    doc: bytes = case.document
    if case.offset is None or case.placement == "none":
        return doc
    off: int = case.offset
    closer: bytes = case.closer
    return doc[:off] + closer + snippet + doc[off:]


def check_correctness() -> dict[str, Any]:
    """Count, per tool, the adversarial cases whose output is exactly the expected one."""
    try:
        cases_mod = importlib.import_module("tests.injector_cases")
    except ImportError as exc:
        msg = f"tests/injector_cases.py not importable ({exc}); correctness table skipped"
        return {"error": msg}
    cases: list[Any] = list(cases_mod.CASES)
    snippet: bytes = cases_mod.SNIPPET
    report: dict[str, Any] = {}
    for tool, runner in {**RUNNERS, f"{ICP} (1-byte chunks)": run_icp}.items():
        ok = 0
        failed: list[str] = []
        errors: dict[str, str] = {}
        for case in cases:
            doc: bytes = case.document
            shown = case.already_shown if tool.startswith(ICP) else ()
            chunks = _split(doc, 1) if tool.endswith("(1-byte chunks)") else [doc]
            out: list[bytes] = []
            try:
                runner(chunks, snippet, out.append, shown)
            except Exception as exc:
                errors[case.name] = f"{type(exc).__name__}: {exc}"[:200]
                failed.append(case.name)
                continue
            if b"".join(out) == _expected(case, snippet):
                ok += 1
            else:
                failed.append(case.name)
        report[tool] = {"correct": ok, "total": len(cases), "failed": failed, "errors": errors}
    return report


def lolhtml_without_body_end(doc: bytes) -> dict[str, Any]:
    """What lol-html and icp-footer do with a page whose ``</body>`` never comes."""
    truncated = documents.without_body_end(doc)
    out: list[bytes] = []
    run_lolhtml([truncated], BENCH_SNIPPET, out.append)
    lol = b"".join(out)
    inj = _INJECTOR(BENCH_SNIPPET)
    icp = inj.feed(truncated) + inj.finish()
    return {
        "lol-html_inserted": BENCH_SNIPPET in lol,
        "lol-html_output_equals_input": lol == truncated,
        "icp-footer_inserted": BENCH_SNIPPET in icp,
        "icp-footer_placement": _plain(inj.result.placement),
        "icp-footer_reason": inj.result.reason,
    }


# --------------------------------------------------------------------------------------------
# Profile


def profile(docs: dict[str, bytes]) -> str:
    """cProfile of icp-footer on the portal and the big markup page; top 15 by tottime."""
    buf = io.StringIO()
    for name in ("portal", "big_markup"):
        chunks = _split(docs[name], 64 * 1024)
        prof = cProfile.Profile()
        prof.enable()
        run_icp(chunks, BENCH_SNIPPET, _discard)
        prof.disable()
        buf.write(f"\n--- cProfile: {ICP} on {name} ({len(docs[name]):,} bytes, 64K chunks)\n")
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Report


def _fmt_rate(cell: Cell | None) -> str:
    if cell is None or cell.mb_s is None:
        return "skipped"
    return f"{cell.mb_s:,.1f}"


def _fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def _ratio(icp: Cell, anchor: Cell) -> float | None:
    if icp.mb_s is None or anchor.mb_s is None:
        return None
    return icp.mb_s / anchor.mb_s


def _plain(value: object) -> object:
    """An enum's value, anything else unchanged (for printing and JSON)."""
    return value.value if isinstance(value, enum.Enum) else value


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(config: Config, *, want_profile: bool) -> dict[str, Any]:
    """Run every section, print the report, and return all figures."""
    t_start = time.perf_counter()
    docs = config.documents()
    p = print
    p(f"icp-footer injector benchmark ({'quick' if config.quick else 'full'})")
    p(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"selectolax {selectolax.__version__}; MB = 10^6 bytes; best of N runs (time.perf_counter)"
    )
    p("documents: " + ", ".join(f"{k} {len(v):,} B" for k, v in docs.items()))
    results: dict[str, Any] = {
        "meta": {
            "quick": config.quick,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "mb": MB,
            "snippet_bytes": len(BENCH_SNIPPET),
        },
        "documents": {k: {"bytes": len(v)} for k, v in docs.items()},
    }

    # RSS first: it also gives a single-run time for each tool on the big documents, so a
    # buffering anchor too slow to repeat (bs4 on dense markup) runs only once.
    for runner in RUNNERS.values():  # warm up: lazy imports, regex compilation, caches
        _time_once(runner, [docs["home_20k"]])

    rss: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="icp-bench-") as tmp:
        for name in BIG_DOCS:
            path = Path(tmp) / f"{name}.html"
            path.write_bytes(docs[name])
            rss[name] = {}
            for tool in (BASELINE, *TOOLS):
                _log(f"  rss: {tool} on {name}")
                rss[name][tool] = measure_rss(tool, path)

    throughput: dict[str, dict[str, dict[str, Cell]]] = {}
    placements: dict[str, Any] = {}
    for name, doc in docs.items():
        big = name in BIG_DOCS
        max_runs = config.max_runs_big if big else config.max_runs_small
        throughput[name] = {ch: {} for ch in CHUNKINGS}
        icp_outputs: dict[str, bytes] = {}
        for tool in TOOLS:
            probe = rss.get(name, {}).get(tool, {}).get("seconds")
            too_slow = tool in BUFFERING and probe is not None and probe > SLOW_SECONDS
            for ch, size in CHUNKINGS.items():
                _log(f"  throughput: {tool} on {name} ({ch})")
                if too_slow:
                    if ch == "64K":
                        cell = Cell(
                            len(doc) / probe / MB, probe, 1, "single run, in the RSS subprocess"
                        )
                    else:
                        cell = Cell(
                            None,
                            None,
                            0,
                            f"skipped: one run takes {probe:.0f} s and "
                            "this tool buffers the whole document anyway",
                        )
                    throughput[name][ch][tool] = cell
                    continue
                cell, output = measure_cell(
                    RUNNERS[tool], doc, size, budget=config.cell_seconds, max_runs=max_runs
                )
                throughput[name][ch][tool] = cell
                if tool == ICP:
                    icp_outputs[ch] = output
        inj = _INJECTOR(BENCH_SNIPPET)
        inj.feed(doc)
        inj.finish()
        placements[name] = {
            "placement": _plain(inj.result.placement),
            "offset": inj.result.offset,
            "inserted": inj.result.inserted,
            "same_output_for_all_chunkings": len(set(icp_outputs.values())) == 1,
        }

    p(
        "\n== Throughput (MB/s, higher is better); ratio = icp-footer / anchor, >1 = icp-footer "
        "faster"
    )
    ratios: dict[str, dict[str, dict[str, float | None]]] = {}
    for name, doc in docs.items():
        pl = placements[name]
        p(
            f"\n{name} ({len(doc):,} bytes) - icp-footer placed the snippet: {pl['placement']} "
            f"@ {pl['offset']}; identical output across chunkings: "
            f"{pl['same_output_for_all_chunkings']}"
        )
        p(
            f"  {'tool':<26}"
            + "".join(f"{ch + ' MB/s':>14}" for ch in CHUNKINGS)
            + "".join(f"{'ratio ' + ch:>13}" for ch in CHUNKINGS)
            + "   runs"
        )
        ratios[name] = {ch: {} for ch in CHUNKINGS}
        for tool in TOOLS:
            cells = [throughput[name][ch][tool] for ch in CHUNKINGS]
            rs: list[float | None] = []
            for ch in CHUNKINGS:
                r = (
                    None
                    if tool == ICP
                    else _ratio(throughput[name][ch][ICP], throughput[name][ch][tool])
                )
                rs.append(r)
                if tool != ICP:
                    ratios[name][ch][tool] = r
            ratio_txt = "".join(f"{'' if tool == ICP else _fmt_ratio(r):>13}" for r in rs)
            notes = {c.note for c in cells if c.note}
            p(
                f"  {tool:<26}"
                + "".join(f"{_fmt_rate(c):>14}" for c in cells)
                + ratio_txt
                + f"   {'/'.join(str(c.runs) for c in cells)}"
                + (f"   ({'; '.join(sorted(notes))})" if notes else "")
            )

    p("\n== icp-footer / lol-html, runs taking turns (the targets' figure; >1 = icp-footer faster)")
    paired: dict[str, dict[str, float]] = {}
    for name, doc in docs.items():
        big = name in BIG_DOCS
        paired[name] = {
            ch: paired_ratio(
                doc,
                size,
                budget=2 * config.cell_seconds,
                max_runs=config.max_runs_big if big else config.max_runs_small,
            )
            for ch, size in CHUNKINGS.items()
        }
        p(f"  {name:<12}" + "".join(f"{ch:>8} {r:.2f}x" for ch, r in paired[name].items()))

    # tracemalloc
    p(
        "\n== Peak extra memory, tracemalloc (Python heap only), streaming in 64 KiB chunks, "
        "output discarded"
    )
    p(
        "   lol-html's Rust heap and lexbor's C tree (selectolax) are invisible to tracemalloc; "
        "see RSS below."
    )
    tm: dict[str, dict[str, Any]] = {}
    for name, doc in docs.items():
        tm[name] = {}
        for tool in (BASELINE, *TOOLS):
            if tool in BUFFERING and throughput[name]["whole"][tool].mb_s is None:
                tm[name][tool] = {"peak_bytes": None, "note": "skipped (too slow); see RSS"}
                continue
            _log(f"  tracemalloc: {tool} on {name}")
            runner = run_null if tool == BASELINE else RUNNERS[tool]
            tm[name][tool] = {"peak_bytes": tracemalloc_peak(runner, doc)}
    p(f"  {'tool':<26}" + "".join(f"{n:>14}" for n in docs))
    for tool in (BASELINE, *TOOLS):
        row = []
        for name in docs:
            peak = tm[name][tool]["peak_bytes"]
            row.append("skipped" if peak is None else f"{peak / 1024:,.0f} KiB")
        invisible = " (native heap not seen)" if tool in ("lol-html", "selectolax") else ""
        p(f"  {tool:<26}" + "".join(f"{c:>14}" for c in row) + invisible)

    p(
        "\n== Peak RSS delta (getrusage max RSS, fresh subprocess per tool, document read from "
        "disk in 64 KiB chunks)"
    )
    p(f"  {'tool':<26}" + "".join(f"{n:>16}" for n in BIG_DOCS))
    for tool in (BASELINE, *TOOLS):
        row = []
        for name in BIG_DOCS:
            fig = rss[name][tool]
            row.append(f"{fig['delta_kib'] / 1024:,.1f} MiB" if "delta_kib" in fig else "error")
        p(f"  {tool:<26}" + "".join(f"{c:>16}" for c in row))
    base = [rss[n][BASELINE].get("baseline_kib") for n in BIG_DOCS]
    p(
        f"  (deltas over each worker's peak after imports and a warm-up run, about "
        f"{max((b for b in base if b is not None), default=0) / 1024:.0f} MiB; 0.0 means the tool "
        "never grew the process past it)"
    )
    for name in BIG_DOCS:
        for tool in (BASELINE, *TOOLS):
            if "error" in rss[name][tool]:
                p(f"  {tool} on {name}: {rss[name][tool]['error']}")

    # lol-html without </body>
    nobody = lolhtml_without_body_end(docs["home_20k"])
    p("\n== A page whose </body> never comes (home_20k cut before </body>)")
    p(
        f"  lol-html: snippet inserted: {nobody['lol-html_inserted']}; output == input: "
        f"{nobody['lol-html_output_equals_input']} (lol-html appends at the element's end tag, "
        "so it silently drops the append when </body> is missing)"
    )
    p(
        f"  icp-footer: snippet inserted: {nobody['icp-footer_inserted']}; placement "
        f"{nobody['icp-footer_placement']!r}; reason {nobody['icp-footer_reason']!r}"
    )

    # correctness
    _log("  correctness")
    correctness = check_correctness()
    p(
        "\n== Correctness on tests/injector_cases.py (exact expected bytes; anchors ignore "
        "already_shown)"
    )
    if "error" in correctness:
        p(f"  {correctness['error']}")
    else:
        for tool, fig in correctness.items():
            line = f"  {tool:<28} {fig['correct']}/{fig['total']} correct"
            if tool.startswith(ICP) and fig["failed"]:
                line += "; failed: " + ", ".join(fig["failed"][:20])
            p(line)
            if tool.startswith(ICP):
                for case_name, err in list(fig["errors"].items())[:5]:
                    p(f"      {case_name}: {err}")

    prof_text = None
    if want_profile:
        _log("  profile")
        prof_text = profile(docs)
        p("\n== Profile" + prof_text)

    elapsed = time.perf_counter() - t_start
    p(f"\n(total {elapsed:.0f} s)")
    results.update(
        {
            "throughput": {
                name: {
                    ch: {tool: vars(c) for tool, c in cells.items()} for ch, cells in per.items()
                }
                for name, per in throughput.items()
            },
            "ratios": ratios,
            "paired_lolhtml_ratios": paired,
            "placements": placements,
            "memory": {"tracemalloc_peak": tm, "rss": rss},
            "without_body_end": nobody,
            "correctness": correctness,
            "profile": prof_text,
            "elapsed_s": elapsed,
        }
    )
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_injector",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="small documents, few runs (smoke test)")
    ap.add_argument("--json", metavar="PATH", type=Path, help="write every figure to PATH")
    ap.add_argument("--profile", action="store_true", help="cProfile icp-footer (top 15 tottime)")
    ap.add_argument("--rss-worker", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_worker:
        rss_worker(*args.rss_worker)
        return 0
    results = run(QUICK if args.quick else FULL, want_profile=args.profile)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
