"""The footer as a visitor sees it: headless Chromium against real servers on 127.0.0.1.

The example sites run as in ``test_examples.py`` (Flask under gunicorn, FastAPI under uvicorn,
each wrapped and bare). Three more pages come from a small WSGI app in this module, served by
``wsgiref`` in a thread: a host with no number (the warning banner), a strict
Content-Security-Policy, and a GBK page. Chromium resolves ``www.example.test`` to 127.0.0.1
and every request to any other host is aborted and recorded, so nothing leaves the machine.

The run also takes the screenshots the README shows, ``footer.png`` and ``banner.png``, into a
temporary folder; ``make screenshots`` (``ICP_FOOTER_SCREENSHOTS=docs``) writes them to
``docs/``. Tests never rewrite tracked files: on a machine without CJK fonts the pictures would
show empty boxes.

Chromium is Debian's ``chromium`` (``ICP_FOOTER_CHROMIUM`` names another binary); Playwright
only drives it, no browser is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import socketserver
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import shift_path_info

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from icp_footer.wsgi import ICPFooterMiddleware
from test_examples import MIIT, NUMBER, PSB, SERVERS, Pair, serve

ROOT = Path(__file__).resolve().parent.parent
_SHOTS = os.environ.get("ICP_FOOTER_SCREENSHOTS")
DOCS = (ROOT / _SHOTS) if _SHOTS else Path(tempfile.mkdtemp(prefix="icp-footer-shots-"))
VIEWPORT = {"width": 1280, "height": 900}
# Screenshots: a narrower window, so that the README shows the footer's text legibly.
SHOT_VIEWPORT = {"width": 800, "height": 600}
# The banner has longer lines: wide enough that its configuration lines do not wrap.
BANNER_SHOT_VIEWPORT = {"width": 1040, "height": 700}
TEST_HOST = "www.example.test"
LOCAL_HOSTS = {"127.0.0.1", TEST_HOST}
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    f"--host-resolver-rules=MAP {TEST_HOST} 127.0.0.1",
]
SNIPPET = ".icp-footer"
ICP_LINK = f'.icp-footer a[href="{MIIT}"]'
BADGE = ".icp-footer img"
BANNER = ".icp-footer-banner"
CENTRE_TOLERANCE = 3.0  # px
BOX_TOLERANCE = 1.0  # px
MIN_CONTRAST = 4.5  # WCAG 2 AA, normal text
STRICT_CSP = "default-src 'none'; img-src data:; style-src 'self'"
CONFIGURED = {"ICP_FOOTER_NUMBER": NUMBER, "ICP_FOOTER_PSB": PSB}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def chromium_path() -> str | None:
    return (
        os.environ.get("ICP_FOOTER_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium not found: apt-get install chromium")
    args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=args)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module", params=sorted(SERVERS))
def example(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Pair]]:
    """An example site as shipped and bare, with its name."""
    name: str = request.param
    command, cwd = SERVERS[name]
    for pair in serve(name, command, cwd, tmp_path_factory.mktemp(f"{name}-browser-logs")):
        yield name, pair


# -- a visit ----------------------------------------------------------------------------------


@dataclass
class Visit:
    page: Page
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    csp: list[str] = field(default_factory=list)  # console messages about the CSP
    external: list[str] = field(default_factory=list)  # requests to other hosts (aborted)


@contextmanager
def visit(
    browser: Browser,
    url: str,
    *,
    viewport: dict[str, int] = VIEWPORT,
    scale: float = 1,
) -> Iterator[Visit]:
    """Open ``url`` in a fresh context, scrolled to the end; close it afterwards."""
    context = browser.new_context(
        viewport={"width": viewport["width"], "height": viewport["height"]},
        device_scale_factor=scale,
        locale="zh-CN",
    )
    try:
        page = context.new_page()
        seen = Visit(page)

        def guard(route: Route) -> None:
            if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                seen.external.append(route.request.url)
                route.abort()

        def console(message: ConsoleMessage) -> None:
            if "content security policy" in message.text.lower():
                seen.csp.append(message.text)
            if message.type == "error":
                seen.errors.append(f"{message.text} ({message.location})")

        def page_error(error: PlaywrightError) -> None:
            seen.errors.append(f"uncaught: {error}")

        context.route("**/*", guard)
        page.on("console", console)
        page.on("pageerror", page_error)
        response = page.goto(url, wait_until="load")
        assert response is not None
        assert response.status == 200
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        yield seen
        assert seen.external == [], "the page asked for other hosts"
    finally:
        context.close()


# -- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @classmethod
    def of(cls, data: Any) -> Box:
        return cls(*(float(data[k]) for k in ("left", "top", "width", "height")))

    @property
    def centre_x(self) -> float:
        return self.left + self.width / 2

    @property
    def bottom(self) -> float:
        return self.top + self.height


# Document coordinates of a DOMRect.
_DOC_RECT = """
const docRect = (r) => ({left: r.left + scrollX, top: r.top + scrollY,
                         width: r.width, height: r.height});
