"""The footer and banner markup, and the byte-level helpers the injector needs.

Markup
    The footer is one ``<div class="icp-footer" data-icp-footer="footer" lang="zh-CN">`` holding,
    on one centred line, the owner text (verbatim, when given), the ICP number linked to
    ``https://beian.miit.gov.cn/`` and the PSB badge plus the PSB number linked to the MPS
    search page, separated by ``|``. It is 12px, line-height 1.5, grey ``#595959`` (7.0:1 on
    white, at least 4.5:1 on the light greys themes use down to ``#d9d9d9``) on a transparent
    background, so it blends into a light page footer as real footers do (on a dark page
    footer it is hard to read: restyle it through its class). Every text and attribute value
    is HTML-escaped; C0/C1 control characters, surrogates and U+FFFE/U+FFFF (which neither
    HTML nor XML can carry) become U+FFFD. The missing-number banner (:func:`banner_html`)
    is white on dark red ``#8b0000`` (10:1), bilingual, and says what to configure.

Styling and CSP
    * Inline styles allowed (``FooterStyle.inline_style``): every element carries a full
      ``style=""`` attribute (margin, padding, border, background, colour, font,
      alignment, decoration, display, visibility...). Page selectors cannot beat inline
      declarations unless they use ``!important``, and nothing leaks into the page.
    * Inline styles forbidden but the page has a nonce (``FooterStyle.style_nonce``): the
      same declarations, marked ``!important``, go into one ``<style nonce="...">`` block
      inside the container, with selectors scoped to ``.icp-footer[data-icp-footer]`` so
      they cannot match anything of the page. No ``style=""`` attributes (CSP would drop
      them and report each one).
    * Inline styles forbidden and no nonce: no ``style`` attribute and no ``<style>``
      element at all. The container gets ``align="center"`` and the badge
      ``align="middle"``: both are obsolete, but every browser still maps them to
      ``text-align``/``vertical-align`` presentational hints, and CSP does not govern
      presentational hints. The line is wrapped in ``<small>`` so it is smaller than body
      text. Colours are then the page's own. Centring matters because the rules ask for the
      number at the bottom centre; ``<center>`` would do the same but is less widely
      tolerated by validators and XHTML tooling than an attribute.

    Restyling: every element has an ``icp-footer__*`` class. Inline styles (and the nonce
    block's ``!important``) can only be overridden with ``!important`` rules of higher
    specificity, e.g. ``body .icp-footer.icp-footer a { color: #ccc !important; }``.

    Never any script. The badge is an ``<img>`` with a ``data:`` URI; a page whose CSP
    ``img-src`` does not allow ``data:`` shows its ``alt`` text (公安备案) instead.

XHTML
    With ``FooterStyle.xhtml`` the output is well-formed XML (it always is, in fact: void
    elements are self-closed, only ``&amp; &lt; &gt; &quot;`` references are used, all
    attributes are quoted and have values); the flag adds ``xml:lang``.

Encodings
    :func:`detect_charset` follows the browsers' order (BOM, ``Content-Type``,
    ``<meta>`` prescan of the first 1024 bytes, else windows-1252) and maps labels with the
    WHATWG Encoding Standard's table. :func:`encode` writes characters the page's encoding
    cannot hold as ``&#NNNN;``, and also those on which the legacy CJK codecs disagree
    (so that a browser decodes exactly the intended character).
"""

from __future__ import annotations

import base64
import codecs
import functools
import html
import importlib.resources
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from icp_footer.config import display_host
from icp_footer.numbers import IcpNumber, PsbNumber

__all__ = [
    "BADGE_ALT",
    "BADGE_SIZE",
    "BANNER_BACKGROUND",
    "BANNER_CODE_BACKGROUND",
    "BANNER_TEXT",
    "DEFAULT_ICP_URL",
    "DEFAULT_PSB_URL",
    "TEXT_COLOUR",
    "FooterStyle",
    "already_shown_patterns",
    "badge_data_uri",
    "badge_svg",
    "banner_html",
    "detect_charset",
    "encode",
    "footer_html",
    "page_style_nonce",
    "style_policy",
]

DEFAULT_ICP_URL = "https://beian.miit.gov.cn/"
"""The MIIT filing system, where an ICP number must link."""
DEFAULT_PSB_URL = "https://beian.mps.gov.cn/#/query/webSearch?code={code}"
"""The MPS filing search; ``{code}`` becomes the PSB number's 14-digit code."""
TEXT_COLOUR = "#595959"
"""The footer's text and link colour: 7.0:1 on white."""
BANNER_BACKGROUND = "#8b0000"
"""The missing-number banner's background (white text on it: 10.0:1)."""
BANNER_TEXT = "#ffffff"
"""The missing-number banner's text colour."""
BANNER_CODE_BACKGROUND = "#5c0000"
"""Background of the configuration lines in the banner."""
BADGE_ALT = "公安备案"
"""The badge image's ``alt`` text."""
BADGE_SIZE = 16
"""The badge's width and height in CSS pixels."""

