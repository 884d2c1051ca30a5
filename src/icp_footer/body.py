"""A response body rewritten as it streams, whatever its content coding.

``BodyRewriter.feed(chunk) -> bytes`` and ``.finish() -> bytes`` wrap the injector with
what a real response needs: waiting for the first 1 KB when only a ``<meta charset>`` can
say the charset, gzip/deflate/br decoding and re-encoding, and falling back to the
original bytes when anything goes wrong before the first byte went out.
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from typing import Any, Protocol

from icp_footer.injector import InjectionResult, Injector
from icp_footer.policy import Plan, Policy, Target
from icp_footer.render import detect_charset

__all__ = ["BodyRewriter"]

log = logging.getLogger("icp_footer")

_HEAD = 1024  # what the HTML Standard's charset prescan looks at
_logged_once: set[str] = set()


class _Codec(Protocol):
    def decode(self, data: bytes) -> bytes: ...
    def encode(self, data: bytes, final: bool) -> bytes: ...


class _Zlib:
    """gzip or deflate (zlib-wrapped, or raw as some servers send it), streaming."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._decoder: Any = zlib.decompressobj(31) if gzip else None
        self._encoder: Any = None
        self._sniff = b""  # deflate: the first two bytes tell zlib-wrapped from raw

    def decode(self, data: bytes) -> bytes:
        if self._decoder is None:
            data = self._sniff + data
            if len(data) < 2:
                self._sniff = data
                return b""
            raw = (data[0] & 0x0F) != 8 or (data[0] << 8 | data[1]) % 31
            wbits = -15 if raw else 15
            self._decoder = zlib.decompressobj(wbits)
            self._encoder = zlib.compressobj(6, zlib.DEFLATED, wbits)
        return bytes(self._decoder.decompress(data))

    def encode(self, data: bytes, final: bool) -> bytes:
        if not data and not final:
            return b""  # even an empty write would emit the stream header: keep it back
        if self._encoder is None:  # deflate with under two bytes of input: zlib-wrapped
            self._encoder = zlib.compressobj(6, zlib.DEFLATED, 31 if self._gzip else 15)
        out = self._encoder.compress(data)
        if final:
            return bytes(out + self._encoder.flush(zlib.Z_FINISH))
        # A sync flush per chunk keeps the stream moving: the client can render it now.
        return bytes(out + self._encoder.flush(zlib.Z_SYNC_FLUSH)) if data else bytes(out)


class _Brotli:
    def __init__(self) -> None:
        import brotli  # noqa: PLC0415

        self._decoder = brotli.Decompressor()
        self._encoder = brotli.Compressor()

    def decode(self, data: bytes) -> bytes:
        return bytes(self._decoder.process(data))

    def encode(self, data: bytes, final: bool) -> bytes:
        if not data and not final:
            return b""
        out = self._encoder.process(data)
        return bytes(out + (self._encoder.finish() if final else self._encoder.flush()))


_XML_DECLARATION = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _xml_charset(content_type: str, head: bytes) -> str | None:
    """An XHTML page is XML: BOM, Content-Type charset, XML declaration, else UTF-8."""
    if (
        head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or "charset=" in content_type.lower()
    ):
        return detect_charset(content_type, head)
    declared = _XML_DECLARATION.match(head.lstrip(codecs.BOM_UTF8))
    if declared:
        found = detect_charset(f"text/html; charset={declared.group(1).decode()}", b"")
        if found != "cp1252" or declared.group(1).lower() in (b"windows-1252", b"iso-8859-1"):
            return found
    return "utf-8"


class BodyRewriter:
    """Rewrite one response body; never raises, never loses a byte of the original."""

    def __init__(self, policy: Policy, target: Target, plan: Plan) -> None:
        self._policy = policy
        self._target = target
        self._plan = plan
        self._codec: _Codec | None = None
        if plan.encoding in ("gzip", "deflate"):
            self._codec = _Zlib(plan.encoding == "gzip")
        elif plan.encoding == "br":
            self._codec = _Brotli()
        self._injector: Injector | None = None
        self._head = b""  # decoded bytes waiting for the charset decision
        self._original: list[bytes] | None = []  # kept until the first byte goes out
        self._passthrough = False
        self.result: InjectionResult | None = None
        """What the injector did; ``None`` when the body passed through untouched."""

    def feed(self, chunk: bytes) -> bytes:
        """Take the next chunk of the body as the app sent it; return what to send now."""
        if self._passthrough:
            return chunk
        try:
            return self._feed(chunk, final=False)
        except Exception:
            return self._fail(chunk)

    def finish(self) -> bytes:
        """The body has ended; return the rest."""
        if self._passthrough:
            return b""
        try:
            out = self._feed(b"", final=True)
        except Exception:
            return self._fail(b"")
        if self._injector is not None:
            self.result = self._injector.result
        return out

    def _feed(self, chunk: bytes, final: bool) -> bytes:
        if self._original is not None:
            self._original.append(chunk)
        data = self._codec.decode(chunk) if self._codec else chunk
        if self._injector is None:
            self._head += data
            if len(self._head) < _HEAD and not final and not self._charset_from_headers():
                return b""
            injector = self._start()
            if injector is None:  # a page we must not touch after all
                return self._give_back()
            self._injector = injector
            data, self._head = self._head, b""
        out = self._injector.feed(data) if data else b""
        if final:
            out += self._injector.finish()
        if self._codec is not None:
            out = self._codec.encode(out, final)
        if out:
            self._original = None  # bytes went out: no way back to the original
        return out

    def _charset_from_headers(self) -> bool:
        return "charset=" in self._plan.content_type.lower() or self._head[:3] == b"\xef\xbb\xbf"

    def _start(self) -> Injector | None:
        head = self._head
        if self._plan.xhtml:
            charset: str | None = _xml_charset(self._plan.content_type, head)
        else:
            charset = detect_charset(self._plan.content_type, head)
        if charset is None or charset.startswith("utf-16"):
            log.info(
                "icp-footer: %s page (%s): passed through untouched",
                charset or "unknown-charset",
                self._target.host,
            )
            return None
        snippet, patterns = self._policy.snippet(self._target, self._plan, charset, head)
        if self._codec is not None and "recompress" not in _logged_once:
            _logged_once.add("recompress")
            log.info(
                "icp-footer: recompressing a %s page; putting icp-footer inside the "
                "compression middleware is cheaper",
                self._plan.encoding,
            )
        return Injector(
            snippet, already_shown=patterns, lookbehind_limit=self._policy.settings.lookbehind_limit
        )

    def _give_back(self) -> bytes:
        self._passthrough = True
        original = b"".join(self._original or ())
        self._original = None
        return original

    def _fail(self, chunk: bytes) -> bytes:
        if self._original is not None:  # it already holds ``chunk``: _feed keeps it first
            log.exception("icp-footer: rewriting failed; sending the original body")
            return self._give_back()
        # Bytes of the rewritten stream already went out; the rest of the original cannot be
        # spliced onto them (a decoding error here means the original was corrupt too).
        log.exception("icp-footer: rewriting failed mid-stream")
        self._passthrough = True
        return b""
