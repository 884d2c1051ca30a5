"""Tests for icp_footer.render: markup, escaping, CSP, XHTML, encodings and the badge."""

from __future__ import annotations

import base64
import codecs
import html
import importlib.resources
import re
import warnings
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from icp_footer.config import display_host, load
from icp_footer.numbers import IcpNumber, PsbNumber, normalise
from icp_footer.render import (
    BADGE_ALT,
    FooterStyle,
    already_shown_patterns,
    badge_data_uri,
    badge_svg,
    banner_html,
    detect_charset,
    encode,
    footer_html,
    page_style_nonce,
    style_policy,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import html5lib
    import webencodings  # type: ignore[import-untyped]

ICP_TEXT = "京ICP备12345678号-1"
PSB_TEXT = "京公网安备 11010502030143号"
OWNER = "© 2026 示例公司"


def icp_number(text: str = ICP_TEXT) -> IcpNumber:
    return IcpNumber(text, normalise(text), "filing", text[:1])


def psb_number(text: str = PSB_TEXT, code: str = "11010502030143") -> PsbNumber:
    return PsbNumber(text, normalise(text), code, text[:1])


ICP = icp_number()
PSB = psb_number()

INLINE = FooterStyle("utf-8", None, inline_style=True, xhtml=False)
NONCE = FooterStyle("utf-8", "r4nd0m+/=", inline_style=False, xhtml=False)
BARE = FooterStyle("utf-8", None, inline_style=False, xhtml=False)
MODES = {"inline": INLINE, "nonce": NONCE, "bare": BARE}
XHTML_MODES = {
    name: FooterStyle(s.charset, s.style_nonce, s.inline_style, xhtml=True)
    for name, s in MODES.items()
}

DNS_NAME = st.lists(
    st.sampled_from(["example", "cn", "www", "例子", "中国", "xn--fsqu00a", "a-1", "[::1]"]),
    min_size=1,
    max_size=4,
).map(".".join)

# Text a page could be configured with; what HTML and XML cannot carry is tested apart.
CARRIABLE = st.text(
    st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\ufffe\uffff",
    )
)


def parse(snippet: str) -> LexborHTMLParser:
    return LexborHTMLParser(f"<!DOCTYPE html><html><body>{snippet}</body></html>")


def containers(tree: LexborHTMLParser) -> list[LexborNode]:
    return list(tree.css("body > *"))


def one(tree: LexborHTMLParser, selector: str) -> LexborNode:
    found = tree.css(selector)
    assert len(found) == 1, (selector, [n.html for n in found])
    return found[0]


def text_of(node: LexborNode) -> str:
    return node.text(deep=True, strip=False)


def visible_text(node: LexborNode) -> str:
    """Text content without ``<style>`` blocks."""
    return "".join(
        n.text(deep=False, strip=False)
        for n in node.traverse(include_text=True)
        if n.tag == "-text" and (n.parent is None or n.parent.tag != "style")
    )


def xml_root(snippet: str) -> ET.Element:
    return ET.fromstring(f"<root>{snippet}</root>")


# -- footer markup ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_footer_links_badge_and_order(mode: str) -> None:
    snippet = footer_html(ICP, PSB, owner=OWNER, style=MODES[mode])
    assert snippet.startswith("<div")
    assert "<script" not in snippet.lower()
    tree = parse(snippet)
    (box,) = containers(tree)
    assert box.tag == "div"
    assert "icp-footer" in (box.attributes.get("class") or "").split()
    assert box.attributes.get("lang") == "zh-CN"

    icp = one(tree, "a.icp-footer__icp")
    assert icp.attributes["href"] == "https://beian.miit.gov.cn/"
    assert icp.attributes["target"] == "_blank"
    assert icp.attributes["rel"] == "noopener noreferrer"
    assert text_of(icp) == ICP_TEXT

    psb = one(tree, "a.icp-footer__psb")
    assert psb.attributes["href"] == (
        "https://beian.mps.gov.cn/#/query/webSearch?code=11010502030143"
    )
    assert psb.attributes["target"] == "_blank"
    assert psb.attributes["rel"] == "noopener noreferrer"
    assert text_of(psb) == PSB_TEXT

    img = one(tree, "img")
    assert img.attributes["alt"] == BADGE_ALT == "公安备案"
    assert img.attributes["width"] == img.attributes["height"]
    assert 14 <= int(img.attributes["width"] or "0") <= 20
    assert (img.attributes["src"] or "").startswith("data:image/svg+xml;base64,")
    assert img.next is not None
    assert img.next.tag == "a"  # the badge comes right before the number

    line = " ".join(visible_text(box).split())
    assert line == f"{OWNER} | {ICP_TEXT} | {PSB_TEXT}"


