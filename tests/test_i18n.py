"""Messages in Chinese through gettext: the catalogue is complete, compiled, and used.

The catalogue (``src/icp_footer/locale/zh_CN/LC_MESSAGES/icp_footer.po`` and its ``.mo``) is
built by ``tools/catalogue.py``; these tests fail when a marked message has no translation,
when a translation loses a placeholder, and when the ``.mo`` is not what the ``.po`` compiles
to. The language is read when a message is shown, so each test sets the locale it needs.
"""

from __future__ import annotations

import ast
import gettext
import io
import logging
import os
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from icp_footer import _i18n, visual
from icp_footer.audit import audit_html
from icp_footer.config import ConfigError, Problem, load, unknown_variables
from icp_footer.numbers import recognise_icp
from icp_footer.policy import Policy
from icp_footer.visual import DESKTOP, PHONE, RenderReport, ViewportReport

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "icp_footer"
PO = _i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "icp_footer.po"
MO = PO.with_suffix(".mo")
PROJECT = Path(__file__).resolve().parent / "django_project"
CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # ideographs and CJK punctuation
BAD_NUMBER = "京ICP备123号"


@pytest.fixture(autouse=True)
def locale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No override and no locale variable but ``LANG``, which each test sets."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    _i18n.set_language(None)
    yield
    _i18n.set_language(None)


def catalogue() -> Catalog:
    with PO.open("rb") as file:
        return read_po(file, locale="zh_CN", domain=_i18n.DOMAIN)


