"""Views: rendered pages (sync and async), streamed pages (sync and async iterators), a file,
JSON and a 404.

``produced`` records each chunk a streaming view hands out, as it hands it out, so a test can
tell what had been produced when the first bytes reached the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render

PAGE_FILE = Path(__file__).resolve().parent / "static" / "page.html"
STREAM_HEAD = (
    "<!DOCTYPE html><html lang=zh-CN><head><meta charset=utf-8><title>流</title></head><body><main>"
)
STREAM_TAIL = "</main><footer><p>© 2026 示例公司</p></footer></body></html>"
STREAM_PARTS = 5

produced: list[int] = []


def stream_chunks() -> list[bytes]:
    """What the streaming views send, chunk by chunk."""
    filler = "<p>内容</p>" * 200
    middle = [f"<section><p>第 {i} 段</p>{filler}</section>" for i in range(STREAM_PARTS)]
    return [part.encode() for part in [STREAM_HEAD, *middle, STREAM_TAIL]]


def home(request: HttpRequest) -> HttpResponse:
    """The home page, rendered from a template."""
    return render(request, "home.html")


async def async_home(request: HttpRequest) -> HttpResponse:
    """The same page from an async view."""
    await asyncio.sleep(0)
    return render(request, "home.html")


def exact(request: HttpRequest) -> HttpResponse:
    """A page that sets its own Content-Length, strong ETag and Content-MD5."""
    response = render(request, "home.html")
    response["Content-Length"] = str(len(response.content))
    response["ETag"] = '"v1"'
    response["Content-MD5"] = "ignored"
    return response


def tagged(request: HttpRequest) -> HttpResponse:
    """A page that shows the number itself, with ``{% icp_footer %}``."""
    return render(request, "tagged.html")


def stream(request: HttpRequest) -> StreamingHttpResponse:
    """A page streamed from a sync iterator."""

    def chunks() -> Iterator[bytes]:
        for index, chunk in enumerate(stream_chunks()):
            produced.append(index)
            yield chunk

    return StreamingHttpResponse(chunks())


async def stream_async(request: HttpRequest) -> StreamingHttpResponse:
    """A page streamed from an async iterator."""

    async def chunks() -> AsyncIterator[bytes]:
        for index, chunk in enumerate(stream_chunks()):
            await asyncio.sleep(0)
            produced.append(index)
            yield chunk

    return StreamingHttpResponse(chunks())


def file(request: HttpRequest) -> FileResponse:
    """An HTML file, served as a file."""
    return FileResponse(PAGE_FILE.open("rb"))


def json(request: HttpRequest) -> JsonResponse:
    """JSON on a home path."""
    return JsonResponse({"html": "<body></body>"})


def missing(request: HttpRequest) -> HttpResponseNotFound:
    """An HTML error page on a home path."""
    return HttpResponseNotFound("<!DOCTYPE html><html><body><p>找不到</p></body></html>")
