"""The two tag scanners against each other: the compiled one must answer as the reference does.

``icp_footer._scan.PyTagScanner`` is the reference; ``icp_footer._speedups.TagScanner`` walks
the same bytes in C. Both are driven over generated buffers (HTML-ish in mixed case, arbitrary
bytes, NULs, invalid UTF-8, buffers that end mid-construct, megabyte tags) from every event
they report, with every combination of flags, and whole documents through the injector with
random chunkings must come out byte-identical with the same result.
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
from icp_footer.injector import _RAWTEXT, _SCANNER_NAMES, Injector

NAMES = _SCANNER_NAMES  # the names the injector builds its scanner with
FLAGS = st.sampled_from([0, _scan.EVERY_TAG, _scan.SKIP_TEXT, _scan.EVERY_TAG | _scan.SKIP_TEXT])

PIECES = [
    b"<", b">", b"/", b"!", b"?", b"-", b"--", b"=", b'"', b"'", b" ", b"\n", b"\x00", b"\xff",
    b"a", b"x", b"<!--", b"-->", b"<!", b"</", b"<?", b"/>", b"<body", b"</body>", b"<footer",
    b"</footer>", b"<section", b"<script", b"</script>", b"<svg", b"<select", b"<div", b"</div>",
    b"<svg>", b"</svg>", b"<path d='m0 0'/>", b"<g>", b"</g>", b"<use href=#i>", b"<math>",
    b"</math>", b"<title>", b"<desc>", b"<foreignobject>", b"<![CDATA[", b"]]>",
    b"<a href=", b' title="a>b"', b" x='1>2'", b" y=z>", b"<table>", b"<!x>", b"</ >", b"</>",
    "中文".encode(), b"<p>", b"<plaintext>", b"<template>", b"<details open>",
    b"<SCRIPT>", b"</Script>", b"</script ", b"<script", b"<!--", b"<Style>", b"</STYLE >",
    b"<textarea>", b"</textarea>", b"<TITLE>", b"</title>", b"<Footer>", b"</FOOTER>",
    b"<SVG>", b"</Svg>", b"<desc>", b"</desc>", b"<!--->", b"<!-->", b"--!>", b"<Body>",
    b"<section>", b"</section>", b"<Article>", b"</article>", b"</table>", b"<nav>", b"</NAV>",
    b"</a>", b"<A>", b"<span>", b"</Span >", b"</p>", b"<br>", b"</br>", b"<img src=x>", b"<li>",
    b"</li>", b"<b>", b"</b>", b"<H1>", b"</h1>", b"<ul>", b"</ul>", b"<td>", b"<object>",
]  # fmt: skip
DOCUMENTS = st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join) | st.binary(max_size=200)


def _events(scanner: _scan.Scanner, buf: bytes, flags: int) -> list[_scan.Event]:
    events: list[_scan.Event] = []
    pos = 0
    while True:
        event = scanner.next(buf, pos, flags)
        events.append(event)
        if event[0] == _scan.UNFINISHED:
            return events
        if flags & _scan.SKIP_TEXT and (
            event[0] == _scan.COMMENT or event[3] in (b"script", *_RAWTEXT)
        ):
            # Not skipped, so not ended in the buffer: the rest is its content, which the
            # injector reads in its own text mode (asking again here would walk it again).
            return events
        assert event[2] > pos
        pos = event[2]


def _both() -> tuple[_scan.Scanner, _scan.Scanner]:
    return _scan.PyTagScanner(*NAMES), compiled_scanner()(*NAMES)


@settings(max_examples=2500, deadline=None)
@given(DOCUMENTS, FLAGS)
@example(b'<a title="x>y', 0)
@example(b"<!-", 0)
@example(b"</", 1)
@example(b"<div a='1' b=\"2\" c=3/><footer/>", 0)
@example(b'<body x="></body>"></body >', 0)
@example(b"<script><!--<script>--></script><footer>", 2)
@example(b"<SCRIPT>x<!--<Script>-</script>--></SCRIPT ><Footer>", 2)
@example(b"<svg><title>t</title><path/></svg><svg><desc x>d</DESC></svg>", 0)
def test_compiled_events_equal_the_reference(document: bytes, flags: int) -> None:
    reference, compiled = _both()
    assert _events(compiled, document, flags) == _events(reference, document, flags)


def _plain_events(  # noqa: PLR0917 - next_plain's arguments
    scanner: _scan.Scanner,
    buf: bytes,
    flags: int,
    room: int,
    sectioning: int,
    paragraphs: int,
    open_elements: tuple[bytes, ...],
) -> list[tuple[_scan.PlainEvent, tuple[bytes, ...]]]:
    """next_plain from each event on, as the injector asks (stopping where _events stops),
    with the open elements the caller keeps as it opens and closes what each event says.
    """
    events: list[tuple[_scan.PlainEvent, tuple[bytes, ...]]] = []
    stack = list(open_elements)
    pos = 0
    while True:
        event = scanner.next_plain(buf, pos, flags, room, sectioning, paragraphs, stack)
        del stack[event[6] :]
        stack.extend(event[5])
        if event[0] == _scan.START and event[3] is not None:
            stack.append(event[3])
        elif event[0] == _scan.END and event[3] in stack:
            del stack[len(stack) - 1 - stack[::-1].index(event[3]) :]
        events.append((event, tuple(stack)))
        if event[0] == _scan.UNFINISHED or (
            flags & _scan.SKIP_TEXT
            and (event[0] == _scan.COMMENT or event[3] in (b"script", *_RAWTEXT))
        ):
            return events
        assert event[2] > pos
        pos = event[2]


OPEN_NAMES = st.sampled_from(
    [b"section", b"nav", b"main", b"table", b"footer", b"div", b"p", b"span", b"a", b"b",
     b"h1", b"ul", b"li", b"object", b"select", b"details", b"td", b"template", b"br"]
)  # fmt: skip
OPEN_ELEMENTS = st.lists(OPEN_NAMES, max_size=40).map(tuple)


@settings(max_examples=2500, deadline=None)
@given(DOCUMENTS, FLAGS, st.integers(0, 70), st.integers(0, 3), st.integers(0, 2), OPEN_ELEMENTS)
@example(b"<section><table></section></table></section>", 2, 512, 0, 0, ())
@example(b"<nav><footer><footer></footer></footer></nav>", 2, 512, 0, 0, ())
@example(b"<section>" * 70, 2, 512, 0, 0, ())
@example(b"<div><a><p>x</p><b></div></a></b><br></a>", 3, 512, 0, 0, ())
@example(b"<p><span><h1>x</h1></span></p>", 3, 512, 0, 0, ())
@example(b"</section><footer>", 2, 512, 1, 0, (b"section",))
@example(b"</section></section>" * 20, 2, 512, 40, 0, (b"section",) * 40)
@example(b"</span></div><p>", 3, 512, 0, 0, (b"footer", b"div", b"span"))
@example(b"</p><p>x</p><div></p>", 3, 512, 0, 1, (b"footer", b"p"))
def test_compiled_plain_events_equal_the_reference(  # noqa: PLR0917 - one per strategy
    document: bytes,
    flags: int,
    room: int,
    sectioning: int,
    paragraphs: int,
    open_elements: tuple[bytes, ...],
) -> None:
    reference, compiled = _both()
    args = (document, flags, room, sectioning, paragraphs, open_elements)
    assert _plain_events(compiled, *args) == _plain_events(reference, *args)


@settings(max_examples=1500, deadline=None)
@given(DOCUMENTS, st.integers(0, 300), st.integers(0, 2), st.sampled_from(_RAWTEXT))
@example(b"<!--<script>x</script>--></script>", 0, 0, b"title")
@example(b"x<!--<SCRIPT>x</Script >--></script\t", 5, 1, b"noscript")
def test_compiled_text_modes_equal_the_reference(
    document: bytes, start: int, level: int, name: bytes
) -> None:
    """Script data (each level's step) and raw text, which the injector reads in text modes."""
    pos = min(start, len(document))
    reference, compiled = _both()
    assert compiled.script_step(document, pos, level) == reference.script_step(document, pos, level)
    assert compiled.raw_text_end(document, pos, name) == reference.raw_text_end(document, pos, name)


ATTRIBUTE_PIECES = [
    b" ", b"\t", b"\n", b"/", b"=", b'"', b"'", b">", b"a", b"SRC", b"x", b"\x00", b"\xff",
    b' src="', b" alt='", b"=\"", b" b = '", b'"x"', b"'y'", b"/>", b"data:image/png;base64,",
    "中文".encode(),
]  # fmt: skip
ATTRIBUTES = st.lists(st.sampled_from(ATTRIBUTE_PIECES), max_size=30).map(b"".join) | st.binary(
    max_size=80
)


@settings(max_examples=2500, deadline=None)
@given(ATTRIBUTES, st.integers(0, 80))
@example(b' a="1" src="data:', 0)
@example(b" a='1'b='", 0)
@example(b" =b='x", 0)
@example(b" b=x'y", 0)
@example(b' b = "', 0)
@example(b' b="x">', 0)
def test_compiled_open_value_equals_the_reference(attributes: bytes, start: int) -> None:
    """Where a tag the buffer cuts inside a quoted value has that value open."""
    pos = min(start, len(attributes))
    reference, compiled = _both()
    assert compiled.open_value(attributes, pos) == reference.open_value(attributes, pos)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (b' src="data:image/png;base64,AAAA', 6),
        (b" a='1' b='x", 10),
        (b' a="x>y" title="', 16),
        (b' b = "', 6),
        (b" a='1'b='", 9),  # no space between attributes: the tokenizer goes on
        (b' a="1" src="x" ', -1),  # every value closed
        (b' a="1">', -1),  # the tag ended
        (b" a=x'y", -1),  # an unquoted value holding a quote
        (b" a", -1),
        (b" a=", -1),
        (b"", -1),
    ],
)
def test_open_value_finds_the_open_quote(attributes: bytes, expected: int) -> None:
    for scanner in _both():
        assert scanner.open_value(attributes, 0) == expected