_BADGE_FILE = "psb-badge.svg"
_FONT_FAMILY = (
    "-apple-system,BlinkMacSystemFont,'Segoe UI','PingFang SC','Hiragino Sans GB',"
    "'Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif"
)
_MONO_FAMILY = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace"


@dataclass(frozen=True, slots=True)
class FooterStyle:
    """Per-response decisions on how the snippet may be written."""

    charset: str
    """Python codec name of the page, e.g. ``"utf-8"``, ``"gbk"``, ``"cp1252"``."""
    style_nonce: str | None
    """A nonce the page's CSP accepts for ``<style>`` elements, if any."""
    inline_style: bool
    """False when the page's CSP forbids inline styles (``style=""`` attributes)."""
    xhtml: bool
    """The page is ``application/xhtml+xml``: the output must be well-formed XML."""


# -- escaping ---------------------------------------------------------------------------------


_SPACE_LIKE = re.compile("[\r\x0b\x0c]")
_UNCARRIABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Replace what neither HTML nor XML can carry by U+FFFD; CR, VT and FF by spaces."""
    return _UNCARRIABLE.sub("\ufffd", _SPACE_LIKE.sub(" ", text))


def _text(text: str) -> str:
    """Escape ``text`` for element content."""
    return html.escape(_clean(text), quote=False)


def _attr(value: str) -> str:
    """Escape ``value`` for a double-quoted attribute value."""
    return html.escape(_clean(value), quote=False).replace('"', "&quot;")


def _safe_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL; raise :class:`ValueError` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return url.strip()


# -- styles -----------------------------------------------------------------------------------

_Decls = tuple[tuple[str, str], ...]

# Containers: everything a theme's ``footer div``/``footer p`` rules commonly change.
_RESET: _Decls = (
    ("display", "block"),
    ("clear", "both"),
    ("float", "none"),
    ("position", "static"),
    ("box-sizing", "border-box"),
    ("width", "auto"),
    ("max-width", "none"),
    ("height", "auto"),
    ("margin", "0"),
    ("border", "0"),
    ("box-shadow", "none"),
    ("visibility", "visible"),
    ("opacity", "1"),
    ("text-align", "center"),
    ("text-decoration", "none"),
    ("text-transform", "none"),
    ("text-indent", "0"),
    ("letter-spacing", "normal"),
    ("white-space", "normal"),
)

# Inline children: what ``footer a``/``footer span``/``img`` rules commonly change.
_CHILD: _Decls = (
    ("display", "inline"),
    ("float", "none"),
    ("position", "static"),
    ("margin", "0"),
    ("padding", "0"),
    ("border", "0"),
    ("background", "transparent"),
    ("opacity", "1"),
    ("font", "inherit"),
    ("text-decoration", "none"),
    ("vertical-align", "baseline"),
)

_FOOTER_BOX: _Decls = (
    *_RESET,
    ("padding", "8px 0"),
    ("background", "transparent"),
    ("color", TEXT_COLOUR),
    ("font", f"400 12px/1.5 {_FONT_FAMILY}"),
)
_INLINE: _Decls = (*_CHILD, ("color", TEXT_COLOUR))
_NOWRAP: _Decls = (*_INLINE, ("white-space", "nowrap"))
_SEP: _Decls = (*_INLINE, ("padding", "0 0.25em"))
_BADGE: _Decls = (
    *_CHILD,
    ("display", "inline-block"),
    ("margin", "0 4px 0 0"),
    ("width", f"{BADGE_SIZE}px"),
    ("height", f"{BADGE_SIZE}px"),
    ("max-width", "none"),
    ("vertical-align", "middle"),
)

_BANNER_BOX: _Decls = (
    *_RESET,
    ("padding", "12px 16px"),
    ("border-top", "4px solid #ffcc00"),
    ("background", BANNER_BACKGROUND),
    ("color", BANNER_TEXT),
    ("font", f"400 14px/1.6 {_FONT_FAMILY}"),
)
_BANNER_P: _Decls = (
    *_RESET,
    ("margin", "0 0 4px 0"),
    ("padding", "0"),
    ("background", "transparent"),
    ("color", BANNER_TEXT),
    ("font", "inherit"),
)
_BANNER_STRONG: _Decls = (*_CHILD, ("color", BANNER_TEXT), ("font-weight", "700"))
_BANNER_CODE: _Decls = (
    *_CHILD,
    ("padding", "1px 4px"),
    ("background", BANNER_CODE_BACKGROUND),
    ("color", BANNER_TEXT),
    ("font", f"400 13px/1.6 {_MONO_FAMILY}"),
    ("overflow-wrap", "anywhere"),
)


def _css(decls: _Decls, *, important: bool = False) -> str:
    """Serialise declarations; a later declaration of the same property wins."""
    merged: dict[str, str] = {}
    for name, value in decls:
        merged.pop(name, None)
        merged[name] = value
    suffix = "!important" if important else ""
    return ";".join(f"{name}:{value}{suffix}" for name, value in merged.items())


class _Writer:
    """Write elements in one of the three styling modes (inline, nonce block, none)."""

    def __init__(self, style: FooterStyle, root_class: str) -> None:
        self.style = style
        self.root_class = root_class
        self.inline = style.inline_style
        self.nonce = None if style.inline_style else style.style_nonce
        self.rules: list[str] = []

    def attrs(self, cls: str, decls: _Decls, extra: str = "") -> str:
        """Attributes (with a leading space) for an element of class ``cls``."""
        out = f' class="{cls}"'
        if self.inline:
            out += f' style="{_attr(_css(decls))}"'
        elif self.nonce is not None:
            scope = f".{self.root_class}[data-icp-footer]"
            selector = scope if cls == self.root_class else f"{scope} .{cls}"
            rule = f"{selector}{{{_css(decls, important=True)}}}"
            if rule not in self.rules:
                self.rules.append(rule)
        return out + extra

    def open_root(self, decls: _Decls, marker: str, role: str = "") -> str:
        """The container's start tag; :meth:`style_block` goes right after it."""
        extra = f' data-icp-footer="{marker}" lang="zh-CN"'
        if self.style.xhtml:
            extra += ' xml:lang="zh-CN"'
        if role:
            extra += f' role="{role}"'
        if not self.inline and self.nonce is None:
            extra += ' align="center"'
        return f"<div{self.attrs(self.root_class, decls, extra)}>"

    def style_block(self) -> str:
        """The ``<style nonce>`` block (empty unless in nonce mode)."""
        if self.nonce is None or not self.rules:
            return ""
        return f'<style nonce="{_attr(self.nonce)}">{"".join(self.rules)}</style>'


