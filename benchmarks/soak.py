"""Soak test: the example sites under real servers, a steady mixed load, errors and memory.

For each server (the Flask example under gunicorn with 2 ``sync`` workers and with 1 ``gthread``
worker, the FastAPI example under uvicorn with 1 worker), the real server is started on a free
port of 127.0.0.1 with the sample number (``ICP_FOOTER_NUMBER``, ``ICP_FOOTER_PSB``,
``ICP_FOOTER_PATHS``), warmed up, then loaded for ``--seconds`` by a bounded Python client:
8 keep-alive ``http.client`` connections (one thread each), only to 127.0.0.1, cycling through a
fixed mix (``/`` 40%, ``/about``, ``/api/status``, ``/static/site.css``, a 404, ``HEAD /``).

Reported per server:

- requests, requests/s and errors (connection errors, unexpected status codes);
- violations: home pages where ``京ICP备12345678号-1`` (its UTF-8 bytes) does not appear
  exactly once (zero times for the bare app), and other responses that contain it;
- the RSS of the server's process tree (master and workers, ``VmRSS`` from ``/proc``) sampled
  every second: at the start (after the warm-up), at the end, the growth (MiB and per 10k
  requests), and a verdict, ``flat`` when the growth is under 5 MiB and the mean of the last
  third of the samples is within 1 MiB of the middle third's.

``--compare`` runs each server a second time with the bare app (``ICP_FOOTER_EXAMPLE_BARE=1``).
Servers are always stopped (SIGTERM, then SIGKILL of the whole process group). The exit code is
0 only when every run had zero errors and zero violations; RSS figures are reported, never
asserted. Run ``python -m benchmarks.soak [--seconds 60] [--json PATH]`` from the repository
root; it is not part of ``make test``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks.bench_middleware import Server

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

NUMBER = "京ICP备12345678号-1"
NUMBER_BYTES = NUMBER.encode("utf-8")
PSB = "京公网安备 11010502030143号"
PATHS = "/,/index.html,/index.htm"

CONNECTIONS = 8
REQUEST_TIMEOUT = 10.0
MAX_RPS = 50_000
"""Bound on the request count: ``MAX_RPS`` per second of load, whatever the machine does."""
SAMPLE_INTERVAL = 1.0
FLAT_GROWTH_MIB = 5.0
TREND_MIB = 1.0
STOP_TIMEOUT = 10.0
MIB = 1024.0  # /proc reports kB (KiB)


@dataclass(frozen=True)
class Request:
    """One kind of request of the mix and the status it must get."""

    method: str
    path: str
    status: int
    weight: int

    @property
    def name(self) -> str:
        return self.path if self.method == "GET" else f"{self.method} {self.path}"

    @property
    def is_home(self) -> bool:
        return self.method == "GET" and self.path == "/"


MIX = (
    Request("GET", "/", 200, 8),
    Request("GET", "/about", 200, 3),
    Request("GET", "/api/status", 200, 3),
    Request("GET", "/static/site.css", 200, 2),
    Request("GET", "/no-such-page", 404, 2),
    Request("HEAD", "/", 200, 2),
)


def request_cycle(seed: int = 0) -> list[Request]:
    """The mix as a shuffled cycle: each request appears ``weight`` times."""
    cycle = [r for r in MIX for _ in range(r.weight)]
    random.Random(seed).shuffle(cycle)
    return cycle


# --------------------------------------------------------------------------------------------
# Servers


@dataclass(frozen=True)
class ServerSpec:
    """How to start one example under one server."""

    name: str
    label: str
    cwd: Path
    command: Callable[[int], list[str]]


def _gunicorn(workers: int, worker_class: str, threads: int) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "--workers", str(workers),
            "--worker-class", worker_class, "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
            "--log-level", "warning", "app:app",
        ]  # fmt: skip

    return command


def _uvicorn(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--no-access-log", "--log-level", "warning",
        "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec(
            "flask-sync",
            "Flask, gunicorn 2 sync workers",
            EXAMPLES / "flask_app",
            _gunicorn(2, "sync", 1),
        ),
        ServerSpec(
            "flask-gthread",
            "Flask, gunicorn 1 gthread worker (4 threads)",
            EXAMPLES / "flask_app",
            _gunicorn(1, "gthread", 4),
        ),
        ServerSpec("fastapi", "FastAPI, uvicorn 1 worker", EXAMPLES / "fastapi_app", _uvicorn),
    )
}


def server_env(*, bare: bool) -> dict[str, str]:
    """The environment of a server: the sample number, and the bare switch if asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICP_FOOTER_")}
    env["ICP_FOOTER_NUMBER"] = NUMBER
    env["ICP_FOOTER_PSB"] = PSB
    env["ICP_FOOTER_PATHS"] = PATHS
    env["PYTHONUNBUFFERED"] = "1"
    if bare:
        env["ICP_FOOTER_EXAMPLE_BARE"] = "1"
    return env


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class ExampleServer(Server):
    """An example site under a real server, in its own process group (workers included)."""

    def __init__(self, spec: ServerSpec, *, bare: bool, log: Path) -> None:
        super().__init__(spec.name, "bare" if bare else "icp-footer", log)
        self.spec = spec
        self.bare = bare
        self.leftovers = False

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.spec.command(self.port),
                cwd=self.spec.cwd,
                env=server_env(bare=self.bare),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        """SIGTERM then SIGKILL (the base class); then SIGKILL any worker left behind."""
        try:
            super().stop()
        finally:
            proc = self.proc
            if proc is not None:
                deadline = time.monotonic() + STOP_TIMEOUT
                while _group_alive(proc.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if _group_alive(proc.pid):
                    self.leftovers = True
                    os.killpg(proc.pid, signal.SIGKILL)

    def output_tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])