def test_footer_inline_styles_cover_the_essentials() -> None:
    tree = parse(footer_html(ICP, PSB, owner=OWNER, style=INLINE))
    (box,) = containers(tree)
    style = declarations(box.attributes["style"] or "")
    assert style["text-align"] == "center"
    assert "12px/1.5" in style["font"]
    for prop in ("margin", "padding", "border", "background", "color", "text-decoration"):
        assert prop in style, prop
    for link in tree.css("a"):
        link_style = declarations(link.attributes["style"] or "")
        for prop in ("margin", "padding", "border", "background", "color", "text-decoration"):
            assert prop in link_style, prop
        assert link_style["text-decoration"] == "none"
    img_style = declarations(one(tree, "img").attributes["style"] or "")
    assert img_style["vertical-align"] == "middle"


def test_footer_with_only_one_number_or_none() -> None:
    only_icp = parse(footer_html(ICP, None, style=INLINE))
    assert [text_of(a) for a in only_icp.css("a")] == [ICP_TEXT]
    assert not only_icp.css("img")
    assert "|" not in visible_text(containers(only_icp)[0])
    only_psb = parse(footer_html(None, PSB, owner=OWNER, style=INLINE))
    assert [text_of(a) for a in only_psb.css("a")] == [PSB_TEXT]
    assert len(only_psb.css("img")) == 1
    assert footer_html(None, None, owner=OWNER, style=INLINE) == ""


def test_footer_without_owner_has_no_owner_element() -> None:
    for owner in (None, "", "   "):
        tree = parse(footer_html(ICP, PSB, owner=owner, style=INLINE))
        assert not tree.css(".icp-footer__owner")
        assert " ".join(visible_text(containers(tree)[0]).split()) == f"{ICP_TEXT} | {PSB_TEXT}"


def test_custom_urls_and_code_substitution() -> None:
    psb = psb_number(code='1101&05"02030143')
    snippet = footer_html(
        ICP,
        psb,
        icp_url="https://example.test/icp?a=1&b=2",
        psb_url="https://example.test/psb?code={code}&x={y}",
        style=INLINE,
    )
    tree = parse(snippet)
    assert one(tree, "a.icp-footer__icp").attributes["href"] == "https://example.test/icp?a=1&b=2"
    assert one(tree, "a.icp-footer__psb").attributes["href"] == (
        "https://example.test/psb?code=1101%2605%2202030143&x={y}"
    )
    assert "?a=1&amp;b=2" in snippet


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "/relative", "beian.miit.gov.cn", ""]
)
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        footer_html(ICP, None, icp_url=url, style=INLINE)
    with pytest.raises(ValueError, match="http"):
        footer_html(None, PSB, psb_url=url, style=INLINE)


# -- escaping ---------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "&amp; &lt;b&gt; & <!-- --> ]]> </div>",
    "</a></div><footer>x</footer>",
]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("mode", MODES)
def test_hostile_numbers_and_owner_are_escaped(hostile: str, mode: str) -> None:
    icp = icp_number(f"京ICP备{hostile}")
    psb = psb_number(f"京公网安备{hostile}", code=hostile)
    snippet = footer_html(icp, psb, owner=hostile, style=MODES[mode])
    assert "<script" not in snippet.lower()
    assert "<img src=x" not in snippet
    tree = parse(snippet)
    assert len(containers(tree)) == 1
    assert not tree.css("script")
    assert len(tree.css("img")) == 1
    assert not any(
        "onerror" in n.attributes or "onmouseover" in n.attributes for n in tree.css("*")
    )
    assert text_of(one(tree, ".icp-footer__owner")) == hostile
    assert text_of(one(tree, "a.icp-footer__icp")) == icp.text
    assert text_of(one(tree, "a.icp-footer__psb")) == psb.text
    xml_root(footer_html(icp, psb, owner=hostile, style=XHTML_MODES[mode]))


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("mode", MODES)
def test_hostile_host_is_not_shown_in_banner(hostile: str, mode: str) -> None:
    snippet = banner_html(hostile, style=MODES[mode])
    assert "<script" not in snippet.lower()
    assert snippet == banner_html(None, style=MODES[mode])
    tree = parse(snippet)
    assert len(containers(tree)) == 1
    assert not tree.css("script")
    assert not tree.css("img")
    xml_root(banner_html(hostile, style=XHTML_MODES[mode]))


