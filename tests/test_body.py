"""The body rewriter: charset waiting, content codings, and falling back to the original."""

from __future__ import annotations

import gzip
import itertools
import subprocess
import sys
import zlib

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codings import WBITS, unpack_stream
from icp_footer.body import BodyRewriter
from icp_footer.config import load
from icp_footer.injector import InjectionResult, Placement
from icp_footer.policy import Plan, Policy, Target

NUMBER = "京ICP备12345678号-1"
PAGE = "<html><head><title>t</title></head><body><footer>© 示例</footer></body></html>"


def rewriter(
    content_type: str = "text/html; charset=utf-8", encoding: str = "identity", xhtml: bool = False
) -> BodyRewriter:
    decisions = Policy(load({"ICP_FOOTER_NUMBER": NUMBER}))
    target = decisions.request("GET", "/", "example.cn")
    assert isinstance(target, Target)
    return BodyRewriter(decisions, target, Plan(content_type, None, encoding, xhtml))


def run(body: BodyRewriter, data: bytes, size: int) -> bytes:
    out = b"".join(body.feed(data[i : i + size]) for i in range(0, len(data), size))
    return out + body.finish()


@settings(deadline=None, max_examples=50)
@given(st.integers(1, 300), st.sampled_from(["identity", "gzip", "deflate", "br"]))
def test_any_chunking_any_coding(size: int, coding: str) -> None:
    raw = PAGE.encode()
    encode = {
        "identity": lambda b: b,
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        "br": brotli.compress,
    }[coding]
    decode = {
        "identity": lambda b: b,
        "gzip": gzip.decompress,
        "deflate": zlib.decompress,
        "br": brotli.decompress,
    }[coding]
    body = rewriter(encoding=coding)
    out = decode(run(body, encode(raw), size))
    assert out.count(NUMBER.encode()) == 1
    assert body.result is not None
    assert body.result.placement is Placement.FOOTER


def test_without_a_header_charset_it_waits_for_the_first_kilobyte_only() -> None:
    page = ('<meta charset="gbk">' + "x" * 2000 + PAGE).encode("gbk", errors="ignore")
    body = rewriter(content_type="text/html")
    assert body.feed(page[:500]) == b""  # the charset may still come
    out = body.feed(page[500:1500])
    assert out.startswith(page[:1000])  # decided at 1 KB, and streaming from then on
    out += body.feed(page[1500:]) + body.finish()
    assert NUMBER.encode("gbk") in out
    with_header = rewriter()
    assert with_header.feed(b"<p>hello") == b"<p>hello"


def test_the_default_charset_is_windows_1252_and_numbers_become_references() -> None:
    out = run(rewriter(content_type="text/html"), b"<body>caf\xe9</body>", 4)
    assert b"&#20140;ICP&#22791;" in out


def test_xhtml_defaults_to_utf8_and_reads_the_xml_declaration() -> None:
    out = run(rewriter("application/xhtml+xml", xhtml=True), PAGE.encode(), 7)
    assert NUMBER.encode() in out
    declared = '<?xml version="1.0" encoding="GB18030"?>' + PAGE
    out = run(rewriter("application/xhtml+xml", xhtml=True), declared.encode("gb18030"), 7)
    assert NUMBER.encode("gb18030") in out


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-16", "text/html; charset=utf-16le"]
)
def test_utf16_passes_through(content_type: str) -> None:
    page = PAGE.encode("utf-16-le")
    body = rewriter(content_type)
    assert run(body, page, 5) == page
    assert body.result is None


def test_a_corrupt_gzip_body_goes_out_as_it_came() -> None:
    broken = b"\x1f\x8b\x08\x00garbage that is not deflate" * 3
    assert run(rewriter(encoding="gzip"), broken, 10) == broken


def test_an_empty_body() -> None:
    body = rewriter()
    assert body.finish().count(NUMBER.encode()) == 1  # a document that is only the snippet


# -- content codings: members, truncation, broken streams, memory -----------------------

LONG = (
    "<html><head><title>t</title></head><body>"
    + "".join(f"<p>第{i}段 paragraph {i}</p>\n" for i in range(2000))
    + "<footer>© 示例</footer></body></html>\n"
).encode()


def coding_name(coding: str) -> str:
    return "deflate" if coding == "raw-deflate" else coding


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    parts, pos = [], 0
    for size in sizes:
        parts.append(data[pos : pos + size])
        pos += size
    return [*parts, data[pos:]]


def feed_all(body: BodyRewriter, parts: list[bytes]) -> bytes:
    return b"".join(body.feed(part) for part in parts) + body.finish()


def members(data: bytes, cuts: list[int]) -> bytes:
    """``data`` as concatenated gzip members, split at ``cuts`` (a repeat: an empty member)."""
    edges = [0, *sorted(cuts), len(data)]
    return b"".join(gzip.compress(data[a:b]) for a, b in itertools.pairwise(edges))