@settings(max_examples=1500, deadline=None)
@given(
    st.binary(max_size=80) | DOCUMENTS,
    st.sampled_from([b"", b"a", b"<", "京ICP备".encode(), b"ICP", "号-1".encode(), b"\xff\x00"])
    | st.binary(max_size=6),
    st.integers(0, 100),
)
@example("京京ICP京ICP备".encode(), "京ICP备".encode(), 0)
def test_compiled_find_equals_bytes_find(buf: bytes, key: bytes, start: int) -> None:
    """The search for the number already shown, led by a rare byte of the key."""
    pos = min(start, len(buf))
    reference, compiled = _both()
    assert compiled.find(buf, key, pos) == reference.find(buf, key, pos) == buf.find(key, pos)


def _section(count: int) -> bytes:
    return b"<section>" * count


@pytest.mark.parametrize(
    ("document", "room", "sectioning", "event", "opened"),
    [
        # Balanced plain elements are no event; the first other needle is.
        (b"<section><p>x</p></SECTION ><footer>", 512, False, (2, 28, 36, b"footer"), ()),
        # Those still open come back with the event, outermost first.
        (b"<section><nav x='>'>", 512, False, (0, 20, 20, None), (b"section", b"nav")),
        # A <footer> is plain inside a sectioning element, whoever opened it.
        (b"<main><footer></footer></main><body>", 512, False, (0, 36, 36, None), ()),
        (b"<footer>", 512, False, (2, 0, 8, b"footer"), ()),
        (b"<footer>", 512, True, (0, 8, 8, None), (b"footer",)),
        # An end tag for an element opened before is the caller's to judge.
        (b"<article></section>", 512, False, (3, 9, 19, b"section"), (b"article",)),
        # An end tag past a table is ignored by the tree builder: handed over too.
        (
            b"<section><table></section>",
            512,
            False,
            (3, 16, 26, b"section"),
            (b"section", b"table"),
        ),
        (b"<section><table></table></section>", 512, False, (0, 34, 34, None), ()),
        # No more than the caller has room for, and never more than PLAIN_DEPTH.
        (b"<section><article>", 1, False, (2, 9, 18, b"article"), (b"section",)),
        (_section(70), 512, False, (2, 576, 585, b"section"), (b"section",) * 64),
    ],
)
def test_next_plain_settles_only_what_the_caller_would(
    document: bytes,
    room: int,
    sectioning: bool,
    event: tuple[int, int, int, bytes | None],
    opened: tuple[bytes, ...],
) -> None:
    assert _scan.PLAIN_DEPTH == 64
    for scanner in _both():
        found = scanner.next_plain(document, 0, _scan.SKIP_TEXT, room, sectioning, 0, [])
        assert (found[:4], found[5], found[6]) == (event, opened, 0)