def test_nonce_is_escaped() -> None:
    style = FooterStyle("utf-8", 'x"><script>', inline_style=False, xhtml=False)
    tree = parse(footer_html(ICP, PSB, style=style))
    assert not tree.css("script")
    assert one(tree, "style").attributes["nonce"] == 'x"><script>'


def test_characters_html_and_xml_cannot_carry_are_replaced() -> None:
    owner = "a\x00b\x01c\x7fd\x85e\ud800f\uffffg\r\nh\x0ci"
    snippet = footer_html(ICP, None, owner=owner, style=XHTML_MODES["inline"])
    root = xml_root(snippet)
    text = "".join(root.itertext())
    assert "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg \nh i" in text
    assert text_of(one(parse(snippet), ".icp-footer__owner")) == (
        "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg \nh i"
    )


# -- banner -----------------------------------------------------------------------------------


def test_banner_is_bilingual_and_says_what_to_set() -> None:
    tree = parse(banner_html("www.example.cn", style=INLINE))
    (box,) = containers(tree)
    text = " ".join(visible_text(box).split())
    assert "此网站未显示 ICP 备案号" in text
    assert "This site shows no ICP filing number for www.example.cn." in text
    assert 'ICP_FOOTER_DOMAINS="www.example.cn=京ICP备XXXXXXXX号-1"' in text
    assert "ICP_FOOTER_NUMBER" in text
    assert 'ICP_FOOTER_DOMAINS="www.example.cn=none"' in text
    assert box.attributes.get("lang") == "zh-CN"
    assert any(p.attributes.get("lang") == "en" for p in tree.css("p"))
    style = declarations(box.attributes["style"] or "")
    assert contrast(parse_colour(style["color"]), parse_colour(style["background"])) >= 7


@pytest.mark.parametrize(
    "host",
    [
        "SITE SUSPENDED - verify your account at http://evil.example/login",
        "evil.example/login",
        "x" * 8000,
        "a" * 64 + ".cn",
        "",
        None,
    ],
)
def test_banner_names_no_host_unless_it_is_a_host_name(host: str | None) -> None:
    snippet = banner_html(host, style=INLINE)
    assert snippet == banner_html(None, style=INLINE)
    assert len(snippet) < 6000
    tree = parse(snippet)
    (box,) = containers(tree)
    text = " ".join(visible_text(box).split())
    assert "evil" not in text
    assert "SUSPENDED" not in text
    assert "xxxxxxxx" not in text
    assert "⚠ 此网站未显示 ICP 备案号" in text
    assert "This site shows no ICP filing number." in text
    assert 'ICP_FOOTER_DOMAINS="example.cn=京ICP备XXXXXXXX号-1"' in text
    assert 'ICP_FOOTER_NUMBER="京ICP备XXXXXXXX号-1"' in text
    assert 'ICP_FOOTER_DOMAINS="example.cn=none"' in text
    assert any(p.attributes.get("lang") == "en" for p in tree.css("p"))


def test_banner_shows_an_idn_host_in_unicode() -> None:
    text = visible_text(
        containers(parse(banner_html("WWW.xn--fsqu00a.xn--fiqs8s:8080", style=BARE)))[0]
    )
    text = " ".join(text.split())
    assert "xn--" not in text
    assert "此网站未显示 ICP 备案号：www.例子.中国" in text
    assert "This site shows no ICP filing number for www.例子.中国." in text
    assert 'ICP_FOOTER_DOMAINS="www.例子.中国=京ICP备XXXXXXXX号-1"' in text
    assert 'ICP_FOOTER_DOMAINS="www.例子.中国=none"' in text


def test_banner_names_a_custom_variable() -> None:
    text = visible_text(containers(parse(banner_html("a.cn", style=BARE, variable="MY_VAR")))[0])
    assert 'MY_VAR="a.cn=京ICP备XXXXXXXX号-1"' in text
    assert 'MY_VAR="a.cn=none"' in text
    assert "ICP_FOOTER_NUMBER" not in text


# -- CSP --------------------------------------------------------------------------------------


def test_inline_mode_uses_style_attributes_only() -> None:
    for snippet in (
        footer_html(ICP, PSB, owner=OWNER, style=INLINE),
        banner_html("h", style=INLINE),
    ):
        tree = parse(snippet)
        assert not tree.css("style")
        assert all("style" in n.attributes for n in tree.css("body *"))
        assert "align" not in containers(tree)[0].attributes


