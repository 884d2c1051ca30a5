"""A response body rewritten as it streams, whatever its content coding.

``BodyRewriter.feed(chunk) -> bytes`` and ``.finish() -> bytes`` wrap the injector with
what a real response needs: waiting for the first 1 KB when only a ``<meta charset>`` can
say the charset, gzip/deflate/br decoding and re-encoding in bounded memory, and falling
back to the original bytes when anything goes wrong before the first byte went out.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import zlib
from collections.abc import Iterator
from typing import Any, Protocol

from icp_footer._i18n import _
from icp_footer.injector import InjectionResult, Injector, Placement
from icp_footer.policy import Plan, Policy, Target
from icp_footer.render import detect_charset

__all__ = ["BodyRewriter"]

log = logging.getLogger("icp_footer")

_HEAD = 1024  # what the HTML Standard's charset prescan looks at
_STEP = 64 * 1024  # decoded bytes handled at a time, whatever the compression ratio
_IN_STEP = 16 * 1024  # compressed bytes given to a decoder at a time (it copies what is left)
_KEEP_SLACK = 256 * 1024  # original bytes kept beyond the look-behind limit (see BodyRewriter)
_GZIP_MAGIC = b"\x1f\x8b"
# Output on its way: bytes, or a view of the injector's output not yet joined.
Piece = bytes | memoryview
_logged_once: set[str] = set()


class _Codec(Protocol):
    """A content coding: a streaming decoder, and an encoder for the rewritten stream."""

    trailing: bytes | None
    """Bytes after the end of the stream that are not part of it; decoding stops there."""

    @property
    def ended(self) -> bool:
        """The stream reached its end (or no byte came at all)."""
        ...

    def decode(self, data: bytes) -> Iterator[bytes]:
        """Decode the next compressed bytes, in pieces of about ``_STEP`` bytes at most."""
        ...

    def compress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...
    def finish(self) -> bytes: ...


def _inflate(decoder: Any, data: bytes, salvage: bool = True) -> Iterator[bytes]:
    """Decode ``data`` in pieces of at most ``_STEP`` bytes; raise ``zlib.error`` at an error.

    zlib discards the output of the call that fails: replaying that call a byte at a time
    on a copy of the decoder still yields every byte decoded before the error.
    """
    while True:
        before = decoder.copy() if salvage else None
        try:
            out = decoder.decompress(data, _STEP)
        except zlib.error:
            if before is not None:
                for i in range(len(data)):
                    yield from _inflate(before, data[i : i + 1], salvage=False)
            raise
        if out:
            yield out
        data = decoder.unconsumed_tail
        if decoder.eof or (not data and len(out) < _STEP):
            return


class _Zlib:
    """gzip (every member) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 31 if gzip else 15  # deflate: set by the stream's first two bytes
        self._decoder: Any = None  # None before a stream or a gzip member begins
        self._ends = 0  # streams (gzip members) decoded to their end
        self._pending = b""  # a stream's first byte, until the second says what it is
        self._encoder: Any = None
        self._dirty = False
        self.trailing: bytes | None = None

    @property
    def ended(self) -> bool:
        return self._decoder is None and not self._pending

    def decode(self, data: bytes) -> Iterator[bytes]:
        data, self._pending = self._pending + data, b""
        pos = 0
        while pos < len(data):
            if self._decoder is None and not self._begin(data, pos):
                return
            piece = data[pos : pos + _IN_STEP]
            pos += len(piece)
            yield from _inflate(self._decoder, piece)
            if self._decoder.eof:
                pos -= len(self._decoder.unused_data)
                self._decoder = None
                self._ends += 1

    def _begin(self, data: bytes, pos: int) -> bool:
        """Start decoding a stream (a gzip member) at ``data[pos]``; False to stop here."""
        first = data[pos : pos + 2]
        if self._ends and not (self._gzip and _GZIP_MAGIC.startswith(first)):
            self.trailing = data[pos:]  # not another member: bytes after the end
            return False
        if len(first) < 2 and (self._ends or not self._gzip):
            self._pending = first
            return False
        if not self._gzip:
            raw = (first[0] & 0x0F) != 8 or (first[0] << 8 | first[1]) % 31
            self._wbits = -15 if raw else 15
        self._decoder = zlib.decompressobj(self._wbits)
        return True

    def _encoding(self) -> Any:
        if self._encoder is None:
            self._encoder = zlib.compressobj(6, zlib.DEFLATED, self._wbits)
        return self._encoder

    def compress(self, data: bytes) -> bytes:
        self._dirty = True
        return bytes(self._encoding().compress(data))

    def flush(self) -> bytes:
        if not self._dirty:  # even an empty flush would emit the stream header
            return b""
        self._dirty = False
        return bytes(self._encoding().flush(zlib.Z_SYNC_FLUSH))

    def finish(self) -> bytes:
        return bytes(self._encoding().flush(zlib.Z_FINISH))