def marked() -> dict[str, list[str]]:
    """Every ``_()``/``N_()`` message in the package, with where it is."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PACKAGE, [("**.py", "python")], keywords={"_": None, "N_": None}
    ):
        assert isinstance(message, str), (filename, lineno, message)
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def placeholders(text: str) -> list[str]:
    """The ``{...}`` fields of a format string, sorted; raises ValueError on a stray brace."""
    fields = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
    return sorted(fields)


# -- the catalogue ---------------------------------------------------------------------------


def test_every_marked_message_has_a_translation_with_the_same_placeholders() -> None:
    messages = marked()
    assert len(messages) > 100  # the extraction found the package's messages
    translated = {str(m.id): m for m in catalogue() if m.id}
    missing = [
        f"{msgid!r} ({', '.join(where)})"
        for msgid, where in messages.items()
        if msgid not in translated or not translated[msgid].string
    ]
    assert not missing, "no translation in the .po (run tools/catalogue.py):\n" + "\n".join(missing)
    for msgid in messages:
        entry = translated[msgid]
        assert not entry.fuzzy, msgid
        msgstr = entry.string
        assert isinstance(msgstr, str)
        assert placeholders(msgstr) == placeholders(msgid), (msgid, msgstr)
        assert CJK.search(msgstr) or msgstr == msgid.strip(), (msgid, msgstr)


def test_the_catalogue_holds_no_message_the_code_lost() -> None:
    stale = {str(m.id) for m in catalogue() if m.id} - set(marked())
    assert not stale, f"in the .po but no longer in the code (run tools/catalogue.py): {stale}"


def test_the_mo_is_what_the_po_compiles_to() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue())
    assert MO.read_bytes() == compiled.getvalue(), "the .mo is stale: run tools/catalogue.py"
    assert isinstance(_i18n.translation("zh"), gettext.GNUTranslations)


def test_messages_are_marked_whole_not_built_inside_the_marker() -> None:
    """``_()`` takes a literal (or a name holding an ``N_()`` literal), never an f-string."""
    built = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
            ):
                continue
            argument = node.args[0] if len(node.args) == 1 else None
            literal = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            looked_up = isinstance(argument, ast.Name | ast.Subscript | ast.Attribute)
            if node.keywords or not (literal or (looked_up and node.func.id == "_")):
                built.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not built, built


def test_no_module_that_translates_uses_underscore_as_a_variable() -> None:
    """``for _ in ...`` or ``a, _ = ...`` in a function that calls ``_()`` breaks the call."""
    shadowed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        translates = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "icp_footer._i18n"
            and any(alias.name == "_" for alias in node.names)
            for node in ast.walk(tree)
        )
        shadowed += [
            f"{path.relative_to(PACKAGE)}:{node.lineno}"
            for node in ast.walk(tree)
            if translates
            and isinstance(node, ast.Name)
            and node.id == "_"
            and isinstance(node.ctx, ast.Store | ast.Del)
        ]
    assert not shadowed, shadowed


# -- the language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": "zh_CN"}, "zh"),
    ],
)
def test_the_language_follows_the_first_locale_variable_set(
    environ: dict[str, str], expected: str
) -> None:
    assert _i18n.language(environ) == expected


def test_a_config_error_is_in_the_language_of_the_locale_when_it_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def problems() -> list[str]:
        with pytest.raises(ConfigError) as caught:
            load({"ICP_FOOTER_NUMBER": BAD_NUMBER, "ICP_FOOTER_MISSING": "maybe"})
        return caught.value.problems

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = problems()
    assert chinese[0] == (
        "ICP_FOOTER_NUMBER：“京ICP备123号”：备案编号必须是 8 或 10 位数字，而不是 3 位"
        '（例如：京ICP备12345678号-1）。示例：ICP_FOOTER_NUMBER="京ICP备12345678号-1"'
    )
    assert chinese[1] == (
        "ICP_FOOTER_MISSING：“maybe”既不是 banner 也不是 off。示例：ICP_FOOTER_MISSING=banner"
    )
    monkeypatch.setenv("LANG", "C")
    english = problems()
    assert english[0] == (
        'ICP_FOOTER_NUMBER: "京ICP备123号": the record number must have 8 or 10 digits, not 3 '
        '(e.g. 京ICP备12345678号-1). Example: ICP_FOOTER_NUMBER="京ICP备12345678号-1"'
    )
    assert not any(
        CJK.search(p.replace(BAD_NUMBER, "").replace("京ICP备12345678号-1", "")) for p in english
    )


def test_set_language_overrides_the_locale_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _i18n.set_language("en")
    assert _i18n._("the ICP number is empty") == "the ICP number is empty"
    monkeypatch.setenv("LANG", "C")
    _i18n.set_language("zh")
    assert _i18n._("the ICP number is empty") == "ICP备案号为空"
    _i18n.set_language(None)
    assert _i18n._("the ICP number is empty") == "the ICP number is empty"
    with pytest.raises(ValueError, match="zh"):
        _i18n.set_language("fr")


def test_a_problem_keeps_its_parts_in_either_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with pytest.raises(ConfigError) as caught:
        load({"ICP_FOOTER_PATHS": "home"})
    (problem,) = caught.value.problems
    assert isinstance(problem, Problem)
    assert problem.statement == "ICP_FOOTER_PATHS：“home”不是以 / 开头"
    assert problem.example == 'ICP_FOOTER_PATHS="/,/index.html"'
    assert problem == f"{problem.statement}。示例：{problem.example}"


def test_a_fan_badge_is_told_apart_whatever_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for lang in ("zh_CN.UTF-8", "C"):
        monkeypatch.setenv("LANG", lang)
        (badge,) = recognise_icp("萌ICP备20240001号")
        assert badge.fan_badge, lang
        (typo,) = recognise_icp("京ICP备1234567号")
        assert not typo.fan_badge, lang


def test_the_departures_of_a_page_number_are_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    (found,) = recognise_icp("京｜ICP备12345678號")
    assert found.departures == ("省份简称与 ICP 之间的“｜”", "繁体或日文字形（號）")


def test_log_lines_are_in_chinese(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    environ = {"ICP_FOOTER_NUMBER": BAD_NUMBER, "ICP_FOOTER_STRICT": "0", "ICP_FOOTER_NUMBR": "1"}
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        load(environ)
    assert [r.getMessage() for r in caplog.records] == [
        "icp-footer: ICP_FOOTER_NUMBR 不是 icp-footer 的环境变量，已忽略。"
        "您是想写 ICP_FOOTER_NUMBER 吗？",
        "icp-footer: ICP_FOOTER_NUMBER：“京ICP备123号”：备案编号必须是 8 或 10 位数字，而不是 3 位"
        '（例如：京ICP备12345678号-1）。示例：ICP_FOOTER_NUMBER="京ICP备12345678号-1"'
        "（ICP_FOOTER_STRICT=0：按原样使用）",
    ]
    assert unknown_variables(environ) == [("ICP_FOOTER_NUMBR", "ICP_FOOTER_NUMBER")]


def test_the_missing_number_warning_of_a_request_is_in_chinese(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        Policy(load({})).request("GET", "/", "example.cn")
    (record,) = caplog.records
    assert record.getMessage().startswith(
        "icp-footer: 主机 'example.cn' 没有 ICP备案号；显示红色警示横幅。请设置 ICP_FOOTER_NUMBER"
    )


def test_a_domains_file_names_its_lines_in_chinese(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    path = tmp_path / "domains.txt"
    path.write_text("example.cn=京ICP备12345678号\n\nexample.cn=none\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load({"ICP_FOOTER_DOMAINS_FILE": str(path)})
    (problem,) = caught.value.problems
    assert problem.startswith(f"ICP_FOOTER_DOMAINS_FILE {path} 第 3 行：")
    assert "example.cn 有两个条目：第 1 行和第 3 行" in problem


def rendered_report() -> RenderReport:
    """A page as ``icp-footer check --render`` judges it, measured by hand: one number that
    is small, faint, off centre, not at the bottom and linked elsewhere; one that is covered."""
    number = "京ICP备12345678号-1"
    target = visual._Target(number, "ICP", "filing", number, (0, 0), (0, len(number)))
    seen: dict[str, object] = {
        "hidden_by": None,
        "box": {"left": 100.0, "top": 700.0, "width": 120.0, "height": 10.0},
        "clipped_by": None,
        "shown_fraction": 1.0,
        "off_screen": False,
        "covered_by": None,
        "link": "https://example.com/",
        "own_link": None,
        "font_size": 10.0,
        "colour": [200, 200, 200, 1],
        "layers": {
            "layers": [{"background": [255, 255, 255, 1], "opacity": 1, "image": True}],
            "canvas": [255, 255, 255, 1],
            "canvasImage": False,
        },
        "line": {"centre_offset": -300.0},
        "below": 120.0,
        "below_what": "div.cookie-banner",
        "to_end": 130.0,
        "badge": None,
    }
    small = visual._judge(target, seen, DESKTOP.width)
    covered = visual._judge(target, {**seen, "covered_by": "div.chat", "link": None}, PHONE.width)
    return RenderReport(
        url="http://localhost/",
        viewports=(
            ViewportReport(DESKTOP, numbers=(small,), screenshot="shots/localhost-desktop.png"),
            ViewportReport(PHONE, numbers=(covered,)),
        ),
    )


def test_a_rendered_report_is_in_chinese() -> None:
    _i18n.set_language("zh")
    try:
        shown = visual.format_render_report(rendered_report())
    finally:
        _i18n.set_language(None)
    lines = shown.splitlines()
    expected = [
        "✗ http://localhost/: 不合规",
        "  desktop 1280×800：已保存 shots/localhost-desktop.png",
        "    ✗ ICP 京ICP备12345678号-1：可见、10px、对比度 1.67:1、未居中（-300px）、"
        "其下方还有 120px 的内容、链接到 https://example.com/",
        "        ✗ 京ICP备12345678号-1 链接到 https://example.com/，而不是工信部备案系统"
        "（点击其中心时实际点到的链接）",
        "        ! 京ICP备12345678号-1 的字号为 10px，小于 12px",
        "          建议：将 京ICP备12345678号-1 的 font-size 设为 12px 或更大",
        "        ! 京ICP备12345678号-1 的对比度为 1.67:1（#ffffff 上的 #c8c8c8），低于 3:1"
        "（其后有背景图片，未计入图片的颜色）",
        "        ! 京ICP备12345678号-1 没有居中：它所在行的中心位于页面中心左侧 300px（容差 26px）",
        "        ! 京ICP备12345678号-1 不在页面底部：'div.cookie-banner' 延伸到它下方 120px",
        "    ✗ ICP 京ICP备12345678号-1：不可见、没有链接",
        "        ✗ 京ICP备12345678号-1 不可见：其中心被 div.chat 遮住",
    ]
    for line in expected:
        assert line in lines, (line, shown)
    english = visual.format_render_report(rendered_report())
    assert "京ICP备12345678号-1 is set in 10px type, smaller than 12px" in english
    assert not CJK.search(english.replace("京ICP备12345678号-1", "")), english
    assert not re.search(r"\b(is|not|the|fix|visible|linked|contrast|saved)\b", shown), shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_browser_replaces_the_markup_audits_link_finding_in_either_language(
    lang: str,
) -> None:
    """The markup audit's findings are translated when made; the browser's own link finding
    still replaces the audit's, rather than standing beside it."""
    (number,) = rendered_report().viewports[0].numbers
    target = visual._Target(number.text, "ICP", "filing", number.text, (0, 0), (0, 1))
    page = (
        "<!doctype html><body><footer><a href='https://example.com/'>"
        f"{number.text}</a></footer><p>after</p>"
    )
    _i18n.set_language(lang)
    try:
        markup = audit_html(page, "http://localhost/", ("京ICP备87654321号",)).findings
        kept = visual._markup_findings(markup, [(target, number)])
    finally:
        _i18n.set_language(None)
    assert any(f.number == number.text and f.severity == "error" for f in markup), markup
    assert [f for f in kept if f.number == number.text] == [], kept
    assert any("87654321" in f.message for f in kept), kept  # the expected number stays