@contextmanager
def running(spec: ServerSpec, *, bare: bool, log_dir: Path) -> Iterator[ExampleServer]:
    """Start the server (up to 3 tries if its free port was taken); yield it; always stop it."""
    variant = "bare" if bare else "icp-footer"
    server: ExampleServer | None = None
    try:
        for attempt in range(3):
            log = log_dir / f"{spec.name}-{variant}-{attempt}.log"
            server = ExampleServer(spec, bare=bare, log=log)
            server.start()
            try:
                server.wait_ready(timeout=30.0)
                break
            except RuntimeError:
                server.stop()
                in_use = "address already in use" in server.output_tail(20).lower()
                if not in_use or attempt == 2:
                    raise
        assert server is not None
        yield server
    finally:
        if server is not None:
            server.stop()


# --------------------------------------------------------------------------------------------
# Memory: the RSS of a process tree, from /proc


def _children(pid: int) -> list[int]:
    """The children of ``pid``: from ``/proc/<pid>/task/*/children``, else by scanning ppids."""
    task_dir = Path(f"/proc/{pid}/task")
    found: list[int] = []
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return found
    files = [t / "children" for t in tasks]
    if files and files[0].exists():
        for f in files:
            try:
                found.extend(int(c) for c in f.read_text().split())
            except (OSError, ValueError):
                continue
        return found
    for entry in Path("/proc").iterdir():  # kernels without CONFIG_PROC_CHILDREN
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that exist right now."""
    tree: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        if current in tree:
            continue
        tree.append(current)
        todo.extend(_children(current))
    return tree


def rss_kib(pid: int) -> int | None:
    """``VmRSS`` of ``pid`` in KiB, or None if it is gone (or has none)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def tree_rss_kib(pid: int) -> tuple[int | None, list[int]]:
    """The summed RSS of the tree of ``pid`` (KiB) and the pids counted."""
    total = 0
    counted: list[int] = []
    for p in process_tree(pid):
        rss = rss_kib(p)
        if rss is not None:
            total += rss
            counted.append(p)
    return (total if counted else None), counted


# --------------------------------------------------------------------------------------------
# Load


@dataclass
class ClientStats:
    """What one connection's thread saw."""

    requests: int = 0
    errors: int = 0
    home_pages: int = 0
    violations: int = 0
    leaks: int = 0
    by_request: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


