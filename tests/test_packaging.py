"""The built distributions, installed into a clean virtualenv as a user would install them.

A file missing from the wheel (the PSB badge, py.typed) or an import of a package the core
does not declare shows up here, not on a user's machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = "京ICP备12345678号-1"

SMOKE = rf"""
import icp_footer
from icp_footer import ICPFooterASGIMiddleware, ICPFooterWSGIMiddleware
from icp_footer.render import badge_data_uri

page = b"<html><body><footer>f</footer></body></html>"

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [page]

wrapped = ICPFooterWSGIMiddleware(app, environ={{"ICP_FOOTER_NUMBER": "{NUMBER}"}})
sent = []
environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "example.cn"}}
body = b"".join(wrapped(environ, lambda status, headers, exc_info=None: sent.append(status)))
assert "{NUMBER}".encode() in body and sent == ["200 OK"], body
assert badge_data_uri().startswith("data:image/svg+xml")
assert callable(ICPFooterASGIMiddleware)
print("ok", icp_footer.__version__, icp_footer.__file__)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def _install(wheel: Path, venv: Path) -> Path:
    """A clean virtualenv with only ``wheel`` installed; returns its ``bin`` directory."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    # The core declares no dependencies, so it installs with no index at all.
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    return bin_dir


def test_the_wheel_holds_the_package_data_and_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("icp_footer-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(
            next(n for n in names if n.endswith(".dist-info/METADATA"))
        ).decode()
        entry_points = archive.read(
            next(n for n in names if n.endswith("entry_points.txt"))
        ).decode()
    assert wheel.name.endswith("-cp311-abi3-linux_x86_64.whl"), wheel.name  # stable ABI
    assert "icp_footer/_speedups.abi3.so" in names
    for module in (
        "__init__",
        "_scan",
        "injector",
        "config",
        "numbers",
        "render",
        "policy",
        "body",
        "wsgi",
        "asgi",
        "cli",
        "audit",
        "decoding",
        "domains",
        "templating",
        "flask",
        "visual",
        "django/__init__",
        "django/middleware",
        "django/checks",
        "django/templatetags/icp_footer",
    ):
        assert f"icp_footer/{module}.py" in names
    assert "icp_footer/visual.js" in names
    assert "icp_footer/py.typed" in names
    assert "icp_footer/psb-badge.svg" in names
    assert "Requires-Python: >=3.11" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "Provides-Extra: audit" in metadata
    assert "Description-Content-Type: text/markdown" in metadata
    assert "icp-footer = icp_footer.cli:main" in entry_points
    assert not [
        line
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]


def test_the_sdist_builds_and_holds_the_sources(dist: Path) -> None:
    (sdist,) = dist.glob("icp_footer-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "pyproject.toml",
        "README.md",
        "src/icp_footer/psb-badge.svg",
        "src/icp_footer/injector.py",
        "src/icp_footer/_speedups.c",
        "setup.py",
    } <= names


def test_the_wheel_works_in_a_clean_virtualenv(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("icp_footer-*.whl")
    venv = tmp_path / "venv"
    bin_dir = _install(wheel, venv)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ICP_FOOTER_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    smoke = subprocess.run(
        [str(bin_dir / "python"), "-c", SMOKE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert smoke.returncode == 0, smoke.stderr
    assert str(venv) in smoke.stdout  # the installed copy, not the source tree
    version = subprocess.run(
        [str(bin_dir / "icp-footer"), "--version"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("icp-footer 0.")
    assert version.stdout.rstrip().endswith("(compiled scanner)")
    pure = subprocess.run(
        [str(bin_dir / "icp-footer"), "--version"],
        env={**env, "ICP_FOOTER_PURE_PYTHON": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert pure.stdout.rstrip().endswith("(pure-Python scanner)")
    config = subprocess.run(
        [str(bin_dir / "icp-footer"), "config", "--host", "www.example.cn", "--snippet"],
        env={**env, "ICP_FOOTER_NUMBER": NUMBER, "ICP_FOOTER_PSB": "京公网安备 11010502030143号"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert config.returncode == 0, config.stderr
    assert NUMBER in config.stdout
    assert "data:image/svg+xml" in config.stdout
    bad = subprocess.run(
        [str(bin_dir / "icp-footer"), "config"],
        env={**env, "ICP_FOOTER_NUMBER": "京ICP备1号"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "ICP_FOOTER_NUMBER" in bad.stderr
    # The audit extra (httpx, selectolax) is not installed: check says how to get it.
    check = subprocess.run(
        [str(bin_dir / "icp-footer"), "check", "http://127.0.0.1:9/"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 2
    assert "icp-footer[audit]" in check.stderr


def test_the_sdist_installs_without_a_compiler(dist: Path, tmp_path: Path) -> None:
    """With compilation made impossible, the pure-Python scanner installs and works."""
    (sdist,) = dist.glob("icp_footer-*.tar.gz")
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation"),
            *("--no-deps", "--wheel-dir", str(wheels), str(sdist)),
        ],
        env={**os.environ, "CC": "false", "LDSHARED": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("icp_footer-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert not [n for n in archive.namelist() if n.endswith((".so", ".pyd"))]
    bin_dir = _install(wheel, tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ICP_FOOTER_", "PYTHON"))}
    version = subprocess.run(
        [str(bin_dir / "icp-footer"), "--version"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.stdout.rstrip().endswith("(pure-Python scanner)"), version
    smoke = subprocess.run(
        [str(bin_dir / "python"), "-c", SMOKE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert smoke.returncode == 0, smoke.stderr