"""

# The inserted line, the site footer, and where the page's visible text ends.
_LAYOUT_JS = (
    "([snippetSel, footerSel]) => {"
    + _DOC_RECT
    + """
  const snippet = document.querySelector(snippetSel);
  const range = document.createRange();
  range.selectNodeContents(snippet);
  const line = range.getBoundingClientRect();
  const viewTop = line.top, viewBottom = line.bottom;
  let ownTop = Infinity, ownBottom = -Infinity, otherBottom = -Infinity, otherText = "";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent) continue;
    if (!parent.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width === 0 || r.height === 0) continue;
      if (snippet.contains(node)) {
        ownTop = Math.min(ownTop, r.top + scrollY);
        ownBottom = Math.max(ownBottom, r.bottom + scrollY);
      } else if (r.bottom + scrollY > otherBottom) {
        otherBottom = r.bottom + scrollY;
        otherText = node.data.trim();
      }
    }
  }
  return {
    line: docRect(line),
    footer: docRect(snippet.closest("footer").getBoundingClientRect()),
    siteFooter: docRect(document.querySelector(footerSel).getBoundingClientRect()),
    viewportWidth: document.documentElement.clientWidth,
    viewportHeight: innerHeight,
    inViewport: viewTop >= 0 && viewBottom <= innerHeight,
    ownTop, ownBottom, otherBottom, otherText,
  };
}"""
)

# Every element's box, keyed by its path of element-child indices; the snippet is left out.
_BOXES_JS = (
    "(snippetSel) => {"
    + _DOC_RECT
    + """
  const out = {};
  const walk = (el, path) => {
    let index = 0;
    for (const child of el.children) {
      if (child.matches(snippetSel)) continue;
      const key = `${path}/${child.localName}[${index++}]`;
      out[key] = {...docRect(child.getBoundingClientRect()),
                  label: child.id || child.className || child.localName};
      walk(child, key);
    }
  };
  walk(document.body, "body");
  return out;
}"""
)

# For each element of the subtree with its own text: its colour and the backgrounds behind it.
_COLOURS_JS = """(root) => {
  const out = [];
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
    if (!own) continue;
    const layers = [];
    for (let a = el; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      layers.push({colour: style.backgroundColor, image: style.backgroundImage});
    }
    out.push({text: el.textContent.trim(), colour: getComputedStyle(el).color, layers});
  }
  return out;
}"""

_RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?\s*\)")

RGBA = tuple[float, float, float, float]


def parse_colour(css: str) -> RGBA:
    m = _RGB.fullmatch(css.strip())
    assert m, f"unexpected computed colour {css!r}"
    alpha = float(m[4]) if m[4] is not None else 1.0
    return float(m[1]), float(m[2]), float(m[3]), alpha


def over(top: RGBA, below: RGBA) -> RGBA:
    """``top`` composited over an opaque ``below``."""
    a = top[3]
    r, g, b = (top[i] * a + below[i] * (1 - a) for i in range(3))
    return r, g, b, 1.0


def luminance(colour: RGBA) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(colour[i]) for i in range(3))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: RGBA, background: RGBA) -> float:
    """WCAG 2 contrast ratio of ``foreground`` (composited) on an opaque ``background``."""
    light, dark = sorted((luminance(over(foreground, background)), luminance(background)))
    return (dark + 0.05) / (light + 0.05)


def contrasts(page: Page, selector: str) -> dict[str, float]:
    """The contrast ratio of every text-bearing element under ``selector``, by its text."""
    ratios: dict[str, float] = {}
    for item in page.locator(selector).evaluate(_COLOURS_JS):
        background: RGBA = (255.0, 255.0, 255.0, 1.0)  # the canvas
        layers = item["layers"]
        # Find the first opaque layer, then composite the translucent ones in front of it.
        depth = next(
            (i for i, layer in enumerate(layers) if parse_colour(layer["colour"])[3] == 1.0),
            len(layers),
        )
        for layer in reversed(layers[: depth + 1]):
            assert layer["image"] == "none", f"a background image behind {item['text']!r}"
            background = over(parse_colour(layer["colour"]), background)
        ratios[str(item["text"])] = contrast(parse_colour(item["colour"]), background)
    assert ratios, f"no text under {selector}"
    return ratios


def text_centre_offset(page: Page, selector: str) -> float:
    """The largest distance of the centre of the inline content of a ``selector`` element
    from the viewport's centre."""
    centres = page.locator(selector).evaluate_all(
        "(els) => els.map((el) => { const r = document.createRange(); r.selectNodeContents(el);"
        " const box = r.getBoundingClientRect(); return box.left + box.width / 2; })"
    )
    assert centres, f"nothing matches {selector}"
    width = float(page.evaluate("document.documentElement.clientWidth"))
    return max(abs(float(c) - width / 2) for c in centres)


