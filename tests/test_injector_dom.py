"""The injector against the adversarial table in ``injector_cases.py``, with a DOM oracle.

Two kinds of test per case:

* ``test_expected_output_dom`` needs no injector: it builds the expected output from the table
  (``document[:offset] + closer + SNIPPET + document[offset:]``) and checks with html5lib and
  lexbor that exactly one ``#icp`` element results, with the expected parent.  This validates the
  table itself.
* the ``test_inject_*`` tests run ``icp_footer.injector`` (one shot, streamed in several chunkings)
  and require exactly the table's offset, placement, closer and output.

The injector is imported inside the tests so that the table checks run even while the injector
module is missing or broken.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from typing import Any

import html5lib
import pytest
from selectolax.lexbor import LexborHTMLParser

from injector_cases import CASES, SNIPPET, Case

# Every test here runs once with each scanner (compiled and pure Python).
pytestmark = pytest.mark.usefixtures("scanner")

_MARK = "ICPMARK"
_PLACEMENT_MEMBERS = {
    "footer": "FOOTER",
    "body": "BEFORE_BODY_END",
    "end": "END_OF_DOCUMENT",
    "none": "NOT_INSERTED",
}
_NAMESPACE_PREFIXES = {
    "http://www.w3.org/2000/svg": "svg:",
    "http://www.w3.org/1998/Math/MathML": "math:",
}

# selectolax's old Modest backend (selectolax.parser.HTMLParser) raises ImportError on import
# since selectolax 1.0, so only the lexbor backend is used as the second parser.
#
# Known divergences between lexbor and html5lib on this table:
# * lexbor parses with scripting disabled (``<noscript>`` content is markup) while html5lib is
#   run with ``scripting=True`` like a browser.  Only ``noscript_eof`` is affected (override
#   below); html5lib's answer is the browser's.
# * lexbor reports foreign elements by local name ("title"), html5lib as "{ns}title"; the table
#   writes "svg:title" and lexbor is compared on the local name only.
_LEXBOR_PARENT_OVERRIDES: dict[str, str] = {
    # Scripting off: "<noscript><p>a" is markup, "</noscript>" is ignored because the open <p> is
    # a special element, so the snippet's <div> closes the <p> and stays in the noscript.  With
    # scripting on (browsers, html5lib) the noscript is rawtext and closed by the closer.
    "noscript_eof": "noscript",
}

_IDS = [c.name for c in CASES]
HIDER_END_TAGS = tuple(
    b"</%s>" % name for name in b"select datalist object video audio canvas details dialog".split()
)


def _expected_output(case: Case) -> bytes:
    if case.offset is None:
        return case.document
    return case.document[: case.offset] + case.closer + SNIPPET + case.document[case.offset :]


def _python_codec(case: Case) -> str:
    """Codec used to hand text to lexbor (drops a UTF-8 BOM like a browser does)."""
    name = codecs.lookup(case.encoding).name
    return "utf-8-sig" if name == "utf-8" else name


def _html5lib_hits(html: bytes, case: Case) -> list[tuple[str, str]]:
    """(parent tag, text) of every ``#icp`` element html5lib builds from ``html``."""
    root: Any = html5lib.parse(
        html,
        namespaceHTMLElements=False,
        transport_encoding=case.encoding,
        scripting=True,
    )
    parents: dict[Any, Any] = {child: parent for parent in root.iter() for child in parent}
    hits: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.get("id") != "icp":
            continue
        tag: str = parents[element].tag
        for namespace, prefix in _NAMESPACE_PREFIXES.items():
            tag = tag.replace("{" + namespace + "}", prefix)
        hits.append((tag, "".join(element.itertext())))
    return hits


def _lexbor_hits(html: bytes, case: Case) -> list[tuple[str, str]]:
    tree = LexborHTMLParser(html.decode(_python_codec(case)))
    hits: list[tuple[str, str]] = []
    for node in tree.css("#icp"):
        parent = node.parent
        hits.append((parent.tag if parent is not None and parent.tag else "", node.text()))
    return hits


def _local_name(tag: str) -> str:
    return tag.rpartition(":")[2]