INSIDE = _scan.EVERY_TAG | _scan.SKIP_TEXT  # the site footer and hidden content
SKIP = _scan.SKIP_TEXT
FOOTER = (b"footer",)
DIV = (b"div",)


@pytest.mark.parametrize(
    ("document", "flags", "paragraphs", "event", "opened"),
    [
        # Inside, phrasing and void elements only open and close, or open nothing.
        (
            "<a href=x>关于</a> | <SPAN>y</span><img src=b><br></footer>".encode(),
            INSIDE,
            0,
            (3, 52, 61, b"footer"),
            (),
        ),
        # Blocks close a <p>: plain only while the caller has none open, nor one opened here.
        (b"<div><p>x</p></div></footer>", INSIDE, 0, (3, 19, 28, b"footer"), ()),
        (b"<div><p>x</p></div></footer>", INSIDE, 1, (2, 0, 5, b"div"), ()),
        (b"<p>a<div>", INSIDE, 0, (2, 4, 9, b"div"), (b"p",)),
        # Another element's end tag does not reach past a special one: the caller's to judge.
        (b"<a><div></a>", INSIDE, 0, (3, 8, 12, b"a"), (b"a", b"div")),
        (b"<div><a></div>", INSIDE, 0, (0, 14, 14, None), ()),
        # What a start tag implies besides closing a <p>, and the needles, are events.
        (b"<li>x</li>", INSIDE, 0, (2, 0, 4, b"li"), ()),
        (b"<section></section>", INSIDE, 0, (2, 0, 9, b"section"), ()),
        (b"<b></br>", INSIDE, 0, (3, 3, 8, b"br"), (b"b",)),
        # Outside, they are ordinary tags; the sectioning elements are plain.
        (b"<a></a><p></p><section>", _scan.SKIP_TEXT, 0, (0, 23, 23, None), (b"section",)),
    ],
)
def test_next_plain_inside_settles_only_what_the_caller_would(
    document: bytes,
    flags: int,
    paragraphs: int,
    event: tuple[int, int, int, bytes | None],
    opened: tuple[bytes, ...],
) -> None:
    for scanner in _both():
        found = scanner.next_plain(document, 0, flags, 512, 0, paragraphs, [])
        assert (found[:4], found[5], found[6]) == (event, opened, 0)


