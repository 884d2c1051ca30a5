"""ICP filing and licence numbers and Public Security (PSB) filing numbers.

Parse only to validate and to detect; the configured text is always shown verbatim.

Accepted (compared on :func:`normalise`, i.e. after NFKC and without whitespace):

* filing: ``<province>ICP备<8 or 10 digits>号``, optionally ``-<N>`` (N >= 1, no leading
  zero), optionally ``A`` (app) or ``X`` (mini-program) after ``-<N>``; a missing ``号`` and
  the misplaced ``<digits>-<N>号`` (``滇ICP备09010050-5号``) are tolerated;
* licence: ``<province>ICP证<6 digits>号`` (``号`` may be missing);
* telecom: ``<province>B2-<8 digits>``, optionally ``-<N>``;
* PSB: ``<province>公网安备 <14 digits>号`` (``号`` may be missing) whose first two digits
  are a mainland province code.

``ICP``, ``B2``, ``A`` and ``X`` must be capital letters (full-width capitals are fine:
NFKC turns them into ASCII). Official records always write them in capitals and the text
is shown verbatim, so ``京icp备...`` is rejected with a message asking for capitals rather
than silently accepted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NoReturn

__all__ = [
    "ICP_EXAMPLE",
    "PSB_EXAMPLE",
    "IcpNumber",
    "NumberError",
    "PsbNumber",
    "find_icp",
    "find_psb",
    "normalise",
    "parse_icp",
    "parse_psb",
]

ICP_EXAMPLE = "京ICP备12345678号-1"
PSB_EXAMPLE = "京公网安备 11010502030143号"


class NumberError(ValueError):
    """A number that is not in any known format; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class IcpNumber:
    """An ICP filing number, ICP licence number or telecom licence number."""

    text: str
    """As configured; shown verbatim."""
    normalised: str
    """NFKC, without whitespace: what comparisons use."""
    kind: Literal["filing", "licence", "telecom", "unknown"]
    """"unknown" only for a number accepted unvalidated (``ICP_FOOTER_STRICT=0``)."""
    province: str
    """The province character(s) it starts with, e.g. ``京``."""


@dataclass(frozen=True, slots=True)
class PsbNumber:
    """A Public Security (公安) filing number."""

    text: str
    normalised: str
    code: str
    """The 14-digit record code the MPS link needs."""
    province: str


