"""icp_footer.decoding: a fetched page decoded as a browser decodes it, step by step."""

from __future__ import annotations

import codecs

import pytest

from icp_footer.decoding import PRESCAN_BYTES, STEPS, decode_page
from icp_footer.render import detect_charset

NUMBER = "京ICP备12345678号-1"
TEXT = f"<p>新闻资讯 关于我们 联系方式 版权所有</p><footer>{NUMBER}</footer>"
SCRIPT = '<script src="https://cdn.example.cn/static/js/{}.js?v=0123456789abcdef"></script>\n'


def head_of(size: int) -> str:
    """``<script src>`` lines (and a short filler one) making exactly ``size`` bytes."""
    lines = ""
    i = 0
    while len(lines) + len(SCRIPT) + 60 < size:
        lines += SCRIPT.format(f"module-{i:04d}")
        i += 1
    filler = f'<script src="/{"x" * (size - len(lines) - 26)}"></script>\n'
    assert len(lines + filler) == size
    return lines + filler


def page(head: str, body: str = TEXT) -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>Home</title></head><body>{body}</body></html>"


def late(meta: str, start: int, body: str = TEXT) -> bytes:
    """A UTF-8 page whose ``meta`` starts at byte ``start``, behind script URLs."""
    prefix = "<!DOCTYPE html><html><head>"
    data = page(head_of(start - len(prefix)) + meta, body).encode()
    assert data.index(meta.encode()) == start
    return data


META = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'


# -- steps 1-3: BOM, header, prescan ---------------------------------------------------


@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
    ],
)
def test_a_bom_wins_over_the_header_and_meta(bom: bytes, codec: str, name: str) -> None:
    data = bom + page("<meta charset=gbk>").encode(codec)
    decoded = decode_page(data, "text/html; charset=iso-8859-1")
    assert (decoded.step, decoded.encoding) == ("bom", name)
    assert decoded.text == page("<meta charset=gbk>")  # without the BOM
    assert not decoded.misread_by_prescan


def test_the_header_charset_wins_over_meta() -> None:
    data = page('<meta charset="iso-8859-1">').encode("gbk")
    decoded = decode_page(data, 'text/html; charset="GB2312"')
    assert (decoded.step, decoded.encoding) == ("header", "GBK")
    assert NUMBER in decoded.text


def test_an_unknown_header_label_falls_through_to_meta() -> None:
    data = page("<meta charset=gbk>").encode("gbk")
    decoded = decode_page(data, "text/html; charset=no-such-thing")
    assert (decoded.step, decoded.encoding) == ("meta", "GBK")
    assert NUMBER in decoded.text


@pytest.mark.parametrize(
    ("meta", "name"),
    [
        ("<meta charset=gb2312>", "GBK"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "GBK"),
        ('<META CONTENT="text/html;charset=GB18030" HTTP-EQUIV="content-type">', "gb18030"),
    ],
)
def test_meta_in_the_first_1024_bytes(meta: str, name: str) -> None:
    data = page(meta).encode("gb18030")
    decoded = decode_page(data, "text/html")
    assert (decoded.step, decoded.encoding) == ("meta", name)
    assert NUMBER in decoded.text
    assert not decoded.misread_by_prescan


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/html; charset=utf-8", page("").encode()),
        ("text/html", page("<meta charset=gbk>").encode("gbk")),
        ("text/html", codecs.BOM_UTF8 + page("").encode()),
        ("text/html", page("<meta charset=shift_jis>", "<p>会社概要</p>").encode("cp932")),
    ],
)
def test_steps_1_to_3_agree_with_the_middleware(content_type: str, data: bytes) -> None:
    codec = detect_charset(content_type, data[:PRESCAN_BYTES])
    assert codec is not None
    decoded = decode_page(data, content_type)
    assert decoded.step in ("bom", "header", "meta")
    assert decoded.text == data.decode(codec).removeprefix("\ufeff")


# -- step 4: a late <meta> in the head ----------------------------------------------------