def test_nonce_mode_uses_one_scoped_style_block() -> None:
    for snippet in (footer_html(ICP, PSB, owner=OWNER, style=NONCE), banner_html("h", style=NONCE)):
        tree = parse(snippet)
        (block,) = tree.css("style")
        assert block.attributes["nonce"] == "r4nd0m+/="
        assert block.parent is not None
        assert block.parent.tag == "div"
        assert not any("style" in n.attributes for n in tree.css("body *"))
        root_class = (containers(tree)[0].attributes["class"] or "").split()[0]
        css = block.text()
        selectors = re.findall(r"([^{}]+)\{", css)
        assert selectors
        assert all(s.startswith(f".{root_class}[data-icp-footer]") for s in selectors)
        assert "!important" in css


def test_nonce_mode_styles_every_element() -> None:
    tree = parse(footer_html(ICP, PSB, owner=OWNER, style=NONCE))
    css = one(tree, "style").text()
    for node in tree.css("body div *"):
        if node.tag in ("style",):
            continue
        classes = (node.attributes.get("class") or "").split()
        assert any(f".{c}{{" in css for c in classes), node.html


def test_bare_mode_has_no_styles_but_reads_well() -> None:
    for snippet in (footer_html(ICP, PSB, owner=OWNER, style=BARE), banner_html("h", style=BARE)):
        tree = parse(snippet)
        assert not tree.css("style")
        assert not any("style" in n.attributes for n in tree.css("body *"))
        assert containers(tree)[0].attributes["align"] == "center"
    tree = parse(footer_html(ICP, PSB, owner=OWNER, style=BARE))
    assert one(tree, "img").attributes["align"] == "middle"
    assert tree.css("small")
    assert " | " in visible_text(containers(tree)[0])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, (True, None)),
        ("", (True, None)),
        ("script-src 'self'; img-src *", (True, None)),
        ("style-src 'self'", (False, None)),
        ("style-src 'self' 'unsafe-inline'", (True, None)),
        ("STYLE-SRC 'SELF' 'UNSAFE-INLINE'", (True, None)),
        ("default-src 'none'", (False, None)),
        ("default-src 'self' 'unsafe-inline'", (True, None)),
        ("default-src 'none'; style-src 'unsafe-inline'", (True, None)),
        ("default-src 'self'; script-src 'unsafe-inline'", (False, None)),
        ("style-src 'nonce-abc123'", (False, "abc123")),
        ("style-src 'self' 'unsafe-inline' 'nonce-abc123'", (False, "abc123")),
        ("default-src 'nonce-Zm9v+/_-=='", (False, "Zm9v+/_-==")),
        ("style-src 'unsafe-inline' 'sha256-AAAA'", (False, None)),
        ("style-src 'nonce-bad!'", (False, None)),
        ("style-src 'unsafe-inline'; style-src 'self'", (True, None)),  # first one counts
        ("style-src-attr 'unsafe-inline'; style-src 'self'", (True, None)),
        # Attributes blocked, <style> allowed without a nonce: no nonce to give, so unstyled.
        ("style-src-attr 'none'; style-src 'unsafe-inline'", (False, None)),
        ("style-src-attr 'none'; style-src-elem 'nonce-e'; style-src 'self'", (False, "e")),
        ("style-src 'unsafe-inline', style-src 'self'", (False, None)),
        ("style-src 'unsafe-inline', default-src https:", (False, None)),
        ("style-src 'unsafe-inline', script-src 'none'", (True, None)),
        ("style-src 'nonce-a', style-src 'unsafe-inline'", (False, "a")),
        ("style-src 'nonce-a', style-src 'nonce-b'", (False, None)),
        ("style-src 'nonce-a' 'nonce-b', style-src 'nonce-b'", (False, "b")),
        ("style-src 'nonce-a', style-src 'self'", (False, None)),
        ("style-src", (False, None)),
        (" ; ,  style-src 'self' 'unsafe-inline' ;", (True, None)),
    ],
)
def test_style_policy(header: str | None, expected: tuple[bool, str | None]) -> None:
    assert style_policy(header) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<style nonce="abc">x{}</style>', "abc"),
        (b"<STYLE NONCE='abc+/='>", "abc+/="),
        (b"<style media=all nonce=abc>", "abc"),
        (b'<link rel="stylesheet" href="/a.css" nonce="n1">', "n1"),
        (b'<link rel="preload stylesheet" nonce="n1">', "n1"),
        (b'<link rel="icon" nonce="n0"><link rel=Stylesheet nonce=n2>', "n2"),
        (b'<!-- <style nonce="old"> --><style nonce="new">', "new"),
        (b'<script>"<style nonce=\'js\'>"</script><style nonce="real">', "real"),
        (b'<script nonce="s"></script><style>', None),
        (b"<style>", None),
        (b'<style nonce="">', None),
        (b'<style nonce="a b">', None),
        (b'<style nonce="&#97;bc">', "abc"),
        (b'<style data-x=">" nonce="q">', "q"),
        (b"", None),
    ],
)
def test_page_style_nonce(head: bytes, expected: str | None) -> None:
    assert page_style_nonce(head) == expected


