"""Decode a fetched page the way a browser does, and say which step decided the encoding.

The steps, in the browsers' order (:data:`Step` names them):

1. ``bom``: a byte-order mark (UTF-8, UTF-16LE, UTF-16BE);
2. ``header``: the ``charset`` of the ``Content-Type`` header;
3. ``meta``: a ``<meta charset>`` or ``<meta http-equiv="Content-Type">`` that the HTML
   Standard's prescan finds in the first 1,024 bytes;
4. ``late-meta``: such a ``<meta>`` further on, while the page is still in its head.
   Chromium keeps reading the head for one (the rule below is its
   ``HTMLMetaCharsetParser``'s); Firefox re-parses the page when it meets one;
5. the content: ``utf-8`` when the bytes are strict UTF-8, else ``detected`` when
   charset-normalizer recognises one of the legacy CJK encodings (GBK, Big5, Shift_JIS,
   EUC-JP, ISO-2022-JP, EUC-KR), as browsers' own detectors do;
6. ``default``: windows-1252.

Steps 1-3 are the middleware's own (:func:`icp_footer.render.detect_charset`); a page that
reads right only thanks to steps 4-5 is misread by any reader that stops at 1,024 bytes
(:attr:`DecodedPage.misread_by_prescan`). Labels are mapped with the WHATWG Encoding
Standard's table, and each encoding is decoded as browsers decode it (GBK with the gb18030
decoder, Shift_JIS as windows-31j, EUC-KR as windows-949, Big5 with the HKSCS extensions).

Needs the ``audit`` extra (``charset-normalizer``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

from icp_footer._i18n import N_
from icp_footer.render import _content_type_charset, _label, _Prescan

__all__ = ["STEPS", "DecodedPage", "Step", "decode_page"]

Step = Literal["bom", "header", "meta", "late-meta", "utf-8", "detected", "default"]

STEPS: dict[Step, str] = {
    "bom": N_("a byte-order mark"),
    "header": N_("the charset of the Content-Type header"),
    "meta": N_("a <meta> in the first 1,024 bytes"),
    "late-meta": N_("a <meta> in the <head> past the first 1,024 bytes"),
    "utf-8": N_("the content (strict UTF-8)"),
    "detected": N_("the content (detected)"),
    "default": N_("nothing declared or detected (the windows-1252 default)"),
}
"""What each step means, in words (translated where shown)."""

PRESCAN_BYTES = 1024
"""How far the HTML Standard's prescan (step 3) reads."""


@dataclass(frozen=True, slots=True)
class DecodedPage:
    """A page's text and how its encoding was decided."""

    text: str
    """The decoded page, without its byte-order mark."""
    encoding: str
    """The encoding's WHATWG name: ``UTF-8``, ``GBK``, ``Big5``, ``Shift_JIS``, ..."""
    step: Step
    """Which step decided it."""
    misread_by_prescan: bool
    """Whether a reader that stops after step 3 (windows-1252 then) reads other text: the
    page displays right only thanks to steps 4-5."""


# Python codec names of render's label table -> WHATWG names.
_NAMES = {
    "utf-8": "UTF-8",
    "cp866": "IBM866",
    "koi8-r": "KOI8-R",
    "koi8-u": "KOI8-U",
    "mac-roman": "macintosh",
    "mac-cyrillic": "x-mac-cyrillic",
    "cp874": "windows-874",
    "gbk": "GBK",
    "gb18030": "gb18030",
    "big5": "Big5",
    "euc_jp": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "shift_jis": "Shift_JIS",
    "euc-kr": "EUC-KR",
    "utf-16-be": "UTF-16BE",
    "utf-16-le": "UTF-16LE",
    "replacement": "replacement",
    "x-user-defined": "x-user-defined",
}
# The codecs that decode as the browsers' decoders do, where Python's namesake differs.
_DECODERS = {"gbk": "gb18030", "big5": "big5hkscs", "shift_jis": "cp932", "euc-kr": "cp949"}
# What charset-normalizer may answer (Python codec names) -> render's codec names.
_DETECTABLE = {
    "gb18030": "gbk",
    "big5": "big5",
    "cp932": "shift_jis",
    "euc_jp": "euc_jp",
    "iso2022_jp": "iso2022_jp",
    "cp949": "euc-kr",
}

# Chromium's HTMLMetaCharsetParser: these tags keep the parser "in the head".
_HEAD_TAGS = frozenset({b"script", b"noscript", b"style", b"link", b"meta", b"object", b"title"})
_HEAD_TAGS |= {b"base"}
# Elements whose content its tokenizer reads as text, not tags (scripting off).
_RAW_TEXT = frozenset(
    {b"script", b"style", b"xmp", b"iframe", b"noembed", b"noframes", b"title", b"textarea"}
)
_TAG_NAME = re.compile(rb"[^\t\n\x0c\r />]*")