@pytest.mark.parametrize("start", [972, 1000, 1024, 1259, 8000])
def test_a_late_meta_in_the_head_decides(start: int) -> None:
    data = late(META, start)
    assert detect_charset("text/html", data) == "cp1252"  # what the middleware sees
    decoded = decode_page(data, "text/html")
    assert (decoded.step, decoded.encoding) == ("late-meta", "UTF-8")
    assert NUMBER in decoded.text
    assert decoded.misread_by_prescan


def test_a_meta_that_ends_past_1024_bytes_is_late() -> None:
    data = late(META, 972)
    assert 972 + len(META) > PRESCAN_BYTES
    assert decode_page(data, "text/html").step == "late-meta"
    assert decode_page(data[:1200], "text/html").step == "late-meta"


@pytest.mark.parametrize(
    "between",
    [
        "<link rel=stylesheet href=/a.css><style>p{color:red}</style><base href=/>",
        "<noscript><link rel=stylesheet href=/n.css></noscript><object></object>",
        "<!-- <body> in a comment --><title>x</title></head>",
    ],
)
def test_head_elements_keep_the_search_going(between: str) -> None:
    head = head_of(1100) + between.replace("</head>", "") + "<meta charset=utf-8>"
    decoded = decode_page(page(head).encode(), "text/html")
    assert decoded.step == "late-meta"


@pytest.mark.parametrize(
    "before",
    [
        "</head><body><p>x</p>",
        "<div>",
        "<custom-element></custom-element>",
        "</head>",
    ],
)
def test_a_meta_after_the_head_and_1024_bytes_is_ignored(before: str) -> None:
    head = head_of(1100) + before + "<meta charset=gbk>"
    decoded = decode_page(page(head).encode(), "text/html")
    assert (decoded.step, decoded.encoding) == ("utf-8", "UTF-8")


def test_a_meta_after_the_head_but_within_1024_bytes_counts() -> None:
    data = page("</head><body><div>广告</div><meta charset=gbk>").encode("gbk")
    assert decode_page(data, "text/html").step == "meta"
    # even where the prescan gives up (a comment still open at byte 1,024)
    data = page("<!--" + "x" * 1000 + "--><div>x</div><meta charset=gbk>").encode("gbk")
    assert data.index(b"<meta") > PRESCAN_BYTES
    assert decode_page(data, "text/html").step == "detected"


@pytest.mark.parametrize(
    "hiding",
    [
        "<script>document.write('<meta charset=\"gbk\">')</script>",
        "<style>/* <meta charset=gbk> */</style>",
        "<title><meta charset=gbk></title>",
        "<!-- <meta charset=gbk> -->",
        "<!--><meta-data charset=gbk>",
        "<textarea><meta charset=gbk></textarea>",
    ],
)
def test_a_meta_inside_text_or_comments_is_not_a_meta(hiding: str) -> None:
    data = page(head_of(1100) + hiding).encode()
    decoded = decode_page(data, "text/html")
    assert decoded.step == "utf-8", decoded


@pytest.mark.parametrize(
    "end",
    [
        "<script>never closed <meta charset=gbk>",
        "<!-- never closed <meta charset=gbk>",
        "<plaintext><meta charset=gbk>",
        "<meta charset=gb",
        "<meta",
        "<",
        "</",
    ],
)
def test_the_search_ends_with_the_page(end: str) -> None:
    decoded = decode_page((head_of(1100) + end).encode(), None)
    assert (decoded.step, decoded.encoding) == ("default", "windows-1252")


def test_a_late_meta_naming_windows_1252_is_no_misreading() -> None:
    data = late('<meta charset="windows-1252">', 1100, body="<p>caf\xe9</p>").replace(
        "caf\xe9".encode(), b"caf\xe9"
    )
    decoded = decode_page(data, "text/html")
    assert (decoded.step, decoded.encoding) == ("late-meta", "windows-1252")
    assert "café" in decoded.text
    assert not decoded.misread_by_prescan


# -- step 5: the content ------------------------------------------------------------------


def test_valid_utf8_is_utf8() -> None:
    decoded = decode_page(page("").encode(), "text/html")
    assert (decoded.step, decoded.encoding) == ("utf-8", "UTF-8")
    assert decoded.misread_by_prescan
    cut = page("").encode() + "备".encode()[:2]  # a read cut inside the last character
    assert decode_page(cut, None).step == "utf-8"