def _assert_dom(html: bytes, case: Case) -> None:
    h5 = _html5lib_hits(html, case)
    lx = _lexbor_hits(html, case)
    if case.placement == "none":
        assert h5 == []
        assert lx == []
        return
    assert case.parent is not None
    assert h5 == [(case.parent, _MARK)], "html5lib"
    lexbor_parent = _LEXBOR_PARENT_OVERRIDES.get(case.name, _local_name(case.parent))
    assert lx == [(lexbor_parent, _MARK)], "lexbor"


# --------------------------------------------------------------------------------------------
# The table on its own.
# --------------------------------------------------------------------------------------------
def test_table_is_well_formed() -> None:
    assert len(CASES) >= 70
    assert len(set(_IDS)) == len(_IDS), "duplicate case names"
    assert b"ICPMARK" in SNIPPET
    for c in CASES:
        assert b'id="icp"' not in c.document, c.name
        assert c.placement in _PLACEMENT_MEMBERS, c.name
        if c.placement == "none":
            assert c.offset is None, c.name
            assert c.parent is None, c.name
            assert c.already_shown, c.name
        else:
            assert c.offset is not None, c.name
            assert 0 <= c.offset <= len(c.document), c.name
            assert c.parent, c.name
            assert not any(p in c.document[: c.offset] for p in c.already_shown), c.name
        if c.closer and c.placement != "end":
            # Before </body> or in the footer, a closer only ever closes a hider or SVG text.
            assert c.closer.endswith((*HIDER_END_TAGS, b"</title>", b"</desc>")), c.name
        elif c.closer:
            assert c.offset == len(c.document), c.name


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_expected_output_dom(case: Case) -> None:
    """The table's own offset and closer put the snippet where the table says (no injector)."""
    _assert_dom(_expected_output(case), case)


# --------------------------------------------------------------------------------------------
# The injector.
# --------------------------------------------------------------------------------------------
def _chunkings(document: bytes) -> Iterator[tuple[str, Sequence[bytes]]]:
    yield "bytewise", [document[i : i + 1] for i in range(len(document))]
    yield "7-byte", [document[i : i + 7] for i in range(0, len(document), 7)]
    with_empties: list[bytes] = [b""]
    for i in range(0, len(document), 3):
        with_empties += [document[i : i + 3], b"", b""]
    yield "3-byte-with-empties", with_empties


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_inject_one_shot(case: Case) -> None:
    from icp_footer.injector import Placement, inject  # noqa: PLC0415 - see module docstring

    out, result = inject(case.document, SNIPPET, already_shown=case.already_shown)
    assert result.placement is Placement[_PLACEMENT_MEMBERS[case.placement]], result.reason
    assert result.offset == case.offset, result.reason
    if case.placement == "none":
        assert result.inserted == b""
        assert out == case.document
    else:
        assert result.inserted == case.closer + SNIPPET
        assert case.offset is not None
        assert out == case.document[: case.offset] + result.inserted + case.document[case.offset :]
    assert out == _expected_output(case)
    _assert_dom(out, case)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_inject_streaming(case: Case) -> None:
    from icp_footer.injector import Injector, Placement  # noqa: PLC0415 - see module docstring

    expected = _expected_output(case)
    for label, chunks in _chunkings(case.document):
        inj = Injector(SNIPPET, already_shown=case.already_shown)
        out = b"".join([inj.feed(chunk) for chunk in chunks] + [inj.finish()])
        assert out == expected, label
        result = inj.result
        assert result is not None, label
        assert result.placement is Placement[_PLACEMENT_MEMBERS[case.placement]], label
        assert result.offset == case.offset, label
        assert result.inserted == (b"" if case.offset is None else case.closer + SNIPPET), label


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_inject_every_two_way_split(case: Case) -> None:
    from icp_footer.injector import Injector  # noqa: PLC0415 - see module docstring

    expected = _expected_output(case)
    # Every cut of the short documents; the long ones (megabyte tags, deep nesting) are cut
    # every 97 bytes and around each "<" and ">", where constructs start and end.
    size = len(case.document)
    cuts = set(range(0, size + 1, 1 if size <= 2000 else 97))
    if size > 2000:
        marks = [i for i, byte in enumerate(case.document) if byte in b"<>"]
        cuts.update(c for i in marks[:200] + marks[-200:] for c in (i, i + 1) if c <= size)
    for cut in sorted(cuts):
        inj = Injector(SNIPPET, already_shown=case.already_shown)
        out = inj.feed(case.document[:cut]) + inj.feed(case.document[cut:]) + inj.finish()
        assert out == expected, f"split at {cut}"