def badge_loaded(page: Page) -> bool:
    loaded: bool = page.locator(BADGE).evaluate("(img) => img.complete && img.naturalWidth > 0")
    return loaded


def screenshot_footer(page: Page, footer: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.locator(footer).screenshot(path=str(path), animations="disabled", caret="hide")
    assert path.stat().st_size > 1000


# -- the example sites ------------------------------------------------------------------------


def test_footer_as_a_visitor_sees_it(example: tuple[str, Pair], browser: Browser) -> None:
    name, site = example
    with visit(browser, f"{site.wrapped.base_url}/") as seen:
        page = seen.page
        link = page.locator(ICP_LINK)
        assert link.count() == 1
        assert link.is_visible()
        assert link.inner_text() == NUMBER
        assert link.get_attribute("href") == MIIT
        assert PSB in page.locator(SNIPPET).inner_text()

        layout = page.evaluate(_LAYOUT_JS, [SNIPPET, "footer.site-footer"])
        line = Box.of(layout["line"])
        site_footer = Box.of(layout["siteFooter"])
        # Centred: in the site footer and in the window.
        assert abs(line.centre_x - site_footer.centre_x) <= CENTRE_TOLERANCE, layout
        assert abs(line.centre_x - layout["viewportWidth"] / 2) <= CENTRE_TOLERANCE, layout
        # At the bottom: the lowest visible text of the page, on screen once scrolled down.
        assert layout["inViewport"], layout
        assert layout["otherBottom"] <= layout["ownTop"], (
            f"{layout['otherText']!r} is not above the number: {layout}"
        )
        assert Box.of(layout["footer"]) == site_footer  # in the site footer, not an article's

        ratios = contrasts(page, SNIPPET)
        assert min(ratios.values()) >= MIN_CONTRAST, ratios

        assert page.locator(BADGE).is_visible()
        assert badge_loaded(page)
        assert seen.errors == []

    if name == "flask":
        # The README's picture: the bottom of the home page, at twice the pixel density.
        with visit(browser, f"{site.wrapped.base_url}/", viewport=SHOT_VIEWPORT, scale=2) as seen:
            assert badge_loaded(seen.page)
            screenshot_footer(seen.page, "footer.site-footer", DOCS / "footer.png")
            assert seen.errors == []


def test_page_is_otherwise_unchanged(example: tuple[str, Pair], browser: Browser) -> None:
    _, site = example
    with (
        visit(browser, f"{site.wrapped.base_url}/") as wrapped,
        visit(browser, f"{site.bare.base_url}/") as bare,
    ):
        assert bare.page.locator(SNIPPET).count() == 0
        after = wrapped.page.evaluate(_BOXES_JS, SNIPPET)
        before = bare.page.evaluate(_BOXES_JS, SNIPPET)
        snippet = Box.of(
            wrapped.page.locator(SNIPPET).evaluate(
                "(el) => { const r = el.getBoundingClientRect();"
                " return {left: r.left, top: r.top, width: r.width, height: r.height}; }"
            )
        )
        assert wrapped.errors == bare.errors == []

    assert after.keys() == before.keys()
    assert len(before) > 40  # header, nav, main, the cards, the article, the footer's links
    footer_key = next(k for k, v in before.items() if v["label"] == "site-footer")
    for key, old in before.items():
        new = after[key]
        a, b = Box.of(old), Box.of(new)
        if key == footer_key:
            # The site footer grows by the inserted line, downwards only.
            assert (b.left, b.top, b.width) == pytest.approx((a.left, a.top, a.width), abs=1)
            assert b.height - a.height == pytest.approx(snippet.height, abs=BOX_TOLERANCE)
            continue
        for what in ("left", "top", "width", "height"):
            assert abs(getattr(a, what) - getattr(b, what)) <= BOX_TOLERANCE, (
                f"{key} ({old['label']}) moved: {a} -> {b}"
            )


# -- pages of our own: no number, a strict CSP, GBK -------------------------------------------

STYLE = b"""body { margin: 0; background: #fff; color: #222; font: 16px/1.6 sans-serif; }
header, main { padding: 16px 24px; }
header { background: #234; color: #fff; }
footer { padding: 16px 24px; border-top: 1px solid #ddd; background: #f5f5f5; color: #555;
         font-size: 14px; text-align: left; }
footer p { margin: 0 0 8px; }
"""

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<title>示例公司</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header><h1>欢迎访问示例公司</h1></header>
<main><p>这是一个测试页面，页脚里的备案号由 icp-footer 插入。</p></main>
<footer><p>&copy; 2026 示例公司 版权所有</p></footer>
</body>
</html>
"""


def sample_site(*, charset: str = "utf-8", csp: str | None = None) -> WSGIApp:
    """A page at ``/`` (in ``charset``, with ``csp`` if given) and its stylesheet."""
    page = PAGE.format(charset=charset).encode(charset)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/style.css":
            start_response("200 OK", [("Content-Type", "text/css; charset=utf-8")])
            return [STYLE]
        if path == "/":
            headers = [("Content-Type", f"text/html; charset={charset}")]
            if csp is not None:
                headers.append(("Content-Security-Policy", csp))
            start_response("200 OK", headers)
            return [page]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return app


class Mount:
    """``/NAME/...`` goes to ``apps[NAME]`` with ``SCRIPT_NAME=/NAME``."""

    def __init__(self, apps: dict[str, WSGIApp]) -> None:
        self.apps = apps

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        app = self.apps.get(shift_path_info(environ) or "")
        if app is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return app(environ, start_response)


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # Chromium may hold an idle preconnected socket open


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    """Our own pages on 127.0.0.1, as ``http://www.example.test:PORT``."""
    app = Mount(
        {
            "banner": ICPFooterMiddleware(sample_site(), environ={}),
            "csp": ICPFooterMiddleware(sample_site(csp=STRICT_CSP), environ=CONFIGURED),
            "gbk": ICPFooterMiddleware(sample_site(charset="gbk"), environ=CONFIGURED),
        }
    )
    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="test-browser-pages")
    thread.start()
    try:
        yield f"http://{TEST_HOST}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