@pytest.mark.parametrize(
    ("document", "flags", "open_elements", "sectioning", "event", "opened", "closed_from"),
    [
        # End tags close the caller's innermost plain elements, as if opened in this call...
        (b"</section></main>", SKIP, [b"main", b"section"], 2, (0, 17, 17, None), (), 0),
        (b"</section>", SKIP, [b"main", b"section"], 2, (0, 10, 10, None), (), 1),
        # ...and a <footer> is then plain only if a sectioning element is still open.
        (b"</section><footer>", SKIP, [b"section"], 1, (2, 10, 18, b"footer"), (), 0),
        (b"</section><footer>", SKIP, [b"nav", b"section"], 2, (0, 18, 18, None), FOOTER, 1),
        # Not past a scope element (the tree builder ignores it), nor below the plain run.
        (b"</section>", SKIP, [b"section", b"table"], 2, (3, 0, 10, b"section"), (), 2),
        (b"</details>", SKIP, [b"details", b"section"], 1, (3, 0, 10, b"details"), (), 2),
        # Inside the site footer: its phrasing and blocks, not the footer itself.
        (
            b"</span></p></footer>",
            INSIDE,
            [b"footer", b"p", b"span"],
            0,
            (3, 11, 20, b"footer"),
            (),
            1,
        ),
        # At most half of PLAIN_DEPTH of them.
        (b"</div>" * 40, INSIDE, [b"div"] * 40, 0, (3, 192, 198, b"div"), (), 8),
        # A block closes a <p>: plain once the <p> open before is closed, not while it is open.
        (b"</p><p>x</p><div>", INSIDE, [b"footer", b"p"], 0, (0, 17, 17, None), DIV, 1),
        (b"<div>", INSIDE, [b"footer", b"p"], 0, (2, 0, 5, b"div"), (), 2),
        (b"</span><div>", INSIDE, [b"footer", b"p", b"span"], 0, (2, 7, 12, b"div"), (), 2),
    ],
)
def test_next_plain_closes_the_callers_plain_elements(  # noqa: PLR0917 - a table column each
    document: bytes,
    flags: int,
    open_elements: list[bytes],
    sectioning: int,
    event: tuple[int, int, int, bytes | None],
    opened: tuple[bytes, ...],
    closed_from: int,
) -> None:
    for scanner in _both():
        paragraphs = open_elements.count(b"p")
        found = scanner.next_plain(document, 0, flags, 512, sectioning, paragraphs, open_elements)
        assert (found[:4], found[5], found[6]) == (event, opened, closed_from)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.data())
def test_any_start_position_gives_the_same_event(document: bytes, data: st.DataObject) -> None:
    reference, compiled = _both()
    pos = data.draw(st.integers(0, len(document)))
    flags = data.draw(FLAGS)
    assert compiled.next(document, pos, flags) == reference.next(document, pos, flags)


