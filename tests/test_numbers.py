"""ICP and PSB numbers: what is accepted, what is rejected and why, and finding them in text."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icp_footer.numbers import (  # the folding's fast path, checked below
    _VARIANTS,
    ICP_EXAMPLE,
    PSB_EXAMPLE,
    IcpNumber,
    NumberError,
    PsbNumber,
    Recognised,
    _Folded,
    find_icp,
    find_psb,
    normalise,
    parse_icp,
    parse_psb,
    recognise_icp,
    recognise_psb,
    standard_form,
)

# Copied from icp-rules.md on purpose (an independent list, not the module's own).
PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝藏青宁新蜀川黔贵滇陕陇甘"
PSB_CODES = [
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
]

# --- tables -----------------------------------------------------------------------------

VALID_ICP = [
    # published numbers and the examples of icp-rules.md
    ("京ICP证030173号", "licence", "京"),
    ("粤B2-20090059", "telecom", "粤"),
    ("粤B2-20090059-5", "telecom", "粤"),
    ("陕ICP备2024026116号-1A", "filing", "陕"),
    ("陕ICP备2024026116号-1626X", "filing", "陕"),
    ("滇ICP备09010050-5号", "filing", "滇"),
    ("京ICP备12345678号", "filing", "京"),
    ("京ICP备12345678号-1", "filing", "京"),
    (ICP_EXAMPLE, "filing", "京"),
    # 10 digits, every alternative province character
    ("粤ICP备2020123456号-12", "filing", "粤"),
    ("蜀ICP备2021012345号-3", "filing", "蜀"),
    ("川ICP备12345678号", "filing", "川"),
    ("黔ICP备12345678号", "filing", "黔"),
    ("贵ICP备12345678号", "filing", "贵"),
    ("陇ICP备12345678号", "filing", "陇"),
    ("甘ICP备12345678号", "filing", "甘"),
    ("蒙ICP备12345678号", "filing", "蒙"),
    # sloppy forms
    ("京ICP备12345678", "filing", "京"),
    ("京ICP备12345678-1", "filing", "京"),
    ("陕ICP备2024026116-1A号", "filing", "陕"),
    ("京ICP备 12345678 号-1", "filing", "京"),
    ("京ICP备 12345678号", "filing", "京"),
    ("京ICP备12345678 号", "filing", "京"),
    ("  京ICP备12345678号-1\n", "filing", "京"),
    ("京ICP备１２３４５６７８号－１", "filing", "京"),
    ("京ＩＣＰ备１２３４５６７８号", "filing", "京"),
    ("京ICP备\u300012345678\u3000号", "filing", "京"),
    ("陕ICP备2024026116号-1Ａ", "filing", "陕"),
    ("京ICP证030173", "licence", "京"),
    ("京ICP证 ０３０１７３ 号", "licence", "京"),
    ("粤Ｂ２－２００９００５９－５", "telecom", "粤"),
]

VALID_PSB = [
    ("京公网安备 11000002000001号", "11000002000001", "京"),
    (PSB_EXAMPLE, "11010502030143", "京"),
    ("粤公网安备 44030002000001号", "44030002000001", "粤"),
    ("京公网安备11010502030143号", "11010502030143", "京"),
    ("川公网安备 51010702001234", "51010702001234", "川"),
    ("贵公网安备 52010202000123号", "52010202000123", "贵"),
    ("新公网安备 65010202000123号", "65010202000123", "新"),
    ("京公网安备　１１０１０５０２０３０１４３号", "11010502030143", "京"),
    ("京公网安备 11010502030143 号", "11010502030143", "京"),
]

INVALID_ICP = [
    ("", "empty"),
    ("   \u3000", "empty"),
    ("京ICP备1234567号", "the record number must have 8 or 10 digits, not 7"),
    ("京ICP备123456789号", "8 or 10 digits, not 9"),
    ("京ICP备12345678901号", "8 or 10 digits, not 11"),
    ("京ICP备号", "record number (8 or 10 digits) is missing"),
    ("京ICP备案12345678号", "'备案' is not part of it"),
    ("萌ICP备20240001号", "fan badges are not filing numbers"),
    ("喵ICP备12345678号-1", "fan badges are not filing numbers"),
    ("Moe ICP备12345678号", "unknown prefix 'Moe'"),
    ("港ICP备12345678号", "Hong Kong, Macau and Taiwan"),
    ("台ICP备12345678号", "not a mainland province"),
    ("ICP备12345678号", "province character is missing"),
    ("北京ICP备12345678号", "abbreviation 京, not '北京'"),
    ("四川ICP备12345678号", "蜀 or 川"),
    ("备案号：京ICP备12345678号", "remove '备案号:'"),
    ("京icp备12345678号", "capital letters"),
    ("粤b2-20090059", "capital letters"),
    ("京ICP备12345678号-0", "1 or more, without a leading zero"),
    ("京ICP备12345678号-01", "without a leading zero"),
    ("京ICP备12345678号-", "website number (1, 2, ...) must follow '-'"),
    ("京ICP备12345678号A", "comes after the website number"),
    ("陕ICP备2024026116号-1a", "capital A (app) or X (mini-program)"),
    ("陕ICP备2024026116号-1B", "only letters allowed"),
    ("京ICP备12345678号号", "'号' appears in the wrong place"),
    ("京ICP备12345678号-1号", "'号' appears in the wrong place"),
    ("京ICP备12345678号-1 版权所有", "unexpected text '版权所有'"),
    ("京ICP12345678号", "followed by 备 (filing number) or 证 (licence number)"),
    ("京ICP证03017号", "must have 6 digits, not 5"),
    ("京ICP证030173号-1", "no '-<N>' website number"),
    ("粤B2-2009005", "8 digits after 'B2-', not 7"),
    ("粤B2-20090059号", "has no '号'"),
    ("粤B2-20090059-0", "without a leading zero"),
    ("粤B220090059", "'-' after 'B2'"),
    ("京公网安备 11000002000001号", "Public Security (公安) filing number, not an ICP number"),
    ("京ICP备12345678号 京公网安备 11000002000001号", "more than one number"),
    ("11010502030143", "Public Security (公安) record code"),
    ("12345678-1", "province character and 'ICP备' are missing"),
    ("hello", "not an ICP number"),
]

INVALID_PSB = [
    ("", "empty"),
    ("11010502030143", "e.g. 京公网安备 11010502030143号"),
    ("44030002000001", "e.g. 粤公网安备 44030002000001号"),
    ("京ICP备12345678号", "ICP number, not a Public Security"),
    ("粤B2-20090059", "ICP number, not a Public Security"),
    ("京ICP备12345678号 京公网安备 11000002000001号", "more than one number"),
    ("京公网安备 1101050203014号", "14 digits, not 13"),
    ("京公网安备 110105020301431号", "14 digits, not 15"),
    ("京公网安备号", "14 digits, not 0"),
    ("京公网安备 99010502030143号", "mainland province code (11-15,"),
    ("京公网安备 71010502030143号", "not 71"),
    ("京公网安备 00000000000000号", "not 00"),
    ("萌公网安备 11010502030143号", "fan badges are not filing numbers"),
    ("公网安备 11010502030143号", "province character is missing before '公网安备'"),
    ("港公网安备 11010502030143号", "Hong Kong"),
    ("北京公网安备 11010502030143号", "abbreviation 京"),
    ("京公网安备 11010502030143号号", "'号' appears in the wrong place"),
    ("京公网安备 11010502030143号-1", "unexpected text '-1'"),
    ("京公安备 11010502030143号", "expected a province character, '公网安备'"),
]


@pytest.mark.parametrize(("text", "kind", "province"), VALID_ICP)
def test_valid_icp(text: str, kind: str, province: str) -> None:
    number = parse_icp(text)
    assert number == IcpNumber(text, normalise(text), number.kind, province)
    assert number.kind == kind
    assert number.text == text
    assert number.normalised == "".join(number.normalised.split())


@pytest.mark.parametrize(("text", "code", "province"), VALID_PSB)
def test_valid_psb(text: str, code: str, province: str) -> None:
    assert parse_psb(text) == PsbNumber(text, normalise(text), code, province)


def test_normalised_forms() -> None:
    assert parse_icp("京ICP备 １２３４５６７８ 号－１").normalised == "京ICP备12345678号-1"
    assert parse_icp("粤Ｂ２－２００９００５９").normalised == "粤B2-20090059"
    assert parse_psb(PSB_EXAMPLE).normalised == "京公网安备11010502030143号"
    # the misplaced form and a missing 号 are kept as written, not rewritten
    assert parse_icp("滇ICP备09010050-5号").normalised == "滇ICP备09010050-5号"
    assert parse_icp("京ICP备12345678").normalised == "京ICP备12345678"


@pytest.mark.parametrize(("text", "fragment"), INVALID_ICP)
def test_invalid_icp(text: str, fragment: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_icp(text)
    message = str(caught.value)
    assert fragment in message
    assert message.startswith(f'"{text.strip()}": ')
    assert "(e.g. " in message
    assert "not a valid" not in message  # every rejection names its problem


@pytest.mark.parametrize(("text", "fragment"), INVALID_PSB)
def test_invalid_psb(text: str, fragment: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_psb(text)
    message = str(caught.value)
    assert fragment in message
    assert message.startswith(f'"{text.strip()}": ')
    assert "(e.g. " in message
    assert "not a valid" not in message


def test_example_in_message_is_valid_and_uses_the_province() -> None:
    with pytest.raises(NumberError, match=r"\(e\.g\. 粤ICP备12345678号-1\)"):
        parse_icp("粤ICP备1234567号")
    with pytest.raises(NumberError, match=r"\(e\.g\. 川公网安备 11010502030143号\)"):
        parse_psb("川公网安备 123号")


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(NumberError) as caught:
        parse_icp("x" * 500)
    assert len(str(caught.value)) < 250


def test_number_error_is_a_value_error() -> None:
    assert issubclass(NumberError, ValueError)
    with pytest.raises(ValueError, match="fan badge"):
        parse_icp("萌ICP备20240001号")


def test_every_province_and_nothing_else() -> None:
    for ch in PROVINCES:
        assert parse_icp(f"{ch}ICP备12345678号").province == ch
        assert parse_psb(f"{ch}公网安备 11010502030143号").province == ch
    for ch in "港澳台萌喵国中华":
        with pytest.raises(NumberError):
            parse_icp(f"{ch}ICP备12345678号")
        with pytest.raises(NumberError):
            parse_psb(f"{ch}公网安备 11010502030143号")


def test_psb_province_codes() -> None:
    for code in range(100):
        text = f"京公网安备 {code:02d}010502030143号"
        if code in PSB_CODES:
            assert parse_psb(text).code == f"{code:02d}010502030143"
        else:
            with pytest.raises(NumberError, match="province code"):
                parse_psb(text)


# --- finding ----------------------------------------------------------------------------


def test_find_in_a_real_looking_footer() -> None:
    footer = (
        "© 2026 某某公司 版权所有 | 备案号：滇ICP备09010050-5号 | 京ICP备 12345678 号 |"
        " 京公网安备 11000002000001号 | 增值电信业务经营许可证：粤B2-20090059-5 |"
        " 京ICP证030173号 萌ICP备20240001号 京ＩＣＰ备１２３４５６７８号－１"
    )
    assert find_icp(footer) == [
        "滇ICP备09010050-5号",
        "京ICP备 12345678 号",
        "粤B2-20090059-5",
        "京ICP证030173号",
        "京ＩＣＰ备１２３４５６７８号－１",
    ]
    assert find_psb(footer) == ["京公网安备 11000002000001号"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("京ICP备12345678 2024", ["京ICP备12345678"]),  # no digit run across a space
        ("京ICP备12345678号-1App", ["京ICP备12345678号-1"]),  # 'A' starts a word here
        ("陕ICP备2024026116号-1A。", ["陕ICP备2024026116号-1A"]),
        ("北京ICP备12345678号", ["京ICP备12345678号"]),
        ("粤B2-20090059号", ["粤B2-20090059"]),
        ("京ICP备1234567号 京ICP备123456789号 京icp备12345678号", []),
        ("萌ICP备20240001号 喵ICP备12345678号-1 港ICP备12345678号 ICP备12345678号", []),
        ("京ICP备１２３４５６７⒏", []),  # ⒏ is "8." after NFKC
        ("", []),
    ],
)
def test_find_icp_edges(text: str, found: list[str]) -> None:
    assert find_icp(text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("川公网安备51010702001234", ["川公网安备51010702001234"]),
        ("京公网安备 99010502030143号 萌公网安备 11010502030143号", []),
        ("公安备案 11010502030143", []),
        ("京公网安备 110105020301431号", []),
    ],
)
def test_find_psb_edges(text: str, found: list[str]) -> None:
    assert find_psb(text) == found


# --- recognising: the forms real pages show -------------------------------------------

# text, kind, standard form, what the departures say, whether a configured number may be
# written so (parse_icp/parse_psb accept it).
FORMS = [
    # the forms
    ("京ICP证 030367号", "licence", "京ICP证030367号", ["spaces inside the number"], True),
    (
        "沪ICP证：沪B2-20170116",
        "telecom",
        "沪B2-20170116",
        ["the label '沪ICP证：' before a telecom licence (B2) number"],
        False,
    ),
    (
        "鄂ICP证:020001-5",
        "licence",
        "鄂ICP证020001号",
        [
            "':' after ICP证",
            "an ICP licence (ICP证) number has no '-<N>' website number (here '-5')",
            "no '号' after the licence number",
        ],
        False,
    ),
    (
        "京｜ICP备11020872号－17",
        "filing",
        "京ICP备11020872号-17",
        ["'｜' between the province and ICP", "full-width characters (－)"],
        False,
    ),
    # icp-rules.md's sloppy forms
    ("京ICP备 12345678号", "filing", "京ICP备12345678号", ["spaces inside the number"], True),
    ("京ICP备12345678 号-1", "filing", "京ICP备12345678号-1", ["spaces inside the number"], True),
    ("京ICP备12345678", "filing", "京ICP备12345678号", ["no '号' after the record number"], True),
    (
        "京ICP备12345678-1",
        "filing",
        "京ICP备12345678号-1",
        ["no '号' after the record number"],
        True,
    ),
    (
        "滇ICP备09010050-5号",
        "filing",
        "滇ICP备09010050号-5",
        ["'号' after the website number, not before '-'"],
        True,
    ),
    (
        "京ICP备１２３４５６７８号－１",
        "filing",
        "京ICP备12345678号-1",
        ["full-width characters (１２３４５６７８－１)"],
        True,
    ),
    ("京ＩＣＰ证030173号", "licence", "京ICP证030173号", ["full-width characters (ＩＣＰ)"], True),
    # what traditional Chinese and Japanese pages show
    (
        "京ICP證030173號",
        "licence",
        "京ICP证030173号",
        ["traditional or Japanese character forms (證號)"],
        False,
    ),
    (
        "粵ICP備09010050號-1",
        "filing",
        "粤ICP备09010050号-1",
        ["traditional or Japanese character forms (粵備號)"],
        False,
    ),
    (
        "浙ICP備17006647号-2",
        "filing",
        "浙ICP备17006647号-2",
        ["traditional or Japanese character forms (備)"],
        False,
    ),
    ("京 ICP备12345678号", "filing", "京ICP备12345678号", ["spaces inside the number"], True),
    (
        "京ICP备：12345678号-2",
        "filing",
        "京ICP备12345678号-2",
        ["'：' after ICP备"],
        False,
    ),
    (
        "京ICP证030173号-1",
        "licence",
        "京ICP证030173号",
        ["an ICP licence (ICP证) number has no '-<N>' website number (here '-1')"],
        False,
    ),
    (
        "京公网安备11010502030143",
        "psb",
        "京公网安备 11010502030143号",
        ["no '号' after the record code"],
        True,
    ),
    (
        "京公網安備 11010502030143號",
        "psb",
        "京公网安备 11010502030143号",
        ["traditional or Japanese character forms (網備號)"],
        False,
    ),
    (
        "京公网安备：11010502030143号",
        "psb",
        "京公网安备 11010502030143号",
        ["'：' after 公网安备"],
        False,
    ),
    # standard forms: nothing to say
    ("京ICP备12345678号-1", "filing", "京ICP备12345678号-1", [], True),
    ("陕ICP备2024026116号-1A", "filing", "陕ICP备2024026116号-1A", [], True),
    ("京ICP证030173号", "licence", "京ICP证030173号", [], True),
    ("粤B2-20090059-5", "telecom", "粤B2-20090059-5", [], True),
    ("京公网安备 11010502030143号", "psb", "京公网安备 11010502030143号", [], True),
    ("京公网安备11010502030143号", "psb", "京公网安备 11010502030143号", [], True),
]
SLOPPY_TEXTS = [form[0] for form in FORMS]


def rejection(parse: Callable[[str], object], text: str) -> str | None:
    """What ``parse`` says is wrong with ``text``; None when it accepts it."""
    try:
        parse(text)
    except NumberError as error:
        return str(error)
    return None


def recognise_one(text: str) -> Recognised:
    """The one number ``text`` holds, found by the search."""
    found = recognise_psb(text) if "公" in text else recognise_icp(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "kind", "standard", "departures", "configurable"),
    FORMS,
    ids=[form[0] for form in FORMS],
)
def test_forms_real_pages_show(
    text: str, kind: str, standard: str, departures: list[str], configurable: bool
) -> None:
    # found in free text, verbatim, wherever it stands
    for before, after in (("", ""), ("备案号：", " | 版权所有"), ("© 2024 示例 ", "\n")):
        found = recognise_one(before + text + after)
        assert found.text == text
        assert (found.start, found.end) == (len(before), len(before) + len(text))
        assert (found.kind, found.standard) == (kind, standard)
        assert list(found.departures) == departures
        assert found.valid
        assert found.error is None
    # the same reading as a whole: one grammar for search and validation
    assert standard_form(text) == standard
    parse = parse_psb if kind == "psb" else parse_icp
    if configurable:
        parse(text)
    else:
        with pytest.raises(NumberError) as caught:
            parse(text)
        message = str(caught.value)
        assert message.endswith(f"write the number as on the filing record (e.g. {standard})")
        assert departures[0] in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("京ICP备123号", "8 or 10 digits, not 3"),
        ("京｜ICP备123号", "8 or 10 digits, not 3"),
        ("京ICP证:03017号", "must have 6 digits, not 5"),
        ("京ICP備1234567號", "8 or 10 digits, not 7"),
        ("京icp备12345678号", "capital letters"),
        ("南京 | ICP备12345678号", "province character is missing"),
        ("北京 ICP备12345678号", "province character is missing"),
        ("京公网安备：1101050203014号", "14 digits, not 13"),
        ("京公网安备 99010502030143号", "mainland province code"),
    ],
)
def test_number_like_text_says_what_is_wrong(text: str, problem: str) -> None:
    found = recognise_psb(text) if "公" in text else recognise_icp(text)
    assert len(found) == 1, found
    [bad] = found
    assert not bad.valid
    assert (bad.kind, bad.standard, bad.fan_badge) == (None, None, False)
    assert bad.error is not None
    assert problem in bad.error
    assert text.endswith(bad.text)


@pytest.mark.parametrize(
    "text", ["萌ICP备20240001号", "喵ICP備12345678號", "萌公网安备 11010502030143号"]
)
def test_fan_badges_are_recognised_as_such(text: str) -> None:
    [badge] = recognise_psb(text) if "公" in text else recognise_icp(text)
    assert badge.fan_badge
    assert not badge.valid
    assert "fan badge" in (badge.error or "")


@pytest.mark.parametrize(
    "text",
    [
        # phone, order and parcel numbers, dates
        "客服热线 400-800-1234 / 010-82345678，传真 0755-86013388 转 8001",
        "订单号 2024031512345678，快递单号 SF1234567890123，2024-03-15 12:00",
        "身份证号 110101199003071234 营业执照 91110108MA01ABCD2X",
        # ICP in prose, labels without a number
        "本站 ICP 备案正在办理中，ICP 许可证申请材料已提交。京ICP备案查询请访问管理局网站。",
        "ICP备案号：请见页面底部。ICP证 经营许可 B2B 平台 粤B2 审批中 京公网安备案中",
        "TCP/ICP/UDP 协议栈，ICP 算法（Iterative Closest Point）误差 0.0012345678",
        # a province character that is part of a word, before a bar or spaces
        "南京 | ICP 12345678",
        "地址：北京市海淀区 12345678号楼 3 单元",
    ],
)
def test_no_numbers_in_lookalike_text(text: str) -> None:
    assert [r for r in recognise_icp(text) if r.valid] == []
    assert [r for r in recognise_psb(text) if r.valid] == []
    assert find_icp(text) == find_psb(text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("京ICP备12345678号—2024 版权所有", "京ICP备12345678号"),  # an em dash, then a year
        ("京ICP备12345678号-1 电话 010-12345678", "京ICP备12345678号-1"),
        ("京ICP证030173号 | 京ICP备12345678号", "京ICP证030173号"),
        ("粤B2-20090059号", "粤B2-20090059"),
        ("北京ICP备12345678号", "京ICP备12345678号"),
    ],
)
def test_a_number_ends_where_it_ends(text: str, found: str) -> None:
    assert recognise_icp(text)[0].text == found


def test_a_label_before_a_malformed_telecom_number_is_diagnosed_without_it() -> None:
    with pytest.raises(NumberError, match="8 digits after 'B2-', not 7"):
        parse_icp("沪ICP证：沪B2-2017011")


def test_standard_form_compares_numbers() -> None:
    assert standard_form("滇ICP备09010050-5号") == standard_form("滇ICP备09010050号-5")
    assert standard_form("京ICP备 １２３４５６７８") == "京ICP备12345678号"
    assert standard_form("京公网安备11010502030143") == PSB_EXAMPLE
    assert standard_form("京ICP备123号") is None
    assert standard_form("京ICP备12345678号 京ICP备12345678号") is None
    assert standard_form("") is None


# --- properties -------------------------------------------------------------------------

SPACES = st.sampled_from([" ", "\u3000", "\t", "\u00a0", "\n", "  "])


def fullwidth(text: str, which: list[bool]) -> str:
    """Full-width forms of the ASCII characters chosen by ``which``."""
    return "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" and pick else ch
        for ch, pick in zip(text, which, strict=True)
    )


def flags(n: int) -> st.SearchStrategy[list[bool]]:
    return st.lists(st.booleans(), min_size=n, max_size=n)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


SITE = st.integers(min_value=1, max_value=99999).map(str)


@st.composite
def icp_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid ICP number with ``|`` where free text may hold spaces, and its kind."""
    province = draw(st.sampled_from(PROVINCES))
    kind = draw(st.sampled_from(["filing", "licence", "telecom"]))
    if kind == "licence":
        hao = draw(st.sampled_from(["|号", ""]))
        return f"{province}ICP证|{draw(digits(6))}{hao}", kind
    if kind == "telecom":
        site = draw(st.one_of(st.just(""), SITE.map("-{}".format)))
        return f"{province}B2-{draw(digits(8))}{site}", kind
    record = draw(st.one_of(digits(8), digits(10)))
    site = draw(SITE)
    suffix = draw(st.sampled_from(["", "A", "X"]))
    tail = draw(
        st.sampled_from(
            ["", "|号", f"|号-{site}", f"|号-{site}{suffix}", f"-{site}{suffix}|号", f"-{site}"]
        )
    )
    return f"{province}ICP备|{record}{tail}", kind