def test_banner_when_no_number_is_configured(pages: str, browser: Browser) -> None:
    with visit(browser, f"{pages}/banner/") as seen:
        banner = seen.page.locator(BANNER)
        assert banner.count() == 1
        assert banner.is_visible()
        text = banner.inner_text()
        assert TEST_HOST in text
        assert "ICP_FOOTER_DOMAINS" in text
        assert "备案号" in text  # both languages
        assert "ICP filing number" in text
        assert text_centre_offset(seen.page, f"{BANNER} p") <= CENTRE_TOLERANCE
        ratios = contrasts(seen.page, BANNER)
        assert min(ratios.values()) >= MIN_CONTRAST, ratios
        assert seen.errors == []

    with visit(browser, f"{pages}/banner/", viewport=BANNER_SHOT_VIEWPORT, scale=2) as seen:
        screenshot_footer(seen.page, "footer", DOCS / "banner.png")


def test_strict_csp_keeps_the_number_visible_and_centred(pages: str, browser: Browser) -> None:
    with visit(browser, f"{pages}/csp/") as seen:
        page = seen.page
        link = page.locator(ICP_LINK)
        assert link.is_visible()
        assert link.inner_text() == NUMBER
        # The page's own footer text is left-aligned; the number is centred all the same.
        assert text_centre_offset(page, "footer > p") > 100
        assert text_centre_offset(page, SNIPPET) <= CENTRE_TOLERANCE
        assert badge_loaded(page)
        assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"  # CSS loaded
        assert seen.csp == []
        assert seen.errors == []


def test_gbk_page_shows_the_number_exactly(pages: str, browser: Browser) -> None:
    with visit(browser, f"{pages}/gbk/") as seen:
        page = seen.page
        assert page.locator("h1").inner_text() == "欢迎访问示例公司"  # decoded as GBK
        assert page.locator(ICP_LINK).inner_text() == NUMBER
        assert PSB in page.locator(SNIPPET).inner_text()
        assert badge_loaded(page)
        assert seen.errors == []