# -- XHTML ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", XHTML_MODES)
def test_xhtml_output_is_well_formed(mode: str) -> None:
    style = XHTML_MODES[mode]
    root = xml_root(footer_html(ICP, PSB, owner="A & B <C>", style=style))
    (box,) = list(root)
    assert box.tag == "div"
    assert box.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert box.get("lang") == "zh-CN"
    texts = {a.get("class"): "".join(a.itertext()) for a in box.iter("a")}
    assert texts == {"icp-footer__icp": ICP_TEXT, "icp-footer__psb": PSB_TEXT}
    (img,) = box.iter("img")
    assert img.get("alt") == BADGE_ALT
    banner = xml_root(banner_html("h&<>\"'", style=style))
    assert 'ICP_FOOTER_DOMAINS="example.cn=none"' in "".join(banner.itertext())


def test_html_mode_output_is_well_formed_too() -> None:
    for style in MODES.values():
        xml_root(footer_html(ICP, PSB, owner=OWNER, style=style))
        xml_root(banner_html("example.com", style=style))


# -- charset detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "head", "expected"),
    [
        (None, b"", "cp1252"),
        ("text/html", b"<p>x</p>", "cp1252"),
        ("text/html; charset=utf-8", b"", "utf-8"),
        ('text/html;charset="GB2312"', b"", "gbk"),
        ("text/html; foo=bar; charset=x-gbk", b"", "gbk"),
        ("text/html; charset=GB18030", b"", "gb18030"),
        ("text/html; charset=big5", b"", "big5"),
        ("text/html; charset=Shift_JIS", b"", "shift_jis"),
        ("text/html; charset=euc-kr", b"", "euc-kr"),
        ("text/html; charset=ISO-8859-1", b"", "cp1252"),
        ("text/html; charset=latin1", b"", "cp1252"),
        ("text/html; charset=us-ascii", b"", "cp1252"),
        ("text/html; charset=unicode-1-1-utf-8", b"", "utf-8"),
        ("text/html; charset=utf-16", b"", "utf-16-le"),
        ("text/html; charset=utf-16be", b"", "utf-16-be"),
        ("text/html; charset=iso-2022-kr", b"<meta charset=gbk>", None),
        ("text/html; charset=x-user-defined", b"", None),
        # BOM beats header beats meta.
        ("text/html; charset=gbk", codecs.BOM_UTF8 + b"<meta charset=big5>", "utf-8"),
        ("text/html; charset=gbk", codecs.BOM_UTF16_LE + b"<", "utf-16-le"),
        (None, codecs.BOM_UTF16_BE + b"\x00<", "utf-16-be"),
        ("text/html; charset=gbk", b"<meta charset=big5>", "gbk"),
        # Unknown labels fall through to the next source.
        ("text/html; charset=klingon", b"<meta charset=big5>", "big5"),
        ("text/html; charset=klingon", b"<p>", "cp1252"),
        (None, b"<meta charset=klingon><meta charset=gbk>", "gbk"),
        # <meta> forms.
        (None, b'<!DOCTYPE html><html><head><meta charset="GBK">', "gbk"),
        (None, b"<meta charset=' utf-8 '>", "utf-8"),
        (None, b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gbk"),
        (None, b"<META CONTENT='text/html;charset=\"big5\"' HTTP-EQUIV=content-type>", "big5"),
        (None, b'<meta content="text/html; charset=gbk">', "cp1252"),  # no http-equiv
        (None, b'<meta http-equiv="refresh" content="0; charset=gbk">', "cp1252"),
        (None, b'<meta name="x" charset="gbk" charset="big5">', "gbk"),
        (None, b"<meta charset=utf-16le>", "utf-8"),
        (None, b"<meta charset=x-user-defined>", "cp1252"),
        (None, b"<meta charset=hz-gb-2312>", None),
        (None, b"<!-- <meta charset=big5> --><meta charset=gbk>", "gbk"),
        (None, b"<p title='<meta charset=big5>'><meta charset=gbk>", "gbk"),
        (None, b"<metadata charset=big5><meta/charset=gbk>", "gbk"),
        (None, b"<?xml version='1.0'?><meta charset=gbk>", "gbk"),
    ],
)
def test_detect_charset(content_type: str | None, head: bytes, expected: str | None) -> None:
    assert detect_charset(content_type, head) == expected


