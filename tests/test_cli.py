"""The icp-footer command, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "icp_footer.cli", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_inject_reads_standard_input() -> None:
    done = run("inject", "-", "--snippet", "<p>京ICP备12345678号</p>", stdin=b"<p>x</p></body>")
    assert done.returncode == 0
    assert done.stdout == "<p>x</p><p>京ICP备12345678号</p></body>".encode()
    assert b"body: before </body>" in done.stderr


def test_inject_reads_a_file(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_bytes(b"<footer>f</footer><script>'</body>'</script></body>")
    done = run("inject", str(page), "--snippet", "<b>N</b>")
    assert done.stdout == b"<footer>f<b>N</b></footer><script>'</body>'</script></body>"
    assert b"footer:" in done.stderr


def test_version_and_usage() -> None:
    assert run("--version").stdout.startswith(b"icp-footer ")
    assert run().returncode == 2
