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

One grammar serves validation and search. :func:`recognise_icp` and :func:`recognise_psb`
find numbers in a page's text in every form pages show them, each with its standard form
and how it departs from it; besides the forms above, those are a bar or spaces between the
province and ``ICP`` (``京｜ICP备...``), a colon after ``备``/``证``/``公网安备``, a licence
number's ``-N`` (``鄂ICP证:020001-5``), a ``沪ICP证：`` label before a telecom number, and
traditional or Japanese characters (``京ICP證030173號``, ``浙ICP備...``). These page-only
forms are not accepted by :func:`parse_icp`/:func:`parse_psb`, whose message gives the
standard form. Number-like text that is not a number comes with what is wrong with it.
"""

from __future__ import annotations

import bisect
import re
import string
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, NoReturn, cast

from icp_footer._i18n import N_, _

__all__ = [
    "ICP_EXAMPLE",
    "PSB_EXAMPLE",
    "IcpNumber",
    "Kind",
    "NumberError",
    "PsbNumber",
    "Recognised",
    "find_icp",
    "find_psb",
    "normalise",
    "parse_icp",
    "parse_psb",
    "recognise_icp",
    "recognise_psb",
    "standard_form",
]

ICP_EXAMPLE = "京ICP备12345678号-1"
PSB_EXAMPLE = "京公网安备 11010502030143号"


class NumberError(ValueError):
    """A number that is not in any known format; the message says what is wrong.

    ``fan_badge`` is true when the text is (or may be) a fan badge such as ``萌ICP备...``.
    """

    fan_badge: bool = False


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

# --- the grammar ----------------------------------------------------------------------
# One grammar recognises numbers both for validation (parse_icp/parse_psb: the whole text,
# whitespace dropped) and for search (recognise_icp/recognise_psb: free text). Both read
# the text folded by _Folded: NFKC, traditional and Japanese forms mapped to simplified,
# whitespace made plain spaces. The grammar takes the forms real pages show; _read names
# each departure from the standard form, and parse_* accept only the departures a
# configured number may have (_TOLERATED). In free text, whitespace is only allowed where
# real footers put it (around 备/证/号, between the province and ICP), never inside a
# digit run, so "京ICP备12345678 2024" does not become a 12-digit number.

_P = f"[{_PROVINCES}]"
_SITE = "[1-9][0-9]*(?![0-9])"
_SUFFIX = "[AX](?![0-9A-Za-z])"


def _lead(k: str) -> str:
    # The province character, then ICP; a bar or spaces between them only when the
    # province character stands alone ("南京 | ICP备..." shows no province character).
    return (
        f"(?P<{k}_lone>(?<![^\\W\\d_]))?(?P<{k}_p>{_P})"
        f"(?({k}_lone)(?P<{k}_gap> *\\| *| +)?)ICP(?P<{k}_s> *)"
    )


_FILING = (
    f"{_lead('f')}备(?P<f_c> *: *| *)(?P<f_num>[0-9]{{10}}|[0-9]{{8}})(?![0-9])"
    f"(?:(?P<f_h1> *号)(?:-(?P<f_n1>{_SITE})(?P<f_x1>{_SUFFIX})?)?"
    f"|-(?P<f_n2>{_SITE})(?P<f_x2>{_SUFFIX})?(?P<f_h2> *号)?)?"
)
_LICENCE = (
    f"{_lead('l')}证(?P<l_c> *: *| *)(?P<l_num>[0-9]{{6}})(?![0-9])(?P<l_h1> *号)?"
    f"(?:-(?P<l_n>{_SITE})(?(l_h1)|(?P<l_h2> *号)?))?"
)
_TELECOM = (
    f"(?P<t_label>{_P} *ICP *证[ :]*)?(?P<t_p>{_P})B2-(?P<t_num>[0-9]{{8}})(?![0-9])"
    f"(?:-(?P<t_n>{_SITE}))?"
)
_PSB = f"(?P<p_p>{_P})公网安备(?P<p_c> *: *| *)(?P<p_num>[0-9]{{14}})(?![0-9])(?P<p_h> *号)?"

_ICP_RE = re.compile(f"(?P<filing>{_FILING})|(?P<licence>{_LICENCE})|(?P<telecom>{_TELECOM})")
_PSB_RE = re.compile(f"(?P<psb>{_PSB})")
# Number-like text the grammar does not take, so that the diagnosis can say what is wrong
# with it (or that it is a fan badge).
_LOOSE_ICP_RE = re.compile(
    r"(?:(?<![^\W\d_])[^\W\d_](?: *\| *| +)|[^\W\d_])?(?i:icp) *[备证](?: *:)? *[0-9]+"
    r"(?: *号)?(?: *-[0-9]+[A-Za-z]?)?(?: *号)?"
)
_LOOSE_PSB_RE = re.compile(r"[^\W\d_]?公网安备(?: *:)? *[0-9]+(?: *号)?")
# The separators the grammar tolerates, taken out before a diagnosis (normalised text).
_SEPARATORS_RE = re.compile(
    f"^({_P})\\|(?=ICP)|(?<=ICP[备证]):|(?<=公网安备):|^{_P}ICP证:?(?={_P}B2-)"
)
_DIGITS_RE = re.compile("[0-9]*")
# Anything that shows the text is meant as an ICP number (any case, for the diagnosis).
_ICP_HINT_RE = re.compile("[Ii][Cc][Pp]|[Bb]2-")

# Forms a reader takes for the same character: traditional Chinese and Japanese pages
# write 備/證/號 (and 粵, 滬, ...) for 备/证/号.
_VARIANT_FORMS = "備證証號網粵滬蘇遼晉魯贛閩瓊貴陝隴寧黒"
_VARIANTS = str.maketrans(_VARIANT_FORMS, "备证证号网粤沪苏辽晋鲁赣闽琼贵陕陇宁黑")

# Departures a configured number may have: it is shown verbatim, and these only change
# how it is typed. The others (a label, a bar, a colon, a licence's -N, traditional
# forms) are recognised on pages but are not a number to configure.
_TOLERATED = frozenset({"full-width", "spaces", "no-hao", "hao-after-site"})

Kind = Literal["filing", "licence", "telecom", "psb"]
"""What a recognised number is: an ICP filing, licence or telecom number, or a PSB number."""


@dataclass(frozen=True, slots=True)
class Recognised:
    """Number-like text found by :func:`recognise_icp` or :func:`recognise_psb`."""

    text: str
    """Verbatim, as in the text searched."""
    start: int
    """Where :attr:`text` starts in the text searched."""
    end: int
    kind: Kind | None
    """``filing``, ``licence``, ``telecom`` or ``psb``; None when malformed."""
    standard: str | None
    """The number in its standard form (``京ICP证030367号`` for ``京ICP证 030367号``), as
    on the filing record; None when malformed."""
    departures: tuple[str, ...] = ()
    """How :attr:`text` departs from :attr:`standard`; empty when it is standard."""
    error: str | None = None
    """What is wrong, when the text looks like a number but is not one."""
    fan_badge: bool = False
    """A fan badge such as ``萌ICP备20240001号`` (not a number; :attr:`error` says so)."""

    @property
    def valid(self) -> bool:
        """Whether this is a well-formed number, standard or not."""
        return self.standard is not None


class _Folded:
    """Text folded for the grammar, each character mapped back to the original one.

    A character is folded on its own: NFKC, then traditional and Japanese forms made
    simplified; whitespace becomes a plain space (or nothing, with ``spaces=False``). Most
    characters fold into one character, which one ``str.translate`` does for the whole
    text (index for index); the few that NFKC expands or removes ("⒏" is "8.") are
    recorded in a sparse map.
    """

    def __init__(self, text: str, *, spaces: bool = True) -> None:
        table: dict[int, str] = {}
        odd: dict[str, str] = {}  # folds into other than one character
        unusual = set(text) - _STABLE
        if not spaces and " " in text:
            unusual.add(" ")
        for ch in unusual:
            folded = unicodedata.normalize("NFKC", ch) if ch >= "\x80" else ch
            folded = "".join(" " if c.isspace() else c for c in folded).translate(_VARIANTS)
            if not spaces:
                folded = folded.replace(" ", "")
            if len(folded) != 1:
                odd[ch] = folded
            elif folded != ch:
                table[ord(ch)] = folded
        self.original = text
        # Segments of the folded text: where each starts, the original index it starts
        # from, and whether it is one original character's expansion.
        self._starts: list[int] = [0]
        self._origins: list[int] = [0]
        self._expanded: list[bool] = [False]
        if not odd:
            self.text = text.translate(table)
            return
        parts: list[str] = []
        size = 0
        pieces = re.split(f"([{re.escape(''.join(odd))}])", text)
        at = 0
        for i, piece in enumerate(pieces):
            folded = odd[piece] if i % 2 else piece.translate(table)
            if folded:
                self._starts.append(size)
                self._origins.append(at)
                self._expanded.append(bool(i % 2))
                parts.append(folded)
                size += len(folded)
            at += len(piece)
        self.text = "".join(parts)

    def origin(self, index: int) -> int:
        """The index in the original text of the character ``self.text[index]`` came from."""
        segment = bisect.bisect_right(self._starts, index) - 1
        if self._expanded[segment]:
            return self._origins[segment]
        return self._origins[segment] + index - self._starts[segment]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``self.text[start:end]`` (``end > start``)."""
        return self.origin(start), self.origin(end - 1) + 1

    def verbatim(self, start: int, end: int) -> str:
        """The original text of ``self.text[start:end]``."""
        begin, stop = self.span(start, end)
        return self.original[begin:stop]

    def whole_characters(self, start: int, end: int) -> bool:
        """Whether the span neither starts nor ends inside one character's expansion
        (NFKC makes "⒏" "8."; a number cut out of it would not be verbatim)."""
        o = self.origin
        return (start == 0 or o(start - 1) != o(start)) and (
            end == len(self.text) or o(end) != o(end - 1)
        )