def test_meta_is_only_read_in_the_first_1024_bytes() -> None:
    meta = b"<meta charset=gbk>"
    inside = b"<p>" + b"x" * (1024 - 3 - len(meta)) + meta
    assert len(inside) == 1024
    assert detect_charset(None, inside + b"<p>") == "gbk"
    beyond = b"<p>" + b"x" * 1024 + meta
    assert detect_charset(None, beyond) == "cp1252"
    straddling = b"<p>" + b"x" * (1024 - 3 - 10) + meta
    assert detect_charset(None, straddling) == "cp1252"
    assert detect_charset("text/html; charset=big5", beyond) == "big5"


def test_labels_follow_the_whatwg_table() -> None:
    """Every WHATWG label maps to the codec webencodings (html5lib's table) picks, or to a
    sibling codec that encode() writes with the codec the browsers follow."""
    siblings = {"big5": "big5hkscs", "shift_jis": "cp932", "euc_kr": "cp949"}
    for label in webencodings.LABELS:
        found = detect_charset(f"text/html; charset={label}", b"")
        theirs = webencodings.lookup(label).codec_info.name
        if theirs in ("replacement", "x-user-defined"):
            assert found is None, label
            continue
        assert found is not None, label
        if theirs.startswith("utf-16"):
            assert found in ("utf-16-le", "utf-16-be"), label
            continue
        ours = codecs.lookup(found).name
        assert ours == theirs or siblings.get(ours) == theirs, (label, ours, theirs)


# -- encode -----------------------------------------------------------------------------------

PAGE_CHARSETS = ["utf-8", "gbk", "gb18030", "big5", "shift_jis", "euc-kr", "cp1252"]


def page_bytes(charset: str, snippet: str, label: str | None = None) -> bytes:
    head = f'<!DOCTYPE html><html><head><meta charset="{label or charset}"><title>t</title>'
    head += "</head><body><p>页面 page</p><footer>"
    return encode(head, charset) + encode(snippet, charset) + b"</footer></body></html>"


def html5lib_tree(data: bytes) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


@pytest.mark.parametrize("charset", PAGE_CHARSETS)
@pytest.mark.parametrize("mode", MODES)
def test_encoded_footer_round_trips(charset: str, mode: str) -> None:
    owner = "© 2026 示例公司 «Ünïcødé» ～〜 ①"
    snippet = footer_html(ICP, PSB, owner=owner, style=MODES[mode])
    data = page_bytes(charset, snippet)
    assert detect_charset(None, data) == charset

    tree = LexborHTMLParser(data, encoding=True)
    assert text_of(one(tree, "a.icp-footer__icp")) == ICP_TEXT
    assert text_of(one(tree, "a.icp-footer__psb")) == PSB_TEXT
    assert text_of(one(tree, ".icp-footer__owner")) == owner

    doc = html5lib_tree(data)
    links = {a.get("class"): "".join(a.itertext()) for a in doc.iter("a")}
    assert links == {"icp-footer__icp": ICP_TEXT, "icp-footer__psb": PSB_TEXT}
    (span,) = (s for s in doc.iter("span") if s.get("class") == "icp-footer__owner")
    assert "".join(span.itertext()) == owner


@pytest.mark.parametrize("charset", PAGE_CHARSETS)
def test_encoded_banner_round_trips(charset: str) -> None:
    snippet = banner_html("例子.中国", style=INLINE)
    tree = LexborHTMLParser(page_bytes(charset, snippet), encoding=True)
    text = " ".join(visible_text(one(tree, "div.icp-footer-banner")).split())
    assert "This site shows no ICP filing number for 例子.中国." in text
    assert 'ICP_FOOTER_DOMAINS="例子.中国=京ICP备XXXXXXXX号-1"' in text


def test_the_configuration_line_the_banner_shows_works() -> None:
    host = "Shop.XN--FSQU00A.xn--fiqs8s:8443"
    text = visible_text(containers(parse(banner_html(host, style=INLINE)))[0])
    (line,) = re.findall(r'ICP_FOOTER_DOMAINS="([^"]*=京ICP备XXXXXXXX号-1)"', text)
    settings = load({"ICP_FOOTER_DOMAINS": line.replace("XXXXXXXX", "12345678")})
    site = settings.site_for(host)
    assert site is not None
    assert site.domain == "shop.xn--fsqu00a.xn--fiqs8s"