@st.composite
def psb_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid PSB number with ``|`` where free text may hold spaces, and its code."""
    province = draw(st.sampled_from(PROVINCES))
    code = f"{draw(st.sampled_from(PSB_CODES)):02d}{draw(digits(12))}"
    hao = draw(st.sampled_from(["|号", ""]))
    return f"{province}公网安备|{code}{hao}", code


@st.composite
def sloppy(draw: st.DrawFn, template: str) -> str:
    """Random full-width characters, and spaces where real footers put them."""
    parts = template.split("|")
    text = parts[0] + "".join(draw(st.sampled_from(["", " ", "\u3000"])) + p for p in parts[1:])
    return fullwidth(text, draw(flags(len(text))))


@st.composite
def spaced(draw: st.DrawFn, text: str) -> str:
    """``text`` with random full-width characters and random whitespace anywhere."""
    out = []
    for ch in fullwidth(text, draw(flags(len(text)))):
        out.append(draw(st.one_of(st.just(""), SPACES)))
        out.append(ch)
    out.append(draw(st.one_of(st.just(""), SPACES)))
    return "".join(out)


@given(icp_numbers(), st.data())
def test_fullwidth_and_spaces_do_not_change_an_icp_number(
    number: tuple[str, str], data: st.DataObject
) -> None:
    plain = number[0].replace("|", "")
    variant = data.draw(spaced(plain))
    parsed = parse_icp(variant)
    assert parsed.normalised == parse_icp(plain).normalised == plain
    assert parsed.kind == number[1]
    assert parsed.text == variant


@given(psb_numbers(), st.data())
def test_fullwidth_and_spaces_do_not_change_a_psb_number(
    number: tuple[str, str], data: st.DataObject
) -> None:
    plain = number[0].replace("|", "")
    variant = data.draw(spaced(plain))
    assert parse_psb(variant).normalised == parse_psb(plain).normalised == plain
    assert parse_psb(variant).code == number[1]


# Noise without 备, 证, 公 or B: it cannot hold a number of its own, however it is drawn.
NOISE = st.text(
    "的一是在了有和人这中大为上个我以要他时来用们生到作地于出就分对成会可主发年动同工能下过子说"
    + PROVINCES
    + "萌号网安ICPicpAXaxb2 0123456789-.,:;/()©|abcdefghijklmnopqrstuvwxyz",
    max_size=30,
)
# What may follow a number without extending it.
SEPARATORS = st.sampled_from(["，", " | ", "。", "；", "<", "\n©"])
NEAR_MISSES_ICP = [
    "萌ICP备20240001号",
    "萌ICP备12345678号-1",
    "喵ICP备1234567890号",
    "ICP备12345678号",
    "京ICP备1234567号",
    "京ICP备123456789号",
    "京icp备12345678号",
    "港ICP备12345678号",
    "京ICP证12345号",
    "粤B2-2009005",
    "京公网安备 11000002000001号",
]
NEAR_MISSES_PSB = [
    "萌公网安备 11000002000001号",
    "京公网安备 99000002000001号",
    "京公网安备 1100000200000号",
    "11000002000001",
    "京ICP备12345678号",
    "港公网安备 11000002000001号",
]


@st.composite
def embedded(draw: st.DrawFn, numbers: st.SearchStrategy[tuple[str, str]]) -> tuple[str, list[str]]:
    """Free text holding 1-3 sloppy numbers, and the numbers as written."""
    found = [draw(sloppy(number[0])) for number in draw(st.lists(numbers, min_size=1, max_size=3))]
    text = draw(NOISE)
    for number in found:
        text += number + draw(SEPARATORS) + draw(NOISE)
    return text, found


@given(embedded(icp_numbers()))
def test_find_icp_finds_every_embedded_number(case: tuple[str, list[str]]) -> None:
    text, numbers = case
    assert find_icp(text) == numbers


@given(embedded(psb_numbers()))
def test_find_psb_finds_every_embedded_number(case: tuple[str, list[str]]) -> None:
    text, numbers = case
    assert find_psb(text) == numbers


@given(st.lists(st.one_of(NOISE, st.sampled_from(NEAR_MISSES_ICP)), max_size=6))
def test_find_icp_finds_nothing_without_a_number(pieces: list[str]) -> None:
    assert find_icp("，".join(pieces)) == []


@given(st.lists(st.one_of(NOISE, st.sampled_from(NEAR_MISSES_PSB)), max_size=6))
def test_find_psb_finds_nothing_without_a_number(pieces: list[str]) -> None:
    assert find_psb("，".join(pieces)) == []


NUMBERISH = st.text(
    PROVINCES[:6] + "港萌北ICPBicpb备证案号公网安AXax2-－ 　0123456789０１|｜:：備證號網粵",
    max_size=40,
)
ANY_TEXT = st.one_of(st.text(), NUMBERISH)


@given(ANY_TEXT)
def test_parse_only_ever_raises_number_error(text: str) -> None:
    for parse in (parse_icp, parse_psb):
        try:
            parse(text)
        except NumberError as error:
            message = str(error)
            assert "(e.g. " in message
            assert "not a valid" not in message


@given(st.lists(st.one_of(NUMBERISH, st.sampled_from(SLOPPY_TEXTS)), max_size=5))
def test_whatever_find_returns_is_verbatim_and_parses(pieces: list[str]) -> None:
    text = "，".join(pieces)
    for found, search, parse in (
        (find_icp(text), recognise_icp, parse_icp),
        (find_psb(text), recognise_psb, parse_psb),
    ):
        for number in found:
            assert number in text
            parse(number)
        # find_* is recognise_* without the forms a configured number may not have
        assert found == [
            r.text for r in search(text) if r.valid and rejection(parse, r.text) is None
        ]


@given(st.lists(st.one_of(NUMBERISH, st.sampled_from(SLOPPY_TEXTS)), max_size=5))
def test_one_recogniser_for_search_and_validation(pieces: list[str]) -> None:
    """Whatever the search finds reads the same as a whole: same standard form, and the
    validator accepts it or names the standard form; the spans are verbatim, in order."""
    text = "，".join(pieces)
    end = 0
    for found in recognise_icp(text) + recognise_psb(text):
        assert text[found.start : found.end] == found.text
        if found.standard is None:
            assert found.error is not None
            continue
        assert standard_form(found.text) == found.standard
        assert standard_form(found.standard) == found.standard
        assert not recognise_one(found.standard).departures
        parse = parse_psb if found.kind == "psb" else parse_icp
        message = rejection(parse, found.text)
        if message is not None:
            assert f"(e.g. {found.standard})" in message
            assert found.departures
    for found in recognise_icp(text):
        assert found.start >= end
        end = found.end


def folded_one_by_one(text: str, spaces: bool) -> tuple[str, list[int]]:
    """The folding's definition, character by character, with each one's origin."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isspace() and not spaces:
                continue
            chars.append(" " if c.isspace() else c.translate(_VARIANTS))
            origin.append(i)
    return "".join(chars), origin