# -- the badge --------------------------------------------------------------------------------


@functools.cache
def badge_svg() -> str:
    """The Public Security filing badge shipped with the package, as SVG text.

    A small drawing of a police-style emblem (gold ring, blue field, star, gate, red
    ribbon) made for this package; no government file is copied or hot-linked.
    """
    return importlib.resources.files("icp_footer").joinpath(_BADGE_FILE).read_text(encoding="utf-8")


@functools.cache
def badge_data_uri() -> str:
    """The badge as a ``data:image/svg+xml;base64,...`` URI."""
    payload = base64.b64encode(badge_svg().encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{payload}"


# -- footer and banner ------------------------------------------------------------------------


def footer_html(
    icp: IcpNumber | None,
    psb: PsbNumber | None,
    *,
    owner: str | None = None,
    icp_url: str = DEFAULT_ICP_URL,
    psb_url: str = DEFAULT_PSB_URL,
    style: FooterStyle,
) -> str:
    """The footer line showing ``owner``, the ICP number and the PSB number.

    Numbers and owner are shown verbatim (escaped); the owner text is shown as given (add
    ``©`` yourself) and left out when blank. ``{code}`` in ``psb_url`` is replaced by the
    PSB number's code (percent-encoded). Returns ``""`` when neither number is given.
    Raises :class:`ValueError` when a URL is not an absolute http(s) URL. The result is
    text: write it into the page with ``encode(html, style.charset)``.
    """
    if icp is None and psb is None:
        return ""
    w = _Writer(style, "icp-footer")
    link_extra = ' target="_blank" rel="noopener noreferrer"'
    items: list[str] = []
    if owner is not None and owner.strip():
        items.append(f"<span{w.attrs('icp-footer__owner', _INLINE)}>{_text(owner)}</span>")
    if icp is not None:
        extra = f' href="{_attr(_safe_url(icp_url))}"{link_extra}'
        items.append(f"<a{w.attrs('icp-footer__icp', _NOWRAP, extra)}>{_text(icp.text)}</a>")
    if psb is not None:
        url = _safe_url(psb_url).replace("{code}", quote(psb.code, safe=""))
        size = f' width="{BADGE_SIZE}" height="{BADGE_SIZE}"'
        align = ' align="middle"' if not w.inline and w.nonce is None else ""
        img = (
            f"<img{w.attrs('icp-footer__badge', _BADGE)}"
            f' src="{badge_data_uri()}" alt="{_attr(BADGE_ALT)}"{size}{align} />'
        )
        extra = f' href="{_attr(url)}"{link_extra}'
        link = f"<a{w.attrs('icp-footer__psb', _INLINE, extra)}>{_text(psb.text)}</a>"
        items.append(f"<span{w.attrs('icp-footer__psb-item', _NOWRAP)}>{img}{link}</span>")
    hidden = ' aria-hidden="true"'
    sep = f"<span{w.attrs('icp-footer__sep', _SEP, hidden)}> | </span>"
    line = sep.join(items)
    if not w.inline and w.nonce is None:
        line = f"<small>{line}</small>"
    root = w.open_root(_FOOTER_BOX, "footer")
    return f"{root}{w.style_block()}{line}</div>"


def banner_html(
    host: str | None, *, style: FooterStyle, variable: str = "ICP_FOOTER_DOMAINS"
) -> str:
    """A bilingual notice that no number is configured for ``host``, and how to set one.

    It names the setting to use (``variable``, and ``ICP_FOOTER_NUMBER`` as the
    alternative when ``variable`` is the default) and how to silence the notice. The host
    is shown as :func:`~icp_footer.config.display_host` gives it (IDN in Unicode), in the
    text and in the configuration lines; text that is not a host name is never shown: the
    notice then names no host and its configuration lines use ``example.cn``.
    """
    shown = display_host(host)
    w = _Writer(style, "icp-footer-banner")
    h = _text(shown or "example.cn")
    var = _text(variable)
    example = "京ICP备XXXXXXXX号-1"

    def code(text: str) -> str:
        return f"<code{w.attrs('icp-footer-banner__code', _BANNER_CODE)}>{text}</code>"

    def para(lang: str, body: str) -> str:
        extra = f' lang="{lang}"'
        return f"<p{w.attrs('icp-footer-banner__line', _BANNER_P, extra)}>{body}</p>"

    strong_attrs = w.attrs("icp-footer-banner__title", _BANNER_STRONG)
    zh_title, en_title = "⚠ 此网站未显示 ICP 备案号", "This site shows no ICP filing number"
    if shown:
        zh_title, en_title = f"{zh_title}：{h}", f"{en_title} for {h}"
    set_line = code(f"{var}=&quot;{h}={example}&quot;")
    if variable == "ICP_FOOTER_DOMAINS":
        set_line += f"（或 / or {code(f'ICP_FOOTER_NUMBER=&quot;{example}&quot;')}）"
    lines = [
        para("zh-CN", f"<strong{strong_attrs}>{zh_title}</strong>"),
        para("en", f"<strong{strong_attrs}>{en_title}.</strong>"),
        para("zh-CN", f"请设置 / Set: {set_line}"),
        para(
            "zh-CN",
            f"无需备案？关闭此提示 / No filing needed? Silence this notice: "
            f"{code(f'{var}=&quot;{h}=none&quot;')}",
        ),
    ]
    root = w.open_root(_BANNER_BOX, "banner", role="note")
    return f"{root}{w.style_block()}{''.join(lines)}</div>"


# -- encodings --------------------------------------------------------------------------------

# Python codec name: the WHATWG Encoding Standard's labels for that encoding (an indented
# line continues the one above).
_LABEL_TABLE = """
utf-8: unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8
cp866: 866 cp866 csibm866 ibm866
iso8859-2: csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2
    latin2
iso8859-3: csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3
    latin3
iso8859-4: csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4
    latin4
iso8859-5: csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5
    iso_8859-5:1988
iso8859-6: arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6
    iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987
iso8859-7: csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597
    iso_8859-7 iso_8859-7:1987 sun_eu_greek
iso8859-8: csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8
    iso88598 iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical
iso8859-10: csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6
iso8859-13: iso-8859-13 iso8859-13 iso885913
iso8859-14: iso-8859-14 iso8859-14 iso885914
iso8859-15: csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9
iso8859-16: iso-8859-16
koi8-r: cskoi8r koi koi8 koi8-r koi8_r
koi8-u: koi8-ru koi8-u
mac-roman: csmacintosh mac macintosh x-mac-roman
cp874: dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874
cp1250: cp1250 windows-1250 x-cp1250
cp1251: cp1251 windows-1251 x-cp1251
cp1252: ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1
    iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252
cp1253: cp1253 windows-1253 x-cp1253
cp1254: cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5
    latin5 windows-1254 x-cp1254
cp1255: cp1255 windows-1255 x-cp1255
cp1256: cp1256 windows-1256 x-cp1256
cp1257: cp1257 windows-1257 x-cp1257
cp1258: cp1258 windows-1258 x-cp1258
mac-cyrillic: x-mac-cyrillic x-mac-ukrainian
gbk: chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk
gb18030: gb18030
big5: big5 big5-hkscs cn-big5 csbig5 x-x-big5
euc_jp: cseucpkdfmtjapanese euc-jp x-euc-jp
iso2022_jp: csiso2022jp iso-2022-jp
shift_jis: csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis
euc-kr: cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601
    ksc_5601 windows-949
utf-16-be: unicodefffe utf-16be
utf-16-le: csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le
"""


def _parse_label_table(table: str) -> dict[str, tuple[str, ...]]:
    encodings: dict[str, tuple[str, ...]] = {}
    name = ""
    for line in table.strip().splitlines():
        labels = line
        if not line[:1].isspace():
            name, _, labels = line.partition(":")
        encodings[name] = (*encodings.get(name, ()), *labels.split())
    return encodings


_ENCODINGS = _parse_label_table(_LABEL_TABLE)

_UNWRITABLE = "replacement"  # pages no codec can write into: leave them alone
_USER_DEFINED = "x-user-defined"  # windows-1252 when a <meta> names it, else unwritable
_LABELS: dict[str, str] = {label: name for name, labels in _ENCODINGS.items() for label in labels}
_LABELS.update(
    dict.fromkeys(
        (
            "csiso2022kr",
            "hz-gb-2312",
            "iso-2022-cn",
            "iso-2022-cn-ext",
            "iso-2022-kr",
            "replacement",
        ),
        _UNWRITABLE,
    )
)
_LABELS[_USER_DEFINED] = _USER_DEFINED
_ASCII_WS = " \t\n\f\r"


def _label(label: str | bytes) -> str | None:
    """The Python codec for a WHATWG encoding label; ``_UNWRITABLE``; or None if unknown."""
    if isinstance(label, bytes):
        label = label.decode("latin-1")
    return _LABELS.get(label.strip(_ASCII_WS).lower())


def _content_type_charset(content_type: str) -> str | None:
    """The first ``charset`` parameter of a Content-Type value, unquoted."""
    for param in content_type.split(";")[1:]:
        name, eq, value = param.partition("=")
        if not eq or name.strip(_ASCII_WS).lower() != "charset":
            continue
        value = value.strip(_ASCII_WS)
        if value.startswith('"'):
            value = value[1:].split('"', 1)[0]
        return value
    return None


_WS_B = b" \t\n\x0c\r"


class _Prescan:
    """The HTML Standard's "prescan a byte stream to determine its encoding"."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int | None:
        return self.data[self.pos] if self.pos < len(self.data) else None

    def attribute(self) -> tuple[bytes, bytes] | None:
        """Get an attribute; None when there is none (or the input ends inside one)."""
        d = self.data
        while self.pos < len(d) and d[self.pos] in b" \t\n\x0c\r/":
            self.pos += 1
        if self.pos >= len(d) or d[self.pos] == 0x3E:
            return None
        name = bytearray()
        value = bytearray()
        while True:  # attribute name
            b = self.byte()
            if b is None:
                return None
            if b == 0x3D and name:
                self.pos += 1
                break
            if b in _WS_B:
                while self.pos < len(d) and d[self.pos] in _WS_B:
                    self.pos += 1
                if self.byte() != 0x3D:
                    return bytes(name), b""
                self.pos += 1
                break
            if b in b"/>":
                return bytes(name), b""
            name.append(b + 0x20 if 0x41 <= b <= 0x5A else b)
            self.pos += 1
        while self.pos < len(d) and d[self.pos] in _WS_B:
            self.pos += 1
        b = self.byte()
        if b is None:
            return None
        if b in b"\"'":
            end = d.find(bytes([b]), self.pos + 1)
            if end < 0:
                return None
            value = bytearray(d[self.pos + 1 : end].lower())
            self.pos = end + 1
            return bytes(name), bytes(value)
        if b == 0x3E:
            return bytes(name), b""
        while True:
            b = self.byte()
            if b is None:
                return None
            if b in _WS_B or b == 0x3E:
                return bytes(name), bytes(value)
            value.append(b + 0x20 if 0x41 <= b <= 0x5A else b)
            self.pos += 1

    def meta(self) -> str | None:
        """Process a ``<meta`` whose name has been consumed; the encoding it declares."""
        seen: set[bytes] = set()
        got_pragma = False
        need_pragma: bool | None = None
        charset: str | None = None
        failed = False
        while (attr := self.attribute()) is not None:
            name, value = attr
            if name in seen:
                continue
            seen.add(name)
            if name == b"http-equiv":
                got_pragma = got_pragma or value == b"content-type"
            elif name == b"content":
                found = _meta_content_charset(value)
                encoding = None if found is None else _label(found)
                if charset is None and not failed and encoding is not None:
                    charset = encoding
                    need_pragma = True
            elif name == b"charset":
                charset = _label(value)
                failed = charset is None
                need_pragma = False
        if self.byte() is None:
            return None  # cut off by the 1024-byte limit
        if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
            return None
        if charset in ("utf-16-le", "utf-16-be"):
            return "utf-8"
        if charset == _USER_DEFINED:
            return "cp1252"
        return charset

    def run(self) -> str | None:
        d = self.data
        while self.pos < len(d):
            rest = d[self.pos : self.pos + 6].lower()
            if rest.startswith(b"<!--"):
                end = d.find(b"-->", self.pos + 2)
                if end < 0:
                    return None
                self.pos = end + 3
                continue
            if rest.startswith(b"<meta") and len(rest) == 6 and rest[5] in b" \t\n\x0c\r/":
                self.pos += 5
                found = self.meta()
                if found is not None:
                    return found
            elif re.match(rb"</?[a-z]", rest):
                self.pos += 2 if rest[1] == 0x2F else 1
                while self.pos < len(d) and d[self.pos] not in b" \t\n\x0c\r>":
                    self.pos += 1
                while self.attribute() is not None:
                    pass
            elif rest.startswith((b"<!", b"</", b"<?")):
                end = d.find(b">", self.pos + 2)
                if end < 0:
                    return None
                self.pos = end
            self.pos += 1
        return None


def _meta_content_charset(value: bytes) -> bytes | None:
    """The HTML Standard's "extracting a character encoding from a meta element"."""
    pos = 0
    while True:
        at = value.lower().find(b"charset", pos)
        if at < 0:
            return None
        pos = at + 7
        while pos < len(value) and value[pos] in _WS_B:
            pos += 1
        if pos >= len(value) or value[pos] != 0x3D:
            continue
        pos += 1
        while pos < len(value) and value[pos] in _WS_B:
            pos += 1
        if pos >= len(value):
            return None
        if value[pos] in b"\"'":
            end = value.find(value[pos : pos + 1], pos + 1)
            return None if end < 0 else value[pos + 1 : end]
        end = pos
        while end < len(value) and value[end] not in _WS_B and value[end] != 0x3B:
            end += 1
        return value[pos:end]


def detect_charset(content_type: str | None, head: bytes) -> str | None:
    """The Python codec a browser would decode the page with.

    The order is the browsers': a byte-order mark; the ``charset`` of ``content_type``;
    a ``<meta charset>`` or ``<meta http-equiv="Content-Type">`` in the first 1024 bytes of
    ``head`` (found by the HTML Standard's prescan); else ``"cp1252"``. Labels are mapped
    with the WHATWG Encoding Standard's table (``gb2312`` is ``"gbk"``, ``iso-8859-1`` and
    ``ascii`` are ``"cp1252"``...); an unknown label falls through to the next source.
    UTF-16 pages give ``"utf-16-le"`` or ``"utf-16-be"`` (callers pass those through
    untouched). Returns None for encodings no codec can write: the WHATWG
    "replacement" encoding (``iso-2022-kr``, ``hz-gb-2312``...) and ``x-user-defined``
    named by ``content_type``.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if content_type:
        label = _content_type_charset(content_type)
        found = None if label is None else _label(label)
        if found is not None:
            return None if found in (_UNWRITABLE, _USER_DEFINED) else found
    found = _Prescan(head[:1024]).run()
    if found is not None:
        return None if found == _UNWRITABLE else found
    return "cp1252"


# Codecs that do not quite agree with the browsers' decoders: the codec to write with, and
# codecs to cross-check each character with. A character that any of them cannot decode or
# decodes to something else is written as a character reference, which every decoder reads
# the same way.
_WRITERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "shift_jis": ("cp932", ("shift_jis",)),
    "cp932": ("cp932", ("shift_jis",)),
    "euc_kr": ("cp949", ("euc_kr",)),
    "cp949": ("cp949", ("euc_kr",)),
    "big5": ("big5", ("cp950", "big5hkscs")),
    "cp950": ("big5", ("cp950", "big5hkscs")),
    "big5hkscs": ("big5", ("cp950", "big5hkscs")),
    "gbk": ("gbk", ("gb18030",)),
    "gb2312": ("gbk", ("gb18030",)),
    "gb18030": ("gb18030", ("gbk",)),
    "euc_jp": ("euc_jp", ("euc_jis_2004",)),
}


def _ref(ch: str, style: str = "dec") -> str:
    if style == "hex":
        return f"&#x{ord(ch):x};"
    if style == "HEX":
        return f"&#x{ord(ch):X};"
    return f"&#{ord(ch)};"


@functools.lru_cache(maxsize=4096)
def _char_bytes(ch: str, writer: str, checks: tuple[str, ...]) -> bytes | None:
    """``ch`` in ``writer``, or None if it cannot be written safely."""
    try:
        data = ch.encode(writer)
    except UnicodeEncodeError:
        return None
    for other in (writer, *checks):
        try:
            if data.decode(other) != ch:
                return None
        except UnicodeDecodeError:
            return None
    return data


def _encode(text: str, charset: str, style: str = "dec") -> tuple[bytes, bool]:
    """``text`` in ``charset`` with references for what it cannot hold; and whether any."""
    name = codecs.lookup(charset).name
    writer, checks = _WRITERS.get(name, (name, ()))
    if not checks:
        try:
            return text.encode(writer), False
        except UnicodeEncodeError:
            pass
        if style == "dec":
            return text.encode(writer, "xmlcharrefreplace"), True
    out = bytearray()
    refs = False
    for ch in text:
        data = _char_bytes(ch, writer, checks)
        if data is None:
            try:
                data = _ref(ch, style).encode(writer)
            except UnicodeEncodeError:  # a codec without ASCII: nothing sensible to do
                data = _ref(ch, style).encode(writer, "replace")
            refs = True
        out += data
    return bytes(out), refs


def encode(html: str, charset: str) -> bytes:
    """``html`` in the Python codec ``charset``, unencodable characters as ``&#NNNN;``.

    For the legacy CJK codecs, a character on which Python's codecs and the browsers'
    decoders may disagree (e.g. U+FF5E in Shift_JIS) is written as a reference too, so
    the browser shows exactly ``html``. Raises :class:`LookupError` for an unknown codec.
    """
    return _encode(html, charset)[0]


# -- already shown ----------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_FULLWIDTH_HYPHEN = str.maketrans("0123456789-", "０１２３４５６７８９－")
_ICP_SHAPE = re.compile(
    r"^(?P<pre>.+?ICP[备证])(?P<num>\d+)(?P<hao>号?)(?P<site>(?:-\d+[A-Z]?)?)(?P<tail>号?)$"
)


def already_shown_patterns(icp: IcpNumber, charset: str) -> list[bytes]:
    """Byte patterns whose presence in a page means it already shows ``icp``.

    The number's normalised form, its verbatim text and the common sloppy variants (a
    space after 备, a space before 号, no 号, 号 after the ``-N``, full-width digits and
    hyphen), each encoded in ``charset``; for non-UTF-8 charsets a variant the charset
    cannot hold also appears with decimal and hexadecimal character references.
    Deduplicated, longest first.
    """
    base = icp.normalised
    variants = [base, icp.text, base.translate(_FULLWIDTH), base.translate(_FULLWIDTH_HYPHEN)]
    if m := _ICP_SHAPE.match(base):
        pre, num, site = m["pre"], m["num"], m["site"]
        variants += [
            f"{pre}{num}号{site}",
            f"{pre} {num}号{site}",
            f"{pre}{num} 号{site}",
            f"{pre} {num} 号{site}",
            f"{pre}{num}{site}",
            f"{pre}{num.translate(_FULLWIDTH)}号{site.translate(_FULLWIDTH)}",
            f"{pre}{num.translate(_FULLWIDTH)}号{site.translate(_FULLWIDTH_HYPHEN)}",
        ]
        if site:
            variants.append(f"{pre}{num}{site}号")
    utf = codecs.lookup(charset).name in ("utf-8", "utf-16-le", "utf-16-be", "utf-16")
    patterns: set[bytes] = set()
    for variant in variants:
        if not variant:
            continue
        data, refs = _encode(variant, charset)
        patterns.add(data)
        if refs and not utf:
            patterns.add(_encode(variant, charset, "hex")[0])
            patterns.add(_encode(variant, charset, "HEX")[0])
    return sorted(patterns, key=lambda p: (-len(p), p))


# -- Content-Security-Policy ------------------------------------------------------------------

_NONCE_SOURCE = re.compile(r"'nonce-([A-Za-z0-9+/_-]+={0,2})'", re.IGNORECASE)
_HASH_SOURCE = re.compile(r"'(?:sha256|sha384|sha512)-[A-Za-z0-9+/_-]+={0,2}'", re.IGNORECASE)
_DIRECTIVE_NAME = re.compile(r"^[A-Za-z0-9-]+$")


def _policy(text: str) -> dict[str, list[str]]:
    """One serialised policy: directive name -> source list (the first of duplicates)."""
    directives: dict[str, list[str]] = {}
    for part in text.split(";"):
        tokens = part.split()
        if not tokens or not _DIRECTIVE_NAME.match(tokens[0]):
            continue
        directives.setdefault(tokens[0].lower(), tokens[1:])
    return directives


def _effective(policy: dict[str, list[str]], *names: str) -> list[str] | None:
    for name in names:
        if name in policy:
            return policy[name]
    return None


def _allows_all_inline(sources: list[str] | None) -> bool:
    """CSP's "does a source list allow all inline behavior for type"."""
    if sources is None:
        return True
    lowered = [s.lower() for s in sources]
    if any(_NONCE_SOURCE.fullmatch(s) or _HASH_SOURCE.fullmatch(s) for s in sources):
        return False
    return "'unsafe-inline'" in lowered


