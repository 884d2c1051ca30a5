"""A small FastAPI site whose home page gets its ICP number from icp-footer.

The middleware is applied in one line (see :func:`create_app`) and configured only through
``ICP_FOOTER_*`` environment variables. Run it (from this directory) with::

    ICP_FOOTER_NUMBER="京ICP备12345678号-1" ../../.venv/bin/uvicorn app:app --port 8001

``ICP_FOOTER_EXAMPLE_BARE=1`` builds the same site without the middleware (the tests compare
the two byte for byte).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from icp_footer.asgi import ICPFooterMiddleware

HERE = Path(__file__).resolve().parent

SITE: dict[str, Any] = {
    "name": "示例科技新闻中心",
    "company": "示例科技有限公司",
    "framework": "FastAPI",
    "nav": [("/", "首页"), ("/about", "关于我们"), ("/stream", "实时快讯")],
}

NEWS: list[dict[str, str]] = [
    {
        "tag": "公司新闻",
        "title": "示例科技发布新一代云存储服务",
        "summary": "新服务在北京、上海、广州三地部署，支持跨地域自动备份，中小企业可免费试用。",
        "date": "2026-03-18",
    },
    {
        "tag": "行业动态",
        "title": "网站备案信息展示规范解读",
        "summary": "备案号应在网站首页底部居中显示，并链接至工业和信息化部政务服务平台。",
        "date": "2026-03-12",
    },
    {
        "tag": "社区活动",
        "title": "春季开发者沙龙在杭州举行",
        "summary": "两百余名开发者参加，围绕 Python Web 服务的部署与运维进行了交流。",
        "date": "2026-03-05",
    },
]

FEATURE: dict[str, Any] = {
    "title": "专题：一个中间件，搞定首页备案号",
    "body": [
        "很多团队把备案号手工粘贴进模板，换域名、换模板时很容易漏掉。",
        "icp-footer 在响应经过时读取页面，把备案号放进页面的站点页脚：文章、侧栏里的 footer 不算。",
    ],
    "author": "编辑部",
    "date": "2026-03-20",
}

STATUS: dict[str, Any] = {
    "ok": True,
    "site": SITE["name"],
    "framework": "fastapi",
    "pages": ["/", "/about", "/stream"],
}

STREAM_DELAY = 0.2


def stream_chunks(page: str) -> list[str]:
    """Split a rendered page at its ``<!--chunk-->`` marks; the last piece holds the footer."""
    footer_at = page.rindex('<footer class="site-footer"')
    pieces = page[:footer_at].split("<!--chunk-->")
    pieces[-1] += page[footer_at:]
    return pieces


def create_app(wrapped: bool = True) -> FastAPI:
    """Build the site; ``wrapped=False`` leaves out the middleware."""
    app = FastAPI(title=SITE["name"], docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True

    # FastAPI routes answer only the methods they list: HEAD is added by hand for the pages.
    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def home(request: Request) -> HTMLResponse:
        context = {"site": SITE, "active": "/", "news": NEWS, "feature": FEATURE}
        return templates.TemplateResponse(request, "index.html", context)

    @app.api_route("/about", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def about(request: Request) -> HTMLResponse:
        context = {"site": SITE, "active": "/about"}
        return templates.TemplateResponse(request, "about.html", context)

    @app.get("/api/status")
    async def status() -> JSONResponse:
        return JSONResponse(STATUS)

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        page = templates.get_template("stream.html").render(site=SITE, active="/stream", news=NEWS)

        async def generate() -> AsyncIterator[str]:
            for index, piece in enumerate(stream_chunks(page)):
                if index:
                    await asyncio.sleep(STREAM_DELAY)
                yield piece

        return StreamingResponse(generate(), media_type="text/html")

    if wrapped:
        # mypy cannot yet match the middleware's ``**settings`` to Starlette's ParamSpec.
        app.add_middleware(ICPFooterMiddleware)
    return app


app = create_app(wrapped=os.environ.get("ICP_FOOTER_EXAMPLE_BARE", "") != "1")
