"""The soak test runs end to end against the real example servers (a few seconds each).

Only correctness is asserted: exit 0, zero errors and zero violations in the JSON summary.
No timing or RSS assertions; the real soak is ``python -m benchmarks.soak`` (60 s per server).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_soak_short_run(tmp_path: Path) -> None:
    """``python -m benchmarks.soak --seconds 3 --json`` exits 0 with clean figures."""
    out = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--seconds", "3", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # ~20 s on a busy 2-core machine; generous so load cannot make it flaky
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["errors"] == 0
    assert results["violations"] == 0
    assert results["ok"] is True
    runs = results["runs"]
    assert {r["server"] for r in runs} == {"flask-sync", "flask-gthread", "fastapi"}
    for r in runs:
        assert r["variant"] == "icp-footer"
        assert r["errors"] == 0, r["error_samples"]
        assert r["violations"] == 0, r["error_samples"]
        assert r["requests"] > 0
        assert r["home_pages"] > 0