def test_cp1252_page_gets_character_references() -> None:
    data = encode(f"<a>{ICP_TEXT}</a><a>{PSB_TEXT}</a>", "cp1252")
    assert data.isascii()
    assert b"&#20140;ICP&#22791;12345678&#21495;-1" in data
    assert b"&#20140;&#20844;&#32593;&#23433;&#22791; 11010502030143&#21495;" in data
    assert encode("© ü", "cp1252") == "© ü".encode("cp1252")


def test_encode_utf8_and_utf16() -> None:
    assert encode("京<a>", "utf-8") == "京<a>".encode()
    assert encode("京", "utf-16-le") == "京".encode("utf-16-le")
    assert encode("\ud800", "utf-8") == b"&#55296;"


@pytest.mark.parametrize(
    ("char", "charset"),
    [
        ("～", "shift_jis"),
        ("∥", "shift_jis"),
        ("－", "shift_jis"),
        ("备", "big5"),
        ("京", "cp1252"),
    ],
)
def test_encode_uses_references_where_codecs_disagree_or_cannot(char: str, charset: str) -> None:
    assert encode(char, charset) == f"&#{ord(char)};".encode()


def test_encode_unknown_codec() -> None:
    with pytest.raises(LookupError):
        encode("x", "klingon")


DECODERS = {
    "gbk": ("gbk", "gb18030"),
    "gb18030": ("gb18030",),
    "big5": ("big5", "cp950", "big5hkscs"),
    "shift_jis": ("shift_jis", "cp932"),
    "euc-kr": ("euc_kr", "cp949"),
    "cp1252": ("cp1252",),
    "utf-8": ("utf-8",),
    "iso2022_jp": ("iso2022_jp",),
    "koi8-r": ("koi8-r",),
}


@settings(max_examples=300, deadline=None)
# Not Cn: html.unescape drops references to noncharacters (U+FFFE...), which browsers keep.
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn"), blacklist_characters="&")))
def test_encode_round_trips_under_every_decoder(text: str) -> None:
    for charset, decoders in DECODERS.items():
        data = encode(text, charset)
        for decoder in decoders:
            assert html.unescape(data.decode(decoder)) == text, (charset, decoder)


# -- already shown ----------------------------------------------------------------------------


def test_already_shown_patterns_utf8() -> None:
    patterns = already_shown_patterns(ICP, "utf-8")
    assert patterns == sorted(set(patterns), key=lambda p: (-len(p), p))
    texts = {p.decode() for p in patterns}
    assert {
        "京ICP备12345678号-1",
        "京ICP备 12345678号-1",
        "京ICP备12345678 号-1",
        "京ICP备12345678-1",
        "京ICP备12345678-1号",
        "京ICP备１２３４５６７８号-１",
        "京ICP备１２３４５６７８号－１",
    } <= texts
    assert all(normalise(t).replace("号", "") == "京ICP备12345678-1" for t in texts)


def test_already_shown_patterns_keep_the_verbatim_text() -> None:
    sloppy = icp_number("京ICP备 12345678 号 - 1")
    texts = {p.decode() for p in already_shown_patterns(sloppy, "utf-8")}
    assert "京ICP备 12345678 号 - 1" in texts
    assert "京ICP备12345678号-1" in texts


@pytest.mark.parametrize("charset", ["gbk", "gb18030", "big5", "shift_jis", "euc-kr", "cp1252"])
def test_already_shown_patterns_legacy_charsets(charset: str) -> None:
    patterns = already_shown_patterns(ICP, charset)
    assert len(patterns) == len(set(patterns))
    assert [len(p) for p in patterns] == sorted((len(p) for p in patterns), reverse=True)
    page = f"<footer><p>{ICP_TEXT}</p></footer>"
    data = encode(page, charset)
    assert any(p in data for p in patterns)
    try:
        ICP_TEXT.encode(charset)
    except UnicodeEncodeError:
        assert any(b"&#x" in p for p in patterns)
        assert any(b"&#2" in p for p in patterns)
        hex_page = b"".join(
            f"&#x{ord(c):X};".encode()
            if encode(c, charset).startswith(b"&#")
            else encode(c, charset)
            for c in ICP_TEXT
        )
        assert any(p in hex_page for p in patterns)


def test_already_shown_patterns_licence_and_telecom() -> None:
    licence = IcpNumber("京ICP证030173号", "京ICP证030173号", "licence", "京")
    assert "京ICP证 030173号".encode() in already_shown_patterns(licence, "utf-8")
    telecom = IcpNumber("粤B2-20090059-5", "粤B2-20090059-5", "telecom", "粤")
    texts = {p.decode() for p in already_shown_patterns(telecom, "utf-8")}
    assert {"粤B2-20090059-5", "粤B２-２００９００５９-５"} <= texts


