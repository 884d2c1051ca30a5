"""The two tag scanners against each other: the compiled one must answer as the reference does.

``icp_footer._scan.PyTagScanner`` is the reference; ``icp_footer._speedups.TagScanner`` walks
the same bytes in C. Both are driven over generated buffers (HTML-ish, arbitrary bytes, NULs,
invalid UTF-8, buffers that end mid-construct, megabyte tags) from every event they report,
with and without ``every_tag``, and whole documents through the injector with random
chunkings must come out byte-identical with the same result.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import icp_footer
from conftest import compiled_scanner
from icp_footer import _scan
from icp_footer.injector import (
    _END_NEEDLES,
    _FOREIGN_STOP_END,
    _FOREIGN_STOP_START,
    _START_NEEDLES,
    Injector,
)

NAMES = (_START_NEEDLES, _END_NEEDLES, _FOREIGN_STOP_START, _FOREIGN_STOP_END)

PIECES = [
    b"<", b">", b"/", b"!", b"?", b"-", b"--", b"=", b'"', b"'", b" ", b"\n", b"\x00", b"\xff",
    b"a", b"x", b"<!--", b"-->", b"<!", b"</", b"<?", b"/>", b"<body", b"</body>", b"<footer",
    b"</footer>", b"<section", b"<script", b"</script>", b"<svg", b"<select", b"<div", b"</div>",
    b"<svg>", b"</svg>", b"<path d='m0 0'/>", b"<g>", b"</g>", b"<use href=#i>", b"<math>",
    b"</math>", b"<title>", b"<desc>", b"<foreignobject>", b"<![CDATA[", b"]]>",
    b"<a href=", b' title="a>b"', b" x='1>2'", b" y=z>", b"<table>", b"<!x>", b"</ >", b"</>",
    "中文".encode(), b"<p>", b"<plaintext>", b"<template>", b"<details open>",
]  # fmt: skip
DOCUMENTS = st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join) | st.binary(max_size=200)


def _events(scanner: _scan.Scanner, low: bytes, every_tag: bool) -> list[_scan.Event]:
    events: list[_scan.Event] = []
    pos = 0
    while True:
        event = scanner.next(low, pos, every_tag)
        events.append(event)
        if event[0] == _scan.UNFINISHED:
            return events
        assert event[2] > pos
        pos = event[2]


def _both() -> tuple[_scan.Scanner, _scan.Scanner]:
    return _scan.PyTagScanner(*NAMES), compiled_scanner()(*NAMES)


@settings(max_examples=1500, deadline=None)
@given(DOCUMENTS, st.booleans())
@example(b'<a title="x>y', False)
@example(b"<!-", False)
@example(b"</", True)
@example(b"<div a='1' b=\"2\" c=3/><footer/>", False)
@example(b'<body x="></body>"></body >', False)
def test_compiled_events_equal_the_reference(document: bytes, every_tag: bool) -> None:
    reference, compiled = _both()
    low = document.lower()
    assert _events(compiled, low, every_tag) == _events(reference, low, every_tag)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.data())
def test_any_start_position_gives_the_same_event(document: bytes, data: st.DataObject) -> None:
    reference, compiled = _both()
    low = document.lower()
    pos = data.draw(st.integers(0, len(low)))
    every_tag = data.draw(st.booleans())
    assert compiled.next(low, pos, every_tag) == reference.next(low, pos, every_tag)


@pytest.mark.parametrize(
    "document",
    [
        b"<div " + b"a " * 600_000 + b">",
        b'<section data-x="' + b"y" * 2_000_000,
        b"<!x" + b"\x00" * 1_000_000,
        b'<a title="' + b">" * 1_000_000 + b'">x</a></body>',
        b"<" * 100_000,
        b"<" + b"x" * 1_000_000,
        b"</" + b"footer" * 200_000 + b">",
    ],
    ids=["long-attributes", "open-value", "nul-bogus", "gt-in-value", "lt-run", "long-name", "end"],
)
def test_megabyte_constructs(document: bytes) -> None:
    reference, compiled = _both()
    for every_tag in (False, True):
        assert _events(compiled, document, every_tag) == _events(reference, document, every_tag)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=DOCUMENTS, sizes=st.lists(st.integers(0, 40), min_size=1, max_size=6))
def test_the_injector_gives_the_same_output_with_either_scanner(
    document: bytes, sizes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for chosen in (_scan.PyTagScanner, compiled_scanner()):
        monkeypatch.setattr(_scan, "TagScanner", chosen)
        injector = Injector(b"<div>N</div>")
        out, pos, i = [], 0, 0
        while pos < len(document):
            size = sizes[i % len(sizes)] or 1
            out.append(injector.feed(document[pos : pos + size]))
            pos, i = pos + size, i + 1
        out.append(injector.finish())
        results.append((b"".join(out), injector.result))
    assert results[0] == results[1]


def test_the_compiled_scanner_checks_its_arguments() -> None:
    compiled = compiled_scanner()
    with pytest.raises(ValueError, match="lowercase ASCII"):
        compiled([b"Footer"], [], [], [])
    with pytest.raises(ValueError, match="at most"):
        compiled([b"x"] * 129, [], [], [])
    scanner = compiled([b"footer"], [b"body"], [], [])
    with pytest.raises(IndexError):
        scanner.next(b"<p>", 4, False)
    with pytest.raises(TypeError):
        scanner.next("<p>", 0, False)  # type: ignore[arg-type]


def test_the_scanner_in_use_follows_the_switch() -> None:
    """ICP_FOOTER_PURE_PYTHON=1 picks the reference; otherwise the compiled one is in use."""
    if os.environ.get("ICP_FOOTER_SANITIZE"):
        # make sanitize: the package is the copy built with the sanitizers.
        assert Path(icp_footer.__file__).parts[-3:-1] == ("sanitize", "icp_footer")
    pure = os.environ.get("ICP_FOOTER_PURE_PYTHON", "") not in ("", "0")
    assert _scan.COMPILED is not pure
    assert (_scan.TagScanner is _scan.PyTagScanner) is pure