def style_policy(csp_header: str | None) -> tuple[bool, str | None]:
    """Whether a Content-Security-Policy header allows the footer's styling.

    Returns ``(True, None)`` when ``style=""`` attributes are allowed by every policy in the
    header (several policies may be joined by ``,``): each policy's ``style-src-attr``,
    else ``style-src``, else ``default-src`` has ``'unsafe-inline'`` and no nonce or hash
    (either disables ``'unsafe-inline'``), or no such directive exists. Otherwise returns
    ``(False, nonce)`` where ``nonce`` is a nonce value from the header that every
    policy's ``style-src-elem``/``style-src``/``default-src`` accepts for a ``<style>``
    element (the header carries it, so the response's own nonce is reused), or
    ``(False, None)`` when there is none: then write the footer unstyled (also when only
    ``style=""`` attributes are blocked and ``<style>`` needs no nonce; rare, and the
    unstyled footer is still correct). A nonce found here or by :func:`page_style_nonce`
    belongs to this response, so reusing it for the footer is what it is for.
    """
    if not csp_header:
        return True, None
    policies = [_policy(p) for p in csp_header.split(",")]
    policies = [p for p in policies if p]
    if all(
        _allows_all_inline(_effective(p, "style-src-attr", "style-src", "default-src"))
        for p in policies
    ):
        return True, None
    elements = [_effective(p, "style-src-elem", "style-src", "default-src") for p in policies]
    needing = [s for s in elements if not _allows_all_inline(s)]
    candidates: list[str] = []
    for sources in needing:
        for source in sources or ():
            if (m := _NONCE_SOURCE.fullmatch(source)) and m[1] not in candidates:
                candidates.append(m[1])
    for nonce in candidates:
        if all(
            any((m := _NONCE_SOURCE.fullmatch(s)) and m[1] == nonce for s in sources or ())
            for sources in needing
        ):
            return False, nonce
    return False, None


