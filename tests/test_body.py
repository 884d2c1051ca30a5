"""The body rewriter: charset waiting, content codings, and falling back to the original."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icp_footer.body import BodyRewriter
from icp_footer.config import load
from icp_footer.injector import Placement
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