class Load:
    """``CONNECTIONS`` keep-alive connections to 127.0.0.1:``port``, one thread each.

    Each thread cycles through the mix from its own offset until :meth:`stop` or until the
    request bound. Every response is checked: status, and the number's occurrences.
    """

    def __init__(self, port: int, *, expected_home: int, max_requests: int) -> None:
        self.port = port
        self.expected_home = expected_home
        self.per_thread = max(1, max_requests // CONNECTIONS)
        self.cycle = request_cycle()
        self.stats = [ClientStats() for _ in range(CONNECTIONS)]
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._worker, args=(i,), name=f"soak-{i}", daemon=True)
            for i in range(CONNECTIONS)
        ]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=REQUEST_TIMEOUT + 5)

    def requests(self) -> int:
        return sum(s.requests for s in self.stats)

    def _worker(self, index: int) -> None:
        stats = self.stats[index]
        cycle = self.cycle
        k = index * len(cycle) // CONNECTIONS
        conn: http.client.HTTPConnection | None = None
        headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "User-Agent": "soak"}
        try:
            while not self._stop.is_set() and stats.requests + stats.errors < self.per_thread:
                req = cycle[k % len(cycle)]
                k += 1
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(
                            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
                        )
                    conn.request(req.method, req.path, headers=headers)
                    resp = conn.getresponse()
                    body = resp.read()
                    will_close = resp.will_close
                except (OSError, http.client.HTTPException) as exc:
                    stats.error(f"{req.name}: {type(exc).__name__}: {exc}")
                    if conn is not None:
                        conn.close()
                        conn = None
                    self._stop.wait(0.05)  # a dead server must not make a busy loop
                    continue
                stats.requests += 1
                stats.by_request[req.name] = stats.by_request.get(req.name, 0) + 1
                if resp.status != req.status:
                    stats.error(f"{req.name}: status {resp.status}, expected {req.status}")
                count = body.count(NUMBER_BYTES)
                if req.is_home:
                    stats.home_pages += 1
                    if count != self.expected_home:
                        stats.violations += 1
                        if len(stats.error_samples) < 5:
                            stats.error_samples.append(f"/: number {count} times")
                elif count:
                    stats.leaks += 1
                    if len(stats.error_samples) < 5:
                        stats.error_samples.append(f"{req.name}: number {count} times")
                if will_close:
                    conn.close()
                    conn = None
        finally:
            if conn is not None:
                conn.close()


# --------------------------------------------------------------------------------------------
# One soak run


@dataclass
class Sample:
    """One RSS sample: seconds since the load started, RSS (MiB), processes, requests so far."""

    t: float
    rss_mib: float | None
    processes: int
    requests: int


@dataclass
class Memory:
    """RSS figures of the measured window (after the warm-up)."""

    start_mib: float | None = None
    end_mib: float | None = None
    growth_mib: float | None = None
    growth_per_10k_mib: float | None = None
    min_mib: float | None = None
    max_mib: float | None = None
    middle_third_mib: float | None = None
    last_third_mib: float | None = None
    trend_mib: float | None = None
    verdict: str = "n/a"
    processes: int = 0
    pids_seen: int = 0


