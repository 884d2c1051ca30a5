"""Fixtures shared by the test modules."""

from __future__ import annotations

import os

import pytest

from icp_footer import _scan

SCANNERS = ("compiled", "pure-python")


def compiled_scanner() -> _scan.ScannerType:
    """The compiled scanner; a test that needs it fails when it is not built."""
    try:
        from icp_footer import _speedups  # type: ignore[attr-defined]  # noqa: PLC0415
    except ImportError:
        if os.environ.get("ICP_FOOTER_PURE_PYTHON", "") not in ("", "0"):
            pytest.skip("ICP_FOOTER_PURE_PYTHON=1: the compiled scanner is switched off")
        pytest.fail("the compiled scanner is not built (pip install -e . with a C compiler)")
    return _speedups.TagScanner  # type: ignore[no-any-return]


@pytest.fixture(params=SCANNERS)
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once with each scanner: every Injector built inside uses it."""
    chosen = compiled_scanner() if request.param == "compiled" else _scan.PyTagScanner
    monkeypatch.setattr(_scan, "TagScanner", chosen)
    return str(request.param)


@pytest.fixture(autouse=True)
def english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages in English whatever the machine's locale (test_i18n.py sets its own)."""
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
