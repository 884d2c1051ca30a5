"""``icp-footer check --render``: pages rendered in Chromium, judged as a visitor sees them.

Hand-made pages (``tests/visual_pages``) are served by one ``http.server`` thread on
127.0.0.1 and checked once, in one browser, at both viewports; each test reads its page's
verdict from that run. The command itself (:func:`icp_footer.visual.check_command`, which
``icp-footer check --render`` delegates to) runs against the same server and against the two
example apps, served in-process.

Chromium is the system's (``apt-get install chromium``) or ``ICP_FOOTER_CHROMIUM``.
``ICP_FOOTER_SCREENSHOTS=docs`` also writes the README's picture, ``docs/check-render.png``
(on a machine with CJK fonts, or the numbers show as boxes).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import json
import os
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from icp_footer import visual
from icp_footer.audit import audit_html
from icp_footer.visual import PHONE, RenderReport, RenderUnavailableError, Sighting

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "visual_pages"
EXAMPLES = ROOT / "examples"
NUMBER = "京ICP备12345678号-1"
PSB = "京公网安备 11010502030143号"
MIIT = "https://beian.miit.gov.cn/"
MPS = "https://beian.mps.gov.cn/#/query/webSearch?code=11010502030143"
NAMES = (
    "compliant",
    "phone-hidden",
    "white",
    "cookie-bar",
    "broken-badge",
    "small-left",
    "not-bottom",
    "clipped",
    "unlinked",
    "script",
    "shadow",
    "sloppy",
)
FOOTER_CONTRAST = 6.47  # #595959 on #f4f6f9 (site.css)
OUTLINE = (0xE8, 0x11, 0x0F)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The test pages on 127.0.0.1 (a free port), as ``http://127.0.0.1:PORT``."""
    handler = functools.partial(QuietHandler, directory=str(PAGES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # Chromium keeps idle connections open
    thread = threading.Thread(target=server.serve_forever, name="test-visual-pages")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return visual.find_chromium()
    except RenderUnavailableError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("render-shots")


@pytest.fixture(scope="module")
def reports(site: str, chromium: str, shots: Path) -> dict[str, RenderReport]:
    """Every test page, checked in one run: one browser, pages four at a time."""
    urls = [f"{site}/{name}.html" for name in NAMES]
    done: list[int] = []
    found = asyncio.run(
        visual.render_check(urls, screenshot_dir=shots, progress=lambda n, total, _: done.append(n))
    )
    assert sorted(done) == list(range(1, len(NAMES) + 1))
    assert [r.url for r in found] == urls
    return dict(zip(NAMES, found, strict=True))


def numbers(report: RenderReport, viewport: str) -> dict[str, Sighting]:
    (view,) = [v for v in report.viewports if v.viewport.name == viewport]
    assert view.error is None, view.error
    return {n.text: n for n in view.numbers}


def messages(report: RenderReport, viewport: str, severity: str) -> list[str]:
    (view,) = [v for v in report.viewports if v.viewport.name == viewport]
    found = [*report.findings, *view.findings, *(f for n in view.numbers for f in n.findings)]
    return [f.message for f in found if f.severity == severity]


VIEWPORTS = ("desktop", "phone")


# -- the verdicts -----------------------------------------------------------------------------


def test_a_compliant_footer(reports: dict[str, RenderReport]) -> None:
    report = reports["compliant"]
    assert report.ok
    assert report.error is None
    for viewport in VIEWPORTS:
        assert messages(report, viewport, "error") == []
        assert messages(report, viewport, "warning") == []
        seen = numbers(report, viewport)
        assert set(seen) == {NUMBER, PSB}
        icp, psb = seen[NUMBER], seen[PSB]
        for number in (icp, psb):
            assert number.visible
            assert number.hidden_by is None
            assert number.covered_by is None
            assert number.shown_fraction == 1
            assert number.font_size == 13
            assert number.contrast == pytest.approx(FOOTER_CONTRAST, abs=0.01)
            assert (number.colour, number.background) == ("#595959", "#f4f6f9")
            assert number.centred
            assert number.at_bottom
            assert number.below == 0
            assert number.centre_offset is not None
            assert abs(number.centre_offset) <= 2
            assert number.linked
        assert icp.link == MIIT
        assert psb.link == MPS
        assert psb.badge is not None
        assert psb.badge.loaded
        assert psb.badge.natural_width == 16
        # One line, or two where the phone is too narrow (as with CJK fonts): the PSB number
        # ends the page, above the footer's bottom padding.
        assert psb.to_end is not None
        assert 0 < psb.to_end < 40
        assert icp.to_end is not None
        assert icp.to_end >= psb.to_end
    (phone,) = [v for v in report.viewports if v.viewport.name == "phone"]
    assert phone.page_width == PHONE.width  # the meta viewport is honoured


def test_a_footer_hidden_by_a_media_query_fails_on_phones_only(
    reports: dict[str, RenderReport],
) -> None:
    report = reports["phone-hidden"]
    assert not report.ok
    desktop, phone = report.viewports
    assert desktop.ok
    assert not phone.ok
    for number in numbers(report, "phone").values():
        assert not number.visible
        assert number.hidden_by == "display:none on p.beian"
        assert number.box is None
        assert number.findings[0].severity == "error"
        assert "media query" in (number.findings[0].fix or "")
    assert all(n.visible for n in numbers(report, "desktop").values())


def test_white_on_white_is_a_warning_with_the_ratio(reports: dict[str, RenderReport]) -> None:
    report = reports["white"]
    assert report.ok  # a warning does not make a page non-compliant
    for viewport in VIEWPORTS:
        for number in numbers(report, viewport).values():
            assert number.visible
            assert number.contrast == 1.0
        warnings = messages(report, viewport, "warning")
        assert f"{NUMBER} has a contrast ratio of 1.00:1 (#ffffff on #ffffff), below 3:1" in (
            warnings
        )


def test_a_fixed_cookie_bar_over_the_number(reports: dict[str, RenderReport]) -> None:
    report = reports["cookie-bar"]
    assert not report.ok
    for viewport in VIEWPORTS:
        for number in numbers(report, viewport).values():
            assert not number.visible
            assert number.covered_by == "div#cookie-bar"
            assert number.hidden_by == "covered by div#cookie-bar at its centre"
            assert number.box is not None  # drawn, under the bar
        assert f"{NUMBER} is not visible: covered by div#cookie-bar at its centre" in messages(
            report, viewport, "error"
        )


def test_a_broken_badge_is_a_warning(reports: dict[str, RenderReport]) -> None:
    report = reports["broken-badge"]
    assert report.ok
    for viewport in VIEWPORTS:
        badge = numbers(report, viewport)[PSB].badge
        assert badge is not None
        assert badge.found
        assert badge.kind == "img"
        assert badge.loaded is False
        assert badge.natural_width == 0
        assert badge.src is not None
        assert badge.src.endswith("/missing-badge.png")
        (warning,) = messages(report, viewport, "warning")
        assert warning.startswith(f"the badge next to {PSB} did not load")


def test_small_type_off_centre(reports: dict[str, RenderReport]) -> None:
    report = reports["small-left"]
    assert report.ok
    for viewport in VIEWPORTS:
        icp = numbers(report, viewport)[NUMBER]
        assert icp.font_size == 10
        assert icp.centred is False
        assert icp.centre_offset is not None
        assert icp.centre_offset < -visual.CENTRE_MIN_PX  # left of centre
        warnings = messages(report, viewport, "warning")
        assert f"{NUMBER} is set in 10px type, smaller than 12px" in warnings
        assert any(w.startswith(f"{NUMBER} is not centred: its line's centre is") for w in warnings)


def test_a_number_above_the_content(reports: dict[str, RenderReport]) -> None:
    report = reports["not-bottom"]
    assert report.ok
    for viewport in VIEWPORTS:
        icp = numbers(report, viewport)[NUMBER]
        assert icp.visible
        assert icp.at_bottom is False
        assert icp.below > 300
        assert icp.below_what == "© 2026 示例公司 版权所有"
        bottom = [w for w in messages(report, viewport, "warning") if "bottom" in w]
        # the browser's finding replaces the markup audit's own placement warning
        assert bottom == [
            f"{NUMBER} is not at the bottom: '© 2026 示例公司 版权所有' reaches "
            f"{icp.below:.0f}px below it"
        ]


def test_a_number_clipped_by_overflow_hidden(reports: dict[str, RenderReport]) -> None:
    report = reports["clipped"]
    assert not report.ok
    for viewport in VIEWPORTS:
        for number in numbers(report, viewport).values():
            assert not number.visible
            assert number.clipped_by == "p.beian"
            assert number.shown_fraction == 0


def test_a_number_that_is_not_a_link(reports: dict[str, RenderReport]) -> None:
    report = reports["unlinked"]
    assert not report.ok
    for viewport in VIEWPORTS:
        icp = numbers(report, viewport)[NUMBER]
        assert icp.visible
        assert icp.link is None
        assert not icp.linked
        assert messages(report, viewport, "error") == [
            f"{NUMBER} is not a link to the MIIT filing system"
        ]
        assert numbers(report, viewport)[PSB].linked


def test_footers_written_by_scripts_and_in_shadow_roots(
    reports: dict[str, RenderReport],
) -> None:
    # The markup as served has no number: the audit without a browser cannot see it.
    served = (PAGES / "script.html").read_text(encoding="utf-8")
    assert not audit_html(served, "http://127.0.0.1/script.html").ok
    for name in ("script", "shadow"):
        report = reports[name]
        assert report.ok, visual.format_render_report(report)
        for viewport in VIEWPORTS:
            seen = numbers(report, viewport)
            assert set(seen) == {NUMBER, PSB}
            assert all(n.visible and n.linked and n.at_bottom for n in seen.values())
            badge = seen[PSB].badge
            assert badge is not None
            assert badge.loaded


def test_what_the_browser_measures_replaces_the_markup_guess(
    reports: dict[str, RenderReport],
) -> None:
    """A CSS badge the markup audit cannot see; a full-width hyphen only the markup notes."""
    served = (PAGES / "sloppy.html").read_text(encoding="utf-8")
    guessed = [f.message for f in audit_html(served, "http://127.0.0.1/sloppy.html").findings]
    assert any(m.startswith(f"no badge image next to {PSB}") for m in guessed)
    report = reports["sloppy"]
    assert report.ok
    for viewport in VIEWPORTS:
        seen = numbers(report, viewport)
        badge = seen[PSB].badge
        assert badge is not None
        assert (badge.kind, badge.loaded) == ("css", True)
        assert badge.src is not None
        assert badge.src.endswith("/badge.svg")
        assert seen["京ICP备12345678号－1"].linked
        (warning,) = messages(report, viewport, "warning")
        assert warning.startswith("京ICP备12345678号－1 is not in the standard form")
    assert report.findings == tuple(
        f for f in audit_html(served, "http://x/").findings if "standard form" in f.message
    )


def test_one_screenshot_per_page_and_viewport(
    reports: dict[str, RenderReport], shots: Path
) -> None:
    assert len(list(shots.glob("*.png"))) == 2 * len(NAMES)
    for view in reports["compliant"].viewports:
        assert view.screenshot is not None
        path = Path(view.screenshot)
        assert path.name.endswith(f"_compliant.html-{view.viewport.name}.png")
        area = view.screenshot_area
        assert area is not None
        scale = view.viewport.scale
        with Image.open(path) as image:
            pixels = image.convert("RGB")
        # cropped to the footer: the window's width, a strip of the page's height
        assert pixels.size == (round(area["width"] * scale), round(area["height"] * scale))
        assert area["width"] == view.viewport.width
        assert 60 < area["height"] < 200
        assert view.page_height is not None
        assert area["top"] + area["height"] == pytest.approx(view.page_height, abs=1)
        for number in view.numbers:  # each number outlined where it sits
            assert number.box is not None
            left = (number.box["left"] - area["left"]) * scale
            top = (number.box["top"] - area["top"]) * scale
            width, height = number.box["width"] * scale, number.box["height"] * scale
            box = (int(left), int(top), int(left + width), int(top + height))
            margin = int(6 * scale)
            inside = pixels.crop(
                (box[0] + margin, box[1] + margin, box[2] - margin, box[3] - margin)
            )
            ring = pixels.crop((box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin))
            assert outlined(ring) > 2 * (width + height), number.text
            assert outlined(inside) == 0, number.text


def outlined(image: Image.Image) -> int:
    """How many pixels have the outline's colour."""
    raw = image.tobytes()
    return sum(
        abs(raw[i] - OUTLINE[0]) + abs(raw[i + 1] - OUTLINE[1]) + abs(raw[i + 2] - OUTLINE[2]) < 60
        for i in range(0, len(raw), 3)
    )


# -- the command, as icp-footer check --render runs it ----------------------------------------


def test_the_command_on_a_compliant_page_exits_0(
    site: str, chromium: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = visual.check_command([f"{site}/compliant.html"])
    out, err = capsys.readouterr()
    assert status == 0, out
    assert out.startswith(f"✓ {site}/compliant.html: compliant\n")
    assert "  desktop 1280×800\n" in out
    assert "  phone 375×812\n" in out
    assert f"✓ ICP {NUMBER}: visible, 13px, contrast 6.47:1, centred (+0px), at the bottom" in out
    assert err == ""  # one page: no progress lines


def test_the_command_reports_json_and_screenshots(
    site: str, chromium: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [f"{site}/compliant.html", f"{site}/phone-hidden.html"]
    status = visual.check_command(
        urls, expect=[NUMBER], concurrency=2, screenshot_dir=tmp_path / "shots", as_json=True
    )
    out, err = capsys.readouterr()
    assert status == 1
    data = json.loads(out)
    assert [page["ok"] for page in data] == [True, False]
    hidden = data[1]["viewports"]
    assert [v["viewport"]["name"] for v in hidden] == ["desktop", "phone"]
    assert [v["ok"] for v in hidden] == [True, False]
    icp = hidden[1]["numbers"][0]
    assert icp["text"] == NUMBER
    assert icp["visible"] is False
    assert icp["hidden_by"] == "display:none on p.beian"
    figures = data[0]["viewports"][0]["numbers"][0]
    assert figures["contrast"] == pytest.approx(FOOTER_CONTRAST, abs=0.01)
    assert figures["font_size"] == 13
    for key in ("box", "centre_offset", "below", "to_end", "link", "shown_fraction", "colour"):
        assert figures[key] is not None, key
    assert sorted(line.split()[0] for line in err.splitlines()) == ["[1/2]", "[2/2]"]
    assert len(list((tmp_path / "shots").glob("*.png"))) == 4


def test_the_command_exits_2_when_a_page_cannot_be_loaded(
    site: str, chromium: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    status = visual.check_command([closed, f"{site}/nothing-here.html", f"{site}/site.css"])
    out, _ = capsys.readouterr()
    assert status == 2
    assert f"✗ {closed}: error: unreachable: net::ERR_CONNECTION_REFUSED" in out
    assert f"✗ {site}/nothing-here.html: error: HTTP 404" in out
    assert f"✗ {site}/site.css: error: not an HTML page (text/css)" in out


def test_without_chromium_the_command_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICP_FOOTER_CHROMIUM", "/nonexistent/chromium")
    assert visual.check_command(["http://127.0.0.1:9/"]) == 2
    assert "ICP_FOOTER_CHROMIUM='/nonexistent/chromium' is not an executable" in (
        capsys.readouterr().err
    )
    monkeypatch.delenv("ICP_FOOTER_CHROMIUM")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RenderUnavailableError, match="apt-get install chromium"):
        visual.find_chromium()


def test_a_screenshot_folder_that_cannot_be_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    assert visual.check_command(["http://127.0.0.1:9/"], screenshot_dir=taken / "shots") == 2
    assert capsys.readouterr().err.startswith("icp-footer check --render: --screenshot: ")


def test_without_playwright_the_command_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "playwright.async_api", None)
    assert visual.check_command(["http://127.0.0.1:9/"]) == 2
    assert 'pip install "icp-footer[render]"' in capsys.readouterr().err


# -- in-process apps ---------------------------------------------------------------------------


def load_example(name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``examples/NAME_app/app.py`` as shipped, configured as the README shows."""
    for key in list(os.environ):
        if key.startswith("ICP_FOOTER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ICP_FOOTER_NUMBER", NUMBER)
    monkeypatch.setenv("ICP_FOOTER_PSB", PSB)
    module_name = f"icp_footer_visual_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}_app" / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, module_name, module)
    spec.loader.exec_module(module)
    return module.app


@pytest.mark.parametrize("name", ["flask", "fastapi"])
def test_the_example_apps_are_compliant_on_both_viewports(
    name: str,
    chromium: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs = os.environ.get("ICP_FOOTER_SCREENSHOTS")
    app = load_example(name, monkeypatch)
    shots = tmp_path / "shots"
    urls = ["http://example.cn/"]
    status = visual.check_command(urls, app=app, screenshot_dir=shots, as_json=True)
    out, _ = capsys.readouterr()
    assert status == 0, out
    data = json.loads(out)
    assert [page["url"] for page in data] == urls
    for url, view in ((page["url"], v) for page in data for v in page["viewports"]):
        assert view["ok"]
        assert view["final_url"] == url  # the browser asked for the host itself
        assert [n["text"] for n in view["numbers"]] == [NUMBER, PSB]
        for number in view["numbers"]:
            assert number["visible"]
            assert number["linked"]
            assert number["centred"]
            assert number["at_bottom"]
            assert number["font_size"] == 12
            assert number["contrast"] >= 4.5
            assert number["findings"] == []
        assert view["numbers"][1]["badge"]["loaded"]
    assert len(list(shots.glob("*.png"))) == 2
    if docs and name == "flask":
        # The README's picture: what --screenshot saves, the phone at twice the pixels.
        target = ROOT / docs / "check-render.png"
        shutil.copyfile(shots / f"example.cn-{PHONE.name}.png", target)


def echo_host(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = f"<p>Host: {environ.get('HTTP_HOST')}</p>".encode()
    start_response("200 OK", [("Content-Type", "text/html"), ("X-Seen", "1"), ("X-Seen", "2")])
    return [body]


async def echo_host_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    host = dict(scope["headers"]).get(b"host", b"").decode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/html"), (b"x-seen", b"1"), (b"x-seen", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": f"<p>Host: {host}</p>".encode()})


@pytest.mark.parametrize("app", [echo_host, echo_host_asgi], ids=["wsgi", "asgi"])
def test_an_app_is_served_on_127_0_0_1_until_the_check_ends(app: Any) -> None:
    with visual.serve_app(app) as base:
        assert base.startswith("http://127.0.0.1:")
        with httpx.Client(trust_env=False) as client:
            response = client.get(f"{base}/", headers={"Host": "example.cn"})
        assert response.text == "<p>Host: example.cn</p>"
        assert response.headers.get_list("x-seen") == ["1", "2"]
    with pytest.raises(httpx.ConnectError), httpx.Client(trust_env=False) as client:
        client.get(f"{base}/")


def test_check_app_rendered_stops_its_server(
    chromium: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[str] = []
    serve = visual.serve_app

    @contextlib.contextmanager
    def recording(app: Any) -> Iterator[str]:
        with serve(app) as base:
            served.append(base)
            yield base

    monkeypatch.setattr(visual, "serve_app", recording)
    (report,) = visual.check_app_rendered(echo_host, viewports=[PHONE])  # "/" on localhost
    assert report.url == "http://localhost/"
    assert report.viewports[0].final_url == "http://localhost/"
    assert report.findings[0].message.startswith("no ICP number")  # the page was judged
    assert len(served) == 1
    with pytest.raises(httpx.ConnectError), httpx.Client(trust_env=False) as client:
        client.get(f"{served[0]}/")


# -- the arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("foreground", "background", "ratio"),
    [
        ((0, 0, 0), (255, 255, 255), 21.0),
        ((255, 255, 255), (255, 255, 255), 1.0),
        ((0x59, 0x59, 0x59), (255, 255, 255), 7.0),
        ((0x76, 0x76, 0x76), (255, 255, 255), 4.54),
    ],
)
def test_contrast_ratio(
    foreground: tuple[int, int, int], background: tuple[int, int, int], ratio: float
) -> None:
    assert visual.contrast_ratio(foreground, background) == pytest.approx(ratio, abs=0.01)
    assert visual.contrast_ratio(background, foreground) == pytest.approx(ratio, abs=0.01)