# -- end to end ------------------------------------------------------------------------------


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ICP_FOOTER_", "LC_", "LANG", "DJANGO_"))
    }
    return subprocess.run(
        argv, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(("lang", "chinese"), [("zh_CN.UTF-8", True), ("C.UTF-8", False)])
def test_icp_footer_config_speaks_the_language_of_the_locale(lang: str, chinese: bool) -> None:
    bad = run(
        [sys.executable, "-m", "icp_footer.cli", "config"],
        {"LANG": lang, "ICP_FOOTER_NUMBER": BAD_NUMBER},
    )
    assert bad.returncode == 2, bad.stderr
    if chinese:
        assert "“京ICP备123号”：备案编号必须是 8 或 10 位数字，而不是 3 位" in bad.stderr
        assert '。示例：ICP_FOOTER_NUMBER="京ICP备12345678号-1"' in bad.stderr
    else:
        assert "the record number must have 8 or 10 digits, not 3" in bad.stderr
        assert '. Example: ICP_FOOTER_NUMBER="京ICP备12345678号-1"' in bad.stderr
    good = run(
        [sys.executable, "-m", "icp_footer.cli", "config"],
        {"LANG": lang, "ICP_FOOTER_NUMBER": "京ICP备12345678号-1"},
    )
    assert good.returncode == 0, good.stderr
    header = good.stdout.splitlines()[0]
    assert bool(CJK.search(header)) is chinese, header


@pytest.mark.parametrize(("lang", "option", "chinese"), [("C", "zh", True), ("zh_CN", "en", False)])
def test_the_lang_option_overrides_the_locale(lang: str, option: str, chinese: bool) -> None:
    done = run(
        [sys.executable, "-m", "icp_footer.cli", "--lang", option, "config"],
        {"LANG": lang, "ICP_FOOTER_NUMBER": BAD_NUMBER},
    )
    assert done.returncode == 2, done.stderr
    assert ("备案编号必须是 8 或 10 位数字" in done.stderr) is chinese, done.stderr
    assert ("must have 8 or 10 digits" in done.stderr) is not chinese, done.stderr


def test_manage_py_check_speaks_chinese(tmp_path: Path) -> None:
    (tmp_path / "bad_settings.py").write_text(
        "from icp_site.settings import *  # noqa: F403\n"
        f'ICP_FOOTER = {{**ICP_FOOTER, "number": "{BAD_NUMBER}", "pahts": "/"}}  # noqa: F405\n'
        'MIDDLEWARE = ["icp_footer.django.ICPFooterMiddleware", *MIDDLEWARE]  # noqa: F405\n',
        encoding="utf-8",
    )
    done = run(
        [sys.executable, str(PROJECT / "manage.py"), "check"],
        {
            "LANG": "zh_CN.UTF-8",
            "DJANGO_SETTINGS_MODULE": "bad_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT)]),
        },
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    expected = [
        "?: (icp_footer.E001) ICP_FOOTER_NUMBER：“京ICP备123号”：备案编号必须是 8 或 10 位数字，"
        "而不是 3 位（例如：京ICP备12345678号-1）。",
        '\tHINT: ICP_FOOTER = {"number": "京ICP备12345678号-1"}'
        '（或使用环境变量：ICP_FOOTER_NUMBER="京ICP备12345678号-1"）',
        "?: (icp_footer.W002) ICPFooterMiddleware 在 MIDDLEWARE 中位于 GZipMiddleware 之上：",
    ]
    for line in expected:
        assert any(shown.startswith(line) for shown in lines), (line, done.stderr)
    assert any("的键 'pahts' 不是设置项（您是想写 \"paths\" 吗？）" in shown for shown in lines)
    assert "\tHINT: 请把它移到 django.middleware.gzip.GZipMiddleware 之下。" in lines


def test_icp_footer_check_prints_chinese_findings(tmp_path: Path) -> None:
    (tmp_path / "site.py").write_text(
        "def app(environ, start_response):\n"
        '    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])\n'
        '    page = "<!doctype html><body><main>hi</main><footer>京ICP备87654321号-1</footer>"\n'
        '    return [page.encode("utf-8")]\n',
        encoding="utf-8",
    )
    app = f"{tmp_path / 'site.py'}:app"
    done = run(
        [sys.executable, "-m", "icp_footer.cli", "--lang", "zh", "check", "--app", app, "/"],
        {"LANG": "C", "ICP_FOOTER_NUMBER": "京ICP备12345678号-1"},
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    expected = [
        "✗ http://localhost/: 不合规",
        "  ✗ ICP 京ICP备87654321号-1：格式正确、没有链接、位于网站页脚",
        "      ✗ 京ICP备87654321号-1 没有链接到工信部备案系统",
        "        建议：请将 京ICP备87654321号-1 链接到 https://beian.miit.gov.cn/",
        "  ✗ 页面没有显示预期的备案号 京ICP备12345678号-1；它显示的是 京ICP备87654321号-1",
        "1 个页面：0 个合规，1 个不合规，0 个出错",
    ]
    for line in expected:
        assert line in lines, (line, done.stdout)
    assert not re.search(r"not linked|links? to|expected number|fix:", done.stdout), done.stdout