def compress(coding: str, data: bytes) -> bytes:
    if coding == "br":
        return bytes(brotli.compress(data))
    if coding == "identity":
        return data
    squeezer = zlib.compressobj(6, zlib.DEFLATED, WBITS[coding])
    return squeezer.compress(data) + squeezer.flush()


def unpack(coding: str, data: bytes) -> tuple[bytes, bool]:
    """What a streaming client decodes from ``data``, and whether its stream ended."""
    decoded, ended, _ = unpack_stream(coding, data)
    return decoded, ended


def with_insertion(data: bytes, result: InjectionResult | None) -> bytes:
    assert result is not None
    assert result.offset is not None
    return data[: result.offset] + result.inserted + data[result.offset :]


@pytest.mark.parametrize("size", [1, 7, 100, 4096, 1 << 20])
def test_every_gzip_member_is_decoded(size: int) -> None:
    body = members(LONG, [100, 100, len(LONG) // 2])  # with an empty member
    rw = rewriter(encoding="gzip")
    out = feed_all(rw, chunks(body, size))
    assert gzip.decompress(out) == with_insertion(LONG, rw.result)
    assert rw.result is not None
    assert NUMBER.encode() in rw.result.inserted


@pytest.mark.parametrize("offset", [-1, 0, 1, 2, 10])
def test_a_member_boundary_split_across_chunks(offset: int) -> None:
    page = PAGE.encode()
    body = gzip.compress(b"") + members(page, [20, 20, 40]) + gzip.compress(b"")
    cut = len(gzip.compress(b"")) + len(gzip.compress(page[:20])) + offset  # near "1f 8b"
    rw = rewriter(encoding="gzip")
    out = feed_all(rw, [body[:cut], b"", body[cut:]])
    assert gzip.decompress(out) == with_insertion(page, rw.result)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
@pytest.mark.parametrize("size", [3, 1000, 1 << 20])
def test_garbage_after_a_complete_stream_follows_it_verbatim(coding: str, size: int) -> None:
    garbage = b"<!-- appended after compression -->\x00\x00"
    body = compress(coding, PAGE.encode()) + garbage
    rw = rewriter(encoding=coding_name(coding))
    out = feed_all(rw, chunks(body, size))
    assert out.endswith(garbage)
    assert unpack(coding, out[: -len(garbage)]) == (with_insertion(PAGE.encode(), rw.result), True)
    assert rw.feed(b"more") == b"more"  # and so does whatever else comes


def test_bytes_after_a_br_stream_are_a_decoding_error() -> None:
    body = bytes(brotli.compress(PAGE.encode())) + b"garbage"
    assert feed_all(rewriter(encoding="br"), [body]) == body  # nothing went out: as it came


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "br"])
@pytest.mark.parametrize("cut", ["60%", "trailer"])
@pytest.mark.parametrize("size", [50, 1 << 20])
def test_a_truncated_stream_stays_truncated(coding: str, cut: str, size: int) -> None:
    whole = compress(coding, LONG)
    if cut == "trailer":
        # Every byte of the page is there, </body> too: the insertion made there is taken back.
        end = {"gzip": -8, "deflate": -4, "raw-deflate": -1, "br": -1}[coding]
    else:
        end = len(whole) * 6 // 10
    body = whole[:end]
    expected, ended = unpack(coding, body)
    assert not ended
    rw = rewriter(encoding=coding_name(coding))
    out = feed_all(rw, chunks(body, size))
    assert unpack(coding, out) == (expected, False)  # the client sees a truncated stream too
    assert NUMBER.encode() not in out
    if coding == "gzip":
        with pytest.raises(EOFError):
            gzip.decompress(out)
    assert rw.result is not None
    assert rw.result.placement is Placement.NOT_INSERTED


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_truncated_body_that_sent_nothing_goes_out_as_it_came(coding: str) -> None:
    body = compress(coding, PAGE.encode())[:-5]
    rw = rewriter("text/html", encoding=coding)  # no charset: it waits for a kilobyte
    assert feed_all(rw, chunks(body, 10)) == body
    assert rw.result is None


@pytest.mark.parametrize(("after", "shown"), [(3000, False), (5000, True)])
def test_an_insertion_is_held_back_up_to_the_lookbehind_limit(after: int, shown: bool) -> None:
    decisions = Policy(load({"ICP_FOOTER_NUMBER": NUMBER, "ICP_FOOTER_LOOKBEHIND": "4096"}))
    target = decisions.request("GET", "/", "example.cn")
    assert isinstance(target, Target)
    rw = BodyRewriter(decisions, target, Plan("text/html; charset=utf-8", None, "gzip", False))
    page = PAGE.encode() + b"x" * after  # bytes after </html>, then the stream breaks off
    out = feed_all(rw, chunks(gzip.compress(page)[:-8], 20))
    decoded, ended = unpack("gzip", out)
    assert not ended
    assert (NUMBER.encode() in decoded) is shown  # past the limit, the insertion stays