def test_ascii_needs_no_detection() -> None:
    decoded = decode_page(b"<p>Beijing ICP 12345678</p>", "text/html")
    assert (decoded.step, decoded.encoding) == ("default", "windows-1252")
    assert not decoded.misread_by_prescan


LEGACY = [
    (
        "gbk",
        "GBK",
        "<h1>新闻中心</h1><p>今日要闻：国务院常务会议部署进一步优化营商环境有关工作。"
        "一季度国民经济开局良好，主要指标好于预期。春季农业生产有序推进。</p>",
    ),
    (
        "big5",
        "Big5",
        "<h1>新聞中心</h1><p>今日要聞：兩岸經貿交流座談會在廈門舉行。香港金融市場今日開市表現穩定，"
        "恆生指數小幅上揚。颱風季節將至，氣象部門提醒市民做好防範準備。</p>",
    ),
    (
        "cp932",
        "Shift_JIS",
        "<h1>会社概要</h1><p>当社は中国浙江省杭州市に本社を置く貿易会社です。日本のお客様向けに、"
        "高品質な製品とサービスを提供しております。お気軽にお問い合わせください。</p>",
    ),
    (
        "euc_jp",
        "EUC-JP",
        "<h1>お知らせ</h1><p>本日より新しいサービスを開始いたしました。詳しくは下記のページを"
        "ご覧ください。今後ともよろしくお願い申し上げます。営業時間は平日のみです。</p>",
    ),
    (
        "cp949",
        "EUC-KR",
        "<h1>회사 소개</h1><p>저희 회사는 고객 여러분께 최고의 서비스를 제공하기 위해 항상 "
        "노력하고 있습니다. 궁금하신 점이 있으시면 언제든지 문의해 주십시오.</p>",
    ),
]


@pytest.mark.parametrize(("codec", "name", "body"), LEGACY, ids=[c[1] for c in LEGACY])
def test_legacy_cjk_encodings_are_told_apart(codec: str, name: str, body: str) -> None:
    data = page("", body).encode(codec)
    decoded = decode_page(data, "text/html")
    assert (decoded.step, decoded.encoding) == ("detected", name)
    assert body in decoded.text
    assert decoded.misread_by_prescan


@pytest.mark.parametrize(
    "data", [b"<p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>", b"<p>\xff\xfe\xff\xfd</p>"]
)
def test_no_cjk_encoding_means_windows_1252(data: bytes) -> None:
    decoded = decode_page(data, "text/html")
    assert (decoded.step, decoded.encoding) == ("default", "windows-1252")
    assert decoded.text == data.decode("cp1252", errors="replace")
    assert not decoded.misread_by_prescan


# -- decoding as browsers decode ----------------------------------------------------------


def test_shift_jis_is_decoded_as_windows_31j() -> None:
    data = "<p>①②③ ～</p>".encode("cp932")  # NEC and IBM extensions, absent from shift_jis
    decoded = decode_page(data, "text/html; charset=shift_jis")
    assert "①②③ ～" in decoded.text


def test_gbk_is_decoded_with_the_gb18030_decoder() -> None:
    data = "<p>𠀀 €</p>".encode("gb18030")  # four-byte sequences GBK proper lacks
    decoded = decode_page(data, "text/html; charset=gbk")
    assert (decoded.encoding, "𠀀 €" in decoded.text) == ("GBK", True)


def test_the_replacement_and_x_user_defined_encodings() -> None:
    decoded = decode_page(b"<p>anything</p>", "text/html; charset=iso-2022-kr")
    assert (decoded.encoding, decoded.text) == ("replacement", "\ufffd")
    decoded = decode_page(b"<p>\x80\xff</p>", "text/html; charset=x-user-defined")
    assert decoded.text == "<p>\uf780\uf7ff</p>"


def test_every_step_has_words() -> None:
    assert set(STEPS) == {"bom", "header", "meta", "late-meta", "utf-8", "detected", "default"}