def normalise(text: str) -> str:
    """NFKC-normalise and drop all whitespace (full-width digits and hyphens become ASCII)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# --- facts (icp-rules.md) -------------------------------------------------------------

# One character per mainland province; 蜀/川 (Sichuan), 黔/贵 (Guizhou), 陇/甘 (Gansu) are
# both in use. No 港/澳/台: they have no ICP filing.
_PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝藏青宁新蜀川黔贵滇陕陇甘"
_NOT_MAINLAND = "港澳台"
# Full names people write instead of the abbreviation; only used in error messages.
_FULL_NAMES = {
    "北京": "京",
    "天津": "津",
    "河北": "冀",
    "山西": "晋",
    "内蒙古": "蒙",
    "辽宁": "辽",
    "吉林": "吉",
    "黑龙江": "黑",
    "上海": "沪",
    "江苏": "苏",
    "浙江": "浙",
    "安徽": "皖",
    "福建": "闽",
    "江西": "赣",
    "山东": "鲁",
    "河南": "豫",
    "湖北": "鄂",
    "湖南": "湘",
    "广东": "粤",
    "广西": "桂",
    "海南": "琼",
    "重庆": "渝",
    "西藏": "藏",
    "青海": "青",
    "宁夏": "宁",
    "新疆": "新",
    "四川": "蜀 or 川",
    "贵州": "黔 or 贵",
    "云南": "滇",
    "陕西": "陕",
    "甘肃": "陇 or 甘",
}
# First two digits of a PSB record code -> the character usually written before 公网安备
# (only used to suggest the full form of a bare code).
_PSB_CODES = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "贵",
    "53": "滇",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
}
_PSB_CODE_RANGES = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65"

_LICENCE_EXAMPLE = "京ICP证030173号"
_TELECOM_EXAMPLE = "粤B2-20090059-5"
_APP_EXAMPLE = "陕ICP备2024026116号-1A"

# --- patterns -------------------------------------------------------------------------
# Built twice from the same pieces: with ``sp=""`` they are matched in full against the
# normalised text (which has no whitespace); with ``sp=" *"`` they are searched in free
# text whose whitespace became plain spaces. In free text, whitespace is only allowed
# where real footers put it (after 备/证 and before 号), never inside a digit run, so
# that "京ICP备12345678 2024" does not become a 12-digit number.

_P = f"[{_PROVINCES}]"
_SITE = "-[1-9][0-9]*(?![0-9])"
_SUFFIX = "(?:[AX](?![0-9A-Za-z]))?"


def _filing(sp: str) -> str:
    return (
        f"{_P}ICP备{sp}(?:[0-9]{{10}}|[0-9]{{8}})(?![0-9])"
        f"(?:{sp}号(?:{_SITE}{_SUFFIX})?|{_SITE}{_SUFFIX}(?:{sp}号)?)?"
    )


def _licence(sp: str) -> str:
    return f"{_P}ICP证{sp}[0-9]{{6}}(?![0-9])(?:{sp}号)?"


def _telecom(sp: str) -> str:
    return f"{_P}B2-[0-9]{{8}}(?![0-9])(?:{_SITE})?"


def _psb(sp: str) -> str:
    return f"{_P}公网安备{sp}[0-9]{{14}}(?![0-9])(?:{sp}号)?"


_FILING_RE = re.compile(_filing(""))
_LICENCE_RE = re.compile(_licence(""))
_TELECOM_RE = re.compile(_telecom(""))
_PSB_RE = re.compile(_psb(""))
_FIND_ICP_RE = re.compile(f"{_filing(' *')}|{_licence(' *')}|{_telecom(' *')}")
_FIND_PSB_RE = re.compile(_psb(" *"))
_DIGITS_RE = re.compile("[0-9]*")
# Anything that shows the text is meant as an ICP number (any case, for the diagnosis).
_ICP_HINT_RE = re.compile("[Ii][Cc][Pp]|[Bb]2-")

# --- public API -----------------------------------------------------------------------


def parse_icp(text: str) -> IcpNumber:
    """Validate an ICP number; raise :class:`NumberError` naming what is wrong."""
    n = normalise(text)
    kind: Literal["filing", "licence", "telecom"]
    if _FILING_RE.fullmatch(n):
        kind = "filing"
    elif _LICENCE_RE.fullmatch(n):
        kind = "licence"
    elif _TELECOM_RE.fullmatch(n):
        kind = "telecom"
    else:
        _diagnose_icp(text, n)
    return IcpNumber(text=text, normalised=n, kind=kind, province=n[0])


def parse_psb(text: str) -> PsbNumber:
    """Validate a PSB number; raise :class:`NumberError` naming what is wrong."""
    n = normalise(text)
    if not (_PSB_RE.fullmatch(n) and _psb_code(n)[:2] in _PSB_CODES):
        _diagnose_psb(text, n)
    return PsbNumber(text=text, normalised=n, code=_psb_code(n), province=n[0])


def find_icp(text: str) -> list[str]:
    """The ICP filing, licence and telecom numbers in free text, verbatim, in order.

    Sloppy real-world forms are found too (full-width characters, a space after 备/证 or
    before 号, a missing 号, ``<digits>-<N>号``); fan badges such as ``萌ICP备...`` and
    anything else without a mainland province character are not. Every string returned
    is accepted by :func:`parse_icp`.
    """
    return _find(text, _FIND_ICP_RE, parse_icp)


def find_psb(text: str) -> list[str]:
    """The Public Security (公安) filing numbers in free text, verbatim, in order.

    Full-width characters, spaces after 公网安备 or before 号 and a missing 号 are
    tolerated. Every string returned is accepted by :func:`parse_psb`.
    """
    return _find(text, _FIND_PSB_RE, parse_psb)


# --- finding --------------------------------------------------------------------------


def _find(text: str, pattern: re.Pattern[str], parse: Callable[[str], object]) -> list[str]:
    # NFKC character by character so every character of the searched string maps back
    # to the original character it came from; whitespace becomes a plain space.
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            chars.append(" " if c.isspace() else c)
            origin.append(i)
    searched = "".join(chars)
    found: list[str] = []
    for m in pattern.finditer(searched):
        start, end = m.start(), m.end()
        # Skip matches that begin or end inside one character's expansion (e.g. "⒏" is
        # "8."): their verbatim text would not be the number.
        if start > 0 and origin[start - 1] == origin[start]:
            continue
        if end < len(origin) and origin[end] == origin[end - 1]:
            continue
        candidate = text[origin[start] : origin[end - 1] + 1]
        try:
            parse(candidate)
        except NumberError:
            continue
        found.append(candidate)
    return found


# --- diagnosis: always raises ---------------------------------------------------------


def _visible(s: str, limit: int) -> str:
    """``s`` shortened to ``limit`` characters, invisible characters written as escapes."""
    if len(s) > limit:
        s = s[: limit - 3] + "…"
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in s)


def _fail(text: str, problem: str, example: str) -> NoReturn:
    raise NumberError(f'"{_visible(text.strip(), 60)}": {problem} (e.g. {example})')


def _clip(rest: str) -> str:
    return _visible(rest, 20)


def _leading_digits(s: str) -> str:
    m = _DIGITS_RE.match(s)
    return m.group() if m else ""


def _example(example: str, province: str) -> str:
    """The example rewritten for the user's province, when that is known and valid."""
    return province + example[1:] if province and province in _PROVINCES else example


