"""ICP_FOOTER_DOMAINS_FILE: the file's syntax, its errors, re-reading it, and threads."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from icp_footer import config as config_module
from icp_footer.asgi import ICPFooterMiddleware as ASGIMiddleware
from icp_footer.config import ConfigError, Settings, Site, load
from icp_footer.domains import DomainTable, read_entries
from icp_footer.numbers import NumberError, parse_icp, parse_psb
from icp_footer.wsgi import ICPFooterMiddleware

ICP = "京ICP备12345678号-1"
ICP2 = "京ICP备12345678号-2"
PSB = "京公网安备 11010502030143号"
EXAMPLE_LINE = "Example: example.cn=京ICP备12345678号-1|京公网安备 11010502030143号"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "domains.txt"


def replace(path: Path, text: str) -> None:
    """Write a new file beside ``path`` and rename it over ``path``, as deploy tools do."""
    new = path.with_name(path.name + ".new")
    new.write_text(text, encoding="utf-8")
    os.replace(new, path)


def number(settings: Settings, host: str) -> str | None:
    site = settings.site_for(host)
    if site is None:
        return None
    return site.icp.text if site.icp else "none"


def load_file(path: Path, clock: Clock | None = None, **kw: Any) -> Settings:
    return load({"ICP_FOOTER_DOMAINS_FILE": str(path)}, clock=clock, **kw)


def problems_of(path: Path, text: str | bytes, **env: str) -> list[str]:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load({"ICP_FOOTER_DOMAINS_FILE": str(path), **env})
    return caught.value.problems


# -- the syntax ---------------------------------------------------------------------------------


def test_entries_comments_blank_lines_bom_and_crlf(path: Path) -> None:
    text = (
        "# ICP numbers of every site we host\r\n"
        "\r\n"
        f"  example.cn = {ICP} | {PSB}   # the main site\r\n"
        f"shop.example.cn={ICP2}\r\n"
        "例子.中国=粤ICP备2020012345号\r\n"
        "   # an indented comment\r\n"
        "example.com=none\r\n"
        "example.net=粤B2-20090059  #  telecom licence; no PSB"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    settings = load_file(path)
    assert sorted(settings.domains) == [
        "example.cn",
        "example.com",
        "example.net",
        "shop.example.cn",
        "xn--fsqu00a.xn--fiqs8s",
    ]
    cn = settings.site_for("WWW.Example.CN:8080")
    assert cn is not None
    assert cn.icp is not None
    assert cn.psb is not None
    assert (cn.domain, cn.icp.text, cn.psb.text) == ("example.cn", ICP, PSB)
    assert number(settings, "a.shop.example.cn") == ICP2
    assert number(settings, "www.xn--fsqu00a.xn--fiqs8s") == "粤ICP备2020012345号"
    assert number(settings, "example.com") == "none"
    assert number(settings, "example.net") == "粤B2-20090059"
    assert number(settings, "example.org") is None
    assert read_entries(str(path))[1][0] == (3, f"example.cn = {ICP} | {PSB}")


def test_the_readme_example_file_loads_as_described(path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```text\n# /etc/icp-footer/domains.txt\n") + len("```text\n")
    path.write_text(readme[start : readme.index("```", start)], encoding="utf-8")
    settings = load_file(path)
    assert number(settings, "www.example.cn") == ICP
    assert number(settings, "shop.example.cn") == ICP2
    assert number(settings, "例子.中国") == "粤ICP备2020012345号"
    assert number(settings, "example.com") == "none"


def test_a_hash_starts_a_comment_anywhere_since_no_number_holds_one(path: Path) -> None:
    path.write_text(f"example.cn={ICP}#no space before the comment\n", encoding="utf-8")
    assert number(load_file(path), "example.cn") == ICP
    # "#" ends the entry, so an entry whose number comes after it has no number at all
    (problem,) = problems_of(path, f"example.cn=#{ICP}\n")
    assert '"example.cn=": write DOMAIN=NUMBER' in problem
    # only the ASCII "#": a full-width "＃" is not a comment, and no number contains it
    (problem,) = problems_of(path, f"example.cn={ICP}＃旧号\n")
    assert problem.startswith(f"ICP_FOOTER_DOMAINS_FILE {path} line 1: ")


@pytest.mark.parametrize(
    "valid",
    [
        ICP,
        "京ICP备2024026116号-1A",
        "京ICP证030173号",
        "粤B2-20090059-5",
        PSB,
        "京ICP备 12345678 号",
    ],
)
def test_no_number_holds_a_hash_so_cutting_at_one_loses_nothing(valid: str) -> None:
    parse = parse_psb if "公网安备" in valid else parse_icp
    parse(valid)
    for at in range(len(valid) + 1):
        for mark in ("#", "＃"):  # NFKC turns the full-width one into "#"
            with pytest.raises(NumberError):
                parse(valid[:at] + mark + valid[at:])


def test_an_empty_file_or_only_comments_at_startup_is_an_empty_table(path: Path) -> None:
    path.write_text("", encoding="utf-8")
    assert len(load_file(path).domains) == 0
    path.write_text("# nothing yet\n\n", encoding="utf-8")
    assert dict(load_file(path).domains) == {}


# -- errors -------------------------------------------------------------------------------------


def test_every_problem_names_the_file_its_line_and_an_example_line(path: Path) -> None:
    problems = problems_of(
        path,
        "\n".join(
            [
                "# line 1",
                f"good.cn={ICP}",
                "bad.cn=京ICP备1234号",  # 3
                "",
                f"*.wild.cn={ICP}",  # 5
                f"not a domain={ICP}",  # 6
                "noequals.cn",  # 7
                f"a.cn={ICP}; b.cn={ICP2}",  # 8
                f"psb.cn={ICP}|11010502030143",  # 9
                "萌.cn=萌ICP备20240001号",  # 10
            ]
        ),
    )
    where = {int(p.split(" line ")[1].split(":")[0]): p for p in problems}
    assert sorted(where) == [3, 5, 6, 7, 8, 9, 10]
    for line, problem in where.items():
        assert problem.startswith(f"ICP_FOOTER_DOMAINS_FILE {path} line {line}: "), problem
        assert problem.endswith(EXAMPLE_LINE), problem
    assert "8 or 10 digits, not 4" in where[3]
    assert 'already covers its subdomains: write "wild.cn"' in where[5]
    assert '"not a domain" is not a domain name' in where[6]
    assert '"noequals.cn": write DOMAIN=NUMBER, DOMAIN=NUMBER|PSB or DOMAIN=none' in where[7]
    assert 'one entry a line, without ";"' in where[8]
    assert "bare record code" in where[9]
    assert "fan badge" in where[10]


def test_a_domain_twice_in_the_file_names_both_lines(path: Path) -> None:
    problems = problems_of(
        path,
        f"example.cn={ICP}\n例子.中国=none\nWWW.Example.CN.=none\nEXAMPLE.cn={ICP2}\n"
        "xn--fsqu00a.xn--fiqs8s=none\n",
    )
    assert problems == [
        f"ICP_FOOTER_DOMAINS_FILE {path} line 4: example.cn has two entries: lines 1 and 4. "
        + EXAMPLE_LINE,
        f"ICP_FOOTER_DOMAINS_FILE {path} line 5: xn--fsqu00a.xn--fiqs8s has two entries: "
        f"lines 2 and 5. {EXAMPLE_LINE}",
    ]


def test_line_numbers_come_from_the_entries_not_from_the_path(tmp_path: Path) -> None:
    path = tmp_path / "line 7" / "domains line 9.txt"
    path.parent.mkdir()
    problems = problems_of(path, f"# comment\nexample.cn={ICP}\nexample.cn=none\n")
    assert problems == [
        f"ICP_FOOTER_DOMAINS_FILE {path} line 3: example.cn has two entries: lines 2 and 3. "
        + EXAMPLE_LINE
    ]


def test_a_domain_in_both_the_variable_and_the_file_is_an_error(path: Path) -> None:
    problems = problems_of(
        path, f"shop.example.cn={ICP2}\nexample.cn=none\n", ICP_FOOTER_DOMAINS=f"example.cn={ICP}"
    )
    assert problems == [
        f"ICP_FOOTER_DOMAINS_FILE {path} line 2: example.cn also has an entry in "
        f"ICP_FOOTER_DOMAINS: keep one of the two. {EXAMPLE_LINE}"
    ]


def test_a_file_that_is_not_utf8_names_the_line(path: Path) -> None:
    text = "example.com=none\n# 备案号\nexample.net=粤ICP备2020012345号\n"
    assert problems_of(path, text.encode("gb18030")) == [
        f"ICP_FOOTER_DOMAINS_FILE {path} line 2: byte 0xb1 is not UTF-8: save the file as "
        f"UTF-8. {EXAMPLE_LINE}"
    ]


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_file_that_cannot_be_read_stops_startup(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "domains.txt"
    if kind == "directory":
        target.mkdir()
    with pytest.raises(ConfigError) as caught:
        load({"ICP_FOOTER_DOMAINS_FILE": str(target)})
    (problem,) = caught.value.problems
    reason = "No such file or directory" if kind == "missing" else "Is a directory"
    assert problem == (
        f"ICP_FOOTER_DOMAINS_FILE: cannot read {target} ({reason}). "
        "Example: ICP_FOOTER_DOMAINS_FILE=/etc/icp-footer/domains.txt"
    )


def test_a_file_that_keeps_changing_while_read_stops_startup(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    real_fstat = os.fstat
    calls = iter(range(1_000_000))

    def growing(fd: int) -> Any:
        st = real_fstat(fd)
        return os.stat_result((*st[:6], st.st_size + next(calls), *st[7:]))

    monkeypatch.setattr(os, "fstat", growing)
    with pytest.raises(ConfigError, match="kept changing while it was read"):
        load_file(path)


def test_file_problems_come_with_every_other_problem(path: Path) -> None:
    problems = problems_of(path, "bad.cn=x\n", ICP_FOOTER_MISSING="loud")
    assert [p.split(" ")[0].rstrip(":") for p in problems] == [
        "ICP_FOOTER_DOMAINS_FILE",
        "ICP_FOOTER_MISSING",
    ]


def test_not_strict_logs_the_line_and_uses_the_number_as_given(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_text("\nexample.cn=京ICP备2099新格式号\nexample.com=bad\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        settings = load({"ICP_FOOTER_DOMAINS_FILE": str(path), "ICP_FOOTER_STRICT": "0"})
    assert number(settings, "example.cn") == "京ICP备2099新格式号"
    assert f"ICP_FOOTER_DOMAINS_FILE {path} line 2: " in caplog.text
    assert f"ICP_FOOTER_DOMAINS_FILE {path} line 3: " in caplog.text


@pytest.mark.parametrize("interval", [0, -1, "5", True])
def test_the_reload_interval_is_a_positive_number(path: Path, interval: Any) -> None:
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"reload_interval: .* is not a number of seconds > 0"):
        load_file(path, reload_interval=interval)


# -- with ICP_FOOTER_DOMAINS, keywords, paths --------------------------------------------------


def test_the_variable_and_the_file_make_one_table(path: Path) -> None:
    path.write_text(f"shop.example.cn={ICP2}\nexample.net=none\n", encoding="utf-8")
    settings = load(
        {
            "ICP_FOOTER_DOMAINS_FILE": str(path),
            "ICP_FOOTER_DOMAINS": f"example.cn={ICP}",
            "ICP_FOOTER_NUMBER": "粤B2-20090059",
        }
    )
    assert sorted(settings.domains) == ["example.cn", "example.net", "shop.example.cn"]
    assert number(settings, "www.example.cn") == ICP
    assert number(settings, "x.shop.example.cn") == ICP2  # the longest entry, whatever its source
    assert number(settings, "example.net") == "none"
    assert number(settings, "example.org") == "粤B2-20090059"


def test_the_keyword_takes_a_path_and_beats_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(f"example.cn={ICP}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"example.cn={ICP2}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load({"ICP_FOOTER_DOMAINS_FILE": "a.txt"}, domains_file=Path("b.txt"))
    assert number(settings, "example.cn") == ICP2
    table = settings.domains
    assert isinstance(table, DomainTable)
    assert table.path == str(tmp_path / "b.txt")  # absolute: a later chdir changes nothing
    assert type(table.current()) is dict
    assert load({"ICP_FOOTER_DOMAINS_FILE": ""}).domains == {}


def test_a_domain_table_is_a_read_only_mapping(path: Path) -> None:
    path.write_text(f"example.cn={ICP}\nexample.com=none\n", encoding="utf-8")
    table = load_file(path).domains
    assert len(table) == 2
    assert "example.cn" in table
    assert "www.example.cn" not in table
    assert table["example.com"] == Site("example.com", None, None)
    assert table.get("example.org") is None
    assert list(table.keys()) == ["example.cn", "example.com"]
    assert [s.domain for s in table.values()] == ["example.cn", "example.com"]
    assert table == dict(table.items())
    assert "2 entries" in repr(table)


# -- re-reading ---------------------------------------------------------------------------------


def test_a_changed_file_is_read_again_once_the_interval_passed(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock, reload_interval=5)
    path.write_text(f"example.cn={ICP2}\nexample.com=none\n", encoding="utf-8")
    clock.advance(4.9)
    assert number(settings, "example.cn") == ICP
    assert len(settings.domains) == 1
    clock.advance(0.1)
    with caplog.at_level(logging.INFO, logger="icp_footer"):
        assert number(settings, "example.cn") == ICP2
    assert number(settings, "example.com") == "none"
    assert f"ICP_FOOTER_DOMAINS_FILE {path} reloaded: 2 entries" in caplog.text


def test_a_reload_validates_only_the_entries_that_changed(
    path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = {
        "same.cn": f"same.cn={ICP}|{PSB}",
        "silent.cn": "silent.cn=none",
        "psb-goes.cn": f"psb-goes.cn={ICP}|{PSB}",
        "psb-comes.cn": f"psb-comes.cn={ICP}",
        "to-none.cn": f"to-none.cn={ICP}",
        "from-none.cn": "from-none.cn=none",
        "renumbered.cn": f"renumbered.cn={ICP}",
    }
    path.write_text("\n".join(lines.values()) + "\n", encoding="utf-8")
    settings = load_file(path, clock)
    before = dict(settings.domains)
    parsed: list[str] = []
    real_icp, real_psb = parse_icp, parse_psb

    def icp(text: str) -> Any:
        parsed.append(text)
        return real_icp(text)

    def psb(text: str) -> Any:
        parsed.append(text)
        return real_psb(text)

    monkeypatch.setattr(config_module, "parse_icp", icp)
    monkeypatch.setattr(config_module, "parse_psb", psb)
    replace(
        path,
        "# reordered, re-spaced, and five entries changed\n"
        f"renumbered.cn={ICP2}\n"
        f"  same.cn =  {ICP} |  {PSB}  # spaces around the numbers are not part of them\n"
        "silent.cn=NONE\n"
        f"psb-goes.cn={ICP}\n"
        f"psb-comes.cn={ICP}|{PSB}\n"
        "to-none.cn=none\n"
        f"from-none.cn={ICP}\n"
        f"new.cn={ICP2}\n",
    )
    clock.advance(5)
    after = dict(settings.domains)
    assert sorted(parsed) == sorted([ICP2, ICP, ICP, PSB, ICP, ICP2])
    assert after["same.cn"] is before["same.cn"]
    assert after["silent.cn"] is before["silent.cn"]
    for domain in ("psb-goes.cn", "psb-comes.cn", "to-none.cn", "from-none.cn", "renumbered.cn"):
        assert after[domain] != before[domain], domain
    assert number(settings, "renumbered.cn") == ICP2
    assert after["psb-goes.cn"].psb is None
    psb_comes = after["psb-comes.cn"].psb
    assert psb_comes is not None
    assert psb_comes.text == PSB
    assert after["to-none.cn"].silenced
    assert number(settings, "from-none.cn") == ICP
    assert number(settings, "new.cn") == ICP2


def test_a_rewrite_within_the_same_mtime_is_seen_by_its_size(path: Path, clock: Clock) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    before = path.stat()
    settings = load_file(path, clock)
    path.write_text(f"example.cn={ICP}|{PSB}\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # a coarse clock's same tick
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    clock.advance(5)
    site = settings.site_for("example.cn")
    assert site is not None
    assert site.psb is not None


def test_a_same_size_file_renamed_in_within_the_same_mtime_is_seen_by_its_inode(
    path: Path, clock: Clock
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    before = path.stat()
    settings = load_file(path, clock)
    new = path.with_name("domains.new")
    new.write_text(f"example.cn={ICP2}\n", encoding="utf-8")
    os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(new, path)
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ino != before.st_ino
    clock.advance(5)
    assert number(settings, "example.cn") == ICP2


def records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "icp_footer"]


def test_a_bad_new_file_keeps_the_old_table_and_is_logged_once(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock)
    replace(path, f"example.cn={ICP2}\nbad.cn=京ICP备1234号\n")
    with caplog.at_level(logging.INFO, logger="icp_footer"):
        for _ in range(5):
            clock.advance(5)
            for _ in range(10):
                assert number(settings, "www.example.cn") == ICP
    logged = records(caplog)
    assert len(logged) == 2, logged
    assert logged[0] == (
        f"icp-footer: ICP_FOOTER_DOMAINS_FILE {path} changed and cannot be used; the 1 entries "
        "loaded before stay in use until it is fixed:"
    )
    assert logged[1].startswith(f"icp-footer:   ICP_FOOTER_DOMAINS_FILE {path} line 2: ")
    assert "8 or 10 digits" in logged[1]
    caplog.clear()
    replace(path, f"example.cn={ICP2}\nbad.cn=京ICP备12345678号-3\n")
    clock.advance(5)
    with caplog.at_level(logging.INFO, logger="icp_footer"):
        assert number(settings, "www.example.cn") == ICP2
    assert records(caplog) == [f"icp-footer: ICP_FOOTER_DOMAINS_FILE {path} reloaded: 2 entries"]


def test_a_long_list_of_problems_is_logged_cut_short(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock)
    replace(path, "".join(f"bad{i}.cn=x\n" for i in range(25)))
    clock.advance(5)
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        assert number(settings, "example.cn") == ICP
    logged = records(caplog)
    assert len(logged) == 1 + 20 + 1
    assert logged[-1] == "icp-footer:   ... and 5 more"


def test_a_vanished_file_keeps_the_old_table_until_it_is_back(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock)
    path.unlink()
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        for _ in range(3):
            clock.advance(5)
            assert number(settings, "example.cn") == ICP
    logged = records(caplog)
    assert len(logged) == 2
    assert logged[1] == "icp-footer:   cannot read it (No such file or directory)"
    replace(path, f"example.cn={ICP2}\n")
    clock.advance(5)
    assert number(settings, "example.cn") == ICP2


def test_an_emptied_file_is_taken_as_being_written(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock)
    path.write_bytes(b"")  # open(path, "w") before the first write()
    clock.advance(5)
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        assert number(settings, "example.cn") == ICP
    assert "it is empty; taken as being rewritten" in caplog.text
    path.write_text("# every entry removed on purpose\n", encoding="utf-8")
    clock.advance(5)
    assert number(settings, "example.cn") is None


def test_a_bug_while_reading_again_never_fails_the_request(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock)

    def broken(text: str) -> Any:
        raise RuntimeError("a bug in the parser")

    monkeypatch.setattr(config_module, "parse_icp", broken)
    replace(path, f"example.cn={ICP2}\n")
    with caplog.at_level(logging.WARNING, logger="icp_footer"):
        for _ in range(3):
            clock.advance(5)
            assert number(settings, "example.cn") == ICP
    assert len(caplog.records) == 2
    assert caplog.records[0].exc_info is not None
    assert caplog.records[1].getMessage() == "icp-footer:   RuntimeError: a bug in the parser"


def test_the_file_is_stat_at_most_once_per_interval(
    path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    settings = load_file(path, clock, reload_interval=5)
    stats: list[str] = []
    real_stat = os.stat

    def counting(target: Any, *args: Any, **kw: Any) -> os.stat_result:
        if str(target) == str(path):
            stats.append(str(target))
        return real_stat(target, *args, **kw)

    monkeypatch.setattr(os, "stat", counting)

    def hammer() -> None:
        for host in ("example.cn", "www.example.cn", "example.org", "[::1]"):
            for _ in range(250):
                settings.site_for(host)
        assert len(settings.domains) == 1
        assert dict(settings.domains.items())

    hammer()
    assert stats == []
    clock.advance(4.999)
    hammer()
    assert stats == []
    clock.advance(0.001)
    hammer()
    assert len(stats) == 1
    clock.advance(2.5)
    hammer()
    assert len(stats) == 1
    clock.advance(2.5)
    hammer()
    assert len(stats) == 2
    clock.advance(3600)  # an idle hour: one look, not one per missed interval
    hammer()
    assert len(stats) == 3


def test_threads_see_the_old_table_or_the_new_one_never_a_mix(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 300
    versions = {
        tag: "".join(f"site{i}.cn=京ICP备1{i:07d}号-{tag}\n" for i in range(count))
        for tag in (1, 2)
    }
    path.write_text(versions[1], encoding="utf-8")

    def clock() -> float:
        now = time.monotonic()
        time.sleep(0)  # let another thread run between reading the clock and acting on it
        return now

    settings = load({"ICP_FOOTER_DOMAINS_FILE": str(path)}, reload_interval=0.002, clock=clock)
    real_stat = os.stat
    lock = threading.Lock()
    inside = [0, 0, 0]  # now, at most, calls

    def watched(target: Any, *args: Any, **kw: Any) -> os.stat_result:
        if str(target) != str(path):
            return real_stat(target, *args, **kw)
        with lock:
            inside[0] += 1
            inside[1] = max(inside[1], inside[0])
            inside[2] += 1
        try:
            time.sleep(0.0005)  # widen the window another checker would fall into
            return real_stat(target, *args, **kw)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(os, "stat", watched)
    stop = threading.Event()
    errors: list[BaseException] = []
    seen_tags: set[str] = set()

    def reader(offset: int) -> None:
        try:
            i = offset
            while not stop.is_set():
                i = (i + 7) % count
                site = settings.site_for(f"www.site{i}.cn")
                assert site is not None
                assert site.icp is not None
                text = site.icp.text
                assert text[:-1] == f"京ICP备1{i:07d}号-", text
                seen_tags.add(text[-1])
                if i % 10 == 0:
                    tags = {s.icp.text[-1] for s in settings.domains.values() if s.icp}
                    assert len(tags) == 1, tags  # one table, never half of each
                    assert settings.site_for("unknown.org") is None
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    # Switch threads every microsecond, not every 5 ms: a reader then lands inside any
    # window where a table is half built or half replaced.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    readers = [threading.Thread(target=reader, args=(n,)) for n in range(6)]
    for thread in readers:
        thread.start()
    try:
        for round_ in range(40):
            replace(path, versions[2 - round_ % 2])
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
        sys.setswitchinterval(switch)
    assert errors == []
    assert seen_tags == {"1", "2"}
    assert inside[1] == 1, "two threads looked at the file at once"
    assert inside[2] >= 2


# -- end to end -----------------------------------------------------------------------------------

PAGE = (
    b"<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title></head><body>"
    b"<main>home</main><footer class=site><p>\xc2\xa9 2026</p></footer></body></html>"
)


def page_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(PAGE)))]
    )
    return [PAGE]


def get(app: Any, host: str, path: str = "/") -> bytes:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "HTTP_HOST": host,
    }
    setup_testing_defaults(environ)
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        status.append(code)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    assert status == ["200 OK"]
    return body


def shown_number(body: bytes) -> str | None:
    link = LexborHTMLParser(body.decode()).css_first(
        "footer.site .icp-footer a[href='https://beian.miit.gov.cn/']"
    )
    return None if link is None else link.text()


def test_wsgi_a_changed_file_shows_on_the_next_home_page(path: Path, clock: Clock) -> None:
    path.write_text(f"example.cn={ICP}\nexample.com=none\n", encoding="utf-8")
    middleware = ICPFooterMiddleware(
        validator(page_app), environ={}, domains_file=str(path), clock=clock
    )
    app = validator(middleware)
    assert shown_number(get(app, "www.example.cn")) == ICP
    assert get(app, "example.com") == PAGE
    assert b"icp-footer-banner" in get(app, "new.example.cn.evil.org")

    replace(path, f"example.cn={ICP2}\nnew.example.org=粤ICP备2020012345号\n# example.com: sold\n")
    assert shown_number(get(app, "www.example.cn")) == ICP  # within the interval: unchanged
    clock.advance(5)
    assert shown_number(get(app, "www.example.cn")) == ICP2
    assert shown_number(get(app, "new.example.org")) == "粤ICP备2020012345号"
    assert b"icp-footer-banner" in get(app, "example.com")
    assert get(app, "www.example.cn", "/about") == PAGE


def test_asgi_a_changed_file_shows_on_the_next_home_page(path: Path, clock: Clock) -> None:
    async def page(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE})

    path.write_text(f"example.cn={ICP}\n", encoding="utf-8")
    app = ASGIMiddleware(page, environ={}, domains_file=path, clock=clock)

    async def home() -> str | None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://www.example.cn") as c:
            return shown_number((await c.get("/")).content)

    assert asyncio.run(home()) == ICP
    replace(path, f"example.cn={ICP2}\n")
    clock.advance(5)
    assert asyncio.run(home()) == ICP2


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ICP_FOOTER_")}
    return subprocess.run(
        [sys.executable, "-m", "icp_footer.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_icp_footer_config_lists_the_file_entries_and_its_errors(path: Path) -> None:
    path.write_text(f"example.cn={ICP}|{PSB}\nexample.com=none\n", encoding="utf-8")
    done = run_cli("config", "--host", "www.example.cn", ICP_FOOTER_DOMAINS_FILE=str(path))
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert ICP in rows["example.cn"]
    assert PSB in rows["example.cn"]
    assert "none (shows nothing)" in rows["example.com"]
    assert "the entry for example.cn" in done.stdout
    path.write_text(f"example.cn={ICP}\nexample.cn=none\n", encoding="utf-8")
    done = run_cli("config", ICP_FOOTER_DOMAINS_FILE=str(path))
    assert done.returncode == 2
    assert f"ICP_FOOTER_DOMAINS_FILE {path} line 2: example.cn has two entries" in done.stderr


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert set(threading.enumerate()) <= before