class _Brotli:
    """br. The decoder refuses bytes after the end of its stream (a decoding problem), and
    drops the output of the call that fails: at most one step before an error is lost."""

    def __init__(self) -> None:
        import brotli  # noqa: PLC0415

        self._decoder = brotli.Decompressor()
        self._encoder = brotli.Compressor(quality=5)  # 11, the default, is too slow to stream
        self._started = False
        self._dirty = False
        self.trailing: bytes | None = None

    @property
    def ended(self) -> bool:
        return not self._started or bool(self._decoder.is_finished())

    def decode(self, data: bytes) -> Iterator[bytes]:
        for pos in range(0, len(data), _IN_STEP):
            self._started = True
            out = self._decoder.process(data[pos : pos + _IN_STEP], output_buffer_limit=_STEP)
            while out:  # an empty answer means it wants input again
                yield bytes(out)
                out = self._decoder.process(b"", output_buffer_limit=_STEP)

    def compress(self, data: bytes) -> bytes:
        self._dirty = True
        return bytes(self._encoder.process(data))

    def flush(self) -> bytes:
        if not self._dirty:
            return b""
        self._dirty = False
        return bytes(self._encoder.flush())

    def finish(self) -> bytes:
        return bytes(self._encoder.finish())


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
    """Rewrite one response body; never raises, never loses a byte a client could use.

    Until the first byte goes out the original chunks are kept, and any failure sends them
    instead; so does a body whose first ``lookbehind_limit`` + 256 KiB give nothing to send
    (that bounds what is kept). Compressed bodies are decoded 64 KiB at a time, so memory
    stays bounded whatever the compression ratio, and re-encoded in the same coding (gzip as
    one member). Only a compressed stream says whether the body ended properly, so there
    the output from the insertion on (up to ``lookbehind_limit`` bytes) waits for its end.
    Where the original stream is broken, the output stays broken the same way, keeps every
    byte decoded before the break (br: but the last step, which its decoder drops), and has
    nothing inserted:

    * a stream that ends early (a truncated body) is not completed: what was decoded goes
      out flushed and the stream stays unterminated (or, if nothing went out yet, the
      original goes out as it came);
    * a decoding error once bytes went out: what was decoded before the error goes out, the
      stream stays unterminated and the rest of the body is dropped (no decoder reads past
      the error, and raw bytes cannot be spliced onto the re-encoded stream);
    * bytes after a complete gzip member that do not start another one (``1f 8b``), or after
      a complete deflate stream, are trailing garbage: the re-encoded stream is completed,
      snippet included, and the garbage follows it verbatim, as it followed the original.
      A lone ``1f`` at the end may be a member cut short: that body counts as truncated.
      Bytes after a br stream are a decoding error (its decoder does not say where it ended).
    """

    def __init__(self, policy: Policy, target: Target, plan: Plan) -> None:
        self._policy = policy
        self._target = target
        self._plan = plan
        self._limit = policy.settings.lookbehind_limit
        self._codec: _Codec | None = None
        if plan.encoding in ("gzip", "deflate"):
            self._codec = _Zlib(plan.encoding == "gzip")
        elif plan.encoding == "br":
            self._codec = _Brotli()
        self._injector: Injector | None = None
        self._head = b""  # decoded bytes waiting for the charset decision
        self._original: list[bytes] | None = []  # kept until the first byte goes out
        self._kept = 0
        self._emitted: int | None = 0 if self._codec else None  # decoded, before the insertion
        self._held: list[Piece] | None = None  # from the insertion on, until the stream ends
        self._held_size = 0
        self._passthrough = False  # the rest of the body goes out as it comes
        self._dropping = False  # the rest of the body is dropped: its stream broke
        self.result: InjectionResult | None = None
        """What the injector did; ``None`` when the body passed through untouched."""

    def feed(self, chunk: bytes) -> bytes:
        """Take the next chunk of the body as the app sent it; return what to send now."""
        if self._passthrough:
            return chunk
        if self._dropping:
            return b""
        out: list[Piece] = []
        try:
            self._feed(chunk, out)
        except Exception:
            self._fail(out)
        return b"".join(out)

    def finish(self, chunk: bytes = b"") -> bytes:
        """The body has ended, ``chunk`` its last piece if it comes with the end; return the rest.

        ``finish(chunk)`` is ``feed(chunk) + finish()`` without copying the page once more.
        """
        if self._passthrough:
            return chunk
        if self._dropping:
            return b""
        out: list[Piece] = []
        try:
            if chunk:
                self._feed(chunk, out)
            if not self._passthrough and not self._dropping:
                self._finish(out)
        except Exception:
            self._fail(out)
        return b"".join(out)

    def abandon(self, reason: str = "the body was interrupted") -> bytes:
        """Insert nothing from now on; return what is held, to send before anything else.

        Before any byte went out, that is the body as the app sent it, and later chunks
        pass through as they come. After, it is what was held, re-encoded and flushed when
        the body is compressed; later chunks still go through :meth:`feed` (re-encoded, so
        the body stays one stream) and :meth:`finish` ends it.
        """
        if self._passthrough or self._dropping:
            return b""
        if self._original is not None:
            return self._give_back()
        out: list[Piece] = []
        try:
            self._abandon(out, reason)
        except Exception:
            self._fail(out)
        return b"".join(out)

    def _feed(self, chunk: bytes, out: list[Piece]) -> None:
        if self._original is not None:
            self._original.append(chunk)
            self._kept += len(chunk)
        codec = self._codec
        for data in codec.decode(chunk) if codec else (chunk,):
            self._take(data, out)
            if self._passthrough:
                return
        if codec is not None and codec.trailing is not None:
            self._complete(out)
            if not self._passthrough:
                out.append(codec.trailing)
                self._passthrough = True
        elif self._original is not None and not out and self._kept > self._limit + _KEEP_SLACK:
            if log.isEnabledFor(logging.INFO):
                message = _(
                    "icp-footer: the first {size} bytes of a page ({host}) gave nothing to "
                    "send; passed through untouched"
                )
                log.info("%s", message.format(size=self._kept, host=self._target.host))
            out.append(self._give_back())
        elif codec is not None:
            # A sync flush per chunk keeps the stream moving: the client can render it now.
            self._send(codec.flush(), out)
        if out:
            self._original = None  # bytes go out: no way back to the original

    def _take(self, data: bytes, out: list[Piece]) -> None:
        if self._injector is not None:
            self._emit(self._injector.feed(data), out)
            return
        self._head += data
        if len(self._head) >= _HEAD or self._charset_from_headers():
            self._ready(out)

    def _finish(self, out: list[Piece]) -> None:
        codec = self._codec
        if codec is None or codec.ended:
            self._complete(out)
            return
        if self._original is not None:
            message = _(
                "icp-footer: a {encoding} body ({host}) ended before its stream did; "
                "sent as it came"
            )
            log.warning("%s", message.format(encoding=self._plan.encoding, host=self._target.host))
            out.append(self._give_back())
            return
        message = _(
            "icp-footer: a {encoding} body ({host}) ended before its stream did; left unterminated"
        )
        log.warning("%s", message.format(encoding=self._plan.encoding, host=self._target.host))
        self._abandon(out, "the body ended before its compressed stream did")

    def _complete(self, out: list[Piece]) -> None:
        """The document is whole: insert, and end the stream."""
        injector = self._injector or self._ready(out)
        if injector is None:
            return
        self._emit(injector.finish(), out)
        self.result = self.result or injector.result  # set already if it was abandoned
        self._release(out)
        if self._codec is not None:
            self._send(self._codec.finish(), out)

    def _abandon(self, out: list[Piece], reason: str) -> None:
        """Send what was decoded without the insertion; leave the stream unterminated."""
        injector = self._injector
        if injector is not None:
            self._emit(injector.abandon(reason), out)
            decided = injector.result
            if self._held is not None and decided is not None:  # take the insertion back
                self._held[0] = self._held[0][len(decided.inserted) :]
                self.result = InjectionResult(Placement.NOT_INSERTED, None, b"", reason)
            self.result = self.result or decided
            self._release(out)
        if self._codec is not None:
            self._send(self._codec.flush(), out)

    def _emit(self, data: bytes, out: list[Piece]) -> None:
        """Send the injector's output on; from the insertion on, hold it while it may be undone."""
        result = self._injector.result if self._injector else None
        piece: Piece = data
        if self._emitted is not None and result is not None:
            at = -1 if result.offset is None else result.offset - self._emitted
            self._emitted = None
            if at >= 0 and data.startswith(result.inserted, at):
                # Identity bytes are joined once, at the end: views, not copies, until then.
                view: Piece = data if self._codec is not None else memoryview(data)
                self._write(view[:at], out)
                self._held, piece = [], view[at:]
        elif self._emitted is not None:
            self._emitted += len(data)
        if self._held is None:
            self._write(piece, out)
            return
        self._held.append(piece)
        self._held_size += len(piece)
        if self._held_size > self._limit:  # too much to hold: the insertion stays
            self._release(out)

    def _release(self, out: list[Piece]) -> None:
        held, self._held = self._held, None
        if held and self._codec is None:
            out.extend(piece for piece in held if piece)
        elif held:
            self._write(b"".join(held), out)

    def _write(self, data: Piece, out: list[Piece]) -> None:
        if data and self._codec is not None:
            data = self._codec.compress(bytes(data))  # views come only without a codec
        self._send(data, out)

    @staticmethod
    def _send(data: Piece, out: list[Piece]) -> None:
        if data:
            out.append(data)

    def _charset_from_headers(self) -> bool:
        return "charset=" in self._plan.content_type.lower() or self._head[:3] == b"\xef\xbb\xbf"

    def _ready(self, out: list[Piece]) -> Injector | None:
        """Start the injector on the head; None (the original goes out) for a page we must
        not touch."""
        injector = self._start()
        if injector is None:
            out.append(self._give_back())
            return None
        self._injector = injector
        head, self._head = self._head, b""
        self._emit(injector.feed(head), out)
        return injector

    def _start(self) -> Injector | None:
        head = self._head
        if self._plan.xhtml:
            charset: str | None = _xml_charset(self._plan.content_type, head)
        else:
            charset = detect_charset(self._plan.content_type, head)
        if charset is None or charset.startswith("utf-16"):
            if log.isEnabledFor(logging.INFO):
                message = _("icp-footer: {charset} page ({host}): passed through untouched")
                log.info(
                    "%s",
                    message.format(charset=charset or _("unknown-charset"), host=self._target.host),
                )
            return None
        snippet, patterns = self._policy.snippet(self._target, self._plan, charset, head)
        if self._codec is not None and "recompress" not in _logged_once:
            _logged_once.add("recompress")
            message = _(
                "icp-footer: recompressing a {encoding} page; putting icp-footer inside the "
                "compression middleware is cheaper"
            )
            log.info("%s", message.format(encoding=self._plan.encoding))
        return Injector(snippet, already_shown=patterns, lookbehind_limit=self._limit)

    def _give_back(self) -> bytes:
        self._passthrough = True
        original = b"".join(self._original or ())
        self._original = None
        return original

    def _fail(self, out: list[Piece]) -> None:
        if self._original is not None:  # nothing went out; it holds every chunk, this one too
            log.exception("%s", _("icp-footer: rewriting failed; sending the original body"))
            out[:] = [self._give_back()]
            return
        log.exception(
            "%s", _("icp-footer: rewriting failed mid-stream; ending the body where it broke")
        )
        with contextlib.suppress(Exception):
            self._abandon(out, "rewriting failed mid-stream")
        # Identity bytes can follow as they come; a compressed stream cannot be spliced.
        self._passthrough = self._codec is None
        self._dropping = self._codec is not None