@pytest.mark.parametrize(
    ("document", "flags", "expected"),
    [
        (b"<p><SECTION class=a>", 0, (_scan.START, 3, 20, b"section", False)),
        (b"<!-- <footer> --><footer>", _scan.SKIP_TEXT, (_scan.START, 17, 25, b"footer", False)),
        (b"<!-- <footer> --><footer>", 0, (_scan.COMMENT, 0, 4, None, False)),
        (b"<Script>'<footer>'</SCRIPT><footer>", 2, (_scan.START, 27, 35, b"footer", False)),
        (
            b"<script><!--<script></script>--></script><nav>",
            2,
            (_scan.START, 41, 46, b"nav", False),
        ),
        (b"<title><footer></TITLE ><nav>", 2, (_scan.START, 24, 29, b"nav", False)),
        (b"<script>x", 2, (_scan.START, 0, 8, b"script", False)),  # its end is not here yet
        (b"<svg><title>t</title></svg><nav>", 0, (_scan.START, 27, 32, b"nav", False)),
        (b"<svg><title><b>t</b></title></svg>", 0, (_scan.START, 0, 5, b"svg", False)),
    ],
)
def test_whole_constructs_that_change_nothing_are_skipped(
    document: bytes, flags: int, expected: _scan.Event
) -> None:
    reference, compiled = _both()
    assert reference.next(document, 0, flags) == expected
    assert compiled.next(document, 0, flags) == expected


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
        b"<script>" + b"<!--<script>" * 100_000,
        b"<!--" + b"-" * 1_000_000,
        b"<title>" + b"</titl" * 200_000,
    ],
    ids=[
        "long-attributes",
        "open-value",
        "nul-bogus",
        "gt-in-value",
        "lt-run",
        "long-name",
        "end",
        "escaped-script",
        "dash-comment",
        "raw-text",
    ],
)
def test_megabyte_constructs(document: bytes) -> None:
    reference, compiled = _both()
    for flags in range(4):
        assert _events(compiled, document, flags) == _events(reference, document, flags)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=DOCUMENTS, sizes=st.lists(st.integers(0, 40), min_size=1, max_size=6))
@example(
    document=b"<footer><div><p>a<a>b</a><div>c</p></a></div><p>d<br><details><b>e</b></footer>",
    sizes=[0],
)
@example(document=b"<footer><ul><li><a>x</a><span>y</li></ul><h1>z</h1></span></footer>", sizes=[7])
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
        scanner.next(b"<p>", 4, 0)
    with pytest.raises(TypeError):
        scanner.next("<p>", 0, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="7 arguments"):
        scanner.next_plain(b"<p>", 0, 0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="list of bytes"):
        scanner.next_plain(b"<p>", 0, 0, 512, 0, 0, ())  # type: ignore[arg-type]
    with pytest.raises(IndexError):
        scanner.open_value(b"<p>", 4)
    with pytest.raises(TypeError, match="2 arguments"):
        scanner.open_value(b"<p>")  # type: ignore[call-arg]
    for kind in (compiled, _scan.PyTagScanner):
        with pytest.raises(ValueError, match="one byte for each plain name"):
            kind([b"footer"], [b"body"], [], [], [], [], [b"section"], b"")


def test_the_scanner_in_use_follows_the_switch() -> None:
    """ICP_FOOTER_PURE_PYTHON=1 picks the reference; otherwise the compiled one is in use."""
    if os.environ.get("ICP_FOOTER_SANITIZE"):
        # make sanitize: the package is the copy built with the sanitizers.
        assert Path(icp_footer.__file__).parts[-3:-1] == ("sanitize", "icp_footer")
    pure = os.environ.get("ICP_FOOTER_PURE_PYTHON", "") not in ("", "0")
    assert _scan.COMPILED is not pure
    assert (_scan.TagScanner is _scan.PyTagScanner) is pure


@pytest.mark.parametrize("footer", [b"", b"<footer>x</footer>"])
def test_a_tag_past_the_lookbehind_limit_in_one_piece_gives_the_same_result(
    footer: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether such a tag is given up on depends on where buffers end: both slice alike."""
    document = b"<body>" + footer + b"<span" + b" a" * 575_000 + b">y</body>"
    results = []
    for chosen in (_scan.PyTagScanner, compiled_scanner()):
        monkeypatch.setattr(_scan, "TagScanner", chosen)
        injector = Injector(b"<div>N</div>")
        out = injector.feed(document) + injector.finish()
        results.append((out, injector.result))
    assert results[0] == results[1]