@dataclass
class RunResult:
    """Everything one (server, variant) run measured."""

    server: str
    label: str
    variant: str
    command: str
    seconds: float = 0.0
    warmup_seconds: float = 0.0
    requests: int = 0
    """Requests completed in the measured window (after the warm-up)."""
    requests_total: int = 0
    """Requests completed in all, warm-up included (checked like the others)."""
    rps: float = 0.0
    errors: int = 0
    home_pages: int = 0
    violations: int = 0
    """Home pages without the number exactly once, plus other responses containing it."""
    home_violations: int = 0
    leaks: int = 0
    by_request: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    memory: Memory = field(default_factory=Memory)
    samples: list[Sample] = field(default_factory=list)
    stopped_cleanly: bool = True


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def summarise_memory(samples: list[Sample], requests: int, pids_seen: int) -> Memory:
    """Start/end/growth and the flat-or-growing verdict from the measured window's samples."""
    values = [s.rss_mib for s in samples if s.rss_mib is not None]
    mem = Memory(pids_seen=pids_seen)
    if not values:
        return mem
    mem.processes = samples[-1].processes
    mem.start_mib, mem.end_mib = values[0], values[-1]
    mem.growth_mib = values[-1] - values[0]
    mem.min_mib, mem.max_mib = min(values), max(values)
    if requests:
        mem.growth_per_10k_mib = mem.growth_mib / requests * 10_000
    n = len(values)
    if n >= 3:
        mem.middle_third_mib = _mean(values[n // 3 : 2 * n // 3])
        mem.last_third_mib = _mean(values[2 * n // 3 :])
        mem.trend_mib = mem.last_third_mib - mem.middle_third_mib
    rising = mem.trend_mib is not None and mem.trend_mib >= TREND_MIB
    mem.verdict = "flat" if mem.growth_mib < FLAT_GROWTH_MIB and not rising else "growing"
    return mem


def soak(
    spec: ServerSpec, *, bare: bool, seconds: float, warmup: float, log_dir: Path
) -> RunResult:
    """Start the server, warm it up, load it for ``seconds`` sampling RSS, stop it."""
    variant = "bare" if bare else "icp-footer"
    result = RunResult(
        spec.name,
        spec.label,
        variant,
        "",
        seconds=seconds,
        warmup_seconds=warmup,
    )
    server: ExampleServer | None = None
    load: Load | None = None
    try:
        with running(spec, bare=bare, log_dir=log_dir) as server:
            assert server.proc is not None
            pid = server.proc.pid
            argv = spec.command(server.port)
            result.command = " ".join([Path(argv[0]).name, *argv[1:]])
            load = Load(
                server.port,
                expected_home=0 if bare else 1,
                max_requests=int((seconds + warmup) * MAX_RPS),
            )
            pids: set[int] = set()
            samples: list[Sample] = []

            def sample(t: float) -> None:
                kib, counted = tree_rss_kib(pid)
                pids.update(counted)
                mib = None if kib is None else kib / MIB
                samples.append(Sample(round(t, 3), mib, len(counted), load.requests()))

            t0 = time.monotonic()
            load.start()
            try:
                sample(0.0)
                at_warmup = 0  # the sample at the end of the warm-up (whole seconds)
                end = warmup + seconds
                tick = 1
                while tick * SAMPLE_INTERVAL < end:
                    time.sleep(max(0.0, t0 + tick * SAMPLE_INTERVAL - time.monotonic()))
                    sample(time.monotonic() - t0)
                    if abs(tick * SAMPLE_INTERVAL - warmup) < 1e-9:
                        at_warmup = len(samples) - 1
                    tick += 1
                time.sleep(max(0.0, t0 + end - time.monotonic()))
                measured_requests_end = load.requests()
                t_end = time.monotonic()
            finally:
                load.stop()
            sample(time.monotonic() - t0)
            window = samples[at_warmup:]
            t_start = t0 + window[0].t
            result.requests = measured_requests_end - window[0].requests
            result.rps = result.requests / (t_end - t_start) if t_end > t_start else 0.0
            result.samples = samples
            result.memory = summarise_memory(window, result.requests, len(pids))
    except RuntimeError as exc:  # the server did not start
        result.errors += 1
        result.error_samples.append(f"server: {exc}")
    finally:
        if server is not None:
            result.stopped_cleanly = not server.leftovers
            if server.proc is not None and server.proc.returncode not in (0, -signal.SIGTERM):
                result.stopped_cleanly = False
        if load is not None:
            for s in load.stats:
                result.requests_total += s.requests
                result.errors += s.errors
                result.home_pages += s.home_pages
                result.home_violations += s.violations
                result.leaks += s.leaks
                for name, n in s.by_request.items():
                    result.by_request[name] = result.by_request.get(name, 0) + n
                result.error_samples.extend(s.error_samples[: 5 - len(result.error_samples)])
            result.violations = result.home_violations + result.leaks
    return result


# --------------------------------------------------------------------------------------------
# Report


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _mib(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else f"{value:{spec}}"


def _spread(samples: list[Sample], count: int = 13) -> str:
    """About ``count`` evenly spaced samples, as ``t:MiB``."""
    if not samples:
        return "-"
    step = max(1, round(len(samples) / (count - 1)))
    picked = samples[::step]
    if picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    return " ".join(f"{s.t:.0f}s:{_mib(s.rss_mib)}" for s in picked)


def print_run(r: RunResult) -> None:
    p = print
    p(f"\n== {r.server} ({r.label}), {r.variant}")
    p(f"   {r.command}")
    p(
        f"   requests {r.requests:,} in {r.seconds:g} s = {r.rps:,.0f} req/s "
        f"({r.requests_total:,} with the {r.warmup_seconds:g} s warm-up); errors {r.errors}"
    )
    mix = ", ".join(f"{name} {n:,}" for name, n in sorted(r.by_request.items()))
    p(f"   mix: {mix or '-'}")
    p(
        f"   home pages {r.home_pages:,}, number exactly {0 if r.variant == 'bare' else 1}x: "
        f"violations {r.home_violations}; other responses with the number: {r.leaks}"
    )
    for text in r.error_samples:
        p(f"   ! {text}")
    m = r.memory
    p(
        f"   RSS ({m.processes} process{'es' if m.processes != 1 else ''}, "
        f"{m.pids_seen} pid(s) seen): start {_mib(m.start_mib)} MiB, end {_mib(m.end_mib)} MiB, "
        f"growth {_mib(m.growth_mib, '+.2f')} MiB "
        f"({_mib(m.growth_per_10k_mib, '+.3f')} MiB per 10k requests)"
    )
    p(
        f"   RSS min {_mib(m.min_mib)} max {_mib(m.max_mib)}; mean of middle third "
        f"{_mib(m.middle_third_mib, '.2f')}, last third {_mib(m.last_third_mib, '.2f')} "
        f"(trend {_mib(m.trend_mib, '+.2f')}) -> {m.verdict}"
    )
    window = [s for s in r.samples if s.t >= r.warmup_seconds - 1e-6]
    p(f"   samples (t:MiB): {_spread(window)}")
    if not r.stopped_cleanly:
        p("   ! the server did not stop cleanly")


def print_summary(runs: list[RunResult]) -> None:
    p = print
    p("\n== Summary")
    p(
        f"  {'server':<14}{'variant':<12}{'requests':>10}{'req/s':>8}{'errors':>8}{'viol.':>7}"
        f"{'RSS start':>11}{'end':>8}{'growth':>9}{'/10k req':>10}   verdict"
    )
    for r in runs:
        m = r.memory
        p(
            f"  {r.server:<14}{r.variant:<12}{r.requests:>10,}{r.rps:>8,.0f}{r.errors:>8}"
            f"{r.violations:>7}{_mib(m.start_mib):>11}{_mib(m.end_mib):>8}"
            f"{_mib(m.growth_mib, '+.2f'):>9}{_mib(m.growth_per_10k_mib, '+.3f'):>10}"
            f"   {m.verdict}"
        )


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def run(servers: list[str], *, seconds: float, warmup: float, compare: bool) -> dict[str, Any]:
    """Soak every server (and its bare app with ``compare``); print and return the figures."""
    t_start = time.monotonic()
    cycle = request_cycle()
    shares = ", ".join(f"{r.name} {r.weight / len(cycle):.0%}" for r in MIX)
    before = _loadavg()
    print(
        f"icp-footer soak: {seconds:g} s per server after a {warmup:g} s warm-up; "
        f"{CONNECTIONS} keep-alive http.client connections to 127.0.0.1; mix: {shares}"
    )
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average before: {before}; RSS = sum of VmRSS over the server's process tree, "
        f"sampled every {SAMPLE_INTERVAL:g} s"
    )
    runs: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="icp-soak-") as tmp:
        for name in servers:
            for bare in (False, True) if compare else (False,):
                _log(f"  soak: {name} ({'bare' if bare else 'icp-footer'})")
                r = soak(
                    SERVERS[name], bare=bare, seconds=seconds, warmup=warmup, log_dir=Path(tmp)
                )
                print_run(r)
                runs.append(r)
    print_summary(runs)
    after = _loadavg()
    errors = sum(r.errors for r in runs)
    violations = sum(r.violations for r in runs)
    elapsed = time.monotonic() - t_start
    ok = errors == 0 and violations == 0
    print(
        f"\nerrors {errors}, violations {violations}: {'OK' if ok else 'FAILED'} "
        f"(load average after: {after}; total {elapsed:.0f} s)"
    )
    return {
        "meta": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "loadavg_before": before,
            "loadavg_after": after,
            "seconds": seconds,
            "warmup_seconds": warmup,
            "connections": CONNECTIONS,
            "mix": {r.name: r.weight / len(cycle) for r in MIX},
            "number": NUMBER,
            "flat_growth_mib": FLAT_GROWTH_MIB,
            "trend_mib": TREND_MIB,
            "elapsed_s": elapsed,
        },
        "runs": [asdict(r) for r in runs],
        "errors": errors,
        "violations": violations,
        "ok": ok,
    }


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: servers are stopped


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 only when no run had an error or a violation."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--seconds", type=float, default=60.0, help="load per server (default 60)")
    ap.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="warm-up before the RSS start sample (default: 5, at most a third of --seconds)",
    )
    ap.add_argument("--json", metavar="PATH", type=Path, help="write every figure to PATH")
    ap.add_argument(
        "--compare", action="store_true", help="also soak the bare apps (ICP_FOOTER_EXAMPLE_BARE=1)"
    )
    ap.add_argument(
        "--servers",
        nargs="+",
        choices=sorted(SERVERS),
        default=list(SERVERS),
        help="servers to soak (default: all)",
    )
    args = ap.parse_args(argv)
    if args.seconds <= 0:
        ap.error("--seconds must be positive")
    warmup: float = args.warmup if args.warmup is not None else min(5.0, max(1.0, args.seconds / 3))
    warmup = float(round(max(0.0, warmup)))  # whole seconds: the boundary is a sample tick
    signal.signal(signal.SIGTERM, _terminate)
    results = run(args.servers, seconds=args.seconds, warmup=warmup, compare=args.compare)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