def decode_page(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode ``body`` (served with ``content_type``) as a browser would."""
    if body.startswith(codecs.BOM_UTF8):
        return _decoded(body[3:], "utf-8", "bom", body)
    if body.startswith(codecs.BOM_UTF16_LE):
        return _decoded(body[2:], "utf-16-le", "bom", body)
    if body.startswith(codecs.BOM_UTF16_BE):
        return _decoded(body[2:], "utf-16-be", "bom", body)
    if content_type:
        label = _content_type_charset(content_type)
        codec = None if label is None else _label(label)
        if codec is not None:
            return _decoded(body, codec, "header", body)
    codec = _Prescan(body[:PRESCAN_BYTES]).run()
    if codec is not None:
        return _decoded(body, codec, "meta", body)
    codec = _head_meta(body)
    if codec is not None:
        return _decoded(body, codec, "late-meta", body)
    if _is_utf8(body):
        if body.isascii():
            return _decoded(body, "cp1252", "default", body)  # it reads the same either way
        return _decoded(body, "utf-8", "utf-8", body)
    codec = _detect(body)
    if codec is not None:
        return _decoded(body, codec, "detected", body)
    return _decoded(body, "cp1252", "default", body)


def _decoded(data: bytes, codec: str, step: Step, body: bytes) -> DecodedPage:
    text = _decode(data, codec)
    misread = step in ("late-meta", "utf-8", "detected") and text != _decode(body, "cp1252")
    name = _NAMES.get(codec) or codec
    if codec.startswith("iso8859-"):
        name = f"ISO-8859-{codec.removeprefix('iso8859-')}"
    elif codec.startswith("cp125"):
        name = f"windows-{codec.removeprefix('cp')}"
    return DecodedPage(text, name, step, misread)


def _decode(data: bytes, codec: str) -> str:
    if codec == "replacement":  # the WHATWG replacement decoder: one U+FFFD, then nothing
        return "\ufffd" if data else ""
    if codec == "x-user-defined":
        return "".join(chr(b) if b < 0x80 else chr(0xF780 + b - 0x80) for b in data)
    return data.decode(_DECODERS.get(codec, codec), errors="replace")


def _is_utf8(body: bytes) -> bool:
    """Strict UTF-8; a character cut off at the very end (a truncated read) is allowed."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data" and error.start >= len(body) - 3
    return True


def _detect(body: bytes) -> str | None:
    """The legacy CJK encoding charset-normalizer finds, as render's codec name."""
    import charset_normalizer  # noqa: PLC0415 - the audit extra; the core CLI imports this module

    best = charset_normalizer.from_bytes(body, cp_isolation=list(_DETECTABLE)).best()
    return None if best is None else _DETECTABLE.get(best.encoding)


def _head_meta(data: bytes) -> str | None:
    """A ``<meta>`` that declares the encoding, looked for as Chromium looks for it.

    Its tokenizer reads the page tag by tag (comments, and the text of ``<script>``,
    ``<style>``, ``<title>``... skipped); the first ``<meta>`` that declares an encoding
    decides. It stops once the first 1,024 bytes are read and a tag that does not belong
    in the head (or ``</head>``) has been seen.
    """
    scan = _Prescan(data)  # for its attribute parser and its <meta> rules
    in_head = True
    pos = 0
    size = len(data)
    while True:
        pos = data.find(b"<", pos)
        if pos < 0 or (not in_head and pos >= PRESCAN_BYTES):
            return None
        if data.startswith(b"<!--", pos):
            if data.startswith((b">", b"->"), pos + 4):
                pos = data.index(b">", pos + 4) + 1
                continue
            end = data.find(b"-->", pos + 4)
            if end < 0:
                return None
            pos = end + 3
            continue
        after = data[pos + 1 : pos + 2]
        end_tag = after == b"/"
        first = data[pos + 2 : pos + 3] if end_tag else after
        if not (first.isalpha() and first.isascii()):
            if after in (b"!", b"?") or end_tag:  # a bogus comment, up to ">"
                end = data.find(b">", pos + 2)
                if end < 0:
                    return None
                pos = end + 1
            else:
                pos += 1  # a "<" in text
            continue
        start = pos + (2 if end_tag else 1)
        name_match = _TAG_NAME.match(data, start)
        assert name_match is not None  # the pattern matches the empty string too
        name = name_match.group().lower()
        scan.pos = name_match.end()
        if name == b"meta" and not end_tag:
            found = scan.meta()
            if found is not None:
                return found
        else:
            while scan.attribute() is not None:
                pass
        if scan.pos >= size:
            return None  # the page ends inside the tag
        pos = scan.pos + 1
        if end_tag or name not in (b"html", b"head"):
            in_head = in_head and name in _HEAD_TAGS
        if name == b"plaintext" and not end_tag:
            return None  # the rest of the page is text
        if name in _RAW_TEXT and not end_tag:
            pos = _raw_text_end(data, pos, name)
            if pos < 0:
                return None


def _raw_text_end(data: bytes, pos: int, name: bytes) -> int:
    """Where the text of a ``<script>``, ``<style>``... element ends (its end tag); -1 when
    it has none."""
    end = _END_TAGS[name].search(data, pos)
    return -1 if end is None else end.start()


_END_TAGS = {
    name: re.compile(b"</" + name + rb"(?:[\t\n\x0c\r />]|\Z)", re.IGNORECASE) for name in _RAW_TEXT
}