_TAG = re.compile(
    rb"<(style|link)(?=[\t\n\x0c\r />])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.IGNORECASE
)
_ATTRIBUTE = re.compile(
    rb"([^\t\n\x0c\r />=][^\t\n\x0c\r />=]*)"
    rb"(?:[\t\n\x0c\r ]*=[\t\n\x0c\r ]*(?:\"([^\"]*)\"|'([^']*)'|([^\t\n\x0c\r >]*)))?"
)
_HIDDEN = re.compile(
    rb"<!--.*?(?:-->|\Z)|<(script|textarea|title)\b.*?(?:</\1[\t\n\x0c\r />]|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_NONCE_VALUE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for m in _ATTRIBUTE.finditer(raw):
        value = m[2] if m[2] is not None else m[3] if m[3] is not None else m[4] or b""
        found.setdefault(m[1].lower(), value)
    return found


def page_style_nonce(head: bytes) -> str | None:
    """The ``nonce`` of the first ``<style nonce>`` or ``<link rel=stylesheet nonce>``.

    Comments and the contents of ``<script>``, ``<textarea>`` and ``<title>`` are skipped.
    Only a value a CSP nonce source could match (base64 characters) is returned.
    """
    text = _HIDDEN.sub(b"", head)
    for m in _TAG.finditer(text):
        attrs = _attributes(m[2])
        if m[1].lower() == b"link":
            rel = attrs.get(b"rel", b"").lower().split()
            if b"stylesheet" not in rel:
                continue
        raw = attrs.get(b"nonce")
        if not raw:
            continue
        nonce = html.unescape(raw.decode("utf-8", "replace")).strip(_ASCII_WS)
        if _NONCE_VALUE.fullmatch(nonce):
            return nonce
    return None