FOLDABLE = st.text(
    st.sampled_from("京ICP备12⒏㈱…ﬁ¼ \u3000\n\t\u00a0備號證ＩＣＰ１－｜：ｶﾞ゛e\u0301a")
)


@given(st.one_of(st.text(), FOLDABLE), st.booleans())
def test_folding_is_character_by_character(text: str, spaces: bool) -> None:
    folded = _Folded(text, spaces=spaces)
    expected, origin = folded_one_by_one(text, spaces)
    assert folded.text == expected
    assert [folded.origin(i) for i in range(len(expected))] == origin
    for start in range(len(expected)):
        for end in range(start + 1, min(len(expected), start + 4) + 1):
            assert folded.verbatim(start, end) == text[origin[start] : origin[end - 1] + 1]
            assert folded.whole_characters(start, end) == (
                (start == 0 or origin[start - 1] != origin[start])
                and (end == len(origin) or origin[end] != origin[end - 1])
            )


@pytest.mark.parametrize(
    ("text", "badge"),
    [
        ("萌ICP备20240001号", True),
        ("Abc ICP备20240001号", True),  # an unknown prefix may be a badge too
        ("京ICP备1234567号", False),
        ("ICP备12345678号", False),
    ],
)
def test_a_number_error_says_whether_the_text_is_a_fan_badge(text: str, badge: bool) -> None:
    with pytest.raises(NumberError) as caught:
        parse_icp(text)
    assert caught.value.fan_badge is badge
