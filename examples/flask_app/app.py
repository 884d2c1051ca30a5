"""A small Flask site whose home page gets its ICP number from icp-footer.

The middleware is applied in one line (see :func:`create_app`) and configured only through
``ICP_FOOTER_*`` environment variables. Run it (from this directory) with::

    ICP_FOOTER_NUMBER="京ICP备12345678号-1" ../../.venv/bin/gunicorn -b 127.0.0.1:8000 app:app

``ICP_FOOTER_EXAMPLE_BARE=1`` builds the same site without the middleware (the tests compare
the two byte for byte).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, render_template, stream_with_context

from icp_footer.wsgi import ICPFooterMiddleware

HERE = Path(__file__).resolve().parent

SITE: dict[str, Any] = {
    "name": "示例科技新闻中心",
    "company": "示例科技有限公司",
    "framework": "Flask",
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
    "framework": "flask",
    "pages": ["/", "/about", "/stream"],
}

STREAM_DELAY = 0.2


def stream_chunks(page: str) -> list[str]:
    """Split a rendered page at its ``<!--chunk-->`` marks; the last piece holds the footer."""
    footer_at = page.rindex('<footer class="site-footer"')
    pieces = page[:footer_at].split("<!--chunk-->")
    pieces[-1] += page[footer_at:]
    return pieces


def create_app(wrapped: bool = True) -> Flask:
    """Build the site; ``wrapped=False`` leaves out the middleware."""
    app = Flask(
        __name__,
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.get("/")
    def home() -> str:
        return render_template("index.html", site=SITE, active="/", news=NEWS, feature=FEATURE)

    @app.get("/about")
    def about() -> str:
        return render_template("about.html", site=SITE, active="/about")

    @app.get("/api/status")
    def status() -> Response:
        return jsonify(STATUS)

    @app.get("/stream")
    def stream() -> Response:
        def generate() -> Iterator[str]:
            page = render_template("stream.html", site=SITE, active="/stream", news=NEWS)
            for index, piece in enumerate(stream_chunks(page)):
                if index:
                    time.sleep(STREAM_DELAY)
                yield piece

        return Response(stream_with_context(generate()), mimetype="text/html")

    if wrapped:
        app.wsgi_app = ICPFooterMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


app = create_app(wrapped=os.environ.get("ICP_FOOTER_EXAMPLE_BARE", "") != "1")