# Characters NFKC leaves alone and the variants table does not touch (a shortcut).
_STABLE = frozenset(map(chr, range(0x20, 0x7F))) | (
    frozenset(map(chr, range(0x4E00, 0xA000))) - set(_VARIANT_FORMS)
)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the grammar made of a match: kind, standard form, departures."""

    kind: Kind
    standard: str
    code: str
    departures: tuple[tuple[str, str], ...]
    """(tag, description) pairs; the tags of _TOLERATED, or another tag."""


def _read(m: re.Match[str], folded: _Folded) -> _Reading | None:
    """Read a grammar match; None when it is no number after all (a PSB code whose
    first two digits are not a province)."""
    g = m.group
    out: list[tuple[str, str]] = []
    own: list[tuple[int, int]] = []  # spans with a departure of their own
    spaces = False
    kinds = m.groupdict()
    k = (
        "p"
        if kinds.get("psb")
        else "t"
        if kinds.get("telecom")
        else "l"
        if kinds.get("licence")
        else "f"
    )
    province, number = g(f"{k}_p"), g(f"{k}_num")

    def separator(group: str, what: str) -> None:
        """A bar or colon in ``group``: its own departure; only spaces there: spaces."""
        nonlocal spaces
        value = g(group) or ""
        mark = value.strip()
        if mark:
            mark = folded.verbatim(*m.span(group)).strip()
            out.append((what, _(_WHERE[group]).format(mark=mark)))
            own.append(m.span(group))
        elif value and not (group == "p_c" and len(value) == 1):
            spaces = True  # "京公网安备 1101..." has one space in its standard form

    if k == "p":
        if number[:2] not in _PSB_CODES:
            return None
        kind: Kind = "psb"
        standard = f"{province}公网安备 {number}号"
        separator("p_c", "colon")
        if g("p_h") is None:
            out.append(("no-hao", _("no '号' after the record code")))
        spaces = spaces or (g("p_h") or "号") != "号"
    elif k == "t":
        kind = "telecom"
        standard = f"{province}B2-{number}" + (f"-{g('t_n')}" if g("t_n") else "")
        if g("t_label"):
            label = folded.verbatim(*m.span("t_label")).strip()
            out.append(
                (
                    "label",
                    _("the label '{label}' before a telecom licence (B2) number").format(
                        label=label
                    ),
                )
            )
            own.append(m.span("t_label"))
    else:
        separator(f"{k}_gap", "bar")
        spaces = spaces or bool(g(f"{k}_s"))
        separator(f"{k}_c", "colon")
        if k == "l":
            kind = "licence"
            standard = f"{province}ICP证{number}号"
            hao = g("l_h1") or g("l_h2")
            if g("l_n"):
                out.append(
                    (
                        "licence-site",
                        _(
                            "an ICP licence (ICP证) number has no '-<N>' website number "
                            "(here '-{site}')"
                        ).format(site=g("l_n")),
                    )
                )
        else:
            kind = "filing"
            site, suffix = g("f_n1") or g("f_n2"), g("f_x1") or g("f_x2") or ""
            standard = f"{province}ICP备{number}号" + (f"-{site}{suffix}" if site else "")
            hao = g("f_h1") or g("f_h2")
            if g("f_h2"):
                out.append(("hao-after-site", _("'号' after the website number, not before '-'")))
        if hao is None:
            out.append(("no-hao", _(_NO_HAO[kind])))
        spaces = spaces or (hao or "").startswith(" ")
    # Character by character, outside the spans that have a departure of their own; a
    # number written with standard characters only (the common case) has none to find.
    whole = folded.verbatim(*m.span())
    chars = (
        []
        if unicodedata.is_normalized("NFKC", whole) and whole.translate(_VARIANTS) == whole
        else [
            folded.original[i]
            for i in dict.fromkeys(  # each original character once, however NFKC expanded it
                folded.origin(i)
                for i in range(*m.span())
                if not any(start <= i < end for start, end in own)
            )
        ]
    )
    compatible = [unicodedata.normalize("NFKC", c) for c in chars]
    variants = [c for c, n in zip(chars, compatible, strict=True) if n.translate(_VARIANTS) != n]
    if variants:
        out.append(
            (
                "variant",
                _("traditional or Japanese character forms ({characters})").format(
                    characters="".join(variants)
                ),
            )
        )
    wide = [c for c, n in zip(chars, compatible, strict=True) if n != c and not c.isspace()]
    if wide:
        out.append(
            (
                "full-width",
                _("full-width characters ({characters})").format(characters="".join(wide)),
            )
        )
    if spaces:
        out.append(("spaces", _("spaces inside the number")))
    return _Reading(kind, standard, number, tuple(out))


_WHERE = {
    "f_gap": N_("'{mark}' between the province and ICP"),
    "l_gap": N_("'{mark}' between the province and ICP"),
    "f_c": N_("'{mark}' after ICP备"),
    "l_c": N_("'{mark}' after ICP证"),
    "p_c": N_("'{mark}' after 公网安备"),
}
_NO_HAO = {
    "filing": N_("no '号' after the record number"),
    "licence": N_("no '号' after the licence number"),
}


def _fold(text: str) -> str:
    """:func:`normalise`, with traditional and Japanese forms made simplified."""
    return normalise(text).translate(_VARIANTS)


def _clean(n: str) -> str:
    """Normalised text without the separators the grammar tolerates (for a diagnosis)."""
    return _SEPARATORS_RE.sub(lambda m: m.group(1) or "", n)


def _whole(text: str, pattern: re.Pattern[str]) -> _Reading | None:
    """The reading of ``text`` as one number, whitespace ignored; None if it is not one."""
    folded = _Folded(text, spaces=False)
    m = pattern.fullmatch(folded.text)
    return None if m is None else _read(m, folded)


def _strict(text: str, reading: _Reading) -> None:
    """Reject a page-only form: a configured number is shown verbatim."""
    shown = [what for tag, what in reading.departures if tag not in _TOLERATED]
    if shown:
        _fail(
            text,
            _("{departures}: write the number as on the filing record").format(
                departures=_("; ").join(shown)
            ),
            reading.standard,
        )


# --- public API -----------------------------------------------------------------------


def parse_icp(text: str) -> IcpNumber:
    """Validate an ICP number; raise :class:`NumberError` naming what is wrong.

    The grammar is :func:`recognise_icp`'s. Full-width characters, whitespace and a
    missing or misplaced 号 are accepted; forms only seen on pages (``京｜ICP备``,
    ``ICP证:``, a licence number's ``-N``, ``沪ICP证：沪B2-...``, traditional 備/號) are
    rejected with the standard form as the example, since the text is shown verbatim.
    """
    reading = _whole(text, _ICP_RE)
    if reading is None:
        _diagnose_icp(text, _clean(_fold(text)))
    _strict(text, reading)
    kind = cast(Literal["filing", "licence", "telecom"], reading.kind)
    return IcpNumber(text=text, normalised=normalise(text), kind=kind, province=reading.standard[0])


def parse_psb(text: str) -> PsbNumber:
    """Validate a PSB number; raise :class:`NumberError` naming what is wrong."""
    reading = _whole(text, _PSB_RE)
    if reading is None:
        _diagnose_psb(text, _clean(_fold(text)))
    _strict(text, reading)
    return PsbNumber(
        text=text, normalised=normalise(text), code=reading.code, province=reading.standard[0]
    )


def standard_form(text: str) -> str | None:
    """The standard form of the one ICP or PSB number ``text`` holds; None if it holds none.

    Two texts show the same number when their standard forms are equal:
    ``standard_form("滇ICP备09010050-5号") == standard_form("滇ICP备09010050号-5")``.
    """
    reading = _whole(text, _ICP_RE) or _whole(text, _PSB_RE)
    return None if reading is None else reading.standard


def recognise_icp(text: str) -> list[Recognised]:
    """The ICP filing, licence and telecom numbers in free text, and number-like text.

    Each well-formed number comes with its standard form and how it departs from it;
    real pages' sloppy forms are found: full-width characters, spaces, a missing or
    misplaced 号, ``京｜ICP备``, ``ICP证:``, a licence number's ``-N``, the label in
    ``沪ICP证：沪B2-20170116``, traditional and Japanese forms (備, 證, 號). Text that only
    looks like a number (``京ICP备123号``, ``京icp备...``, a fan badge such as
    ``萌ICP备...``) comes with :attr:`Recognised.error`. In order, not overlapping.
    """
    return _recognise(text, _ICP_RE, _LOOSE_ICP_RE, _diagnose_icp)


def recognise_psb(text: str) -> list[Recognised]:
    """The Public Security (公安) filing numbers in free text, as :func:`recognise_icp`."""
    return _recognise(text, _PSB_RE, _LOOSE_PSB_RE, _diagnose_psb)


def find_icp(text: str) -> list[str]:
    """The ICP numbers in free text that :func:`parse_icp` accepts, verbatim, in order.

    :func:`recognise_icp` with its forms that only pages show left out: what is returned
    is written as a number may be configured (full-width characters, spaces after 备/证 or
    before 号, a missing or misplaced 号 are fine). Fan badges such as ``萌ICP备...`` and
    anything else without a mainland province character are not numbers.
    """
    return [r.text for r in _recognise(text, _ICP_RE, None, _diagnose_icp, configurable=True)]


def find_psb(text: str) -> list[str]:
    """The PSB numbers in free text that :func:`parse_psb` accepts, verbatim, in order."""
    return [r.text for r in _recognise(text, _PSB_RE, None, _diagnose_psb, configurable=True)]


# --- finding --------------------------------------------------------------------------


def _recognise(
    text: str,
    pattern: re.Pattern[str],
    loose: re.Pattern[str] | None,
    diagnose: Callable[[str, str], NoReturn],
    *,
    configurable: bool = False,
) -> list[Recognised]:
    folded = _Folded(text)
    windows = _windows(folded.text, _ANCHORS[pattern])
    found: list[Recognised] = []
    for m in _matches(pattern, folded.text, windows):
        if not folded.whole_characters(*m.span()):
            continue
        reading = _read(m, folded)
        if reading is None:
            continue
        if configurable and any(tag not in _TOLERATED for tag, _what in reading.departures):
            continue
        start, end = folded.span(*m.span())
        departures = tuple(what for _tag, what in reading.departures)
        found.append(
            Recognised(text[start:end], start, end, reading.kind, reading.standard, departures)
        )
    if loose is None:
        return found
    taken = [(r.start, r.end) for r in found]
    for m in _matches(loose, folded.text, windows):
        start, end = folded.span(*m.span())
        if any(start < b and a < end for a, b in taken):
            continue
        candidate = text[start:end]
        if _whole(candidate, pattern) is not None:
            continue  # a number the search passed over (it cannot be one: kept safe)
        try:
            diagnose(candidate, _clean(_fold(candidate)))
        except NumberError as error:
            message, badge = str(error), error.fan_badge
        found.append(
            Recognised(
                candidate,
                start,
                end,
                None,
                None,
                error=message,
                fan_badge=badge,
            )
        )
    return sorted(found, key=lambda r: r.start)


def _windows(text: str, anchor: re.Pattern[str]) -> list[tuple[int, int]]:
    """The stretches of ``text`` that can hold a number: around each of its anchors
    (``ICP`` in any case, ``B2-``, ``公网安备``), one character and any separators to the
    left, and to the right as far as characters a number is made of go. The grammars run
    there only: on a long page, running them everywhere costs far more than this."""
    windows: list[tuple[int, int]] = []
    size = len(text)
    for m in anchor.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] in " |:":
            start -= 1
        start = max(start - 1, 0)
        end = m.end()
        while end < size and text[end] in _NUMBER_CHARS:
            end += 1
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _matches(
    pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    # Lookbehinds still see the text before a window; a window ends before a character
    # that cannot continue a number, so the lookaheads at its end see what they would.
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


_ANCHORS = {
    _ICP_RE: re.compile("[Ii][Cc][Pp]|B2-"),
    _PSB_RE: re.compile("公网安备"),
}
# What can follow an anchor inside a number or number-like text (folded characters).
_NUMBER_CHARS = frozenset("0123456789 |:-号备证公网安" + _PROVINCES + string.ascii_letters)


# --- diagnosis: always raises ---------------------------------------------------------


def _visible(s: str, limit: int) -> str:
    """``s`` shortened to ``limit`` characters, invisible characters written as escapes."""
    if len(s) > limit:
        s = s[: limit - 3] + "…"
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in s)


def _fail(text: str, problem: str, example: str, *, fan_badge: bool = False) -> NoReturn:
    error = NumberError(
        _('"{text}": {problem} (e.g. {example})').format(
            text=_visible(text.strip(), 60), problem=problem, example=example
        )
    )
    error.fan_badge = fan_badge
    raise error


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
            _(
                "the province character is missing before '{marker}'; "
                "it starts with a one-character province abbreviation such as 京 or 粤"
            ).format(marker=marker),
            example,
        )
    if prefix[-1] in _NOT_MAINLAND:
        _fail(
            text,
            _(
                "'{prefix}' is not a mainland province: Hong Kong, Macau and Taiwan have no "
                "ICP or Public Security filing; the number starts with a mainland province "
                "abbreviation such as 京 or 粤"
            ).format(prefix=prefix),
            example,
        )
    for name, short in _FULL_NAMES.items():
        if prefix.endswith(name):
            _fail(
                text,
                _("use the one-character province abbreviation {short}, not '{name}'").format(
                    short=short.replace(" or ", _(" or ")), name=name
                ),
                _example(example, short[0]),
            )
    if prefix[-1] in _PROVINCES:
        _fail(
            text,
            _("remove '{text}' before the number: give only the number itself").format(
                text=_clip(prefix[:-1])
            ),
            _example(example, prefix[-1]),
        )
    if len(prefix) == 1 and _is_ideograph(prefix):
        _fail(
            text,
            _(
                "'{badge}' is a fan badge, and fan badges are not filing numbers; "
                "a real number starts with a mainland province abbreviation such as 京 or 粤"
            ).format(badge=prefix + marker),
            example,
            fan_badge=True,
        )
    _fail(
        text,
        _(
            "unknown prefix '{prefix}': the number starts with a one-character mainland "
            "province abbreviation such as 京 or 粤 (fan badges such as {badge} are not "
            "filing numbers)"
        ).format(prefix=_clip(prefix), badge="萌" + marker),
        example,
        fan_badge=True,
    )


def _diagnose_icp(text: str, n: str) -> NoReturn:
    if not n:
        _fail(text, _("the ICP number is empty"), ICP_EXAMPLE)
    hint = _ICP_HINT_RE.search(n)
    if "公网安备" in n:
        if hint:
            _fail(
                text, _("this holds more than one number; give one number at a time"), ICP_EXAMPLE
            )
        _fail(
            text,
            _(
                "this is a Public Security (公安) filing number, not an ICP number; "
                "give it as the PSB number instead"
            ),
            ICP_EXAMPLE,
        )
    if hint is None:
        if re.fullmatch("[0-9]{14}", n):
            _fail(
                text,
                _("this looks like a Public Security (公安) record code, not an ICP number"),
                ICP_EXAMPLE,
            )
        if re.fullmatch("[0-9-]+", n):
            _fail(text, _("the province character and 'ICP备' are missing"), ICP_EXAMPLE)
        if re.search(f"{_P}B2[0-9]", n):
            _fail(text, _("a telecom licence number has a '-' after 'B2'"), _TELECOM_EXAMPLE)
        _fail(
            text,
            _(
                "this is not an ICP number: expected a province character, 'ICP备', "
                "8 or 10 digits and '号'"
            ),
            ICP_EXAMPLE,
        )
    # Prefer a marker right after a province character ("备案号：京ICP备..." has two ICPs).
    m = re.search(f"{_P}(ICP|B2-)", n) or re.search("(ICP|B2-)", n)
    if m is None:
        _fail(
            text,
            _("write '{marker}' in capital letters, as on the filing record").format(
                marker=hint.group().upper()
            ),
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
        _("'ICP' must be followed by 备 (filing number) or 证 (licence number)"),
        _example(ICP_EXAMPLE, province),
    )


def _unexpected(text: str, rest: str, example: str) -> NoReturn:
    if rest.startswith("号"):
        _fail(text, _("'号' appears in the wrong place or more than once"), example)
    _fail(text, _("unexpected text '{text}' after the number").format(text=_clip(rest)), example)


def _site_number(text: str, rest: str, example: str) -> str:
    """Check ``-<N>`` at the start of ``rest``; return what follows it."""
    site = _leading_digits(rest[1:])
    if not site:
        _fail(text, _("a website number (1, 2, ...) must follow '-'"), example)
    if site[0] == "0":
        _fail(
            text,
            _(
                "the website number after '-' must be 1 or more, without a leading zero "
                "(not '{site}')"
            ).format(site=_clip(site)),
            example,
        )
    return rest[1 + len(site) :]


def _diagnose_filing(text: str, tail: str, province: str) -> NoReturn:
    example = _example(ICP_EXAMPLE, province)
    if tail.startswith("案"):
        _fail(text, _("write 'ICP备' followed by the digits; '备案' is not part of it"), example)
    digits = _leading_digits(tail)
    if not digits:
        _fail(text, _("the record number (8 or 10 digits) is missing after 'ICP备'"), example)
    if len(digits) not in (8, 10):
        _fail(
            text,
            _("the record number must have 8 or 10 digits, not {count}").format(count=len(digits)),
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
                _("write the suffix as a capital A (app) or X (mini-program)"),
                _example(_APP_EXAMPLE, province),
            )
        elif rest[:1].isascii() and rest[:1].isalpha():
            _fail(
                text,
                _(
                    "the only letters allowed after the website number are A (app) "
                    "and X (mini-program)"
                ),
                _example(_APP_EXAMPLE, province),
            )
        if not has_hao and rest.startswith("号"):
            rest = rest[1:]
    elif rest[:1] in ("A", "X", "a", "x"):
        _fail(
            text,
            _("A (app) or X (mini-program) comes after the website number '-<N>'"),
            _example(_APP_EXAMPLE, province),
        )
    if rest:
        _unexpected(text, rest, example)
    _fail(text, _("this is not a valid ICP filing number"), example)


def _diagnose_licence(text: str, tail: str, example: str) -> NoReturn:
    digits = _leading_digits(tail)
    if len(digits) != 6:
        _fail(
            text,
            _("an ICP licence (ICP证) number must have 6 digits, not {count}").format(
                count=len(digits)
            ),
            example,
        )
    rest = tail[len(digits) :]
    if rest.startswith("号"):
        rest = rest[1:]
    if rest.startswith("-"):
        _fail(text, _("an ICP licence (ICP证) number has no '-<N>' website number"), example)
    if rest:
        _unexpected(text, rest, example)
    _fail(text, _("this is not a valid ICP licence number"), example)


def _diagnose_telecom(text: str, tail: str, example: str) -> NoReturn:
    digits = _leading_digits(tail)
    if len(digits) != 8:
        _fail(
            text,
            _("a telecom licence (B2) number must have 8 digits after 'B2-', not {count}").format(
                count=len(digits)
            ),
            example,
        )
    rest = tail[len(digits) :]
    if rest.startswith("-"):
        rest = _site_number(text, rest, example)
    if rest.startswith("号"):
        _fail(text, _("a telecom licence (B2) number has no '号'"), example)
    if rest:
        _unexpected(text, rest, example)
    _fail(text, _("this is not a valid telecom licence number"), example)


def _psb_code(n: str) -> str:
    return _leading_digits(n[n.find("公网安备") + 4 :])


def _diagnose_psb(text: str, n: str) -> NoReturn:
    if not n:
        _fail(text, _("the Public Security (公安) filing number is empty"), PSB_EXAMPLE)
    where = n.find("公网安备")
    if _ICP_HINT_RE.search(n):
        if where >= 0:
            _fail(
                text, _("this holds more than one number; give one number at a time"), PSB_EXAMPLE
            )
        _fail(
            text,
            _(
                "this is an ICP number, not a Public Security (公安) filing number; "
                "give it as the ICP number instead"
            ),
            PSB_EXAMPLE,
        )
    if where < 0:
        if re.fullmatch("[0-9]{14}", n):
            province = _PSB_CODES.get(n[:2], "京")
            _fail(
                text,
                _(
                    "a bare record code is not enough: write the full number with the province "
                    "character and 公网安备"
                ),
                f"{province}公网安备 {n}号",
            )
        _fail(
            text,
            _(
                "this is not a Public Security (公安) filing number: expected a province "
                "character, '公网安备', the 14-digit record code and '号'"
            ),
            PSB_EXAMPLE,
        )
    province = _check_prefix(text, n[:where], "公网安备", PSB_EXAMPLE)
    example = _example(PSB_EXAMPLE, province)
    tail = n[where + 4 :]
    code = _leading_digits(tail)
    if len(code) != 14:
        _fail(
            text,
            _("the record code must have 14 digits, not {count}").format(count=len(code)),
            example,
        )
    if code[:2] not in _PSB_CODES:
        _fail(
            text,
            _(
                "the record code must start with a mainland province code ({ranges}), not {start}"
            ).format(ranges=_PSB_CODE_RANGES, start=code[:2]),
            example,
        )
    rest = tail[14:]
    if rest.startswith("号"):
        rest = rest[1:]
    if rest:
        _unexpected(text, rest, example)
    _fail(text, _("this is not a valid Public Security (公安) filing number"), example)