def test_abandon_inserts_nothing_and_keeps_the_stream_whole() -> None:
    page = LONG
    body = gzip.compress(page)
    rw = rewriter(encoding="gzip")
    cut = len(body) - 100  # </body> is in the part before: the insertion is held
    out = rw.feed(body[:cut]) + rw.abandon() + rw.feed(body[cut:]) + rw.finish()
    assert gzip.decompress(out) == page
    assert rw.result is not None
    assert rw.result.placement is Placement.NOT_INSERTED
    early = rewriter("text/html", encoding="gzip")  # waits for a kilobyte: nothing went out
    assert early.feed(body[:10]) == b""
    assert early.abandon() == body[:10]
    assert early.feed(body[10:]) == body[10:]
    assert early.finish() == b""


def broken(coding: str, good: bytes) -> bytes:
    """``good`` compressed, then a block of the reserved type 3, then more bytes."""
    squeezer = zlib.compressobj(6, zlib.DEFLATED, WBITS[coding])
    return squeezer.compress(good) + squeezer.flush(zlib.Z_SYNC_FLUSH) + b"\x06" + b"\xff" * 99


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
def test_corrupt_data_mid_stream_keeps_everything_decoded_before_it(coding: str) -> None:
    good = LONG[: len(LONG) * 2 // 3]
    body = broken(coding, good)
    rw = rewriter(encoding=coding_name(coding))
    outs = [rw.feed(part) for part in chunks(body, 500)]
    outs.append(rw.finish())
    out = b"".join(outs)
    assert unpack(coding, out) == (good, False)
    assert not any(outs[(len(body) - 100) // 500 + 1 :])  # nothing of the original spliced on
    assert rw.result is not None
    assert rw.result.placement is Placement.NOT_INSERTED


def test_an_error_in_one_big_step_loses_nothing_decoded_before_it() -> None:
    # zlib drops the output of a call that fails: it is replayed a byte at a time.
    good = LONG * 4
    body = broken("gzip", good)
    rw = rewriter(encoding="gzip")
    out = feed_all(rw, [body[:2000], body[2000:]])
    assert unpack("gzip", out) == (good, False)


def test_an_error_before_anything_went_out_sends_the_original() -> None:
    body = broken("gzip", LONG)
    assert feed_all(rewriter(encoding="gzip"), [body]) == body


def test_corrupt_br_mid_stream_keeps_what_was_decoded() -> None:
    good = LONG[: len(LONG) * 2 // 3]
    squeezer = brotli.Compressor()
    body = squeezer.process(good) + squeezer.flush() + b"\xff" * 100
    rw = rewriter(encoding="br")
    out = feed_all(rw, chunks(body, 100))
    decoded, ended = unpack("br", out)
    assert not ended
    assert good.startswith(decoded)
    assert len(decoded) > len(good) - 70 * 1024  # the binding drops one step at most
    assert NUMBER.encode() not in decoded


def test_what_is_kept_for_falling_back_is_bounded() -> None:
    # Empty gzip members decode to nothing: waiting for the first kilobyte, all is kept.
    rw = rewriter("text/html", encoding="gzip")
    empties = gzip.compress(b"") * 1000
    fed: list[bytes] = []
    sent: list[bytes] = []
    while not any(sent) and len(fed) < 400:
        fed.append(empties)
        sent.append(rw.feed(empties))
    assert b"".join(sent) == b"".join(fed)  # it stopped keeping, and sent what it had kept
    assert len(b"".join(fed)) < 2 << 20
    assert rw.feed(b"more") == b"more"


FRAGMENTS = [
    *("<html>", "<head>", "<title>t</title>", "</head>", "<body>", "</body>", "</html>"),
    *("<footer>", "</footer>", "<section>", "</section>", "<div class='a>b'>", "</div>"),
    *("<p>", "text ", "示例 ", "\n", "&amp;", "<!-- c -->", "<script>x<y</script>", "<"),
]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, str, bytes, bytes, list[bytes]]:
    page = "".join(draw(st.lists(st.sampled_from(FRAGMENTS), max_size=80))).encode()
    coding = draw(st.sampled_from(["identity", "gzip", "deflate", "raw-deflate", "br"]))
    if coding == "gzip":
        body = members(page, draw(st.lists(st.integers(0, len(page)), max_size=4)))
    else:
        body = compress(coding, page)
    garbage = b""
    if coding != "identity" and len(body) > 1 and draw(st.booleans()):
        body = body[: draw(st.integers(1, len(body) - 1))]
    elif coding in WBITS:
        garbage = draw(st.sampled_from([b"", b"\x00\x00", b"<!-- x -->"]))
    content_type = draw(st.sampled_from(["text/html; charset=utf-8", "text/html"]))
    sizes = draw(st.lists(st.integers(0, 64), max_size=20))
    return coding, content_type, page, garbage, split(body + garbage, sizes)


@settings(deadline=None, max_examples=300)
@given(bodies())
def test_the_output_is_the_input_plus_at_most_one_insertion(
    case: tuple[str, str, bytes, bytes, list[bytes]],
) -> None:
    coding, content_type, _, garbage, parts = case
    body = b"".join(parts)
    rw = rewriter(content_type, encoding=coding_name(coding))
    out = feed_all(rw, parts)
    if garbage:
        assert out.endswith(garbage)
        body, out = body[: -len(garbage)], out[: -len(garbage)]
    decoded, ended = unpack(coding, body)
    if not ended:  # never an insertion, and the stream stays unterminated
        assert unpack(coding, out) == (decoded, False)
        assert rw.result is None or rw.result.offset is None
    else:
        assert unpack(coding, out) == (with_insertion(decoded, rw.result), True)


_MEMORY_CHILD = """
import sys, zlib
import brotli
from icp_footer.body import BodyRewriter
from icp_footer.config import load
from icp_footer.policy import Plan, Policy

coding, mib = sys.argv[1], int(sys.argv[2])
policy = Policy(load({"ICP_FOOTER_NUMBER": "京ICP备12345678号-1"}))
target = policy.request("GET", "/", "example.cn")
zeros = bytes(1 << 20)

def bomb(mib):
    if coding == "gzip":
        squeezer = zlib.compressobj(6, zlib.DEFLATED, 31)
        push, end = squeezer.compress, squeezer.flush
    else:
        squeezer = brotli.Compressor(quality=5)
        push, end = squeezer.process, squeezer.finish
    parts = [push(b"<html><body><p>")]
    parts += [push(zeros) for _ in range(mib)]
    return b"".join(parts) + end()

def rewrite(body):
    rw = BodyRewriter(policy, target, Plan("text/html", None, coding, False))  # head first
    return rw.feed(body) + rw.finish()

def decoded_size(data):
    if coding == "gzip":
        inflater, size = zlib.decompressobj(31), 0
        while not inflater.eof:
            size += len(inflater.decompress(data, 1 << 20))
            data = inflater.unconsumed_tail
        return size
    decoder = brotli.Decompressor()
    size = len(decoder.process(data, output_buffer_limit=1 << 20))
    while not decoder.is_finished():
        size += len(decoder.process(b"", output_buffer_limit=1 << 20))
    return size

def kib(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key))

rewrite(bomb(1))
body = bomb(mib)
# Not ru_maxrss: it counts the parent's RSS, inherited by the fork before exec.
try:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # the peak RSS starts again from the current RSS
    before = kib("VmRSS")
except OSError:  # growth over the peak so far, then
    before = kib("VmHWM")
out = rewrite(body)
grown = kib("VmHWM") - before
print(grown * 1024, len(body), len(out), decoded_size(out))
"""


def memory_growth(coding: str, mib: int) -> tuple[int, int, int, int]:
    """Peak RSS growth rewriting ``mib`` MiB of zeros sent as one chunk; sizes in and out."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, coding, str(mib)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    grown, size_in, size_out, decoded = (int(n) for n in done.stdout.split())
    return grown, size_in, size_out, decoded


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_decoding_memory_is_bounded_whatever_the_ratio(coding: str) -> None:
    small, *_ = memory_growth(coding, 16)
    large, size_in, size_out, decoded = memory_growth(coding, 128)
    assert size_in < 1 << 20  # 128 MiB of zeros arrives as one chunk of at most 128 KiB
    assert decoded > 128 << 20  # all of it went through, snippet included
    assert size_out < 4 * size_in + 4096
    assert large < 64 << 20, large
    assert large - small < 16 << 20, (small, large)  # no growth with the decoded size


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=5),
    st.sampled_from(["identity", "gzip", "deflate", "br"]),
    st.sampled_from([PAGE.encode(), LONG]),
)
def test_finish_with_the_last_chunk_is_feed_then_finish(
    sizes: list[int], coding: str, page: bytes
) -> None:
    """finish(chunk), which the adapters use for a body in one piece, changes nothing."""
    parts = split(compress(coding, page), sizes)
    separate, together = rewriter(encoding=coding), rewriter(encoding=coding)
    expected = feed_all(separate, parts)
    out = b"".join(together.feed(part) for part in parts[:-1]) + together.finish(parts[-1])
    assert out == expected
    assert together.result == separate.result
