"""Deterministic, realistic HTML documents for the injector benchmarks.

Every generator is seeded, so the same call always returns the same bytes. The shapes imitate
pages served by Chinese portals and SSR apps: UTF-8 Chinese text, dense navigation, news lists,
inline SVG, HTML comments, inline scripts whose strings contain markup (``"</div>"``,
``'<footer>'``, ``'</bo' + 'dy>'``), a site ``<footer>`` near the end and, on the "data" page,
a huge JSON state blob plus base64 ``data:`` images.

Large documents are built by repeating a few hundred pre-built blocks, so even the 20 MB pages
are generated in well under a second.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable

__all__ = [
    "DOCUMENTS",
    "big_data",
    "big_markup",
    "home_20k",
    "portal",
    "without_body_end",
]

_WORD_TEXT = (
    "新闻 体育 财经 科技 娱乐 汽车 房产 教育 旅游 健康 文化 军事 国际 国内 社会 视频 图片 "
    "直播 专题 评论 数码 手机 游戏 时尚 女性 读书 历史 公益 彩票 股票 基金 理财 保险 "
    "发布 会议 政策 经济 发展 创新 企业 市场 增长 城市 乡村 振兴 项目 服务 平台 数据 "
    "安全 网络 用户 信息 管理 部门 通知 公告 活动 推荐 热门 最新 独家 深度 观察 报道 "
    "北京 上海 广州 深圳 杭州 成都 武汉 南京 西安 重庆 天津 苏州 长沙 郑州 青岛 厦门"
)
_WORDS = tuple(_WORD_TEXT.split())

_PUNCT = ("，", "。", "、", "：", "！", "？", "；")

_NAV = (
    "首页",
    "新闻",
    "体育",
    "财经",
    "科技",
    "娱乐",
    "汽车",
    "房产",
    "教育",
    "旅游",
    "健康",
    "文化",
    "视频",
    "图片",
    "直播",
    "专题",
)

_SVG_ICONS = (
    '<svg class="icon" viewBox="0 0 1024 1024" width="16" height="16" aria-hidden="true">'
    '<path d="M512 64C264.6 64 64 264.6 64 512s200.6 448 448 448 448-200.6 448-448S759.4 64 '
    "512 64zm0 820c-205.4 0-372-166.6-372-372s166.6-372 372-372 372 166.6 372 372-166.6 372-372 "
    '372z" fill="currentColor"/><path d="M464 336a48 48 0 1 0 96 0 48 48 0 1 0-96 0zm72 112h-48'
    'c-4.4 0-8 3.6-8 8v272c0 4.4 3.6 8 8 8h48c4.4 0 8-3.6 8-8V456c0-4.4-3.6-8-8-8z"/></svg>',
    '<svg class="icon icon-search" viewBox="0 0 24 24" width="20" height="20">'
    '<circle cx="11" cy="11" r="7" stroke="currentColor" fill="none" stroke-width="2"/>'
    '<line x1="16.5" y1="16.5" x2="22" y2="22" stroke="currentColor" stroke-width="2"/>'
    "<title>搜索</title></svg>",
    '<svg class="icon icon-weibo" viewBox="0 0 32 32" width="24" height="24"><g fill="#e6162d">'
    '<path d="M13.5 26.4c-5.3.5-9.9-1.9-10.2-5.3-.4-3.4 3.6-6.6 8.9-7.1 5.3-.5 9.9 1.9 10.2 5.3'
    '.4 3.4-3.6 6.6-8.9 7.1z"/></g><style>.icon-weibo g{opacity:.9}</style></svg>',
)

_COPYRIGHT = (
    "Copyright © 1998 - 2024 示例网络技术有限公司 版权所有",
    "违法和不良信息举报电话：010-12345678 举报邮箱：jubao@example.cn",
    "增值电信业务经营许可证 京B2-20201234 网络文化经营许可证 京网文〔2023〕1234-123号",
    "广播电视节目制作经营许可证（京）字第01234号 互联网药品信息服务资格证书",
)


def _sentence(rng: random.Random, lo: int = 6, hi: int = 18) -> str:
    """Return a pseudo-Chinese sentence of ``lo``..``hi`` words."""
    n = rng.randint(lo, hi)
    parts: list[str] = []
    for i in range(n):
        parts.append(rng.choice(_WORDS))
        if i != n - 1 and rng.random() < 0.2:
            parts.append(rng.choice(_PUNCT))
    return "".join(parts) + "。"


def _title(rng: random.Random) -> str:
    """Return a short headline."""
    return "".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 9)))


def _href(rng: random.Random) -> str:
    """Return a plausible article URL."""
    section = rng.choice(("news", "sports", "finance", "tech", "ent", "auto", "edu"))
    return (
        f"https://{section}.example.cn/{rng.randint(2019, 2024)}/"
        f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}/{rng.getrandbits(40):x}.shtml"
    )


def _head(rng: random.Random, title: str, *, extra_css: int = 1) -> str:
    """Return a ``<head>`` with meta, link, style and script tags."""
    css = "\n".join(
        f".mod-{i}{{margin:0 auto;padding:{rng.randint(2, 20)}px;color:#{rng.getrandbits(24):06x}}}"
        f" .mod-{i} a:hover{{text-decoration:underline}}"
        for i in range(40 * extra_css)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<meta name="keywords" content="{",".join(_NAV)}">\n'
        f'<meta name="description" content="{_sentence(rng, 15, 25)}">\n'
        '<link rel="stylesheet" href="//static.example.cn/css/main.3f2a9c.css">\n'
        '<link rel="icon" href="/favicon.ico">\n'
        '<link rel="dns-prefetch" href="//img.example.cn">\n'
        f"<style>\nbody{{font-family:'PingFang SC','Microsoft YaHei',sans-serif}}\n{css}\n"
        "</style>\n"
        "<script>window.__PAGE_START__=Date.now();var _hmt=_hmt||[];</script>\n"
        '<script src="//static.example.cn/js/jquery.min.js"></script>\n'
        "</head>\n"
    )


def _header(rng: random.Random, nav_links: int) -> str:
    """Return the site header with a logo, search box and navigation bar."""
    links = "".join(
        f'<li class="nav-item"><a href="https://{rng.choice(("www", "news", "v", "m"))}.example.cn'
        f'/{i}/" target="_blank">{_NAV[i % len(_NAV)]}</a></li>'
        for i in range(nav_links)
    )
    return (
        '<body class="index">\n'
        '<div id="top-bar"><div class="w1200"><a href="/login">登录</a> | '
        '<a href="/register">注册</a> | <a href="//m.example.cn">手机版</a></div></div>\n'
        '<header class="site-header"><div class="w1200">'
        '<h1 class="logo"><a href="/" title="示例网"><img src="//img.example.cn/logo.png" '
        'alt="示例网" width="180" height="60"></a></h1>'
        '<form class="search" action="//search.example.cn/" method="get">'
        f'<input type="text" name="q" placeholder="{_title(rng)}">'
        f"<button type=submit>{_SVG_ICONS[1]}</button></form></div>\n"
        f'<nav class="main-nav"><ul>{links}</ul></nav></header>\n'
    )


def _news_list(rng: random.Random, items: int, *, icons: bool = False) -> str:
    """Return a ``<ul>`` news list of ``<li><a href title><span>`` items."""
    lis = []
    for _ in range(items):
        t = _title(rng)
        icon = rng.choice(_SVG_ICONS) if icons and rng.random() < 0.1 else ""
        lis.append(
            f'<li><a href="{_href(rng)}" title="{t}" target="_blank">{icon}{t}</a>'
            f'<span class="time">{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}</span></li>'
        )
    return '<ul class="news-list">' + "".join(lis) + "</ul>\n"


def _section(rng: random.Random, items: int, *, icons: bool = False) -> str:
    """Return a ``<section>`` with a heading, a news list and an ``<article>`` teaser."""
    name = rng.choice(_NAV)
    article = (
        '<article class="focus"><h3><a href="' + _href(rng) + '">' + _title(rng) + "</a></h3>"
        "<p>" + _sentence(rng, 20, 40) + _sentence(rng) + "</p>"
        '<img src="//img.example.cn/'
        + f"{rng.getrandbits(48):x}"
        + '.jpg" alt="'
        + _title(rng)
        + '" loading="lazy"></article>'
    )
    return (
        f'<section class="mod mod-{rng.randint(0, 39)}" data-mod="{name}">'
        f'<div class="mod-hd"><h2>{name}</h2><a class="more" href="/{name}/">更多&gt;&gt;</a></div>'
        f'<div class="mod-bd">{article}{_news_list(rng, items, icons=icons)}</div></section>\n'
    )


def _comment(rng: random.Random) -> str:
    """Return an HTML comment such as CMS templates leave behind."""
    return rng.choice(
        (
            f"<!-- 模块：{rng.choice(_NAV)} 开始 -->\n",
            f"<!-- cms:block id={rng.randint(1000, 9999)} ts={rng.getrandbits(32)} -->\n",
            "<!-- <footer>旧版页脚，已停用</footer> -->\n",
            '<!--[if lt IE 9]><script src="//static.example.cn/js/html5shiv.js"></script>'
            "<![endif]-->\n",
        )
    )


def _inline_script(rng: random.Random) -> str:
    """Return a small inline script with markup inside string literals."""
    return (
        "<script>\n(function(){var el=document.getElementById('ad-"
        f"{rng.randint(1, 99)}');if(!el)return;"
        'el.innerHTML=\'<div class="ad"><a href="#">' + _title(rng) + "</a></div>';"
        "var s=\"</div>\";if(window.console){console.log('ad loaded',s);}})();\n</script>\n"
    )


def _footer(rng: random.Random) -> str:
    """Return the site ``<footer>`` with links and copyright lines."""
    links = " | ".join(
        f'<a href="/about/{w}.html">{w}</a>'
        for w in ("关于我们", "联系我们", "广告服务", "招聘信息", "隐私政策", "网站地图", "帮助")
    )
    lines = "".join(f"<p>{line}</p>" for line in _COPYRIGHT)
    return (
        '<footer class="site-footer" id="footer"><div class="w1200">'
        f'<div class="footer-links">{links}</div>{lines}'
        f'<p class="slogan">{_sentence(rng)}</p></div></footer>\n'
    )


def _big_script(rng: random.Random, size: int) -> str:
    """Return roughly ``size`` bytes of inline ``<script>`` code with markup in strings."""
    blocks: list[str] = []
    total = 0
    i = 0
    while total < size:
        t = _title(rng)
        block = (
            f"/* module {i} */\n"
            f"define('mod{i}',['jquery'],function($){{\n"
            f'  var tpl = \'<div class="card"><h3>{t}</h3>\' + "</div>";\n'
            f"  var foot = '<footer>' + '{_title(rng)}' + '</footer>';\n"
            "  var closeTag = '</bo' + 'dy>';\n"
            f'  var cfg = {{id:{rng.randint(1, 10**6)},name:"{t}",tags:["<b>","</b>"],'
            f"url:'{_href(rng)}'}};\n"
            "  if (a < b && b > 0) { $(tpl).appendTo('#main'); }\n"
            "  document.write('<scr' + 'ipt src=\"//s.example.cn/x.js\"></scr' + 'ipt>');\n"
            "  return { render: function(x){ return tpl.replace('</div>', x + '</div>'); } };\n"
            "});\n"
        )
        blocks.append(block)
        total += len(block.encode())
        i += 1
    # Split into a few tags, as bundlers inline several chunks.
    out: list[str] = []
    step = max(1, len(blocks) // 4)
    for k in range(0, len(blocks), step):
        out.append("<script>\n" + "".join(blocks[k : k + step]) + "</script>\n")
    return "".join(out)


def home_20k(seed: int = 1) -> bytes:
    """Return a ~20 KB UTF-8 home page with a site footer and trailing scripts."""
    rng = random.Random(seed)
    parts = [
        _head(rng, "示例网 - 首页", extra_css=0),
        _header(rng, 16),
        '<main id="main" class="w1200">\n',
    ]
    for _ in range(7):
        parts.append(_section(rng, 8))
    parts.append("</main>\n")
    parts.append(_footer(rng))
    parts.append(_inline_script(rng))
    parts.append('<script src="//static.example.cn/js/stat.js" async></script>\n')
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode()


def portal(size: int = 250_000, seed: int = 2) -> bytes:
    """Return a ~``size`` byte portal page: markup, footer, then ~40% inline script.

    About 40% of the page (100 KB at the default size) is inline script placed after the site
    footer, the way portals append analytics, ad and bundle code just before ``</body>``.
    """
    rng = random.Random(seed)
    script_size = size * 2 // 5
    head = _head(rng, "示例门户 - 新闻资讯门户网站", extra_css=2)
    parts = [head, _header(rng, 120), _comment(rng), '<div id="main" class="w1200">\n']
    markup_target = size - script_size - len(head.encode()) - 4000
    total = sum(len(p.encode()) for p in parts)
    while total < markup_target:
        r = rng.random()
        if r < 0.1:
            block = _comment(rng)
        elif r < 0.18:
            block = _inline_script(rng)
        else:
            block = _section(rng, rng.randint(8, 20), icons=True)
        parts.append(block)
        total += len(block.encode())
    parts.append("</div>\n")
    parts.append(_footer(rng))
    parts.append(_big_script(rng, script_size))
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode()


def _table(rng: random.Random, rows: int) -> str:
    """Return a data table, as found on finance and sports pages."""
    trs = "".join(
        f"<tr><td>{_title(rng)}</td><td>{rng.uniform(1, 500):.2f}</td>"
        f'<td class="{"up" if rng.random() < 0.5 else "down"}">{rng.uniform(-10, 10):+.2f}%</td>'
        f"<td>{rng.randint(10**4, 10**8)}</td></tr>"
        for _ in range(rows)
    )
    return (
        '<table class="quote"><thead><tr><th>名称</th><th>最新价</th><th>涨跌幅</th>'
        f"<th>成交量</th></tr></thead><tbody>{trs}</tbody></table>\n"
    )


def _repeat_blocks(rng: random.Random, blocks: list[bytes], size: int) -> bytes:
    """Concatenate randomly chosen ``blocks`` until about ``size`` bytes."""
    picked: list[bytes] = []
    total = 0
    while total < size:
        b = rng.choice(blocks)
        picked.append(b)
        total += len(b)
    return b"".join(picked)


def big_markup(size: int = 20_000_000, seed: int = 3) -> bytes:
    """Return a ~``size`` byte page of dense markup (news lists, tables), footer near the end."""
    rng = random.Random(seed)
    head = (_head(rng, "示例门户 - 全部新闻", extra_css=2) + _header(rng, 120)).encode()
    blocks: list[bytes] = []
    for i in range(160):
        if i % 4 == 0:
            block = _table(rng, rng.randint(20, 60))
        else:
            block = _section(rng, rng.randint(10, 40), icons=True)
        if i % 10 == 0:
            block += _comment(rng)
        if i % 25 == 0:
            block += _inline_script(rng)
        blocks.append(block.encode())
    tail = ("</div>\n" + _footer(rng) + _inline_script(rng) + "</body>\n</html>\n").encode()
    body_target = max(0, size - len(head) - len(tail) - 30)
    return (
        head + b'<div id="main" class="w1200">\n' + _repeat_blocks(rng, blocks, body_target) + tail
    )


def _state_record(rng: random.Random, i: int) -> dict[str, object]:
    """Return one record of an SSR state blob."""
    t = _title(rng)
    return {
        "id": i,
        "title": t,
        "summary": _sentence(rng, 20, 40),
        "url": _href(rng),
        "html": f'<div class="card"><h3>{t}</h3><p>{_sentence(rng)}</p></div>',
        "tags": [rng.choice(_NAV) for _ in range(rng.randint(1, 4))],
        "stats": {"pv": rng.randint(0, 10**7), "cmt": rng.randint(0, 10**4)},
        "cover": f"//img.example.cn/{rng.getrandbits(64):x}.webp",
    }


def big_data(size: int = 20_000_000, seed: int = 4) -> bytes:
    """Return a ~``size`` byte SSR-style page that is mostly inline data.

    About 80% is a ``<script type="application/json">`` state blob (with ``</`` escaped as
    ``<\\/`` the way SSR frameworks do) and the rest base64 ``data:`` images, then the site footer
    and ``</body>``.
    """
    rng = random.Random(seed)
    head = (
        _head(rng, "示例应用", extra_css=0)
        + '<body>\n<div id="__next">'
        + _header(rng, 16)[len('<body class="index">\n') :]
    ).encode()
    # JSON state: pre-build record blocks, repeat them.
    json_blocks: list[bytes] = []
    for b in range(120):
        recs = [_state_record(rng, b * 40 + k) for k in range(40)]
        text = json.dumps(recs, ensure_ascii=False, separators=(",", ":"))[1:-1]
        json_blocks.append(text.replace("</", "<\\/").encode() + b",")
    # Images: a few base64 payloads of various sizes.
    img_blocks: list[bytes] = []
    for _ in range(24):
        raw = rng.randbytes(rng.randint(2_000, 60_000))
        b64 = base64.b64encode(raw).decode()
        img_blocks.append(
            f'<div class="thumb"><img alt="{_title(rng)}" width="120" height="80" '
            f'src="data:image/png;base64,{b64}"></div>\n'.encode()
        )
    tail = (_footer(rng) + "</div>\n" + _inline_script(rng) + "</body>\n</html>\n").encode()
    avail = max(0, size - len(head) - len(tail) - 200)
    json_part = _repeat_blocks(rng, json_blocks, avail * 4 // 5)
    state = (
        b'<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"list":['
        + json_part
        + b'{"id":-1}]}},"page":"/","buildId":"b1x9"}</script>\n'
    )
    imgs = _repeat_blocks(rng, img_blocks, avail - len(json_part))
    return head + b'<main class="feed">\n' + imgs + b"</main>\n" + state + tail


def without_body_end(document: bytes) -> bytes:
    """Return ``document`` with everything from its last ``</body>`` on removed."""
    i = document.lower().rfind(b"</body>")
    return document if i < 0 else document[:i]


DOCUMENTS: dict[str, Callable[[], bytes]] = {
    "home_20k": home_20k,
    "portal": portal,
    "big_markup": big_markup,
    "big_data": big_data,
}
"""The benchmark documents at their default sizes, by name."""
