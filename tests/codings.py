"""Decoding a response body the way a lenient streaming client does (shared by the tests)."""

from __future__ import annotations

import zlib

import brotli

WBITS = {"gzip": 31, "deflate": 15, "raw-deflate": -15}


def unpack_stream(coding: str, data: bytes) -> tuple[bytes, bool, bytes]:
    """What a client decodes from ``data``, whether the stream ended, and the bytes after it.

    gzip: every member; bytes after a member that do not start another one are what follows
    the stream, except a lone ``1f`` at the end, which is a member cut short.
    """
    if coding == "identity":
        return data, True, b""
    if coding == "br":
        decoder = brotli.Decompressor()
        return bytes(decoder.process(data)), bool(decoder.is_finished()), b""
    out = []
    while True:
        inflater = zlib.decompressobj(WBITS[coding])
        out.append(inflater.decompress(data))
        data = inflater.unused_data
        if not inflater.eof or data == b"\x1f":
            return b"".join(out), False, b""
        if coding != "gzip" or not data.startswith(b"\x1f\x8b"):
            return b"".join(out), True, data