# -- contrast ---------------------------------------------------------------------------------


def parse_colour(value: str) -> tuple[int, int, int]:
    value = value.strip().lower()
    assert re.fullmatch(r"#[0-9a-f]{6}", value), value
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def declarations(style: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for decl in style.split(";"):
        name, _, value = decl.partition(":")
        if name.strip():
            out[name.strip()] = value.strip()
    return out


def test_contrast_helper() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)


LIGHT_BACKGROUNDS = (
    "#ffffff",
    "#fafafa",
    "#f8f9fa",
    "#f5f5f5",
    "#f0f0f0",
    "#eeeeee",
    "#e5e5e5",
    "#d9d9d9",
)


def test_footer_colours_meet_wcag_aa() -> None:
    tree = parse(footer_html(ICP, PSB, owner=OWNER, style=INLINE))
    colours = {declarations(n.attributes["style"] or "").get("color") for n in tree.css("[style]")}
    colours.discard(None)
    assert colours
    for colour in colours:
        assert colour is not None
        for background in LIGHT_BACKGROUNDS:
            ratio = contrast(parse_colour(colour), parse_colour(background))
            assert ratio >= 4.5, (colour, background, ratio)
    assert contrast(parse_colour("#595959"), parse_colour("#ffffff")) >= 7
    box_style = declarations(containers(tree)[0].attributes["style"] or "")
    assert box_style["background"] == "transparent"


def test_banner_colours_meet_wcag_aa() -> None:
    tree = parse(banner_html("example.com", style=INLINE))
    for node in tree.css("[style]"):
        style = declarations(node.attributes["style"] or "")
        if "background" in style and style["background"] != "transparent":
            ratio = contrast(parse_colour(style["color"]), parse_colour(style["background"]))
            assert ratio >= 7, (node.tag, ratio)


# -- the badge --------------------------------------------------------------------------------


def test_badge_data_uri_decodes_to_svg() -> None:
    uri = badge_data_uri()
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    svg = base64.b64decode(uri[len(prefix) :], validate=True).decode("utf-8")
    assert svg == badge_svg()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 64 64"
    fills = {e.get("fill", "").lower() for e in root.iter()}
    assert any(f.startswith("#1") for f in fills)  # blue field
    assert "#e6b422" in fills  # gold ring
    assert not any(e.tag.endswith(("script", "image", "foreignObject")) for e in root.iter())
    assert "href" not in svg  # nothing hot-linked
    assert len(uri) < 3000


def test_badge_ships_inside_the_package() -> None:
    resource = importlib.resources.files("icp_footer").joinpath("psb-badge.svg")
    assert resource.is_file()
    assert resource.read_text(encoding="utf-8") == badge_svg()


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(owner=CARRIABLE, mode=st.sampled_from(sorted(MODES)))
def test_any_owner_gives_one_container_showing_it(owner: str, mode: str) -> None:
    assume(owner.strip())
    snippet = footer_html(ICP, PSB, owner=owner, style=MODES[mode])
    tree = parse(snippet)
    assert len(containers(tree)) == 1
    assert text_of(one(tree, ".icp-footer__owner")) == owner
    assert owner in visible_text(containers(tree)[0])
    root = xml_root(footer_html(ICP, PSB, owner=owner, style=XHTML_MODES[mode]))
    assert len(root) == 1
    assert owner in "".join(root.itertext())


@settings(max_examples=150, deadline=None)
@given(host=st.one_of(CARRIABLE, DNS_NAME), mode=st.sampled_from(sorted(MODES)))
def test_any_host_gives_one_banner_showing_it_only_if_it_is_a_host_name(
    host: str, mode: str
) -> None:
    shown = display_host(host)
    said = f"for {shown}." if shown else "filing number."
    tree = parse(banner_html(host, style=MODES[mode]))
    assert len(containers(tree)) == 1
    assert said in visible_text(containers(tree)[0])
    root = xml_root(banner_html(host, style=XHTML_MODES[mode]))
    assert len(root) == 1
    assert said in "".join(root.itertext())


@settings(max_examples=100, deadline=None)
@given(text=CARRIABLE)
def test_any_number_text_is_shown_verbatim(text: str) -> None:
    assume(text)
    tree = parse(footer_html(icp_number(text), psb_number(text), style=INLINE))
    assert len(containers(tree)) == 1
    assert text_of(one(tree, "a.icp-footer__icp")) == text
    assert text_of(one(tree, "a.icp-footer__psb")) == text