def _is_ideograph(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK ")


def _check_prefix(text: str, prefix: str, marker: str, example: str) -> str:
    """Check what comes before ``marker`` and return the province character."""
    if len(prefix) == 1 and prefix in _PROVINCES:
        return prefix
    if not prefix:
        _fail(
            text,
            f"the province character is missing before '{marker}'; "
            "it starts with a one-character province abbreviation such as 京 or 粤",
            example,
        )
    if prefix[-1] in _NOT_MAINLAND:
        _fail(
            text,
            f"'{prefix}' is not a mainland province: Hong Kong, Macau and Taiwan have no "
            "ICP or Public Security filing; the number starts with a mainland province "
            "abbreviation such as 京 or 粤",
            example,
        )
    for name, short in _FULL_NAMES.items():
        if prefix.endswith(name):
            _fail(
                text,
                f"use the one-character province abbreviation {short}, not '{name}'",
                _example(example, short[0]),
            )
    if prefix[-1] in _PROVINCES:
        _fail(
            text,
            f"remove '{_clip(prefix[:-1])}' before the number: give only the number itself",
            _example(example, prefix[-1]),
        )
    if len(prefix) == 1 and _is_ideograph(prefix):
        _fail(
            text,
            f"'{prefix}{marker}' is a fan badge, and fan badges are not filing numbers; "
            "a real number starts with a mainland province abbreviation such as 京 or 粤",
            example,
        )
    _fail(
        text,
        f"unknown prefix '{_clip(prefix)}': the number starts with a one-character mainland "
        f"province abbreviation such as 京 or 粤 (fan badges such as 萌{marker} are not "
        "filing numbers)",
        example,
    )


def _diagnose_icp(text: str, n: str) -> NoReturn:
    if not n:
        _fail(text, "the ICP number is empty", ICP_EXAMPLE)
    hint = _ICP_HINT_RE.search(n)
    if "公网安备" in n:
        if hint:
            _fail(text, "this holds more than one number; give one number at a time", ICP_EXAMPLE)
        _fail(
            text,
            "this is a Public Security (公安) filing number, not an ICP number; "
            "give it as the PSB number instead",
            ICP_EXAMPLE,
        )
    if hint is None:
        if re.fullmatch("[0-9]{14}", n):
            _fail(
                text,
                "this looks like a Public Security (公安) record code, not an ICP number",
                ICP_EXAMPLE,
            )
        if re.fullmatch("[0-9-]+", n):
            _fail(text, "the province character and 'ICP备' are missing", ICP_EXAMPLE)
        if re.search(f"{_P}B2[0-9]", n):
            _fail(text, "a telecom licence number has a '-' after 'B2'", _TELECOM_EXAMPLE)
        _fail(
            text,
            "this is not an ICP number: expected a province character, 'ICP备', "
            "8 or 10 digits and '号'",
            ICP_EXAMPLE,
        )
    # Prefer a marker right after a province character ("备案号：京ICP备..." has two ICPs).
    m = re.search(f"{_P}(ICP|B2-)", n) or re.search("(ICP|B2-)", n)
    if m is None:
        _fail(
            text,
            f"write '{hint.group().upper()}' in capital letters, as on the filing record",
            ICP_EXAMPLE,
        )
    marker = m.group(1)
    start = m.start(1)
    after = n[m.end(1) :]
    if marker == "B2-":
        province = _check_prefix(text, n[:start], "B2-", _TELECOM_EXAMPLE)
        _diagnose_telecom(text, after, _example(_TELECOM_EXAMPLE, province))
    if after.startswith("备"):
        province = _check_prefix(text, n[:start], "ICP备", ICP_EXAMPLE)
        _diagnose_filing(text, after[1:], province)
    if after.startswith("证"):
        province = _check_prefix(text, n[:start], "ICP证", _LICENCE_EXAMPLE)
        _diagnose_licence(text, after[1:], _example(_LICENCE_EXAMPLE, province))
    province = _check_prefix(text, n[:start], "ICP", ICP_EXAMPLE)
    _fail(
        text,
        "'ICP' must be followed by 备 (filing number) or 证 (licence number)",
        _example(ICP_EXAMPLE, province),
    )


def _unexpected(text: str, rest: str, example: str) -> NoReturn:
    if rest.startswith("号"):
        _fail(text, "'号' appears in the wrong place or more than once", example)
    _fail(text, f"unexpected text '{_clip(rest)}' after the number", example)


def _site_number(text: str, rest: str, example: str) -> str:
    """Check ``-<N>`` at the start of ``rest``; return what follows it."""
    site = _leading_digits(rest[1:])
    if not site:
        _fail(text, "a website number (1, 2, ...) must follow '-'", example)
    if site[0] == "0":
        _fail(
            text,
            f"the website number after '-' must be 1 or more, without a leading zero "
            f"(not '{_clip(site)}')",
            example,
        )
    return rest[1 + len(site) :]


def _diagnose_filing(text: str, tail: str, province: str) -> NoReturn:
    example = _example(ICP_EXAMPLE, province)
    if tail.startswith("案"):
        _fail(text, "write 'ICP备' followed by the digits; '备案' is not part of it", example)
    digits = _leading_digits(tail)
    if not digits:
        _fail(text, "the record number (8 or 10 digits) is missing after 'ICP备'", example)
    if len(digits) not in (8, 10):
        _fail(
            text,
            f"the record number must have 8 or 10 digits, not {len(digits)}",
            example,
        )
    rest = tail[len(digits) :]
    has_hao = rest.startswith("号")
    if has_hao:
        rest = rest[1:]
    if rest.startswith("-"):
        rest = _site_number(text, rest, example)
        if rest[:1] in ("A", "X"):
            rest = rest[1:]
        elif rest[:1] in ("a", "x"):
            _fail(
                text,
                "write the suffix as a capital A (app) or X (mini-program)",
                _example(_APP_EXAMPLE, province),
            )
        elif rest[:1].isascii() and rest[:1].isalpha():
            _fail(
                text,
                "the only letters allowed after the website number are A (app) "
                "and X (mini-program)",
                _example(_APP_EXAMPLE, province),
            )
        if not has_hao and rest.startswith("号"):
            rest = rest[1:]
    elif rest[:1] in ("A", "X", "a", "x"):
        _fail(
            text,
            "A (app) or X (mini-program) comes after the website number '-<N>'",
            _example(_APP_EXAMPLE, province),
        )
    if rest:
        _unexpected(text, rest, example)
    _fail(text, "this is not a valid ICP filing number", example)


def _diagnose_licence(text: str, tail: str, example: str) -> NoReturn:
    digits = _leading_digits(tail)
    if len(digits) != 6:
        _fail(
            text,
            f"an ICP licence (ICP证) number must have 6 digits, not {len(digits)}",
            example,
        )
    rest = tail[len(digits) :]
    if rest.startswith("号"):
        rest = rest[1:]
    if rest.startswith("-"):
        _fail(text, "an ICP licence (ICP证) number has no '-<N>' website number", example)
    if rest:
        _unexpected(text, rest, example)
    _fail(text, "this is not a valid ICP licence number", example)


def _diagnose_telecom(text: str, tail: str, example: str) -> NoReturn:
    digits = _leading_digits(tail)
    if len(digits) != 8:
        _fail(
            text,
            f"a telecom licence (B2) number must have 8 digits after 'B2-', not {len(digits)}",
            example,
        )
    rest = tail[len(digits) :]
    if rest.startswith("-"):
        rest = _site_number(text, rest, example)
    if rest.startswith("号"):
        _fail(text, "a telecom licence (B2) number has no '号'", example)
    if rest:
        _unexpected(text, rest, example)
    _fail(text, "this is not a valid telecom licence number", example)


def _psb_code(n: str) -> str:
    return _leading_digits(n[n.find("公网安备") + 4 :])


def _diagnose_psb(text: str, n: str) -> NoReturn:
    if not n:
        _fail(text, "the Public Security (公安) filing number is empty", PSB_EXAMPLE)
    where = n.find("公网安备")
    if _ICP_HINT_RE.search(n):
        if where >= 0:
            _fail(text, "this holds more than one number; give one number at a time", PSB_EXAMPLE)
        _fail(
            text,
            "this is an ICP number, not a Public Security (公安) filing number; "
            "give it as the ICP number instead",
            PSB_EXAMPLE,
        )
    if where < 0:
        if re.fullmatch("[0-9]{14}", n):
            province = _PSB_CODES.get(n[:2], "京")
            _fail(
                text,
                "a bare record code is not enough: write the full number with the province "
                "character and 公网安备",
                f"{province}公网安备 {n}号",
            )
        _fail(
            text,
            "this is not a Public Security (公安) filing number: expected a province "
            "character, '公网安备', the 14-digit record code and '号'",
            PSB_EXAMPLE,
        )
    province = _check_prefix(text, n[:where], "公网安备", PSB_EXAMPLE)
    example = _example(PSB_EXAMPLE, province)
    tail = n[where + 4 :]
    code = _leading_digits(tail)
    if len(code) != 14:
        _fail(text, f"the record code must have 14 digits, not {len(code)}", example)
    if code[:2] not in _PSB_CODES:
        _fail(
            text,
            f"the record code must start with a mainland province code ({_PSB_CODE_RANGES}),"
            f" not {code[:2]}",
            example,
        )
    rest = tail[14:]
    if rest.startswith("号"):
        rest = rest[1:]
    if rest:
        _unexpected(text, rest, example)
    _fail(text, "this is not a valid Public Security (公安) filing number", example)
